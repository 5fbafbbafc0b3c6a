"""The portal's work, without HTTP: receive a ledger or a scan, the week's 报送情况, the merge.

Each function is blocking (reading workbooks, SQLite) and runs in one of the server's worker
threads; each opens the store for itself, so none shares a connection with another thread.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from kuangquan_cli.checking.reconcile import reconcile
from kuangquan_cli.checking.validate import FileResult, ValidationReport, validate_file
from kuangquan_cli.jobs import merge_and_store
from kuangquan_cli.merging.baseline import check_report
from kuangquan_cli.merging.merge import MergeResult
from kuangquan_cli.merging.store import Store
from kuangquan_cli.merging.stored_changes import ledger_changes
from kuangquan_cli.outputs.annotate import annotate
from kuangquan_cli.portal import inbox
from kuangquan_cli.portal.records import LEDGER, SCAN, Upload, record_upload, uploads
from kuangquan_cli.reading.limits import Limits
from kuangquan_cli.reference.own_files import merged_workbook_name
from kuangquan_cli.reference.plan import Plan
from kuangquan_cli.reference.tables import divisions
from kuangquan_cli.reference.weeks import week_label, week_range
from kuangquan_cli.report.render import REPORT_PREFIX, write_report
from kuangquan_cli.text import visible


@dataclass(frozen=True)
class Settings:
    """What ``kq serve`` was started with."""

    inbox: Path
    db: Path
    plan: Plan
    limits: Limits
    week: tuple[int, int] | None = None
    """The (year, week) the office set with ``--week``; else the current ISO week, day by day."""
    workers: int = 2
    """Uploads checked at the same time; the others wait their turn, the pages stay quick."""

    def current_week(self) -> tuple[int, int]:
        if self.week is not None:
            return self.week
        iso = date.today().isocalendar()
        return iso.year, iso.week

    def folder(self, year: int, week: int) -> Path:
        return inbox.week_folder(self.inbox, year, week)

    def store(self) -> Store:
        return Store(self.db, create=True)


class Refusal(Exception):
    """An upload the portal does not keep: the HTTP status and the Chinese sentence saying why."""

    def __init__(self, status: int, message: str, report: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.report = report


@dataclass(frozen=True)
class Received:
    """A kept ledger: its record, and the JSON the 盟市 is answered with (``compared``)."""

    upload: Upload
    report: dict[str, Any]


def _rows_city(result: FileResult) -> str | None:
    """The 盟市 most rows name."""
    counts = Counter(r.values.city for r in result.records if r.values.city)
    return counts.most_common(1)[0][0] if counts else None


def foreign_city(result: FileResult, city: str) -> str | None:
    """Another 盟市 the file is a ledger of (by its title, or by most of its rows), else None.

    The file is checked under the name ``<盟市>.xlsx`` of the token's 盟市, so a file without
    a title is judged by its rows."""
    for named in (result.city, _rows_city(result)):
        if named is not None and named != city:
            return named
    return None


def receive_ledger(settings: Settings, city: str, client_name: str, data: bytes) -> Received:
    """Check an uploaded ledger of ``city`` and keep it as the 盟市's next version.

    Refused, and not kept: a name kq does not read (415), a file with no ledger in it (422), a
    ledger of another 盟市 (403)."""
    suffix = inbox.ledger_suffix(client_name)
    if suffix is None:
        raise Refusal(415, "只接受 .xlsx、.xlsm、.xls、.csv 格式的台账文件")
    year, week = settings.current_week()
    folder = settings.folder(year, week)
    name = f"{city}{suffix}"
    with inbox.staged(folder, name, data) as path:
        result = validate_file(path, settings.plan, week_range(year, week)[1], limits=settings.limits)
    rows = reconcile((r.counted() for r in result.records), settings.plan)
    validation = ValidationReport([result], rows, [])
    if result.header_row is None:
        raise Refusal(422, f"{visible(client_name)}：{result.file_findings[0].message}", validation.to_dict())
    if (other := foreign_city(result, city)) is not None:
        raise Refusal(403, f"这份台账是{other}的（按标题或多数行所填的盟市），不能作为{city}的台账上传")
    report = compared(settings, year, week, validation)
    digest = hashlib.sha256(data).hexdigest()

    def place(version: int) -> Upload:
        inbox.keep_version(folder, inbox.VERSIONS, inbox.version_name(city, version, suffix), data)
        current = inbox.make_current(folder, city, suffix, data)
        return Upload(LEDGER, city, year, week, version, _now(), current.relative_to(settings.inbox).as_posix(),
                      visible(client_name), len(data), digest, len(result.records), result.errors, result.warnings,
                      json.dumps(report, ensure_ascii=False))

    with settings.store() as store:
        kept = record_upload(store, LEDGER, city, year, week, place)
    return Received(kept, report)


def compared(settings: Settings, year: int, week: int, validation: ValidationReport) -> dict[str, Any]:
    """The validate JSON of an accepted ledger as ``kq validate --db`` gives it (its part of the
    stored baseline under ``baseline``), with its changes since the week stored before, as the
    merge JSON has them (``compared_with``, ``changes``)."""
    check_report(validation, settings.db, settings.plan)
    with settings.store() as store:
        changes = ledger_changes(store, year, week, validation.files)
    return {**validation.to_dict(), **changes.to_dict()}


def receive_scan(settings: Settings, city: str, client_name: str, data: bytes) -> Upload:
    """Keep the stamped scan (PDF, PNG or JPEG, told by its first bytes) as the 盟市's next one."""
    suffix = inbox.scan_suffix(data)
    if suffix is None:
        raise Refusal(415, "盖章扫描件应为 PDF、PNG 或 JPEG 文件")
    year, week = settings.current_week()
    folder = settings.folder(year, week)

    def place(version: int) -> Upload:
        kept = inbox.keep_version(folder, inbox.SCANS, inbox.version_name(city, version, suffix), data)
        return Upload(SCAN, city, year, week, version, _now(), kept.relative_to(settings.inbox).as_posix(),
                      visible(client_name), len(data), hashlib.sha256(data).hexdigest(), None, None, None, None)

    with settings.store() as store:
        return record_upload(store, SCAN, city, year, week, place)


