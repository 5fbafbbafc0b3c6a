"""``kq merge``: a week's inbox becomes one region-wide ledger, nothing lost, problems named."""

from __future__ import annotations

import json
import os
import random
import tempfile
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kuangquan_cli.checking.reconcile import reconcile
from kuangquan_cli.checking.validate import validate_file
from kuangquan_cli.errors import KqError
from kuangquan_cli.jobs import merge_and_store
from kuangquan_cli.merging.merge import merge_inbox, resolve_week
from kuangquan_cli.merging.store import Store
from kuangquan_cli.outputs.merged_workbook import write_merged_workbook
from kuangquan_cli.reference.tables import divisions
from kuangquan_cli.report.assemble import build_report
from support import AS_OF, city_rows, invoke, licence, row, sheet, write_city, write_inbox

CITIES = divisions().cities
SHEETS = ["汇总台账", "待核实", "分类统计", "盟市统计", "部门手续清单", "国有企业", "问题清单", "报送情况", "台账变动"]
SAMPLE_W37 = Path(__file__).parents[1] / "sample_ledgers" / "2022-W37"


@pytest.fixture
def region(tmp_path: Path) -> Path:
    inbox = tmp_path / "2022-W38"
    write_inbox(inbox, per_city=5)
    return inbox


def test_whole_region_merges_every_row_and_counts_like_reconcile(region, tmp_path, plan):
    result = merge_inbox(region, plan, 2022, 38)
    out = tmp_path / "汇总.xlsx"
    write_merged_workbook(result, plan, out)

    assert result.rows_in == 60 and result.rows_flagged == 0 and result.missing_cities == []
    assert result.exit_code() == 0 and result.exit_code(strict=True) == 1  # plan differences are warnings
    assert [s["盟市"] for s in sheet(out, "报送情况")] == list(CITIES)
    assert {s["状态"] for s in sheet(out, "报送情况")} == {"已汇总"}
    assert len(sheet(out, "汇总台账")) == 60 and sheet(out, "待核实") == []

    expected = reconcile(
        (rec.counted() for p in sorted(region.iterdir()) for rec in validate_file(p, plan, AS_OF).records), plan
    )
    categories = sheet(out, "分类统计")
    assert [(c["方案"], c["台账"], c["差额"]) for c in categories] == [(r.plan, r.ledger, r.diff) for r in expected]
    assert result.reconciliation == expected
    task4 = next(c for c in categories if c["任务"].startswith("（四）") and c["原因"] == "合计")
    assert task4["台账"] == 12 * 2 and task4["已完成"] == 12  # two task-(四) rows a 盟市, one of them done


def test_city_and_department_sheets(region, tmp_path, plan):
    out = tmp_path / "汇总.xlsx"
    write_merged_workbook(merge_inbox(region, plan, 2022, 38), plan, out)

    cities = sheet(out, "盟市统计")
    total = cities[-1]
    assert (total["盟市"], total["矿业权数"], total["已完成"], total["推进中"]) == ("全区", 60, 12, 48)
    assert total["完成率"] == pytest.approx(12 / 60)
    baotou = [c for c in cities if c["盟市"] == "包头市"]
    assert [c["任务"] for c in baotou] == ["（一）", "（四）", "（六）", "小计"]
    assert baotou[-1]["矿业权数"] == 5

    procedures = sheet(out, "部门手续清单")
    # each 盟市: the task-(四) row in progress lacks two procedures, one coal row lacks one
    assert len(procedures) == 12 * 3
    assert Counter(p["部门"] for p in procedures) == {
        "自治区应急管理厅": 12, "自治区自然资源厅": 12, "自治区能源局": 12}
    coal = [p for p in procedures if p["部门"] == "自治区能源局"]
    assert {p["手续"] for p in coal} == {"安全生产许可证"} and {p["任务类别"] for p in coal} == {"（一）"}
    assert all(p["进展状态"] != "已完成" for p in procedures)


