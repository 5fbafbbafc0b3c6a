"""``kq baseline`` as a library: the verified list of rights stored as the baseline, from a stored
week or from a region-wide ledger file, and a ``kq validate`` report set against it.

A baseline is what the 盟市 verified right by right, and every later week is judged against it, so
it must be clean and whole: a source with an error in any row (a stored week with rows to check)
is refused, and so is one that lacks a 盟市 — each of its rights would be reported outside the
baseline every week after. Warnings do not stop it. The office corrects the source and stores it
again; each store is a new version beside the earlier ones (docs/reconciliation.md#底数清单).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any

from kuangquan_cli.checking.baseline import (
    BaselineCheck,
    BaselineInfo,
    BaselineRight,
    check_against_baseline,
    ledger_right,
)
from kuangquan_cli.checking.reconcile import counted_reason
from kuangquan_cli.checking.validate import ValidationReport, validate_file
from kuangquan_cli.errors import KqError, os_error_reason
from kuangquan_cli.merging.store import Store
from kuangquan_cli.reading.limits import Limits
from kuangquan_cli.reference.plan import Plan
from kuangquan_cli.reference.tables import divisions
from kuangquan_cli.reference.weeks import week_label
from kuangquan_cli.text import visible


def _whole(rights: Iterable[BaselineRight], source: str) -> None:
    """Refuse a baseline that lacks a 盟市."""
    held = {right.city for right in rights}
    lacking = [city for city in divisions().cities if city not in held]
    if lacking:
        raise KqError(f"{source} 中没有{'、'.join(lacking)}的矿业权；底数应含全区 {len(divisions().cities)} 个盟市"
                      "的全部矿业权，请用全区台账或各盟市都已汇总的一周")


def rights_of_file(path: Path, plan: Plan, limits: Limits | None = None) -> tuple[list[BaselineRight], str]:
    """The rights of a region-wide ledger, and the file's SHA-256; refused unless the file is
    clean (warnings allowed) and holds every 盟市."""
    try:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError as exc:
        raise KqError(f"无法读取 {path}：{os_error_reason(exc)}") from exc
    result = validate_file(path, plan, date.today(), limits=limits)
    if result.header_row is None:
        raise KqError(f"{result.file}：{result.file_findings[0].message}")
    if result.errors:
        rows = sum(record.has_errors for record in result.records)
        where = f"（{rows} 行）" if rows else ""
        raise KqError(f"{result.file} 有 {result.errors} 个错误{where}，有错误的行不能作为核实后的底数；"
                      f"请用 kq validate {visible(str(path))} 查看，改正后再存入")
    rights = [right for record in result.records if (right := ledger_right(result, record, plan))]
    _whole(rights, result.file)
    return rights, digest


def _value(value: Any) -> Any:
    """A cell of a snapshot's rows, pandas' missing integer (``NA``) as None."""
    import pandas as pd

    return None if value is pd.NA else value


def rights_of_week(store: Store, year: int, week: int, plan: Plan) -> list[BaselineRight]:
    """The rights counted in a stored week (not those of a 盟市's second file); refused while it
    has rows to check (errors) or lacks a 盟市."""
    label = week_label(year, week)
    snapshot = store.load_snapshot(year, week)
    rows = snapshot.rows[snapshot.rows["counted"]]
    flagged = int(rows["flagged"].sum())
    if flagged:
        raise KqError(f"{label} 的汇总中有 {flagged} 行待核实（有错误），有错误的行不能作为核实后的底数；"
                      "请各盟市改正后重新 kq merge 该周，再存入底数")
    rights = []
    records: Iterable[Any] = rows.itertuples(index=False)  # named tuples of ROW_COLUMNS (untyped to pandas)
    for row in records:
        task = _value(row.task)
        task = None if task is None else int(task)
        rights.append(BaselineRight(row.licence_no, _value(row.source_city) or _value(row.city), task,
                                    counted_reason(task, _value(row.reason), plan), bool(row.cannot_resume),
                                    _value(row.right_name), _value(row.holder)))
    _whole(rights, label)
    return rights


def _note(note: str | None) -> str | None:
    return visible(" ".join(note.split())) or None if note else None


def store_baseline_from_file(db: Path, path: Path, plan: Plan, note: str | None = None,
                             limits: Limits | None = None) -> BaselineInfo:
    """``kq baseline FILE``: the file's rights as the next version (the store is made if need be)."""
    rights, digest = rights_of_file(path, plan, limits)
    with Store(db, create=True) as store:
        return store.save_baseline(rights, path.name, digest, _note(note))


def store_baseline_from_week(db: Path, year: int, week: int, plan: Plan, note: str | None = None) -> BaselineInfo:
    """``kq baseline --week N``: the stored week's rights as the next version."""
    with Store(db) as store:
        with store.reading():
            rights = rights_of_week(store, year, week, plan)
        return store.save_baseline(rights, week_label(year, week), None, _note(note))


def check_report(report: ValidationReport, db: Path, plan: Plan) -> BaselineCheck | None:
    """``kq validate --db``: each ledger of the report set against its own 盟市's part of the
    latest stored baseline; its findings join the report's. None while no baseline is stored."""
    with Store(db) as store:
        baseline = store.latest_baseline()
    if baseline is None:
        return None
    check = check_against_baseline(baseline, [r for r in report.files if r.header_row is not None], plan)
    report.region_findings += check.findings
    report.baseline = check.to_dict()
    return check
