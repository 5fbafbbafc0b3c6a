"""``kq merge``."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from kuangquan_cli.cli.options import (
    CONTEXT,
    KqCommand,
    PathType,
    deadline_option,
    emit_json,
    limits_options,
    plan_option,
    text_or_json_option,
    week_options,
)

if TYPE_CHECKING:
    from pathlib import Path

    from kuangquan_cli.reading.limits import Limits


@click.command(cls=KqCommand, context_settings=CONTEXT)
@click.argument("directory", metavar="文件夹",
                type=PathType(file_okay=False, exists=True, hint="；要校验一个台账文件，请用 kq validate {path}"))
@week_options
@click.option("--out", type=PathType(dir_okay=False),
              help="汇总台账的保存位置，默认为 out/汇总台账_<年>-W<周>.xlsx")
@click.option("--db", "db_path", type=PathType(dir_okay=False),
              help="快照数据库，默认为环境变量 KQ_DB，否则为 ./kq.db")
@text_or_json_option
@plan_option
@click.option("--strict", is_flag=True, help="警告也按错误计（退出码 1）")
@click.option("--deadline", metavar="时限",
              help="本周报送时限，如 \"2022-09-23 17:00\" 或 \"周五 17:00\"：文件存入文件夹的时间不晚于它的"
                   "记为按时报送；默认取方案文件的 weekly_deadline，都没有时不判断是否按时")
@limits_options
def merge(directory: Path, week: int | None, year: int | None, out: Path | None, db_path: Path | None, fmt: str,
          plan_path: Path | None, strict: bool, deadline: str | None, limits: Limits) -> None:
    """汇总一个文件夹中各盟市的台账：校验每个文件，合并为全区一本账，与方案底数核对，
    写出汇总台账工作簿，并把本周快照存入数据库（重复汇总同一周会替换该周快照）。

    周次取 --week，否则取文件夹名（如 2022-W38、第38周），否则为本周。文件夹中文件名含盟市名称的
    .pdf/.jpg/.png 是该盟市的盖章扫描版。
    """
    from kuangquan_cli.jobs import merge_and_store
    from kuangquan_cli.merging.merge import resolve_week
    from kuangquan_cli.merging.store import resolve_db_path
    from kuangquan_cli.reference.plan import load_plan

    plan = load_plan(plan_path)
    year, week = resolve_week(directory, plan.year, week, year)
    due = deadline_option(deadline, year, week) if deadline else None
    result = merge_and_store(directory, plan, year, week, out=out, db=resolve_db_path(db_path), limits=limits,
                             deadline=due)
    if fmt == "json":
        emit_json(result.to_dict())
    else:
        from kuangquan_cli.cli.render.console import make_console
        from kuangquan_cli.cli.render.merge import render_merge

        render_merge(make_console(), result, plan)
    sys.exit(result.exit_code(strict))
