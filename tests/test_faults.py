"""Faults of the machine and of the store: each is one Chinese line naming the path and the
cause (exit 2), never an internal error, and the store and the merged workbook still agree.

Disk full and read-only folders are made with a small tmpfs where the test may mount one
(root on Linux); otherwise the disk-full cases inject ENOSPC / SQLITE_FULL, and the read-only
ones use a folder without write permission.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from kuangquan_cli import atomic
from kuangquan_cli.atomic import atomic_write
from kuangquan_cli.errors import KqError
from kuangquan_cli.merging import store as store_module
from kuangquan_cli.merging.merge import merge_inbox
from kuangquan_cli.merging.store import Store
from support import run_kq, write_inbox

FULL = "磁盘空间已满"


@pytest.fixture(scope="module")
def inbox(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("inbox") / "2022-W38"
    write_inbox(folder, per_city=2, cities=["包头市", "乌海市", "赤峰市"])
    return folder


@contextlib.contextmanager
def tmpfs(folder: Path, options: str) -> Iterator[Path]:
    """A tmpfs mounted at ``folder`` (skips the test where mounting is not permitted)."""
    folder.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode(errors='replace').strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def fill(folder: Path) -> None:
    """Fill the file system of ``folder`` to the last byte."""
    with contextlib.suppress(OSError), (folder / "filler").open("wb", buffering=0) as filler:
        while True:
            filler.write(b"\0" * 4096)


def weeks(db: Path) -> list[int]:
    with Store(db) as store:
        return [w.week for w in store.weeks()]


# --- disk full --------------------------------------------------------------------------------

def test_disk_full_while_saving_keeps_the_old_week_and_says_why(inbox, plan, tmp_path):
    """SQLite rolls back by itself on a full disk: kq's own ROLLBACK must not hide the cause."""
    with tmpfs(tmp_path / "disk", "size=8m") as disk:
        db = disk / "kq.db"
        result = merge_inbox(inbox, plan, 2022, 38)
        with Store(db, create=True) as store:
            store.save(result)
            result.week = 39
            fill(disk)
            with pytest.raises(KqError) as full:
                store.save(result)
        assert str(full.value) == f"无法写入数据库 {db}：磁盘空间已满（数据库保持原样，清理磁盘后重新运行即可）"
        (disk / "filler").unlink(missing_ok=True)
        assert weeks(db) == [38]


def test_an_injected_full_disk_while_saving_says_why(inbox, plan, tmp_path, monkeypatch):
    """The same without a tmpfs: the store's file may not grow by a page (SQLITE_FULL)."""
    db = tmp_path / "kq.db"
    result = merge_inbox(inbox, plan, 2022, 38)
    with Store(db, create=True) as store:
        store.save(result)
    pages = sqlite3.connect(db).execute("PRAGMA page_count").fetchone()[0]
    connect = sqlite3.connect

    def no_room(*args, **kwargs):
        conn = connect(*args, **kwargs)
        conn.execute(f"PRAGMA max_page_count = {pages}")
        return conn

    monkeypatch.setattr(sqlite3, "connect", no_room)
    result.week = 39
    with Store(db, create=True) as store, pytest.raises(KqError) as full:
        store.save(result)
    monkeypatch.undo()
    assert str(full.value) == f"无法写入数据库 {db}：磁盘空间已满（数据库保持原样，清理磁盘后重新运行即可）"
    assert weeks(db) == [38]


def test_disk_full_for_the_workbook_changes_neither_output(inbox, tmp_path, monkeypatch, capfd):
    db = tmp_path / "kq.db"
    with tmpfs(tmp_path / "disk", "size=256k") as disk:
        out = disk / "汇总台账.xlsx"
        fill(disk)
        code, out_text, err = run_kq(monkeypatch, capfd, "merge", str(inbox), "--db", str(db), "--out", str(out))
        assert (code, out_text, err) == (2, "", f"错误：无法写入 {out}：{FULL}\n")
        assert sorted(p.name for p in disk.iterdir()) == ["filler"]  # no temporary file left
    assert weeks(db) == []  # the store agrees: the week was not saved


