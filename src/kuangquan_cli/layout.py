"""Finding the ledger in a workbook: which sheet, which header row, which column holds what,
and which rows below it are data (not blank, not 合计/小计, not a 填表人 footer)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from kuangquan_cli.normalize import to_text
from kuangquan_cli.reading import Sheet
from kuangquan_cli.reference import header_lookup
from kuangquan_cli.text import header_keys

HEADER_SCAN_ROWS = 30
MIN_HEADER_FIELDS = 4
_TOTAL_ROW = re.compile(r"^(合计|小计|总计|累计|共计)")
_FOOTER = re.compile(r"^(填表人|填报人|审核人|制表人?|负责人|联系人|联系电话|填表日期|填报日期|报送日期|备注[:：]|说明|注[:：]|注\d)")
_FOOTER_MAX_CELLS = 4


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


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

    def data_rows(self) -> Iterator[tuple[int, dict[str, Any]]]:
        """(Excel row number, field → raw cell) for every data row below the header."""
        columns = self.columns
        header = self.sheet.rows[self.header_index]
        for index in range(self.header_index + 1, len(self.sheet.rows)):
            row = self.sheet.rows[index]
            filled = [v for v in row if v != "" and v is not None]
            if not filled or _is_note(filled) or _repeats_header(row, header, columns):
                continue
            width = len(row)
            yield index + 1, {name: row[col] if col < width else "" for name, col in columns.items()}


def _repeats_header(row: list[Any], header: list[Any], columns: dict[str, int]) -> bool:
    """The header printed again (a page's header row copied into the data)."""
    same = sum(col < len(row) and row[col] == header[col] for col in columns.values())
    return same * 2 >= len(columns)


def _is_note(filled: list[Any]) -> bool:
    """A 合计/小计 row, a 填表人/审核人 footer line, or the row of column numbers under the header."""
    texts = [to_text(v).replace(" ", "") for v in filled[:3]]
    if any(_TOTAL_ROW.match(t) for t in texts):
        return True
    if len(filled) <= _FOOTER_MAX_CELLS and _FOOTER.match(texts[0]):
        return True
    return _is_numbering(filled)


def _is_numbering(filled: list[Any]) -> bool:
    """The row of column numbers (1, 2, 3 …) that many forms print under the header."""
    if len(filled) < MIN_HEADER_FIELDS or to_text(filled[0]) != "1" or to_text(filled[-1]) != str(len(filled)):
        return False
    return [to_text(v) for v in filled] == [str(n) for n in range(1, len(filled) + 1)]


def _layout_at(sheet: Sheet, index: int) -> Layout:
    columns: dict[str, int] = {}
    layout = Layout(sheet, index, columns)
    for col, cell in enumerate(sheet.rows[index]):
        name = _field_of(cell)
        if name is None:
            if isinstance(cell, str) and cell.strip():
                layout.unknown.append((col, cell))
            continue
        if name in columns:
            layout.duplicates.setdefault(name, [columns[name]]).append(col)
        else:
            columns[name] = col
    return layout


def find_layout(sheets: list[Sheet], sheet_name: str | None = None) -> Layout | None:
    """The sheet and row whose header matches the most ledger fields (ties: the first)."""
    best: Layout | None = None
    for sheet in sheets:
        if sheet_name is not None and sheet.name != sheet_name:
            continue
        for index in range(min(HEADER_SCAN_ROWS, len(sheet.rows))):
            score = len({f for f in map(_field_of, sheet.rows[index]) if f})
            if score >= MIN_HEADER_FIELDS and (best is None or score > len(best.columns)):
                best = _layout_at(sheet, index)
    return best
