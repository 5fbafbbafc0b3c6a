"""Building the weekly 通报's data (``model.ReportData``) from the stored snapshots.

The report is built from the stored snapshots only. Its tables are the merged workbook's
(``summary_tables``), read by their column keys, so the 通报 the office forwards and the
workbook it keeps agree to the unit; what changed since last week comes from ``comparison``.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from kuangquan_cli.merging.store import Snapshot, Store
from kuangquan_cli.merging.submissions import Submission, flagged_by_file, submissions
from kuangquan_cli.merging.summary_tables import (
    NOT_FILLED,
    REGION,
    UNKNOWN_CITY,
    UNKNOWN_DEPARTMENT,
    category_reconciliation,
    city_table,
    counted_rows,
    department_table,
    line_rate,
    region_line,
    subtotal_lines,
    task_label,
    task_lines,
)
from kuangquan_cli.reference.plan import Plan
from kuangquan_cli.reference.tables import divisions, member_departments
from kuangquan_cli.reference.vocabulary import CANNOT_RESUME, COAL, DONE, NON_COAL
from kuangquan_cli.reference.weeks import week_range
from kuangquan_cli.report.comparison import Comparison, rate_change
from kuangquan_cli.report.formats import pct, period_text
from kuangquan_cli.report.model import (
    BaselineNote,
    CityLine,
    DepartmentLine,
    Group,
    LagReason,
    Overall,
    OverdueItem,
    ReportData,
    StatsRow,
    TaskLine,
    TrendPoint,
)

if TYPE_CHECKING:
    import pandas as pd

#: Overdue rights listed by name; the rest are counted ("另有 N 项").
OVERDUE_LISTED = 50
#: Weeks drawn in the week-over-week line (the latest ones).
TREND_WEEKS = 12


def _task_status_counts(table: pd.DataFrame) -> dict[str, dict[str, int]]:
    """Task label → status key → rights, summed over the 盟市 lines of the 盟市统计 table."""
    sums = task_lines(table).groupby("task")[["not_started", "in_progress", "done"]].sum()
    return {str(label): {str(k): int(v) for k, v in row.items()} for label, row in sums.iterrows()}


def _tasks(frame: pd.DataFrame, table: pd.DataFrame, plan: Plan, comparison: Comparison | None) -> list[TaskLine]:
    recon, done = category_reconciliation(frame, plan)
    done_by_task = {r.task: r.ledger for r in done if r.reason is None}
    statuses = _task_status_counts(table)
    newly = comparison.by("task", "newly_done") if comparison else {}
    lines = []
    for r in recon:
        if r.task is None or r.reason is not None:
            continue
        task = plan.task(r.task)
        counts = statuses.get(task.label, {})
        lines.append(TaskLine(
            task.number, task.label, task.name, task.lead_dept, r.plan, r.ledger, counts.get("not_started", 0),
            counts.get("in_progress", 0), done_by_task[r.task], newly.get(task.number, 0) if comparison else None,
        ))
    return lines


def _groups(frame: pd.DataFrame, plan: Plan, tasks: list[TaskLine]) -> list[Group]:
    """停产矿山 and 未转采探矿权 against the plan's 1383 and 1302, and the mines that cannot resume."""
    recon, _ = category_reconciliation(frame, plan)
    mining = [t for t in tasks if plan.task(t.number).is_mining]
    exploring = [t for t in tasks if not plan.task(t.number).is_mining]
    cannot = next(r for r in recon if r.task is None)
    return [
        Group("停产矿山", plan.stopped_mines, sum(t.ledger for t in mining), sum(t.done for t in mining)),
        Group("未转采探矿权", plan.exploration_rights, sum(t.ledger for t in exploring),
              sum(t.done for t in exploring)),
        Group(f"{CANNOT_RESUME}（{plan.cannot_resume_reason}）的矿山", plan.cannot_resume, cannot.ledger),
    ]


# ---- the 盟市 and why one is named --------------------------------------------------------------


