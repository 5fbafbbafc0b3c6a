"""Writing the merged workbook (汇总台账_2022-W38.xlsx) the office opens in Excel/WPS.

Nine sheets: the merged ledger, the rows to check with their problems, the reconciliation by
task and reason, progress per 盟市, the pending procedures per department, the state-owned
enterprises' rights, every finding, who sent what, and what changed since the week stored before,
right by right; once a baseline is stored, a tenth after the reconciliation: the check against
it. Every data row of every readable ledger is in one of the first two sheets with its source
file and row. Ledger text goes through ``text.visible`` and is written as a string, so nothing a
盟市 typed becomes a formula.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
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
)
from kuangquan_cli.outputs.cells import looks_like_formula
from kuangquan_cli.outputs.styles import DATE_FORMAT, HEADER_FILL
from kuangquan_cli.reference.own_files import DERIVED_TASK_HEADER, PROBLEMS_HEADER, SOURCE_HEADERS
from kuangquan_cli.reference.plan import Plan
from kuangquan_cli.reference.tables import field_by_name, fields
from kuangquan_cli.reference.vocabulary import CANNOT_RESUME
from kuangquan_cli.text import display_width, visible

if TYPE_CHECKING:
    import pandas as pd
    from xlsxwriter.format import Format
    from xlsxwriter.workbook import Workbook
    from xlsxwriter.worksheet import Worksheet

_PERCENT_FORMAT = "0.0%"
_MIN_WIDTH, _MAX_WIDTH, _WIDTH_SAMPLE = 6, 60, 300
#: Text is written with ``write_string`` only; should a generic ``write`` ever be used, these still
#: keep XlsxWriter from turning ledger text into a formula, a link or a number. ``constant_memory``:
#: each row goes to a temporary file as soon as the next one starts, so a region's 300,000 rows
#: cost one row's memory (kept in memory, XlsxWriter's cells were half of a merge's peak); the
#: price is text stored in each cell rather than in one shared table (a somewhat larger file).
_WORKBOOK_OPTIONS = {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
                     "strings_to_numbers": False}


@dataclass
class Table:
    """One sheet's content: headers, rows of values, and which columns hold percentages."""

    title: str
    headers: Sequence[str]
    rows: list[list[Any]]
    percent: frozenset[str] = frozenset()


@dataclass
class StackedSheet:
    """A sheet of several tables one below the other, each under its caption; the last one
    (the longest) gets the auto-filter."""

    title: str
    blocks: list[tuple[str, Table]]


def _display_width(value: Any) -> int:
    if isinstance(value, date):
        return 10
    return 0 if value is None else display_width(str(value))


def _widths(table: Table) -> list[float]:
    widths: list[float] = []
    for index, header in enumerate(table.headers):
        sample = [row[index] for row in table.rows[:_WIDTH_SAMPLE]]
        widest = max([_display_width(header), *map(_display_width, sample)])
        widths.append(min(max(widest + 2, _MIN_WIDTH), _MAX_WIDTH))
    return widths


@dataclass(frozen=True)
class Formats:
    """The workbook's cell formats, made once: XlsxWriter wants each registered with the book."""

    header: Format
    date: Format
    percent: Format
    quoted: Format
    caption: Format

    @classmethod
    def of(cls, book: Workbook) -> Formats:
        return cls(
            header=book.add_format({"bold": True, "pattern": 1, "bg_color": f"#{HEADER_FILL}", "text_wrap": True,
                                    "valign": "vcenter"}),
            date=book.add_format({"num_format": DATE_FORMAT}),
            percent=book.add_format({"num_format": _PERCENT_FORMAT}),
            quoted=book.add_format({"quote_prefix": True}),
            caption=book.add_format({"bold": True}),
        )


def _write_sheet(book: Workbook, formats: Formats, table: Table) -> None:
    """A sheet with a bold frozen header row, an auto-filter, fitted widths and cell formats."""
    ws = book.add_worksheet(table.title)
    for index, width in enumerate(_widths(table)):
        ws.set_column(index, index, width)
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, len(table.rows), len(table.headers) - 1)
    for col, header in enumerate(table.headers):
        ws.write_string(0, col, header, formats.header)
    percent = {col for col, header in enumerate(table.headers) if header in table.percent}
    for row, values in enumerate(table.rows, start=1):
        for col, value in enumerate(values):
            if value is not None:
                _write_cell(ws, formats, row, col, value, col in percent)


def _write_stacked(book: Workbook, formats: Formats, sheet: StackedSheet) -> None:
    """The tables of ``sheet`` one below the other, a blank row between them; widths fit them all."""
    ws = book.add_worksheet(sheet.title)
    widths: dict[int, float] = {}
    for _, table in sheet.blocks:
        for index, width in enumerate(_widths(table)):
            widths[index] = max(widths.get(index, 0), width)
    for index, width in widths.items():
        ws.set_column(index, index, width)
    row = 0
    for number, (caption, table) in enumerate(sheet.blocks):
        ws.write_string(row, 0, caption, formats.caption)
        header_row = row + 1
        for col, header in enumerate(table.headers):
            ws.write_string(header_row, col, header, formats.header)
        for offset, values in enumerate(table.rows, start=1):
            for col, value in enumerate(values):
                if value is not None:
                    _write_cell(ws, formats, header_row + offset, col, value, False)
        if number == len(sheet.blocks) - 1:
            ws.autofilter(header_row, 0, header_row + len(table.rows), len(table.headers) - 1)
        row = header_row + len(table.rows) + 2


