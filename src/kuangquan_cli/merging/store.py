"""The snapshot store: one merged week per (year, week) in SQLite, for the weekly report.

A week is written in one transaction that first deletes the old snapshot of that week, so
merging a week again replaces it and a crash half-way leaves the old one as it was. The schema
is versioned with ``PRAGMA user_version``: older stores are upgraded step by step, and a store
written by a newer kq is refused rather than misread.

Several kq may use one store at once (the office runs ``kq report`` while a merge is saving).
The store is in WAL mode: a reader reads one state of the store in one read transaction
(``reading``) and never sees half of a replaced week; writers wait for each other up to
``BUSY_TIMEOUT_S`` (saving 300,000 rows takes seconds), and the schema is created or upgraded
inside the write transaction, so two first merges cannot both create it. kq's stores carry
``APPLICATION_ID`` in their header: any other SQLite file is refused and left untouched. Every
SQLite error becomes one Chinese line saying what happened to which file; only a file that is
not a kq store or fails ``PRAGMA quick_check`` is called damaged.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import re
import sqlite3
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Concatenate, NamedTuple, ParamSpec, TypeVar

from kuangquan_cli.checking.baseline import Baseline, BaselineInfo, BaselineRight
from kuangquan_cli.checking.parse import RowValues, filled
from kuangquan_cli.errors import KqError, os_error_reason
from kuangquan_cli.merging.rows import row_record, rows_frame
from kuangquan_cli.merging.submissions import MERGED
from kuangquan_cli.reference.tables import fields
from kuangquan_cli.reference.weeks import week_label, week_range
from kuangquan_cli.text import visible

if TYPE_CHECKING:
    import pandas as pd

    from kuangquan_cli.merging.merge import MergedRow, MergeResult

DEFAULT_DB = "kq.db"

#: Step n upgrades a store from user_version n-1 to n.
_MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE snapshot (
        id INTEGER PRIMARY KEY,
        year INTEGER NOT NULL,
        week INTEGER NOT NULL,
        stored_at TEXT NOT NULL,
        source_dir TEXT NOT NULL,
        rows_in INTEGER NOT NULL,
        rows_merged INTEGER NOT NULL,
        rows_flagged INTEGER NOT NULL,
        files INTEGER NOT NULL,
        summary TEXT NOT NULL,            -- the merge JSON (docs/json.md#kq-merge)
        UNIQUE (year, week)
    );
    CREATE TABLE source_file (
        snapshot_id INTEGER NOT NULL REFERENCES snapshot(id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        file TEXT NOT NULL,
        city TEXT,
        size INTEGER NOT NULL,
        sha256 TEXT NOT NULL,
        status TEXT NOT NULL,
        reason TEXT,
        rows INTEGER NOT NULL,
        errors INTEGER NOT NULL,
        warnings INTEGER NOT NULL
    );
    CREATE TABLE ledger_row (
        snapshot_id INTEGER NOT NULL REFERENCES snapshot(id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        source_file TEXT NOT NULL,
        source_row INTEGER NOT NULL,
        source_city TEXT,
        task INTEGER,
        cannot_resume INTEGER NOT NULL,
        flagged INTEGER NOT NULL,
        counted INTEGER NOT NULL,
        fields TEXT NOT NULL               -- the row's model values as JSON
    );
    CREATE TABLE finding (
        snapshot_id INTEGER NOT NULL REFERENCES snapshot(id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        code TEXT NOT NULL, severity TEXT NOT NULL, file TEXT, sheet TEXT, row INTEGER,
        col TEXT, cell TEXT, field TEXT, value TEXT, message TEXT NOT NULL
    );
    CREATE TABLE reconciliation (
        snapshot_id INTEGER NOT NULL REFERENCES snapshot(id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        task INTEGER, reason TEXT, plan INTEGER NOT NULL, ledger INTEGER NOT NULL, diff INTEGER NOT NULL
    );
    CREATE INDEX source_file_snapshot ON source_file(snapshot_id);
    CREATE INDEX ledger_row_snapshot ON ledger_row(snapshot_id);
    CREATE INDEX finding_snapshot ON finding(snapshot_id);
    CREATE INDEX reconciliation_snapshot ON reconciliation(snapshot_id);
    """,
    # Step 2 — baseline and stored inputs: the verified baseline, every version kept (docs/reconciliation.md#底数清单);
    # the bytes of every file a week was merged from, once per content (source_file.sha256 → file_content)
    """
    CREATE TABLE baseline (
        version INTEGER PRIMARY KEY,
        created_at TEXT NOT NULL,
        source TEXT NOT NULL,              -- the stored week (2022-W38) or the file's name
        sha256 TEXT,                       -- the file's (NULL when taken from a week)
        note TEXT,
        rights INTEGER NOT NULL
    );
    CREATE TABLE baseline_right (
        version INTEGER NOT NULL REFERENCES baseline(version) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        licence_no TEXT NOT NULL,
        city TEXT,
        task INTEGER,
        reason TEXT,
        cannot_resume INTEGER NOT NULL,
        right_name TEXT,
        holder TEXT,
        PRIMARY KEY (version, licence_no)
    );
    CREATE TABLE file_content (
        sha256 TEXT PRIMARY KEY,
        size INTEGER NOT NULL,
        content BLOB NOT NULL
    );
    CREATE INDEX source_file_sha256 ON source_file(sha256);
    """,
    # Step 3 — the submission portal (``kq serve``; its queries are in portal/records.py): the
    # access tokens, by their SHA-256 only, and every file a 盟市 uploaded (ledgers and stamped
    # scans), numbered per 盟市 and week.
    """
    CREATE TABLE portal_token (
        holder TEXT PRIMARY KEY,           -- 'office' or a 盟市
        token_hash TEXT NOT NULL UNIQUE,   -- SHA-256 of the token, hex (the token itself is never stored)
        created_at TEXT NOT NULL
    );
    CREATE TABLE upload (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,                -- 'ledger' or 'scan'
        city TEXT NOT NULL,
        year INTEGER NOT NULL,
        week INTEGER NOT NULL,
        version INTEGER NOT NULL,          -- 1, 2 … per kind, 盟市 and week
        received_at TEXT NOT NULL,
        stored TEXT NOT NULL,              -- the version's file, relative to the inbox
        client_name TEXT,                  -- the name the browser gave (shown, never used as a path)
        size INTEGER NOT NULL,
        sha256 TEXT NOT NULL,
        rows INTEGER,
        errors INTEGER,
        warnings INTEGER,
        result TEXT,                       -- a ledger's validate JSON (docs/json.md#kq-validate)
        UNIQUE (kind, city, year, week, version)
    );
    CREATE INDEX upload_week ON upload(year, week);
    """,
)
SCHEMA_VERSION = len(_MIGRATIONS)


