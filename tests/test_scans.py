"""Stamped scans (盖章扫描版) and punctuality: who sent the sealed scan beside the workbook, and
whether each file arrived by the week's deadline.

A PDF or image in the inbox whose name names a 盟市 is that 盟市's scan; the 报送情况 of the merged
workbook and of the 通报 show both forms per 盟市, and the 通报 names the 盟市 without a scan. The
通报 says 按时报送 only when the file is known to have arrived by a deadline.
"""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path

import pytest

from kuangquan_cli.jobs import merge_and_store
from kuangquan_cli.merging.merge import merge_inbox
from kuangquan_cli.merging.store import Store
from kuangquan_cli.merging.submissions import SCAN_ONLY_NOTE, UNMATCHED_NOTE, submissions
from kuangquan_cli.reference.plan import load_plan
from kuangquan_cli.reference.tables import divisions
from kuangquan_cli.report.assemble import build_report
from kuangquan_cli.report.render import write_report
from kuangquan_cli.report.sentences import scans, submission_note
from support import run_kq, sheet, write_inbox

CITIES = divisions().cities
SENT = ["呼和浩特市", "包头市", "乌海市"]
DEADLINE = datetime(2022, 9, 23, 17, 0)


def arrive(path: Path, moment: datetime) -> None:
    os.utime(path, (moment.timestamp(), moment.timestamp()))


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    """Three ledgers; 包头市 sends its scan, 呼和浩特市 and 乌海市 none; 赤峰市 sends only a scan;
    one scan names no 盟市. 乌海市's ledger arrives after Friday 17:00, the others before."""
    folder = tmp_path / "2022-W38"
    paths = write_inbox(folder, per_city=2, cities=SENT)
    for name in ("包头市盖章扫描版.pdf", "赤峰市台账（盖章）.jpg", "扫描件001.png"):
        (folder / name).write_bytes(b"%PDF-1.4 scan")
    (folder / "说明.txt").write_text("本周台账", encoding="utf-8")
    arrive(paths["呼和浩特市"], datetime(2022, 9, 22, 9, 30))
    arrive(paths["包头市"], datetime(2022, 9, 23, 17, 0))
    arrive(paths["乌海市"], datetime(2022, 9, 23, 18, 5))
    return folder


def test_a_scan_is_its_citys_whatever_else_is_in_the_inbox(inbox, plan):
    result = merge_inbox(inbox, plan, 2022, 38)
    assert [(s.file, s.city) for s in result.scans] == [
        ("包头市盖章扫描版.pdf", "包头市"), ("扫描件001.png", None), ("赤峰市台账（盖章）.jpg", "赤峰市")]
    assert result.ignored == ["说明.txt"]
    assert result.cities_without_scan == [c for c in CITIES if c not in ("包头市", "赤峰市")]


def test_the_portals_scan_folder_is_read_too(inbox, plan):
    (inbox / "盖章扫描件").mkdir()
    (inbox / "盖章扫描件" / "乌海市.第1版.pdf").write_bytes(b"%PDF-1.4")
    result = merge_inbox(inbox, plan, 2022, 38)
    assert ("乌海市.第1版.pdf", "乌海市") in [(s.file, s.city) for s in result.scans]
    assert "乌海市" not in result.cities_without_scan


def test_the_submissions_sheet_shows_each_citys_workbook_and_scan(inbox, tmp_path, plan):
    out = tmp_path / "汇总.xlsx"
    merge_and_store(inbox, plan, 2022, 38, out=out, db=tmp_path / "kq.db")
    lines = sheet(out, "报送情况")
    by_city = {line["盟市"]: line for line in lines if line["盟市"]}
    assert (by_city["包头市"]["电子版"], by_city["包头市"]["盖章扫描版"]) == ("包头市.xlsx", "包头市盖章扫描版.pdf")
    assert (by_city["呼和浩特市"]["电子版"], by_city["呼和浩特市"]["盖章扫描版"]) == ("呼和浩特市.xlsx", "未收到")
    chifeng = by_city["赤峰市"]  # a scan that names a 盟市 which sent no workbook
    assert (chifeng["电子版"], chifeng["状态"], chifeng["盖章扫描版"], chifeng["说明"]) == (
        None, "未报送", "赤峰市台账（盖章）.jpg", SCAN_ONLY_NOTE)
    assert lines[-1] | {"说明": None} == {
        "盟市": None, "电子版": None, "行数": 0, "待核实行数": 0, "错误": 0, "警告": 0, "状态": "扫描件未能对应盟市",
        "到达时间": None, "按时报送": None, "盖章扫描版": "扫描件001.png", "说明": None}
    assert lines[-1]["说明"] == UNMATCHED_NOTE


def test_the_report_names_the_cities_without_a_scan(inbox, tmp_path, plan):
    db = tmp_path / "kq.db"
    merge_and_store(inbox, plan, 2022, 38, out=tmp_path / "汇总.xlsx", db=db)
    with Store(db) as store:
        data = build_report(store, plan, 2022, 38)
    without = [c for c in CITIES if c not in ("包头市", "赤峰市")]
    assert data.without_scan == without
    assert scans(data) == (f"按方案要求，台账应同时报送电子版和加盖公章扫描版。{'、'.join(without)}共10个盟市"
                           "本周未报送盖章扫描版，请尽快补报。")
    written = write_report(db, plan, 2022, 38, "md", tmp_path / "通报.md")[1].read_text(encoding="utf-8")
    assert scans(data) in written and "| 包头市 | 包头市.xlsx |" in written


