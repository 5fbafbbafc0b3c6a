@echo off
rem 启动本文件夹中安装的 kq。与 kq-env\Scripts\kq.exe 运行的是同样两行，但不写死 Python 的路径，
rem 安装后移动本文件夹也能用。
if not exist "%~dp0kq-env\Scripts\python.exe" (
    echo 尚未安装 kq：请先运行本文件夹中的 install.bat
    exit /b 2
)
"%~dp0kq-env\Scripts\python.exe" -c "import sys; sys.argv[0] = 'kq'; from kuangquan_cli.cli import main; main()" %*
