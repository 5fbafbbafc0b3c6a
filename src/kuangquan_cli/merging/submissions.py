"""The 报送情况: who sent what this week, for the merged workbook and the weekly 通报 alike.

Both show each 盟市 in the region's order with the file(s) it sent (电子版), or 未报送, beside
its stamped scan(s) (盖章扫描版) and when each file arrived; files and scans of no known 盟市
last. They build it from the same entries (``SourceFile.to_dict`` and ``Scan.to_dict`` of a
fresh merge in ``MergeResult.submissions``, the stored merge JSON for the report), so the two
tables cannot drift apart. A file is said to be 按时报送 only when it is known to have arrived
by the week's deadline; without a deadline it is 已报送.

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

#: What became of a file the merge read (its ``status``), of a 盟市 that sent none, and of a scan
#: whose name names no 盟市.
MERGED, DUPLICATE, REJECTED, MISSING = "merged", "duplicate", "rejected", "missing"
UNMATCHED_SCAN = "unmatched_scan"


class StatusText(NamedTuple):
    """How a status reads: in kq merge's own output (terminal and workbook), and in the 通报,
    whose 说明 column already says why a file was set aside."""

    merge: str
    report: str


STATUS_TEXT: Mapping[str, StatusText] = {
    MERGED: StatusText("已汇总", "已报送"),
    DUPLICATE: StatusText("重复报送（各行放入待核实，不计入统计）", "重复报送（不计入）"),
    REJECTED: StatusText("已拒收", "已拒收"),
    MISSING: StatusText("未报送", "未报送"),
    UNMATCHED_SCAN: StatusText("扫描件未能对应盟市", "扫描件未能对应盟市"),
}
#: The 说明 of a 盟市 that sent only its scan, and of a scan that names no 盟市.
SCAN_ONLY_NOTE = "只收到盖章扫描版，未收到台账电子版"
UNMATCHED_NOTE = "文件名中没有盟市名称；请改名为“<盟市>盖章扫描版.pdf”这样的名称后重新汇总"


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
    scans: tuple[str, ...] | None = None
    """The 盟市's stamped scans; None where they were not recorded (a week stored by an older kq)."""
    arrived: str | None = None
    on_time: bool | None = None

    @property
    def counted(self) -> bool:
        """The file is counted in this week's figures."""
        return self.status == MERGED

    @property
    def text(self) -> StatusText:
        return STATUS_TEXT[self.status]

    @property
    def report_text(self) -> str:
        """How the 通报 says it: 按时报送 or 逾期报送 only when known, else as the status reads."""
        if self.counted and self.on_time is not None:
            return "按时报送" if self.on_time else "逾期报送"
        return self.text.report

    @property
    def scan_text(self) -> str:
        """The 盖章扫描版 cell: the scans' names, 未收到, or — where not recorded."""
        if self.scans is None:
            return "—"
        return "、".join(self.scans) or "未收到"

    @property
    def arrival_text(self) -> str | None:
        """When the file arrived, to the minute: 2022-09-23 16:05."""
        return self.arrived[:16].replace("T", " ") if self.arrived else None

    @property
    def on_time_text(self) -> str | None:
        return None if self.on_time is None else "是" if self.on_time else "否（逾期）"


def sender(city: str | None, file: str) -> str | None:
    """The 盟市 a file is listed under: its own, or for a rejected file the one its name suggests."""
    return city or city_named_in(PurePath(file).stem)


def _sent(entry: Mapping[str, Any], flagged: Mapping[str, int], scans: tuple[str, ...] | None) -> Submission:
    """A file entry (``file``, ``city``, ``rows``, ``errors``, ``warnings``, ``status``, ``reason``,
    ``arrived``, ``on_time``) as a line, beside its 盟市's scans."""
    name = entry["file"]
    return Submission(sender(entry["city"], name), name, entry["rows"], flagged.get(name, 0), entry["errors"],
                      entry["warnings"], entry["status"], entry.get("reason"), scans, entry.get("arrived"),
                      entry.get("on_time"))


def submissions(files: Iterable[Mapping[str, Any]], flagged: Mapping[str, int],
                scans: Iterable[Mapping[str, Any]] | None) -> list[Submission]:
    """Each 盟市 in the region's order with the file(s) it sent, or 未报送, and its scans; the files
    and scans of no known 盟市 last.

    ``flagged`` is the number of rows to check (待核实) per file name; ``scans`` the scan entries
    (``file``, ``city``), or None where they were not recorded.
    """
    scan_list = None if scans is None else list(scans)

    def scans_of(city: str | None) -> tuple[str, ...] | None:
        return None if scan_list is None else tuple(s["file"] for s in scan_list if s["city"] == city)

    entries = list(files)
    lines: list[Submission] = []
    for city in divisions().cities:
        sent = [_sent(e, flagged, scans_of(city)) for e in entries if sender(e["city"], e["file"]) == city]
        scanned = scans_of(city)
        lines += sent or [Submission(city, None, 0, 0, 0, 0, MISSING, SCAN_ONLY_NOTE if scanned else None, scanned)]
    lines += [_sent(e, flagged, None) for e in entries if sender(e["city"], e["file"]) is None]
    return lines + [Submission(None, None, 0, 0, 0, 0, UNMATCHED_SCAN, UNMATCHED_NOTE, (name,))
                    for name in scans_of(None) or ()]


def without_scan(scanned: Iterable[str | None]) -> list[str]:
    """The 盟市, in the region's order, that sent no stamped scan (given the 盟市 each scan names)."""
    named = set(scanned)
    return [city for city in divisions().cities if city not in named]


def flagged_by_file(rows: pd.DataFrame) -> dict[str, int]:
    """The rows to check (待核实) per file, from merged rows (a stored snapshot's)."""
    return {str(name): int(n) for name, n in rows.groupby("source_file")["flagged"].sum().items()}