def test_workbook_layout_is_readable(region, tmp_path, plan):
    out = tmp_path / "汇总.xlsx"
    write_merged_workbook(merge_inbox(region, plan, 2022, 38), plan, out)
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == SHEETS
    for ws in book:
        header = 2 if ws.title == "汇总台账" else 1  # the merged ledger has its title above
        assert ws.freeze_panes == f"A{header + 1}" and ws.cell(header, 1).font.bold
        assert ws.column_dimensions["A"].width >= 6
    ledger = book["汇总台账"]
    assert ledger["A1"].value == "全区盘活矿业权工作汇总台账（2022年第38周）"
    headers = [c.value for c in ledger[2]]
    assert headers[:3] == ["汇总序号", "来源文件", "来源行"] and "统一社会信用代码" in headers
    deadline = ledger.cell(3, headers.index("计划完成时限") + 1)
    assert deadline.value.date() == date(2022, 12, 31) and deadline.number_format == "yyyy-mm-dd"
    rate = book["盟市统计"].cell(2, 9)
    assert rate.number_format == "0.0%"


def test_ledger_text_that_looks_like_a_formula_stays_text(tmp_path, plan):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    rows = city_rows("包头市", 2, 0)
    rows[0]["progress"] = "=HYPERLINK(\"http://x\")"
    rows[1]["note"] = "-已核实"
    path = write_city(inbox, "包头市", rows)
    book = openpyxl.load_workbook(path)  # the 盟市 typed it as text: make the input cell text too
    for line in book.active.iter_rows():
        for cell in line:
            if cell.data_type == "f":
                cell.data_type = "s"
    book.save(path)
    out = tmp_path / "汇总.xlsx"
    write_merged_workbook(merge_inbox(inbox, plan, 2022, 38), plan, out)
    ws = openpyxl.load_workbook(out)["汇总台账"]
    cells = {c.value: c.data_type for line in ws.iter_rows(min_row=3) for c in line if isinstance(c.value, str)}
    assert cells["=HYPERLINK(\"http://x\")"] == "s" and cells["-已核实"] == "s"


@pytest.fixture
def messy(tmp_path: Path) -> Path:
    """No 阿拉善盟, 乌海市 twice, a licence in two files, a corrupt file, a workbook that is no ledger."""
    inbox = tmp_path / "第38周"
    write_inbox(inbox, per_city=2, cities=[c for c in CITIES if c != "阿拉善盟"])
    write_city(inbox, "乌海市", city_rows("乌海市", 3, 5000), name="乌海市（更正）.xlsx")
    shared = licence("呼和浩特市", "采矿权", 0)  # the first row of 呼和浩特市.xlsx
    write_city(inbox, "包头市", city_rows("包头市", 2, 1000)[:1] + [row(seq=2, licence_no=shared, city="包头市")])
    (inbox / "损坏.xlsx").write_bytes(random.Random(1).randbytes(2000))
    book = openpyxl.Workbook()
    book.active.append(["姓名", "电话"])
    book.active.append(["张三", "13912345678"])
    book.save(inbox / "通讯录.xlsx")
    (inbox / "说明.txt").write_text("本周报送说明", encoding="utf-8")
    (inbox / "~$包头市.xlsx").write_bytes(b"lock")
    return inbox


def test_messy_inbox_is_reported_and_every_readable_row_kept(messy, tmp_path, plan):
    out, db = tmp_path / "汇总.xlsx", tmp_path / "kq.db"
    result = merge_and_store(messy, plan, 2022, 38, out=out, db=db)
    data = result.to_dict()

    assert data["missing_cities"] == ["阿拉善盟"]
    # the file named as a correction is the one counted; the other is kept, flagged
    assert data["duplicate_cities"] == [{"city": "乌海市", "files": ["乌海市（更正）.xlsx", "乌海市.xlsx"]}]
    assert data["duplicate_licences"] == [{
        "licence_no": licence("呼和浩特市", "采矿权", 0),
        "places": [{"file": "呼和浩特市.xlsx", "row": 4}, {"file": "包头市.xlsx", "row": 5}],
    }]
    files = {f["file"]: f for f in data["files"]}
    assert files["损坏.xlsx"]["status"] == "rejected" and "损坏" in files["损坏.xlsx"]["reason"]
    assert files["通讯录.xlsx"]["status"] == "rejected" and "表头" in files["通讯录.xlsx"]["reason"]
    assert files["乌海市.xlsx"]["status"] == "duplicate" and files["乌海市（更正）.xlsx"]["status"] == "merged"
    assert data["ignored"] == ["说明.txt"] and "~$包头市.xlsx" not in files
    assert result.exit_code() == 1

    assert data["rows_in"] == 11 * 2 + 3 == data["rows_merged"] + data["rows_flagged"]
    merged, flagged = sheet(out, "汇总台账"), sheet(out, "待核实")
    assert len(merged) + len(flagged) == data["rows_in"]
    flagged_at = {(f["来源文件"], f["来源行"]): f["问题"] for f in flagged}
    assert {k for k in flagged_at if k[0].startswith("乌海市")} == {("乌海市.xlsx", r) for r in (4, 5)}
    both = flagged_at[("包头市.xlsx", 5)]
    assert "呼和浩特市.xlsx 第 4 行" in both and "包头市.xlsx 第 5 行" in both
    assert ("呼和浩特市.xlsx", 4) in flagged_at and data["rows_flagged"] == 4
    assert data["reconciliation"][0]["ledger"] == 1 + 9  # task (一): one per 盟市 sent, the doubled one once

    status = {s["盟市"]: s for s in sheet(out, "报送情况") if s["盟市"]}
    assert status["阿拉善盟"]["状态"] == "未报送"
    assert {s["电子版"] for s in sheet(out, "报送情况") if not s["盟市"]} == {"损坏.xlsx", "通讯录.xlsx"}
    assert Counter(p["代码"] for p in sheet(out, "问题清单")) == {
        "merge.missing_city": 1, "merge.duplicate_city": 1, "licence.duplicate": 2, "file.unreadable": 1,
        "header.not_found": 1}


