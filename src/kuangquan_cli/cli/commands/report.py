"""``kq report``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from kuangquan_cli.cli.options import CONTEXT, KqCommand, OneOf, PathType, plan_option, week_options

if TYPE_CHECKING:
    from pathlib import Path


@click.command(cls=KqCommand, context_settings=CONTEXT)
@week_options
@click.option("--db", "db_path", type=PathType(dir_okay=False),
              help="快照数据库，默认为环境变量 KQ_DB，否则为 ./kq.db")
@click.option("--format", "fmt", type=OneOf(["html", "md", "docx"]),
              help="html（网页，可直接转发、打印）、md（Markdown，便于粘贴到消息中）或 docx（Word 文档，"
                   "按党政机关公文格式排版）；默认按 --out 的扩展名，否则为 html")
@click.option("--out", type=PathType(dir_okay=False),
              help="通报的保存位置，默认为 out/全区盘活矿业权工作进展通报_<年>-W<周>.html（或 .md、.docx）")
@plan_option
def report(week: int | None, year: int | None, db_path: Path | None, fmt: str | None, out: Path | None,
           plan_path: Path | None) -> None:
    """根据数据库中的周汇总生成全区盘活矿业权工作进展通报（与上一次汇总比较本周变化）。

    不指定 --week 时为数据库中最新的一周；同一周重新生成会覆盖原有通报。
    """
    from kuangquan_cli.merging.store import resolve_db_path
    from kuangquan_cli.reference.plan import load_plan
    from kuangquan_cli.report.render import write_report

    data, written = write_report(resolve_db_path(db_path), load_plan(plan_path), year, week, fmt, out)
    compared = f"，与 {data.previous} 比较" if data.previous else "（数据库中没有更早的汇总，未作周比较）"
    click.echo(f"已生成 {data.label} 通报{compared}：{written}")
