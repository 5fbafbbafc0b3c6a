"""Properties of the quick scan that bounds an .xlsx's cells before calamine reads them.

calamine allocates the whole rectangle from a sheet's first to its last filled cell, so the
inspection must never bound a sheet smaller than its cells really span: a far cell that slipped
past would let calamine abort the process. The quick scan (``_QuickCells``) only ever bounds from
A1, with a few regular-expression searches per piece; it may be larger than the exact extent the
cell-by-cell walk (``_ExactCells``) finds, never smaller. Checked here on sheets generated with
random cell positions — far cells, gaps, empty styled cells, inline and shared strings, spellings
Excel and WPS never write, rows out of order — cut into pieces of random sizes, and end to end on
small .xlsx files: against ``inspect_xlsx``'s limit and against what calamine itself reads.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from kuangquan_cli.errors import UnreadableFile
from kuangquan_cli.reading.addresses import column_letter
from kuangquan_cli.reading.limits import Extent, Limits
from kuangquan_cli.reading.xlsx_inspection import (
    _ROW_STEP,
    _ExactCells,
    _Irregular,
    _QuickCells,
    _up_to,
    _whole_tags,
    inspect_xlsx,
)

LAST_ROW = 1_048_575  # 0-based, Excel's row 1,048,576
LAST_COLUMN = 16_383  # XFD
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


# --- _up_to: the bound written as a regular expression ---------------------------------------

def row_value(text: str) -> int | None:
    """A row number as a cell reference writes it (no sign, no leading zero), else None."""
    return int(text) if re.fullmatch(r"[1-9][0-9]*", text) else None


def column_value(text: str) -> int | None:
    """Column letters, A = 1 … Z = 26, AA = 27 (bijective base 26), else None."""
    if not re.fullmatch(r"[A-Z]+", text):
        return None
    value = 0
    for letter in text:
        value = value * 26 + ord(letter) - 64
    return value


def near(bound: int, low: int) -> st.SearchStrategy[int]:
    """Values at and around ``bound``, where an off-by-one would show."""
    return st.integers(max(low, bound - 30), bound + 30)


@settings(max_examples=100, deadline=None)
@given(st.data(), st.integers(1, 2_000_000_000))
def test_the_row_bound_matches_exactly_the_row_numbers_up_to_it(data: st.DataObject, bound: int) -> None:
    candidate = data.draw(st.one_of(
        near(bound, 0).map(str),
        st.integers(0, 10 * bound).map(str),
        near(bound, 0).map(lambda n: f"0{n}"),
        st.text("0123456789", min_size=0, max_size=12),
        st.text("0123456789A-/ ", min_size=1, max_size=4),
    ))
    value = row_value(candidate)
    matched = re.fullmatch(_up_to(str(bound), "1", "0-9"), candidate) is not None
    assert matched == (value is not None and value <= bound), (bound, candidate)


@settings(max_examples=100, deadline=None)
@given(st.data(), st.integers(0, 26 ** 4))
def test_the_column_bound_matches_exactly_the_column_letters_up_to_it(data: st.DataObject, right: int) -> None:
    candidate = data.draw(st.one_of(
        near(right, 0).map(column_letter),
        st.integers(0, 26 ** 5).map(column_letter),
        st.text("ABCMYZ", min_size=0, max_size=6),
        st.text("AZaz0[", min_size=1, max_size=4),
    ))
    value = column_value(candidate)
    matched = re.fullmatch(_up_to(column_letter(right), "A", "A-Z"), candidate) is not None
    assert matched == (value is not None and value <= right + 1), (column_letter(right), candidate)


# --- generated worksheets ------------------------------------------------------------------

KINDS = ("number", "inline", "shared", "empty")
#: How a cell's ``r`` is spelt: as Excel and WPS write it, or otherwise (the quick scan must then
#: give up or still bound the cell; the exact walk places it like calamine does).
SPELLINGS = ("excel", "no_r", "lower", "single_quotes", "r_not_first", "leading_zero")


def unprefixed(name: str) -> str:
    return name


def prefixed(name: str) -> str:
    return f"x:{name}"


@dataclass(frozen=True)
class Cell:
    row: int  # 0-based
    col: int  # 0-based
    kind: str
    spelling: str = "excel"


@dataclass(frozen=True)
class Sheet:
    cells: tuple[Cell, ...]
    prefixed: bool = False  # every tag written ``<x:…>``, as Excel and WPS never do

    @property
    def regular(self) -> bool:
        """Written as Excel and WPS write sheets: the quick scan must bound it without giving up."""
        return not self.prefixed and all(cell.spelling == "excel" for cell in self.cells)

    def truth(self) -> tuple[int, int, int, int] | None:
        """(top, left, bottom, right) of the cells with a value, 0-based; None if there are none."""
        filled = [cell for cell in self.cells if cell.kind != "empty"]
        if not filled:
            return None
        rows, cols = [c.row for c in filled], [c.col for c in filled]
        return min(rows), min(cols), max(rows), max(cols)

    def xml(self) -> bytes:
        tag = prefixed if self.prefixed else unprefixed
        namespace = f'xmlns:x="{MAIN}"' if self.prefixed else f'xmlns="{MAIN}"'
        parts = [f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<{tag("worksheet")} {namespace}>'
                 f'<{tag("dimension")} ref="A1"/><{tag("sheetData")}>']
        by_row: dict[int, list[Cell]] = {}
        for cell in self.cells:
            by_row.setdefault(cell.row, []).append(cell)
        for row in sorted(by_row):
            parts.append(f'<{tag("row")} r="{row + 1}">')
            parts += [cell_xml(cell, tag) for cell in sorted(by_row[row], key=lambda c: c.col)]
            parts.append(f'</{tag("row")}>')
        parts.append(f'</{tag("sheetData")}></{tag("worksheet")}>')
        return "".join(parts).encode()


def cell_xml(cell: Cell, tag: Callable[[str], str]) -> str:
    letters, number = column_letter(cell.col), str(cell.row + 1)
    reference = {
        "excel": f' r="{letters}{number}"',
        "no_r": "",
        "lower": f' r="{letters.lower()}{number}"',
        "single_quotes": f" r='{letters}{number}'",
        "r_not_first": f' s="1" r="{letters}{number}"',
        "leading_zero": f' r="{letters}0{number}"',
    }[cell.spelling]
    c, v, inline, text = tag("c"), tag("v"), tag("is"), tag("t")
    return {
        "number": f"<{c}{reference}><{v}>{cell.row * 7 + cell.col}</{v}></{c}>",
        "inline": f'<{c}{reference} t="inlineStr"><{inline}><{text}>地&lt;{cell.col}</{text}></{inline}></{c}>',
        "shared": f'<{c}{reference} t="s"><{v}>{cell.col % 2}</{v}></{c}>',
        "empty": f'<{c}{reference} s="1"/>',
    }[cell.kind]


def with_spellings(cells: list[Cell], spellings: list[str]) -> tuple[Cell, ...]:
    """The cells with the spellings drawn for them; a cell is written without ``r`` only where the
    reader can place it anyway (right after the cell before it in its row, or first in column A)."""
    spelt = []
    previous: Cell | None = None
    for cell, spelling in zip(sorted(cells, key=lambda c: (c.row, c.col)), spellings, strict=True):
        follows = cell.col == 0 if previous is None or previous.row != cell.row else cell.col == previous.col + 1
        if spelling == "no_r" and not follows:
            spelling = "excel"
        spelt.append(Cell(cell.row, cell.col, cell.kind, spelling))
        previous = cell
    return tuple(spelt)


#: How far the next row is: the next one, a few or many rows on, or at a multiple of the quick scan's
#: row step (where its rounded bound ends) or one either side of it.
ROW_STEPS = st.tuples(st.sampled_from(("next", "near", "far", "step")), st.integers(1, 300_000),
                      st.sampled_from((-1, 0, 1)))
#: Where a cell is in its row: near column A, at or just past the widest column so far (where the
#: quick scan's column bound ends), or anywhere.
COLUMNS = st.tuples(st.sampled_from(("near", "edge", "any")), st.integers(0, LAST_COLUMN), st.sampled_from(KINDS))


def next_row(row: int, step: str, distance: int, offset: int) -> int:
    if step == "next":
        return row + 1
    if step == "near":
        return row + distance % 40 + 1
    if step == "far":
        return row + distance
    boundary = (row // _ROW_STEP + 1) * _ROW_STEP - 1  # 0-based: Excel's row k × _ROW_STEP
    return max(row + 1, boundary + offset)


def column(place: str, number: int, widest: int, cols: int) -> int:
    if place == "near":
        return number % 9
    if place == "edge":
        return min(max(widest - 1 + number % 4, 0), cols)
    return number % (cols + 1)


@st.composite
def sheets(draw: st.DrawFn, rows: int = LAST_ROW, cols: int = LAST_COLUMN, odd: bool = True) -> Sheet:
    """Rows with gaps, a few cells each; a cell's column is drawn against the widest before it.
    Strategies are fixed and values placed after the draw: building strategies per row made
    drawing most of the test's time."""
    numbers: list[int] = []
    row = -1
    for step in draw(st.lists(ROW_STEPS, max_size=16)):
        row = next_row(row, *step)
        if row > rows:
            break
        numbers.append(row)
    cells: list[Cell] = []
    widest = 0
    for row in numbers:
        taken = set()
        for place, number, kind in draw(st.lists(COLUMNS, min_size=1, max_size=4)):
            col = column(place, number, widest, cols)
            if col not in taken:
                taken.add(col)
                cells.append(Cell(row, col, kind))
        widest = max(widest, *taken)
    if odd and draw(st.booleans()):
        spellings = draw(st.lists(st.sampled_from(SPELLINGS), min_size=len(cells), max_size=len(cells)))
        return Sheet(with_spellings(cells, spellings), prefixed=draw(st.booleans()))
    return Sheet(with_spellings(cells, ["excel"] * len(cells)))


