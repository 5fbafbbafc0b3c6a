"""Finding the ledger in a workbook: which sheet, which header row, which column holds what,
and which rows below it are data (not blank, not 合计/小计, not a 填表人 footer)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from operator import eq
from typing import Any

from kuangquan_cli.reading.workbook import Sheet
from kuangquan_cli.reference.own_files import ANNOTATION_SHEET, OWN_COLUMNS
from kuangquan_cli.reference.tables import header_lookup
from kuangquan_cli.text import header_keys, key, to_text

HEADER_SCAN_ROWS = 30
MIN_HEADER_FIELDS = 4
_TOTAL_ROW = re.compile(r"^(合计|小计|总计|累计|共计)")
_FOOTER = re.compile(
    r"^(填表人|填报人|审核人|制表人?|负责人|联系人|联系电话|填表日期|填报日期|报送日期|备注[:：]|说明|注[:：]|注\d)"
)
_FOOTER_MAX_CELLS = 4
#: The columns kq's merged workbook adds (来源文件, 来源行 …): known, so never an unknown column.
_OWN_COLUMN_KEYS = frozenset(map(key, OWN_COLUMNS))


def _field_of(cell: Any) -> str | None:
    if not isinstance(cell, str) or not cell.strip():
        return None
    lookup = header_lookup()
    for candidate in header_keys(cell):
        if candidate in lookup:
            return lookup[candidate]
    return None


@dataclass
class Layout:
    """Where the ledger sits in a sheet."""

    sheet: Sheet
    header_index: int  # 0-based; the Excel row is header_index + 1
    columns: dict[str, int]  # field → 0-based column
    unknown: list[tuple[int, str]] = field(default_factory=list)
    duplicates: dict[str, list[int]] = field(default_factory=dict)

    @property
    def header_row(self) -> int:
        return self.header_index + 1

    def title_text(self) -> str:
        """Everything above the header (title rows, 填报单位 line), for telling the file's 盟市."""
        return " ".join(to_text(v) for row in self.sheet.rows[: self.header_index] for v in row if v != "")

    def data_columns(self) -> tuple[list[int], list[tuple[Any, ...]]]:
        """The data rows below the header: their Excel row numbers, and their cells column by
        column (every row padded to the last column).

        This runs over every row of a ledger of any size, so it leaves the cells to C where it can:
        rows are turned into columns by ``zip``, and a header printed again (a page's header row
        copied into the data) is looked for row by row only when the columns hold its cells often
        enough for one.
        """
        numbers, rows = self._filled_rows()
        columns = list(zip(*rows, strict=False))  # rows are padded only up to the header's width
        used = list(self.columns.values())
        header = [self.sheet.rows[self.header_index][col] for col in used]
        if columns and sum(columns[col].count(text) for col, text in zip(used, header, strict=True)) * 2 >= len(used):
            kept = [i for i, row in enumerate(rows) if not _repeats_header(row, used, header)]
            numbers = [numbers[i] for i in kept]
            columns = list(zip(*(rows[i] for i in kept), strict=False))
        return numbers, columns

    def _filled_rows(self) -> tuple[list[int], list[list[Any]]]:
        """(Excel row numbers, cells) of the rows below the header that are neither blank nor notes.

        Once per row: blanks are counted with ``list.count`` and the note test reads only the
        first three filled cells.
        """
        rows = self.sheet.rows
        width = max(self.columns.values()) + 1
        notes = _NoteTest()
        numbers: list[int] = []
        kept: list[list[Any]] = []
        for index in range(self.header_index + 1, len(rows)):
            row = rows[index]
            if len(row) < width:
                row = row + [""] * (width - len(row))
            filled = len(row) - row.count("") - row.count(None)
            if filled and not notes.is_note(row, filled):
                numbers.append(index + 1)
                kept.append(row)
        return numbers, kept


def _repeats_header(row: list[Any], columns: list[int], header: list[Any]) -> bool:
    """The header printed again: half its cells or more in their columns."""
    same = sum(map(eq, map(row.__getitem__, columns), header))
    return same * 2 >= len(columns)


class _NoteTest:
    """Tells a 合计/小计 row, a 填表人/审核人 footer line or the row of column numbers under the header.

    Only text that is not plain ASCII can start with those words (a number, a date or ASCII text
    never does), and such text — 盟市, 旗县 — repeats down the sheet, so each is judged once.
    """

    def __init__(self) -> None:
        self._judged: dict[str, tuple[bool, bool]] = {}

    def is_note(self, row: list[Any], filled: int) -> bool:
        seen, first = 0, None
        for value in row:
            if value == "" or value is None:
                continue
            if type(value) is str and not value.isascii():
                total, footer = self._judged.get(value) or self._judge(value)
                if total or (footer and not seen and filled <= _FOOTER_MAX_CELLS):
                    return True
            if not seen:
                first = value
            seen += 1
            if seen == 3:
                break
        return _is_numbering(row, first, filled)

    def _judge(self, cell: str) -> tuple[bool, bool]:
        """(starts a 合计 row, starts a footer line)."""
        text = to_text(cell).replace(" ", "")
        self._judged[cell] = (bool(_TOTAL_ROW.match(text)), bool(_FOOTER.match(text)))
        return self._judged[cell]


def _is_numbering(row: list[Any], first: Any, filled: int) -> bool:
    """The row of column numbers (1, 2, 3 …) that many forms print under the header."""
    if filled < MIN_HEADER_FIELDS or (first != 1 and type(first) is not str):  # only 1, 1.0 or text read "1"
        return False
    if to_text(first) != "1":
        return False
    cells = [v for v in row if v != "" and v is not None]
    return [to_text(v) for v in cells] == [str(n) for n in range(1, filled + 1)]


def _layout_at(sheet: Sheet, index: int) -> Layout:
    columns: dict[str, int] = {}
    layout = Layout(sheet, index, columns)
    for col, cell in enumerate(sheet.rows[index]):
        name = _field_of(cell)
        if name is None:
            if isinstance(cell, str) and cell.strip() and key(cell) not in _OWN_COLUMN_KEYS:
                layout.unknown.append((col, cell))
            continue
        if name in columns:
            layout.duplicates.setdefault(name, [columns[name]]).append(col)
        else:
            columns[name] = col
    return layout


def find_layout(sheets: list[Sheet], sheet_name: str | None = None) -> Layout | None:
    """The sheet and row whose header matches the most ledger fields.

    Ties go to a visible sheet over a hidden one (a hidden sheet is often last week's copy),
    then to the first. The findings sheet of kq's annotated copy is never the ledger (unless named).
    """
    best: Layout | None = None
    best_rank = (0, False)
    for sheet in sheets:
        if sheet.name != sheet_name and (sheet_name is not None or sheet.name == ANNOTATION_SHEET):
            continue
        for index in range(min(HEADER_SCAN_ROWS, len(sheet.rows))):
            score = len({f for f in map(_field_of, sheet.rows[index]) if f})
            rank = (score, sheet.visible)
            if score >= MIN_HEADER_FIELDS and rank > best_rank:
                best, best_rank = _layout_at(sheet, index), rank
    return best
