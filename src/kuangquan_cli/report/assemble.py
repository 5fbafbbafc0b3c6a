"""Building the weekly 通报's data (``model.ReportData``) from the stored snapshots.

The report is built from the stored snapshots only. Its tables are the merged workbook's
(``summary_tables``), read by their column keys, so the 通报 the office forwards and the
workbook it keeps agree to the unit; what changed since last week comes from ``comparison``,
right by right and counted honestly (a regression cancels a completion, only a cleared
procedure is 办结, rates are compared like for like).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from kuangquan_cli.merging.changes import KIND_TEXT, baseline_licences
from kuangquan_cli.merging.store import Snapshot, Store
from kuangquan_cli.merging.submissions import Submission, flagged_by_file, submissions
from kuangquan_cli.merging.summary_tables import (
    NOT_FILLED,
    REGION,
    UNKNOWN_CITY,
    UNKNOWN_DEPARTMENT,
    UNKNOWN_TASK,
    category_reconciliation,
    city_table,
    counted_rows,
    department_table,
    line_rate,
    region_line,
    soe_table,
    subtotal_lines,
    task_label,
    task_lines,
)
from kuangquan_cli.reference.plan import Plan
from kuangquan_cli.reference.tables import divisions, member_departments
from kuangquan_cli.reference.vocabulary import CANNOT_RESUME, COAL, DONE, IN_PROGRESS, NON_COAL, NOT_STARTED
from kuangquan_cli.reference.weeks import week_range
from kuangquan_cli.report.comparison import WeekOverWeek, city_of
from kuangquan_cli.report.formats import pct, period_text
from kuangquan_cli.report.model import (
    BaselineNote,
    ChangeItem,
    CityChanges,
    CityLine,
    DepartmentLine,
    Group,
    LagReason,
    Overall,
    OverdueItem,
    ReportData,
    SoeDepartmentLine,
    SoeGroup,
    SoeRight,
    SoeSection,
    SoeTaskLine,
    StaleFile,
    StatsRow,
    TaskLine,
    TrendPoint,
)

if TYPE_CHECKING:
    import pandas as pd

#: Overdue rights listed by name; the rest are counted ("另有 N 项").
OVERDUE_LISTED = 50
#: State-owned enterprises' rights waiting for procedures listed by name; the rest are counted.
SOE_LISTED = 50
#: Weeks drawn in the week-over-week line (the latest ones).
TREND_WEEKS = 12
#: Rights named in 台账变动情况; the rest are counted ("另有 N 项") and listed in the workbook.
CHANGES_LISTED = 100
#: The changes that name a 盟市 in the 通报: rights dropped, completions taken back, mines set aside.
NAMED_CHANGES = ("vanished", "regressed", "cannot_resume")


def _task_status_counts(table: pd.DataFrame) -> dict[str, dict[str, int]]:
    """Task label → status key → rights, summed over the 盟市 lines of the 盟市统计 table."""
    sums = task_lines(table).groupby("task")[["not_started", "in_progress", "done"]].sum()
    return {str(label): {str(k): int(v) for k, v in row.items()} for label, row in sums.iterrows()}


def _tasks(frame: pd.DataFrame, table: pd.DataFrame, plan: Plan, comparison: WeekOverWeek | None
           ) -> list[TaskLine]:
    recon, done = category_reconciliation(frame, plan)
    done_by_task = {r.task: r.ledger for r in done if r.reason is None}
    statuses = _task_status_counts(table)
    newly = comparison.net_done(lambda right: right.task) if comparison else {}
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
    stale: dict[str, list[StaleFile]]
    named_changes: dict[str, Counter[str]]
    """Per 盟市, how many of its changes are of ``NAMED_CHANGES``, by kind."""


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


def _change_reason(counts: Counter[str]) -> LagReason | None:
    if not counts:
        return None
    said = "、".join(f"{KIND_TEXT[kind]} {counts[kind]} 个" for kind in NAMED_CHANGES if counts[kind])
    return LagReason("ledger_changes", f"台账变动待说明：{said}（见台账变动情况）")


def _city_reasons(line: CityLine, sent: list[Submission], facts: _CityFacts, compared: int) -> list[LagReason]:
    """Why a 盟市 is named in the 通报 (三（四） of the programme: 推进不积极、问题解决不明显).

    No progress is judged only on the ``compared`` rights it reported both weeks, and only
    新完成, 手续办结 and 启动 are progress; a low rate is one under half the region's.
    """
    reasons = []
    submission = _submission_reason(sent)
    if submission:
        reasons.append(submission)
    stale = facts.stale.get(line.city)
    if stale:
        reasons.append(LagReason("stale", f"报送的台账 {'、'.join(s.file for s in stale)} 是以前某周的，疑为重复报送"))
    if line.sent and compared and line.progress == 0:
        reasons.append(LagReason(
            "no_progress", f"本周无进展（与上周相比，{compared} 个矿业权均无新完成、手续办结或由未启动转为推进中）"
        ))
    changed = _change_reason(facts.named_changes.get(line.city, Counter()))
    if changed:
        reasons.append(changed)
    region = facts.region_rate
    if line.sent and line.rate is not None and region and line.rate < region / 2:
        reasons.append(LagReason("low_rate", f"完成率 {pct(line.rate)}，不足全区（{pct(region)}）的一半"))
    if line.overdue:
        reasons.append(LagReason("overdue", f"逾期未完成 {line.overdue} 项"))
    return reasons


def _cities(table: pd.DataFrame, comparison: WeekOverWeek | None, facts: _CityFacts) -> list[CityLine]:
    now = subtotal_lines(table)
    seen = comparison.compared() if comparison else Counter()
    progress = comparison.progress() if comparison else Counter()
    newly = comparison.net_done(city_of) if comparison else Counter()
    names = [*divisions().cities, *([UNKNOWN_CITY] if UNKNOWN_CITY in now else [])]
    lines = []
    for city in names:
        sent = [s for s in facts.submissions if s.city == city]
        line = CityLine(city, sent=city in now, overdue=facts.overdue.get(city, 0))
        if line.sent:
            sub = now[city]
            line.rights, line.cannot_resume, line.done = int(sub["rights"]), int(sub["cannot_resume"]), int(sub["done"])
            line.rate = line_rate(sub)
            if comparison and seen[city]:
                line.newly_done, line.progress = newly[city], progress[city]
                line.rate_change = comparison.rate_change(city).change
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


def _departments(frame: pd.DataFrame, comparison: WeekOverWeek | None, plan: Plan) -> list[DepartmentLine]:
    """Pending procedures per department, coal and non-coal; with a previous week, how many
    were cleared (办结) and how many were added among the rights present in both weeks."""
    now = department_table(frame, plan)
    now["mineral_class"] = _mineral_classes(frame, now)
    cleared: Counter[str] = Counter()
    added: Counter[str] = Counter()
    if comparison is not None:
        cleared, added = comparison.cleared_by_department(), comparison.added_by_department()
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


def _soe_tasks(table: pd.DataFrame, plan: Plan) -> list[SoeTaskLine]:
    """The 国有企业 table's rights per task and status, in the plan's order (then 未确定)."""
    counts = Counter(zip(table["task"], table["status"], strict=True))
    per_task = Counter(table["task"])
    labels = [t.label for t in plan.tasks] + [UNKNOWN_TASK]
    names = {t.label: t.name for t in plan.tasks} | {UNKNOWN_TASK: UNKNOWN_TASK}
    return [SoeTaskLine(label, names[label], per_task[label], counts[label, NOT_STARTED], counts[label, IN_PROGRESS],
                        counts[label, DONE], counts[label, CANNOT_RESUME])
            for label in labels if per_task[label]]


def _keys(table: pd.DataFrame) -> list[tuple[str, int]]:
    """Each line's right, by its source file and row (a right may lack a licence number)."""
    return list(zip(table["source_file"], table["source_row"], strict=True))


