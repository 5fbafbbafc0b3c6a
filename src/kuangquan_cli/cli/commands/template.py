"""``kq template``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from kuangquan_cli.cli.options import CONTEXT, KqCommand, PathType, plan_option

if TYPE_CHECKING:
    from pathlib import Path


@click.command(cls=KqCommand, context_settings=CONTEXT)
@click.option("--city", help="盟市名称，如 包头市：旗县下拉列表只列该盟市的旗县（市、区）")
@click.option("--out", type=PathType(), help="输出文件（.xlsx）或文件夹，默认为当前文件夹下的 [盟市]台账模板.xlsx")
@click.option("--force", is_flag=True, help="覆盖已存在的文件")
@plan_option
def template(city: str | None, out: Path | None, force: bool, plan_path: Path | None) -> None:
    """生成空白台账模板（下拉列表、日期与文本格式、表头说明、统计公式）。"""
    from kuangquan_cli.outputs.template import write_template
    from kuangquan_cli.reference.plan import load_plan

    written = write_template(load_plan(plan_path), city, out, force)
    click.echo(f"已写出台账模板：{written}")
