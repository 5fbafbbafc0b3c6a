"""Ledgers of any size for the benchmarks, built from the sample region and cached on disk.

The rows are the sample generator's 2022-W37 rights (``kuangquan_cli.samples.generation``), so they have
the shape, spread and spellings of real ones. One ledger of N rows is one 盟市's workbook: every
right is moved into ``CITY`` (a county of it, in turn) and the rows are repeated until there are
N. A region-wide ledger of N rows (the office's own list, titled ``REGION_TITLE``) keeps every
right in its own 盟市. A repeated row is a right of its own: new licence number, and its own name, holder, credit
code and phone, so columns that are unique in a real ledger stay unique here and memoising by
value gains nothing it would not gain on real data. One row in ``FLAW_EVERY`` carries one of the
mistakes 盟市 really make, so the findings path is measured too. The merge inbox is 12 workbooks,
one per 盟市. Files are written with openpyxl's write-only mode and kept under
``benchmarks/.cache/``; a cached file is reused as long as ``VERSION`` is unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import cache
from itertools import cycle, islice
from pathlib import Path
from typing import Any

from kuangquan_cli.checking.identifiers import CREDIT_ALPHABET, credit_check_char, org_check_char
from kuangquan_cli.reference.tables import divisions, fields
from kuangquan_cli.samples.generation import FIRST_WEEK, Row, generate_region
from kuangquan_cli.samples.writing import cell_value, title_lines

CACHE = Path(__file__).resolve().parent / ".cache"
#: Bump when the generated content changes, so stale cached files are not measured.
VERSION = 2
CITY = "鄂尔多斯市"
REGION_TITLE = ("全区停产矿山复工复产及探矿权转采矿权工作台账", "填报单位：自治区自然资源厅")
WEEK = FIRST_WEEK
FLAW_EVERY = 100
_SERIAL_WIDTH = {18: 6, 23: 10}  # T + 17 digits ends in a 6-digit serial; the 22-digit shapes in 10


def cache_dir() -> Path:
    CACHE.mkdir(parents=True, exist_ok=True)
    return CACHE


@cache
def region_rows() -> tuple[Row, ...]:
    """The sample region's W37 rights (2,851 rows, all 12 盟市)."""
    return tuple(generate_region().rows(WEEK))


def renumbered(licence: str, serial: int) -> str:
    """The licence with its serial part replaced, so repeated rows stay distinct rights."""
    width = _SERIAL_WIDTH[len(licence)]
    if serial >= 10**width:
        raise ValueError(f"serial {serial} does not fit {width} digits")
    return licence[:-width] + f"{serial:0{width}d}"


def credit_code(first8: str, serial: int) -> str:
    """A valid 统一社会信用代码 with the given registration prefix and a numbered 主体标识码."""
    body = f"{serial:08d}"
    first17 = first8 + body + org_check_char(body)
    return first17 + credit_check_char(first17)


def moved_to(row: Row, city: str | None, index: int) -> Row:
    """The right as if it lay in ``city``: the row's county becomes one of that 盟市's, in turn.
    ``city`` None: the right stays where it is."""
    if city is None or row["city"] == city:
        return dict(row)
    counties = divisions().counties[city]
    return {**row, "city": city, "county": counties[index % len(counties)]}


def another_right(row: Row, copy: int, serial: int) -> None:
    """Copy ``copy`` (1…) of a right becomes a right of its own: name, holder, code, phone."""
    row["right_name"] = f"{row['right_name']}{copy + 1}号"
    row["holder"] = f"{row['holder']}第{copy + 1}分公司"
    row["credit_code"] = credit_code(row["credit_code"][:8], serial)
    row["phone"] = row["phone"][:-4] + f"{serial % 10000:04d}"


def _bad_check_char(row: Row) -> None:
    good = row["credit_code"]
    row["credit_code"] = good[:-1] + CREDIT_ALPHABET[(CREDIT_ALPHABET.index(good[-1]) + 7) % 31]


def _foreign_county(row: Row) -> None:
    row["county"] = "科尔沁区"


def _deadline_in_words(row: Row) -> None:
    row["deadline"] = "年底前"


def _phone_as_number(row: Row) -> None:
    row["phone"] = int("".join(c for c in row["phone"] if c.isdigit()).lstrip("0"))


def _licence_without_letter(row: Row) -> None:
    row["licence_no"] = row["licence_no"][1:]


#: The mistakes of ``kuangquan_cli.samples.flawed``' ledgers, one per spoiled row, in turn.
FLAWS: tuple[Callable[[Row], None], ...] = (
    _bad_check_char, _foreign_county, _deadline_in_words, _phone_as_number, _licence_without_letter,
)


def ledger_rows(rows: tuple[Row, ...], count: int, city: str | None, first_serial: int = 0) -> Iterator[Row]:
    """``count`` rows of ``city`` (None: each of its own 盟市): ``rows`` repeated, renumbered 1…,
    each a distinct right."""
    for index, row in enumerate(islice(cycle(rows), count)):
        serial = first_serial + index
        moved = moved_to(row, city, index)
        moved["seq"] = index + 1
        moved["licence_no"] = renumbered(row["licence_no"], serial)
        if index >= len(rows):
            another_right(moved, index // len(rows), serial)
        if index % FLAW_EVERY == FLAW_EVERY - 1:
            FLAWS[index // FLAW_EVERY % len(FLAWS)](moved)
        yield moved


def write_ledger(path: Path, title: tuple[str, str], rows: Iterator[Row]) -> Path:
    """A workbook as sent in: title, 填报单位 line, header in row 3, rows, 填表人 footer."""
    from openpyxl import Workbook

    names = [f.name for f in fields()]
    book = Workbook(write_only=True)
    sheet: Any = book.create_sheet("台账")
    for line in title:
        sheet.append([line])
    sheet.append([f.header for f in fields()])
    for row in rows:
        sheet.append([cell_value(row[name]) for name in names])
    sheet.append([])
    sheet.append(["填表人：张伟　审核人：王芳　联系电话：0477-8561234"])
    partial = path.with_suffix(".partial.xlsx")
    book.save(partial)
    partial.replace(path)  # an interrupted run never leaves a half-written file in the cache
    return path


def ledger(count: int) -> Path:
    """The cached one-盟市 ledger of ``count`` rows (written on first use)."""
    path = cache_dir() / f"ledger-v{VERSION}-{count}.xlsx"
    if not path.exists():
        write_ledger(path, title_lines(CITY, WEEK), ledger_rows(region_rows(), count, CITY))
    return path


def region_ledger(count: int) -> Path:
    """The cached region-wide ledger of ``count`` rows, all 12 盟市 (written on first use)."""
    path = cache_dir() / f"region-v{VERSION}-{count}.xlsx"
    if not path.exists():
        write_ledger(path, REGION_TITLE, ledger_rows(region_rows(), count, None))
    return path


def inbox(files: int = 12, rows_each: int = 250) -> Path:
    """A week's inbox: one ledger per 盟市 (the first ``files`` of the 12), ``rows_each`` rows each."""
    folder = cache_dir() / f"inbox-v{VERSION}-{files}x{rows_each}" / f"2022-W{WEEK}"
    folder.mkdir(parents=True, exist_ok=True)
    for number, city in enumerate(divisions().cities[:files]):
        path = folder / f"{city}.xlsx"
        if not path.exists():
            own = tuple(r for r in region_rows() if r["city"] == city)
            rows = ledger_rows(own, rows_each, city, first_serial=number * rows_each)
            write_ledger(path, title_lines(city, WEEK), rows)
    return folder
