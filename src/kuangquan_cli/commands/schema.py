"""``kq schema``."""

from __future__ import annotations

import click

from kuangquan_cli.commands.common import CONTEXT, emit_json


@click.command(context_settings=CONTEXT)
@click.option("--json", "as_json", is_flag=True, help="输出台账行模型的 JSON Schema")
def schema(as_json: bool) -> None:
    """显示台账字段表。"""
    if as_json:
        from kuangquan_cli.model import LedgerRow

        emit_json(LedgerRow.model_json_schema())
        return
    from rich.console import Console
    from rich.table import Table

    from kuangquan_cli.reference import fields

    required = {"yes": "必填", "no": "选填", "conditional": "条件必填"}
    table = Table(title="台账字段")
    for header in ("字段", "表头", "别名", "必填", "说明"):
        table.add_column(header)
    for f in fields():
        table.add_row(f.name, f.header, "、".join(f.aliases), required[f.required], f.hint)
    Console().print(table)
