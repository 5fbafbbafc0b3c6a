"""Sample ledgers for the whole region over two weeks, generated deterministically from a seed.

The office needs realistic ledgers to demonstrate ``kq`` and to test merging and reporting, but
the real ones cannot leave the building. These are made up, yet shaped like the real thing: the
12 盟市' workbooks as they are sent in (title row, 填报单位 line, header, rows, 填表人 footer),
real county names, valid licence numbers and credit codes, and — across all 12 files of
2022-W37 — exactly the plan's baseline figures. 2022-W38 is the same region one week later,
with one late 盟市 and two that made no progress. ``flawed/`` holds small workbooks with the
mistakes 盟市 really make, each listed in its README with the finding codes it produces.

``pools`` holds what is drawn, ``generation`` the rights of both weeks, ``writing`` the files as
the 盟市 send them and ``flawed`` the flawed samples. Everything comes from one
``random.Random(seed)``, and the workbooks carry fixed timestamps, so one seed always gives the
same bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from kuangquan_cli.samples.flawed import FLAWED_DIR, Flaw, write_flawed
from kuangquan_cli.samples.generation import DEFAULT_SEED, SampleRegion, generate_region
from kuangquan_cli.samples.writing import ledger_path, write_workbook

__all__ = ["DEFAULT_SEED", "FLAWED_DIR", "SamplesWritten", "write_samples"]


@dataclass(frozen=True)
class SamplesWritten:
    region: SampleRegion
    ledgers: dict[int, list[Path]]
    flaws: list[Flaw]


def write_samples(out_dir: str | Path, seed: int = DEFAULT_SEED) -> SamplesWritten:
    """Write ``<out>/2022-W37/``, ``<out>/2022-W38/`` and ``<out>/flawed/``."""
    out = Path(out_dir)
    region = generate_region(seed)
    ledgers = {
        week: [write_workbook(ledger_path(out, week, city), book) for city, book in books.items()]
        for week, books in region.weeks.items()
    }
    return SamplesWritten(region, ledgers, write_flawed(out / FLAWED_DIR, region))
