"""What the 盟市 wrote is kept as written: normalising is for checking, never for rewriting.

Free text reaches every output of kq (merged workbook, 待核实, 问题清单, annotated copy, store,
report) exactly as it was read from the cell; only the fields kq classifies (enums, dates,
identifiers) are written in canonical form.
"""

from __future__ import annotations

import html
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from kuangquan_cli.checking.validate import validate_file
from kuangquan_cli.cli.app import cli
from kuangquan_cli.jobs import merge_and_store
from kuangquan_cli.merging.merge import merge_inbox
from kuangquan_cli.merging.store import Store
from kuangquan_cli.outputs.annotate import annotate
from kuangquan_cli.outputs.merged_workbook import write_merged_workbook
from kuangquan_cli.reference.own_files import ANNOTATION_SHEET, DERIVED_TASK_HEADER, PROBLEMS_HEADER, SOURCE_HEADERS
from kuangquan_cli.reference.tables import divisions, enumerations, fields
from kuangquan_cli.reference.vocabulary import TASK_LABELS
from kuangquan_cli.text import as_written, clean, is_blank, to_text
from support import AS_OF, row, write_ledger

SAMPLES = Path(__file__).parents[1] / "sample_ledgers"
HEADER = {f.name: f.header for f in fields()}
FREE_TEXT = [f.name for f in fields() if f.kind in ("text", "phone")]
ASCII_PUNCTUATION = set(",();")


def sheet_rows(path: Path, title: str, header_row: int = 1) -> list[dict[str, Any]]:
    """A sheet as header → cell dicts, one per row below the header."""
    ws = openpyxl.load_workbook(path, read_only=True)[title]
    lines = list(ws.iter_rows(min_row=header_row, values_only=True))
    return [dict(zip(lines[0], values, strict=False)) for values in lines[1:]]


def written(cell: Any) -> str | None:
    """What a free-text cell of the merged workbook must hold for a source cell: the text as typed,
    numbers as ``to_text`` renders them, blank as blank."""
    if isinstance(cell, str):
        return cell if cell.strip() else None
    return to_text(cell) or None


def canonical(name: str, value: Any, city: str) -> bool:
    """Is the merged workbook's cell the canonical form of a field kq classifies?"""
    f = next(f for f in fields() if f.name == name)
    if f.kind in ("licence", "credit_code"):
        return value.isascii() and value == value.upper() and " " not in value
    if f.kind == "date":
        return isinstance(value, (date, datetime))
    if f.kind == "city":
        return value in divisions().cities
    if f.kind == "county":
        return value in divisions().counties[city]
    if name == "task":
        return value in TASK_LABELS
    if f.kind == "list":
        return all(item in enumerations()[f.enum or ""].values for item in value.split("、"))
    if f.kind == "enum":
        return value in enumerations()[f.enum or ""].values
    return True


# ---- blank is told on the cleaned form ----------------------------------------------------------

_UNTIDY = st.sampled_from(" \t\n\r\u3000\u00a0\u200b\u200d\u2060\ufeff\u00ad\u2028\x1c（）,，a１")


@given(st.text(_UNTIDY) | st.text())
def test_a_cell_is_blank_exactly_when_it_cleans_to_nothing(text):
    assert is_blank(text) == (clean(text) == "")
    assert as_written(text) == (None if clean(text) == "" else text)


# ---- the sample region: every text cell, property-style -------------------------------------


@pytest.fixture(scope="module", params=[37, 38], ids=["2022-W37", "2022-W38"])
def sample_week(request, tmp_path_factory, plan) -> tuple[Path, Path]:
    """The sample inbox of the week and its merged workbook."""
    inbox = SAMPLES / f"2022-W{request.param}"
    out = tmp_path_factory.mktemp("merged") / "汇总台账.xlsx"
    write_merged_workbook(merge_inbox(inbox, plan, 2022, request.param), plan, out)
    return inbox, out


def test_every_text_cell_of_the_samples_reaches_the_merged_workbook_as_written(sample_week):
    inbox, out = sample_week
    sources = {path.name: {i: line for i, line in enumerate(sheet_rows(path, "台账", header_row=3), start=4)}
               for path in sorted(inbox.glob("*.xlsx"))}
    merged = sheet_rows(out, "汇总台账", header_row=2)
    flagged = sheet_rows(out, "待核实")
    assert len(merged) + len(flagged) == sum(line[HEADER["licence_no"]] is not None
                                             for lines in sources.values() for line in lines.values())

    compared = punctuated = 0
    for line in merged + flagged:
        source = sources[line[SOURCE_HEADERS[0]]][line[SOURCE_HEADERS[1]]]
        for name in FREE_TEXT:
            assert line[HEADER[name]] == written(source[HEADER[name]]), (line[SOURCE_HEADERS[0]], name)
            compared += 1
            punctuated += any(c in "，（）；" for c in str(line[HEADER[name]] or ""))
    assert compared == len(FREE_TEXT) * (len(merged) + len(flagged)) and punctuated > 1000

    for line in merged:  # the rows without errors: every classified field in canonical form
        for f in fields():
            value = line[f.header]
            if value is not None and f.kind not in ("text", "phone", "int"):
                assert canonical(f.name, value, line[HEADER["city"]]), (f.name, value)


def test_the_samples_hold_full_width_punctuation_and_the_merged_workbook_adds_no_ascii(sample_week):
    """The sample sources hold no ASCII , ( ) ; in their text; neither may the merged ledger."""
    inbox, out = sample_week
    source_text = [v for path in inbox.glob("*.xlsx") for line in sheet_rows(path, "台账", header_row=3)
                   for k, v in line.items() if isinstance(v, str) and k in {HEADER[n] for n in FREE_TEXT}]
    assert not ASCII_PUNCTUATION & set("".join(source_text))
    merged = sheet_rows(out, "汇总台账", header_row=2)
    merged_text = [line[HEADER[n]] for line in merged for n in FREE_TEXT if line[HEADER[n]]]
    assert not ASCII_PUNCTUATION & set("".join(merged_text))
    assert "内蒙古地质矿产（集团）有限责任公司" in merged_text


