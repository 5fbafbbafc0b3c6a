"""Workbooks of tables, written with XlsxWriter and set up to be printed.

The merged workbook, and the department lists and index of ``kq pack``, are sheets of tables.
Each sheet is written here the same way, so a sheet that any of them adds prints as well as the
others: landscape, one page wide, the header row repeated on every page, page numbers in the
footer, gridlines printed, long text wrapped (each row made as tall as its text: neither Excel
nor LibreOffice sizes rows on opening), number columns and their headers aligned right, and an
empty table hidden (it would print a page of bare headers). Ledger text goes through
``text.visible`` and is written as a string, so nothing a 盟市 typed becomes a formula.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from typing import TYPE_CHECKING, Any

from kuangquan_cli.outputs.cells import looks_like_formula
from kuangquan_cli.outputs.styles import (
    DATE_FORMAT,
    HEADER_FILL,
    LINE_HEIGHT_PT,
    PAGE_FOOTER,
    lines_height,
    wrapped_lines,
)
from kuangquan_cli.text import display_width, visible

if TYPE_CHECKING:
    from xlsxwriter.format import Format
    from xlsxwriter.workbook import Workbook
    from xlsxwriter.worksheet import Worksheet

#: XlsxWriter's paper sizes.
A4, A3 = 9, 8
_PERCENT_FORMAT = "0.0%"
#: Column widths (in Excel's units, about one Latin letter each; a Chinese character takes two).
#: Each column is first as wide as its widest text, up to ``_MAX_WIDTH`` (longer text wraps). A
#: table wider than its paper (``_PAGE_WIDTH``: what a landscape page holds at full size) is
#: printed smaller, or narrowed: a text column wider than ``_WRAP_WIDTH`` then wraps in a width
#: where most of its text (``_TYPICAL``) takes ``_LINES`` lines. Of the two, the one printing on
#: fewer pages is taken, unless its print would be smaller than ``_MIN_SCALE`` (a ledger of 30
#: columns is narrowed: at its full widths it would print at a third of its size on A3; a list of
#: names is printed smaller rather than each name broken over three lines). All-ASCII text (a
#: licence number, a code) has no place to break and keeps its width. A header counts up to
#: ``_HEADER_WIDTH`` and wraps beyond it.
_MIN_WIDTH, _WRAP_WIDTH, _MAX_WIDTH, _HEADER_WIDTH = 6, 12, 40, 8
_TYPICAL, _LINES = 0.8, 3
_PAGE_WIDTH = {A4: 140, A3: 200}
_MIN_SCALE = 0.5
#: What a portrait A4 page holds at full size.
_PORTRAIT_WIDTH = 92
#: Widths are taken from the first rows only: a region's 300,000 rows would cost seconds.
_WIDTH_SAMPLE = 300
#: Text is written with ``write_string`` only; should a generic ``write`` ever be used, these still
#: keep XlsxWriter from turning ledger text into a formula, a link or a number. ``constant_memory``:
#: each row goes to a temporary file as soon as the next one starts, so a region's 300,000 rows
#: cost one row's memory (kept in memory, XlsxWriter's cells were half of a merge's peak); the
#: price is text stored in each cell rather than in one shared table (a somewhat larger file).
_WORKBOOK_OPTIONS = {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
                     "strings_to_numbers": False}


@dataclass
class Table:
    """One sheet's content: headers, rows of values, and which columns hold percentages.

    ``caption``: a title line above the header (printed on the first page; the header is
    printed on every page). ``paper``: ``A4`` or ``A3``, printed landscape. ``one_page``: a form
    printed on one portrait page (a 反馈单), its last column as wide as the page leaves it.
    """

    title: str
    headers: Sequence[str]
    rows: list[list[Any]]
    percent: frozenset[str] = frozenset()
    caption: str | None = None
    paper: int = A4
    one_page: bool = False

    @property
    def header_row(self) -> int:
        return 1 if self.caption else 0

    @property
    def empty(self) -> bool:
        return not self.rows


@dataclass
class StackedSheet:
    """A sheet of several tables one below the other, each under its caption (the check against
    the baseline); the last one (the longest) gets the auto-filter."""

    title: str
    blocks: list[tuple[str, Table]]
    paper: int = A4

    @property
    def empty(self) -> bool:
        return all(table.empty for _, table in self.blocks)


def _display_width(value: Any) -> int:
    if isinstance(value, date):
        return 10
    if isinstance(value, float):  # shown with a number format (42.3%), not as Python writes it
        return 8
    return 0 if value is None else display_width(str(value))


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


@dataclass(frozen=True)
class Column:
    """How one column is laid out, judged from its header and its first rows."""

    width: float
    numeric: bool
    wrapped: bool


def _column(header: str, sample: list[Any], narrow: bool) -> Column:
    widths = sorted(map(_display_width, sample))
    widest = max([min(display_width(header), _HEADER_WIDTH), *widths]) + 1
    numeric = bool(sample) and all(map(_is_number, sample))
    limit = _MAX_WIDTH
    if narrow and not all(str(value).isascii() for value in sample):
        typical = widths[int(_TYPICAL * (len(widths) - 1))]
        limit = min(max(_WRAP_WIDTH, math.ceil(typical / _LINES) + 1), _MAX_WIDTH)
    return Column(min(max(widest, _MIN_WIDTH), limit), numeric, widest > limit)


def columns(table: Table) -> list[Column]:
    """Each column's width (fitted to its content; wider text wraps, narrower where the table is
    too wide for its paper), and whether it holds numbers (aligned right, header too)."""
    samples = [[row[index] for row in table.rows[:_WIDTH_SAMPLE] if row[index] is not None]
               for index in range(len(table.headers))]
    laid_out = [_column(header, sample, False) for header, sample in zip(table.headers, samples, strict=True)]
    if table.one_page:
        *fixed, last = laid_out
        width = max(_PORTRAIT_WIDTH - sum(c.width for c in fixed), _WRAP_WIDTH)
        return [*fixed, Column(width, last.numeric, True)]
    if sum(c.width for c in laid_out) <= _PAGE_WIDTH[table.paper]:
        return laid_out
    narrowed = [_column(header, sample, True) for header, sample in zip(table.headers, samples, strict=True)]
    legible = [c for c in (laid_out, narrowed) if _scale(c, table.paper) >= _MIN_SCALE]
    if not legible:
        return narrowed
    return min(legible, key=lambda candidate: _printed_height(table, candidate))


def _scale(laid_out: list[Column], paper: int) -> float:
    """How much smaller than full size the columns print, one page wide."""
    return min(1.0, _PAGE_WIDTH[paper] / sum(c.width for c in laid_out))


def _printed_height(table: Table, laid_out: list[Column]) -> float:
    """The printed height of the table's first rows (what the page count goes by)."""
    lines = sum(_row_lines(row, laid_out) for row in table.rows[:_WIDTH_SAMPLE])
    return lines * _scale(laid_out, table.paper)