@st.composite
def pieces(draw: st.DrawFn, xml: bytes) -> list[bytes]:
    """The XML as ``_whole_tags`` hands it to a scanner, from chunks of a drawn size (inflating gives
    1 MB chunks; small ones make the quick scan test many later pieces against the bound it has)."""
    size = draw(st.one_of(st.integers(1, 80), st.integers(1, len(xml) + 1)))
    return list(_whole_tags("sheet1.xml", (xml[at: at + size] for at in range(0, len(xml), size))))


def scanned(kind: type[_QuickCells] | type[_ExactCells], parts: list[bytes]) -> Extent:
    cells = kind()
    for part in parts:
        cells.scan(part)
    return cells.extent


def corners(extent: Extent) -> tuple[int, int, int, int] | None:
    return None if extent.cells == 0 else (extent.top, extent.left, extent.bottom, extent.right)


def assert_bounds(quick: Extent, exact: Extent) -> None:
    """The quick bound runs from A1 and takes in the whole exact extent."""
    if exact.cells:
        assert (quick.top, quick.left) == (0, 0)
        assert quick.bottom >= exact.bottom and quick.right >= exact.right
    assert quick.cells >= exact.cells


@settings(max_examples=100, deadline=None)
@given(st.data(), sheets())
def test_the_quick_bound_is_never_smaller_than_the_exact_extent(data: st.DataObject, sheet: Sheet) -> None:
    parts = data.draw(pieces(sheet.xml()))
    exact = scanned(_ExactCells, parts)
    assert corners(exact) == sheet.truth()
    try:
        quick = scanned(_QuickCells, parts)
    except _Irregular:
        assert not sheet.regular, "a sheet written as Excel writes it fell to the cell-by-cell walk"
        return
    assert_bounds(quick, exact)


