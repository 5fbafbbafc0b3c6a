"""The rules that need more than one cell of a row (docs/rules.md).

A rule takes the parsed row and the file's context and yields problems; each problem names the
field whose cell the office must correct. ``RowChecker.check`` applies them all, in a fixed order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from operator import attrgetter
from typing import TYPE_CHECKING, Any

from kuangquan_cli.checking.findings import Problem, problem
from kuangquan_cli.checking.identifiers import check_credit_code, check_licence, check_phone
from kuangquan_cli.checking.parse import RowValues
from kuangquan_cli.reference.plan import Plan, PlanTask
from kuangquan_cli.reference.tables import procedures
from kuangquan_cli.reference.vocabulary import (
    CANNOT_RESUME,
    DONE,
    EXPLORATION,
    MINING,
    MISSING_PROCEDURES,
    OWN_REASONS,
    YES,
)
from kuangquan_cli.text import clean

if TYPE_CHECKING:
    from kuangquan_cli.checking.model import LedgerRow

MIN_MEASURES_LENGTH = 10


@dataclass(frozen=True)
class RuleContext:
    plan: Plan
    as_of: date
    file_city: str | None


def derive_task(row: RowValues, plan: Plan) -> PlanTask | None:
    """The plan task of a right, from its type, mineral class and exploration stage."""
    if row.right_type is None or row.mineral_class is None:
        return None
    stage_ok = None if row.stage_ok is None else row.stage_ok == YES
    if row.right_type == EXPLORATION and stage_ok is None:
        return None
    return plan.derive_task(row.right_type, row.mineral_class, stage_ok)


def effective_task(row: RowValues, plan: Plan) -> PlanTask | None:
    """The derived task, or the one the row states where it cannot be derived."""
    derived = derive_task(row, plan)
    if derived is None and row.task is not None:
        return plan.task(row.task)
    return derived


def is_cannot_resume(row: RowValues | LedgerRow) -> bool:
    """One of the mines that cannot resume for mining conditions (the 166, outside the 1383)."""
    return row.right_type == MINING and row.status == CANNOT_RESUME


def _city(row: RowValues, ctx: RuleContext) -> list[Problem]:
    """Checked on every row, so it returns a list rather than making a generator per row."""
    if row.city and ctx.file_city and row.city != ctx.file_city:
        return [problem("city.mismatch", "city", file_city=ctx.file_city)]
    return []


def _task(row: RowValues, ctx: RuleContext) -> Iterator[Problem]:
    if row.right_type == EXPLORATION and row.stage_ok is None:
        yield problem("value.required", "stage_ok", label="勘查程度是否达到转采要求", why="（探矿权必填）")
    derived = derive_task(row, ctx.plan)
    if derived is None:
        return
    if row.task is not None and row.task != derived.number:
        yield problem(
            "task.mismatch", "task", basis="矿业权类型、矿种类别和勘查程度", expected=derived.label
        )
    if row.lead_dept is not None and row.lead_dept != derived.lead_dept:
        yield problem("lead_dept.mismatch", "lead_dept", task=derived.label, expected=derived.lead_dept)


def _reason(row: RowValues, ctx: RuleContext) -> Iterator[Problem]:
    task = effective_task(row, ctx.plan)
    special = ctx.plan.cannot_resume_reason
    if is_cannot_resume(row):
        if row.reason is None:
            yield problem("value.required", "reason", label="原因分类", why=f"（不具备条件的采矿权应填{special}）")
        elif row.reason != special:
            yield problem("reason.cannot_resume", "reason", detail=f"进展状态为不具备条件的采矿权，原因应为{special}")
        return
    if row.reason == special:
        detail = f"{special}只用于进展状态为不具备条件的采矿权；请改正原因或进展状态"
        yield problem("reason.cannot_resume", "reason", detail=detail)
        return
    if task is None:
        return
    if row.reason is None:
        if not task.reason_optional:
            yield problem("value.required", "reason", label="原因分类", why=f"（任务{task.label}必填）")
    elif row.reason not in task.reasons:
        yield problem("reason.not_allowed", "reason", task=task.label, allowed="、".join(task.reasons))


def _procedures(row: RowValues, ctx: RuleContext) -> Iterator[Problem]:
    if row.reason == MISSING_PROCEDURES and not row.missing:
        yield problem("missing.required", "missing")
    if row.mineral_class is None:
        return
    table = procedures()
    for name in row.missing:
        if table[name].department(row.mineral_class) is None:
            yield problem("missing.not_applicable", "missing", mineral_class=row.mineral_class, item=name)


def _own_reasons(row: RowValues, ctx: RuleContext) -> Iterator[Problem]:
    task = effective_task(row, ctx.plan)
    allowed = task.own_reasons if task else []
    if row.reason == OWN_REASONS and not row.own_reason:
        yield problem("own_reason.required", "own_reason", allowed="、".join(allowed))
    if task is None:
        return
    for name in row.own_reason:
        if name not in allowed:
            yield problem("own_reason.not_allowed", "own_reason", task=task.label, item=name,
                          allowed="、".join(allowed) or "（本任务无）")


def measured_length(measures: str) -> int:
    """How long the measures are, counted on the cleaned text (runs of spaces count once)."""
    return len(clean(measures))


def _measures(row: RowValues, ctx: RuleContext) -> Iterator[Problem]:
    task = effective_task(row, ctx.plan)
    if task is None or not task.needs_measures or is_cannot_resume(row):
        return
    if row.measures is None:
        yield problem("value.required", "measures", label="推进措施", why=f"（任务{task.label}须写明一矿一策）")
    elif (length := measured_length(row.measures)) < MIN_MEASURES_LENGTH:
        yield problem("measures.too_short", "measures", length=length)


def _dates(row: RowValues, ctx: RuleContext) -> list[Problem]:
    """Checked on every row, so it returns a list rather than making a generator per row."""
    found = []
    if row.status == DONE and row.done_date is None:
        found.append(problem("status.done_without_date", "done_date"))
    if row.done_date is not None:
        if row.status is not None and row.status != DONE:
            found.append(problem("status.date_without_done", "done_date", status=row.status))
        if row.done_date > ctx.as_of:
            found.append(problem("date.future", "done_date", as_of=ctx.as_of.isoformat()))
    if row.valid_from and row.valid_to and row.valid_to < row.valid_from:
        found.append(problem("validity.order", "valid_to", valid_from=row.valid_from.isoformat()))
    if row.deadline and row.deadline > ctx.plan.goal_date:
        found.append(problem("deadline.after_goal", "deadline", goal=ctx.plan.goal_date.isoformat()))
    return found


#: Rules whose outcome depends only on a row's right, task, reason, procedures and status (and
#: whether its measures are long enough): ``RowChecker._plan_key`` reads exactly what they read.
_PLAN_RULES: tuple[Callable[[RowValues, RuleContext], Iterator[Problem]], ...] = (
    _task, _reason, _procedures, _own_reasons, _measures,
)
_PLAN_FIELDS = attrgetter(
    "right_type", "mineral_class", "stage_ok", "task", "lead_dept", "reason", "missing", "own_reason", "status"
)




@dataclass
class RowChecker:
    """Applies every row rule to the rows of one file: ``_city``, the identifiers, ``_PLAN_RULES``
    and ``_dates``, in that order.

    A ledger repeats a few dozen combinations of type, class, task, reason and status over
    thousands of rows: the outcome of ``_PLAN_RULES`` is worked out once per combination and
    file. What belongs to one right (identifiers, dates) is checked on every row.
    """

    ctx: RuleContext
    _by_plan_key: dict[tuple[Any, ...], tuple[list[Problem], PlanTask | None]] = field(default_factory=dict)
    _measures_length: dict[str, int] = field(default_factory=dict)

    def _plan_key(self, row: RowValues) -> tuple[Any, ...]:
        """What ``_PLAN_RULES`` read of a row. The measures count only as long enough or not:
        their cleaned length is worked out once per distinct text (copied rows repeat it)."""
        measures = row.measures
        if measures is not None:
            length = self._measures_length.get(measures)
            if length is None:
                length = self._measures_length[measures] = min(measured_length(measures), MIN_MEASURES_LENGTH)
            return (*_PLAN_FIELDS(row), length)
        return (*_PLAN_FIELDS(row), None)

    def check(self, row: RowValues) -> tuple[list[Problem], PlanTask | None]:
        """The row's problems, and the task it counts under (None where it cannot be told)."""
        ctx = self.ctx
        found = _city(row, ctx)
        if row.licence_no:
            found += check_licence(row.licence_no, row.right_type, ctx.as_of.year)
        if row.credit_code:
            found += check_credit_code(row.credit_code)
        if row.phone:
            found += check_phone(row.phone)
        key = self._plan_key(row)
        outcome = self._by_plan_key.get(key)
        if outcome is None:
            plan_found = [p for rule in _PLAN_RULES for p in rule(row, ctx)]
            outcome = self._by_plan_key[key] = (plan_found, effective_task(row, ctx.plan))
        found += outcome[0]
        found += _dates(row, ctx)
        return found, outcome[1]

