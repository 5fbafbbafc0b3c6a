"""The baseline (底数): stored from a week or a region-wide file, versioned, and every later merge
(and ``kq validate --db``) set against it right by right and per 盟市 × task."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import openpyxl
import pytest

from kuangquan_cli.jobs import merge_and_store
from kuangquan_cli.merging.store import Store
from kuangquan_cli.reference.tables import divisions
from kuangquan_cli.report.assemble import build_report
from kuangquan_cli.report.render import render_report
from kuangquan_cli.report.sentences import sentences
from support import city_rows, invoke, licence, row, run_kq, write_city, write_inbox, write_ledger

CITIES = divisions().cities
PER_CITY = 3  # rows i = 0, 1, 2 of a 盟市: task (四) 缺少手续, task (一) 基建技改, task (六)


def first_number(city: str) -> int:
    return CITIES.index(city) * 1000  # as write_inbox numbers each 盟市's licences


def number_of(city: str, i: int) -> str:
    rows = city_rows(city, PER_CITY, first_number(city))
    return rows[i]["licence_no"]


@pytest.fixture
def db(tmp_path: Path, plan) -> Path:
    """A store with 2022-W37 (every 盟市, three rights each) merged and stored as baseline version 1."""
    path = tmp_path / "kq.db"
    write_inbox(tmp_path / "2022-W37", per_city=PER_CITY)
    merge_and_store(tmp_path / "2022-W37", plan, 2022, 37, out=tmp_path / "w37.xlsx", db=path)
    done = invoke("baseline", "--week", "37", "--note", "9月20日各盟市核实结果", "--db", str(path))
    assert done.exit_code == 0, done.output
    return path


MOVED = number_of("通辽市", 0)       # reported by 赤峰市 this week: its 盟市 differs
DROPPED = number_of("包头市", 1)     # no longer in 包头市's ledger: missing
REASON = number_of("呼和浩特市", 1)  # 基建技改 → 缺少手续: its reason differs
NEW = licence("乌海市", "采矿权", 2900)  # not in the baseline: outside


@pytest.fixture
def week38(tmp_path: Path) -> Path:
    """2022-W38: 阿拉善盟 did not send; one right moved, one dropped, one reason changed, one new."""
    inbox = tmp_path / "2022-W38"
    inbox.mkdir()
    rows = {city: city_rows(city, PER_CITY, first_number(city)) for city in CITIES if city != "阿拉善盟"}
    moved = rows["通辽市"].pop(0)
    rows["赤峰市"].append(moved | {"city": "赤峰市", "county": "红山区", "seq": 4})
    del rows["包头市"][1]
    rows["呼和浩特市"][1] |= {"reason": "缺少手续", "missing": "安全生产许可证"}
    rows["乌海市"].append(row(seq=4, city="乌海市", county="海勃湾区", licence_no=NEW, right_name="海勃湾区新矿"))
    for city, lines in rows.items():
        write_city(inbox, city, lines)
    return inbox


def merge_json(inbox: Path, db: Path, out: Path) -> dict:
    done = invoke("merge", str(inbox), "--db", str(db), "--out", str(out), "--format", "json")
    return json.loads(done.stdout)


def test_missing_outside_and_differing_rights_are_found_exactly_with_one_city_absent(db, week38, tmp_path):
    merged = merge_json(week38, db, tmp_path / "w38.xlsx")
    baseline = merged["baseline"]

    assert merged["missing_cities"] == ["阿拉善盟"]
    assert {(d["kind"], d["licence_no"], d["field"]) for d in baseline["differences"]} == {
        ("missing", DROPPED, None), ("outside", NEW, None), ("differs", MOVED, "city"), ("differs", REASON, "reason"),
    }
    assert (baseline["missing"], baseline["outside"], baseline["differs"]) == (1, 1, 2)
    assert (baseline["version"], baseline["source"], baseline["note"]) == (1, "2022-W37", "9月20日各盟市核实结果")
    assert baseline["cities"] == [c for c in CITIES if c != "阿拉善盟"]
    by = {d["licence_no"]: d for d in baseline["differences"]}
    assert by[MOVED]["baseline"]["city"] == "通辽市" and by[MOVED]["ledger"]["city"] == "赤峰市"
    assert (by[MOVED]["file"], by[MOVED]["row"]) == ("赤峰市.xlsx", 7)
    assert by[REASON]["baseline"]["reason"] == "基建技改" and by[REASON]["ledger"]["reason"] == "缺少手续"
    assert (by[DROPPED]["city"], by[DROPPED]["file"], by[DROPPED]["row"]) == ("包头市", "包头市.xlsx", None)
    name = city_rows("包头市", PER_CITY, first_number("包头市"))[1]["right_name"]
    assert by[DROPPED]["message"] == f"底数（第 1 版）中包头市的矿业权 {DROPPED}（{name}）不在包头市的台账中"
    assert by[REASON]["message"] == "原因分类与底数（第 1 版）不一致：底数为基建技改，台账为缺少手续"
    assert by[NEW]["message"] == f"许可证号 {NEW} 不在底数（第 1 版）中"

    # 阿拉善盟's rights are not reported missing: it did not send, and says so once
    assert not [d for d in baseline["differences"] if d["city"] == "阿拉善盟"]
    counts = {(c["city"], c["task"]): c for c in baseline["counts"]}
    assert len(counts) == 12 * 7
    assert counts["阿拉善盟", 4] == {"city": "阿拉善盟", "task": 4, "baseline": 1, "ledger": None, "diff": None}
    assert (counts["包头市", 1]["baseline"], counts["包头市", 1]["ledger"], counts["包头市", 1]["diff"]) == (1, 0, -1)
    assert (counts["通辽市", 4]["diff"], counts["赤峰市", 4]["diff"]) == (-1, 1)
    assert (counts["乌海市", 4]["diff"], counts["呼和浩特市", 1]["diff"]) == (1, 0)


def test_the_differences_are_warnings_in_the_workbook_and_a_few_lines_in_the_terminal(db, week38, tmp_path):
    out = tmp_path / "w38.xlsx"
    done = invoke("merge", str(week38), "--db", str(db), "--out", str(out))

    assert done.exit_code == 1  # 阿拉善盟 missing is an error; the baseline's are warnings
    assert "与底数第 1 版（" in done.output and "核对：缺少 1 个，底数外 1 个，不一致 2 个" in done.output
    assert "  包头市：缺少 1\n" in done.output and "  赤峰市：不一致 1\n" in done.output
    assert "  阿拉善盟未报送，未与底数核对" in done.output

    book = openpyxl.load_workbook(out, read_only=True)
    assert book.sheetnames.index("底数核对") == book.sheetnames.index("分类统计") + 1
    lines = [values for values in book["底数核对"].iter_rows(values_only=True)]
    assert lines[0][0].startswith("底数第 1 版（") and lines[1][:6] == ("盟市", "任务", "底数", "本周", "差额", "说明")
    assert lines[2 + 7 * 11 + 3][:6] == ("阿拉善盟", "（四）", 1, None, None, "未报送，未核对")
    start = 2 + 12 * 7 + 1
    assert lines[start][0].startswith("逐矿权的差异：台账中没有 1 个，不在底数中 1 个，与底数不一致 2 处")
    rows = {line[1]: line for line in lines[start + 2:]}
    assert set(rows) == {DROPPED, NEW, MOVED, REASON}
    assert rows[MOVED][3:7] == ("与底数不一致", "盟市", "通辽市", "赤峰市")
    assert rows[DROPPED][3:7] == ("台账中没有", None, "包头市，（一），基建技改", None)
    problems = Counter(line["代码"] for line in _sheet_rows(out, "问题清单"))
    assert {code: n for code, n in problems.items() if code.startswith("baseline.")} == {
        "baseline.missing": 1, "baseline.outside": 1, "baseline.differs": 2}


def _sheet_rows(path: Path, title: str) -> list[dict]:
    header, *lines = openpyxl.load_workbook(path, read_only=True)[title].iter_rows(values_only=True)
    return [dict(zip(header, line, strict=False)) for line in lines]


def test_a_merge_without_a_baseline_has_none(tmp_path, plan):
    write_inbox(tmp_path / "in", per_city=1, cities=["包头市"])
    merged = merge_json(tmp_path / "in", tmp_path / "kq.db", tmp_path / "out.xlsx")
    assert merged["baseline"] is None
    assert "底数核对" not in openpyxl.load_workbook(tmp_path / "out.xlsx", read_only=True).sheetnames


# ---- storing and listing versions ------------------------------------------------------------


def region_file(path: Path) -> Path:
    """A region-wide ledger: every 盟市's rights in one sheet, titled 全区."""
    rows = [r for city in CITIES for r in city_rows(city, PER_CITY, first_number(city))]
    return write_ledger(path, rows, title="全区盘活矿业权工作台账（核实后底数）")


