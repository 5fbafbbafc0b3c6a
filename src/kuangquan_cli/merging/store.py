"""The snapshot store: one merged week per (year, week) in SQLite, for the weekly report.

A week is written in one transaction that first deletes the old snapshot of that week, so
merging a week again replaces it and a crash half-way leaves the old one as it was. The schema
is versioned with ``PRAGMA user_version``: older stores are upgraded step by step, and a store
written by a newer kq is refused rather than misread.
"""

from __future__ import annotations

import json
import os
import sqlite3
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kuangquan_cli.checking.parse import RowValues
from kuangquan_cli.errors import KqError
from kuangquan_cli.merging.rows import row_record, rows_frame
from kuangquan_cli.reference.tables import fields
from kuangquan_cli.reference.weeks import week_label

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
        summary TEXT NOT NULL,            -- the merge JSON (SPEC §9.1)
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
)
SCHEMA_VERSION = len(_MIGRATIONS)

_FINDING_KEYS = ("code", "severity", "file", "sheet", "row", "column", "cell", "field", "value", "message")


def resolve_db_path(option: str | Path | None) -> Path:
    """``--db``, else ``$KQ_DB``, else ``./kq.db`` (SPEC §9, common options)."""
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

    @property
    def label(self) -> str:
        return week_label(self.year, self.week)


def _row_values(snapshot_id: int, position: int, row: MergedRow) -> tuple[Any, ...]:
    """One ``ledger_row`` record (a function of its own so a test can break a save half-way)."""
    record = row.record
    return (
        snapshot_id, position, row.source.file, record.row, row.source.result.city, record.task,
        record.cannot_resume, row.flagged, row.counted,
        record.model.model_dump_json(exclude_defaults=True),
    )


class Store:
    """The SQLite snapshot store at ``path``; ``create`` allows making a new one."""

    def __init__(self, path: str | Path, create: bool = False) -> None:
        self.path = Path(path)
        if self.path.is_dir():
            raise KqError(f"数据库路径是一个文件夹：{self.path}")
        if not create and not self.path.is_file():
            raise KqError(f"找不到数据库 {self.path}；请先用 kq merge 汇总一周的台账")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._conn = sqlite3.connect(self.path, isolation_level=None)
            self._conn.execute("PRAGMA foreign_keys = ON")
            self._upgrade()
        except sqlite3.DatabaseError as exc:
            raise KqError(f"{self.path} 不是 kq 的数据库或已损坏（{exc}）") from exc
        except OSError as exc:
            raise KqError(f"无法打开数据库 {self.path}：{exc.strerror or exc}") from exc

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._conn.close()

    def _upgrade(self) -> None:
        version = self._conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise KqError(
                f"数据库 {self.path} 由更新版本的 kq 写入（结构版本 {version}，本程序只支持到 {SCHEMA_VERSION}）；"
                "请升级 kq 后再使用"
            )
        for step in range(version, SCHEMA_VERSION):
            with self._transaction():
                for statement in filter(str.strip, _MIGRATIONS[step].split(";")):
                    self._conn.execute(statement)
                self._conn.execute(f"PRAGMA user_version = {step + 1}")

    def _transaction(self) -> _Transaction:
        return _Transaction(self._conn)

    def save(self, result: MergeResult) -> bool:
        """Store ``result`` as the snapshot of its week, replacing any earlier one in one step;
        whether there was one to replace."""
        summary = result.to_dict()
        with self._transaction():
            conn = self._conn
            deleted = conn.execute("DELETE FROM snapshot WHERE year = ? AND week = ?", (result.year, result.week))
            replaced = deleted.rowcount > 0
            snapshot_id = conn.execute(
                "INSERT INTO snapshot (year, week, stored_at, source_dir, rows_in, rows_merged, rows_flagged, files,"
                " summary) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (result.year, result.week, datetime.now().isoformat(timespec="seconds"), str(result.directory),
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

    def weeks(self) -> list[StoredWeek]:
        """Every stored week, oldest first."""
        rows = self._conn.execute(
            "SELECT year, week, stored_at, rows_in, rows_merged, rows_flagged, files FROM snapshot ORDER BY year, week"
        )
        return [StoredWeek(*row) for row in rows]

    def previous_week(self, year: int, week: int) -> tuple[int, int] | None:
        """The latest stored (year, week) before the given one, for the week-over-week change."""
        row = self._conn.execute(
            "SELECT year, week FROM snapshot WHERE year < ? OR (year = ? AND week < ?) ORDER BY year DESC, week DESC"
            " LIMIT 1",
            (year, year, week),
        ).fetchone()
        return (row[0], row[1]) if row else None

    def load_snapshot(self, year: int, week: int) -> Snapshot:
        found = self._conn.execute(
            "SELECT id, stored_at, summary FROM snapshot WHERE year = ? AND week = ?", (year, week)
        ).fetchone()
        if found is None:
            raise KqError(f"数据库 {self.path} 中没有 {week_label(year, week)} 的汇总；请先用 kq merge 汇总该周台账")
        snapshot_id, stored_at, summary = found
        return Snapshot(
            year, week, stored_at, json.loads(summary), self._rows(snapshot_id),
            self._dicts("SELECT file, city, size, sha256, status, reason, rows, errors, warnings FROM source_file",
                        snapshot_id),
            self._dicts('SELECT code, severity, file, sheet, row, col AS "column", cell, field, value, message'
                        " FROM finding", snapshot_id),
            self._dicts("SELECT task, reason, plan, ledger, diff FROM reconciliation", snapshot_id),
        )

    def _dicts(self, select: str, snapshot_id: int) -> list[dict[str, Any]]:
        cursor = self._conn.execute(f"{select} WHERE snapshot_id = ? ORDER BY position", (snapshot_id,))
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor]

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
    """A row's values as ``_row_values`` stored them (the model's JSON, defaults left out).

    The model checked them on the way in; on the way out only what JSON cannot hold is turned
    back (dates from ISO text, lists from arrays), which spares the weekly report importing and
    running pydantic on every row.
    """
    values = json.loads(text)
    for name in values.keys() & _DATE_FIELDS:
        values[name] = date.fromisoformat(values[name])
    for name in values.keys() & _LIST_FIELDS:
        values[name] = tuple(values[name])
    return RowValues(**values)


class _Transaction:
    """``BEGIN IMMEDIATE`` … ``COMMIT``, or ``ROLLBACK`` on any exception (even KeyboardInterrupt)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def __enter__(self) -> None:
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:  # another kq is writing the store
            raise KqError(f"数据库正被占用，请稍后重试（{exc}）") from exc

    def __exit__(self, kind: type[BaseException] | None, *rest: object) -> None:
        self.conn.execute("ROLLBACK" if kind else "COMMIT")
