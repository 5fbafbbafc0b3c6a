"""``kq validate --annotate``: a copy of a ledger the 盟市 can correct without reading a report.

The office sends each 盟市 its own workbook back with every problem at the cell that must change:
errors filled red, warnings yellow, the message as an Excel comment, and a first sheet
``校验结果`` listing every finding with a link to its cell. The copy keeps the original's
formatting (openpyxl, not read-only); CSV and .xls inputs, which openpyxl cannot open, are
rebuilt from the values kq read, their columns as wide as their content. The copy prints: the
ledger sheet on A3 and the list on A4, landscape, one page wide, headers on every page (a
ledger sheet whose sender set up its printing keeps that). The input file is only ever read.
"""

from __future__ import annotations

import re
import warnings
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from kuangquan_cli.atomic import refuse_overwrite, save_workbook_atomically
from kuangquan_cli.checking.catalogue import SEVERITY_TEXT
from kuangquan_cli.checking.findings import Finding
from kuangquan_cli.checking.validate import FileResult
from kuangquan_cli.errors import KqError
from kuangquan_cli.outputs.cells import write_value
from kuangquan_cli.outputs.styles import (
    HEADER_FILL,
    LINE_HEIGHT_PT,
    PAPER_A3,
    PAPER_A4,
    has_print_setup,
    lines_height,
    set_up_printing,
    wrapped_lines,
)
from kuangquan_cli.reading.workbook import read_sheets, sniff_kind
from kuangquan_cli.reference.own_files import ANNOTATION_SHEET, annotated_name
from kuangquan_cli.reference.tables import field_by_name
from kuangquan_cli.text import display_width, visible

FILL = {"error": "FFC7CE", "warning": "FFEB9C"}  # Excel's own 差 / 适中 cell styles
COLUMNS = (
    ("序号", 6), ("单元格", 10), ("字段", 16), ("填写内容", 24), ("问题", 50), ("建议", 36), ("代码", 24), ("级别", 6)
)
TABLE_HEADER_ROW = 5
REBUILT_MAX_WIDTH = 40
WRAPPED = (4, 5, 6)  # 填写内容, 问题, 建议
COMMENT_WIDTH_PT = 300
COMMENT_LINE_WIDTH = 44  # in half-width characters, what a 300 pt comment box holds per line


def _header(field: str | None) -> str:
    return field_by_name()[field].header if field else ""


def annotated_path(source: Path, out_dir: Path | None) -> Path:
    """``<name>.校验.xlsx`` beside the input or in ``out_dir`` — never anywhere else."""
    folder = out_dir if out_dir is not None else source.parent
    target = folder / annotated_name(Path(source.name).stem)
    if target.parent.resolve() != folder.resolve():
        raise KqError(f"无法由文件名 {source.name} 生成输出文件名")
    return target


def annotate_files(results: Sequence[FileResult], out_dir: Path | None, force: bool) -> list[Path]:
    """Annotate every readable file; all targets are checked before the first one is written."""
    readable = [r for r in results if r.readable]
    targets = [annotated_path(r.path, out_dir) for r in readable]
    clashes = [t for t, n in Counter(t.resolve() for t in targets).items() if n > 1]
    if clashes:
        names = "、".join(r.file for r, t in zip(readable, targets, strict=True) if t.resolve() == clashes[0])
        raise KqError(f"{names} 的标注副本都会写成 {clashes[0].name}，请分开校验或用 --out 指定不同文件夹")
    for target in targets:
        refuse_overwrite(target, force)
    return [annotate(r, out_dir, force) for r in readable]


def annotate(result: FileResult, out_dir: Path | None = None, force: bool = False) -> Path:
    """Write the annotated copy of one validated file and return its path."""
    target = annotated_path(result.path, out_dir)
    refuse_overwrite(target, force)
    if not result.readable:
        raise KqError(f"{result.file} 无法读取，不能生成标注副本")
    book, rebuilt = _open_copy(result.path)
    placed = _mark_cells(book, result)
    _write_summary(book, result, placed, rebuilt)
    _set_up_ledger_printing(book, result, rebuilt)
    save_workbook_atomically(book, target)
    return target


def _open_copy(path: Path) -> tuple[Any, bool]:
    """The workbook with its formatting, or one rebuilt from kq's reading where openpyxl can't."""
    import openpyxl

    if sniff_kind(path) == "xlsx":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about every extension it drops
            try:
                return openpyxl.load_workbook(path), False
            except Exception:  # noqa: BLE001 — openpyxl fails in many ways on files calamine reads
                pass
    return _rebuild(path), True


