"""The work of the commands that span layers, as library functions.

``merge_and_store`` is ``kq merge``: it reads and merges (``merging.merge``), keeps the week
(``merging.store``) and writes the workbook (``outputs.merged_workbook``). ``pack_week`` is
``kq pack``: from a stored week it writes each recipient's folder (the annotated ledgers of
``outputs.annotate``, the 反馈单 of ``report.feedback``, the department lists of
``outputs.merged_workbook``). They live above those layers so that none of them needs to know
the others.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from kuangquan_cli.atomic import atomic_write, check_target
from kuangquan_cli.checking.findings import Finding
from kuangquan_cli.checking.validate import validate_file
from kuangquan_cli.errors import KqError, os_error_reason
from kuangquan_cli.merging.merge import MergeResult, list_inbox, merge_inbox
from kuangquan_cli.merging.store import Snapshot, Store, StoredInput
from kuangquan_cli.merging.stored_changes import previous_rights
from kuangquan_cli.merging.stored_inputs import safe_name
from kuangquan_cli.merging.submissions import REJECTED, sender
from kuangquan_cli.merging.summary_tables import UNKNOWN_DEPARTMENT
from kuangquan_cli.outputs.annotate import annotate
from kuangquan_cli.outputs.merged_workbook import department_sheet, merged_workbook
from kuangquan_cli.outputs.sheets import Table, tables_workbook
from kuangquan_cli.reading.limits import Limits
from kuangquan_cli.reference.own_files import merged_workbook_name
from kuangquan_cli.reference.plan import Plan
from kuangquan_cli.reference.tables import divisions, member_departments
from kuangquan_cli.reference.weeks import next_week, week_label, week_range
from kuangquan_cli.report.assemble import build_report
from kuangquan_cli.report.feedback import Copy, feedback_table, feedback_title
from kuangquan_cli.report.model import ReportData
from kuangquan_cli.text import visible


def merge_and_store(
    directory: str | Path, plan: Plan, year: int, week: int, *, out: Path | None, db: Path,
    limits: Limits | None = None, deadline: datetime | None = None,
) -> MergeResult:
    """``kq merge``: merge the inbox (set against the latest stored baseline, if any, and compared
    right by right with the week stored before it), replace the week in the store with the bytes
    of every file it read, write the merged workbook.

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
                             baseline=store.latest_baseline(), previous=previous_rights(store, year, week),
                             deadline=deadline)
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


# ---- kq pack ------------------------------------------------------------------------------------

PACK_PREFIX = "分送材料_"
INDEX_NAME = "目录.xlsx"
FEEDBACK_CONTENT = "本周反馈单：数字与排名、点名原因、台账问题、改正时限"


def pack_folder_name(label: str) -> str:
    """``分送材料_2022-W38`` for the week labelled ``2022-W38``."""
    return f"{PACK_PREFIX}{label}"


@dataclass(frozen=True)
class PackedFile:
    """A file of the pack: who it is for, where it is (relative to the pack), what it holds."""

    recipient: str
    kind: str
    path: Path
    content: str


@dataclass
class Pack:
    folder: Path
    label: str
    files: list[PackedFile] = field(default_factory=list)
    no_copy: list[Copy] = field(default_factory=list)
    """The ledgers whose annotated copy could not be made (the 反馈单 says why)."""


def _next_due(plan: Plan, snapshot: Snapshot) -> datetime | None:
    """When next week's ledgers are due: the plan's weekly deadline, else a week after this one's."""
    due = plan.deadline(*next_week(snapshot.year, snapshot.week))
    if due is None and snapshot.summary.get("deadline"):
        due = datetime.fromisoformat(snapshot.summary["deadline"]) + timedelta(days=7)
    return due


def _source_bytes(store: Store, snapshot: Snapshot, stored: StoredInput) -> bytes | None:
    """The file as the merge read it: from the store, else from the inbox if it is still unchanged."""
    content = store.content(stored.sha256) if stored.stored else None
    if content is not None or not snapshot.source_dir:
        return content
    try:
        content = (Path(snapshot.source_dir) / stored.file).read_bytes()
    except (OSError, ValueError):
        return None
    return content if hashlib.sha256(content).hexdigest() == stored.sha256 else None


def _annotated_copy(content: bytes | None, stored: StoredInput, folder: Path, plan: Plan, snapshot: Snapshot,
                    work: Path) -> Copy:
    """The 盟市's file annotated into its folder, checked again as ``kq validate --annotate`` does."""
    if stored.status == REJECTED:
        return Copy(stored.file, None, "文件无法读取或不是台账，见报送情况")
    if content is None:
        return Copy(stored.file, None, "数据库中没有该文件的原件，收件文件夹中也没有汇总时的原样文件")
    source = work / safe_name(stored.file)
    source.write_bytes(content)
    result = validate_file(source, plan, week_range(snapshot.year, snapshot.week)[1])
    if not result.readable:
        return Copy(stored.file, None, "文件无法读取")
    return Copy(stored.file, annotate(result, folder, force=True).name)


