"""The office's summary tables, computed from merged rows (the ``rows.rows_frame`` shape).

They take the same DataFrame whether the rows come from a fresh merge or from a stored
snapshot, so the merged workbook and the weekly report count alike. Only counted rows (not a
盟市's second file) enter the figures. Columns are stable English keys, which the report reads;
each table's ``…_headers`` maps them to the Chinese its sheet in the merged workbook shows.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from kuangquan_cli.checking.reconcile import Counted, ReconRow, reconcile
from kuangquan_cli.reference.plan import Plan
from kuangquan_cli.reference.tables import divisions, enumerations, field_by_name, procedures
from kuangquan_cli.reference.vocabulary import CANNOT_RESUME, DONE, IN_PROGRESS, NOT_STARTED, YES

if TYPE_CHECKING:
    import pandas as pd

NOT_FILLED, UNKNOWN_CITY, UNKNOWN_TASK = "未填", "（未识别盟市）", "未确定"
UNKNOWN_DEPARTMENT = "未确定（矿种类别未填或该手续不适用）"
#: The 盟市统计 table's closing lines: each 盟市's 小计, then the region's (全区) 合计.
SUBTOTAL, TOTAL, REGION = "小计", "合计", "全区"

#: A line of a summary table, column key → value (as ``DataFrame.to_dict("records")`` gives it).
Line = dict[Hashable, Any]

#: The column key of each status in the 盟市统计 table; a status an office adds to the
#: enumeration keeps its own name as its key.
STATUS_KEYS = {NOT_STARTED: "not_started", IN_PROGRESS: "in_progress", DONE: "done",
               CANNOT_RESUME: "cannot_resume", NOT_FILLED: "not_filled"}


def _counted_rights(frame: pd.DataFrame) -> Iterator[Counted]:
    import pandas as pd

    for task, reason, cannot_resume in zip(frame["task"], frame["reason"], frame["cannot_resume"], strict=True):
        yield Counted(None if pd.isna(task) else int(task), reason, bool(cannot_resume))


def counted_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows that count in the region's figures (not those of a 盟市's second file)."""
    return frame[frame["counted"]]


def city_keys(frame: pd.DataFrame) -> pd.Series:
    """The 盟市 each row counts under: its file's, or （未识别盟市） where that was not told."""
    return frame["source_city"].fillna(UNKNOWN_CITY)


def task_label(task: Any, plan: Plan) -> str:
    """（一）…（六）, or 未确定 where a row's task cannot be told."""
    import pandas as pd

    return UNKNOWN_TASK if pd.isna(task) else plan.task(int(task)).label


def completion_rate(done: int, pursued: int) -> float | None:
    """Done over the rights pursued (those that are not 不具备条件); None when there are none."""
    return done / pursued if pursued else None


# ---- 分类统计 -----------------------------------------------------------------------------------

CATEGORY_HEADERS = {"task": "任务", "reason": "原因", "plan": "方案", "ledger": "台账", "diff": "差额", "done": DONE}


def category_reconciliation(frame: pd.DataFrame, plan: Plan) -> tuple[list[ReconRow], list[ReconRow]]:
    """``reconcile`` of the counted rows, and of those among them already done (已完成)."""
    rows = counted_rows(frame)
    return reconcile(_counted_rights(rows), plan), reconcile(_counted_rights(rows[rows["status"] == DONE]), plan)


def category_table(frame: pd.DataFrame, plan: Plan) -> pd.DataFrame:
    """分类统计: task × reason, the plan's figure, the ledger's, the difference and how many are done."""
    import pandas as pd

    recon, done = category_reconciliation(frame, plan)
    lines = [
        {
            "task": plan.task(r.task).name if r.task else CANNOT_RESUME,
            "reason": r.reason or TOTAL,
            "plan": r.plan,
            "ledger": r.ledger,
            "diff": r.diff,
            "done": d.ledger,
        }
        for r, d in zip(recon, done, strict=True)
    ]
    return pd.DataFrame(lines, columns=list(CATEGORY_HEADERS))


# ---- 盟市统计 -----------------------------------------------------------------------------------


