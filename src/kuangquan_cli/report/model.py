"""The weekly 通报 as data: every number and every name the templates show, before any rendering.

``assemble`` fills these from the stored snapshots; the templates and ``sentences`` only read them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from kuangquan_cli.merging.submissions import UNMATCHED_SCAN, Submission
from kuangquan_cli.merging.summary_tables import completion_rate
from kuangquan_cli.reference.weeks import week_label


@dataclass(frozen=True)
class Group:
    """A block of the plan (停产矿山, 未转采探矿权, …): baseline, ledger, done."""

    name: str
    plan: int
    ledger: int
    done: int | None = None

    @property
    def rate(self) -> float | None:
        return completion_rate(self.done, self.ledger) if self.done is not None else None


@dataclass(frozen=True)
class Overall:
    rights: int
    done: int
    rate: float | None
    newly_done: int | None
    rate_change: float | None
    groups: list[Group]
    cities_sent: int
    cities_total: int
    missing_cities: list[str]
    goal_date: date
    days_left: int
    compared_rights: int | None = None
    """How many rights ``rate_change`` compares like for like (in both weeks, pursued in both)."""


@dataclass(frozen=True)
class TaskLine:
    number: int
    label: str
    name: str
    lead_dept: str
    plan: int
    ledger: int
    not_started: int
    in_progress: int
    done: int
    newly_done: int | None

    @property
    def rate(self) -> float | None:
        return completion_rate(self.done, self.ledger)


@dataclass(frozen=True)
class LagReason:
    """Why a 盟市 is named: ``code`` for machines and tests, ``text`` for the reader."""

    code: str
    text: str


@dataclass
class CityLine:
    city: str
    sent: bool
    rights: int = 0
    cannot_resume: int = 0
    done: int = 0
    rate: float | None = None
    newly_done: int | None = None
    rate_change: float | None = None
    progress: int | None = None
    """Changes that are progress (新完成, 手续办结, 启动), when the 盟市 was compared with last week."""
    overdue: int = 0
    rank: int | None = None
    reasons: list[LagReason] = field(default_factory=list)


@dataclass(frozen=True)
class DepartmentLine:
    department: str
    coal: int
    noncoal: int
    total: int
    cleared: int | None
    added: int | None


@dataclass(frozen=True)
class OverdueItem:
    city: str
    county: str | None
    right_name: str | None
    licence_no: str | None
    task: str
    deadline: date
    days: int
    status: str


@dataclass(frozen=True)
class StatsRow:
    """One line of the attached table: per task (rights, done), then the 盟市's subtotal."""

    city: str
    sent: bool
    cells: list[tuple[int, int] | None]
    rights: int
    done: int
    rate: float | None


@dataclass(frozen=True)
class ChangeItem:
    """One right named in 台账变动情况: a change that is a warning."""

    kind: str
    kind_text: str
    licence_no: str
    right_name: str | None
    message: str


@dataclass(frozen=True)
class CityChanges:
    """A 盟市's changes since last week: how many of each kind (``消失 5 项、新完成 3 项``), and
    the rights of the warnings."""

    city: str
    summary: str
    items: list[ChangeItem]


@dataclass(frozen=True)
class StaleFile:
    """A ledger that names an earlier week than the one reported (``file.stale``)."""

    city: str | None
    file: str
    message: str


@dataclass(frozen=True)
class SoeTaskLine:
    """The state-owned enterprises' rights of one task, by status."""

    label: str
    name: str
    rights: int
    not_started: int
    in_progress: int
    done: int
    cannot_resume: int

    @property
    def rate(self) -> float | None:
        return completion_rate(self.done, self.rights - self.cannot_resume)


@dataclass(frozen=True)
class SoeDepartmentLine:
    """The pending procedures of state-owned enterprises' rights a department must act on."""

    department: str
    procedures: int
    rights: int


@dataclass(frozen=True)
class SoeGroup:
    """An enterprise the plan names for support (内蒙古能源集团) with its subsidiaries."""

    name: str
    rights: int
    done: int
    pursued: int
    pending_rights: int
    procedures: int

    @property
    def rate(self) -> float | None:
        return completion_rate(self.done, self.pursued)


