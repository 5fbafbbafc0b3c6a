"""Putting text that came from a ledger (or a file name) into a workbook kq writes.

Ledger text is untrusted: a cell reading ``=HYPERLINK(…)`` or ``+cmd|…`` must reach the office's
Excel as text, never as a formula, and control characters that the OOXML format forbids must
not make the save fail. Every writer of ledger-derived text uses the two functions here: the
openpyxl one (``write_value``, for annotate, which edits the sender's own workbook) and the
XlsxWriter one of the merged workbook (``merged_workbook``).
"""

from __future__ import annotations

import re
from typing import Any

FORMULA_START = ("=", "+", "-", "@")
#: The control characters OOXML forbids (the same set as openpyxl's ``ILLEGAL_CHARACTERS_RE``).
_ILLEGAL_CHARACTERS = re.compile(r"[\000-\010\013\014\016-\037]")


def clean_text(value: str) -> str:
    """``value`` without the control characters a workbook may not hold: dropped, not escaped,
    so the office sees the text the 盟市 meant rather than ``_x0007_``."""
    return _ILLEGAL_CHARACTERS.sub("", value)


def looks_like_formula(text: str) -> bool:
    """Text Excel would take for a formula if it were typed: it must be written as a string, and
    marked with a quote prefix so Excel keeps it text when the user edits the cell."""
    return text.startswith(FORMULA_START)


def write_value(cell: Any, value: Any) -> None:
    """Set an openpyxl cell to ``value``; strings that look like formulas stay plain text."""
    if not isinstance(value, str):
        cell.value = value
        return
    text = clean_text(value)
    cell.value = text
    if looks_like_formula(text):
        cell.data_type = "s"
        cell.quotePrefix = True
