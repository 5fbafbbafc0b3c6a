"""``kq baseline``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from kuangquan_cli.cli.options import (
    CONTEXT,
    KqCommand,
    PathType,
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
@click.argument("file", required=False, metavar="[全区台账文件]",
                type=PathType(dir_okay=False, exists=True))
@week_options
@click.option("--note", help="这一版底数的说明：谁、为什么存入（如“9月20日各盟市逐矿核实结果，张三”）")
@click.option("--db", "db_path", type=PathType(dir_okay=False),
              help="快照数据库，默认为环境变量 KQ_DB，否则为 ./kq.db")
@text_or_json_option
@plan_option
@limits_options
def baseline(file: Path | None, week: int | None, year: int | None, note: str | None, db_path: Path | None,
             fmt: str, plan_path: Path | None, limits: Limits) -> None:
    """存入核实后的底数清单，或列出已存的各版底数。

    kq baseline --week 38 取已汇总的第 38 周；kq baseline 全区台账.xlsx 取一个全区台账文件。
    有错误的行、缺少盟市的清单不能作为底数。每次存入都是新的一版，旧版保留；此后每次汇总都与最新一版核对。
    不带参数时列出已存的各版底数。
    """
    from kuangquan_cli.merging.store import resolve_db_path

    db = resolve_db_path(db_path)
    if file is not None and week is not None:
        raise click.UsageError("全区台账文件与 --week 只能给一个")
    if file is None and week is None:
        if note is not None or year is not None:
            raise click.UsageError(f"{'--note' if note is not None else '--year'} 只在存入底数时使用")
        _list(db, fmt)
        return
    from kuangquan_cli.merging.baseline import store_baseline_from_file, store_baseline_from_week
    from kuangquan_cli.reference.plan import load_plan

    plan = load_plan(plan_path)
    if file is not None:
        info = store_baseline_from_file(db, file, plan, note, limits)
    else:
        assert week is not None
        info = store_baseline_from_week(db, year or plan.year, week, plan, note)
    if fmt == "json":
        emit_json(info.to_dict())
        return
    said = f"；说明：{info.note}" if info.note else ""
    click.echo(f"已存入底数第 {info.version} 版：{info.rights} 个矿业权，取自 {info.source}{said}（数据库 {db}）")


def _list(db: Path, fmt: str) -> None:
    from kuangquan_cli.merging.store import Store

    with Store(db) as store:
        store.check()
        versions = store.baselines()
    if fmt == "json":
        emit_json({"baselines": [v.to_dict() for v in versions]})
        return
    from kuangquan_cli.cli.render.console import make_console
    from kuangquan_cli.cli.render.merge import render_baselines

    render_baselines(make_console(), versions)
