"""``kq template``: a blank ledger whose drop-downs, formats and formulas match the schema."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import openpyxl
import pytest

from kuangquan_cli.checking.reconcile import reconcile
from kuangquan_cli.checking.validate import validate_file
from kuangquan_cli.errors import KqError
from kuangquan_cli.outputs.template import (
    FIRST_DATA_ROW,
    LAST_DATA_ROW,
    LEDGER_SHEET,
    LISTS_SHEET,
    STATS_FIRST_ROW,
    STATS_SHEET,
    write_template,
)
from kuangquan_cli.reference.tables import divisions, enumerations, fields
from support import AS_OF, convert, invoke, kq, needs_soffice, row

CITY = "包头市"


def valid_rows() -> list[dict]:
    """Rows of several tasks and states, all valid for 包头市."""
    return [
        row(),
        row(licence_no="C1502002009051120016227", status="已完成", done_date="2022-09-01"),
        row(licence_no="C1502002009051120016228", reason="企业自身原因", missing=None, own_reason="资金紧张、涉法涉诉"),
        row(licence_no="T15120200902010001", right_type="探矿权", mineral_class="煤炭", stage_ok="否", task="（三）",
            reason=None, missing=None, lead_dept="自治区自然资源厅", measures=None, county="达尔罕茂明安联合旗"),
        row(licence_no="C1502002009051120016229", status="不具备条件", reason="开采条件限制", missing=None, task=None,
            lead_dept=None, measures=None),
    ]


def fill(template: Path, path: Path, rows: list[dict]) -> Path:
    """Type rows into a copy of the template the way a 盟市 does: dates as dates, the rest as written."""
    book = openpyxl.load_workbook(template)
    ws = book[LEDGER_SHEET]
    for offset, values in enumerate(rows):
        for f in fields():
            value = values[f.name]
            typed = date.fromisoformat(value) if f.kind == "date" and value else value
            ws.cell(FIRST_DATA_ROW + offset, f.letter_index + 1, typed)
    book.save(path)
    return path


@pytest.fixture(scope="module")
def template(tmp_path_factory, plan) -> Path:
    return write_template(plan, CITY, tmp_path_factory.mktemp("tpl") / "模板.xlsx")


def list_values(book, reference: str) -> list[str]:
    """The cells of a range such as ``'下拉选项'!$B$2:$B$3`` (or a defined name's range)."""
    if reference in book.defined_names:
        reference = book.defined_names[reference].attr_text
    sheet, cells = reference.rsplit("!", 1)
    ws = book[sheet.strip("'")]
    return [c.value for line in ws[cells.replace("$", "")] for c in line]


def validations(book) -> dict[str, str]:
    """Column letter → list source, checking each validation covers the data rows of one column."""
    found = {}
    for rule in book[LEDGER_SHEET].data_validations.dataValidation:
        assert rule.type == "list" and rule.showErrorMessage
        (cells,) = rule.sqref.ranges
        assert (cells.min_row, cells.max_row) == (FIRST_DATA_ROW, LAST_DATA_ROW) and cells.min_col == cells.max_col
        found[openpyxl.utils.get_column_letter(cells.min_col)] = rule.formula1
    return found


def letter(f) -> str:
    return openpyxl.utils.get_column_letter(f.letter_index + 1)


def test_filled_template_validates_without_findings(template, tmp_path, plan):
    filled = fill(template, tmp_path / "包头市台账.xlsx", valid_rows())
    result = validate_file(filled, plan, AS_OF)
    assert result.city == CITY and result.sheet == LEDGER_SHEET and result.header_row == FIRST_DATA_ROW - 1
    assert len(result.records) == len(valid_rows())
    assert result.findings == []


def test_drop_downs_hold_exactly_the_schema_enumerations(template):
    """The lists that follow the row's task (牵头部门, 原因分类) are checked in test_template_choices."""
    book = openpyxl.load_workbook(template)
    assert book[LISTS_SHEET].sheet_state == "hidden"
    by_task = {letter(f) for f in fields() if f.name in ("lead_dept", "reason")}
    sources = {col: source for col, source in validations(book).items() if col not in by_task}
    expected = {letter(f): list(enumerations()[f.enum].values) for f in fields() if f.kind == "enum"
                and letter(f) not in by_task}
    by_name = {f.name: f for f in fields()}
    expected[letter(by_name["city"])] = list(divisions().cities)
    expected[letter(by_name["county"])] = list(divisions().counties[CITY])
    assert {col: list_values(book, source) for col, source in sources.items()} == expected


def test_without_a_city_the_county_list_follows_the_row_city(tmp_path, plan):
    blank = write_template(plan, None, tmp_path)
    filled = validate_file(fill(blank, tmp_path / "filled.xlsx", valid_rows()), plan, AS_OF)
    assert filled.city == CITY and filled.findings == []
    book = openpyxl.load_workbook(blank)
    county = next(f for f in fields() if f.name == "county")
    city = next(f for f in fields() if f.name == "city")
    assert validations(book)[letter(county)] == f"INDIRECT(${letter(city)}{FIRST_DATA_ROW})"
    for name, counties in divisions().counties.items():
        assert list_values(book, name) == list(counties)
    assert (tmp_path / "台账模板.xlsx").exists()


def test_headers_notes_formats_and_frozen_header(template, plan):
    ws = openpyxl.load_workbook(template)[LEDGER_SHEET]
    assert [c.value for c in ws[FIRST_DATA_ROW - 1]] == [f.header for f in fields()]
    assert ws.freeze_panes == f"A{FIRST_DATA_ROW}"
    for f in fields():
        head = ws.cell(FIRST_DATA_ROW - 1, f.letter_index + 1)
        assert head.font.bold and head.alignment.wrap_text and head.fill.fill_type == "solid"
        required = {"yes": "必填", "no": "选填"}.get(f.required, "条件必填")
        assert f.hint in head.comment.text and required in head.comment.text
        if f.kind == "list":
            assert all(v in head.comment.text for v in enumerations()[f.enum].values)
        for data_row in (FIRST_DATA_ROW, LAST_DATA_ROW):
            fmt = ws.cell(data_row, f.letter_index + 1).number_format
            if f.kind == "date":
                assert fmt == "yyyy-mm-dd"
            if f.kind in ("licence", "credit_code", "phone"):
                assert fmt == "@"
    assert CITY in ws["A1"].value


def test_statistics_count_with_formulas_beside_the_plan(template, plan):
    ws = openpyxl.load_workbook(template)[STATS_SHEET]
    lines = list(ws.iter_rows(min_row=STATS_FIRST_ROW, values_only=True))
    totals = [line for line in lines if line[1] == "合计" and line[0]]
    assert [line[0] for line in totals] == [t.name for t in plan.tasks]
    assert [line[4] for line in totals] == [t.rights for t in plan.tasks]
    for line in lines[:-2]:
        assert line[2].startswith("=COUNTIFS(") and f"'{LEDGER_SHEET}'!" in line[2]


def test_refuses_to_overwrite_unless_forced(tmp_path, plan):
    target = tmp_path / "模板.xlsx"
    write_template(plan, CITY, target)
    with pytest.raises(KqError, match="已存在"):
        write_template(plan, CITY, target)
    write_template(plan, CITY, target, force=True)


def test_cli_names_the_file_after_the_city_and_rejects_unknown_cities(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = invoke("template", "--city", "包头")
    assert result.exit_code == 0 and (tmp_path / "包头市台账模板.xlsx").exists()
    again = kq("template", "--city", "包头", "--out", str(tmp_path))
    assert again.returncode == 2 and again.stderr.startswith("错误：输出文件已存在")
    unknown = kq("template", "--city", "北京", "--out", str(tmp_path / "x.xlsx"))
    assert unknown.returncode == 2 and "不是盟市名称" in unknown.stderr


@pytest.mark.slow
@needs_soffice
def test_libreoffice_opens_it_and_computes_the_statistics_kq_would(template, tmp_path, plan):
    filled = fill(template, tmp_path / "包头市台账.xlsx", valid_rows())
    assert convert(filled, "pdf", tmp_path / "pdf").stat().st_size > 0
    computed = openpyxl.load_workbook(convert(filled, "xlsx", tmp_path / "recalculated"), data_only=True)[STATS_SHEET]
    lines = list(computed.iter_rows(min_row=STATS_FIRST_ROW, values_only=True))
    expected = reconcile((r.counted() for r in validate_file(filled, plan, AS_OF).records), plan)
    assert [line[2] for line in lines[: len(expected)]] == [r.ledger for r in expected]
    assert lines[len(expected)][2] == lines[len(expected) + 1][2] == len(valid_rows())
