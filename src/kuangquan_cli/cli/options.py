"""Options and helpers shared by the ``kq`` sub-commands."""

from __future__ import annotations

import functools
import os
import re
import stat
import sys
from datetime import date, datetime
from typing import Any

import click

from kuangquan_cli.text import display_width

CONTEXT = {"help_option_names": ["-h", "--help"]}

#: click's own words in ``--help``, in the users' language.
_CLICK_WORDS = {
    "Options": "选项",
    "Commands": "命令",
    "Arguments": "参数",
    "Show this message and exit.": "显示本帮助并退出",
    "Show the version and exit.": "显示版本号并退出",
}


#: click's placeholders for the value an option or argument takes.
_METAVARS = {
    "COMMAND [ARGS]...": "命令 [参数]...", "[OPTIONS]": "[选项]", "INTEGER RANGE": "整数", "FLOAT RANGE": "数值",
    "INTEGER": "整数", "FLOAT": "数值", "TEXT": "文本", "FILE": "文件", "DIRECTORY": "文件夹", "PATH": "路径",
}
#: What click appends to an option's help, as ``[default: text]``.
_HELP_EXTRAS = {"[default: ": "[默认：", "[required]": "[必填]"}
#: The placeholders as whole words (``FILE``, not the start of ``FILES``), longest first.
_METAVAR_WORDS = re.compile("|".join(rf"(?<!\w){re.escape(w)}(?!\w)" for w in sorted(_METAVARS, key=len, reverse=True)))


def _placeholders(term: str) -> str:
    return _METAVAR_WORDS.sub(lambda found: _METAVARS[found[0]], term)


def _help_text(text: str) -> str:
    text = _CLICK_WORDS.get(text, text)
    for english, chinese in _HELP_EXTRAS.items():
        text = text.replace(english, chinese)
    return text