def _statuses() -> list[str]:
    """The status columns of the 盟市统计 table: every status of the enumeration, then 未填."""
    return [*enumerations()["status"].values, NOT_FILLED]


def city_headers() -> dict[str, str]:
    """The 盟市统计 table's column keys and headers (a status column is headed by the status)."""
    statuses = {STATUS_KEYS.get(status, status): status for status in _statuses()}
    return {"city": "盟市", "task": "任务", "rights": "矿业权数", **statuses, "rate": "完成率"}


def _progress_line(city: str, task: str, counts: Any) -> dict[str, Any]:
    """One line of 盟市统计 from ``counts``, a Series of rights by status."""
    rights = int(counts.sum())
    by_key = {STATUS_KEYS.get(str(status), str(status)): int(n) for status, n in counts.items()}
    rate = completion_rate(by_key["done"], rights - by_key["cannot_resume"])
    return {"city": city, "task": task, "rights": rights, **by_key, "rate": rate}


def city_table(frame: pd.DataFrame, plan: Plan) -> pd.DataFrame:
    """盟市统计: per 盟市 and task, rights by status and the completion rate, each 盟市's 小计
    and the region's 合计 (``city`` 全区)."""
    import pandas as pd

    rows = counted_rows(frame)
    statuses = _statuses()
    keys = pd.DataFrame({
        "city": city_keys(rows),
        "task": [task_label(t, plan) for t in rows["task"]],
        "status": rows["status"].fillna(NOT_FILLED),
    }, dtype=object)
    counts = keys.groupby(["city", "task", "status"]).size().unstack(fill_value=0)
    counts = counts.reindex(columns=statuses, fill_value=0)
    city_order = [*divisions().cities, UNKNOWN_CITY]
    task_order = [t.label for t in plan.tasks] + [UNKNOWN_TASK]
    lines = []
    for city in [c for c in city_order if c in counts.index.get_level_values(0)]:
        part = counts.loc[city]
        lines += [_progress_line(city, t, part.loc[t]) for t in task_order if t in part.index]
        lines.append(_progress_line(city, SUBTOTAL, part.sum()))
    lines.append(_progress_line(REGION, TOTAL, counts.sum() if len(counts) else pd.Series(0, index=statuses)))
    return pd.DataFrame(lines, columns=list(city_headers()))


def line_rate(line: Line) -> float | None:
    """A line's completion rate, None where it has none (the table holds NaN there)."""
    import pandas as pd

    rate = line["rate"]
    return None if rate is None or pd.isna(rate) else float(rate)


def task_lines(table: pd.DataFrame) -> pd.DataFrame:
    """The 盟市统计 table's per-task lines, without the 小计 and 合计 lines."""
    return table[~table["task"].isin([SUBTOTAL, TOTAL])]


def subtotal_lines(table: pd.DataFrame) -> dict[str, Line]:
    """盟市 → its 小计 line of the 盟市统计 table."""
    return {line["city"]: line for line in table[table["task"] == SUBTOTAL].to_dict("records")}


def region_line(table: pd.DataFrame) -> Line:
    """The region's 合计 line of the 盟市统计 table."""
    return table[table["city"] == REGION].to_dict("records")[0]


# ---- 部门手续清单 -------------------------------------------------------------------------------

_DEPARTMENT_FIELDS = ("city", "county", "right_name", "licence_no", "holder", "task", "status", "deadline",
                      "contact", "phone")


def department_headers() -> dict[str, str]:
    """The 部门手续清单 table's column keys and headers (a ledger field is headed as in the ledger)."""
    fields = field_by_name()
    return {"department": "部门", "procedure": "手续", **{name: fields[name].header for name in _DEPARTMENT_FIELDS},
            "source_file": "来源文件", "source_row": "来源行"}


def department_of(procedure: str, mineral_class: str | None) -> str:
    """The department that must act on a pending procedure of a coal or non-coal right."""
    department = procedures()[procedure].department(mineral_class) if mineral_class else None
    return department or UNKNOWN_DEPARTMENT


