"""``kq history``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from kuangquan_cli.cli.options import CONTEXT, KqCommand, PathType, emit_json, text_or_json_option

if TYPE_CHECKING:
    from pathlib import Path


@click.command(cls=KqCommand, context_settings=CONTEXT)
@click.option("--db", "db_path", type=PathType(dir_okay=False),
              help="快照数据库，默认为环境变量 KQ_DB，否则为 ./kq.db")
@text_or_json_option
def history(db_path: Path | None, fmt: str) -> None:
    """列出数据库中已保存的各周汇总（行数、已汇总、待核实、文件数、汇总时间）。"""
    from kuangquan_cli.merging.store import Store, resolve_db_path

    with Store(resolve_db_path(db_path)) as store:
        store.check()  # the command that looks at the store says whether it is damaged
        weeks = store.weeks()
    if fmt == "json":
        from dataclasses import asdict

        emit_json({"weeks": [asdict(w) | {"label": w.label} for w in weeks]})
        return
    from kuangquan_cli.cli.render.console import make_console
    from kuangquan_cli.cli.render.merge import render_history

    render_history(make_console(), weeks)