def _tables_up_to(version: int) -> frozenset[str]:
    """The tables a store at ``version`` has: those its migration steps created."""
    return frozenset(re.findall(r"CREATE TABLE (\w+)", "".join(_MIGRATIONS[:version])))


#: ``PRAGMA application_id`` of a kq store ("kqdb"); stores written before it was set have 0.
APPLICATION_ID = 0x6B716462
#: How long a command waits for another kq's write to finish before giving up.
BUSY_TIMEOUT_S = 60.0

_FINDING_KEYS = ("code", "severity", "file", "sheet", "row", "column", "cell", "field", "value", "message")


def resolve_db_path(option: str | Path | None) -> Path:
    """``--db``, else ``$KQ_DB``, else ``./kq.db`` (README.md#命令)."""
    return Path(option or os.environ.get("KQ_DB") or DEFAULT_DB)


@dataclass(frozen=True)
class StoredWeek:
    """One line of ``kq history``."""

    year: int
    week: int
    stored_at: str
    rows_in: int
    rows_merged: int
    rows_flagged: int
    files: int

    @property
    def label(self) -> str:
        return week_label(self.year, self.week)


@dataclass
class Snapshot:
    """One stored week, as the weekly report reads it.

    ``rows`` has the columns ``rows.ROW_COLUMNS``: the model's fields (``task`` being the task
    the row counts under), ``source_file``, ``source_row``, ``source_city``, ``cannot_resume``,
    ``flagged`` and ``counted`` (False for rows of a 盟市's second file, kept but not counted).
    """

    year: int
    week: int
    stored_at: str
    summary: dict[str, Any]
    rows: pd.DataFrame
    files: list[dict[str, Any]]
    findings: list[dict[str, Any]]
    reconciliation: list[dict[str, Any]]
    source_dir: str = ""
    """The inbox the week was merged from, as the merge was given it."""

    @property
    def label(self) -> str:
        return week_label(self.year, self.week)