def _soe_departments(pending: pd.DataFrame) -> list[SoeDepartmentLine]:
    """The state-owned enterprises' lines of 部门手续清单, per department: procedures and rights."""
    lines = []
    for dept in _department_order():
        own = pending[pending["department"] == dept]
        if len(own):
            lines.append(SoeDepartmentLine(dept, len(own), len(set(_keys(own)))))
    return lines


def _soe_group(table: pd.DataFrame, pending: pd.DataFrame, name: str) -> SoeGroup:
    own = table[table["group"] == name]
    rights = set(_keys(own))
    procedures = sum(key in rights for key in _keys(pending))
    done, cannot = int((own["status"] == DONE).sum()), int((own["status"] == CANNOT_RESUME).sum())
    return SoeGroup(name, len(own), done, len(own) - cannot, int(own["pending"].notna().sum()), procedures)


def _soe(frame: pd.DataFrame, plan: Plan) -> SoeSection:
    """国有企业, from the merged workbook's 国有企业 table and the lines of 部门手续清单 that are
    its rights' pending procedures."""
    table = soe_table(frame, plan)
    departments = department_table(frame, plan)
    rights = set(_keys(table))
    pending = departments[[key in rights for key in _keys(departments)]]
    waiting = table[table["pending"].notna()]
    records: Iterable[Any] = waiting.head(SOE_LISTED).itertuples(index=False)  # named tuples of soe_headers()
    listed = [SoeRight(r.city or UNKNOWN_CITY, r.holder, r.right_name, r.licence_no, r.task, r.status or NOT_FILLED,
                       r.pending, r.departments) for r in records]
    return SoeSection(_soe_tasks(table, plan), _soe_departments(pending),
                      [_soe_group(table, pending, name) for name in plan.supported_soes], listed, len(waiting))