@dataclass(frozen=True)
class SoeRight:
    """A state-owned enterprise's right that still waits for procedures, named in the 通报."""

    city: str
    holder: str | None
    right_name: str | None
    licence_no: str | None
    task: str
    status: str
    pending: str
    departments: str


@dataclass(frozen=True)
class SoeSection:
    """国有企业: what the plan asks to support (特别是要支持内蒙古能源集团等国有企业加快推进相关手续办理)."""

    tasks: list[SoeTaskLine]
    departments: list[SoeDepartmentLine]
    groups: list[SoeGroup]
    waiting: list[SoeRight]
    """The rights with pending procedures, the plan's named enterprises first (at most ``SOE_LISTED``)."""
    waiting_total: int

    @property
    def rights(self) -> int:
        return sum(t.rights for t in self.tasks)

    @property
    def done(self) -> int:
        return sum(t.done for t in self.tasks)

    @property
    def rate(self) -> float | None:
        return completion_rate(self.done, sum(t.rights - t.cannot_resume for t in self.tasks))

    @property
    def procedures(self) -> int:
        return sum(d.procedures for d in self.departments)

    @property
    def waiting_more(self) -> int:
        return self.waiting_total - len(self.waiting)


@dataclass(frozen=True)
class TrendPoint:
    label: str
    done: int
    rate: float | None


@dataclass(frozen=True)
class BaselineNote:
    """The week's check against the stored baseline, as the merge stored it: which version, the
    differences of each kind in all and per 盟市 (those with any), the 盟市 not checked."""

    version: int
    created_at: date
    source: str
    rights: int
    missing: int
    outside: int
    differs: int
    by_city: dict[str, int]
    not_checked: list[str]

    @property
    def total(self) -> int:
        return self.missing + self.outside + self.differs


@dataclass
class ReportData:
    title: str
    plan_name: str
    year: int
    week: int
    monday: date
    sunday: date
    period: str
    stored_at: str
    previous: str | None
    overall: Overall
    tasks: list[TaskLine]
    cities: list[CityLine]
    departments: list[DepartmentLine]
    overdue: list[OverdueItem]
    overdue_total: int
    submissions: list[Submission]
    stats: list[StatsRow]
    task_labels: list[str]
    trend: list[TrendPoint]
    soe: SoeSection
    ledger_changes: list[CityChanges] = field(default_factory=list)
    """Per 盟市 with any change since last week, in the region's order (empty: none, or no comparison)."""
    changes_more: int = 0
    """Rights beyond those listed in ``ledger_changes`` (see the merged workbook's 台账变动)."""
    stale_files: list[StaleFile] = field(default_factory=list)
    baseline: BaselineNote | None = None
    deadline: datetime | None = None
    """When the week's ledgers were due (``kq merge --deadline`` or the plan); None if not set."""

    @property
    def label(self) -> str:
        return week_label(self.year, self.week)

    @property
    def region_rate(self) -> float | None:
        return self.overall.rate

    @property
    def ranking(self) -> list[CityLine]:
        """The 盟市 by rank; those without one (not in this week's figures) last, in region order."""
        return sorted(self.cities, key=lambda c: (c.rank is None, c.rank or 0))

    @property
    def laggards(self) -> list[CityLine]:
        return [c for c in self.cities if c.reasons]

    @property
    def without_scan(self) -> list[str] | None:
        """The 盟市 that sent no stamped scan (盖章扫描版); None where scans were not recorded."""
        lines = [(s.city, s.scans) for s in self.submissions if s.city is not None and s.status != UNMATCHED_SCAN]
        if any(scans is None for _, scans in lines):
            return None
        return list(dict.fromkeys(city for city, scans in lines if not scans))

    @property
    def late(self) -> list[str]:
        """The 盟市 whose counted ledger arrived after the deadline."""
        return list(dict.fromkeys(s.city for s in self.submissions if s.counted and s.on_time is False and s.city))

    @property
    def overdue_more(self) -> int:
        return self.overdue_total - len(self.overdue)
