"""Ledger rows set against the stored baseline (docs/reconciliation.md#底数清单), right by right and
per 盟市 × task.

The baseline is the verified list of rights, one per licence number, each with its 盟市, task and
reason. Rows are matched to it by licence number: a baseline right whose 盟市 sent a ledger but
which no row holds is ``missing``; a row whose licence is not in the baseline is ``outside``; a
row whose 盟市, task or reason is not the baseline's ``differs`` (one difference per field). A
盟市 that did not send (or whose ledger is not among those checked) is only counted as such: its
rights are not reported missing. Every difference is also a warning finding (``baseline.*``).

This module knows nothing of the store: the baseline is handed in (``merging.baseline`` stores
and loads it), so ``kq validate`` and ``kq merge`` check against it alike.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from kuangquan_cli.checking.findings import Finding, make_finding
from kuangquan_cli.checking.reconcile import Counted, ReconRow, counted_reason, reconcile
from kuangquan_cli.checking.validate import FileResult, Record
from kuangquan_cli.reading.addresses import column_letter
from kuangquan_cli.reference.plan import Plan
from kuangquan_cli.reference.tables import divisions, field_by_name

MISSING, OUTSIDE, DIFFERS = "missing", "outside", "differs"
#: The fields a right is compared on, in the order its differences are listed.
COMPARED_FIELDS = ("city", "task", "reason")


@dataclass(frozen=True)
class BaselineRight:
    """One right as the baseline (or a ledger row, to compare) has it; the reason is the one it
    counts under (``reconcile.counted_reason``). Name and holder are for display only."""

    licence_no: str
    city: str | None
    task: int | None
    reason: str | None
    cannot_resume: bool
    right_name: str | None = None
    holder: str | None = None

    @property
    def line(self) -> int | None:
        """The line of the per 盟市 × task counts it falls in: its task, or None for the mines
        that cannot resume (counted apart, as in the reconciliation with the plan)."""
        return None if self.cannot_resume else self.task

    def compared(self) -> dict[str, Any]:
        return {"city": self.city, "task": self.task, "reason": self.reason}


@dataclass(frozen=True)
class BaselineInfo:
    """One stored version of the baseline: when it was stored, from what, and why."""

    version: int
    created_at: str
    source: str
    """The stored week it was taken from (``2022-W38``), or the file's name."""
    sha256: str | None
    """The file's SHA-256 (None when taken from a week)."""
    note: str | None
    rights: int

    def to_dict(self) -> dict[str, Any]:
        return {"version": self.version, "created_at": self.created_at, "source": self.source,
                "sha256": self.sha256, "note": self.note, "rights": self.rights}


@dataclass(frozen=True)
class Baseline:
    info: BaselineInfo
    rights: tuple[BaselineRight, ...]


@dataclass(frozen=True)
class CityTaskCount:
    """Rights of one 盟市 in one task (``task`` None: the mines that cannot resume) in the
    baseline and in this week's ledger; ``ledger`` is None for a 盟市 whose ledger was not checked."""

    city: str
    task: int | None
    baseline: int
    ledger: int | None

    @property
    def diff(self) -> int | None:
        return None if self.ledger is None else self.ledger - self.baseline

    def to_dict(self) -> dict[str, Any]:
        return {"city": self.city, "task": self.task, "baseline": self.baseline, "ledger": self.ledger,
                "diff": self.diff}


@dataclass(frozen=True)
class Difference:
    """One right that is missing, outside the baseline, or differs from it in one field."""

    kind: str
    licence_no: str
    city: str | None
    """Whose ledger it concerns: the baseline's 盟市 of a missing right, else the row's."""
    baseline: BaselineRight | None
    ledger: BaselineRight | None
    finding: Finding

    @property
    def right_name(self) -> str | None:
        return (self.ledger and self.ledger.right_name) or (self.baseline and self.baseline.right_name) or None

    def to_dict(self) -> dict[str, Any]:
        f = self.finding
        return {
            "kind": self.kind, "licence_no": self.licence_no, "city": self.city, "file": f.file, "row": f.row,
            "field": f.field if self.kind == DIFFERS else None,
            "baseline": self.baseline.compared() if self.baseline else None,
            "ledger": self.ledger.compared() if self.ledger else None,
            "message": f.message,
        }


@dataclass
class BaselineCheck:
    """The rows of the checked 盟市 set against one version of the baseline."""

    info: BaselineInfo
    cities: list[str]
    """The 盟市 whose ledgers were checked, in the region's order."""
    counts: list[CityTaskCount]
    differences: list[Difference] = field(default_factory=list)
    part: list[ReconRow] = field(default_factory=list)
    """The baseline's rights of the checked 盟市 counted per task and reason, line for line as
    the reconciliation with the plan counts the ledger's (``ledger`` holds the baseline's count)."""

    @property
    def findings(self) -> list[Finding]:
        return [d.finding for d in self.differences]

    def tally(self) -> dict[str, int]:
        """Differences of each kind (every kind present, 0 where none)."""
        found = Counter(d.kind for d in self.differences)
        return {kind: found[kind] for kind in (MISSING, OUTSIDE, DIFFERS)}

    def by_city(self) -> dict[str, dict[str, int]]:
        """Differences of each kind per 盟市 that has any, in the region's order."""
        found: dict[str, Counter[str]] = {}
        for d in self.differences:
            found.setdefault(d.city or "", Counter())[d.kind] += 1
        order = {city: i for i, city in enumerate(divisions().cities)}
        return {city: {kind: counts[kind] for kind in (MISSING, OUTSIDE, DIFFERS)}
                for city, counts in sorted(found.items(), key=lambda item: order.get(item[0], len(order)))}

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.info.to_dict(),
            "cities": self.cities,
            **self.tally(),
            "counts": [c.to_dict() for c in self.counts],
            "differences": [d.to_dict() for d in self.differences],
        }