class CountedRow(NamedTuple):
    """One counted row of a stored week: where it is, the task it counts under, its values."""

    file: str
    row: int
    city: str | None
    task: int | None
    values: RowValues


@dataclass(frozen=True)
class StoredInput:
    """One file a stored week was merged from, as ``kq history --week`` lists it; ``stored``:
    whether its bytes are in the store (not for weeks merged before kq kept them, nor for a
    file that could not be read)."""

    file: str
    city: str | None
    size: int
    sha256: str
    status: str
    stored: bool


def _row_values(snapshot_id: int, position: int, row: MergedRow) -> tuple[Any, ...]:
    """One ``ledger_row`` record (a function of its own so a test can break a save half-way)."""
    record = row.record
    return (
        snapshot_id, position, row.source.file, record.row, row.source.result.city_of(record), record.task,
        record.cannot_resume, row.flagged, row.counted, row_json(record.values),
    )


def row_json(values: RowValues) -> str:
    """A row's values as stored: the fields that have one, as compact JSON (dates ISO, lists
    arrays) — the model's JSON without its defaults, made without building the model: a
    pydantic object per row was most of a merge's time and memory (they were kept to the end)."""
    return json.dumps(filled(values), ensure_ascii=False, separators=(",", ":"), default=date.isoformat)


_P = ParamSpec("_P")
_R = TypeVar("_R")


def _in_words(method: Callable[Concatenate[Store, _P], _R]) -> Callable[Concatenate[Store, _P], _R]:
    """A store method whose SQLite errors reach the user as one Chinese line (``Store.error``)."""

    @functools.wraps(method)
    def run(self: Store, *args: _P.args, **kwargs: _P.kwargs) -> _R:
        try:
            return method(self, *args, **kwargs)
        except sqlite3.Error as exc:
            raise self.error(exc) from exc

    return run


