"""The office's summary tables, computed from merged rows (the ``rows.rows_frame`` shape).

They take the same DataFrame whether the rows come from a fresh merge or from a stored
snapshot, so the merged workbook and the weekly report count alike. Only counted rows (not a
盟市's second file) enter the figures; headers are the Chinese the sheets show.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from kuangquan_cli.checking.reconcile import Counted, ReconRow, reconcile
from kuangquan_cli.reference.plan import Plan
from kuangquan_cli.reference.tables import divisions, enumerations, field_by_name, procedures

if TYPE_CHECKING:
    import pandas as pd

DONE, CANNOT_RESUME = "已完成", "不具备条件"
NOT_FILLED, UNKNOWN_CITY, UNKNOWN_TASK = "未填", "（未识别盟市）", "未确定"
UNKNOWN_DEPARTMENT = "未确定（矿种类别未填或该手续不适用）"


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
            "任务": plan.task(r.task).name if r.task else CANNOT_RESUME,
            "原因": r.reason or "合计",
            "方案": r.plan,
            "台账": r.ledger,
            "差额": r.diff,
            DONE: d.ledger,
        }
        for r, d in zip(recon, done, strict=True)
    ]
    return pd.DataFrame(lines)


def _progress_line(city: str, task: str, counts: pd.Series) -> dict[str, Any]:
    rights = int(counts.sum())
    pursued = rights - int(counts[CANNOT_RESUME])
    return {"盟市": city, "任务": task, "矿业权数": rights, **{k: int(v) for k, v in counts.items()},
            "完成率": counts[DONE] / pursued if pursued else None}


def city_table(frame: pd.DataFrame, plan: Plan) -> pd.DataFrame:
    """盟市统计: per 盟市 and task, rights by status and the completion rate.

    The completion rate is 已完成 over the rights that are pursued (not 不具备条件).
    """
    import pandas as pd

    rows = counted_rows(frame)
    statuses = [*enumerations()["status"].values, NOT_FILLED]
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
        lines.append(_progress_line(city, "小计", part.sum()))
    lines.append(_progress_line("全区", "合计", counts.sum() if len(counts) else pd.Series(0, index=statuses)))
    return pd.DataFrame(lines)


def department_of(procedure: str, mineral_class: str | None) -> str:
    """The department that must act on a pending procedure of a coal or non-coal right."""
    department = procedures()[procedure].department(mineral_class) if mineral_class else None
    return department or UNKNOWN_DEPARTMENT


_DEPARTMENT_FIELDS = ("city", "county", "right_name", "licence_no", "holder", "task", "status", "deadline",
                      "contact", "phone")


def department_table(frame: pd.DataFrame, plan: Plan) -> pd.DataFrame:
    """部门手续清单: every pending procedure of every unfinished right, under its department.

    Unfinished means neither 已完成 nor 不具备条件 (a mine that cannot resume is not pursued).
    """
    import pandas as pd

    rows = counted_rows(frame)
    rows = rows[~rows["status"].isin([DONE, CANNOT_RESUME]) & (rows["missing"].map(len) > 0)]
    headers = field_by_name()
    order = {name: i for i, name in enumerate(procedures())}
    cities = {name: i for i, name in enumerate(divisions().cities)}
    lines = []
    for row in rows.explode("missing").itertuples(index=False):
        line = {"部门": department_of(row.missing, row.mineral_class), "手续": row.missing}
        line |= {headers[name].header: getattr(row, name) for name in _DEPARTMENT_FIELDS}
        line[headers["task"].header] = task_label(row.task, plan)
        line |= {"来源文件": row.source_file, "来源行": row.source_row}
        lines.append(((line["部门"], order[row.missing], cities.get(row.city, len(cities)), row.source_file,
                       row.source_row), line))
    columns = ["部门", "手续", *(headers[n].header for n in _DEPARTMENT_FIELDS), "来源文件", "来源行"]
    return pd.DataFrame([line for _, line in sorted(lines, key=lambda item: item[0])], columns=columns)