class Formats:
    """The workbook's cell formats, each registered with the book once, when first needed."""

    def __init__(self, book: Workbook) -> None:
        self.book = book
        self._made: dict[tuple[tuple[str, Any], ...], Format] = {}
        self._text: dict[tuple[bool, bool], Format] = {}

    def get(self, **properties: Any) -> Format:
        key = tuple(sorted(properties.items()))
        if key not in self._made:
            self._made[key] = self.book.add_format(properties)
        return self._made[key]

    def header(self, numeric: bool) -> Format:
        return self.get(bold=True, pattern=1, bg_color=f"#{HEADER_FILL}", text_wrap=True, valign="vcenter",
                        align="right" if numeric else "left")

    @cached_property
    def caption(self) -> Format:
        return self.get(bold=True, font_size=16, align="center", valign="vcenter")

    @cached_property
    def block_caption(self) -> Format:
        return self.get(bold=True)

    @cached_property
    def date(self) -> Format:
        return self.get(num_format=DATE_FORMAT, valign="top")

    @cached_property
    def percent(self) -> Format:
        return self.get(num_format=_PERCENT_FORMAT, valign="top")

    @cached_property
    def number(self) -> Format:
        return self.get(valign="top")

    def text(self, wrapped: bool, quoted: bool) -> Format:
        """Called for every text cell: looked up by its two flags, not by its properties."""
        found = self._text.get((wrapped, quoted))
        if found is None:
            found = self._text[wrapped, quoted] = self.get(valign="top", text_wrap=wrapped, quote_prefix=quoted)
        return found


def _header_lines(table: Table, laid_out: list[Column]) -> int:
    return max((wrapped_lines(h, c.width) for h, c in zip(table.headers, laid_out, strict=True)), default=1)


def _row_lines(values: list[Any], laid_out: list[Column]) -> int:
    """Lines the row's tallest wrapped cell takes (a short text is not measured: most are short)."""
    lines = 1
    for index, column in enumerate(laid_out):
        value = values[index]
        if column.wrapped and isinstance(value, str) and (2 * len(value) > column.width or "\n" in value):
            lines = max(lines, wrapped_lines(value, column.width))
    return lines


def _print_setup(ws: Worksheet, paper: int, repeated: int | None, heading: str, one_page: bool = False) -> None:
    """Landscape, one page wide and as many long as needed, row ``repeated`` (the header) on every
    page; or, for a form (``one_page``), portrait on one page."""
    if one_page:
        ws.set_portrait()
    else:
        ws.set_landscape()
    ws.set_paper(paper)
    ws.fit_to_pages(1, 1 if one_page else 0)
    if repeated is not None:
        ws.repeat_rows(repeated)
    ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    ws.set_header(f"&L{heading.replace('&', '&&')}&R&A", {"margin": 0.25})
    ws.set_footer(PAGE_FOOTER, {"margin": 0.25})
    ws.hide_gridlines(0)
    ws.center_horizontally()


