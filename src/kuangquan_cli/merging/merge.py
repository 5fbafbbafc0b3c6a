"""``kq merge`` as a library: one week's inbox in, one region-wide ledger out.

What it promises is in README.md#kq-merge-dir and docs/json.md#kq-merge.

Every data row of every readable ledger is kept: rows without errors are merged, rows with
errors (their own, their file's, or a cross-file problem) are flagged for checking, so
``rows_merged + rows_flagged == rows_in`` always holds. Files that cannot be read are rejected
with their reason and the merge goes on; the office decides what to chase from the result.
The stamped scans beside the ledgers are listed by 盟市 (``scans``), and each file's arrival is
set against the week's deadline when there is one.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from kuangquan_cli.atomic import is_temporary
from kuangquan_cli.checking.baseline import Baseline, BaselineCheck, check_against_baseline
from kuangquan_cli.checking.findings import Finding, FindingTally, make_finding
from kuangquan_cli.checking.reconcile import ReconRow, reconcile, reconciliation_findings
from kuangquan_cli.checking.staleness import stale_finding
from kuangquan_cli.checking.validate import FileResult, Record, validate_file
from kuangquan_cli.errors import KqError
from kuangquan_cli.merging.changes import (
    Change,
    LedgerChanges,
    WeekRights,
    baseline_licences,
    compare,
    rights_of_files,
)
from kuangquan_cli.merging.rows import row_record
from kuangquan_cli.merging.scans import SCAN_FOLDER, Scan, is_scan, modified_time, moment_text, on_time
from kuangquan_cli.merging.submissions import (
    DUPLICATE,
    MERGED,
    REJECTED,
    Submission,
    sender,
    submissions,
    without_scan,
)
from kuangquan_cli.reading.addresses import column_letter
from kuangquan_cli.reading.limits import Limits
from kuangquan_cli.reference.own_files import ANNOTATED_SUFFIX, MERGED_PREFIX
from kuangquan_cli.reference.plan import Plan
from kuangquan_cli.reference.tables import divisions
from kuangquan_cli.reference.weeks import week_in_name, week_label, week_range
from kuangquan_cli.text import visible

LEDGER_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".csv")

def resolve_week(
    directory: Path, plan_year: int, week: int | None = None, year: int | None = None, today: date | None = None
) -> tuple[int, int]:
    """The (year, week) being merged: the options, else the folder's name, else this ISO week.

    The year defaults to the one in the folder's name, else the plan's year (docs/plan.md#周次).
    """
    named_year, named_week = week_in_name(directory.resolve().name)
    if week is None:
        week = named_week or (today or date.today()).isocalendar().week
    year = year or named_year or plan_year
    week_range(year, week)  # refuses a week the year does not have
    return year, week


@dataclass
class SourceFile:
    """One ledger file of the inbox and what became of it."""

    result: FileResult
    size: int
    sha256: str
    status: str = MERGED
    content: bytes | None = field(default=None, repr=False)
    """The file's bytes as read, kept for the store (None where they could not be read)."""
    arrived: datetime | None = None
    on_time: bool | None = None
    """Whether the file arrived by the week's deadline; None without a deadline or an arrival."""

    @property
    def file(self) -> str:
        return self.result.file

    @property
    def readable(self) -> bool:
        return self.result.readable and self.result.header_row is not None

    @property
    def reason(self) -> str | None:
        """Why the file was rejected or set aside (the first file-level error's message)."""
        if self.status == MERGED:
            return None
        wanted = "merge.duplicate_city" if self.status == DUPLICATE else None
        return next(f.message for f in self.file_errors() if wanted in (None, f.code))

    @property
    def named_city(self) -> str | None:
        """The file's 盟市, or for a rejected file the one its name suggests."""
        return sender(self.result.city, self.file)

    def file_errors(self) -> list[Finding]:
        return [f for f in self.result.file_findings if f.is_error]

    def to_dict(self) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "file": self.file,
            "city": self.result.city,
            "region_wide": self.result.region_wide,
            "rows": len(self.result.records),
            "errors": self.result.errors,
            "warnings": self.result.warnings,
            "status": self.status,
            "arrived": moment_text(self.arrived),
            "on_time": self.on_time,
        }
        if self.status != MERGED:
            entry["reason"] = self.reason
        return entry


