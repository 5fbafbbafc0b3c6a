"""``kq history``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from kuangquan_cli.cli.options import CONTEXT, KqCommand, PathType, emit_json, text_or_json_option, week_options

if TYPE_CHECKING:
    from pathlib import Path


@click.command(cls=KqCommand, context_settings=CONTEXT)
@click.option("--db", "db_path", type=PathType(dir_okay=False),
              help="快照数据库，默认为环境变量 KQ_DB，否则为 ./kq.db")
@week_options
@click.option("--restore", "restore_dir", type=PathType(file_okay=False),
              help="把 --week 那一周汇总时读取的各文件原样写回这个文件夹")
@click.option("--force", is_flag=True, help="--restore 时覆盖文件夹中的同名文件")
@text_or_json_option
def history(db_path: Path | None, week: int | None, year: int | None, restore_dir: Path | None, force: bool,
            fmt: str) -> None:
    """列出数据库中已保存的各周汇总（行数、已汇总、待核实、文件数、汇总时间）。

    --week N 列出该周汇总时读取的各文件（文件名、盟市、大小、SHA-256、状态、是否保存了原件）；
    再加 --restore 文件夹，把这些文件原样写回。年份默认为数据库中有该周的最近一年。
    """
    from kuangquan_cli.merging.store import Store, resolve_db_path

    db = resolve_db_path(db_path)
    if week is None:
        if restore_dir is not None or force or year is not None:
            flag = "--restore" if restore_dir is not None else "--force" if force else "--year"
            raise click.UsageError(f"{flag} 需与 --week 一起使用")
        with Store(db) as store:
            store.check()  # the command that looks at the store says whether it is damaged
            weeks = store.weeks()
        if fmt == "json":
            from dataclasses import asdict

            emit_json({"weeks": [asdict(w) | {"label": w.label} for w in weeks]})
            return
        from kuangquan_cli.cli.render.console import make_console
        from kuangquan_cli.cli.render.merge import render_history

        render_history(make_console(), weeks)
        return
    _week(db, week, year, restore_dir, force, fmt)


def _week(db: Path, week: int, year: int | None, restore_dir: Path | None, force: bool, fmt: str) -> None:
    from kuangquan_cli.merging.stored_inputs import restore_inputs, stored_week, week_inputs
    from kuangquan_cli.reference.weeks import week_label

    year, week = stored_week(db, week, year)
    if restore_dir is None:
        inputs = week_inputs(db, year, week)
        if fmt == "json":
            from dataclasses import asdict

            emit_json({"week": week_label(year, week), "files": [asdict(i) for i in inputs]})
            return
        from kuangquan_cli.cli.render.console import make_console
        from kuangquan_cli.cli.render.merge import render_inputs

        render_inputs(make_console(), week_label(year, week), inputs)
        return
    restored = restore_inputs(db, year, week, restore_dir, force)
    if fmt == "json":
        from dataclasses import asdict

        emit_json({"week": week_label(year, week),
                   "files": [asdict(r.input) | {"restored": str(r.path) if r.path else None} for r in restored]})
        return
    from kuangquan_cli.cli.render.console import make_console
    from kuangquan_cli.cli.render.merge import render_restored

    render_restored(make_console(), week_label(year, week), restored)
