from kuangquan_cli.cli import main

main()