def _rank(cities: list[CityLine]) -> None:
    """Competition ranking by completion rate (equal rates share a place: 1, 2, 2, 4)."""
    rated = sorted((c for c in cities if c.rate is not None and c.city != UNKNOWN_CITY), key=lambda c: -(c.rate or 0))
    for index, line in enumerate(rated):
        same = index and rated[index - 1].rate == line.rate
        line.rank = rated[index - 1].rank if same else index + 1


@dataclass(frozen=True)
class _CityFacts:
    """What the per-盟市 lines need besides the tables."""

    submissions: list[Submission]
    overdue: dict[str, int]
    region_rate: float | None


def _submission_reason(sent: list[Submission]) -> LagReason | None:
    files = [s for s in sent if s.file is not None]
    counted = [s for s in files if s.counted]
    if not counted:
        if not files:
            return LagReason("not_sent", "本周未报送台账")
        return LagReason("not_sent", f"台账未能汇总（{files[0].note or files[0].text.report}）")
    errors = sum(s.errors for s in counted)
    if errors:
        flagged = sum(s.flagged for s in counted)
        return LagReason("invalid", f"台账未通过校验：{errors} 个错误，{flagged} 行待核实")
    late = [s for s in counted if s.on_time is False]
    if late:
        return LagReason("late", f"台账逾期报送（{late[0].arrival_text} 收到）")
    return None


def _city_reasons(line: CityLine, sent: list[Submission], facts: _CityFacts, compared: int) -> list[LagReason]:
    """Why a 盟市 is named in the 通报 (三（四） of the programme: 推进不积极、问题解决不明显).

    No progress is judged only on the ``compared`` rights it reported both weeks; a low rate is
    one under half the region's.
    """
    reasons = []
    submission = _submission_reason(sent)
    if submission:
        reasons.append(submission)
    if line.sent and compared and line.changed_rows == 0:
        reasons.append(LagReason(
            "no_progress", f"本周无进展（与上周相比，{compared} 个矿业权的进展状态、完成日期、所缺手续均无变化）"
        ))
    region = facts.region_rate
    if line.sent and line.rate is not None and region and line.rate < region / 2:
        reasons.append(LagReason("low_rate", f"完成率 {pct(line.rate)}，不足全区（{pct(region)}）的一半"))
    if line.overdue:
        reasons.append(LagReason("overdue", f"逾期未完成 {line.overdue} 项"))
    return reasons


def _cities(table: pd.DataFrame, previous_table: pd.DataFrame | None, comparison: Comparison | None,
            facts: _CityFacts) -> list[CityLine]:
    now = subtotal_lines(table)
    before = subtotal_lines(previous_table) if previous_table is not None else {}
    seen = comparison.by("city_key", "seen") if comparison else {}
    changed = comparison.by("city_key", "changed") if comparison else {}
    newly = comparison.by("city_key", "newly_done") if comparison else {}
    names = [*divisions().cities, *([UNKNOWN_CITY] if UNKNOWN_CITY in now else [])]
    lines = []
    for city in names:
        sent = [s for s in facts.submissions if s.city == city]
        line = CityLine(city, sent=city in now, overdue=facts.overdue.get(city, 0))
        if line.sent:
            sub = now[city]
            line.rights, line.cannot_resume, line.done = int(sub["rights"]), int(sub["cannot_resume"]), int(sub["done"])
            line.rate = line_rate(sub)
            if seen.get(city):
                line.newly_done, line.changed_rows = newly.get(city, 0), changed.get(city, 0)
            old_rate = line_rate(before[city]) if city in before else None
            if line.rate is not None and old_rate is not None:
                line.rate_change = line.rate - old_rate
        if city != UNKNOWN_CITY:
            line.reasons = _city_reasons(line, sent, facts, seen.get(city, 0))
        lines.append(line)
    _rank(lines)
    return lines


# ---- departments, overdue rights, the attached table, the trend --------------------------------


def _department_order() -> list[str]:
    """Departments in the order the procedure table names them, then the undetermined one."""
    return [*member_departments(), UNKNOWN_DEPARTMENT]