def _rebuild(path: Path) -> Any:
    import openpyxl

    book = openpyxl.Workbook()
    book.remove(book.active)
    for sheet in read_sheets(path):
        ws = book.create_sheet(_sheet_title(sheet.name))
        for r, values in enumerate(sheet.rows, start=1):
            for c, value in enumerate(values, start=1):
                if value != "" and value is not None:
                    write_value(ws.cell(r, c), value)
        _fit_columns(ws)
    return book


def _fit_columns(ws: Any) -> None:
    """A rebuilt sheet's columns as wide as their widest cell (up to ``REBUILT_MAX_WIDTH``; longer
    text wraps, its row made tall enough), so that no licence number is cut short."""
    from openpyxl.styles import Alignment
    from openpyxl.utils import get_column_letter

    widths: dict[int, int] = {}
    for line in ws.iter_rows():
        for cell in line:
            if cell.value is not None:
                widths[cell.column] = max(widths.get(cell.column, 0), display_width(str(cell.value)))
    for column, widest in widths.items():
        ws.column_dimensions[get_column_letter(column)].width = min(widest + 2, REBUILT_MAX_WIDTH)
    for line in ws.iter_rows():
        wrapped = [c for c in line if c.value is not None and widths[c.column] + 2 > REBUILT_MAX_WIDTH]
        for cell in wrapped:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        if wrapped:
            lines = max(wrapped_lines(str(c.value), REBUILT_MAX_WIDTH - 1) for c in wrapped)
            ws.row_dimensions[line[0].row].height = lines_height(lines)


def _sheet_title(name: str) -> str:
    """A CSV's sheet is named after its file: keep what Excel allows in a sheet name."""
    return re.sub(r"[\[\]:*?/\\]", "_", name)[:31] or "台账"


# --- marking the ledger -------------------------------------------------------------------


def _anchor(ws: Any, row: int, column: int) -> Any:
    """The cell to mark; inside a merged range that is the range's top-left cell."""
    for merged in ws.merged_cells.ranges:
        if merged.min_row <= row <= merged.max_row and merged.min_col <= column <= merged.max_col:
            return ws.cell(merged.min_row, merged.min_col)
    return ws.cell(row, column)


def _cell_of(finding: Finding, result: FileResult, book: Any) -> Any | None:
    """The worksheet cell a finding belongs to; a whole-row finding sits on the row's first cell."""
    from openpyxl.utils import column_index_from_string

    if finding.row is None:
        return None
    ws = book[_sheet_title(finding.sheet or result.sheet or "")]
    if finding.column:
        column = column_index_from_string(finding.column)
    else:
        column = min(result.columns.values(), default=0) + 1
    return _anchor(ws, finding.row, column)


def _mark_cells(book: Any, result: FileResult) -> dict[int, Any]:
    """Fill and comment every cell with findings; returns finding index → marked cell."""
    placed: dict[int, Any] = {}
    by_cell: dict[Any, list[Finding]] = defaultdict(list)
    for index, finding in enumerate(result.findings):
        cell = _cell_of(finding, result, book)
        if cell is not None:
            placed[index] = cell
            by_cell[cell].append(finding)
    for cell, found in by_cell.items():
        _mark(cell, found)
    return placed


def _mark(cell: Any, found: list[Finding]) -> None:
    from openpyxl.comments import Comment
    from openpyxl.styles import PatternFill

    worst = "error" if any(f.is_error for f in found) else "warning"
    cell.fill = PatternFill("solid", fgColor=FILL[worst])
    lines = [f"【{SEVERITY_TEXT[f.severity]}】{f.message}\n建议：{f.advice}" for f in found]
    if cell.comment is not None:
        lines.append(f"——原批注——\n{cell.comment.text}")
    text = visible("\n".join(lines))
    cell.comment = Comment(text, "kq", width=COMMENT_WIDTH_PT, height=_comment_height(text))


def _comment_height(text: str) -> int:
    return 20 + LINE_HEIGHT_PT * wrapped_lines(text, COMMENT_LINE_WIDTH)


# --- the 校验结果 sheet ---------------------------------------------------------------------


def cell_link(sheet: str, coordinate: str) -> str:
    """An in-workbook link target such as ``'台账'!J17`` (quotes doubled inside the name)."""
    return "'{}'!{}".format(sheet.replace("'", "''"), coordinate)


