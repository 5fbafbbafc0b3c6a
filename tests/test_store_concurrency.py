"""Several kq on one store at once: readers see one week whole, first uses do not race, a busy
store is called busy (and waited for), never damaged.

Each test runs real processes on a temporary store, bounded in count and in time.
"""

from __future__ import annotations

import multiprocessing
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from kuangquan_cli.errors import KqError
from kuangquan_cli.merging import store as store_module
from kuangquan_cli.merging.merge import MergeResult, merge_inbox
from kuangquan_cli.merging.store import Store
from support import run_kq, write_inbox

FORK = multiprocessing.get_context("fork")
#: Set in the test process before forking: the children save what the parent merged.
RESULTS: dict[str, MergeResult] = {}


@pytest.fixture(scope="module")
def two_inboxes(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The whole region (12 盟市, 2 rows each) and a smaller week (3 盟市, 4 rows each)."""
    root = tmp_path_factory.mktemp("inboxes")
    write_inbox(root / "region", per_city=2)
    write_inbox(root / "three", per_city=4, cities=["包头市", "乌海市", "赤峰市"])
    return root / "region", root / "three"


@pytest.fixture(scope="module")
def results(two_inboxes, plan) -> dict[str, MergeResult]:
    region, three = two_inboxes
    RESULTS.update(region=merge_inbox(region, plan, 2022, 38), three=merge_inbox(three, plan, 2022, 38))
    return RESULTS


def _save_in_a_loop(db: str, seconds: float, started: Any) -> None:
    """Replace week 38 over and over, alternating the two results, for ``seconds``."""
    with Store(db, create=True) as store:
        started.set()
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            for name in ("region", "three"):
                store.save(RESULTS[name])


def _is_whole(snapshot: Any) -> bool:
    """The snapshot's rows, files and summary are all of one save."""
    rows = snapshot.rows
    return (len(rows) == snapshot.summary["rows_in"]
            and {f["file"] for f in snapshot.files} == set(rows["source_file"])
            and len(snapshot.files) == len(snapshot.summary["files"]))


def test_a_reader_sees_one_week_whole_while_it_is_replaced(results, tmp_path):
    db = tmp_path / "kq.db"
    with Store(db, create=True) as store:
        store.save(results["region"])
    started = FORK.Event()
    writer = FORK.Process(target=_save_in_a_loop, args=(str(db), 4.0, started))
    writer.start()
    try:
        assert started.wait(10)
        seen, broken = set(), 0
        end = time.monotonic() + 3.0
        with Store(db) as store:
            while time.monotonic() < end:
                snapshot = store.load_snapshot(2022, 38)
                broken += not _is_whole(snapshot)
                seen.add(snapshot.summary["rows_in"])
    finally:
        writer.join(20)
    assert writer.exitcode == 0
    assert broken == 0
    assert seen == {24, 12}  # both saves were read, each whole


def _open_and_save(db: str, name: str, week: int, barrier: Any) -> None:
    result = RESULTS[name]
    result.week = week
    barrier.wait(10)
    with Store(db, create=True) as store:
        store.save(result)


def test_first_uses_of_a_new_store_do_not_race(results, tmp_path):
    """Four merges start at once on a store that does not exist yet, five times over: every
    process creates or finds the schema inside its write transaction, and every week is kept."""
    for attempt in range(5):
        db = tmp_path / f"kq{attempt}.db"
        barrier = FORK.Barrier(4)
        workers = [FORK.Process(target=_open_and_save, args=(str(db), "three", 35 + n, barrier)) for n in range(4)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(30)
        assert [w.exitcode for w in workers] == [0, 0, 0, 0]
        with Store(db) as store:
            assert [w.week for w in store.weeks()] == [35, 36, 37, 38]


def _hold_write_lock(db: str, seconds: float, held: Any) -> None:
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    held.set()
    time.sleep(seconds)
    conn.execute("ROLLBACK")
    conn.close()


@pytest.fixture
def stored(results, tmp_path) -> Path:
    db = tmp_path / "kq.db"
    with Store(db, create=True) as store:
        store.save(results["region"])
    return db


def holding_lock(db: Path, seconds: float) -> Any:
    held = FORK.Event()
    holder = FORK.Process(target=_hold_write_lock, args=(str(db), seconds, held))
    holder.start()
    assert held.wait(10)
    return holder


def test_a_store_busy_past_the_timeout_is_called_busy_not_damaged(stored, two_inboxes, tmp_path, monkeypatch, capfd):
    holder = holding_lock(stored, 3.0)
    try:
        with pytest.raises(KqError) as busy:
            with Store(stored, create=True, timeout=0.3) as store:
                store.save(RESULTS["three"])
        assert str(busy.value) == f"数据库正被其他 kq 使用，请稍后重试（{stored}）"

        monkeypatch.setattr(store_module, "BUSY_TIMEOUT_S", 0.3)
        out = tmp_path / "汇总台账.xlsx"
        code, _, err = run_kq(monkeypatch, capfd, "merge", str(two_inboxes[1]), "--week", "39", "--db", str(stored),
                              "--out", str(out))
        assert (code, err) == (2, f"错误：数据库正被其他 kq 使用，请稍后重试（{stored}）\n")
        assert not out.exists()  # the workbook agrees with the store: neither has week 39

        # readers are not held up by a writer (WAL): history and report work meanwhile
        code, out_text, err = run_kq(monkeypatch, capfd, "history", "--db", str(stored))
        assert code == 0 and "2022-W38" in out_text and err == ""
        page = tmp_path / "通报.md"
        code, _, err = run_kq(monkeypatch, capfd, "report", "--week", "38", "--db", str(stored), "--out", str(page))
        assert code == 0 and page.exists(), err
    finally:
        holder.join(10)
    with Store(stored) as store:
        assert [w.week for w in store.weeks()] == [38]


def test_a_save_in_progress_is_waited_for(stored, two_inboxes, tmp_path):
    """A lock held for a second (another kq saving a large week) delays the merge, no more."""
    holder = holding_lock(stored, 1.0)
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "kuangquan_cli", "merge", str(two_inboxes[1]), "--week", "39",
                           "--db", str(stored), "--out", str(tmp_path / "汇总台账.xlsx")],
                          capture_output=True, text=True, timeout=60)
    holder.join(10)
    assert proc.returncode == 1, proc.stderr  # 1: the week has findings (盟市 missing), not a failure
    assert time.monotonic() - started >= 0.5
    with Store(stored) as store:
        assert [w.week for w in store.weeks()] == [38, 39]


def test_a_store_is_in_wal_mode_once_written(stored):
    assert sqlite3.connect(stored).execute("PRAGMA journal_mode").fetchone()[0] == "wal"