def test_versions_are_kept_and_listed_and_a_merge_uses_the_latest(db, tmp_path, week38):
    stored = invoke("baseline", str(region_file(tmp_path / "全区底数.xlsx")), "--note", "补充核实", "--db", str(db))
    assert stored.exit_code == 0, stored.output
    assert stored.output == f"已存入底数第 2 版：36 个矿业权，取自 全区底数.xlsx；说明：补充核实（数据库 {db}）\n"

    listed = json.loads(invoke("baseline", "--db", str(db), "--format", "json").stdout)["baselines"]
    assert [(v["version"], v["source"], v["note"], v["rights"]) for v in listed] == [
        (1, "2022-W37", "9月20日各盟市核实结果", 36), (2, "全区底数.xlsx", "补充核实", 36)]
    assert listed[0]["sha256"] is None and len(listed[1]["sha256"]) == 64
    text = invoke("baseline", "--db", str(db)).output
    assert "已存的底数" in text and "全区底数.xlsx" in text and "9月20日各盟市核实结果" in text

    assert merge_json(week38, db, tmp_path / "w38.xlsx")["baseline"]["version"] == 2


def test_a_file_with_errors_or_without_every_city_is_not_a_baseline(tmp_path, monkeypatch, capfd):
    db = tmp_path / "kq.db"
    rows = [r for city in CITIES for r in city_rows(city, 1, first_number(city))]
    rows[3]["phone"] = "123"
    flawed = write_ledger(tmp_path / "全区底数.xlsx", rows, title="全区盘活矿业权工作台账")
    assert run_kq(monkeypatch, capfd, "baseline", str(flawed), "--db", str(db)) == (2, "", (
        f"错误：全区底数.xlsx 有 1 个错误（1 行），有错误的行不能作为核实后的底数；请用 kq validate {flawed} 查看，"
        "改正后再存入\n"))

    partial = write_ledger(tmp_path / "全区部分.xlsx", [r for r in rows if r["city"] not in ("赤峰市", "阿拉善盟")],
                           title="全区盘活矿业权工作台账")
    assert run_kq(monkeypatch, capfd, "baseline", str(partial), "--db", str(db)) == (2, "", (
        "错误：全区部分.xlsx 中没有赤峰市、阿拉善盟的矿业权；底数应含全区 12 个盟市的全部矿业权，"
        "请用全区台账或各盟市都已汇总的一周\n"))
    assert not db.exists()


