"""The look shared by the workbooks kq writes (the template, the annotated copy, the merged workbook).

Colours are RGB hex without ``#``, as openpyxl wants them; XlsxWriter is given ``#`` + the same.
"""

from __future__ import annotations

import math
from typing import Any

#: Header rows: Excel's light blue (Blue, Accent 1, Lighter 80%).
HEADER_FILL = "DDEBF7"
#: Dates as the ledgers write them: 2022-09-25.
DATE_FORMAT = "yyyy-mm-dd"
#: The footer of every printed page: 第 3 页，共 12 页 (Excel's codes, in XlsxWriter and openpyxl alike).
PAGE_FOOTER = "&C第 &P 页，共 &N 页"
#: The height of one line of 11-point Chinese text, with the room Excel and LibreOffice leave
#: between lines (their Chinese fonts' lines are taller than a Latin font's 15 points).
LINE_HEIGHT_PT = 16


def lines_height(lines: int) -> float:
    """The height (points) of a row holding ``lines`` lines of wrapped text, with its margins."""
    return LINE_HEIGHT_PT * lines + 2


def wrapped_lines(text: str, width: float) -> int:
    """How many lines ``text`` takes in a box ``width`` characters wide (a Chinese character is 2).

    Neither Excel, openpyxl nor LibreOffice sizes rows to wrapped text on opening, so kq does,
    for every row of a region's ledger: a line's width is told from its UTF-8 length (a Chinese
    character takes three bytes and two columns, a Latin letter one and one), which is exact for
    the text of ledgers, never too narrow, and a tenth of the time of ``text.display_width``.
    """
    return sum(max(1, math.ceil((len(line.encode()) + len(line)) / 2 / width)) for line in text.splitlines() or [""])


#: openpyxl's paper sizes (``ws.PAPERSIZE_A4``, ``ws.PAPERSIZE_A3``).
PAPER_A4, PAPER_A3 = 9, 8


def set_up_printing(ws: Any, paper: int, title_row: int | None = None) -> None:
    """An openpyxl sheet printed landscape on ``paper``, one page wide, gridlines and page numbers
    shown, and ``title_row`` (the table's header) repeated at the top of every page."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = paper
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.gridLines = True
    ws.print_options.horizontalCentered = True
    ws.oddFooter.center.text = PAGE_FOOTER.removeprefix("&C")
    if title_row is not None:
        ws.print_title_rows = f"{title_row}:{title_row}"


def has_print_setup(ws: Any) -> bool:
    """Whether the sheet's author set up its printing (orientation, paper, fit or titles)."""
    setup = ws.page_setup
    fit = ws.sheet_properties.pageSetUpPr
    return any((setup.orientation, setup.paperSize, fit is not None and fit.fitToPage, ws.print_title_rows))
