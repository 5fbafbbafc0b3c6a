"""The ``kq`` command line: parses options and calls the library, nothing more.

Each sub-command lives in ``kuangquan_cli.cli.commands``; the library is imported inside the
command so that ``kq --help`` stays fast.
"""

from __future__ import annotations

import os
import sys

import click

from kuangquan_cli.cli.commands.history import history
from kuangquan_cli.cli.commands.merge import merge
from kuangquan_cli.cli.commands.report import report
from kuangquan_cli.cli.commands.samples import samples
from kuangquan_cli.cli.commands.schema import schema
from kuangquan_cli.cli.commands.template import template
from kuangquan_cli.cli.commands.validate import validate
from kuangquan_cli.cli.options import CONTEXT, KqContext
from kuangquan_cli.errors import KqError, os_error_reason
from kuangquan_cli.text import visible


@click.group(context_settings=CONTEXT)
@click.version_option(package_name="kuangquan-cli", message="kq %(version)s")
@click.option("--debug", is_flag=True, help="出错时显示完整的错误堆栈（用于报告问题）")
def cli(debug: bool) -> None:
    """kq：盘活矿业权台账校验、汇总与周报工具。"""


cli.add_command(validate)
cli.add_command(schema)
cli.add_command(samples)
cli.add_command(template)
cli.add_command(merge)
cli.add_command(history)
cli.add_command(report)
for _command in (cli, *cli.commands.values()):
    _command.context_class = KqContext


def _usage_message(exc: click.UsageError) -> str:
    """click's usage errors in Chinese where they are the usual ones, else click's own words."""
    if isinstance(exc, click.NoSuchOption):
        return f"没有选项 {exc.option_name}"
    if isinstance(exc, click.BadParameter) and exc.param is not None:
        hint = exc.param.get_error_hint(exc.ctx) if exc.ctx else exc.param.name
        if isinstance(exc, click.MissingParameter):
            return f"缺少 {hint}"
        return f"{hint} 的值无效：{exc.message}"
    return exc.format_message()


def _tolerant_output() -> None:
    """A character the terminal's encoding lacks (a rare 汉字 in a name, on a GBK console) is
    shown as "?" rather than stopping kq half-way through its output."""
    for stream in (sys.stdout, sys.stderr):
        if getattr(stream, "errors", None) == "strict" and hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")


def main() -> None:
    """Entry point: user errors become one Chinese line and exit 2; ``--debug`` shows tracebacks."""
    debug = "--debug" in sys.argv[1:] or os.environ.get("KQ_DEBUG") == "1"
    _tolerant_output()
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.Abort:
        click.echo("已中断", err=True)
        sys.exit(130)
    except click.UsageError as exc:
        click.echo(f"用法错误：{_usage_message(exc)}（用 kq --help 查看用法）", err=True)
        sys.exit(2)
    except KqError as exc:
        click.echo(f"错误：{visible(str(exc))}", err=True)
        sys.exit(2)
    except OSError as exc:  # the machine's fault (disk, permissions, names), not kq's: said as such
        where = f"{os.fsdecode(exc.filename)}：" if exc.filename else ""
        click.echo(f"错误：{visible(where)}{os_error_reason(exc)}", err=True)
        sys.exit(2)
    except Exception as exc:  # a bug: one line for the user, the traceback with --debug
        if debug:
            import traceback  # only here: it costs a tenth of kq --help

            traceback.print_exc()
        click.echo(f"内部错误：{type(exc).__name__}: {exc}（请加 --debug 重新运行并报告）", err=True)
        sys.exit(2)
