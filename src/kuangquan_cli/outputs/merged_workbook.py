"""Writing the merged workbook (汇总台账_2022-W38.xlsx) the office opens in Excel/WPS and prints.

Nine sheets: the merged ledger, the rows to check with their problems, the reconciliation by
task and reason, progress per 盟市, the pending procedures per department, the state-owned
enterprises' rights, every finding, who sent what, and what changed since the week stored before,
right by right; once a baseline is stored, a tenth after the reconciliation: the check against
it. Every data row of every readable ledger is in one of the first two sheets with its source
file and row, numbered through (汇总序号) beside the 序号 its 盟市 gave it. The sheets are
written and set up for printing by ``outputs.sheets``; the two ledger sheets print on A3, the
merged ledger under its title.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from kuangquan_cli.atomic import atomic_write
from kuangquan_cli.checking.baseline import DIFFERS, MISSING, OUTSIDE, BaselineCheck, BaselineRight
from kuangquan_cli.checking.catalogue import SEVERITY_TEXT
from kuangquan_cli.checking.findings import Finding
from kuangquan_cli.merging.changes import KIND_TEXT
from kuangquan_cli.merging.merge import MergedRow, MergeResult
from kuangquan_cli.merging.rows import rows_frame
from kuangquan_cli.merging.summary_tables import (
    CATEGORY_HEADERS,
    category_table,
    city_headers,
    city_table,
    department_headers,
    department_table,
    soe_headers,
    soe_table,
    task_label,
)
from kuangquan_cli.outputs.sheets import A3, StackedSheet, Table, tables_workbook
from kuangquan_cli.reference.own_files import DERIVED_TASK_HEADER, MERGED_SEQ_HEADER, PROBLEMS_HEADER, SOURCE_HEADERS
from kuangquan_cli.reference.plan import Plan
from kuangquan_cli.reference.tables import field_by_name, fields
from kuangquan_cli.reference.vocabulary import CANNOT_RESUME

if TYPE_CHECKING:
    import pandas as pd

def _cell_value(name: str, value: Any, plan: Plan) -> Any:
    if name == "task" and value is not None:
        return plan.task(value).label
    if isinstance(value, tuple):
        return "、".join(value) or None
    return value


def _ledger_values(names: list[str], record: dict[str, Any], findings: list[Finding], plan: Plan) -> list[Any]:
    """The row's field values as the sheet shows them; a cell that could not be read keeps the
    text the 盟市 typed (taken from its finding), so a flagged row loses nothing."""
    typed = {f.field: f.value for f in findings if f.field and f.value is not None}
    values = [_cell_value(name, record[name], plan) for name in names]
    if not typed:
        return values
    return [typed.get(name) if value is None else value for name, value in zip(names, values, strict=True)]


def _problem(finding: Finding) -> str:
    """Where, the severity when it is only a warning, and the message: ``J17（警告）：…``."""
    where = finding.cell or finding.column or "整个文件"
    level = "" if finding.is_error else f"（{SEVERITY_TEXT[finding.severity]}）"
    return f"{where}{level}：{finding.message}"


def _problems(findings: list[Finding]) -> str:
    return "；".join(map(_problem, findings))


def _ledger_line(
    row: MergedRow, record: dict[str, Any], names: list[str], plan: Plan, with_problems: bool
) -> list[Any]:
    """The merged ledger shows the task each row counts under; 待核实 shows the task as the 盟市
    submitted it, and beside it the one kq derived where the two differ."""
    findings = row.findings
    if not with_problems:
        return [row.source.file, row.record.row, *_ledger_values(names, record, findings, plan)]
    submitted, derived = row.record.values.task, record["task"]
    values = _ledger_values(names, {**record, "task": submitted}, findings, plan)
    values.insert(names.index("task") + 1, _cell_value("task", derived, plan) if derived != submitted else None)
    return [row.source.file, row.record.row, _problems(findings), *values]


def _ledger_table(
    title: str, rows: list[tuple[MergedRow, dict[str, Any]]], plan: Plan, with_problems: bool,
    caption: str | None = None,
) -> Table:
    """A sheet of merged rows, each given with its ``to_record`` dict (made once for the frame too),
    numbered through: the 序号 each 盟市 gave its rows starts again at 1 in every file."""
    names = [f.name for f in fields()]
    headers = [f.header for f in fields()]
    if with_problems:
        headers.insert(names.index("task") + 1, DERIVED_TASK_HEADER)
    headers = [MERGED_SEQ_HEADER, *SOURCE_HEADERS, *([PROBLEMS_HEADER] if with_problems else []), *headers]
    lines = [[number, *_ledger_line(row, record, names, plan, with_problems)]
             for number, (row, record) in enumerate(rows, start=1)]
    return Table(title, headers, lines, caption=caption, paper=A3)


def _frame_table(title: str, frame: pd.DataFrame, headers: dict[str, str], percent: frozenset[str] = frozenset()
                 ) -> Table:
    """A summary table under its Chinese headers (``headers``: column key → header)."""
    import pandas as pd

    rows = [[None if pd.isna(v) else v for v in line] for line in frame.itertuples(index=False)]
    return Table(title, [headers[key] for key in frame.columns], rows, frozenset(headers[key] for key in percent))


def department_sheet(frame: pd.DataFrame, plan: Plan, department: str | None = None, caption: str | None = None
                     ) -> Table:
    """部门手续清单 of merged rows (a fresh merge's or a stored week's): every pending procedure
    under its department, or one department's part of it (``kq pack`` sends each its own)."""
    table = department_table(frame, plan)
    if department is not None:
        table = table[table["department"] == department]
    sheet = _frame_table("部门手续清单", table, department_headers())
    sheet.caption = caption
    return sheet


