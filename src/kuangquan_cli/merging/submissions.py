"""The 报送情况: who sent what this week, for the merged workbook and the weekly 通报 alike.

Both show each 盟市 in the region's order with the file(s) it sent, or 未报送, and the files of
no known 盟市 last. They build it from the same file entries (``SourceFile.to_dict`` of a fresh
merge in ``MergeResult.submissions``, the stored ``Snapshot.files`` for the report), so the two
tables cannot drift apart.

This module imports nothing of the merge or the store: the report reads snapshots without
loading the checking code, and the merge imports the statuses from here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import PurePath
from typing import TYPE_CHECKING, Any, NamedTuple

from kuangquan_cli.reference.tables import city_named_in, divisions

if TYPE_CHECKING:
    import pandas as pd

#: What became of a file the merge read (its ``status``), and of a 盟市 that sent none.
MERGED, DUPLICATE, REJECTED, MISSING = "merged", "duplicate", "rejected", "missing"


class StatusText(NamedTuple):
    """How a status reads: in kq merge's own output (terminal and workbook), and in the 通报,
    whose note explains 按时报送 and whose 说明 column already says why a file was set aside."""

    merge: str
    report: str


STATUS_TEXT: Mapping[str, StatusText] = {
    MERGED: StatusText("已汇总", "按时报送"),
    DUPLICATE: StatusText("重复报送（各行放入待核实，不计入统计）", "重复报送（不计入）"),
    REJECTED: StatusText("已拒收", "已拒收"),
    MISSING: StatusText("未报送", "未报送"),
}


@dataclass(frozen=True)
class Submission:
    """One line of the 报送情况: a file and what became of it, or a 盟市 that sent none."""

    city: str | None
    file: str | None
    rows: int
    flagged: int
    errors: int
    warnings: int
    status: str
    note: str | None

    @property
    def counted(self) -> bool:
        """The file is counted in this week's figures (the 通报's 按时报送)."""
        return self.status == MERGED

    @property
    def text(self) -> StatusText:
        return STATUS_TEXT[self.status]


def sender(city: str | None, file: str) -> str | None:
    """The 盟市 a file is listed under: its own, or for a rejected file the one its name suggests."""
    return city or city_named_in(PurePath(file).stem)


def _sent(entry: Mapping[str, Any], flagged: Mapping[str, int]) -> Submission:
    """A file entry (``file``, ``city``, ``rows``, ``errors``, ``warnings``, ``status``, ``reason``) as a line."""
    name = entry["file"]
    return Submission(sender(entry["city"], name), name, entry["rows"], flagged.get(name, 0), entry["errors"],
                      entry["warnings"], entry["status"], entry.get("reason"))


def submissions(files: Iterable[Mapping[str, Any]], flagged: Mapping[str, int]) -> list[Submission]:
    """Each 盟市 in the region's order with the file(s) it sent, or 未报送; files of no known 盟市 last.

    ``flagged`` is the number of rows to check (待核实) per file name.
    """
    sent = [_sent(entry, flagged) for entry in files]
    lines: list[Submission] = []
    for city in divisions().cities:
        lines += [s for s in sent if s.city == city] or [Submission(city, None, 0, 0, 0, 0, MISSING, None)]
    return lines + [s for s in sent if s.city is None]


def flagged_by_file(rows: pd.DataFrame) -> dict[str, int]:
    """The rows to check (待核实) per file, from merged rows (a stored snapshot's)."""
    return {str(name): int(n) for name, n in rows.groupby("source_file")["flagged"].sum().items()}
