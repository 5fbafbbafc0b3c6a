"""The names of the files kq writes, so that kq knows its own outputs when it meets them again
(a merge skips them in the inbox)."""

from __future__ import annotations

MERGED_PREFIX = "汇总台账_"
ANNOTATED_SUFFIX = ".校验.xlsx"


def merged_workbook_name(label: str) -> str:
    """``汇总台账_2022-W38.xlsx`` for the week labelled ``2022-W38``."""
    return f"{MERGED_PREFIX}{label}.xlsx"


def annotated_name(stem: str) -> str:
    """``包头市.校验.xlsx`` for the ledger ``包头市.xlsx`` (whatever its format)."""
    return f"{stem}{ANNOTATED_SUFFIX}"