def _write_cell(ws: Worksheet, formats: Formats, row: int, col: int, value: Any, is_percent: bool) -> None:
    """Text always as a string (never a formula, whatever it starts with), dates and percentages
    with their number formats, other values as numbers."""
    if isinstance(value, str):
        text = visible(value)
        ws.write_string(row, col, text, formats.quoted if looks_like_formula(text) else None)
    elif isinstance(value, date):
        ws.write_datetime(row, col, value, formats.date)
    else:
        ws.write_number(row, col, value, formats.percent if is_percent else None)


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
    title: str, rows: list[tuple[MergedRow, dict[str, Any]]], plan: Plan, with_problems: bool
) -> Table:
    """A sheet of merged rows, each given with its ``to_record`` dict (made once for the frame too)."""
    names = [f.name for f in fields()]
    headers = [f.header for f in fields()]
    if with_problems:
        headers.insert(names.index("task") + 1, DERIVED_TASK_HEADER)
    headers = [*SOURCE_HEADERS, *([PROBLEMS_HEADER] if with_problems else []), *headers]
    return Table(title, headers, [_ledger_line(row, record, names, plan, with_problems) for row, record in rows])


def _frame_table(title: str, frame: pd.DataFrame, headers: dict[str, str], percent: frozenset[str] = frozenset()
                 ) -> Table:
    """A summary table under its Chinese headers (``headers``: column key → header)."""
    import pandas as pd

    rows = [[None if pd.isna(v) else v for v in line] for line in frame.itertuples(index=False)]
    return Table(title, [headers[key] for key in frame.columns], rows, frozenset(headers[key] for key in percent))


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
    """报送情况: each 盟市 in order with the file(s) it sent, or 未报送; unknown files last."""
    headers = ["盟市", "文件", "行数", "待核实行数", "错误", "警告", "状态", "说明"]
    rows: list[list[Any]] = [
        [s.city, s.file, s.rows, s.flagged, s.errors, s.warnings, s.text.merge, s.note]
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


def _task_text(task: int | None, plan: Plan) -> str:
    return plan.task(task).label if task is not None else "未确定"


def _right_text(right: BaselineRight | None, plan: Plan) -> str | None:
    """A right's 盟市, task and reason in one cell: ``包头市，（四），缺少手续``."""
    if right is None:
        return None
    return "，".join([right.city or "盟市不明", _task_text(right.task, plan), right.reason or "原因未填"])


def _field_text(name: str, right: BaselineRight, plan: Plan) -> str | None:
    value = getattr(right, name)
    return _task_text(value, plan) if name == "task" else value


def baseline_sheet(check: BaselineCheck, plan: Plan) -> StackedSheet:
    """底数核对: per 盟市 × task the baseline's count beside this week's (a 盟市 not sent has none),
    then one row per right that is missing, outside the baseline or differs from it."""
    info = check.info
    note = f"；说明：{info.note}" if info.note else ""
    tally = check.tally()
    caption = (f"底数第 {info.version} 版（{info.created_at.replace('T', ' ')} 存入，取自 {info.source}，"
               f"{info.rights} 个矿业权{note}）")
    counts = Table("", ["盟市", "任务", "底数", "本周", "差额", "说明"], [
        [c.city, _task_text(c.task, plan) if c.task is not None else CANNOT_RESUME, c.baseline, c.ledger, c.diff,
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


def merged_tables(result: MergeResult, plan: Plan) -> list[Table | StackedSheet]:
    """The sheets of the merged workbook, in order (底数核对 only when a baseline is stored)."""
    rows = result.rows
    records = [row.to_record() for row in rows]
    frame = rows_frame(records)
    merged = [(row, record) for row, record in zip(rows, records, strict=True) if not record["flagged"]]
    flagged = [(row, record) for row, record in zip(rows, records, strict=True) if record["flagged"]]
    return [
        _ledger_table("汇总台账", merged, plan, with_problems=False),
        _ledger_table("待核实", flagged, plan, with_problems=True),
        _frame_table("分类统计", category_table(frame, plan), CATEGORY_HEADERS),
        *([baseline_sheet(result.baseline, plan)] if result.baseline else []),
        _frame_table("盟市统计", city_table(frame, plan), city_headers(), frozenset({"rate"})),
        _frame_table("部门手续清单", department_table(frame, plan), department_headers()),
        _frame_table("国有企业", soe_table(frame, plan), soe_headers()),
        _findings_table(result),
        _submissions_table(result),
        _changes_table(result),
    ]


def merged_workbook(result: MergeResult, plan: Plan) -> bytes:
    """The merged workbook's file content.

    XlsxWriter (a region's hundred thousand cells in a quarter of the time openpyxl took) packs
    it into memory, so the only file operation is the caller's: with ``atomic_write``, whose
    message says why a write failed (XlsxWriter's own error would hide the cause).
    """
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, _WORKBOOK_OPTIONS)
    formats = Formats.of(book)
    for sheet in merged_tables(result, plan):
        if isinstance(sheet, StackedSheet):
            _write_stacked(book, formats, sheet)
        else:
            _write_sheet(book, formats, sheet)
    book.close()
    return buffer.getvalue()


def write_merged_workbook(result: MergeResult, plan: Plan, path: Path) -> None:
    """Write the merged workbook to ``path`` atomically (a reader never sees half a file)."""
    content = merged_workbook(result, plan)
    with atomic_write(path) as temp:
        temp.write_bytes(content)
