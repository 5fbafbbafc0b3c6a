"""Writing ledgers as the 盟市 send them: an xlsx with title, 填报单位 line, header, rows and the
signatures under them, or a CSV saved by WPS. Workbooks carry fixed timestamps and their zip
entries are re-dated, so one seed always gives the same bytes."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from pathlib import Path
from typing import Any
from zipfile import ZIP_DEFLATED, ZipFile, ZipInfo

from kuangquan_cli.reading.addresses import column_letter
from kuangquan_cli.reference.tables import field_by_name, fields
from kuangquan_cli.reference.weeks import week_label
from kuangquan_cli.samples.generation import YEAR, CityBook, Row, week_sunday

#: Written into every workbook's properties and zip entries, so equal content gives equal bytes.
FIXED_TIME = datetime(2022, 9, 25, 18, 0, 0)
TITLE_ROWS = 2  # title and 填报单位 line above the header
_COLUMN_WIDTHS = {"seq": 6, "licence_no": 26, "right_name": 30, "holder": 30, "credit_code": 21, "measures": 40,
                  "progress": 28, "missing": 24, "note": 20, "phone": 14}
_TEXT_FIELDS = ("licence_no", "credit_code", "phone")
_DATE_FORMAT = "yyyy-mm-dd"


def _stamped(archive: bytes) -> bytes:
    """The zip again with every entry dated ``FIXED_TIME``, so equal content gives equal bytes."""
    out = io.BytesIO()
    with ZipFile(io.BytesIO(archive)) as source, ZipFile(out, "w", ZIP_DEFLATED) as target:
        for entry in source.infolist():
            stamped = ZipInfo(entry.filename, FIXED_TIME.timetuple()[:6])
            stamped.compress_type = ZIP_DEFLATED
            target.writestr(stamped, source.read(entry))
    return out.getvalue()


def _save(book: Any, path: Path) -> None:
    """Save without timestamps of "now" (``Workbook.save`` stamps the modified time, zip entries the clock)."""
    from openpyxl.writer.excel import ExcelWriter

    book.properties.created = book.properties.modified = FIXED_TIME
    book.properties.creator = "kq samples"
    buffer = io.BytesIO()
    ExcelWriter(book, ZipFile(buffer, "w", ZIP_DEFLATED)).save()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(_stamped(buffer.getvalue()))


def cell_value(value: Any) -> Any:
    """What goes into the cell: lists joined with 、 as the 盟市 write them, empty lists blank."""
    if isinstance(value, tuple):
        return "、".join(value) or None
    return value


def title_lines(city: str, week: int) -> tuple[str, str]:
    """The title and the 填报单位 line above the header."""
    sunday = week_sunday(week)
    return (f"{city}盘活矿业权工作台账（{YEAR}年第{week}周）",
            f"填报单位：{city}自然资源局　　填报日期：{sunday.year}年{sunday.month}月{sunday.day}日")


def write_workbook(path: Path, book: CityBook) -> Path:
    """The workbook as a 盟市 sends it: title, 填报单位 line, header, rows, signatures."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

    names = [f.name for f in fields()]
    wb = Workbook()
    ws = wb.active
    ws.title = "台账"
    title, unit = title_lines(book.city, book.week)
    ws.append([title])
    ws.append([unit])
    ws.append([f.header for f in fields()])
    for row in book.rows:
        ws.append([cell_value(row[name]) for name in names])
    ws.append([])
    ws.append([f"填表人：{book.filled_by}　审核人：{book.reviewed_by}　联系电话：{book.office_phone}"])

    last = len(names)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=last)
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=last)
    ws["A1"].font = Font(size=16, bold=True)
    ws["A1"].alignment = Alignment(horizontal="center", vertical="center")
    ws.row_dimensions[1].height = 30
    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    header_fill = PatternFill("solid", fgColor="DDEBF7")
    for cell in ws[TITLE_ROWS + 1]:
        cell.font = Font(bold=True)
        cell.fill = header_fill
        cell.border = border
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    formats = {i: _DATE_FORMAT for i, f in enumerate(fields(), start=1) if f.kind == "date"}
    formats.update({field_by_name()[n].letter_index + 1: "@" for n in _TEXT_FIELDS})
    for cells in ws.iter_rows(min_row=TITLE_ROWS + 2, max_row=TITLE_ROWS + 1 + len(book.rows)):
        for cell in cells:
            cell.border = border
            if cell.column in formats:
                cell.number_format = formats[cell.column]
    for f in fields():
        ws.column_dimensions[column_letter(f.letter_index)].width = _COLUMN_WIDTHS.get(f.name, 12)
    ws.freeze_panes = ws.cell(row=TITLE_ROWS + 2, column=1)
    _save(wb, path)
    return path


def ledger_path(out_dir: Path, week: int, city: str) -> Path:
    return out_dir / week_label(YEAR, week) / f"{city}.xlsx"


def write_csv(path: Path, rows: list[Row]) -> None:
    """A ledger saved as CSV by WPS on a Chinese Windows: GBK, header first, CRLF lines."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([f.header for f in fields()])
    for row in rows:
        writer.writerow(["" if (v := cell_value(row[f.name])) is None else v for f in fields()])
    path.write_bytes(buffer.getvalue().encode("gbk"))