@dataclass
class MergedRow:
    """One data row as it lands in the merged workbook and the store."""

    source: SourceFile
    record: Record

    @property
    def counted(self) -> bool:
        """Counted in the region's figures (not a row of a 盟市's second file)."""
        return self.source.status == MERGED

    @property
    def findings(self) -> list[Finding]:
        """The row's own findings, after the errors of its whole file (which it inherits)."""
        return self.source.file_errors() + self.record.findings

    @property
    def flagged(self) -> bool:
        return any(f.is_error for f in self.findings)

    def to_record(self) -> dict[str, Any]:
        return row_record(
            self.record.values, self.record.task, source_file=self.source.file,
            source_row=self.record.row, source_city=self.source.result.city_of(self.record), flagged=self.flagged,
            counted=self.counted,
        )


@dataclass(frozen=True)
class LicenceDuplicate:
    licence_no: str
    places: tuple[tuple[str, int], ...]

    def to_dict(self) -> dict[str, Any]:
        return {"licence_no": self.licence_no, "places": [{"file": f, "row": r} for f, r in self.places]}


@dataclass
class MergeResult(FindingTally):
    year: int
    week: int
    directory: Path
    sources: list[SourceFile]
    ignored: list[str]
    missing_cities: list[str]
    duplicate_cities: dict[str, list[str]]
    duplicate_licences: list[LicenceDuplicate]
    reconciliation: list[ReconRow]
    region_findings: list[Finding]
    baseline: BaselineCheck | None = None
    """The counted rows set against the stored baseline, when one is stored (its findings are
    among ``region_findings``)."""
    scans: list[Scan] = field(default_factory=list)
    deadline: datetime | None = None
    changes: LedgerChanges = field(default_factory=lambda: LedgerChanges(None))
    """This week against the week stored before it, right by right (no comparison: none stored)."""
    change_findings: list[Finding] = field(default_factory=list)
    """The changes that are warnings, as findings (``change.*``)."""
    outputs: dict[str, str | None] = field(default_factory=lambda: {"workbook": None, "db": None})
    replaced: bool = False
    """Whether storing the week replaced a snapshot stored before (not part of the JSON)."""

    @property
    def label(self) -> str:
        return week_label(self.year, self.week)

    @property
    def rows(self) -> list[MergedRow]:
        return [MergedRow(s, r) for s in self.sources for r in s.result.records]

    @property
    def rows_in(self) -> int:
        return sum(len(s.result.records) for s in self.sources)

    @property
    def rows_flagged(self) -> int:
        return sum(row.flagged for row in self.rows)

    @property
    def findings(self) -> list[Finding]:
        """Every finding: each file's, those of the region (missing 盟市, plan differences), then
        the changes since last week that are warnings."""
        return [f for s in self.sources for f in s.result.findings] + self.region_findings + self.change_findings

    def flagged_by_file(self) -> dict[str, int]:
        counts = {s.file: 0 for s in self.sources}
        for row in self.rows:
            counts[row.source.file] += row.flagged
        return counts

    def submissions(self) -> list[Submission]:
        """The 报送情况: each 盟市 with the file(s) and the scan(s) it sent, or 未报送."""
        return submissions((s.to_dict() for s in self.sources), self.flagged_by_file(),
                           [scan.to_dict() for scan in self.scans])

    @property
    def cities_without_scan(self) -> list[str]:
        return without_scan(scan.city for scan in self.scans)

    def to_dict(self) -> dict[str, Any]:
        """The merge JSON (docs/json.md#kq-merge)."""
        return self.summary() | {"findings": [f.to_dict() for f in self.findings], **self.changes.to_dict()}

    def summary(self) -> dict[str, Any]:
        """The merge JSON without its lists of findings and changes, as the store keeps it: the
        findings have a table of their own, the changes are computed again from the stored weeks."""
        flagged = self.rows_flagged
        return {
            "week": self.label,
            "files": [s.to_dict() for s in self.sources],
            "ignored": self.ignored,
            "rows_in": self.rows_in,
            "rows_merged": self.rows_in - flagged,
            "rows_flagged": flagged,
            "errors": self.errors,
            "warnings": self.warnings,
            "missing_cities": self.missing_cities,
            "duplicate_cities": [{"city": c, "files": files} for c, files in self.duplicate_cities.items()],
            "duplicate_licences": [d.to_dict() for d in self.duplicate_licences],
            "reconciliation": [r.to_dict() for r in self.reconciliation],
            "baseline": self.baseline.to_dict() if self.baseline else None,
            "deadline": moment_text(self.deadline),
            "scans": [scan.to_dict() for scan in self.scans],
            "cities_without_scan": self.cities_without_scan,
            "outputs": dict(self.outputs),
        }

    def week_rights(self) -> WeekRights:
        """This week's counted rights (rows with a licence number) and the 盟市 they cover."""
        return rights_of_files(self.label, (s.result for s in self.sources if s.status == MERGED))

    def compare_with(self, previous: WeekRights, known: Collection[str] = frozenset()) -> None:
        """Compare this week with ``previous``, right by right (``known``: the licence numbers of
        the baseline, which are not new); the changes that are warnings become findings."""
        self.changes = compare(previous, self.week_rights(), known)
        sources = {s.file: s for s in self.sources}
        self.change_findings = [_change_finding(c, sources.get(c.file or "")) for c in self.changes.warnings]


