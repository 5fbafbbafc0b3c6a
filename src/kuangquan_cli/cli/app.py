"""The ``kq`` command line: parses options and calls the library, nothing more.

Each sub-command lives in ``kuangquan_cli.cli.commands``; the library is imported inside the
command so that ``kq --help`` stays fast.
"""

from __future__ import annotations

import os
import sys

import click

from kuangquan_cli.cli.commands.baseline import baseline
from kuangquan_cli.cli.commands.changes import changes
from kuangquan_cli.cli.commands.history import history
from kuangquan_cli.cli.commands.merge import merge
from kuangquan_cli.cli.commands.pack import pack
from kuangquan_cli.cli.commands.report import report
from kuangquan_cli.cli.commands.samples import samples
from kuangquan_cli.cli.commands.schema import schema
from kuangquan_cli.cli.commands.serve import serve
from kuangquan_cli.cli.commands.template import template
from kuangquan_cli.cli.commands.tokens import tokens
from kuangquan_cli.cli.commands.validate import validate
from kuangquan_cli.cli.options import CONTEXT, BadValue, KqGroup, param_name
from kuangquan_cli.errors import KqError, os_error_reason
from kuangquan_cli.text import visible


# Plain ``kq`` shows the help; the usage line still says a command is what does the work.
@click.group(cls=KqGroup, context_settings=CONTEXT, invoke_without_command=True, subcommand_metavar="COMMAND [ARGS]...")
@click.version_option(package_name="kuangquan-cli", message="kq %(version)s")
@click.option("--debug", is_flag=True, help="出错时显示完整的错误堆栈（用于报告问题）")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """kq：盘活矿业权台账校验、汇总与周报工具。"""
    if ctx.invoked_subcommand is None:  # plain ``kq`` is a request for help, not a mistake
        click.echo(ctx.get_help())


cli.add_command(validate)
cli.add_command(schema)
cli.add_command(samples)
cli.add_command(template)
cli.add_command(merge)
cli.add_command(history)
cli.add_command(baseline)
cli.add_command(report)
cli.add_command(changes)
cli.add_command(pack)
cli.add_command(tokens)
cli.add_command(serve)


def _is_flag(option: str) -> bool:
    """Whether ``option`` (such as ``--strict``) is a flag of any command: click tells a flag
    given a value from a value option given none only in English."""
    params = [p for command in (cli, *cli.commands.values()) for p in command.params]
    return any(isinstance(p, click.Option) and p.is_flag and option in p.opts for p in params)


def _usage_message(exc: click.UsageError) -> str:
    """A usage error in Chinese: kq's own parameter types and commands word theirs; click's
    other usage errors are worded here from what they carry, never from click's English text."""
    if isinstance(exc, BadValue):
        return exc.message
    if isinstance(exc, click.NoSuchOption):
        import difflib  # only on this mistake: kq --help stays quick

        close = difflib.get_close_matches(exc.option_name, exc.possibilities or [], n=1, cutoff=0.75)
        return f"没有选项 {exc.option_name}" + (f"；是否应为 {close[0]}？" if close else "")
    if isinstance(exc, click.BadOptionUsage):
        return f"选项 {exc.option_name} {'不带值' if _is_flag(exc.option_name) else '后面缺少值'}"
    if isinstance(exc, click.MissingParameter):
        kind = "参数" if isinstance(exc.param, click.Argument) else "选项"
        return f"缺少{kind} {param_name(exc.param)}"
    if isinstance(exc, click.BadParameter):
        return f"{param_name(exc.param)} 的值无效"
    return exc.format_message()  # raised by kq itself, in Chinese


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
        cli.main(prog_name="kq", standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.Abort:
        click.echo("已中断", err=True)
        sys.exit(130)
    except click.UsageError as exc:
        command = exc.ctx.command_path if exc.ctx else "kq"
        click.echo(f"用法错误：{_usage_message(exc)}（用 {command} --help 查看用法）", err=True)
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