def _mineral_classes(frame: pd.DataFrame, table: pd.DataFrame) -> list[Any]:
    """The 矿种类别 of each line of a 部门手续清单 table, joined back on the source file and row."""
    classes = {(f, r): c for f, r, c in zip(frame["source_file"], frame["source_row"], frame["mineral_class"],
                                             strict=True)}
    return [classes[f, r] for f, r in zip(table["source_file"], table["source_row"], strict=True)]


def _departments(frame: pd.DataFrame, comparison: Comparison | None, plan: Plan) -> list[DepartmentLine]:
    """Pending procedures per department, coal and non-coal; with a previous week, how many
    were cleared and how many were added among the rights present in both weeks."""
    now = department_table(frame, plan)
    now["mineral_class"] = _mineral_classes(frame, now)
    cleared: Counter[str] = Counter()
    added: Counter[str] = Counter()
    if comparison is not None:
        cleared, added = comparison.procedure_changes(now, plan)
    lines = []
    for dept in _department_order():
        mine = now[now["department"] == dept]
        coal, noncoal = int((mine["mineral_class"] == COAL).sum()), int((mine["mineral_class"] == NON_COAL).sum())
        if len(mine) or cleared[dept]:
            lines.append(DepartmentLine(dept, coal, noncoal, len(mine), cleared[dept] if comparison else None,
                                        added[dept] if comparison else None))
    return lines


def overdue_items(frame: pd.DataFrame, sunday: date, plan: Plan) -> list[OverdueItem]:
    """Rights whose 计划完成时限 passed before the week's Sunday and are neither done nor
    不具备条件; the longest overdue first, then in the region's order of 盟市."""
    rows = counted_rows(frame)
    order = {city: i for i, city in enumerate(divisions().cities)}
    records: Iterable[Any] = rows.itertuples(index=False)  # named tuples of ROW_COLUMNS (untyped to pandas)
    items = [
        OverdueItem(r.source_city or UNKNOWN_CITY, r.county, r.right_name, r.licence_no, task_label(r.task, plan),
                    r.deadline, (sunday - r.deadline).days, r.status or NOT_FILLED)
        for r in records
        if r.deadline is not None and r.deadline < sunday and r.status not in (DONE, CANNOT_RESUME)
    ]
    return sorted(items, key=lambda i: (-i.days, order.get(i.city, len(order)), i.licence_no or ""))


def _stats(table: pd.DataFrame, plan: Plan, cities: list[CityLine]) -> list[StatsRow]:
    """附表: per 盟市 and task, rights and done, straight from the 盟市统计 table."""
    labels = [t.label for t in plan.tasks]
    cells: dict[str, dict[str, tuple[int, int]]] = defaultdict(dict)
    for row in table.to_dict("records"):
        cells[row["city"]][row["task"]] = (int(row["rights"]), int(row["done"]))
    rows = []
    for line in cities:
        per_task: list[tuple[int, int] | None] = [
            cells[line.city].get(label) if line.sent else None for label in labels
        ]
        rows.append(StatsRow(line.city, line.sent, per_task, line.rights, line.done, line.rate))
    sums: dict[Any, dict[Any, Any]] = task_lines(table).groupby("task")[["rights", "done"]].sum().to_dict("index")
    region: Any = region_line(table)  # one row of 盟市统计 (a Series)
    totals: list[tuple[int, int] | None] = [
        (int(sums[label]["rights"]), int(sums[label]["done"])) if label in sums else (0, 0) for label in labels
    ]
    rows.append(StatsRow(REGION, True, totals, int(region["rights"]), int(region["done"]), line_rate(region)))
    return rows


def _trend_point(snapshot: Snapshot, plan: Plan) -> TrendPoint:
    region = region_line(city_table(snapshot.rows, plan))
    return TrendPoint(f"第{snapshot.week}周", int(region["done"]), line_rate(region))