class Store:
    """The SQLite snapshot store at ``path``; ``create`` allows making a new one (and is how a
    writer opens it: only then is the store switched to WAL mode or marked as kq's). ``timeout``:
    how long to wait for another writer, ``BUSY_TIMEOUT_S`` unless given."""

    def __init__(self, path: str | Path, create: bool = False, timeout: float | None = None) -> None:
        self.path = Path(path)
        if self.path.is_dir():
            raise KqError(f"数据库路径是一个文件夹，应为文件：{self.path}")
        if not create and not self.path.is_file():
            raise KqError(f"找不到数据库 {self.path}；请先用 kq merge 汇总一周的台账")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise KqError(f"无法创建数据库所在的文件夹 {self.path.parent}：{os_error_reason(exc)}") from exc
        try:
            self._conn = sqlite3.connect(self.path, isolation_level=None,
                                         timeout=BUSY_TIMEOUT_S if timeout is None else timeout)
        except sqlite3.Error as exc:
            raise self.error(exc) from exc
        try:
            self._open(create)
        except BaseException:
            self._conn.close()
            raise

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._conn.close()

    @_in_words
    def _open(self, create: bool) -> None:
        conn = self._conn
        conn.execute("PRAGMA foreign_keys = ON")
        version, marked = self._identify()
        if create:
            self._use_wal()
        if version < SCHEMA_VERSION or (create and not marked):
            self._upgrade()

    def _use_wal(self) -> None:
        """Switch a new store to WAL. The switch needs the file to itself and SQLite answers "busy"
        at once, without waiting, while another kq reads or switches it: try again for as long
        as a busy store is waited for."""
        deadline = time.monotonic() + BUSY_TIMEOUT_S
        while self._conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            try:
                self._conn.execute("PRAGMA journal_mode = WAL")
            except sqlite3.OperationalError as exc:
                if getattr(exc, "sqlite_errorcode", 0) & 0xFF != sqlite3.SQLITE_BUSY or time.monotonic() > deadline:
                    raise
                time.sleep(0.02)

    def _identify(self) -> tuple[int, bool]:
        """The store's schema version and whether it carries kq's mark; refuses (unchanged) a file
        kq did not make, a store from a newer kq, and a kq store missing one of its tables."""
        conn = self._conn
        with self.reading():  # one state of the file: another kq may be creating the schema meanwhile
            app_id = conn.execute("PRAGMA application_id").fetchone()[0]
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            tables = {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        unmarked_kq = app_id == 0 and (not tables or (version > 0 and "snapshot" in tables))
        if app_id != APPLICATION_ID and not unmarked_kq:
            others = f"，含数据表 {'、'.join(sorted(tables)[:5])}" if tables else ""
            raise KqError(f"{self.path} 不是 kq 的数据库（是其他程序的 SQLite 文件{others}）；"
                          "kq 不会改动它，请用 --db 另指一个文件")
        if version > SCHEMA_VERSION:
            raise self._newer(version)
        missing = sorted(_tables_up_to(version) - tables)
        if missing:
            raise self.damaged(f"缺少数据表 {'、'.join(missing)}")
        return version, app_id == APPLICATION_ID

    def _upgrade(self) -> None:
        """Create or upgrade the schema and mark the store as kq's, in the write transaction: the
        version is read again inside it, as another kq may have done the work meanwhile."""
        with self._transaction():
            version = self._conn.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise self._newer(version)
            for step in range(version, SCHEMA_VERSION):
                for statement in filter(str.strip, _MIGRATIONS[step].split(";")):
                    self._conn.execute(statement)
            self._conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            self._conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")

    def _newer(self, version: int) -> KqError:
        return KqError(f"数据库 {self.path} 由更新版本的 kq 写入（结构版本 {version}，"
                       f"本程序只支持到 {SCHEMA_VERSION}）；请升级 kq 后再使用")

    def _transaction(self) -> _Transaction:
        return _Transaction(self._conn, "BEGIN IMMEDIATE")

    @contextlib.contextmanager
    def reading(self) -> Iterator[None]:
        """Everything read inside comes from one state of the store: a merge that commits
        meanwhile is seen whole or not at all (the weekly report reads several weeks)."""
        if self._conn.in_transaction:
            yield
            return
        with _Transaction(self._conn, "BEGIN"):
            yield

    @contextlib.contextmanager
    def writing(self) -> Iterator[sqlite3.Connection]:
        """A write transaction on the store for a layer above that keeps tables of its own in it
        (the portal): committed whole or rolled back, SQLite errors in words."""
        try:
            with self._transaction():
                yield self._conn
        except sqlite3.Error as exc:
            raise self.error(exc) from exc

    @_in_words
    def fetch(self, select: str, parameters: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """The rows of one query, for such a layer's own tables (inside ``reading`` for several)."""
        return self._conn.execute(select, parameters).fetchall()

    @_in_words
    def check(self) -> None:
        """``PRAGMA quick_check``: a damaged store is said to be damaged before it is used."""
        problems = [line for (line,) in self._conn.execute("PRAGMA quick_check(3)")]
        if problems != ["ok"]:
            raise self.damaged("；".join(problems))

    def damaged(self, detail: str) -> KqError:
        """The store is damaged (``detail``: SQLite's own words, for whoever repairs it) and what
        to do: the snapshots from before the damage are in a backup copy, or made again."""
        return KqError(f"数据库 {self.path} 已损坏（{detail}）；请换用损坏前的备份副本，"
                       "没有备份时将它改名留存，再用 kq merge 重新汇总各周台账以重建")

    def error(self, exc: sqlite3.Error) -> KqError:
        """An SQLite error as the one line the user sees: busy, disk full, read-only, damaged …"""
        code = getattr(exc, "sqlite_errorcode", -1) & 0xFF
        if code in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
            return KqError(f"数据库正被其他 kq 使用，请稍后重试（{self.path}）")
        if code == sqlite3.SQLITE_FULL:
            return KqError(f"无法写入数据库 {self.path}：磁盘空间已满（数据库保持原样，清理磁盘后重新运行即可）")
        if code in (sqlite3.SQLITE_READONLY, sqlite3.SQLITE_PERM, sqlite3.SQLITE_AUTH):
            return KqError(f"无法写入数据库 {self.path}：文件或所在的文件夹是只读的，或没有写权限")
        if code == sqlite3.SQLITE_CANTOPEN:
            return KqError(f"无法打开数据库 {self.path}：{self._cannot_open_reason()}")
        if code == sqlite3.SQLITE_IOERR:
            return KqError(f"读写数据库 {self.path} 时磁盘出错；请检查磁盘或网络驱动器后重试")
        if code == sqlite3.SQLITE_NOTADB:
            return KqError(f"{self.path} 不是 kq 的数据库（不是 SQLite 数据库文件，或文件头已损坏）；"
                           "请用 --db 另指一个文件，或换用备份副本")
        if code == sqlite3.SQLITE_CORRUPT:
            return self.damaged(str(exc))
        return KqError(f"数据库 {self.path} 出错：{exc}")

    def _cannot_open_reason(self) -> str:
        """SQLite says only that it cannot open the file; opening it as SQLite would tells why
        (a file this makes is removed: the store is not made by asking)."""
        existed = self.path.exists()
        try:
            with self.path.open("ab"):
                pass
        except OSError as exc:
            return os_error_reason(exc)
        if not existed:
            self.path.unlink(missing_ok=True)
        return "文件或其旁边的 -wal、-shm 文件无法打开（可能没有权限）"

    @_in_words
    def save(self, result: MergeResult) -> bool:
        """Store ``result`` as the snapshot of its week, replacing any earlier one in one step;
        whether there was one to replace."""
        summary = result.summary()
        with self._transaction():
            conn = self._conn
            deleted = conn.execute("DELETE FROM snapshot WHERE year = ? AND week = ?", (result.year, result.week))
            replaced = deleted.rowcount > 0
            snapshot_id = conn.execute(
                "INSERT INTO snapshot (year, week, stored_at, source_dir, rows_in, rows_merged, rows_flagged, files,"
                " summary) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (result.year, result.week, datetime.now().isoformat(timespec="seconds"), visible(str(result.directory)),
                 summary["rows_in"], summary["rows_merged"], summary["rows_flagged"], len(result.sources),
                 json.dumps(summary, ensure_ascii=False)),
            ).lastrowid
            assert snapshot_id is not None
            conn.executemany(
                "INSERT INTO source_file VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                ((snapshot_id, i, s.file, s.result.city, s.size, s.sha256, s.status, s.reason,
                  len(s.result.records), s.result.errors, s.result.warnings) for i, s in enumerate(result.sources)),
            )
            conn.executemany(
                "INSERT OR IGNORE INTO file_content VALUES (?, ?, ?)",
                ((s.sha256, s.size, s.content) for s in result.sources if s.content is not None),
            )
            conn.execute("DELETE FROM file_content WHERE sha256 NOT IN (SELECT sha256 FROM source_file)")
            conn.executemany(
                "INSERT INTO ledger_row VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (_row_values(snapshot_id, i, row) for i, row in enumerate(result.rows)),
            )
            conn.executemany(
                "INSERT INTO finding VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                ((snapshot_id, i, *(getattr(f, k) for k in _FINDING_KEYS)) for i, f in enumerate(result.findings)),
            )
            conn.executemany(
                "INSERT INTO reconciliation VALUES (?, ?, ?, ?, ?, ?, ?)",
                ((snapshot_id, i, r.task, r.reason, r.plan, r.ledger, r.diff)
                 for i, r in enumerate(result.reconciliation)),
            )
        return replaced

    @_in_words
    def weeks(self) -> list[StoredWeek]:
        """Every stored week, oldest first."""
        rows = self._conn.execute(
            "SELECT year, week, stored_at, rows_in, rows_merged, rows_flagged, files FROM snapshot ORDER BY year, week"
        )
        return [StoredWeek(*row) for row in rows]

    def week_asked(self, plan_year: int, year: int | None, week: int | None) -> tuple[int, int]:
        """The week a command asks for (``--week``, its year defaulting to the plan's), else the
        latest stored one (of ``year`` when given)."""
        if week is not None:
            year = year or plan_year
            week_range(year, week)  # refuses a week the year does not have
            return year, week
        stored = [w for w in self.weeks() if year in (None, w.year)]
        if not stored:
            of_year = f" {year} 年的" if year else ""
            raise KqError(f"数据库 {self.path} 中还没有{of_year}周汇总；请先用 kq merge 汇总台账")
        return stored[-1].year, stored[-1].week

    @_in_words
    def previous_week(self, year: int, week: int) -> tuple[int, int] | None:
        """The latest stored (year, week) before the given one, for the week-over-week change."""
        row = self._conn.execute(
            "SELECT year, week FROM snapshot WHERE year < ? OR (year = ? AND week < ?) ORDER BY year DESC, week DESC"
            " LIMIT 1",
            (year, year, week),
        ).fetchone()
        return (row[0], row[1]) if row else None

    @_in_words
    def load_snapshot(self, year: int, week: int) -> Snapshot:
        """The stored week, read in one read transaction (a merge replacing it meanwhile is not seen)."""
        with self.reading():
            return self._snapshot(year, week)

    def _snapshot(self, year: int, week: int) -> Snapshot:
        snapshot_id = self._snapshot_id(year, week)
        stored_at, summary, source_dir = self._conn.execute(
            "SELECT stored_at, summary, source_dir FROM snapshot WHERE id = ?", (snapshot_id,)
        ).fetchone()
        return Snapshot(
            year, week, stored_at, json.loads(summary), self._rows(snapshot_id),
            self._dicts("SELECT file, city, size, sha256, status, reason, rows, errors, warnings FROM source_file",
                        snapshot_id),
            self._dicts('SELECT code, severity, file, sheet, row, col AS "column", cell, field, value, message'
                        " FROM finding", snapshot_id),
            self._dicts("SELECT task, reason, plan, ledger, diff FROM reconciliation", snapshot_id), source_dir,
        )

    @_in_words
    def counted_rows(self, year: int, week: int) -> tuple[list[CountedRow], list[str | None]]:
        """A stored week's counted rows and the 盟市 of its counted files, from one state of the
        store: what the week-over-week comparison reads, without the frame of ``load_snapshot``
        (whose row dicts would cost a large week's merge hundreds of megabytes)."""
        with self.reading():
            snapshot_id = self._snapshot_id(year, week)
            rows = self._conn.execute(
                "SELECT source_file, source_row, source_city, task, fields FROM ledger_row"
                " WHERE snapshot_id = ? AND counted ORDER BY position", (snapshot_id,))
            counted = [CountedRow(file, row, city, task, stored_values(values))
                       for file, row, city, task, values in rows]
            cities = [city for (city,) in self._conn.execute(
                "SELECT city FROM source_file WHERE snapshot_id = ? AND status = ? ORDER BY position",
                (snapshot_id, MERGED))]
        return counted, cities

    def _dicts(self, select: str, snapshot_id: int) -> list[dict[str, Any]]:
        cursor = self._conn.execute(f"{select} WHERE snapshot_id = ? ORDER BY position", (snapshot_id,))
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor]

    def _snapshot_id(self, year: int, week: int) -> int:
        found = self._conn.execute("SELECT id FROM snapshot WHERE year = ? AND week = ?", (year, week)).fetchone()
        if found is None:
            raise KqError(f"数据库 {self.path} 中没有 {week_label(year, week)} 的汇总；请先用 kq merge 汇总该周台账")
        return int(found[0])

    @_in_words
    def inputs(self, year: int, week: int) -> list[StoredInput]:
        """The files the stored week was merged from, in the merge's order."""
        with self.reading():
            cursor = self._conn.execute(
                "SELECT f.file, f.city, f.size, f.sha256, f.status, c.sha256 IS NOT NULL FROM source_file f"
                " LEFT JOIN file_content c ON c.sha256 = f.sha256 WHERE f.snapshot_id = ? ORDER BY f.position",
                (self._snapshot_id(year, week),),
            )
            return [StoredInput(file, city, size, sha256, status, bool(stored))
                    for file, city, size, sha256, status, stored in cursor]

    @_in_words
    def content(self, sha256: str) -> bytes | None:
        """A stored file's bytes by their SHA-256; None when they are not stored."""
        found = self._conn.execute("SELECT content FROM file_content WHERE sha256 = ?", (sha256,)).fetchone()
        return bytes(found[0]) if found else None

    @_in_words
    def save_baseline(self, rights: list[BaselineRight], source: str, sha256: str | None, note: str | None
                      ) -> BaselineInfo:
        """Store ``rights`` as the next version of the baseline; the earlier versions are kept."""
        with self._transaction():
            conn = self._conn
            version = conn.execute("SELECT COALESCE(MAX(version), 0) + 1 FROM baseline").fetchone()[0]
            info = BaselineInfo(version, datetime.now().isoformat(timespec="seconds"), visible(source), sha256,
                                note, len(rights))
            conn.execute("INSERT INTO baseline VALUES (?, ?, ?, ?, ?, ?)",
                         (info.version, info.created_at, info.source, info.sha256, info.note, info.rights))
            conn.executemany(
                "INSERT INTO baseline_right VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                ((version, i, r.licence_no, r.city, r.task, r.reason, r.cannot_resume, r.right_name, r.holder)
                 for i, r in enumerate(rights)),
            )
        return info

    @_in_words
    def baselines(self) -> list[BaselineInfo]:
        """Every stored version of the baseline, oldest first."""
        cursor = self._conn.execute(
            "SELECT version, created_at, source, sha256, note, rights FROM baseline ORDER BY version")
        return [BaselineInfo(*row) for row in cursor]

    @_in_words
    def latest_baseline(self) -> Baseline | None:
        """The baseline every merge is checked against: the latest version, None while none is stored."""
        with self.reading():
            found = self._conn.execute(
                "SELECT version, created_at, source, sha256, note, rights FROM baseline ORDER BY version DESC LIMIT 1"
            ).fetchone()
            if found is None:
                return None
            cursor = self._conn.execute(
                "SELECT licence_no, city, task, reason, cannot_resume, right_name, holder FROM baseline_right"
                " WHERE version = ? ORDER BY position",
                (found[0],),
            )
            rights = tuple(BaselineRight(licence, city, task, reason, bool(cannot), name, holder)
                           for licence, city, task, reason, cannot, name, holder in cursor)
        return Baseline(BaselineInfo(*found), rights)

    def _rows(self, snapshot_id: int) -> pd.DataFrame:
        cursor = self._conn.execute(
            "SELECT source_file, source_row, source_city, task, flagged, counted, fields FROM ledger_row"
            " WHERE snapshot_id = ? ORDER BY position",
            (snapshot_id,),
        )
        return rows_frame([
            row_record(stored_values(values), task, source_file=file, source_row=row, source_city=city,
                       flagged=bool(flagged), counted=bool(counted))
            for file, row, city, task, flagged, counted, values in cursor
        ])


