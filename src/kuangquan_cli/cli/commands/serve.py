"""``kq serve``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from kuangquan_cli.cli.options import CONTEXT, Integer, KqCommand, PathType, limits_options, plan_option, week_options
from kuangquan_cli.errors import KqError

if TYPE_CHECKING:
    from pathlib import Path

    from kuangquan_cli.reading.limits import Limits


@click.command(cls=KqCommand, context_settings=CONTEXT)
@click.option("--inbox", type=PathType(file_okay=False), required=True,
              help="收件文件夹：各周上传的台账存在其中的 <年>-W<周>/ 下")
@click.option("--db", "db_path", type=PathType(dir_okay=False),
              help="数据库（访问链接、上传记录和周快照），默认为环境变量 KQ_DB，否则为 ./kq.db")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="监听地址；默认只有本机可以访问，内网使用时给本机的内网地址（或 0.0.0.0）")
@click.option("--port", type=Integer(1, 65535), default=8000, show_default=True, help="端口")
@week_options
@click.option("--workers", type=Integer(1, 16), default=2, show_default=True, help="同时校验的上传份数，其余排队")
@plan_option
@limits_options
def serve(inbox: Path, db_path: Path | None, host: str, port: int, week: int | None, year: int | None, workers: int,
          plan_path: Path | None, limits: Limits) -> None:
    """启动网页报送门户：各盟市用自己的访问链接上传台账，立即看到校验结果；办公室查看报送情况并汇总。

    访问链接用 kq tokens 生成。周次取 --week，否则为当天所在的周。按 Ctrl+C 停止。
    """
    try:
        import uvicorn

        from kuangquan_cli.portal.app import create_app
    except ImportError as exc:  # kq installed without the portal's extra
        raise KqError("网页门户需要可选依赖 portal：pip install \"kuangquan-cli[portal]\"") from exc
    from kuangquan_cli.merging.store import Store, resolve_db_path
    from kuangquan_cli.portal.records import token_dates
    from kuangquan_cli.portal.service import Settings
    from kuangquan_cli.reference.plan import load_plan
    from kuangquan_cli.reference.weeks import week_label, week_range

    db = resolve_db_path(db_path)
    with Store(db, create=True) as store:
        if not token_dates(store):
            raise KqError(f"数据库 {db} 中还没有访问链接；请先运行 kq tokens --db {db}")
    plan = load_plan(plan_path)
    fixed = None
    if week is not None:
        fixed = (year or plan.year, week)
        week_range(*fixed)  # refuses a week the year does not have
    inbox.mkdir(parents=True, exist_ok=True)
    settings = Settings(inbox, db, plan, limits, fixed, workers)
    shown = week_label(*fixed) if fixed else "当天所在的周"
    click.echo(f"台账报送门户：http://{host}:{port}/ （收件文件夹 {inbox}，数据库 {db}，报送周 {shown}）；"
               "按 Ctrl+C 停止")
    # no access log: its lines would carry the access links' tokens
    uvicorn.run(create_app(settings), host=host, port=port, access_log=False, log_level="warning")