def test_a_week_with_rows_to_check_or_a_city_missing_is_not_a_baseline(tmp_path, plan, monkeypatch, capfd):
    db = tmp_path / "kq.db"
    inbox = tmp_path / "2022-W38"
    inbox.mkdir()
    for city in CITIES[:-1]:
        write_city(inbox, city, city_rows(city, 1, first_number(city)))
    merge_and_store(inbox, plan, 2022, 38, out=tmp_path / "w38.xlsx", db=db)
    code, _, err = run_kq(monkeypatch, capfd, "baseline", "--week", "38", "--db", str(db))
    assert (code, err) == (2, "错误：2022-W38 中没有阿拉善盟的矿业权；底数应含全区 12 个盟市的全部矿业权，"
                              "请用全区台账或各盟市都已汇总的一周\n")

    rows = city_rows("阿拉善盟", 1, first_number("阿拉善盟"))
    rows[0]["phone"] = "123"
    write_city(inbox, "阿拉善盟", rows)
    merge_and_store(inbox, plan, 2022, 38, out=tmp_path / "w38.xlsx", db=db)
    code, _, err = run_kq(monkeypatch, capfd, "baseline", "--week", "38", "--db", str(db))
    assert (code, err) == (2, "错误：2022-W38 的汇总中有 1 行待核实（有错误），有错误的行不能作为核实后的底数；"
                              "请各盟市改正后重新 kq merge 该周，再存入底数\n")

    code, _, err = run_kq(monkeypatch, capfd, "baseline", "--week", "39", "--db", str(db))
    assert code == 2 and "没有 2022-W39 的汇总" in err
    assert Store(db).baselines() == []


