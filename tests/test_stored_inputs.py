"""The store keeps the bytes of every file a week was merged from, once per content, and
``kq history --week N`` lists them and writes them back byte for byte."""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from kuangquan_cli.jobs import merge_and_store
from kuangquan_cli.merging.store import SCHEMA_VERSION, Store, _tables_up_to
from kuangquan_cli.merging.stored_inputs import safe_name
from support import city_rows, invoke, run_kq, write_city, write_inbox


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def contents(db: Path) -> list[tuple[str, int]]:
    with sqlite3.connect(db) as conn:
        return sorted(conn.execute("SELECT sha256, length(content) FROM file_content"))


@pytest.fixture
def two_weeks(tmp_path: Path, plan) -> tuple[Path, Path, Path]:
    """W37 and W38 of three 盟市; 乌海市 sent the very same file both weeks; W38 also a broken file."""
    w37, w38 = tmp_path / "2022-W37", tmp_path / "2022-W38"
    write_inbox(w37, per_city=2, cities=["呼和浩特市", "包头市", "乌海市"])
    write_inbox(w38, per_city=3, cities=["呼和浩特市", "包头市"])
    shutil.copyfile(w37 / "乌海市.xlsx", w38 / "乌海市.xlsx")
    (w38 / "损坏.xlsx").write_bytes(b"not a workbook")
    db = tmp_path / "kq.db"
    merge_and_store(w37, plan, 2022, 37, out=tmp_path / "w37.xlsx", db=db)
    merge_and_store(w38, plan, 2022, 38, out=tmp_path / "w38.xlsx", db=db)
    return w37, w38, db


def test_every_file_is_stored_once_per_content(two_weeks):
    w37, w38, db = two_weeks
    files = [*w37.iterdir(), *w38.iterdir()]
    assert len(files) == 7
    assert contents(db) == sorted({(digest(p), p.stat().st_size) for p in files})  # 6: 乌海市.xlsx once


def test_history_lists_a_weeks_files(two_weeks):
    _, w38, db = two_weeks
    listed = json.loads(invoke("history", "--week", "38", "--db", str(db), "--format", "json").stdout)
    assert listed["week"] == "2022-W38"
    assert [(f["file"], f["city"], f["size"], f["sha256"], f["status"], f["stored"]) for f in listed["files"]] == [
        (name, city, (w38 / name).stat().st_size, digest(w38 / name), status, True)
        for name, city, status in [("呼和浩特市.xlsx", "呼和浩特市", "merged"), ("包头市.xlsx", "包头市", "merged"),
                                   ("乌海市.xlsx", "乌海市", "merged"), ("损坏.xlsx", None, "rejected")]
    ]
    text = invoke("history", "--week", "38", "--db", str(db)).output
    assert "2022-W38 汇总时读取的文件" in text and digest(w38 / "包头市.xlsx")[:16] in text and "已拒收" in text


def test_restore_writes_the_files_back_byte_for_byte(two_weeks, tmp_path, monkeypatch, capfd):
    w37, _, db = two_weeks
    out = tmp_path / "restored"
    done = invoke("history", "--week", "37", "--restore", str(out), "--db", str(db))
    assert done.exit_code == 0, done.output
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in w37.iterdir())
    assert {p.name: digest(p) for p in out.iterdir()} == {p.name: digest(p) for p in w37.iterdir()}
    assert done.output.endswith(f"2022-W37：3 个文件已原样写回 {out}\n")

    code, _, err = run_kq(monkeypatch, capfd, "history", "--week", "37", "--restore", str(out), "--db", str(db))
    assert (code, err) == (2, f"错误：{out} 中已有同名文件 呼和浩特市.xlsx、包头市.xlsx、乌海市.xlsx"
                              "（如需覆盖请加 --force）\n")
    (out / "包头市.xlsx").write_bytes(b"changed since")
    assert invoke("history", "--week", "37", "--restore", str(out), "--db", str(db), "--force").exit_code == 0
    assert digest(out / "包头市.xlsx") == digest(w37 / "包头市.xlsx")


def test_merging_a_week_again_keeps_only_the_contents_some_week_uses(two_weeks, plan, tmp_path):
    _, w38, db = two_weeks
    before = contents(db)
    old = digest(w38 / "包头市.xlsx")
    write_city(w38, "包头市", city_rows("包头市", 1, 1000))
    (w38 / "损坏.xlsx").unlink()
    merge_and_store(w38, plan, 2022, 38, out=tmp_path / "w38.xlsx", db=db)
    after = contents(db)
    broken = hashlib.sha256(b"not a workbook").hexdigest()
    assert {sha for sha, _ in before} - {sha for sha, _ in after} == {old, broken}
    assert {sha for sha, _ in after} - {sha for sha, _ in before} == {digest(w38 / "包头市.xlsx")}


def test_a_store_from_before_is_upgraded_and_its_weeks_say_they_kept_no_files(tmp_path, plan, monkeypatch, capfd):
    db = tmp_path / "kq.db"
    write_inbox(tmp_path / "2022-W37", per_city=1, cities=["包头市"])
    merge_and_store(tmp_path / "2022-W37", plan, 2022, 37, out=tmp_path / "w37.xlsx", db=db)
    with sqlite3.connect(db) as conn:  # made the store kq wrote before baselines and stored inputs
        for table in sorted(_tables_up_to(SCHEMA_VERSION) - _tables_up_to(1), reverse=True):
            conn.execute(f"DROP TABLE {table}")  # baseline_right before baseline
        conn.execute("DROP INDEX source_file_sha256")
        conn.execute("PRAGMA user_version = 1")

    listed = json.loads(invoke("history", "--week", "37", "--db", str(db), "--format", "json").stdout)
    assert [(f["file"], f["stored"]) for f in listed["files"]] == [("包头市.xlsx", False)]
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)
    code, _, err = run_kq(monkeypatch, capfd, "history", "--week", "37", "--restore", str(tmp_path / "r"),
                          "--db", str(db))
    assert (code, err) == (2, "错误：数据库中没有保存 2022-W37 各文件的原件"
                              "（该周在 kq 保存原件之前汇总，或文件都无法读取）\n")
    assert Store(db).baselines() == [] and Store(db).latest_baseline() is None


def test_history_week_options_need_a_week(tmp_path, monkeypatch, capfd):
    code, _, err = run_kq(monkeypatch, capfd, "history", "--restore", str(tmp_path), "--db", str(tmp_path / "kq.db"))
    assert (code, err) == (2, "用法错误：--restore 需与 --week 一起使用（用 kq history --help 查看用法）\n")


@pytest.mark.parametrize(("name", "safe"), [
    ("包头市.xlsx", "包头市.xlsx"),
    ("a/b.xlsx", "a%2Fb.xlsx"),
    ("赤峰:第38周?.xlsx", "赤峰%3A第38周%3F.xlsx"),
    ("\\xd5\\xcb.xlsx", "%5Cxd5%5Cxcb.xlsx"),  # a name that was not UTF-8, as the store keeps it
    ("CON.xlsx", "_CON.xlsx"),
    ("..", "%2E%2E"),
    ("台账. ", "台账%2E%20"),
])
def test_a_name_that_is_not_one_file_name_everywhere_is_escaped(name, safe):
    assert safe_name(name) == safe