def annotated_copy(settings: Settings, upload: Upload) -> Path:
    """The annotated copy of a kept ledger version, made the first time it is asked for (the
    answer to an upload does not wait for it); the version is checked again for it, as it was."""
    folder = settings.folder(upload.year, upload.week)
    target = inbox.annotated_version(folder, upload.city, upload.version)
    if not target.exists():
        source = settings.inbox / _version_path(upload)
        result = validate_file(source, settings.plan, week_range(upload.year, upload.week)[1], limits=settings.limits)
        annotate(result, target.parent, force=True)
    return target


def _version_path(upload: Upload) -> str:
    """The version file of a ledger upload, relative to the inbox."""
    folder = Path(upload.stored).parent
    return (folder / inbox.VERSIONS / inbox.version_name(upload.city, upload.version, Path(upload.stored).suffix)
            ).as_posix()


def version_file(settings: Settings, upload: Upload) -> Path:
    """The file of an upload as it was sent (a ledger's version, or the scan)."""
    return settings.inbox / (_version_path(upload) if upload.kind == LEDGER else upload.stored)


@dataclass(frozen=True)
class CityStatus:
    """One line of the 报送情况: a 盟市's latest ledger and scan of the week, and how many it sent."""

    city: str
    ledger: Upload | None
    versions: int
    scan: Upload | None

    def to_dict(self) -> dict[str, Any]:
        latest = self.ledger
        return {
            "city": self.city,
            "sent": latest is not None,
            "version": latest.version if latest else None,
            "received_at": latest.received_at if latest else None,
            "stored": latest.stored if latest else None,
            "client_name": latest.client_name if latest else None,
            "size": latest.size if latest else None,
            "sha256": latest.sha256 if latest else None,
            "rows": latest.rows if latest else None,
            "errors": latest.errors if latest else None,
            "warnings": latest.warnings if latest else None,
            "versions": self.versions,
            "scan": self.scan is not None,
        }


@dataclass(frozen=True)
class WeekStatus:
    year: int
    week: int
    cities: list[CityStatus]
    merged_at: str | None

    @property
    def label(self) -> str:
        return week_label(self.year, self.week)

    @property
    def missing(self) -> list[str]:
        return [c.city for c in self.cities if c.ledger is None]

    def to_dict(self) -> dict[str, Any]:
        return {"week": self.label, "sent": len(self.cities) - len(self.missing), "missing": self.missing,
                "merged_at": self.merged_at, "cities": [c.to_dict() for c in self.cities]}


def week_status(settings: Settings, year: int, week: int) -> WeekStatus:
    """Each 盟市 in the region's order with what it sent this week (its latest versions)."""
    with settings.store() as store, store.reading():
        sent = uploads(store, year, week)
        merged = [w.stored_at for w in store.weeks() if (w.year, w.week) == (year, week)]
    lines = []
    for city in divisions().cities:
        ledgers = [u for u in sent if u.city == city and u.kind == LEDGER]
        scans = [u for u in sent if u.city == city and u.kind == SCAN]
        lines.append(CityStatus(city, ledgers[-1] if ledgers else None, len(ledgers), scans[-1] if scans else None))
    return WeekStatus(year, week, lines, merged[0] if merged else None)


def merged_workbook(settings: Settings, year: int, week: int) -> Path:
    return settings.folder(year, week) / inbox.OUTPUTS / merged_workbook_name(week_label(year, week))


def report_file(settings: Settings, year: int, week: int, fmt: str = "html") -> Path:
    """The week's 通报 as the office downloads it: ``html`` to read and forward, ``docx`` to file."""
    return settings.folder(year, week) / inbox.OUTPUTS / f"{REPORT_PREFIX}{week_label(year, week)}.{fmt}"


def word_report_file(settings: Settings, year: int, week: int) -> Path:
    return report_file(settings, year, week, "docx")


def merge_week(settings: Settings, year: int, week: int) -> MergeResult:
    """``kq merge`` of the week's folder (the latest ledger of each 盟市), then its 通报."""
    result = merge_and_store(settings.folder(year, week), settings.plan, year, week,
                             out=merged_workbook(settings, year, week), db=settings.db, limits=settings.limits)
    for fmt in ("html", "docx"):
        write_report(settings.db, settings.plan, year, week, fmt, report_file(settings, year, week, fmt))
    return result


def _now() -> str:
    return datetime.now().isoformat(timespec="seconds")
