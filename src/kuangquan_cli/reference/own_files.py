"""The names of the files, sheets and columns kq writes, so that kq knows its own outputs when it
meets them again: a merge skips them in the inbox, and reading them finds kq's columns known and
its annotation sheet no ledger."""

from __future__ import annotations

MERGED_PREFIX = "汇总台账_"
ANNOTATED_SUFFIX = ".校验.xlsx"

#: The sheet an annotated copy starts with: the list of findings, not a ledger.
ANNOTATION_SHEET = "校验结果"
#: The columns the merged workbook adds to the ledger's: a number running through the sheet (the
#: 序号 each 盟市 wrote is kept in its own column), where each row came from, and on the 待核实
#: sheet its problems and, beside the task as submitted, the task kq derived.
MERGED_SEQ_HEADER = "汇总序号"
SOURCE_HEADERS = ("来源文件", "来源行")
PROBLEMS_HEADER = "问题"
DERIVED_TASK_HEADER = "推出的任务类别"
OWN_COLUMNS = frozenset({MERGED_SEQ_HEADER, *SOURCE_HEADERS, PROBLEMS_HEADER, DERIVED_TASK_HEADER})


def merged_workbook_name(label: str) -> str:
    """``汇总台账_2022-W38.xlsx`` for the week labelled ``2022-W38``."""
    return f"{MERGED_PREFIX}{label}.xlsx"


def annotated_name(stem: str) -> str:
    """``包头市.校验.xlsx`` for the ledger ``包头市.xlsx`` (whatever its format)."""
    return f"{stem}{ANNOTATED_SUFFIX}"
