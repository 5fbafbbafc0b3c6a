"""``kq pack``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from kuangquan_cli.cli.options import CONTEXT, Integer, KqCommand, PathType, plan_option

if TYPE_CHECKING:
    from pathlib import Path


@click.command(cls=KqCommand, context_settings=CONTEXT)
@click.option("--week", type=Integer(1, 53), required=True, help="ISO 周次，如 38")
@click.option("--year", type=Integer(), help="ISO 周所在年份，默认为方案年份")
@click.option("--db", "db_path", type=PathType(dir_okay=False),
              help="快照数据库，默认为环境变量 KQ_DB，否则为 ./kq.db")
@click.option("--out", type=PathType(file_okay=False),
              help="分送材料的文件夹，默认为 out/分送材料_<年>-W<周>")
@click.option("--force", is_flag=True, help="覆盖已存在的分送材料文件夹")
@plan_option
def pack(week: int, year: int | None, db_path: Path | None, out: Path | None, force: bool,
         plan_path: Path | None) -> None:
    """按收件单位整理数据库中一周的分送材料：每个盟市一个文件夹（各台账的标注副本和一页反馈单），
    每个成员单位一个文件夹（本部门办理的待办手续清单），另有目录。"""
    from kuangquan_cli.jobs import INDEX_NAME, pack_week
    from kuangquan_cli.merging.store import resolve_db_path
    from kuangquan_cli.reference.plan import load_plan
    from kuangquan_cli.reference.weeks import week_range

    plan = load_plan(plan_path)
    year = year or plan.year
    week_range(year, week)  # refuses a week the year does not have
    packed = pack_week(resolve_db_path(db_path), plan, year, week, out=out, force=force)
    recipients = len({f.recipient for f in packed.files})
    click.echo(f"已写出 {packed.label} 分送材料：{packed.folder}（{recipients} 个收件单位，{len(packed.files)} 个文件；"
               f"目录见 {INDEX_NAME}）")
    for copy in packed.no_copy:
        click.echo(f"未能生成 {copy.file} 的标注副本：{copy.reason}（反馈单中已注明）")