def _change_finding(change: Change, source: SourceFile | None) -> Finding:
    """A change that is a warning as a finding on its right's licence number cell (this week's)."""
    result = source.result if source else None
    col = result.columns.get("licence_no") if result else None
    return make_finding(change.code, file=change.file, sheet=result.sheet if result else None, row=change.row,
                        column=column_letter(col) if col is not None else None, field="licence_no",
                        value=change.licence_no, **change.ctx)


def _is_own_output(path: Path, outputs: tuple[Path, ...]) -> bool:
    """A merged workbook, an annotated copy from ``kq validate --annotate``, or a given output."""
    name = path.name
    return name.startswith(MERGED_PREFIX) or name.endswith(ANNOTATED_SUFFIX) or path.resolve() in outputs


@dataclass(frozen=True)
class Inbox:
    """A week's folder: its ledgers, its stamped scans, and the names of the other files (ignored)."""

    ledgers: list[Path]
    scans: list[Path]
    ignored: list[str]


def list_inbox(directory: Path, outputs: tuple[Path, ...] = ()) -> Inbox:
    """The ledger files and scans of a folder (and of its ``盖章扫描件`` folder), and the names of
    the other files.

    Excel's ``~$`` lock files, kq's own outputs and temporary files are skipped without mention.
    """
    if not directory.is_dir():
        raise KqError(f"不是文件夹：{directory}")
    inbox = Inbox([], [], [])
    resolved = tuple(p.resolve() for p in outputs)
    for path in sorted(p for p in directory.iterdir() if p.is_file()):
        if path.name.startswith("~$") or is_temporary(path.name) or _is_own_output(path, resolved):
            continue
        if path.name.startswith("."):
            inbox.ignored.append(visible(path.name))
        elif path.suffix.lower() in LEDGER_SUFFIXES:
            inbox.ledgers.append(path)
        elif is_scan(path):
            inbox.scans.append(path)
        else:
            inbox.ignored.append(visible(path.name))
    if not inbox.ledgers:
        raise KqError(f"文件夹 {directory} 中没有台账文件（.xlsx、.xlsm、.xls、.csv）")
    scans = directory / SCAN_FOLDER
    if scans.is_dir():
        inbox.scans.extend(sorted(p for p in scans.iterdir() if p.is_file() and is_scan(p)))
    return inbox


def _source(path: Path, plan: Plan, as_of: date, limits: Limits | None) -> SourceFile:
    data: bytes | None
    try:
        data = path.read_bytes()
    except OSError:  # validate_file reports why the file cannot be read
        data = None
    size, digest = len(data or b""), hashlib.sha256(data or b"").hexdigest()
    source = SourceFile(validate_file(path, plan, as_of, limits=limits), size, digest, content=data)
    if not source.readable:
        source.status = REJECTED
    return source



def _region_order(source: SourceFile) -> tuple[int, str]:
    """盟市 in the region's usual order (呼和浩特市 first), files of unknown 盟市 last; then by name."""
    cities = divisions().cities
    city = source.named_city
    return (cities.index(city) if city in cities else len(cities)), source.file


_CORRECTION_MARKERS = ("更正", "修正", "修改", "最新", "终版", "定稿")


def _counts_first(source: SourceFile) -> tuple[bool, str]:
    """A file named as a correction (``乌海市（更正）.xlsx``) is the one the 盟市 wants counted."""
    return not any(marker in source.file for marker in _CORRECTION_MARKERS), source.file


