"""Turning raw cell values into clean Python values (docs/ledger.md#取值规范化).

A raw value is whatever the reader produced: ``str``, ``int``, ``float``, ``bool``, ``date``,
``datetime`` or ``None``. Numbers typed into text columns keep every digit they still have;
Excel already rounded anything past 15 significant digits, which ``lost_precision`` detects.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime, timedelta
from typing import Any

from kuangquan_cli.text import to_text

_EXCEL_EPOCH = date(1899, 12, 30)
_MAX_SERIAL = 2958465  # 9999-12-31


def lost_precision(raw: Any) -> bool:
    """A number with more than 15 digits has been rounded by Excel: its tail is gone (an infinite
    one, which a hand-made file can hold, is no number at all and is reported by its field)."""
    if isinstance(raw, float) and not math.isfinite(raw):
        return False
    return isinstance(raw, (int, float)) and not isinstance(raw, bool) and len(str(int(raw))) > 15


_DATE_TEXT = (
    re.compile(r"(?P<y>\d{4})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*日?(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?"),
    re.compile(r"(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})"),
)


def parse_date(raw: Any) -> date | None:
    """A date from an Excel date cell, a serial number or text; None when it is not a date.

    Accepted text: ``2022-09-20``, ``2022/9/20``, ``2022.9.20``, ``2022年9月20日``, ``20220920``
    (full-width digits too, after cleaning).
    """
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        if not float(raw).is_integer():
            return None
        if 10**7 <= raw < 10**8:  # 20220920 typed as a number
            return parse_date(str(int(raw)))
        if 1 <= raw <= _MAX_SERIAL:
            return _EXCEL_EPOCH + timedelta(days=int(raw))
        return None
    text = to_text(raw)
    for pattern in _DATE_TEXT:
        match = pattern.fullmatch(text)
        if match:
            try:
                return date(int(match["y"]), int(match["m"]), int(match["d"]))
            except ValueError:
                return None
    return None


_LIST_SPLIT = re.compile(r"[、，,；;／/\s]+")


def split_list(text: str) -> list[str]:
    """Items of a list cell such as ``安全生产许可证、用地手续`` (separators 、，,；;／/ and spaces)."""
    return [item for item in _LIST_SPLIT.split(text) if item]
