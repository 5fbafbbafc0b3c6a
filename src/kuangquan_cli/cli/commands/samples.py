"""``kq samples`` (hidden): write the sample ledgers used by ``make demo`` and the tests."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from kuangquan_cli.cli.options import CONTEXT, Integer, KqCommand, PathType

if TYPE_CHECKING:
    from pathlib import Path


@click.command(cls=KqCommand, context_settings=CONTEXT, hidden=True)
@click.option("--seed", type=Integer(), help="随机种子；默认为仓库中样例台账所用的种子")
@click.option("--out", "out_dir", type=PathType(file_okay=False), default="sample_ledgers",
              show_default=True, help="输出目录")
def samples(seed: int | None, out_dir: Path) -> None:
    """生成全区 12 个盟市两周（2022 年第 37、38 周）的样例台账和问题样例。"""
    from kuangquan_cli.samples import DEFAULT_SEED, FLAWED_DIR, write_samples

    written = write_samples(out_dir, DEFAULT_SEED if seed is None else seed)
    for week, paths in written.ledgers.items():
        rows = len(written.region.rows(week))
        click.echo(f"{paths[0].parent}：{len(paths)} 个盟市台账，共 {rows} 行")
    click.echo(f"{out_dir / FLAWED_DIR}：{len(written.flaws)} 个问题样例（说明见 README.md）")