class ChineseHelpFormatter(click.HelpFormatter):
    """``--help`` with click's headings, placeholders and standard option texts in Chinese."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, _placeholders(args), "用法：" if prefix is None else prefix)

    def section(self, name: str) -> Any:
        return super().section(_CLICK_WORDS.get(name, name))

    def write_heading(self, heading: str) -> None:
        self.write(f"{'':>{self.current_indent}}{heading}：\n")

    def write_dl(self, rows: Any, col_max: int = 30, col_spacing: int = 2) -> None:
        """click's definition list, its first column lined up by display width: a Chinese
        placeholder takes two columns a character, where click counts one."""
        rows = [(_placeholders(term), _help_text(text)) for term, text in rows]
        first_col = min(max((display_width(term) for term, _ in rows), default=0), col_max) + col_spacing
        indent = " " * self.current_indent
        for term, text in rows:
            self.write(f"{indent}{term}")
            if not text:
                self.write("\n")
                continue
            width = display_width(term)
            fits = width <= first_col - col_spacing
            self.write(" " * (first_col - width) if fits else f"\n{indent}{' ' * first_col}")
            lines = click.wrap_text(text, max(self.width - first_col - 2, 10), preserve_paragraphs=True).splitlines()
            self.write(f"{lines[0] if lines else ''}\n")
            for line in lines[1:]:
                self.write(f"{indent}{' ' * first_col}{line}\n")


class KqContext(click.Context):
    formatter_class = ChineseHelpFormatter


class KqCommand(click.Command):
    """A ``kq`` sub-command: Chinese help, and a Chinese refusal of arguments it does not take
    (click's own check says it in English, so extra arguments are let through and refused here)."""

    context_class = KqContext
    allow_extra_args = True

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            rest = super().parse_args(ctx, args)
        except click.UsageError as exc:  # click's parser leaves some without the command they concern
            exc.ctx = exc.ctx or ctx
            raise
        if ctx.args and not ctx.resilient_parsing:
            raise click.UsageError(f"多余的参数：{' '.join(ctx.args)}", ctx)
        return rest


class KqGroup(click.Group):
    """``kq`` itself: an unknown command is refused in Chinese, with the nearest one offered."""

    context_class = KqContext

    def resolve_command(self, ctx: click.Context, args: list[str]) -> Any:
        name = args[0] if args else ""
        if name and not name.startswith("-") and self.get_command(ctx, name) is None:
            import difflib  # only on this mistake: kq --help stays quick

            visible = [n for n, c in self.commands.items() if not c.hidden]
            close = difflib.get_close_matches(name, visible, n=1)
            maybe = f"；是否应为 {ctx.command_path} {close[0]}？" if close else f"；可用的命令：{'、'.join(visible)}"
            raise click.UsageError(f"没有命令 {name}{maybe}", ctx)
        return super().resolve_command(ctx, args)


# --- parameter types that refuse a value in Chinese -------------------------------------------


class BadValue(click.BadParameter):
    """A value refused by one of kq's parameter types: its message is a whole Chinese sentence."""


def param_name(param: click.Parameter | None) -> str:
    """How a message names a parameter: an option by its long flag, an argument by its placeholder."""
    if param is None:
        return "参数"
    if isinstance(param, click.Option):
        return next((o for o in param.opts if o.startswith("--")), param.opts[0])
    return param.human_readable_name


def _range_text(low: Any, high: Any, low_open: bool, high_open: bool) -> str:
    """A range as ``--help`` shows it after an option and a message names it: 1–53, 大于 0 …"""
    if low is not None and high is not None:
        return f"{low}–{high}"
    if low is not None:
        return f"{'大于' if low_open else '不小于'}{low}"
    if high is not None:
        return f"{'小于' if high_open else '不大于'}{high}"
    return ""


def _range_refusal(kind: click.IntRange | click.FloatRange, noun: str, value: Any, param: click.Parameter | None,
                   ctx: click.Context | None) -> BadValue:
    """A number outside ``kind``'s range, or no number: ``--week 应为 1–53 之间的整数，现为 99``."""
    within = _range_text(kind.min, kind.max, kind.min_open, kind.max_open)
    wanted = f" {within} 之间的{noun}" if "–" in within else f"{within}的{noun}" if within else noun
    return BadValue(f"{param_name(param)} 应为{wanted}，现为 {value}", ctx, param)


class Integer(click.IntRange):
    """An integer, within bounds if given."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        try:
            return super().convert(value, param, ctx)
        except click.BadParameter:
            raise _range_refusal(self, "整数", value, param, ctx) from None

    def _describe_range(self) -> str:
        return _range_text(self.min, self.max, self.min_open, self.max_open)


class Number(click.FloatRange):
    """A number, within bounds if given."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        try:
            return super().convert(value, param, ctx)
        except click.BadParameter:
            raise _range_refusal(self, "数", value, param, ctx) from None

    def _describe_range(self) -> str:
        return _range_text(self.min, self.max, self.min_open, self.max_open)


class OneOf(click.Choice):
    """One of a few words, such as ``--format text|json``."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        try:
            return super().convert(value, param, ctx)
        except click.BadParameter:
            choices = "、".join(map(str, self.choices))
            raise BadValue(f"{param_name(param)} 应为 {choices} 之一，现为 {value}", ctx, param) from None


class PathType(click.Path):
    """A path handed to the command as a ``pathlib.Path``, refused in Chinese when it is missing
    (with ``exists``) or is a folder where a file is wanted or the other way round; ``hint``
    (with ``{path}``) says what to run instead. pathlib is imported when a command runs, not for
    ``kq --help`` (where it would be a tenth of the time kq adds to click)."""

    def __init__(self, *, file_okay: bool = True, dir_okay: bool = True, exists: bool = False, hint: str = "") -> None:
        super().__init__(file_okay=file_okay, dir_okay=dir_okay, exists=exists)
        self.hint = hint

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        from pathlib import Path

        path = Path(os.fsdecode(value))
        hint = self.hint.format(path=path)
        try:
            mode: int | None = os.stat(path).st_mode
        except (OSError, ValueError):  # absent, or a name the system refuses: the command says why
            mode = None
        if self.exists and mode is None:
            raise BadValue(f"找不到{'文件夹' if not self.file_okay else '文件'} {path}", ctx, param)
        if not self.dir_okay and mode is not None and stat.S_ISDIR(mode):
            raise BadValue(f"{path} 是文件夹，不是文件{hint}", ctx, param)
        if not self.file_okay and mode is not None and not stat.S_ISDIR(mode):
            raise BadValue(f"{path} 是文件，不是文件夹{hint}", ctx, param)
        return path


def plan_option(func: Any) -> Any:
    return click.option(
        "--plan", "plan_path", type=PathType(dir_okay=False), help="方案底数文件（TOML），默认为内置 2022 年方案"
    )(func)


def text_or_json_option(func: Any) -> Any:
    """``--format text|json``: the terminal view, or the JSON scripts read."""
    return click.option(
        "--format", "fmt", type=OneOf(["text", "json"]), default="text", show_default=True, help="输出格式"
    )(func)


def week_options(func: Any) -> Any:
    func = click.option("--year", type=Integer(), help="ISO 周所在年份，默认为方案年份")(func)
    return click.option("--week", type=Integer(1, 53), help="ISO 周次，如 38")(func)


_LIMITS = (
    ("--max-file-mb", "max_file_mb", float, "单个文件大小上限（MB），默认 50"),
    ("--max-unzipped-mb", "max_unzipped_mb", float, ".xlsx 解压后总大小上限（MB），默认 200"),
    ("--max-ratio", "max_ratio", float, "大于 1 MB 的部件解压比上限，默认 100"),
    ("--max-cells", "max_cells", int, "各工作表内容范围的单元格总数上限，默认 2000000"),
)


def limits_options(func: Any) -> Any:
    """``--max-file-mb`` … ``--max-cells``: handed to the command as one ``limits`` argument,
    the ``KQ_MAX_*`` environment variables (or the defaults) with the options given put in place."""

    @functools.wraps(func)
    def command(*args: Any, **kwargs: Any) -> Any:
        from kuangquan_cli.reading.limits import Limits

        given = {name: kwargs.pop(name) for _, name, _, _ in _LIMITS}
        return func(*args, limits=Limits.from_env().overridden(**given), **kwargs)

    for flag, name, kind, text in reversed(_LIMITS):
        low = Integer(min=1) if kind is int else Number(min=0, min_open=True)
        command = click.option(flag, name, type=low, help=f"{text}（也可用环境变量 KQ_{name.upper()}）")(command)
    return command


def as_of_date(plan_year: int, week: int | None, year: int | None) -> date:
    """The last day the data may speak of: Sunday of the given week, else today."""
    if week is None:
        return date.today()
    from kuangquan_cli.reference.weeks import week_range

    return week_range(year or plan_year, week)[1]


def deadline_option(text: str, year: int, week: int) -> datetime:
    """``--deadline`` as the moment it names in the week (a weekday is that week's)."""
    from kuangquan_cli.reference.weeks import DEADLINE_FORMS, deadline_in

    try:
        return deadline_in(text, year, week)
    except ValueError:
        raise BadValue(f"--deadline 应写作{DEADLINE_FORMS}，现为 {text}") from None


def emit_json(data: dict[str, Any]) -> None:
    """The JSON on standard output: as text on a terminal, else as UTF-8 bytes whatever the
    locale (a program reading it expects UTF-8; a GBK console's encoding lacks rare 汉字)."""
    import json

    text = json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n"
    if sys.stdout.isatty():
        click.echo(text, nl=False)
        return
    sys.stdout.flush()
    sys.stdout.buffer.write(text.encode("utf-8"))
    sys.stdout.buffer.flush()
