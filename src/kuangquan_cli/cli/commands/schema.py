"""``kq schema``."""

from __future__ import annotations

import click

from kuangquan_cli.cli.options import CONTEXT, KqCommand, emit_json


@click.command(cls=KqCommand, context_settings=CONTEXT)
@click.option("--json", "as_json", is_flag=True, help="输出台账行模型的 JSON Schema")
def schema(as_json: bool) -> None:
    """显示台账字段表。"""
    if as_json:
        from kuangquan_cli.checking.model import LedgerRow

        emit_json(LedgerRow.model_json_schema())
        return
    from kuangquan_cli.cli.render.console import make_console
    from kuangquan_cli.cli.render.validation import render_fields

    render_fields(make_console())