def test_the_report_lists_the_workbooks_submissions(messy, tmp_path, plan):
    """One 报送情况 for both outputs: the 通报, built from the store, lists the workbook's lines, each
    status in the 通报's wording; a rejected file stands under the 盟市 its name names."""
    (messy / "阿拉善盟（本周）.xlsx").write_bytes(b"not a workbook")
    out, db = tmp_path / "汇总.xlsx", tmp_path / "kq.db"
    merge_and_store(messy, plan, 2022, 38, out=out, db=db)
    with Store(db) as store:
        report = build_report(store, plan, 2022, 38)

    in_report = {"已汇总": "已报送", "重复报送（各行放入待核实，不计入统计）": "重复报送（不计入）"}
    expected = [(s["盟市"], s["电子版"], s["行数"], s["待核实行数"], s["错误"], s["警告"],
                 in_report.get(s["状态"], s["状态"]), s["盖章扫描版"], s["说明"]) for s in sheet(out, "报送情况")]
    listed = [(s.city, s.file, s.rows, s.flagged, s.errors, s.warnings, s.report_text, s.scan_text, s.note)
              for s in report.submissions]
    assert listed == expected
    alxa = [line for line in expected if line[0] == "阿拉善盟"]
    assert [(line[1], line[6]) for line in alxa] == [("阿拉善盟（本周）.xlsx", "已拒收")]
    reasons = {c.city: [r.text for r in c.reasons] for c in report.cities}
    assert reasons["阿拉善盟"] == [f"台账未能汇总（{alxa[0][8]}）"]


def test_messy_inbox_in_the_terminal(messy, tmp_path):
    result = invoke("merge", str(messy), "--out", str(tmp_path / "汇总.xlsx"), "--db", str(tmp_path / "kq.db"))
    assert result.exit_code == 1
    text = result.output
    assert "未报送：阿拉善盟" in text and "重复报送：乌海市" in text and "乌海市（更正）.xlsx" in text
    assert licence("呼和浩特市", "采矿权", 0) in text and "包头市.xlsx 第 5 行" in text
    assert "损坏.xlsx" in text and "已拒收" in text and "通讯录.xlsx" in text and "说明.txt" in text
    assert "与方案底数核对" in text and "汇总.xlsx" in text and "kq.db" in text
    assert "2022-W38" in text  # week from the folder name 第38周


def test_json_output_equals_the_library_result(messy, tmp_path, plan):
    out, db = tmp_path / "汇总.xlsx", tmp_path / "kq.db"
    result = invoke("merge", str(messy), "--format", "json", "--out", str(out), "--db", str(db))
    assert result.exit_code == 1
    expected = merge_and_store(messy, plan, 2022, 38, out=out, db=db).to_dict()
    assert json.loads(result.output) == expected
    assert expected["week"] == "2022-W38" and expected["outputs"] == {"workbook": str(out), "db": str(db)}


