"""The snapshot store: one week per (year, week), replaced whole, readable by the weekly report."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from kuangquan_cli.errors import KqError
from kuangquan_cli.merging import store as store_module
from kuangquan_cli.merging.merge import merge_inbox
from kuangquan_cli.merging.rows import ROW_COLUMNS, rows_frame
from kuangquan_cli.merging.store import SCHEMA_VERSION, Store
from support import city_rows, invoke, kq, write_city, write_inbox


def merged(plan, inbox: Path, week: int = 38):
    return merge_inbox(inbox, plan, 2022, week)


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    directory = tmp_path / "inbox"
    write_inbox(directory, per_city=3, cities=["包头市", "乌海市"])
    rows = city_rows("赤峰市", 2, 9000)
    rows[1]["phone"] = "123"  # one flagged row
    write_city(directory, "赤峰市", rows)
    return directory


def test_a_saved_week_reads_back_whole(inbox, tmp_path, plan):
    result = merged(plan, inbox)
    with Store(tmp_path / "kq.db", create=True) as store:
        store.save(result)
        snap = store.load_snapshot(2022, 38)

    assert snap.label == "2022-W38" and snap.summary == result.summary()  # the findings have their own table
    rows = snap.rows
    assert list(rows.columns) == list(ROW_COLUMNS) and len(rows) == result.rows_in == 8
    assert rows["flagged"].sum() == 1 and rows.loc[rows["flagged"], "source_file"].tolist() == ["赤峰市.xlsx"]
    assert rows["counted"].all() and rows["task"].tolist() == [r.record.task for r in result.rows]
    first = rows.iloc[0]
    assert (first["source_file"], first["source_row"], first["city"]) == ("包头市.xlsx", 4, "包头市")
    assert first["missing"] == ("安全生产许可证", "用地手续") and first["deadline"].isoformat() == "2022-12-31"
    pd.testing.assert_frame_equal(rows, rows_frame([row.to_record() for row in result.rows]))

    files = {f["file"]: f for f in snap.files}
    digest = hashlib.sha256((inbox / "赤峰市.xlsx").read_bytes()).hexdigest()
    assert files["赤峰市.xlsx"]["sha256"] == digest
    assert files["赤峰市.xlsx"]["size"] == (inbox / "赤峰市.xlsx").stat().st_size
    found = Counter((f["file"], f["code"]) for f in snap.findings)
    assert found == {("赤峰市.xlsx", "phone.shape"): 1, (None, "merge.missing_city"): 9}  # the 9 盟市 not sent
    assert snap.reconciliation == [r.to_dict() for r in result.reconciliation]


def test_reading_a_week_back_needs_no_pydantic(inbox, tmp_path, plan):
    """The weekly report reads stored rows without importing pydantic (a fifth of its time)."""
    with Store(tmp_path / "kq.db", create=True) as store:
        store.save(merged(plan, inbox))
    probe = ("import sys; from kuangquan_cli.merging.store import Store; "
             "Store(sys.argv[1]).load_snapshot(2022, 38); print('pydantic' in sys.modules)")
    found = subprocess.run([sys.executable, "-c", probe, str(tmp_path / "kq.db")], capture_output=True, text=True)
    assert found.returncode == 0, found.stderr
    assert found.stdout.strip() == "False"


def test_merging_a_week_again_replaces_it(inbox, tmp_path, plan):
    db = tmp_path / "kq.db"
    with Store(db, create=True) as store:
        store.save(merged(plan, inbox))
        (inbox / "赤峰市.xlsx").unlink()
        store.save(merged(plan, inbox))
        assert [(w.label, w.rows_in, w.files) for w in store.weeks()] == [("2022-W38", 6, 2)]
        snap = store.load_snapshot(2022, 38)
    assert len(snap.rows) == 6 and {f["file"] for f in snap.files} == {"包头市.xlsx", "乌海市.xlsx"}
    assert sqlite3.connect(db).execute("SELECT count(*) FROM ledger_row").fetchone()[0] == 6  # no orphans


def test_a_crash_half_way_leaves_the_previous_snapshot_intact(inbox, tmp_path, plan, monkeypatch):
    db = tmp_path / "kq.db"
    with Store(db, create=True) as store:
        store.save(merged(plan, inbox))
    before = Store(db).load_snapshot(2022, 38)

    real, calls = store_module._row_values, []

    def crash_after_three(*args):
        calls.append(1)
        if len(calls) > 3:
            raise KeyboardInterrupt  # the user pressed Ctrl-C while the rows were being written
        return real(*args)

    monkeypatch.setattr(store_module, "_row_values", crash_after_three)
    (inbox / "赤峰市.xlsx").unlink()
    with Store(db) as store, pytest.raises(KeyboardInterrupt):
        store.save(merged(plan, inbox))
    monkeypatch.undo()

    after = Store(db).load_snapshot(2022, 38)
    assert after.stored_at == before.stored_at and after.files == before.files
    assert after.rows.equals(before.rows) and len(after.rows) == 8


def test_previous_week_and_history(inbox, tmp_path, plan):
    db = tmp_path / "kq.db"
    with Store(db, create=True) as store:
        for week in (36, 38):
            store.save(merged(plan, inbox, week))
        assert store.previous_week(2022, 38) == (2022, 36)
        assert store.previous_week(2022, 37) == (2022, 36)
        assert store.previous_week(2022, 36) is None
        with pytest.raises(KqError, match="没有 2022-W37 的汇总"):
            store.load_snapshot(2022, 37)

    text = invoke("history", "--db", str(db))
    assert text.exit_code == 0 and "2022-W36" in text.output and "2022-W38" in text.output
    data = json.loads(invoke("history", "--db", str(db), "--format", "json").output)
    assert [(w["label"], w["rows_in"], w["rows_flagged"], w["files"]) for w in data["weeks"]] == [
        ("2022-W36", 8, 1, 3), ("2022-W38", 8, 1, 3)]


def test_a_store_from_a_newer_kq_is_refused(inbox, tmp_path):
    db = tmp_path / "kq.db"
    Store(db, create=True).close()
    conn = sqlite3.connect(db)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()

    proc = kq("merge", str(inbox), "--week", "38", "--db", str(db), cwd=tmp_path)
    assert proc.returncode == 2 and "更新版本" in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "out").exists()  # refused before anything was written
    assert kq("history", "--db", str(db), cwd=tmp_path).returncode == 2


def test_a_missing_or_foreign_store_is_a_clear_error(tmp_path):
    with pytest.raises(KqError, match="找不到数据库"):
        Store(tmp_path / "none.db")
    foreign = tmp_path / "foreign.db"
    foreign.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(KqError, match="不是 kq 的数据库"):
        Store(foreign)
    assert sqlite3.connect(Store(tmp_path / "new.db", create=True).path).execute(
        "PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