def _ledger_changes(comparison: WeekOverWeek) -> tuple[list[CityChanges], int]:
    """台账变动情况: per 盟市, its changes by kind and each right of a warning (``CHANGES_LISTED``
    in all; how many more)."""
    listed, more, found = 0, 0, []
    for city, changes in comparison.changes.by_city().items():
        warnings = [c for c in changes if c.is_warning]
        shown = warnings[:max(CHANGES_LISTED - listed, 0)]
        listed, more = listed + len(shown), more + len(warnings) - len(shown)
        items = [ChangeItem(c.kind, KIND_TEXT[c.kind], c.licence_no, c.right.right_name, c.message) for c in shown]
        found.append(CityChanges(city or UNKNOWN_CITY, comparison.changes.summary(changes), items))
    return found, more


def _stale_files(current: Snapshot) -> list[StaleFile]:
    """The ledgers of the week that name an earlier week (``file.stale``), with their 盟市."""
    cities = {f["file"]: f["city"] for f in current.files}
    return [StaleFile(cities.get(f["file"]), f["file"], f["message"]) for f in current.findings
            if f["code"] == "file.stale"]


def _named_changes(comparison: WeekOverWeek | None) -> dict[str, Counter[str]]:
    named: dict[str, Counter[str]] = defaultdict(Counter)
    for change in comparison.changes.of_kind(*NAMED_CHANGES) if comparison else []:
        named[city_of(change.right)][change.kind] += 1
    return named


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
    known = baseline_licences(store.latest_baseline())
    return assemble(current, previous, plan, _trend(store, plan, loaded, year, week), known)


def assemble(current: Snapshot, previous: Snapshot | None, plan: Plan, trend: Iterable[TrendPoint],
             known: Collection[str] = frozenset()) -> ReportData:
    """Everything the report shows, from this week's snapshot and the one before (if any);
    ``known``: the licence numbers of the stored baseline (its rights are not new)."""
    monday, sunday = week_range(current.year, current.week)
    frame = current.rows
    table = city_table(frame, plan)
    comparison = WeekOverWeek.of(current, previous, known) if previous is not None else None
    overdue = overdue_items(frame, sunday, plan)
    overdue_by_city: dict[str, int] = defaultdict(int)
    for item in overdue:
        overdue_by_city[item.city] += 1
    region: Any = region_line(table)  # one row of 盟市统计 (a Series)
    region_rate = line_rate(region)
    sent = submissions(current.summary["files"], flagged_by_file(current.rows), current.summary.get("scans"))
    stale = _stale_files(current)
    stale_by_city: dict[str, list[StaleFile]] = defaultdict(list)
    for stale_file in stale:
        stale_by_city[stale_file.city or UNKNOWN_CITY].append(stale_file)
    facts = _CityFacts(sent, overdue_by_city, region_rate, stale_by_city, _named_changes(comparison))
    cities = _cities(table, comparison, facts)
    tasks = _tasks(frame, table, plan, comparison)
    rate = comparison.rate_change() if comparison else None
    ledger_changes, changes_more = _ledger_changes(comparison) if comparison else ([], 0)
    missing = [c.city for c in cities if not c.sent and c.city != UNKNOWN_CITY]
    overall = Overall(
        rights=int(region["rights"]), done=int(region["done"]), rate=region_rate,
        newly_done=comparison.net_done_total if comparison else None,
        rate_change=rate.change if rate else None, compared_rights=rate.rights if rate else None,
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
        ledger_changes=ledger_changes, changes_more=changes_more, stale_files=stale, soe=_soe(frame, plan),
        baseline=baseline_note(current.summary),
        deadline=datetime.fromisoformat(deadline) if (deadline := current.summary.get("deadline")) else None,
    )
