"""Options and helpers shared by the ``kq`` sub-commands."""

from __future__ import annotations

from datetime import date
from typing import Any

import click

CONTEXT = {"help_option_names": ["-h", "--help"]}


class PathType(click.Path):
    """``click.Path`` handing the command a ``pathlib.Path``: pathlib is imported when a command
    runs, not for ``kq --help`` (where it would be a tenth of the time kq adds to click)."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        from pathlib import Path

        return Path(super().convert(value, param, ctx))


def plan_option(func: Any) -> Any:
    return click.option("--plan", "plan_path", type=click.Path(dir_okay=False), help="方案底数文件（TOML），默认为内置 2022 年方案")(func)


def week_options(func: Any) -> Any:
    func = click.option("--year", type=int, help="ISO 周所在年份，默认为方案年份")(func)
    return click.option("--week", type=click.IntRange(1, 53), help="ISO 周次，如 38")(func)


def as_of_date(plan_year: int, week: int | None, year: int | None) -> date:
    """The last day the data may speak of: Sunday of the given week, else today."""
    if week is None:
        return date.today()
    from kuangquan_cli.weeks import week_range

    return week_range(year or plan_year, week)[1]


def emit_json(data: dict[str, Any]) -> None:
    import json

    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))
