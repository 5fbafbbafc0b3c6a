"""Cleaning of cell text, shared by every normaliser.

Ledgers are typed by hand in Excel/WPS: full-width digits and letters, ideographic spaces,
zero-width characters pasted from web pages and stray line breaks are all common.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from typing import Any

_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
#: Control characters other than tab and line breaks (C0, DEL, C1), and lone surrogates: what a
#: file name that is not UTF-8 holds once Python has read it (``os.fsdecode``).
_INVISIBLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
_UNDECODED_BYTES = range(0xDC80, 0xDD00)
_SPACES = re.compile(r"\s+")
_TRAILING_HINT = re.compile(r"\([^()]*\)$")


def clean(value: str) -> str:
    """NFKC-normalise, drop zero-width characters, collapse whitespace runs, strip.

    Runs on every text cell, and nearly all of them are clean already: each step then hands back
    the very same object (``normalize`` after its quick check, ``join`` of one part), so a clean
    cell costs neither a copy nor the memory of one. A printable string has no zero-width or
    control characters and no whitespace but U+0020, so only other strings need the search.
    """
    if not value.isascii():  # NFKC and the zero-width characters only concern non-ASCII text
        if not value.isprintable():
            value = _ZERO_WIDTH.sub("", value)
        value = unicodedata.normalize("NFKC", value)
    tidy = " ".join(value.split())
    return value if tidy == value else tidy


def key(value: str) -> str:
    """A comparison key: cleaned, without any whitespace, case-folded."""
    return _SPACES.sub("", clean(value)).casefold()


def header_keys(value: str) -> tuple[str, ...]:
    """Keys to look a header cell up by: as written, then without a trailing hint.

    ``矿业权类型（采矿权/探矿权）`` is looked up as written first and then as ``矿业权类型``;
    trying the full text first keeps ``有效期（起）`` apart from ``有效期（止）``.
    """
    full = key(value).strip("*※")
    stripped = _TRAILING_HINT.sub("", full)
    return (full,) if stripped == full or not stripped else (full, stripped)


def _escape(found: re.Match[str]) -> str:
    code = ord(found[0])
    if code in _UNDECODED_BYTES:  # one byte of a name that is not UTF-8 (GBK, from a zip made on Windows)
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def has_invisible(text: str) -> bool:
    """Whether ``visible`` would change ``text`` (a printable string never needs the search)."""
    return not text.isprintable() and _INVISIBLE.search(text) is not None


def visible(text: str) -> str:
    """``text`` with every control character shown as an escape (``\\x1b``) and every byte of a
    name that is not UTF-8 as ``\\xd5``; all else exactly as written.

    Ledger cells and file names come from outside: an ESC sequence must not recolour or clear
    the operator's terminal, a NUL must not end up in a report, and a lone surrogate cannot be
    encoded for SQLite, JSON or a workbook at all. Every place kq shows or keeps outside text
    (terminal, reports, workbooks, stored file names) passes it through here. Tabs and line
    breaks are kept: they are how a cell holds several lines.
    """
    return _INVISIBLE.sub(_escape, text) if not text.isprintable() else text


def display_width(text: str) -> int:
    """Columns the text takes in a terminal or a spreadsheet cell: wide (CJK) characters two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def to_text(raw: Any) -> str:
    """The cell as cleaned text; integral floats lose their ``.0``, dates become ISO text."""
    if type(raw) is str:  # nearly every cell: tested first
        return clean(raw)
    if raw is None:
        return ""
    if isinstance(raw, bool):
        return "是" if raw else "否"
    if isinstance(raw, float):
        if raw.is_integer():
            return str(int(raw))
        return repr(raw)
    if isinstance(raw, datetime):
        return raw.date().isoformat() if raw.time() == datetime.min.time() else raw.isoformat(" ")
    if isinstance(raw, date):
        return raw.isoformat()
    return clean(str(raw))


def is_blank(value: str) -> bool:
    """True when the text cleans to nothing (whitespace and zero-width characters only).

    Free text is kept as written, so this is the only cleaning it needs; without NFKC, which
    costs far more than the test. A printable string is blank only if it is all spaces: the
    characters ``clean`` drops or turns into spaces are none of them printable.
    """
    stripped = value.strip()
    return not stripped or (not stripped.isprintable() and not clean(stripped))


def as_written(raw: Any) -> str | None:
    """The cell's text as the 盟市 wrote it, None when blank: a string exactly as typed
    (full-width punctuation, inner spaces and line breaks kept), any other cell as ``to_text``
    renders it (a number without ``.0``, a date in ISO form)."""
    if type(raw) is str:
        return None if is_blank(raw) else raw
    return to_text(raw) or None