def _findings_table(result: MergeResult) -> Table:
    headers = ["文件", "工作表", "单元格", "行", "字段", "级别", "问题说明", "单元格内容", "代码"]
    names = field_by_name()
    rows = [
        [f.file or "全区", f.sheet, f.cell or f.column, f.row, names[f.field].header if f.field else None,
         SEVERITY_TEXT[f.severity], f.message, f.value, f.code]
        for f in result.findings
    ]
    return Table("问题清单", headers, rows)


def _submissions_table(result: MergeResult) -> Table:
    """报送情况: each 盟市 in order with the file(s) it sent (电子版), or 未报送, and its stamped
    scan(s) (盖章扫描版); unknown files and scans last."""
    headers = ["盟市", "电子版", "行数", "待核实行数", "错误", "警告", "状态", "到达时间", "按时报送", "盖章扫描版",
               "说明"]
    rows: list[list[Any]] = [
        [s.city, s.file, s.rows, s.flagged, s.errors, s.warnings, s.text.merge, s.arrival_text, s.on_time_text,
         s.scan_text, s.note]
        for s in result.submissions()
    ]
    return Table("报送情况", headers, rows)


CHANGES_HEADERS = ("盟市", "变动", "级别", "许可证号", "矿业权名称", "说明", "上周文件", "上周行", "本周文件", "本周行",
                   "上周", "本周", "代码")


def _changes_table(result: MergeResult) -> Table:
    """台账变动: one line per change since the week stored before, with both places of the right."""
    if result.changes.compared_with is None:
        note = ["（数据库中没有更早的汇总，本周未作逐矿权比较）"] + [None] * (len(CHANGES_HEADERS) - 1)
        return Table("台账变动", CHANGES_HEADERS, [note])
    rows: list[list[Any]] = []
    for change in result.changes.changes:
        before, after = change.before, change.after
        rows.append([
            change.city, KIND_TEXT[change.kind], SEVERITY_TEXT["warning"] if change.is_warning else "进展",
            change.licence_no, change.right.right_name, change.message,
            before.file if before else None, before.row if before else None,
            after.file if after else None, after.row if after else None,
            change.describe(before), change.describe(after), change.kind,
        ])
    return Table("台账变动", CHANGES_HEADERS, rows)


#: How the 底数核对 sheet names each kind of difference.
DIFFERENCE_TEXT = {MISSING: "台账中没有", OUTSIDE: "不在底数中", DIFFERS: "与底数不一致"}
DIFFERENCE_HEADERS = ("盟市", "许可证号", "矿业权名称", "差异", "字段", "底数", "本周", "文件", "行", "说明")


