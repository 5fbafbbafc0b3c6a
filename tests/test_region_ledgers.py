"""Region-wide ledgers, and kq reading what it writes.

A ledger whose title or name says 全区 / 自治区, or that names no 盟市 while its rows name several,
is the whole region's (the office's own list, last year's 汇总, kq's merged workbook): it has no
file 盟市, each row is checked against its own 盟市, and it is reconciled for the region (its plan
differences are warnings, as in a merge) and per 盟市.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from kuangquan_cli.checking.validate import validate_file, validate_files
from kuangquan_cli.cli.app import cli
from kuangquan_cli.jobs import merge_and_store
from kuangquan_cli.merging.merge import merge_inbox
from kuangquan_cli.merging.store import Store
from kuangquan_cli.outputs.annotate import annotate
from kuangquan_cli.outputs.merged_workbook import write_merged_workbook
from kuangquan_cli.outputs.template import write_template
from kuangquan_cli.reference.tables import divisions
from kuangquan_cli.samples.writing import cell_value, write_csv
from support import AS_OF, city_rows, row, write_ledger

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks import ledgers  # noqa: E402

SAMPLES = ROOT / "sample_ledgers"
CITIES = divisions().cities
OFFICE_TITLE = "全区停产矿山复工复产及探矿权转采矿权工作台账"


def kq_json(*args: str) -> tuple[int, dict[str, Any]]:
    done = CliRunner().invoke(cli, [*args, "--format", "json"], catch_exceptions=False)
    return done.exit_code, json.loads(done.stdout)


def codes(findings) -> Counter[str]:
    return Counter(f.code for f in findings)


@pytest.fixture(scope="module")
def region_rows() -> list[dict[str, Any]]:
    """The sample region's 2022-W37 rights (2,851 rows of all 12 盟市), as the cells hold them."""
    return [{name: cell_value(value) for name, value in right.items()} for right in ledgers.region_rows()]


@pytest.fixture(scope="module")
def office_list(tmp_path_factory, region_rows) -> Path:
    """The office's own list: every right of the region under the title 全区…工作台账."""
    return write_ledger(tmp_path_factory.mktemp("office") / "工作台账.xlsx", region_rows, title=OFFICE_TITLE)


def test_the_office_list_titled_全区_is_region_wide_and_clean(office_list, plan):
    report = validate_files([office_list], plan, AS_OF)
    result, = report.files
    assert (result.city, result.region_wide, len(result.records)) == (None, True, 2851)
    assert report.findings == []
    assert [r.diff for r in report.reconciliation] == [0] * len(report.reconciliation)


def test_a_region_wide_ledger_is_reconciled_per_city_and_for_the_region(office_list, region_rows):
    code, data = kq_json("validate", "--week", "37", str(office_list))
    assert code == 0 and data["summary"] == {"files": 1, "rows": 2851, "errors": 0, "warnings": 0}
    assert (data["files"][0]["city"], data["files"][0]["region_wide"]) == (None, True)
    by_city = data["reconciliation_by_city"]
    assert [line["city"] for line in by_city[:: len(data["reconciliation"])]] == list(CITIES)
    totals = Counter()
    for line in by_city:
        if line["reason"] is None or line["task"] is None:  # the task totals and the 166
            totals[line["city"]] += line["ledger"]
    assert totals == Counter(r["city"] for r in region_rows)
    region = {(r["task"], r["reason"]): r["ledger"] for r in data["reconciliation"]}
    per_city = Counter()
    for line in by_city:
        per_city[line["task"], line["reason"]] += line["ledger"]
    assert per_city == region


def test_the_text_output_shows_each_city(office_list):
    done = CliRunner(env={"COLUMNS": "120"}).invoke(cli, ["validate", "--week", "37", str(office_list)])
    assert done.exit_code == 0
    assert "全区台账" in done.output and "各盟市矿业权数" in done.output
    assert "阿拉善盟" in done.output.split("各盟市矿业权数")[1]


def test_without_title_or_name_rows_of_several_cities_make_a_region_wide_ledger(tmp_path, plan, region_rows):
    path = write_ledger(tmp_path / "台账.xlsx", region_rows, title=None)
    report = validate_files([path], plan, AS_OF)
    assert (report.files[0].city, report.files[0].region_wide) == (None, True)
    assert report.findings == []


@pytest.mark.parametrize("name, title", [("全区台账.xlsx", None), ("台账.xlsx", "自治区盘活矿业权工作台账"),
                                         ("汇总台账_2022-W38.xlsx", None)])
def test_the_title_or_the_name_says_region_wide(tmp_path, plan, name, title):
    rows = city_rows("包头市", 2, 0)
    result = validate_file(write_ledger(tmp_path / name, rows, title=title), plan, AS_OF)
    assert (result.city, result.region_wide, result.findings) == (None, True, [])


def test_a_named_city_comes_before_region_words(tmp_path, plan):
    """The title names 包头市 as well as 自治区: it is 包头市's ledger, a 赤峰市 row is misplaced."""
    rows = [*city_rows("包头市", 2, 0), row(city="赤峰市", county="林西县", licence_no="C1504002009051120016226")]
    path = write_ledger(tmp_path / "台账.xlsx", rows, title="内蒙古自治区包头市盘活矿业权工作台账")
    result = validate_file(path, plan, AS_OF)
    assert (result.city, result.region_wide) == ("包头市", False)
    assert codes(result.findings) == Counter({"city.mismatch": 1})


def test_one_citys_rows_without_title_or_name_are_that_citys_ledger(tmp_path, plan):
    result = validate_file(write_ledger(tmp_path / "台账.xlsx", city_rows("乌海市", 3, 0), title=None), plan, AS_OF)
    assert (result.city, result.region_wide, result.findings) == ("乌海市", False, [])


