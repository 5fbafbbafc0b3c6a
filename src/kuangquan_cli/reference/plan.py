"""The plan's baseline figures (方案底数, docs/plan.md), loaded from a TOML file and self-checked.

Next year's plan is a new file, not new code: the tasks, their reasons, the lead departments and
the key dates all come from the file, and the file's own arithmetic is checked when it loads.
The file is checked by hand against the dataclasses' fields rather than by a pydantic model:
``kq validate`` loads a plan on every run, and pydantic alone would add a third to its start-up.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from dataclasses import MISSING, dataclass, field, fields
from datetime import date, datetime
from functools import cache, cached_property
from pathlib import Path
from typing import Any, TypeVar

from kuangquan_cli.errors import KqError
from kuangquan_cli.reference.resources import schema_file
from kuangquan_cli.reference.vocabulary import COAL, EXPLORATION, MINING, NON_COAL, TASK_LABELS
from kuangquan_cli.reference.weeks import deadline_in, is_weekly


@dataclass
class PlanTask:
    number: int
    name: str
    right_type: str
    mineral_class: str
    lead_dept: str
    rights: int
    reasons: dict[str, int]
    stage_ok: bool | None = None
    own_reasons: list[str] = field(default_factory=list)
    reason_optional: bool = False
    needs_measures: bool = True

    @property
    def label(self) -> str:
        """The task as the ledgers write it: （一）…（六）."""
        return TASK_LABELS[self.number - 1]

    @property
    def is_mining(self) -> bool:
        return self.right_type == MINING


@dataclass
class Plan:
    name: str
    year: int
    baseline_date: date
    verification_due: date
    goal_date: date
    stopped_mines: int
    exploration_rights: int
    coal_exploration: int
    noncoal_exploration: int
    cannot_resume: int
    cannot_resume_reason: str
    tasks: list[PlanTask]
    supported_soes: list[str] = field(default_factory=list)
    """State-owned enterprises the plan names for support (内蒙古能源集团): a right whose holder's
    name contains one is that enterprise's (its subsidiaries are named after it)."""
    weekly_deadline: str = ""
    """When each week's ledgers are due, such as ``周五 17:00``; empty when the plan sets none."""

    @cached_property
    def _by_number(self) -> dict[int, PlanTask]:
        return {t.number: t for t in self.tasks}

    def task(self, number: int) -> PlanTask:
        return self._by_number[number]

    def deadline(self, year: int, week: int) -> datetime | None:
        """The moment ISO week ``week``'s ledgers are due, where the plan sets a weekly deadline."""
        return deadline_in(self.weekly_deadline, year, week) if self.weekly_deadline else None

    def derive_task(self, right_type: str, mineral_class: str, stage_ok: bool | None) -> PlanTask | None:
        """The task a right belongs to (docs/ledger.md#任务类别); None where it cannot be told."""
        for t in self.tasks:
            if t.right_type != right_type or t.mineral_class != mineral_class:
                continue
            if t.stage_ok is None or t.stage_ok == stage_ok:
                return t
        return None

    def arithmetic_errors(self) -> list[str]:
        """Every identity of §1 that the file breaks, and task numbers no ledger can write, in Chinese."""
        problems = []
        for t in self.tasks:
            if not 1 <= t.number <= len(TASK_LABELS):
                problems.append(f"任务编号 {t.number} 应在 1–{len(TASK_LABELS)} 之间")
                continue
            if sum(t.reasons.values()) != t.rights:
                problems.append(f"任务{t.label}各原因之和 {sum(t.reasons.values())} ≠ 总数 {t.rights}")

        def total(right_type: str, mineral_class: str | None = None) -> int:
            return sum(
                t.rights
                for t in self.tasks
                if t.right_type == right_type and mineral_class in (None, t.mineral_class)
            )

        identities = [
            ("停产矿山", total(MINING), self.stopped_mines),
            ("煤炭探矿权", total(EXPLORATION, COAL), self.coal_exploration),
            ("非煤探矿权", total(EXPLORATION, NON_COAL), self.noncoal_exploration),
            ("未转采探矿权", self.coal_exploration + self.noncoal_exploration, self.exploration_rights),
        ]
        problems += [f"{label}合计 {got} ≠ 方案数 {want}" for label, got, want in identities if got != want]
        return problems


