"""Reconciliation of ledger rows against the plan's baseline figures (docs/reconciliation.md#计数规则)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import NamedTuple

from kuangquan_cli.checking.findings import Finding, make_finding
from kuangquan_cli.reference.plan import Plan


class Counted(NamedTuple):
    """What reconciliation needs of one right: a tuple, so that the rights of a ledger are
    tallied by a ``Counter`` in C and each combination is looked at once."""

    task: int | None
    reason: str | None
    cannot_resume: bool


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


def counted_reason(task: int | None, reason: str | None, plan: Plan) -> str | None:
    """The reason a right counts under: a blank reason of a task whose reason may be left blank
    is that task's only reason (勘查程度不足 of tasks (三) and (六))."""
    if reason is None and task is not None:
        found = plan.task(task)
        if found.reason_optional and len(found.reasons) == 1:
            return next(iter(found.reasons))
    return reason


def reconcile(rights: Iterable[Counted], plan: Plan) -> list[ReconRow]:
    """Per task and per reason: the plan's figure beside the ledger's count.

    Blank reasons of tasks whose reason is optional count as that task's only reason; the
    mines that cannot resume are counted apart, against the plan's 166.
    """
    per_task: Counter[int] = Counter()
    per_reason: Counter[tuple[int, str | None]] = Counter()
    cannot_resume = 0
    for right, count in Counter(rights).items():
        if right.cannot_resume:
            cannot_resume += count
            continue
        if right.task is None:
            continue
        per_task[right.task] += count
        per_reason[right.task, counted_reason(right.task, right.reason, plan)] += count
    rows: list[ReconRow] = []
    for task in plan.tasks:
        rows.append(ReconRow(task.number, None, task.rights, per_task[task.number]))
        rows += [ReconRow(task.number, r, n, per_reason[task.number, r]) for r, n in task.reasons.items()]
    rows.append(ReconRow(None, plan.cannot_resume_reason, plan.cannot_resume, cannot_resume))
    return rows


def reconciliation_findings(rows: list[ReconRow], plan: Plan) -> list[Finding]:
    """Warnings for every difference, used when the rows cover the whole region."""
    return [
        make_finding(
            "reconcile.diff", file=None, label=row.label(plan), plan=row.plan, ledger=row.ledger, diff=row.diff
        )
        for row in rows
        if row.diff
    ]