def test_an_injected_full_disk_for_the_workbook(inbox, tmp_path, monkeypatch, capfd):
    """ENOSPC injected at the workbook's write, and the removal of its temporary file failing too:
    the message is still the cause, not the cleanup's error."""
    def no_space(self: Path, data: bytes) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    def cannot_unlink(self: Path, missing_ok: bool = False) -> None:
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(Path, "write_bytes", no_space)
    monkeypatch.setattr(Path, "unlink", cannot_unlink)
    out = tmp_path / "out" / "汇总台账.xlsx"
    code, _, err = run_kq(monkeypatch, capfd, "merge", str(inbox), "--db", str(tmp_path / "kq.db"), "--out", str(out))
    monkeypatch.undo()
    assert (code, err) == (2, f"错误：无法写入 {out}：{FULL}\n")
    assert weeks(tmp_path / "kq.db") == []


# --- read-only, permission, long names --------------------------------------------------------

@contextlib.contextmanager
def read_only_folder(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """A folder kq cannot write into, and the cause kq should name."""
    if os.geteuid() == 0:  # root writes through permissions: a read-only file system it is
        with tmpfs(tmp_path / "ro", "ro,size=64k") as folder:
            yield folder, "所在的磁盘是只读的"
        return
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        yield folder, "没有写权限（文件可能正在 Excel/WPS 中打开）"
    finally:
        folder.chmod(0o755)


def test_a_read_only_out_folder_is_named_with_its_cause(inbox, tmp_path, monkeypatch, capfd):
    db = tmp_path / "kq.db"
    with read_only_folder(tmp_path) as (folder, cause):
        out = folder / "汇总台账.xlsx"
        code, out_text, err = run_kq(monkeypatch, capfd, "merge", str(inbox), "--db", str(db), "--out", str(out))
        assert (code, out_text, err) == (2, "", f"错误：无法写入 {out}：{cause}\n")
    assert weeks(db) == []


def test_a_store_in_a_read_only_folder_is_named_with_its_cause(inbox, tmp_path, monkeypatch, capfd):
    with read_only_folder(tmp_path) as (folder, cause):
        db = folder / "kq.db"
        code, _, err = run_kq(monkeypatch, capfd, "merge", str(inbox), "--db", str(db),
                              "--out", str(tmp_path / "汇总台账.xlsx"))
        assert (code, err) == (2, f"错误：无法打开数据库 {db}：{cause}\n")
    assert not (tmp_path / "汇总台账.xlsx").exists()


def test_long_file_names(inbox, tmp_path, monkeypatch, capfd):
    """A 245-byte name is written (the temporary name is short whatever the target's); one the
    folder cannot hold is refused before anything is saved."""
    db = tmp_path / "kq.db"
    fits = tmp_path / ("汇" * 80 + ".xlsx")  # 245 bytes in UTF-8
    assert len(os.fsencode(fits.name)) == 245
    code, _, err = run_kq(monkeypatch, capfd, "merge", str(inbox), "--db", str(db), "--out", str(fits))
    assert code == 1 and fits.exists(), err  # 1: findings (盟市 missing)
    too_long = tmp_path / ("汇" * 90 + ".xlsx")
    code, _, err = run_kq(monkeypatch, capfd, "merge", str(inbox), "--week", "39", "--db", str(db),
                          "--out", str(too_long))
    assert (code, err) == (2, f"错误：无法写入 {too_long}：文件名过长（请缩短文件名或文件夹名）\n")
    assert weeks(db) == [38]


def test_a_workbook_that_cannot_take_its_name_says_the_week_is_saved(inbox, tmp_path, monkeypatch, capfd):
    """The one step after the save (the rename; on Windows, the old workbook open in Excel)."""
    def in_use(source: str, target: str) -> None:
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(atomic.os, "replace", in_use)
    db, out = tmp_path / "kq.db", tmp_path / "汇总台账.xlsx"
    code, _, err = run_kq(monkeypatch, capfd, "merge", str(inbox), "--db", str(db), "--out", str(out))
    monkeypatch.undo()
    assert (code, err) == (2, f"错误：无法写入 {out}：没有写权限（文件可能正在 Excel/WPS 中打开）；"
                              f"2022-W38 的快照已存入数据库 {db}，处理后重新运行 kq merge 即可写出汇总台账\n")
    assert weeks(db) == [38] and sorted(p.name for p in tmp_path.iterdir()) == ["kq.db"]


# --- damaged and foreign stores ---------------------------------------------------------------

@pytest.fixture
def stored(inbox, plan, tmp_path) -> Path:
    db = tmp_path / "kq.db"
    with Store(db, create=True) as store:
        for week in (37, 38):
            store.save(merge_inbox(inbox, plan, 2022, week))
    return db


DAMAGED_ADVICE = "；请换用损坏前的备份副本，没有备份时将它改名留存，再用 kq merge 重新汇总各周台账以重建"


def test_a_damaged_page_is_called_damaged_by_report_and_history(stored, tmp_path, monkeypatch, capfd):
    conn = sqlite3.connect(stored)
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'ledger_row'").fetchone()[0]
    conn.close()
    with stored.open("r+b") as file:  # the rows' first page overwritten, as a bad sector would
        file.seek((root - 1) * page_size)
        file.write(b"\xff" * page_size)

    code, _, err = run_kq(monkeypatch, capfd, "report", "--week", "38", "--db", str(stored),
                          "--out", str(tmp_path / "通报.html"))
    assert (code, err) == (2, f"错误：数据库 {stored} 已损坏（database disk image is malformed）{DAMAGED_ADVICE}\n")
    code, out, err = run_kq(monkeypatch, capfd, "history", "--db", str(stored))
    assert code == 2 and out == "" and "内部错误" not in err
    assert err.startswith(f"错误：数据库 {stored} 已损坏（") and err.endswith(DAMAGED_ADVICE + "\n")


def test_a_damaged_store_is_not_written_into(stored, inbox, tmp_path, monkeypatch, capfd):
    """merge checks the store's pages before any work: no workbook, nothing added to the damage."""
    conn = sqlite3.connect(stored)
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'finding'").fetchone()[0]
    conn.close()
    with stored.open("r+b") as file:
        file.seek((root - 1) * page_size)
        file.write(b"\xff" * page_size)
    before = digest(stored)
    out = tmp_path / "汇总台账.xlsx"
    code, _, err = run_kq(monkeypatch, capfd, "merge", str(inbox), "--week", "39", "--db", str(stored),
                          "--out", str(out))
    assert code == 2 and err.startswith(f"错误：数据库 {stored} 已损坏（") and err.endswith(DAMAGED_ADVICE + "\n")
    assert not out.exists() and digest(stored) == before


@pytest.mark.parametrize("table", ["finding", "file_content"])  # a table of the first schema, one of a later step
def test_a_dropped_table_is_called_damaged(stored, monkeypatch, capfd, table):
    sqlite3.connect(stored, isolation_level=None).execute(f"DROP TABLE {table}")
    for command in ("history", "report"):
        code, _, err = run_kq(monkeypatch, capfd, command, "--db", str(stored))
        assert (code, err) == (2, f"错误：数据库 {stored} 已损坏（缺少数据表 {table}）{DAMAGED_ADVICE}\n")


def test_a_busy_store_is_never_called_damaged(stored, monkeypatch, capfd):
    """A lock held by another program on a store not yet in WAL mode (one written before it)."""
    conn = sqlite3.connect(stored, isolation_level=None)
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.execute("BEGIN EXCLUSIVE")
    monkeypatch.setattr("kuangquan_cli.merging.store.BUSY_TIMEOUT_S", 0.2)
    try:
        code, _, err = run_kq(monkeypatch, capfd, "history", "--db", str(stored))
    finally:
        conn.execute("ROLLBACK")
    assert (code, err) == (2, f"错误：数据库正被其他 kq 使用，请稍后重试（{stored}）\n")


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_another_programs_sqlite_file_is_refused_and_left_untouched(inbox, tmp_path, monkeypatch, capfd):
    foreign = tmp_path / "通讯录.db"
    conn = sqlite3.connect(foreign)
    conn.execute("CREATE TABLE users (name TEXT)")
    conn.execute("INSERT INTO users VALUES ('张三')")
    conn.commit()
    conn.close()
    before = digest(foreign)
    expected = (f"错误：{foreign} 不是 kq 的数据库（是其他程序的 SQLite 文件，含数据表 users）；"
                "kq 不会改动它，请用 --db 另指一个文件\n")
    for args in (["merge", str(inbox), "--out", str(tmp_path / "汇总台账.xlsx")], ["history"], ["report"]):
        code, _, err = run_kq(monkeypatch, capfd, *args, "--db", str(foreign))
        assert (code, err) == (2, expected)
    assert digest(foreign) == before and sorted(p.name for p in tmp_path.iterdir()) == ["通讯录.db"]


def test_a_store_written_before_kq_marked_its_stores_is_still_used(stored, inbox, tmp_path, monkeypatch, capfd):
    conn = sqlite3.connect(stored, isolation_level=None)
    conn.execute("PRAGMA application_id = 0")
    conn.close()
    code, out, err = run_kq(monkeypatch, capfd, "history", "--db", str(stored))
    assert code == 0 and "2022-W38" in out, err
    code, _, err = run_kq(monkeypatch, capfd, "merge", str(inbox), "--week", "39", "--db", str(stored),
                          "--out", str(tmp_path / "汇总台账.xlsx"))
    assert code == 1, err
    assert sqlite3.connect(stored).execute("PRAGMA application_id").fetchone()[0] == store_module.APPLICATION_ID
    assert weeks(stored) == [37, 38, 39]


def test_a_file_that_is_not_sqlite_is_refused(tmp_path, monkeypatch, capfd):
    other = tmp_path / "kq.db"
    other.write_bytes("这不是数据库".encode() * 200)
    code, _, err = run_kq(monkeypatch, capfd, "history", "--db", str(other))
    assert (code, err) == (2, f"错误：{other} 不是 kq 的数据库（不是 SQLite 数据库文件，或文件头已损坏）；"
                              "请用 --db 另指一个文件，或换用备份副本\n")


def test_a_folder_given_as_the_store_is_refused_in_chinese(tmp_path, monkeypatch, capfd):
    code, _, err = run_kq(monkeypatch, capfd, "history", "--db", str(tmp_path))
    assert (code, err) == (2, f"用法错误：{tmp_path} 是文件夹，不是文件（用 kq history --help 查看用法）\n")
    with pytest.raises(KqError, match="数据库路径是一个文件夹"):
        Store(tmp_path)


# --- temporary files of killed runs -----------------------------------------------------------

def test_the_temporary_file_of_a_killed_run_is_removed_by_the_next_write(tmp_path):
    target = tmp_path / "汇总台账.xlsx"
    script = ("import sys, time\nfrom pathlib import Path\nfrom kuangquan_cli.atomic import atomic_write\n"
              "with atomic_write(Path(sys.argv[1])) as temp:\n    temp.write_bytes(b'PK' * 1000)\n"
              "    print('writing', flush=True)\n    time.sleep(60)\n")
    with subprocess.Popen([sys.executable, "-c", script, str(target)], stdout=subprocess.PIPE, text=True) as child:
        assert child.stdout is not None and child.stdout.readline().strip() == "writing"
        leftover = [p.name for p in tmp_path.iterdir()]
        child.send_signal(signal.SIGKILL)
    assert len(leftover) == 1 and atomic.is_temporary(leftover[0]) and (tmp_path / leftover[0]).exists()

    with atomic_write(target) as temp:
        temp.write_bytes(b"this week")
    assert [p.name for p in tmp_path.iterdir()] == [target.name]


def test_the_temporary_file_of_a_running_writer_is_left_alone(tmp_path):
    with subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"]) as other:
        try:
            busy = tmp_path / f".kq-{atomic._HOST}-{other.pid}-0123abcd.tmp.xlsx"
            busy.write_bytes(b"being written")
            mine = tmp_path / f".kq-{atomic._HOST}-{os.getpid()}-0123abcd.tmp.xlsx"
            mine.write_bytes(b"being written by this process")
            with atomic_write(tmp_path / "a.xlsx") as temp:
                temp.write_bytes(b"a")
            assert busy.exists() and mine.exists()
        finally:
            other.kill()
    with atomic_write(tmp_path / "a.xlsx") as temp:
        temp.write_bytes(b"a")
    assert not busy.exists() and mine.exists()


def test_the_temporary_file_of_another_host_is_removed_after_an_hour(tmp_path):
    """A folder shared between computers: whether the writer lives cannot be asked, its age can."""
    host = "0000" if atomic._HOST != "0000" else "0001"
    recent = tmp_path / f".kq-{host}-12345-0123abcd.tmp.xlsx"
    old = tmp_path / f".kq-{host}-12346-0123abcd.tmp.xlsx"
    for leftover in (recent, old):
        leftover.write_bytes(b"half a workbook")
    os.utime(old, (time.time() - 2 * 3600,) * 2)
    with atomic_write(tmp_path / "a.xlsx") as temp:
        temp.write_bytes(b"a")
    assert recent.exists() and not old.exists()