_DATE_FIELDS = frozenset(f.name for f in fields() if f.kind == "date")
_LIST_FIELDS = frozenset(f.name for f in fields() if f.kind == "list")


def stored_values(text: str) -> RowValues:
    """A row's values as ``row_json`` stored them (the model's JSON, defaults left out).

    The parsers made them of the model's types and allowed values; on the way out only what JSON
    cannot hold is turned back (dates from ISO text, lists from arrays), which spares the weekly
    report importing and running pydantic on every row.
    """
    values = json.loads(text)
    for name in values.keys() & _DATE_FIELDS:
        values[name] = date.fromisoformat(values[name])
    for name in values.keys() & _LIST_FIELDS:
        values[name] = tuple(values[name])
    return RowValues(**values)


class _Transaction:
    """``begin`` … ``COMMIT``, or ``ROLLBACK`` on any exception (even KeyboardInterrupt).

    A rollback that fails itself (SQLite may already have rolled back, as on a full disk) never
    hides the error that made it necessary.
    """

    def __init__(self, conn: sqlite3.Connection, begin: str) -> None:
        self.conn = conn
        self.begin = begin

    def __enter__(self) -> None:
        self.conn.execute(self.begin)

    def __exit__(self, kind: type[BaseException] | None, *rest: object) -> None:
        if kind is None:
            try:
                self.conn.execute("COMMIT")
            except BaseException:
                self._rollback()
                raise
        else:
            self._rollback()

    def _rollback(self) -> None:
        if self.conn.in_transaction:
            with contextlib.suppress(sqlite3.Error):
                self.conn.execute("ROLLBACK")