def _write_summary(book: Any, result: FileResult, placed: dict[int, Any], rebuilt: bool) -> None:
    from openpyxl.styles import Alignment, Font

    if ANNOTATION_SHEET in book.sheetnames:  # annotating an annotated copy: replace the old list
        book.remove(book[ANNOTATION_SHEET])
    ws = book.create_sheet(ANNOTATION_SHEET, 0)
    for other in book.worksheets:
        other.sheet_view.tabSelected = False
    ws.sheet_view.tabSelected = True
    book.active = 0
    write_value(ws["A1"], f"{result.file} 校验结果")
    ws["A1"].font = Font(bold=True, size=14)
    write_value(ws["A2"], _overview(result))
    ws["A3"] = _how_to_read(rebuilt)
    for row in (2, 3):
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=len(COLUMNS))
        ws.cell(row, 1).alignment = Alignment(wrap_text=True, vertical="top")
    ws.row_dimensions[3].height = 32
    _table(ws, _ordered(result, placed))
    set_up_printing(ws, PAPER_A4, TABLE_HEADER_ROW)  # printed for the meeting: one page wide


def _set_up_ledger_printing(book: Any, result: FileResult, rebuilt: bool) -> None:
    """The ledger sheet prints on A3 with its header on every page, unless its sender set up
    its printing (the copy keeps the sender's formatting)."""
    ws = book[_sheet_title(result.sheet)] if result.sheet else None
    if ws is not None and (rebuilt or not has_print_setup(ws)):
        set_up_printing(ws, PAPER_A3, result.header_row)


def _overview(result: FileResult) -> str:
    parts = [
        f"盟市：{result.city or '未能确定'}",
        f"工作表：{result.sheet or '未找到台账'}",
        f"表头：第 {result.header_row} 行" if result.header_row else "",
        f"数据 {len(result.records)} 行",
        f"错误 {result.errors} 处",
        f"警告 {result.warnings} 处",
    ]
    return "　".join(p for p in parts if p)


def _how_to_read(rebuilt: bool) -> str:
    text = "红色单元格为错误，须改正后重新报送；黄色为警告，请核实。单元格批注写明了问题；点击「单元格」列可跳到该处。"
    if rebuilt:
        text += "原文件不是 .xlsx 工作簿（或无法保留格式），本副本按读取到的数值重建，原有格式未保留。"
    return text


def _ordered(result: FileResult, placed: dict[int, Any]) -> list[tuple[Finding, Any | None]]:
    """File-level findings first, then by row and column, as the 盟市 will work through them."""
    pairs = [(f, placed.get(i)) for i, f in enumerate(result.findings)]
    return sorted(pairs, key=lambda p: (p[1] is not None, p[1].row if p[1] else 0, p[1].column if p[1] else 0))


def _table(ws: Any, rows: Iterable[tuple[Finding, Any | None]]) -> None:
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    for col, (title, width) in enumerate(COLUMNS, start=1):
        head = ws.cell(TABLE_HEADER_ROW, col, title)
        head.font = Font(bold=True)
        head.fill = PatternFill("solid", fgColor=HEADER_FILL)
        ws.column_dimensions[get_column_letter(col)].width = width
    number = 0
    for number, (finding, cell) in enumerate(rows, start=1):
        _table_row(ws, TABLE_HEADER_ROW + number, number, finding, cell)
    if number == 0:
        ws.cell(TABLE_HEADER_ROW + 1, 1, "未发现问题")
    ws.freeze_panes = ws.cell(TABLE_HEADER_ROW + 1, 1)
    ws.auto_filter.ref = f"A{TABLE_HEADER_ROW}:{get_column_letter(len(COLUMNS))}{TABLE_HEADER_ROW + max(number, 1)}"


def _table_row(ws: Any, r: int, number: int, finding: Finding, cell: Any | None) -> None:
    """One finding: where (a link to the marked cell), what, what to do, code and level."""
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.hyperlink import Hyperlink

    ws.cell(r, 1, number)
    where = ws.cell(r, 2)
    if cell is None:
        where.value = "整个文件"
    else:
        where.value = cell.coordinate if finding.column else f"第 {finding.row} 行"
        where.hyperlink = Hyperlink(ref=where.coordinate, location=cell_link(cell.parent.title, cell.coordinate))
        where.font = Font(color="0563C1", underline="single")
    write_value(ws.cell(r, 3), _header(finding.field))
    write_value(ws.cell(r, 4), finding.value)
    write_value(ws.cell(r, 5), finding.message)
    write_value(ws.cell(r, 6), finding.advice)
    ws.cell(r, 7, finding.code)
    ws.cell(r, 8, SEVERITY_TEXT[finding.severity]).fill = PatternFill("solid", fgColor=FILL[finding.severity])
    for col in range(1, len(COLUMNS) + 1):
        ws.cell(r, col).alignment = Alignment(wrap_text=col in WRAPPED, vertical="top")
    lines = max(wrapped_lines(str(ws.cell(r, col).value or ""), COLUMNS[col - 1][1]) for col in WRAPPED)
    ws.row_dimensions[r].height = lines_height(lines)
