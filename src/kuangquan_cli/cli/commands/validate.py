"""``kq validate``."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from kuangquan_cli.cli.options import (
    CONTEXT,
    KqCommand,
    PathType,
    as_of_date,
    emit_json,
    limits_options,
    plan_option,
    text_or_json_option,
    week_options,
)
from kuangquan_cli.errors import KqError
from kuangquan_cli.text import visible

if TYPE_CHECKING:
    from pathlib import Path

    from kuangquan_cli.checking.baseline import BaselineCheck
    from kuangquan_cli.checking.validate import ValidationReport
    from kuangquan_cli.reading.limits import Limits
    from kuangquan_cli.reference.plan import Plan


@click.command(cls=KqCommand, context_settings=CONTEXT)
@click.argument("files", nargs=-1, required=True, metavar="台账文件...",
                type=PathType(dir_okay=False, hint="；要汇总一个文件夹中各盟市的台账，请用 kq merge {path}"))
@text_or_json_option
@click.option("--strict", is_flag=True, help="警告也按错误计（退出码 1）")
@click.option("--sheet", help="指定台账所在的工作表名称")
@click.option("--all", "every", is_flag=True,
              help="逐条列出每个问题（默认把同一列中较多的同一问题合并为一条，注明处数和前几个单元格）")
@click.option("--annotate", is_flag=True,
              help="另存一份标注副本 <文件名>.校验.xlsx：错误标红、警告标黄、单元格批注，首页列出全部问题")
@click.option("--out", "out_dir", type=PathType(file_okay=False), help="标注副本的输出文件夹（默认与原文件同一文件夹）")
@click.option("--force", is_flag=True, help="覆盖已存在的标注副本")
@click.option("--db", "db_path", type=PathType(dir_okay=False),
              help="快照数据库：其中存有底数时，把每个盟市的台账与底数中本盟市的部分逐矿权核对")
@plan_option
@week_options
@limits_options
def validate(files: tuple[Path, ...], fmt: str, strict: bool, sheet: str | None, every: bool, annotate: bool,
             out_dir: Path | None, force: bool, db_path: Path | None, plan_path: Path | None, week: int | None,
             year: int | None, limits: Limits) -> None:
    """校验一个或多个台账文件（.xlsx/.xlsm/.xls/.csv）。"""
    from kuangquan_cli.checking.validate import collector_paused, validate_files
    from kuangquan_cli.reference.plan import load_plan

    if out_dir is not None and not annotate:
        raise KqError("--out 需与 --annotate 一起使用")
    plan = load_plan(plan_path)
    with collector_paused():  # kept paused while the report is printed too
        report = validate_files(files, plan, as_of_date(plan.year, week, year), sheet, limits)
        if len(report.files) == 1 and report.files[0].header_row is None:  # unreadable, or no ledger in it
            raise KqError(f"{report.files[0].file}：{report.files[0].file_findings[0].message}")
        baseline = _check_baseline(report, plan, db_path, fmt)
        _print(report, plan, fmt, every, baseline)
    if annotate:
        from kuangquan_cli.outputs.annotate import annotate_files

        for written in annotate_files(report.files, out_dir, force):
            click.echo(f"已写出标注副本：{visible(str(written))}", err=True)
    sys.exit(report.exit_code(strict))


def _check_baseline(report: ValidationReport, plan: Plan, db_path: Path | None, fmt: str) -> BaselineCheck | None:
    """With ``--db``: the files set against their part of the stored baseline (said when none is stored)."""
    if db_path is None:
        return None
    from kuangquan_cli.merging.baseline import check_report

    check = check_report(report, db_path, plan)
    if check is None and fmt != "json":
        click.echo(f"数据库 {visible(str(db_path))} 中还没有底数（用 kq baseline 存入），未与底数核对", err=True)
    return check


def _print(report: ValidationReport, plan: Plan, fmt: str, every: bool, baseline: BaselineCheck | None) -> None:
    if fmt == "json":
        emit_json(report.to_dict())
    else:
        from kuangquan_cli.cli.render.console import make_console
        from kuangquan_cli.cli.render.validation import render_report

        render_report(make_console(), report, plan, every, baseline)