class _Malformed(Exception):
    """What is wrong with the file's shape, in Chinese: the first problem found."""


_Checked = TypeVar("_Checked", PlanTask, Plan)


def _scalar(kind: type, name: str) -> Callable[[Any, str], Any]:
    """A check that the value is of ``kind`` (a bool is not taken for an int, as TOML keeps them apart)."""
    def check(value: Any, where: str) -> Any:
        if type(value) is not kind:
            raise _Malformed(f"{where} 应为{name}，现为 {value!r}")
        return value
    return check


def _optional_bool(value: Any, where: str) -> bool | None:
    return None if value is None else _CHECKS["bool"](value, where)


def _counts(value: Any, where: str) -> dict[str, int]:
    if type(value) is not dict:
        raise _Malformed(f"{where} 应为「原因 = 个数」的表，现为 {value!r}")
    return {_CHECKS["str"](k, where): _CHECKS["int"](v, f"{where}.{k}") for k, v in value.items()}


def _texts(value: Any, where: str) -> list[str]:
    if type(value) is not list:
        raise _Malformed(f"{where} 应为文字列表，现为 {value!r}")
    return [_CHECKS["str"](item, f"{where}[{i}]") for i, item in enumerate(value)]


def _tasks(value: Any, where: str) -> list[PlanTask]:
    if type(value) is not list:
        raise _Malformed(f"{where} 应为任务列表（[[tasks]]），现为 {value!r}")
    return [_checked(PlanTask, item, f"{where}[{i}]") for i, item in enumerate(value)]


#: The check of each field type, by the annotation as written above.
_CHECKS: dict[str, Callable[[Any, str], Any]] = {
    "int": _scalar(int, "整数"),
    "str": _scalar(str, "文字"),
    "bool": _scalar(bool, " true 或 false"),
    "date": _scalar(date, "日期（如 2022-07-31）"),
    "bool | None": _optional_bool,
    "dict[str, int]": _counts,
    "list[str]": _texts,
    "list[PlanTask]": _tasks,
}


def _checked(kind: type[_Checked], data: Any, where: str) -> _Checked:
    """``kind`` built from a TOML table, every field checked; keys it does not know are ignored."""
    if type(data) is not dict:
        raise _Malformed(f"{where or '文件'} 应为表，现为 {data!r}")
    values = {}
    for f in fields(kind):
        name = f"{where}.{f.name}" if where else f.name
        if f.name in data:
            values[f.name] = _CHECKS[str(f.type)](data[f.name], name)
        elif f.default is MISSING and f.default_factory is MISSING:
            raise _Malformed(f"缺少 {name}")
    return kind(**values)


@cache
def _load(path: Path) -> Plan:
    try:
        with path.open("rb") as handle:
            plan = _checked(Plan, tomllib.load(handle), "")
            if plan.weekly_deadline and not is_weekly(plan.weekly_deadline):
                raise _Malformed(f"weekly_deadline 应写作星期与时刻，如「周五 17:00」，现为 {plan.weekly_deadline!r}")
    except OSError as exc:
        raise KqError(f"方案文件无法读取：{path}（{exc.strerror}）") from exc
    except (tomllib.TOMLDecodeError, _Malformed) as exc:
        first = str(exc).splitlines()[0]
        raise KqError(f"方案文件格式错误：{path}（{first}）") from exc
    problems = plan.arithmetic_errors()
    if problems:
        raise KqError(f"方案文件数字不自洽：{path}：" + "；".join(problems))
    return plan


def load_plan(path: str | Path | None = None) -> Plan:
    """Load a plan file (default: the bundled 2022 plan) and check its arithmetic."""
    return _load(Path(path).resolve() if path else schema_file("plan-2022.toml"))
