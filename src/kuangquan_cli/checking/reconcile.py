"""Reconciliation of ledger rows against the plan's baseline figures (docs/reconciliation.md#计数规则).

The rows of any set of ledgers are counted per task and per reason, for the region (beside the
plan's figures) and per 盟市 (the plan has no figures by 盟市: their counts only).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import NamedTuple

from kuangquan_cli.checking.findings import Finding, make_finding
from kuangquan_cli.reference.plan import Plan
from kuangquan_cli.reference.tables import divisions


class Counted(NamedTuple):
    """What reconciliation needs of one right: a tuple, so that the rights of a ledger are
    tallied by a ``Counter`` in C and each combination is looked at once. ``city``: the 盟市 the
    right counts under (None where it cannot be told)."""

    task: int | None
    reason: str | None
    cannot_resume: bool
    city: str | None = None


@dataclass(frozen=True)
class ReconRow:
    task: int | None
    reason: str | None
    plan: int
    ledger: int

    @property
    def diff(self) -> int:
        return self.ledger - self.plan

    def to_dict(self) -> dict[str, object]:
        return {**asdict(self), "diff": self.diff}

    def label(self, plan: Plan) -> str:
        if self.task is None:
            return f"不具备条件（{self.reason}）的采矿权"
        name = f"任务{plan.task(self.task).label}"
        return f"{name}「{self.reason}」" if self.reason else f"{name}合计"


class CityCount(NamedTuple):
    """One 盟市's count of one line of the reconciliation (a task total, a reason, the 166)."""

    city: str | None
    task: int | None
    reason: str | None
    ledger: int

    def to_dict(self) -> dict[str, object]:
        return self._asdict()


def counted_reason(task: int | None, reason: str | None, plan: Plan) -> str | None:
    """The reason a right counts under: a blank reason of a task whose reason may be left blank
    is that task's only reason (勘查程度不足 of tasks (三) and (六))."""
    if reason is None and task is not None:
        found = plan.task(task)
        if found.reason_optional and len(found.reasons) == 1:
            return next(iter(found.reasons))
    return reason


class _Tally:
    """Rights per task, per (task, reason) and of the mines that cannot resume.

    Reasons count as ``counted_reason`` says; the mines that cannot resume are counted apart,
    against the plan's 166.
    """

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.per_task: Counter[int] = Counter()
        self.per_reason: Counter[tuple[int, str | None]] = Counter()
        self.cannot_resume = 0

    def add(self, right: Counted, count: int) -> None:
        if right.cannot_resume:
            self.cannot_resume += count
            return
        if right.task is None:
            return
        self.per_task[right.task] += count
        self.per_reason[right.task, counted_reason(right.task, right.reason, self.plan)] += count

    def count(self, task: int | None, reason: str | None) -> int:
        if task is None:
            return self.cannot_resume
        return self.per_task[task] if reason is None else self.per_reason[task, reason]


def _lines(plan: Plan) -> list[tuple[int | None, str | None, int]]:
    """(task, reason, plan figure) of every line, in order: each task's total then its reasons,
    last the mines that cannot resume (task None)."""
    lines: list[tuple[int | None, str | None, int]] = []
    for task in plan.tasks:
        lines.append((task.number, None, task.rights))
        lines += [(task.number, reason, figure) for reason, figure in task.reasons.items()]
    lines.append((None, plan.cannot_resume_reason, plan.cannot_resume))
    return lines


def reconcile(rights: Iterable[Counted], plan: Plan) -> list[ReconRow]:
    """Per task and per reason: the plan's figure beside the ledger's count."""
    tally = _Tally(plan)
    for right, count in Counter(rights).items():
        tally.add(right, count)
    return [ReconRow(task, reason, figure, tally.count(task, reason)) for task, reason, figure in _lines(plan)]


def count_by_city(rights: Iterable[Counted], plan: Plan) -> list[CityCount]:
    """The lines of ``reconcile`` counted for each 盟市 the rights count under, in the region's
    order; rights of no known 盟市 last (city None), where there are any."""
    tallies: dict[str | None, _Tally] = {}
    for right, count in Counter(rights).items():
        if right.city not in tallies:
            tallies[right.city] = _Tally(plan)
        tallies[right.city].add(right, count)
    cities = [c for c in (*divisions().cities, None) if c in tallies]
    lines = _lines(plan)
    return [CityCount(city, task, reason, tallies[city].count(task, reason))
            for city in cities for task, reason, _ in lines]


def reconciliation_findings(rows: list[ReconRow], plan: Plan) -> list[Finding]:
    """Warnings for every difference, used when the rows cover the whole region."""
    return [
        make_finding(
            "reconcile.diff", file=None, label=row.label(plan), plan=row.plan, ledger=row.ledger, diff=row.diff
        )
        for row in rows
        if row.diff
    ]