#: A cell anywhere, often near A1 or in the last row of a quick bound (rounded up to ``_ROW_STEP``)
#: or the row after it.
PLACES = st.tuples(
    st.one_of(st.integers(0, 40), st.integers(0, LAST_ROW), st.integers(1, 255).map(lambda k: k * _ROW_STEP - 1),
              st.integers(1, 255).map(lambda k: k * _ROW_STEP)),
    st.one_of(st.integers(0, 8), st.integers(0, LAST_COLUMN)),
)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(PLACES, min_size=1, max_size=6), min_size=1, max_size=5))
@example([[(0, 2)], [(1, 3)]])  # a later piece one column past the bound
@example([[(0, 0)], [(_ROW_STEP - 1, 0)], [(_ROW_STEP, 0)]])  # the last row of a rounded bound, then the next
@example([[(0, 5)], [(9000, 0), (1, 0)]])  # a later piece lower at its end than before, and narrower
@example([[(9000, 0)], [(0, 5)]])  # a later piece wider, and lower
def test_the_quick_bound_holds_whatever_order_the_cells_come_in(groups: list[list[tuple[int, int]]]) -> None:
    """The sheet in pieces of cells in any order, as a crafted file may write them: the highest
    row not last, a later piece narrower or lower than an earlier one. The examples are the edges
    of the bound: each fails if the bound is one too small there."""
    parts = [b"".join(f'<row r="{row + 1}">{cell_xml(Cell(row, col, "number"), unprefixed)}</row>'.encode()
                      for row, col in group) for group in groups]
    places = [place for group in groups for place in group]
    exact = scanned(_ExactCells, parts)
    rows, cols = [row for row, _ in places], [col for _, col in places]
    assert corners(exact) == (min(rows), min(cols), max(rows), max(cols))
    assert_bounds(scanned(_QuickCells, parts), exact)