def test_usage_mistakes_are_said_in_chinese(tmp_path, monkeypatch, capfd):
    ledger = region_file(tmp_path / "全区.xlsx")
    db = str(tmp_path / "kq.db")
    code, _, err = run_kq(monkeypatch, capfd, "baseline", str(ledger), "--week", "38", "--db", db)
    assert (code, err) == (2, "用法错误：全区台账文件与 --week 只能给一个（用 kq baseline --help 查看用法）\n")
    code, _, err = run_kq(monkeypatch, capfd, "baseline", "--note", "x", "--db", db)
    assert (code, err) == (2, "用法错误：--note 只在存入底数时使用（用 kq baseline --help 查看用法）\n")


# ---- kq validate --db: one 盟市's file against its own part ------------------------------------


def test_validate_sets_one_city_against_its_own_part_of_the_baseline(db, week38):
    done = invoke("validate", str(week38 / "包头市.xlsx"), "--db", str(db), "--week", "38", "--format", "json")
    report = json.loads(done.stdout)
    assert done.exit_code == 0
    baseline = report["baseline"]
    assert baseline["cities"] == ["包头市"] and (baseline["missing"], baseline["outside"], baseline["differs"]) == (
        1, 0, 0)
    assert [c["city"] for c in baseline["counts"]] == ["包头市"] * 7
    assert [f["code"] for f in report["findings"]] == ["baseline.missing"]
    assert report["summary"]["warnings"] == 1

    text = invoke("validate", str(week38 / "赤峰市.xlsx"), "--db", str(db), "--week", "38").output
    assert "赤峰市按任务和原因统计的矿业权个数" in text and "底数" in text and "差额" in text
    assert "与底数第 1 版（取自 2022-W37）中赤峰市的部分核对：缺少 0 个，底数外 0 个，不一致 1 处" in text
    assert "盟市与底数（第 1 版）不一致：底数为通辽市，台账为赤峰市  [baseline.differs]" in text
    table = [[cell.strip() for cell in line.split("│")[1:-1]] for line in text.splitlines() if line.startswith("│")]
    assert table[0] == ["（一）已取得采矿许可证煤矿", "合计", "1", "1", "+0"]
    assert ["（四）已取得采矿许可证非煤矿山", "合计", "2", "1", "+1"] in table  # 通辽市's right moved in


def test_validate_without_a_stored_baseline_says_so(tmp_path, plan):
    write_inbox(tmp_path / "in", per_city=1, cities=["包头市"])
    merge_and_store(tmp_path / "in", plan, 2022, 38, out=tmp_path / "o.xlsx", db=tmp_path / "kq.db")
    done = invoke("validate", str(tmp_path / "in" / "包头市.xlsx"), "--db", str(tmp_path / "kq.db"))
    assert "中还没有底数（用 kq baseline 存入），未与底数核对" in done.output
    as_json = invoke("validate", str(tmp_path / "in" / "包头市.xlsx"), "--db", str(tmp_path / "kq.db"),
                     "--format", "json")
    assert json.loads(as_json.stdout)["baseline"] is None


# ---- the 通报 ---------------------------------------------------------------------------------


def test_the_report_says_the_check_in_a_short_paragraph(db, week38, tmp_path, plan):
    merge_and_store(week38, plan, 2022, 38, out=tmp_path / "w38.xlsx", db=db)
    with Store(db) as store:
        stored = store.baselines()[0].created_at[:10]
        data = build_report(store, plan, 2022, 38)
        earlier = build_report(store, plan, 2022, 37)
    year, month, day = (int(part) for part in stored.split("-"))
    assert sentences(data)["baseline"] == (
        f"对照{year}年{month}月{day}日存入的第1版底数（取自2022-W37，共36个矿业权）逐矿权核对：底数中有而台账中没有的1个，"
        "不在底数中的1个，盟市、任务或原因与底数不一致的2处，涉及呼和浩特市1处、包头市1处、乌海市1处、赤峰市1处；"
        "逐矿权清单见汇总台账“底数核对”工作表，请相关盟市核实。阿拉善盟未报送，未核对。"
    )
    assert earlier.baseline is None and sentences(earlier)["baseline"] == ""  # merged before the baseline was stored
    html = render_report(data, "html")
    assert "逐矿权清单见汇总台账“底数核对”工作表" in html and sentences(data)["baseline"] in render_report(data, "md")