def _trend(store: Store, plan: Plan, loaded: dict[tuple[int, int], Snapshot], year: int, week: int
           ) -> list[TrendPoint]:
    keys = [(w.year, w.week) for w in store.weeks() if (w.year, w.week) <= (year, week)][-TREND_WEEKS:]
    return [_trend_point(loaded.get(k) or store.load_snapshot(*k), plan) for k in keys]


def baseline_note(summary: dict[str, Any]) -> BaselineNote | None:
    """The check against the baseline the merge stored with the week (None: no baseline was stored
    then, or the week was merged before kq checked against one)."""
    check = summary.get("baseline")
    if not check:
        return None
    by_city = Counter(d["city"] for d in check["differences"] if d["city"])
    order = divisions().cities
    not_checked = [city for city in order if city not in check["cities"]]
    return BaselineNote(
        check["version"], date.fromisoformat(check["created_at"][:10]), check["source"], check["rights"],
        check["missing"], check["outside"], check["differs"],
        {city: by_city[city] for city in order if by_city[city]}, not_checked,
    )


# ---- the whole report --------------------------------------------------------------------------


def build_report(store: Store, plan: Plan, year: int, week: int) -> ReportData:
    """The report of ISO week ``week`` of ``year``, compared with the latest earlier snapshot."""
    current = store.load_snapshot(year, week)
    previous_key = store.previous_week(year, week)
    previous = store.load_snapshot(*previous_key) if previous_key else None
    loaded = {(year, week): current} | ({previous_key: previous} if previous_key and previous else {})
    return assemble(current, previous, plan, _trend(store, plan, loaded, year, week))


def assemble(current: Snapshot, previous: Snapshot | None, plan: Plan, trend: Iterable[TrendPoint]) -> ReportData:
    """Everything the report shows, from this week's snapshot and the one before (if any)."""
    monday, sunday = week_range(current.year, current.week)
    frame = current.rows
    before = previous.rows if previous is not None else None
    table = city_table(frame, plan)
    previous_table = city_table(before, plan) if before is not None else None
    comparison = Comparison.of(frame, before) if before is not None else None
    overdue = overdue_items(frame, sunday, plan)
    overdue_by_city: dict[str, int] = defaultdict(int)
    for item in overdue:
        overdue_by_city[item.city] += 1
    region: Any = region_line(table)  # one row of 盟市统计 (a Series)
    region_rate = line_rate(region)
    sent = submissions(current.summary["files"], flagged_by_file(current.rows), current.summary.get("scans"))
    cities = _cities(table, previous_table, comparison, _CityFacts(sent, overdue_by_city, region_rate))
    tasks = _tasks(frame, table, plan, comparison)
    change, compared = rate_change(frame, before, plan) if before is not None else (None, None)
    missing = [c.city for c in cities if not c.sent and c.city != UNKNOWN_CITY]
    overall = Overall(
        rights=int(region["rights"]), done=int(region["done"]), rate=region_rate,
        newly_done=comparison.newly_done if comparison else None,
        rate_change=change, compared_cities=compared,
        groups=_groups(frame, plan, tasks), cities_sent=len(divisions().cities) - len(missing),
        cities_total=len(divisions().cities), missing_cities=missing, goal_date=plan.goal_date,
        days_left=(plan.goal_date - sunday).days,
    )
    return ReportData(
        title=f"全区盘活矿业权工作进展情况通报（{current.year}年第{current.week}周）", plan_name=plan.name,
        year=current.year, week=current.week, monday=monday, sunday=sunday, period=period_text(monday, sunday),
        stored_at=current.stored_at, previous=previous.label if previous is not None else None, overall=overall,
        tasks=tasks, cities=cities, departments=_departments(frame, comparison, plan),
        overdue=overdue[:OVERDUE_LISTED], overdue_total=len(overdue), submissions=sent,
        stats=_stats(table, plan, cities), task_labels=[t.label for t in plan.tasks], trend=list(trend),
        baseline=baseline_note(current.summary),
        deadline=datetime.fromisoformat(deadline) if (deadline := current.summary.get("deadline")) else None,
    )
