"""The work of the commands that span layers, as library functions.

``merge_and_store`` is ``kq merge``: it reads and merges (``merging.merge``), keeps the week
(``merging.store``) and writes the workbook (``outputs.merged_workbook``). It lives above those
layers so that none of them needs to know the others.
"""

from __future__ import annotations

from pathlib import Path

from kuangquan_cli.errors import KqError
from kuangquan_cli.merging.merge import MergeResult, list_inbox, merge_inbox
from kuangquan_cli.merging.store import Store
from kuangquan_cli.outputs.merged_workbook import write_merged_workbook
from kuangquan_cli.reading.limits import Limits
from kuangquan_cli.reference.own_files import merged_workbook_name
from kuangquan_cli.reference.plan import Plan
from kuangquan_cli.reference.weeks import week_label


def merge_and_store(
    directory: str | Path, plan: Plan, year: int, week: int, *, out: Path | None, db: Path,
    limits: Limits | None = None,
) -> MergeResult:
    """``kq merge``: merge the inbox, write the merged workbook, replace the week in the store.

    The store is opened (and its version checked) before any work, so a store kq cannot use
    stops the command before a workbook is written; but not before the inbox is known to hold
    a ledger, so that a command that merges nothing leaves no new store behind.
    """
    out = out or Path("out") / merged_workbook_name(week_label(year, week))
    if out.suffix.lower() != ".xlsx":
        raise KqError(f"汇总台账应保存为 .xlsx 文件：{out}")
    list_inbox(Path(directory), (out,))  # a folder with no ledger stops here, before a new store is made
    with Store(db, create=True) as store:
        result = merge_inbox(directory, plan, year, week, outputs=(out,), limits=limits)
        write_merged_workbook(result, plan, out)
        result.outputs = {"workbook": str(out), "db": str(db)}
        result.replaced = store.save(result)
    return result