def _set_aside_duplicates(sources: list[SourceFile]) -> dict[str, list[str]]:
    """A 盟市 sent more than once: a file named as a correction counts, else the first by name;
    the others' rows are flagged, so nothing is dropped and the office sees both files."""
    by_city: dict[str, list[SourceFile]] = defaultdict(list)
    for source in sources:
        if source.readable and source.result.city:
            by_city[source.result.city].append(source)
    doubled = {city: sorted(group, key=_counts_first) for city, group in by_city.items() if len(group) > 1}
    for city, group in doubled.items():
        names = "、".join(s.file for s in group)
        for source in group[1:]:
            source.status = DUPLICATE
            source.result.file_findings.append(
                make_finding("merge.duplicate_city", file=source.file, city=city, count=len(group),
                             files=names, first=group[0].file)
            )
    return {city: [s.file for s in group] for city, group in doubled.items()}


def _cross_file_licences(sources: list[SourceFile]) -> list[LicenceDuplicate]:
    """Licences found in more than one counted file: one finding naming every place, on each row."""
    places: dict[str, list[tuple[SourceFile, Record]]] = defaultdict(list)
    for source in sources:
        for record in source.result.records:
            if record.values.licence_no:
                places[record.values.licence_no].append((source, record))
    duplicates = []
    for licence, found in places.items():
        if len({id(s) for s, _ in found}) < 2:
            continue
        where = "、".join(f"{s.file} 第 {r.row} 行" for s, r in found)
        for source, record in found:
            col = source.result.columns.get("licence_no")
            letter = column_letter(col) if col is not None else None
            # the file's own duplicate finding names only its own rows: this one names them all
            record.findings[:] = [f for f in record.findings if f.code != "licence.duplicate"]
            record.findings.append(
                make_finding("licence.duplicate", file=source.file, sheet=source.result.sheet, row=record.row,
                             column=letter, field="licence_no", value=licence, count=len(found), places=where)
            )
        duplicates.append(LicenceDuplicate(licence, tuple((s.file, r.row) for s, r in found)))
    return duplicates


def _mark_stale(sources: list[SourceFile], year: int, week: int) -> None:
    """``file.stale`` on each ledger whose title or 填报日期 names an earlier week."""
    for source in sources:
        if source.readable and (found := stale_finding(source.file, source.result.title, year, week)):
            source.result.file_findings.append(found)


def merge_inbox(
    directory: str | Path, plan: Plan, year: int, week: int, outputs: tuple[Path, ...] = (),
    limits: Limits | None = None, baseline: Baseline | None = None, previous: WeekRights | None = None,
    deadline: datetime | None = None, arrival: Callable[[Path], datetime | None] = modified_time,
) -> MergeResult:
    """Read, check and merge every ledger in ``directory`` for ISO week ``week`` of ``year``.

    Done dates are checked against the Sunday of that week. ``outputs`` are files to leave out
    of the inbox (a merged workbook written into the same folder); ``limits`` bound each file.
    With a ``baseline`` the counted rows are set against it, each 盟市 that sent against its own
    part (docs/reconciliation.md#底数清单).
    ``previous``: the rights of the week stored before, to compare with right by right.
    Each file's ``arrival`` (its time in the inbox, unless told otherwise) is set against
    ``deadline``, else the plan's deadline of the week, if known.
    """
    directory = Path(directory)
    inbox = list_inbox(directory, outputs)
    as_of = week_range(year, week)[1]
    deadline = deadline or plan.deadline(year, week)
    sources = sorted((_source(path, plan, as_of, limits) for path in inbox.ledgers), key=_region_order)
    for source in sources:
        source.arrived = arrival(source.result.path)
        source.on_time = on_time(source.arrived, deadline)
    _mark_stale(sources, year, week)
    duplicate_cities = _set_aside_duplicates(sources)
    counted = [s for s in sources if s.status == MERGED]
    duplicate_licences = _cross_file_licences(counted)
    recon = reconcile((r.counted() for s in counted for r in s.result.records), plan)
    present = {city for s in counted for city in s.result.cities()}
    missing = [c for c in divisions().cities if c not in present]
    region = [make_finding("merge.missing_city", file=None, city=c) for c in missing]
    if not missing:
        region += reconciliation_findings(recon, plan)
    check = None
    if baseline is not None:
        cities = divisions().cities
        check = check_against_baseline(baseline, [s.result for s in counted], plan,
                                       checked=[c for c in cities if c not in missing], listed=cities)
        region += check.findings
    scans = [Scan.of(path, arrival(path)) for path in inbox.scans]
    result = MergeResult(year, week, directory, sources, inbox.ignored, missing, duplicate_cities,
                         duplicate_licences, recon, region, check, scans, deadline)
    if previous is not None:
        result.compare_with(previous, baseline_licences(baseline))
    return result

