"""Putting text that came from a ledger (or a file name) into a workbook kq writes.

Ledger text is untrusted: a cell reading ``=HYPERLINK(…)`` or ``+cmd|…`` must reach the office's
Excel as text, never as a formula, and control characters that the OOXML format forbids must
not make the save fail. Every writer of ledger-derived text (annotate, merge, report) uses this.
"""

from __future__ import annotations

from typing import Any

FORMULA_START = ("=", "+", "-", "@")


def write_value(cell: Any, value: Any) -> None:
    """Set an openpyxl cell to ``value``; strings that look like formulas stay plain text."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if not isinstance(value, str):
        cell.value = value
        return
    text = ILLEGAL_CHARACTERS_RE.sub("", value)
    cell.value = text
    if text.startswith(FORMULA_START):
        cell.data_type = "s"
        cell.quotePrefix = True  # Excel keeps it text when the user edits the cell