def _write_table(ws: Worksheet, formats: Formats, table: Table, laid_out: list[Column], first: int) -> None:
    """The table's header in row ``first`` and its rows below, each as tall as its wrapped text."""
    ws.set_row(first, lines_height(_header_lines(table, laid_out)))
    for col, (header, column) in enumerate(zip(table.headers, laid_out, strict=True)):
        ws.write_string(first, col, header, formats.header(column.numeric))
    percent = {col for col, header in enumerate(table.headers) if header in table.percent}
    for row, values in enumerate(table.rows, start=first + 1):
        lines = _row_lines(values, laid_out)
        if lines > 1:
            ws.set_row(row, lines_height(lines))
        for col, value in enumerate(values):
            if value is not None:
                _write_cell(ws, formats, row, col, value, col in percent, laid_out[col].wrapped)


def _write_sheet(book: Workbook, formats: Formats, table: Table, heading: str) -> Worksheet:
    """A sheet with an optional caption, a bold frozen header row with an auto-filter, fitted
    widths, wrapped long text and the print setup."""
    ws = book.add_worksheet(table.title)
    laid_out = columns(table)
    for index, column in enumerate(laid_out):
        ws.set_column(index, index, column.width)
    first = table.header_row
    _print_setup(ws, table.paper, first, heading, table.one_page)
    ws.freeze_panes(first + 1, 0)
    ws.autofilter(first, 0, first + len(table.rows), len(table.headers) - 1)
    if table.caption:
        ws.set_row(0, 2 * LINE_HEIGHT_PT)
        ws.merge_range(0, 0, 0, max(len(table.headers) - 1, 1), visible(table.caption), formats.caption)
    _write_table(ws, formats, table, laid_out, first)
    return ws


def _stacked_columns(sheet: StackedSheet) -> list[list[Column]]:
    """Each block's columns, as wide as the widest of the blocks' (they share the sheet's columns)."""
    layouts = [columns(table) for _, table in sheet.blocks]
    shared: dict[int, Column] = {}
    for laid_out in layouts:
        for index, column in enumerate(laid_out):
            known = shared.get(index, column)
            shared[index] = Column(max(known.width, column.width), False, known.wrapped or column.wrapped)
    return [[Column(shared[i].width, c.numeric, shared[i].wrapped) for i, c in enumerate(laid_out)]
            for laid_out in layouts]


def _write_stacked(book: Workbook, formats: Formats, sheet: StackedSheet, heading: str) -> Worksheet:
    """The tables of ``sheet`` one below the other, each under its caption, a blank row between
    them, set up for printing (no header repeats: each table has its own)."""
    ws = book.add_worksheet(sheet.title)
    layouts = _stacked_columns(sheet)
    widest: list[Column] = max(layouts, key=lambda laid_out: len(laid_out)) if layouts else []
    for index, column in enumerate(widest):
        ws.set_column(index, index, column.width)
    _print_setup(ws, sheet.paper, None, heading)
    row = 0
    for number, ((caption, table), laid_out) in enumerate(zip(sheet.blocks, layouts, strict=True)):
        ws.write_string(row, 0, visible(caption), formats.block_caption)
        _write_table(ws, formats, table, laid_out, row + 1)
        if number == len(sheet.blocks) - 1:
            ws.autofilter(row + 1, 0, row + 1 + len(table.rows), len(table.headers) - 1)
        row += len(table.rows) + 3
    return ws


def _write_cell(ws: Worksheet, formats: Formats, row: int, col: int, value: Any, is_percent: bool,
                wrapped: bool) -> None:
    """Text always as a string (never a formula, whatever it starts with), dates and percentages
    with their number formats, other values as numbers."""
    if isinstance(value, str):
        text = visible(value)
        ws.write_string(row, col, text, formats.text(wrapped, looks_like_formula(text)))
    elif isinstance(value, date):
        ws.write_datetime(row, col, value, formats.date)
    else:
        ws.write_number(row, col, value, formats.percent if is_percent else formats.number)


def _hide_empty(empty: list[Worksheet], sheets: list[Worksheet]) -> None:
    """Hide the sheets of empty tables (they would print a page of bare headers), unless every
    sheet is empty; a hidden sheet cannot be the one that opens, so the first shown one does."""
    shown = [ws for ws in sheets if ws not in empty]
    if not shown:
        return
    for ws in empty:
        ws.hide()
    if sheets[0] in empty:
        shown[0].activate()
        shown[0].set_first_sheet()


def tables_workbook(sheets: Sequence[Table | StackedSheet], heading: str) -> bytes:
    """The file content of a workbook of one sheet per table (or stack of tables); ``heading`` is
    printed at the top of every page beside the sheet's name.

    XlsxWriter (a region's hundred thousand cells in a quarter of the time openpyxl took) packs
    it into memory, so the only file operation is the caller's: with ``atomic_write``, whose
    message says why a write failed (XlsxWriter's own error would hide the cause).
    """
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, _WORKBOOK_OPTIONS)
    formats = Formats(book)
    written = [_write_stacked(book, formats, sheet, heading) if isinstance(sheet, StackedSheet)
               else _write_sheet(book, formats, sheet, heading) for sheet in sheets]
    _hide_empty([ws for ws, sheet in zip(written, sheets, strict=True) if sheet.empty], written)
    book.close()
    return buffer.getvalue()