def test_default_outputs_and_kq_db_from_the_environment(region, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("KQ_DB", str(tmp_path / "env.db"))
    result = invoke("merge", str(region), "--format", "json")
    assert result.exit_code == 0
    outputs = json.loads(result.output)["outputs"]
    assert outputs == {"workbook": os.path.join("out", "汇总台账_2022-W38.xlsx"), "db": str(tmp_path / "env.db")}
    assert (tmp_path / outputs["workbook"]).is_file() and (tmp_path / "env.db").is_file()


def test_kq_outputs_written_into_the_inbox_are_not_merged(region, plan):
    out = region / "汇总台账_2022-W38.xlsx"
    write_merged_workbook(merge_inbox(region, plan, 2022, 38), plan, out)
    assert invoke("validate", str(region / "包头市.xlsx"), "--annotate").exit_code == 0
    again = merge_inbox(region, plan, 2022, 38)
    names = [s.file for s in again.sources] + again.ignored
    assert out.name not in names and "包头市.校验.xlsx" not in names and again.rows_in == 60
    assert (region / "包头市.校验.xlsx").is_file() and again.duplicate_cities == {}


def test_week_comes_from_options_then_folder_name_then_today(tmp_path):
    assert resolve_week(tmp_path / "2022-W38", 2022) == (2022, 38)
    assert resolve_week(tmp_path / "2023年第5周", 2022) == (2023, 5)
    assert resolve_week(tmp_path / "第37周台账", 2022) == (2022, 37)
    assert resolve_week(tmp_path / "2022-W38", 2022, week=39) == (2022, 39)
    assert resolve_week(tmp_path / "inbox", 2022, today=date(2022, 9, 21)) == (2022, 38)
    with pytest.raises(KqError, match="没有第 53 周"):
        resolve_week(tmp_path / "inbox", 2022, week=53)


def test_an_inbox_without_ledgers_cannot_be_merged(tmp_path, plan):
    (tmp_path / "说明.txt").write_text("x", encoding="utf-8")
    with pytest.raises(KqError, match="没有台账文件"):
        merge_inbox(tmp_path, plan, 2022, 38)
    with pytest.raises(KqError, match="不是文件夹"):
        merge_inbox(tmp_path / "nowhere", plan, 2022, 38)


# A generated inbox: a few files of a few rows, some cells spoiled, sometimes a corrupt file.
_SPOILERS: dict[str, Any] = {
    "phone": "123", "done_date": "2022-13-45", "county": "不存在旗", "licence_no": "X1",
    "credit_code": "91150602MA0MYGRT5X", "status": "差不多", "city": "呼和浩特市", "measures": "=短",
}


@st.composite
def inboxes(draw: st.DrawFn) -> list[tuple[str, list[dict[str, Any]]] | None]:
    cities = draw(st.lists(st.sampled_from(CITIES), min_size=1, max_size=4))
    files: list[tuple[str, list[dict[str, Any]]] | None] = []
    for index, city in enumerate(cities):
        rows = city_rows(city, draw(st.integers(0, 4)), index * 100)
        for line in rows:
            for name in draw(st.lists(st.sampled_from(sorted(_SPOILERS)), max_size=2)):
                line[name] = _SPOILERS[name]
        files.append((city, rows))
    if draw(st.booleans()):
        files.append(None)
    return files


@pytest.mark.slow
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(inboxes())
def test_property_every_row_lands_in_the_workbook_exactly_once(plan, spec):
    with tempfile.TemporaryDirectory() as tmp:
        inbox = Path(tmp) / "inbox"
        inbox.mkdir()
        expected = set()
        for index, entry in enumerate(spec):
            if entry is None:
                (inbox / "坏.xlsx").write_bytes(b"PK\x03\x04garbage")
                continue
            city, rows = entry
            path = write_city(inbox, city, rows, name=f"{index:02d}{city}.xlsx")
            expected |= {(path.name, 4 + i) for i in range(len(rows))}
        result = merge_inbox(inbox, plan, 2022, 38)
        out = Path(tmp) / "out.xlsx"
        write_merged_workbook(result, plan, out)

        assert result.rows_in == len(expected)
        assert result.rows_in - result.rows_flagged == len(sheet(out, "汇总台账"))
        landed = [(r["来源文件"], r["来源行"]) for title in ("汇总台账", "待核实") for r in sheet(out, title)]
        assert len(landed) == len(set(landed)) and set(landed) == expected


@pytest.mark.skipif(not SAMPLE_W37.is_dir(), reason="sample_ledgers/2022-W37 is not generated yet")
def test_the_sample_week_37_reconciles_exactly(plan):
    result = merge_inbox(SAMPLE_W37, plan, 2022, 37)
    assert result.rows_in == 2851 and result.missing_cities == []
    assert [r.diff for r in result.reconciliation] == [0] * len(result.reconciliation)
