"""Writing the merged workbook (汇总台账_2022-W38.xlsx) the office opens in Excel/WPS.

Seven sheets: the merged ledger, the rows to check with their problems, the reconciliation by
task and reason, progress per 盟市, the pending procedures per department, every finding, and
who sent what. Every data row of every readable ledger is in one of the first two sheets with
its source file and row. Ledger text goes through ``cells.write_value``, so nothing a 盟市
typed becomes a formula.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kuangquan_cli.atomic import save_workbook_atomically
from kuangquan_cli.cells import write_value
from kuangquan_cli.merge import STATUS_TEXT, MergedRow, MergeResult, SourceFile, rows_frame
from kuangquan_cli.plan import Plan
from kuangquan_cli.reference import divisions, field_by_name, fields
from kuangquan_cli.summary_tables import category_table, city_table, department_table

if TYPE_CHECKING:
    import pandas as pd

SOURCE_HEADERS = ("来源文件", "来源行")
PROBLEMS_HEADER = "问题"
MISSING_TEXT = "未报送"
SEVERITY_TEXT = {"error": "错误", "warning": "警告"}
_DATE_FORMAT = "yyyy-mm-dd"
_PERCENT_FORMAT = "0.0%"
_MIN_WIDTH, _MAX_WIDTH, _WIDTH_SAMPLE = 6, 60, 300


@dataclass
class Table:
    """One sheet's content: headers, rows of values, and which columns hold percentages."""

    title: str
    headers: Sequence[str]
    rows: list[list[Any]]
    percent: frozenset[str] = frozenset()


def _display_width(value: Any) -> int:
    if isinstance(value, date):
        return 10
    text = "" if value is None else str(value)
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _widths(table: Table) -> list[float]:
    widths = []
    for index, header in enumerate(table.headers):
        sample = [row[index] for row in table.rows[:_WIDTH_SAMPLE]]
        widest = max([_display_width(header), *map(_display_width, sample)])
        widths.append(min(max(widest + 2, _MIN_WIDTH), _MAX_WIDTH))
    return widths


def _write_sheet(book: Any, table: Table) -> None:
    """A sheet with a bold frozen header row, an auto-filter, fitted widths and cell formats."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    ws = book.create_sheet(table.title)
    for index, width in enumerate(_widths(table), start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(table.headers))}{len(table.rows) + 1}"
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    header_cells = []
    for header in table.headers:
        cell = WriteOnlyCell(ws, value=header)
        cell.font, cell.fill, cell.alignment = bold, fill, Alignment(wrap_text=True, vertical="center")
        header_cells.append(cell)
    ws.append(header_cells)
    percent = [h in table.percent for h in table.headers]
    for values in table.rows:
        cells = []
        for value, is_percent in zip(values, percent, strict=True):
            cell = WriteOnlyCell(ws)
            write_value(cell, value)
            if isinstance(value, date):
                cell.number_format = _DATE_FORMAT
            elif is_percent:
                cell.number_format = _PERCENT_FORMAT
            cells.append(cell)
        ws.append(cells)


def _cell_value(name: str, value: Any, plan: Plan) -> Any:
    if name == "task" and value is not None:
        return plan.task(value).label
    if isinstance(value, tuple):
        return "、".join(value) or None
    return value


def _ledger_values(row: MergedRow, plan: Plan) -> list[Any]:
    """The row's field values as the sheet shows them; a cell that could not be read keeps the
    text the 盟市 typed (taken from its finding), so a flagged row loses nothing."""
    record = row.to_record()
    typed = {f.field: f.value for f in row.findings if f.field and f.value is not None}
    values = []
    for f in fields():
        value = _cell_value(f.name, record[f.name], plan)
        values.append(typed.get(f.name) if value is None else value)
    return values


def _problems(row: MergedRow) -> str:
    return "；".join(
        f"{f.cell or f.column or '整个文件'}{'' if f.is_error else '（警告）'}：{f.message}" for f in row.findings
    )


def _ledger_table(title: str, rows: list[MergedRow], plan: Plan, with_problems: bool) -> Table:
    headers = [*SOURCE_HEADERS, *([PROBLEMS_HEADER] if with_problems else []), *(f.header for f in fields())]
    lines = [
        [row.source.file, row.record.row, *([_problems(row)] if with_problems else []), *_ledger_values(row, plan)]
        for row in rows
    ]
    return Table(title, headers, lines)


def _frame_table(title: str, frame: pd.DataFrame, percent: frozenset[str] = frozenset()) -> Table:
    import pandas as pd

    rows = [[None if pd.isna(v) else v for v in line] for line in frame.itertuples(index=False)]
    return Table(title, list(frame.columns), rows, percent)


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
    flagged = result.flagged_by_file()

    def line(city: str | None, source: SourceFile) -> list[Any]:
        r = source.result
        return [city, source.file, len(r.records), flagged[source.file], r.errors, r.warnings,
                STATUS_TEXT[source.status], source.reason]

    rows: list[list[Any]] = []
    for city in divisions().cities:
        sent = [s for s in result.sources if s.named_city == city]
        rows += [line(city, s) for s in sent] or [[city, None, 0, 0, 0, 0, MISSING_TEXT, None]]
    rows += [line(None, s) for s in result.sources if s.named_city is None]
    return Table("报送情况", headers, rows)


def merged_tables(result: MergeResult, plan: Plan) -> list[Table]:
    """The seven sheets of the merged workbook, in order."""
    rows = result.rows
    frame = rows_frame([row.to_record() for row in rows])
    return [
        _ledger_table("汇总台账", [r for r in rows if not r.flagged], plan, with_problems=False),
        _ledger_table("待核实", [r for r in rows if r.flagged], plan, with_problems=True),
        _frame_table("分类统计", category_table(frame, plan)),
        _frame_table("盟市统计", city_table(frame, plan), frozenset({"完成率"})),
        _frame_table("部门手续清单", department_table(frame, plan)),
        _findings_table(result),
        _submissions_table(result),
    ]


def write_merged_workbook(result: MergeResult, plan: Plan, path: Path) -> None:
    """Write the merged workbook to ``path`` atomically (a reader never sees half a file)."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    for table in merged_tables(result, plan):
        _write_sheet(book, table)
    save_workbook_atomically(book, path)