def _right_text(right: BaselineRight | None, plan: Plan) -> str | None:
    """A right's 盟市, task and reason in one cell: ``包头市，（四），缺少手续``."""
    if right is None:
        return None
    return "，".join([right.city or "盟市不明", task_label(right.task, plan), right.reason or "原因未填"])


def _field_text(name: str, right: BaselineRight, plan: Plan) -> str | None:
    value = getattr(right, name)
    return task_label(value, plan) if name == "task" else value


def baseline_sheet(check: BaselineCheck, plan: Plan) -> StackedSheet:
    """底数核对: per 盟市 × task the baseline's count beside this week's (a 盟市 not sent has none),
    then one row per right that is missing, outside the baseline or differs from it."""
    info = check.info
    note = f"；说明：{info.note}" if info.note else ""
    tally = check.tally()
    caption = (f"底数第 {info.version} 版（{info.created_at.replace('T', ' ')} 存入，取自 {info.source}，"
               f"{info.rights} 个矿业权{note}）")
    counts = Table("", ["盟市", "任务", "底数", "本周", "差额", "说明"], [
        [c.city, task_label(c.task, plan) if c.task is not None else CANNOT_RESUME, c.baseline, c.ledger, c.diff,
         "未报送，未核对" if c.ledger is None else None]
        for c in check.counts
    ])
    headers = field_by_name()
    rows: list[list[Any]] = []
    for d in check.differences:
        f = d.finding
        if d.kind == DIFFERS and d.baseline and d.ledger and f.field:
            before, after = _field_text(f.field, d.baseline, plan), _field_text(f.field, d.ledger, plan)
        else:
            before, after = _right_text(d.baseline, plan), _right_text(d.ledger, plan)
        field = headers[f.field].header if d.kind == DIFFERS and f.field else None
        rows.append([d.city, d.licence_no, d.right_name, DIFFERENCE_TEXT[d.kind], field, before, after, f.file,
                     f.row, f.message])
    differences = Table("", DIFFERENCE_HEADERS, rows)
    return StackedSheet("底数核对", [
        (f"{caption}：各盟市分任务的矿业权数", counts),
        (f"逐矿权的差异：台账中没有 {tally[MISSING]} 个，不在底数中 {tally[OUTSIDE]} 个，"
         f"与底数不一致 {tally[DIFFERS]} 处", differences),
    ])


def merged_title(result: MergeResult) -> str:
    """全区盘活矿业权工作汇总台账（2022年第38周）: the merged ledger's title, atop every printed page."""
    return f"全区盘活矿业权工作汇总台账（{result.year}年第{result.week}周）"


def merged_tables(result: MergeResult, plan: Plan) -> list[Table | StackedSheet]:
    """The sheets of the merged workbook, in order (底数核对 only when a baseline is stored)."""
    rows = result.rows
    records = [row.to_record() for row in rows]
    frame = rows_frame(records)
    merged = [(row, record) for row, record in zip(rows, records, strict=True) if not record["flagged"]]
    flagged = [(row, record) for row, record in zip(rows, records, strict=True) if record["flagged"]]
    return [
        _ledger_table("汇总台账", merged, plan, with_problems=False, caption=merged_title(result)),
        _ledger_table("待核实", flagged, plan, with_problems=True),
        _frame_table("分类统计", category_table(frame, plan), CATEGORY_HEADERS),
        *([baseline_sheet(result.baseline, plan)] if result.baseline else []),
        _frame_table("盟市统计", city_table(frame, plan), city_headers(), frozenset({"rate"})),
        department_sheet(frame, plan),
        _frame_table("国有企业", soe_table(frame, plan), soe_headers()),
        _findings_table(result),
        _submissions_table(result),
        _changes_table(result),
    ]


def merged_workbook(result: MergeResult, plan: Plan) -> bytes:
    """The merged workbook's file content (written by the caller, with ``atomic_write``)."""
    return tables_workbook(merged_tables(result, plan), merged_title(result))


def write_merged_workbook(result: MergeResult, plan: Plan, path: Path) -> None:
    """Write the merged workbook to ``path`` atomically (a reader never sees half a file)."""
    content = merged_workbook(result, plan)
    with atomic_write(path) as temp:
        temp.write_bytes(content)