def ledger_cities(result: FileResult) -> set[str]:
    """The 盟市 whose rights a ledger holds: its own (even with no rows), else those its rows name."""
    return {result.city} if result.city else result.cities()


def ledger_right(result: FileResult, record: Record, plan: Plan) -> BaselineRight | None:
    """The right a row holds, as the baseline would have it; None for a row without a licence number."""
    values = record.values
    if not values.licence_no:
        return None
    return BaselineRight(values.licence_no, result.city_of(record), record.task,
                         counted_reason(record.task, values.reason, plan), record.cannot_resume,
                         values.right_name, values.holder)


def _shown(name: str, value: Any, plan: Plan) -> str:
    """A compared value as a message shows it: the task's label, 未填 for a blank."""
    if value is None:
        return "未填"
    return plan.task(value).label if name == "task" else str(value)


class _Checker:
    def __init__(self, baseline: Baseline, plan: Plan) -> None:
        self.baseline = baseline
        self.plan = plan
        self.version = baseline.info.version
        self.by_licence = {right.licence_no: right for right in baseline.rights}

    def _at(self, result: FileResult, record: Record, name: str) -> dict[str, Any]:
        """Where a finding about ``name`` of a row is: file, sheet, row, column."""
        col = result.columns.get(name)
        return {"file": result.file, "sheet": result.sheet, "row": record.row,
                "column": column_letter(col) if col is not None else None, "field": name}

    def row(self, result: FileResult, record: Record) -> list[Difference]:
        now = ledger_right(result, record, self.plan)
        if now is None:  # the row has its own error; it cannot be matched
            return []
        base = self.by_licence.get(now.licence_no)
        if base is None:
            finding = make_finding("baseline.outside", **self._at(result, record, "licence_no"), value=now.licence_no,
                                   version=self.version)
            return [Difference(OUTSIDE, now.licence_no, now.city, None, now, finding)]
        found = []
        for name in COMPARED_FIELDS:
            before, after = getattr(base, name), getattr(now, name)
            if before == after:
                continue
            after_text = _shown(name, after, self.plan)
            finding = make_finding(
                "baseline.differs", **self._at(result, record, name), value=after_text if after is not None else None,
                label=field_by_name()[name].header, version=self.version, before=_shown(name, before, self.plan),
                after=after_text,
            )
            found.append(Difference(DIFFERS, now.licence_no, now.city, base, now, finding))
        return found

    def missing(self, right: BaselineRight, file: str | None) -> Difference:
        name = f"（{right.right_name}）" if right.right_name else ""
        finding = make_finding("baseline.missing", file=file, version=self.version, city=right.city,
                               licence_no=right.licence_no, name=name)
        return Difference(MISSING, right.licence_no, right.city, right, None, finding)


def _counts(baseline: Baseline, ledger: Counter[tuple[str | None, int | None]], checked: set[str],
            listed: Sequence[str], plan: Plan) -> list[CityTaskCount]:
    held = Counter((right.city, right.line) for right in baseline.rights)
    lines: list[int | None] = [*(task.number for task in plan.tasks), None]
    return [CityTaskCount(city, line, held[city, line], ledger[city, line] if city in checked else None)
            for city in listed for line in lines]


def check_against_baseline(
    baseline: Baseline, ledgers: Sequence[FileResult], plan: Plan, checked: Iterable[str] | None = None,
    listed: Sequence[str] | None = None,
) -> BaselineCheck:
    """Set the rows of ``ledgers`` against ``baseline``.

    ``checked``: the 盟市 whose ledgers these are (default: those the ledgers hold) — their baseline
    rights no row holds are missing; the other 盟市's rights are not looked for. ``listed``: the 盟市
    the per 盟市 × task counts list, in order (default: the checked ones); a listed 盟市 that is not
    checked has no ledger count.
    """
    checker = _Checker(baseline, plan)
    files: dict[str, str] = {}
    for result in ledgers:
        for city in sorted(ledger_cities(result)):
            files.setdefault(city, result.file)
    checked_set = set(files if checked is None else checked)
    seen: set[str] = set()
    ledger: Counter[tuple[str | None, int | None]] = Counter()
    found: list[Difference] = []
    for result in ledgers:
        for record in result.records:
            if record.cannot_resume or record.task is not None:
                ledger[result.city_of(record), None if record.cannot_resume else record.task] += 1
            if record.values.licence_no:
                seen.add(record.values.licence_no)
            found += checker.row(result, record)
    missing = [checker.missing(right, files.get(right.city or ""))
               for right in baseline.rights if right.city in checked_set and right.licence_no not in seen]
    order = [city for city in divisions().cities if city in checked_set]
    counts = _counts(baseline, ledger, checked_set, order if listed is None else listed, plan)
    part = reconcile((Counted(r.task, r.reason, r.cannot_resume) for r in baseline.rights if r.city in checked_set),
                     plan)
    return BaselineCheck(baseline.info, order, counts, missing + found, part)