def _city_folder(pack: Pack, staging: Path, city: str, data: ReportData, context: _PackContext) -> None:
    folder = staging / city
    folder.mkdir()
    mine = [i for i in context.inputs if sender(i.city, i.file) == city]
    copies = []
    with tempfile.TemporaryDirectory(prefix=".kq-pack-", dir=staging) as work:
        for stored in mine:
            content = _source_bytes(context.store, context.snapshot, stored)
            copies.append(_annotated_copy(content, stored, folder, context.plan, context.snapshot, Path(work)))
    for copy in copies:
        if copy.annotated:
            pack.files.append(PackedFile(city, "盟市", Path(city, copy.annotated), f"{copy.file} 的标注副本"))
        else:
            pack.no_copy.append(copy)
    names = {i.file for i in mine}
    findings = [Finding(**f) for f in context.snapshot.findings if f["file"] in names]
    sheet = feedback_table(data, city, findings, copies, _next_due(context.plan, context.snapshot))
    name = f"{city}反馈单_{pack.label}.xlsx"
    (folder / name).write_bytes(tables_workbook([sheet], feedback_title(data, city)))
    pack.files.append(PackedFile(city, "盟市", Path(city, name), FEEDBACK_CONTENT))


def _department_folder(pack: Pack, staging: Path, department: str, context: _PackContext) -> None:
    snapshot = context.snapshot
    title = f"{department}待办手续清单（{snapshot.year}年第{snapshot.week}周）"
    sheet = department_sheet(snapshot.rows, context.plan, department, caption=title)
    if department == UNKNOWN_DEPARTMENT and sheet.empty:
        return
    folder = staging / safe_name(department)
    folder.mkdir()
    name = safe_name(f"{department}待办手续清单_{pack.label}.xlsx")
    (folder / name).write_bytes(tables_workbook([sheet], title))
    pack.files.append(PackedFile(department, "成员单位", Path(folder.name, name),
                                 f"未完成矿业权所缺、由本部门办理的手续 {len(sheet.rows)} 项"))


def _index(pack: Pack) -> bytes:
    rows = [[n, f.recipient, f.kind, f.path.parent.name, f.path.name, f.content]
            for n, f in enumerate(pack.files, start=1)]
    title = f"分送材料目录（{pack.label}）"
    headers = ["序号", "收件单位", "类别", "文件夹", "文件", "内容"]
    return tables_workbook([Table("目录", headers, rows, caption=title)], title)


@dataclass(frozen=True)
class _PackContext:
    store: Store
    snapshot: Snapshot
    inputs: list[StoredInput]
    plan: Plan


def _replace_folder(staging: Path, target: Path) -> None:
    """Put the finished folder in place of ``target`` (moved aside first, removed after)."""
    old = None
    if target.exists():
        old = target.with_name(f".kq-old-{os.getpid()}-{target.name}")
        target.rename(old)
    staging.rename(target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def pack_week(db: Path, plan: Plan, year: int, week: int, *, out: Path | None = None, force: bool = False) -> Pack:
    """``kq pack``: a folder per recipient for the stored week, and an index.

    Each 盟市's folder holds the annotated copy of each file it sent (from the bytes the store
    kept, else the inbox's file if unchanged) and its 反馈单; each member department's folder its
    list of pending procedures (its rows of 部门手续清单). The pack is written in a hidden folder
    beside the target and takes the target's name when it is complete.
    """
    label = week_label(year, week)
    target = out or Path("out") / pack_folder_name(label)
    if target.exists() and not target.is_dir():
        raise KqError(f"输出路径是一个文件，应为文件夹：{target}")
    if target.exists() and not force:
        raise KqError(f"输出文件夹已存在：{target}（如需覆盖请加 --force）")
    pack = Pack(target, label)
    with Store(db) as store:
        store.check()
        with store.reading():
            data = build_report(store, plan, year, week)
            context = _PackContext(store, store.load_snapshot(year, week), store.inputs(year, week), plan)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            staging = Path(tempfile.mkdtemp(prefix=".kq-pack-", dir=target.parent))
        except OSError as exc:
            raise KqError(f"无法写入 {target}：{os_error_reason(exc)}") from exc
        try:
            for city in divisions().cities:
                _city_folder(pack, staging, city, data, context)
            for department in [*member_departments(), UNKNOWN_DEPARTMENT]:
                _department_folder(pack, staging, department, context)
            (staging / INDEX_NAME).write_bytes(_index(pack))
            _replace_folder(staging, target)
        except OSError as exc:
            raise KqError(f"无法写入 {target}：{os_error_reason(exc)}") from exc
        finally:
            with contextlib.suppress(OSError):
                shutil.rmtree(staging)
    return pack
