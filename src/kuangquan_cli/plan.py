"""The plan's baseline figures (方案底数, SPEC §1), loaded from a TOML file and self-checked.

Next year's plan is a new file, not new code: the tasks, their reasons, the lead departments and
the key dates all come from the file, and the file's own arithmetic is checked when it loads.
"""

from __future__ import annotations

import tomllib
from datetime import date
from functools import cache, cached_property
from pathlib import Path

from pydantic import BaseModel, ValidationError

from kuangquan_cli.errors import KqError
from kuangquan_cli.resources import schema_file

TASK_NUMERALS = ("一", "二", "三", "四", "五", "六", "七", "八", "九", "十")


class PlanTask(BaseModel):
    number: int
    name: str
    right_type: str
    mineral_class: str
    stage_ok: bool | None = None
    lead_dept: str
    rights: int
    reasons: dict[str, int]
    own_reasons: list[str] = []
    reason_optional: bool = False
    needs_measures: bool = True

    @property
    def label(self) -> str:
        """The task as the ledgers write it: （一）…（六）."""
        return f"（{TASK_NUMERALS[self.number - 1]}）"

    @property
    def is_mining(self) -> bool:
        return self.right_type == "采矿权"


class Plan(BaseModel):
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

    @cached_property
    def _by_number(self) -> dict[int, PlanTask]:
        return {t.number: t for t in self.tasks}

    def task(self, number: int) -> PlanTask:
        return self._by_number[number]

    def derive_task(self, right_type: str, mineral_class: str, stage_ok: bool | None) -> PlanTask | None:
        """The task a right belongs to (SPEC §2, task derivation); None where it cannot be told."""
        for t in self.tasks:
            if t.right_type != right_type or t.mineral_class != mineral_class:
                continue
            if t.stage_ok is None or t.stage_ok == stage_ok:
                return t
        return None

    def arithmetic_errors(self) -> list[str]:
        """Every identity of §1 that the file breaks, in Chinese."""
        problems = []
        for t in self.tasks:
            if sum(t.reasons.values()) != t.rights:
                problems.append(f"任务{t.label}各原因之和 {sum(t.reasons.values())} ≠ 总数 {t.rights}")

        def total(right_type: str, mineral_class: str | None = None) -> int:
            return sum(
                t.rights
                for t in self.tasks
                if t.right_type == right_type and mineral_class in (None, t.mineral_class)
            )

        identities = [
            ("停产矿山", total("采矿权"), self.stopped_mines),
            ("煤炭探矿权", total("探矿权", "煤炭"), self.coal_exploration),
            ("非煤探矿权", total("探矿权", "非煤"), self.noncoal_exploration),
            ("未转采探矿权", self.coal_exploration + self.noncoal_exploration, self.exploration_rights),
        ]
        problems += [f"{label}合计 {got} ≠ 方案数 {want}" for label, got, want in identities if got != want]
        return problems


@cache
def _load(path: Path) -> Plan:
    try:
        with path.open("rb") as handle:
            plan = Plan.model_validate(tomllib.load(handle))
    except OSError as exc:
        raise KqError(f"方案文件无法读取：{path}（{exc.strerror}）") from exc
    except (tomllib.TOMLDecodeError, ValidationError) as exc:
        first = str(exc).splitlines()[0]
        raise KqError(f"方案文件格式错误：{path}（{first}）") from exc
    problems = plan.arithmetic_errors()
    if problems:
        raise KqError(f"方案文件数字不自洽：{path}：" + "；".join(problems))
    return plan


def load_plan(path: str | Path | None = None) -> Plan:
    """Load a plan file (default: the bundled 2022 plan) and check its arithmetic."""
    return _load(Path(path).resolve() if path else schema_file("plan-2022.toml"))
