"""Putting text that came from a ledger (or a file name) into a workbook kq writes.

Ledger text is untrusted: a cell reading ``=HYPERLINK(…)`` or ``+cmd|…`` must reach the office's
Excel as text, never as a formula, and control characters (which the OOXML format forbids, and
which would make the save fail) are shown as escapes such as ``\x07`` by ``text.visible``, as
everywhere kq shows ledger text. Every writer of ledger-derived text uses what is here: the
openpyxl one (``write_value``, for annotate, which edits the sender's own workbook) and the
XlsxWriter one of the merged workbook (``merged_workbook``).
"""

from __future__ import annotations

from typing import Any

from kuangquan_cli.text import visible

FORMULA_START = ("=", "+", "-", "@")


def looks_like_formula(text: str) -> bool:
    """Text Excel would take for a formula if it were typed: it must be written as a string, and
    marked with a quote prefix so Excel keeps it text when the user edits the cell."""
    return text.startswith(FORMULA_START)


def write_value(cell: Any, value: Any) -> None:
    """Set an openpyxl cell to ``value``; strings that look like formulas stay plain text."""
    if not isinstance(value, str):
        cell.value = value
        return
    text = visible(value)
    cell.value = text
    if looks_like_formula(text):
        cell.data_type = "s"
        cell.quotePrefix = True
