"""``kq tokens``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from kuangquan_cli.cli.options import CONTEXT, Integer, KqCommand, PathType, emit_json, text_or_json_option
from kuangquan_cli.errors import KqError

if TYPE_CHECKING:
    from pathlib import Path

OFFICE_NAMES = ("office", "办公室")


@click.command(cls=KqCommand, context_settings=CONTEXT)
@click.option("--db", "db_path", type=PathType(dir_okay=False),
              help="数据库（与 kq serve 相同），默认为环境变量 KQ_DB，否则为 ./kq.db")
@click.option("--reset", metavar="盟市", help="为一个盟市（或“办公室”）换发新链接，旧链接随即失效")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="链接中的服务器地址（各盟市访问 kq serve 用的地址）")
@click.option("--port", type=Integer(1, 65535), default=8000, show_default=True, help="链接中的端口")
@text_or_json_option
def tokens(db_path: Path | None, reset: str | None, host: str, port: int, fmt: str) -> None:
    """生成网页报送门户（kq serve）的访问链接：每个盟市一个，办公室一个。

    第一次运行时生成全部链接；链接只显示这一次（数据库只存其哈希值），请妥善保存并分别发给各单位。
    """
    from kuangquan_cli.merging.store import Store, resolve_db_path
    from kuangquan_cli.portal.records import OFFICE, issue_tokens, token_dates
    from kuangquan_cli.reference.tables import divisions

    holder = None
    if reset is not None:
        found = (OFFICE,) if reset in OFFICE_NAMES else divisions().city_candidates(reset)
        if len(found) != 1:
            raise KqError(f"--reset 应为盟市名称或“办公室”，现为 {reset}")
        holder = found[0]
    with Store(resolve_db_path(db_path), create=True) as store:
        made = issue_tokens(store, holder)
        dates = token_dates(store)
    if fmt == "json":
        emit_json({"office": made.get(OFFICE), "cities": {h: t for h, t in made.items() if h != OFFICE}})
        return
    base = f"http://{host}:{port}/t/"
    if not made:
        click.echo(f"各单位的访问链接已于 {min(dates.values()).replace('T', ' ')} 生成；链接只在生成时显示一次。"
                   "遗失或泄露时用 kq tokens --reset 盟市 换发（旧链接随即失效）。")
        return
    click.echo("访问链接（只显示这一次，请妥善保存，分别发给各单位，勿转发）：")
    width = max(len(h) for h in made)
    for name, token in made.items():
        label = "办公室" if name == OFFICE else name
        click.echo(f"  {label}{'　' * (width - len(label))}  {base}{token}")