def department_table(frame: pd.DataFrame, plan: Plan) -> pd.DataFrame:
    """部门手续清单: every pending procedure of every unfinished right, under its department.

    Unfinished means neither 已完成 nor 不具备条件 (a mine that cannot resume is not pursued).
    """
    import pandas as pd

    rows = counted_rows(frame)
    rows = rows[~rows["status"].isin([DONE, CANNOT_RESUME]) & (rows["missing"].map(len) > 0)]
    order = {name: i for i, name in enumerate(procedures())}
    cities = {name: i for i, name in enumerate(divisions().cities)}
    lines = []
    records: Iterable[Any] = rows.explode("missing").itertuples(index=False)  # one line per pending procedure
    for row in records:
        line = {"department": department_of(row.missing, row.mineral_class), "procedure": row.missing}
        line |= {name: getattr(row, name) for name in _DEPARTMENT_FIELDS}
        line["task"] = task_label(row.task, plan)
        line |= {"source_file": row.source_file, "source_row": row.source_row}
        lines.append(((line["department"], order[row.missing], cities.get(row.city, len(cities)), row.source_file,
                       row.source_row), line))
    return pd.DataFrame([line for _, line in sorted(lines, key=lambda item: item[0])],
                        columns=list(department_headers()))


# ---- 国有企业 -----------------------------------------------------------------------------------

_SOE_FIELDS = ("city", "county", "right_name", "licence_no", "holder", "soe", "task", "status", "deadline")


def soe_headers() -> dict[str, str]:
    """The 国有企业 table's column keys and headers (a ledger field is headed as in the ledger).

    待办手续 are joined by 、 as a ledger writes them; 办理部门 by ；, as a department's own name
    may hold a 、 (自治区发改委、工信厅)."""
    fields = field_by_name()
    return {"group": "方案点名企业", **{name: fields[name].header for name in _SOE_FIELDS},
            "pending": "待办手续", "departments": "办理部门", "source_file": "来源文件", "source_row": "来源行"}


def supported_soe(holder: str | None, plan: Plan) -> str | None:
    """The enterprise the plan names for support (内蒙古能源集团) that ``holder`` is, or belongs to."""
    return next((name for name in plan.supported_soes if holder and name in holder), None)


def _is_soe(frame: pd.DataFrame, plan: Plan) -> list[bool]:
    """是否国有企业 written 是, or a holder the plan itself names as a state-owned enterprise."""
    return [soe == YES or supported_soe(holder, plan) is not None
            for soe, holder in zip(frame["soe"], frame["holder"], strict=True)]


def soe_table(frame: pd.DataFrame, plan: Plan) -> pd.DataFrame:
    """国有企业: every counted right of a state-owned holder, with its status and, while it is
    unfinished, its pending procedures and the departments that must act on them (as in
    部门手续清单); the rights of the enterprises the plan names first, then in the region's order."""
    import pandas as pd

    rows = counted_rows(frame)
    rows = rows[_is_soe(rows, plan)]
    cities = {name: i for i, name in enumerate(divisions().cities)}
    lines = []
    records: Iterable[Any] = rows.itertuples(index=False)  # named tuples of ROW_COLUMNS (untyped to pandas)
    for row in records:
        unfinished = row.status not in (DONE, CANNOT_RESUME)
        pending = tuple(row.missing) if unfinished else ()
        departments = dict.fromkeys(department_of(p, row.mineral_class) for p in pending)
        group = supported_soe(row.holder, plan)
        line = {"group": group, **{name: getattr(row, name) for name in _SOE_FIELDS}}
        line |= {"task": task_label(row.task, plan), "pending": "、".join(pending) or None,
                 "departments": "；".join(departments) or None, "source_file": row.source_file,
                 "source_row": row.source_row}
        order = plan.supported_soes.index(group) if group else len(plan.supported_soes)
        task = len(plan.tasks) + 1 if pd.isna(row.task) else int(row.task)
        lines.append(((order, cities.get(row.source_city, len(cities)), task, row.source_file, row.source_row), line))
    return pd.DataFrame([line for _, line in sorted(lines, key=lambda item: item[0])], columns=list(soe_headers()))