def test_without_a_deadline_the_report_never_claims_on_time(inbox, tmp_path, plan):
    db = tmp_path / "kq.db"
    result = merge_and_store(inbox, plan, 2022, 38, out=tmp_path / "汇总.xlsx", db=db)
    assert result.deadline is None and {s.on_time for s in result.sources} == {None}
    with Store(db) as store:
        data = build_report(store, plan, 2022, 38)
    assert {s.report_text for s in data.submissions if s.file} == {"已报送"}
    assert submission_note(data).startswith("本周未设报送时限，只记是否报送、不判断是否按时。")
    written = write_report(db, plan, 2022, 38, "html", tmp_path / "通报.html")[1].read_text(encoding="utf-8")
    assert "按时" not in written.replace("不判断是否按时", "")


def test_a_deadline_sets_each_files_arrival_against_it(inbox, tmp_path, monkeypatch, capfd):
    db, out = tmp_path / "kq.db", tmp_path / "汇总.xlsx"
    code, text, err = run_kq(monkeypatch, capfd, "merge", str(inbox), "--db", str(db), "--out", str(out),
                             "--deadline", "2022-09-23 17:00", "--format", "json")
    assert (code, err) == (1, "")  # 1: nine 盟市 sent nothing
    data = json.loads(text)
    assert data["deadline"] == "2022-09-23T17:00:00"
    assert [(f["file"], f["arrived"], f["on_time"]) for f in data["files"]] == [
        ("呼和浩特市.xlsx", "2022-09-22T09:30:00", True), ("包头市.xlsx", "2022-09-23T17:00:00", True),
        ("乌海市.xlsx", "2022-09-23T18:05:00", False)]
    assert {line["盟市"]: line["按时报送"] for line in sheet(out, "报送情况")}["乌海市"] == "否（逾期）"
    with Store(db) as store:
        report = build_report(store, load_plan(), 2022, 38)
    said = {s.city: s.report_text for s in report.submissions if s.file}
    assert said == {"呼和浩特市": "按时报送", "包头市": "按时报送", "乌海市": "逾期报送"}
    assert [r.code for r in next(c for c in report.cities if c.city == "乌海市").reasons] == ["late"]
    assert submission_note(report).startswith(
        "“按时报送”指台账在报送时限（2022年9月23日 17:00）前收到，“逾期报送”指此后收到"
        "（以台账文件存入收件文件夹的时间为准）。乌海市逾期报送。")


def test_the_plans_weekly_deadline_is_that_weeks_weekday(inbox, tmp_path, monkeypatch, capfd):
    source = (Path(__file__).parents[1] / "schemas" / "plan-2022.toml").read_text(encoding="utf-8")
    plan_file = tmp_path / "plan.toml"
    plan_file.write_text('weekly_deadline = "每周五 17:00"\n' + source, encoding="utf-8")
    code, text, err = run_kq(monkeypatch, capfd, "merge", str(inbox), "--db", str(tmp_path / "kq.db"), "--out",
                             str(tmp_path / "汇总.xlsx"), "--plan", str(plan_file), "--format", "json")
    assert (code, err) == (1, "")
    assert json.loads(text)["deadline"] == "2022-09-23T17:00:00"


def test_a_deadline_kq_cannot_read_stops_with_one_line(inbox, tmp_path, monkeypatch, capfd):
    code, out, err = run_kq(monkeypatch, capfd, "merge", str(inbox), "--db", str(tmp_path / "kq.db"), "--deadline",
                            "下周一")
    assert (code, out) == (2, "")
    assert err == ("用法错误：--deadline 应写作「2022-09-23 17:00」「2022-09-23」或「周五 17:00」，现为 下周一"
                   "（用 kq merge --help 查看用法）\n")
    assert not (tmp_path / "kq.db").exists()
    plan_file = tmp_path / "plan.toml"
    source = (Path(__file__).parents[1] / "schemas" / "plan-2022.toml").read_text(encoding="utf-8")
    plan_file.write_text('weekly_deadline = "9月23日"\n' + source, encoding="utf-8")
    code, _, err = run_kq(monkeypatch, capfd, "merge", str(inbox), "--plan", str(plan_file))
    assert code == 2 and err == (f"错误：方案文件格式错误：{plan_file.resolve()}（weekly_deadline 应写作星期与时刻，"
                                 "如「周五 17:00」，现为 '9月23日'）\n")


def test_a_week_stored_before_scans_were_recorded_makes_no_claim_about_them():
    files = [{"file": "包头市.xlsx", "city": "包头市", "rows": 2, "errors": 0, "warnings": 0, "status": "merged"}]
    lines = submissions(files, {}, None)
    baotou = next(s for s in lines if s.city == "包头市")
    assert (baotou.scan_text, baotou.report_text, baotou.arrival_text) == ("—", "已报送", None)
