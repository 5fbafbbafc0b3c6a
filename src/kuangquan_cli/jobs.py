"""The work of the commands that span layers, as library functions.

``merge_and_store`` is ``kq merge``: it reads and merges (``merging.merge``), keeps the week
(``merging.store``) and writes the workbook (``outputs.merged_workbook``). It lives above those
layers so that none of them needs to know the others.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from kuangquan_cli.atomic import atomic_write, check_target
from kuangquan_cli.errors import KqError
from kuangquan_cli.merging.merge import MergeResult, list_inbox, merge_inbox
from kuangquan_cli.merging.store import Store
from kuangquan_cli.outputs.merged_workbook import merged_workbook
from kuangquan_cli.reading.limits import Limits
from kuangquan_cli.reference.own_files import merged_workbook_name
from kuangquan_cli.reference.plan import Plan
from kuangquan_cli.reference.weeks import week_label
from kuangquan_cli.text import visible


def merge_and_store(
    directory: str | Path, plan: Plan, year: int, week: int, *, out: Path | None, db: Path,
    limits: Limits | None = None, deadline: datetime | None = None,
) -> MergeResult:
    """``kq merge``: merge the inbox (set against the latest stored baseline, if any), replace the
    week in the store with the bytes of every file it read, write the merged workbook.

    The inbox is listed first, so that a command that merges nothing leaves no new store behind.
    Then the store is opened (its version checked, its pages by ``PRAGMA quick_check``: a tenth of
    a second for a 50 MB store) before any work, so a store kq cannot use, or should not write
    into, stops the command before a workbook is written. The store and the workbook agree whatever
    fails: the workbook is written to its temporary file first, the week is saved, and only
    then does the workbook take its name. A failed write or save leaves both as they were; if
    the last step fails (the old workbook is open in Excel), the message says the week is saved.
    """
    out = out or Path("out") / merged_workbook_name(week_label(year, week))
    if out.suffix.lower() != ".xlsx":
        raise KqError(f"汇总台账应保存为 .xlsx 文件：{out}")
    check_target(out)
    list_inbox(Path(directory), (out,))  # a folder with no ledger stops here, before a new store is made
    with Store(db, create=True) as store:
        store.check()
        result = merge_inbox(directory, plan, year, week, outputs=(out,), limits=limits,
                             baseline=store.latest_baseline(), deadline=deadline)
        result.outputs = {"workbook": visible(str(out)), "db": visible(str(db))}
        content = merged_workbook(result, plan)
        saved = False
        try:
            with atomic_write(out) as temp:
                temp.write_bytes(content)
                result.replaced = store.save(result)
                saved = True
        except KqError as exc:
            if saved:
                raise KqError(f"{exc}；{result.label} 的快照已存入数据库 {db}，"
                              "处理后重新运行 kq merge 即可写出汇总台账") from exc
            raise
    return result