def test_a_region_wide_ledger_with_some_cities_warns_of_the_plan_differences(tmp_path, plan):
    """It stands for the whole region: what it lacks against the plan is a warning, as in a merge."""
    rows = [*city_rows("包头市", 2, 0), *city_rows("赤峰市", 2, 1000)]
    report = validate_files([write_ledger(tmp_path / "全区台账.xlsx", rows, title=None)], plan, AS_OF)
    assert report.files[0].findings == [] and report.errors == 0
    assert set(codes(report.region_findings)) == {"reconcile.diff"}


# ---- kq reads what it writes --------------------------------------------------------------------


@pytest.fixture(scope="module", params=[37, 38], ids=["2022-W37", "2022-W38"])
def merged_week(request, tmp_path_factory, plan):
    week = request.param
    result = merge_inbox(SAMPLES / f"2022-W{week}", plan, 2022, week)
    out = tmp_path_factory.mktemp("merged") / f"汇总台账_2022-W{week}.xlsx"
    write_merged_workbook(result, plan, out)
    return week, result, out


def test_kq_validates_its_own_merged_workbook_like_the_merge(merged_week):
    week, merged, out = merged_week
    code, data = kq_json("validate", "--week", str(week), str(out))
    found = [f["code"] for f in data["files"][0]["findings"]]
    assert (data["files"][0]["sheet"], data["files"][0]["region_wide"]) == ("汇总台账", True)
    assert data["files"][0]["errors"] == 0 and "header.unknown_column" not in found
    assert data["files"][0]["rows"] == merged.rows_in - merged.rows_flagged
    if week == 37:  # a clean inbox: every row merged, nothing to say, the same reconciliation
        assert code == 0 and data["summary"]["errors"] == data["summary"]["warnings"] == 0
        assert data["reconciliation"] == [r.to_dict() for r in merged.reconciliation]


def test_the_待核实_sheet_has_only_known_columns(merged_week, plan):
    week, merged, out = merged_week
    result = validate_file(out, plan, AS_OF, sheet="待核实")
    assert result.sheet == "待核实" and "header.unknown_column" not in codes(result.findings)
    assert len(result.records) == merged.rows_flagged


def test_an_annotated_copy_reads_like_its_ledger(tmp_path, plan):
    original = validate_file(SAMPLES / "flawed" / "赤峰市_旗县填了外盟市.xlsx", plan, AS_OF)
    copy = validate_file(annotate(original, tmp_path), plan, AS_OF)
    assert (copy.sheet, copy.city, copy.region_wide) == (original.sheet, original.city, False)
    assert [(f.code, f.cell) for f in copy.findings] == [(f.code, f.cell) for f in original.findings]


def test_the_template_validates_empty_and_clean(tmp_path, plan):
    result = validate_file(write_template(plan, out=tmp_path / "模板.xlsx"), plan, AS_OF)
    assert (len(result.records), result.findings, result.region_wide) == (0, [], False)


def test_a_merge_counts_a_region_wide_ledgers_rows_under_their_own_cities(tmp_path, plan):
    inbox = tmp_path / "2022-W38"
    inbox.mkdir()
    write_ledger(inbox / "全区台账.xlsx", [*city_rows("包头市", 2, 0), *city_rows("赤峰市", 3, 1000)], title=None)
    result = merge_inbox(inbox, plan, 2022, 38)
    assert result.to_dict()["files"][0] | {"city": None, "region_wide": True} == result.to_dict()["files"][0]
    assert Counter(r.to_record()["source_city"] for r in result.rows) == {"包头市": 2, "赤峰市": 3}
    assert result.missing_cities == [c for c in CITIES if c not in ("包头市", "赤峰市")]
    assert result.rows_flagged == 0


# ---- a large region-wide ledger --------------------------------------------------------------


def test_a_30000_row_region_wide_ledger_has_errors_only_where_it_was_spoiled(tmp_path, plan):
    """The benchmark's region-wide rows (one in ``FLAW_EVERY`` spoiled), saved as WPS saves a CSV:
    no title, no 盟市 in the name. Before region-wide ledgers it was taken for 赤峰市's: 27,500 errors."""
    rights = list(ledgers.ledger_rows(ledgers.region_rows(), 30_000, None))
    assert {r["city"] for r in rights} == set(CITIES)
    path = tmp_path / "台账.csv"
    write_csv(path, rights)
    result = validate_file(path, plan, AS_OF)
    assert (result.city, result.region_wide, len(result.records)) == (None, True, 30_000)
    spoiled = {index + 2 for index in range(30_000) if index % ledgers.FLAW_EVERY == ledgers.FLAW_EVERY - 1}
    errors = [f for f in result.findings if f.is_error]
    assert errors and {f.row for f in errors} <= spoiled
    assert "city.mismatch" not in codes(errors)


def test_a_merged_region_wide_ledger_is_stored_under_each_rows_city(tmp_path, plan, office_list, region_rows):
    """The store keeps the 盟市 each row counts under, as the merge does: a region-wide ledger's
    rows are their own 盟市's, so the 通报 and the week comparison see them there."""
    inbox = tmp_path / "2022-W37"
    inbox.mkdir()
    (inbox / office_list.name).write_bytes(office_list.read_bytes())
    db = tmp_path / "kq.db"
    merge_and_store(inbox, plan, 2022, 37, out=tmp_path / "汇总.xlsx", db=db)
    with Store(db) as store:
        stored = store.load_snapshot(2022, 37).rows
    assert Counter(stored["source_city"]) == Counter(r["city"] for r in region_rows)