# --- small .xlsx files, end to end ---------------------------------------------------------

def xlsx(sheet: Sheet) -> bytes:
    """A workbook calamine opens: one sheet, and a shared-string table for its ``t="s"`` cells (without
    ``uniqueCount``, which ``max_cells`` also bounds: here only the sheet's cells meet the limit)."""
    strings = f'<sst xmlns="{MAIN}" count="2"><si><t>包头市</t></si><si><t>在建</t></si></sst>'
    parts = {
        "[Content_Types].xml":
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            '<Override PartName="/xl/sharedStrings.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
        "_rels/.rels":
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{RELATIONSHIPS}/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>",
        "xl/workbook.xml":
            f'<workbook xmlns="{MAIN}" xmlns:r="{RELATIONSHIPS}">'
            '<sheets><sheet name="台账" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels":
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{RELATIONSHIPS}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{RELATIONSHIPS}/sharedStrings" Target="sharedStrings.xml"/>'
            "</Relationships>",
        "xl/sharedStrings.xml": strings,
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
        archive.writestr("xl/worksheets/sheet1.xml", sheet.xml())
    return buffer.getvalue()


def cells_of(truth: tuple[int, int, int, int] | None) -> int:
    return 0 if truth is None else (truth[2] - truth[0] + 1) * (truth[3] - truth[1] + 1)


@settings(max_examples=60, deadline=None)
@given(sheets())
def test_inspect_xlsx_holds_the_cells_the_sheet_spans_to_the_limit(sheet: Sheet) -> None:
    """At a limit of exactly the cells the sheet spans it passes; one fewer and it is refused, naming
    the far cell: the quick bound's being over the limit is never the last word."""
    data, truth = xlsx(sheet), sheet.truth()
    spanned = cells_of(truth)
    inspect_xlsx(io.BytesIO(data), Limits(max_cells=spanned))
    if truth is not None:
        with pytest.raises(UnreadableFile) as refused:
            inspect_xlsx(io.BytesIO(data), Limits(max_cells=spanned - 1))
        far_cell = f"{column_letter(truth[3])}{truth[2] + 1}"
        assert refused.value.code == "file.too_large"
        assert str(refused.value) == (
            f"工作表内容延伸到 {far_cell}，共约 {spanned:,} 个单元格，上限 {spanned - 1:,} 个；"
            "可能在很远的单元格误填了内容，请在 Excel/WPS 中按 Ctrl+End 找到并删除后另存")


@settings(max_examples=40, deadline=None)
@given(sheets(rows=300, cols=30, odd=False))
def test_calamine_reads_the_cells_where_the_inspection_placed_them(sheet: Sheet) -> None:
    """The exact walk's extent is the rectangle calamine reads (small sheets only: a far cell is
    what would make calamine abort)."""
    import python_calamine as calamine

    read = calamine.CalamineWorkbook.from_filelike(io.BytesIO(xlsx(sheet))).get_sheet_by_index(0)
    walked = corners(scanned(_ExactCells, [sheet.xml()]))
    assert (None if read.height == 0 else (*read.start, *read.end)) == walked == sheet.truth()


@pytest.mark.parametrize("empty", [b'<c r="{}" s="1"/>', b'<c r="{}" s="1" t="n"></c>', b'<x:c r="{}" s="1"></x:c>'])
def test_an_empty_cell_is_not_counted_however_it_is_written(empty: bytes) -> None:
    """Excel writes a formatted empty cell ``<c …/>``; openpyxl with lxml writes ``<c …></c>``.
    calamine skips both, so the exact walk does too (a sheet formatted to its last row is fine)."""
    far = b"".join(empty.replace(b"{}", ref) for ref in (b"XFD10", b"B60000"))
    xml = b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c></row><row r="10">' + far + b"</row>"
    assert corners(scanned(_ExactCells, [xml + b"</sheetData>"])) == (0, 0, 0, 0)
