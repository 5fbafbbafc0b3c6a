"""The click command line: options, one module per command, terminal rendering."""

from kuangquan_cli.cli.app import main

__all__ = ["main"]
