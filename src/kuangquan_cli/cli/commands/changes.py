"""``kq changes``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from kuangquan_cli.cli.options import (
    CONTEXT,
    KqCommand,
    PathType,
    emit_json,
    plan_option,
    text_or_json_option,
    week_options,
)

if TYPE_CHECKING:
    from pathlib import Path


@click.command(cls=KqCommand, context_settings=CONTEXT)
@week_options
@click.option("--db", "db_path", type=PathType(dir_okay=False),
              help="快照数据库，默认为环境变量 KQ_DB，否则为 ./kq.db")
@text_or_json_option
@plan_option
def changes(week: int | None, year: int | None, db_path: Path | None, fmt: str, plan_path: Path | None) -> None:
    """逐矿权（按许可证号）列出一周的台账与数据库中上一次汇总相比的全部变动：消失、新增、改报其他盟市、
    许可证号变更、由已完成退回、完成日期变更、转为不具备条件、任务或原因变更，以及新完成、手续办结、启动。

    不指定 --week 时为数据库中最新的一周。
    """
    from kuangquan_cli.merging.store import resolve_db_path
    from kuangquan_cli.merging.stored_changes import week_changes
    from kuangquan_cli.reference.plan import load_plan

    label, found = week_changes(resolve_db_path(db_path), load_plan(plan_path).year, year, week)
    if fmt == "json":
        emit_json({"week": label, **found.to_dict()})
        return
    from kuangquan_cli.cli.render.changes import render_changes
    from kuangquan_cli.cli.render.console import make_console

    render_changes(make_console(), found, label)