# ---- untidy text, followed through every output ------------------------------------------------

NAME = "固阳县  某铁矿（一期）\n北区"
HOLDER = "内蒙古地质矿产（集团）有限责任公司"
MEASURES = "协调自治区能源局，督促企业补办安全生产许可证；力争年底前复产👷\u200d♂️"
PROGRESS = "已提交材料，等待批复 "
CONTACT = "张　三"  # an ideographic space between the characters
PHONE = "１３９１２３４５６７８"  # full-width digits: checked as 13912345678, kept as typed


def untidy(**overrides: Any) -> dict[str, Any]:
    texts = {"right_name": NAME, "holder": HOLDER, "measures": MEASURES, "progress": PROGRESS, "contact": CONTACT,
             "phone": PHONE, "deadline": "2022-09-10"}
    return row(**texts | overrides)


@pytest.fixture
def untidy_week(tmp_path: Path, plan) -> dict[str, Path]:
    """A 包头市 inbox: one clean untidy row, one with a task that disagrees with its type (and an
    unreadable seq), merged and stored for 2022-W38."""
    inbox = tmp_path / "2022-W38"
    inbox.mkdir()
    write_ledger(inbox / "包头市.xlsx", [
        untidy(),
        untidy(seq="第二", licence_no="C1502002009051120016227", task="（六）", note="原填（六）；待核实"),
    ])
    out, db = tmp_path / "汇总台账_2022-W38.xlsx", tmp_path / "kq.db"
    merge_and_store(inbox, plan, 2022, 38, out=out, db=db)
    return {"inbox": inbox, "workbook": out, "db": db, "ledger": inbox / "包头市.xlsx"}


def test_untidy_text_passes_the_checks_on_its_cleaned_form(check):
    result = check(untidy())
    assert result.findings == []
    assert result.records[0].values.right_name == NAME and result.records[0].values.phone == PHONE


def test_untidy_text_reaches_the_merged_ledger_and_待核实_as_written(untidy_week):
    merged, = sheet_rows(untidy_week["workbook"], "汇总台账", header_row=2)
    flagged, = sheet_rows(untidy_week["workbook"], "待核实")
    for line in (merged, flagged):
        assert [line[HEADER[n]] for n in ("right_name", "holder", "measures", "progress", "contact", "phone")] == \
            [NAME, HOLDER, MEASURES, PROGRESS, CONTACT, PHONE]
        assert line[HEADER["licence_no"]].startswith("C150200") and line[HEADER["city"]] == "包头市"
    assert merged[HEADER["task"]] == "（四）"
    # 待核实: what the 盟市 submitted (the task, the unreadable seq as typed), beside what kq derived
    assert (flagged[HEADER["task"]], flagged[DERIVED_TASK_HEADER]) == ("（六）", "（四）")
    assert flagged[HEADER["seq"]] == "第二" and flagged[HEADER["note"]] == "原填（六）；待核实"
    assert "（四）" in flagged[PROBLEMS_HEADER]


def test_findings_quote_the_cell_as_submitted(untidy_week):
    listed = {(line["代码"], line["单元格内容"]) for line in sheet_rows(untidy_week["workbook"], "问题清单")}
    assert {("task.mismatch", "（六）"), ("value.number", "第二")} <= listed
    messages = [line["问题说明"] for line in sheet_rows(untidy_week["workbook"], "问题清单")]
    assert not any("(六)" in m for m in messages)


def test_a_short_phone_is_quoted_as_typed(check):
    finding, = check(untidy(phone="１３９１２３４５６７")).findings
    assert (finding.code, finding.value) == ("phone.shape", "１３９１２３４５６７")


def test_measures_are_measured_on_their_cleaned_form(check):
    """Ten characters only with the spaces in the run counted: too short."""
    finding, = check(row(measures="加快    推进  手续")).findings
    assert (finding.code, finding.value) == ("measures.too_short", "加快    推进  手续")
    assert "8" in finding.message
    assert check(row(measures="（一）加快推进各项手续")).findings == []


def test_the_store_and_the_report_keep_the_text(untidy_week):
    with Store(untidy_week["db"]) as store:
        rows = store.load_snapshot(2022, 38).rows
    assert rows["right_name"].tolist() == [NAME, NAME] and rows["measures"].tolist() == [MEASURES, MEASURES]
    assert rows["holder"].tolist() == [HOLDER, HOLDER] and rows["phone"].tolist() == [PHONE, PHONE]
    page = untidy_week["db"].parent / "report.html"
    done = CliRunner().invoke(cli, ["report", "--week", "38", "--db", str(untidy_week["db"]), "--out", str(page)],
                              catch_exceptions=False)
    assert done.exit_code == 0, done.output
    assert html.escape(NAME) in page.read_text(encoding="utf-8")  # the overdue right, by its name


def test_the_annotated_copy_lists_the_cells_as_submitted(untidy_week, plan, tmp_path):
    result = validate_file(untidy_week["ledger"], plan, AS_OF)
    copy = annotate(result, tmp_path)
    ws = openpyxl.load_workbook(copy)[ANNOTATION_SHEET]
    listed = {(line[6], line[3]) for line in ws.iter_rows(min_row=6, values_only=True) if line[6]}
    assert {("task.mismatch", "（六）"), ("value.number", "第二")} <= listed
    assert openpyxl.load_workbook(copy)["台账"]["H4"].value == NAME  # the ledger's own cells untouched
