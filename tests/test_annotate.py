"""``kq validate --annotate``: the corrected-by-cell copy a 盟市 gets back."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from pathlib import Path

import openpyxl
import pytest

from kuangquan_cli.checking.validate import FileResult, validate_file
from kuangquan_cli.outputs.annotate import FILL, annotate, annotated_path
from kuangquan_cli.reference.own_files import ANNOTATION_SHEET
from kuangquan_cli.reference.tables import fields
from support import AS_OF, convert, credit_code, kq, needs_soffice, row, write_ledger

FOREIGN_LICENCE = "C1101002009051120016226"  # issued outside Inner Mongolia: a warning
ALL_FIELDS = [f.name for f in fields()]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def flawed_rows() -> list[dict]:
    return [
        row(seq=1),
        row(seq=2, licence_no="C1502002009051120016227", credit_code=credit_code()[:-1] + "X"),
        row(seq=3, licence_no="C1502002009051120016228", county="东胜区"),
        row(seq=4, licence_no="C1502002009051120016229", contact=None, deadline="2023-06-30"),
        row(seq=5, licence_no=FOREIGN_LICENCE),
        row(seq=6, licence_no=FOREIGN_LICENCE, extra="自行加的列"),
    ]


@pytest.fixture
def flawed(tmp_path: Path, plan) -> FileResult:
    path = write_ledger(
        tmp_path / "包头市台账.xlsx", flawed_rows(),
        field_order=[*ALL_FIELDS, "extra"], headers=[f.header for f in fields()] + ["自定义列"],
    )
    return validate_file(path, plan, AS_OF)


def summary_rows(book) -> list[dict]:
    ws = book[ANNOTATION_SHEET]
    header = [c.value for c in ws[5]]
    return [
        {**dict(zip(header, (c.value for c in cells), strict=True)), "link": cells[1].hyperlink}
        for cells in ws.iter_rows(min_row=6)
    ]


def test_every_cell_finding_is_filled_commented_and_linked(flawed):
    assert sorted((f.code, f.cell) for f in flawed.findings) == [
        ("county.not_in_city", "C6"), ("credit_code.check", "J5"), ("deadline.after_goal", "T7"),
        ("header.unknown_column", "AB3"), ("licence.duplicate", "G8"), ("licence.duplicate", "G9"),
        ("licence.region", "G8"), ("licence.region", "G9"), ("value.required", "Y7")]
    before = sha256(flawed.path)

    out = annotate(flawed)

    assert out == flawed.path.parent / "包头市台账.校验.xlsx"
    assert sha256(flawed.path) == before
    book = openpyxl.load_workbook(out)
    assert book.sheetnames[0] == ANNOTATION_SHEET
    ledger, listed = book["台账"], summary_rows(book)
    by_cell = defaultdict(list)
    for finding in flawed.findings:
        by_cell[finding.cell].append(finding)
    for cell, found in by_cell.items():
        worst = "error" if any(f.is_error for f in found) else "warning"
        assert ledger[cell].fill.fgColor.rgb.endswith(FILL[worst]), cell
        for finding in found:
            assert finding.message in ledger[cell].comment.text
            assert any(
                r["问题"] == finding.message and r["代码"] == finding.code and r["link"].location == f"'台账'!{cell}"
                and r["单元格"] == cell for r in listed
            ), finding
    assert len(listed) == len(flawed.findings)


def test_one_comment_lists_every_finding_on_a_cell_and_the_worst_colour_wins(flawed):
    book = openpyxl.load_workbook(annotate(flawed))
    cell = book["台账"]["G8"]  # the foreign licence: duplicate (error) and region (warning)
    assert "出现 2 次" in cell.comment.text and "不是内蒙古" in cell.comment.text
    assert cell.fill.fgColor.rgb.endswith(FILL["error"])
    assert book["台账"]["T7"].fill.fgColor.rgb.endswith(FILL["warning"])  # deadline after the goal only


def test_the_original_formatting_and_values_are_kept(flawed):
    book = openpyxl.load_workbook(annotate(flawed))
    ledger = book["台账"]
    assert "A1:AB1" in {str(r) for r in ledger.merged_cells.ranges}
    assert ledger["A1"].value == "包头市盘活矿业权工作台账"
    assert ledger["J5"].value == credit_code()[:-1] + "X"
    assert ledger["A4"].comment is None and ledger["A4"].fill.fill_type is None


def test_whole_row_findings_sit_on_the_first_cell_and_file_findings_only_in_the_list(tmp_path, plan):
    exploration = row(right_type="探矿权", mineral_class="非煤", licence_no="T15120200902020001", task=None,
                      reason=None, missing=None, lead_dept=None, measures=None)
    no_stage = [n for n in ALL_FIELDS if n not in ("stage_ok", "contact")]
    result = validate_file(write_ledger(tmp_path / "包头市.xlsx", [exploration], field_order=no_stage), plan, AS_OF)
    missing_column = next(f for f in result.findings if f.code == "header.missing_column")
    stage = next(f for f in result.findings if f.field == "stage_ok")
    assert missing_column.column is None and stage.column is None

    book = openpyxl.load_workbook(annotate(result))
    assert missing_column.message in book["台账"]["A3"].comment.text
    assert stage.message in book["台账"]["A4"].comment.text
    listed = {r["问题"]: r for r in summary_rows(book)}
    assert listed[stage.message]["单元格"] == "第 4 行"
    assert listed[stage.message]["link"].location == "'台账'!A4"

    unreadable = tmp_path / "没有表头.xlsx"
    write_ledger(unreadable, [], title=None, headers=["甲", "乙"], field_order=["seq", "city"])
    headless = validate_file(unreadable, plan, AS_OF)
    book = openpyxl.load_workbook(annotate(headless))
    only = summary_rows(book)
    assert [r["代码"] for r in only] == ["header.not_found"] and only[0]["单元格"] == "整个文件"
    assert only[0]["link"] is None
    assert all(c.comment is None for ws in book.worksheets[1:] for line in ws.iter_rows() for c in line)


def test_csv_input_gives_an_xlsx_with_formula_looking_text_kept_as_text(tmp_path, plan):
    values = row(credit_code=credit_code()[:-1] + "X", note="=HYPERLINK(\"http://example.com\",\"点我\")")
    lines = [",".join(f.header for f in fields()), ",".join(_csv_cell(values[f.name]) for f in fields())]
    source = tmp_path / "包头市台账.csv"
    source.write_text("\n".join(lines), encoding="utf-8-sig")
    result = validate_file(source, plan, AS_OF)

    out = annotate(result, tmp_path / "批注")

    assert out == tmp_path / "批注" / "包头市台账.校验.xlsx"
    book = openpyxl.load_workbook(out)
    ledger = book.worksheets[1]
    bad = next(f for f in result.findings if f.code == "credit_code.check")
    assert bad.message in ledger[bad.cell].comment.text
    listed = next(r for r in summary_rows(book) if r["代码"] == "credit_code.check")
    assert listed["link"].location == f"'{ledger.title}'!{bad.cell}"
    note = ledger.cell(2, len(fields()))
    assert note.value.startswith("=HYPERLINK") and note.data_type == "s"
    assert "重建" in book[ANNOTATION_SHEET]["A3"].value


def _csv_cell(value: object) -> str:
    text = "" if value is None else str(value)
    return '"' + text.replace('"', '""') + '"'


def test_an_xlsx_openpyxl_cannot_open_is_rebuilt_from_what_kq_read(flawed, monkeypatch):
    def refuse(*args, **kwargs):
        raise KeyError("unsupported part")

    monkeypatch.setattr(openpyxl, "load_workbook", refuse)
    out = annotate(flawed)
    monkeypatch.undo()
    book = openpyxl.load_workbook(out)
    assert book["台账"]["J5"].comment is not None and "重建" in book[ANNOTATION_SHEET]["A3"].value


def test_output_stays_in_the_output_folder():
    assert annotated_path(Path("/data/in/../in/包头.xlsx"), Path("/out")) == Path("/out/包头.校验.xlsx")
    assert annotated_path(Path("来文/..xlsx"), None) == Path("来文/..校验.xlsx")
    assert annotated_path(Path("来文/包头.xlsm"), None).parent == Path("来文")


def test_suggestions_name_the_value_to_write(flawed):
    by_code = {f.code: f.advice for f in flawed.findings}
    assert by_code["value.required"] == "填写「责任人」"
    assert by_code["county.not_in_city"].startswith("改正旗县")
    assert all(by_code.values())


def test_cli_refuses_to_overwrite_without_force(tmp_path):
    path = write_ledger(tmp_path / "包头市台账.xlsx", [row(credit_code=credit_code()[:-1] + "X")])
    first = kq("validate", str(path), "--annotate")
    assert first.returncode == 1 and (tmp_path / "包头市台账.校验.xlsx").exists()
    second = kq("validate", str(path), "--annotate")
    assert second.returncode == 2
    assert second.stderr.startswith("错误：输出文件已存在") and "--force" in second.stderr
    assert "Traceback" not in second.stderr
    assert kq("validate", str(path), "--annotate", "--force").returncode == 1


def test_cli_refuses_two_inputs_that_would_share_one_output(tmp_path):
    xlsx = write_ledger(tmp_path / "包头市台账.xlsx", [row()])
    csv = tmp_path / "包头市台账.csv"
    csv.write_text(",".join(f.header for f in fields()), encoding="utf-8")
    proc = kq("validate", str(xlsx), str(csv), "--annotate", "--out", str(tmp_path / "out"))
    assert proc.returncode == 2 and "包头市台账.校验.xlsx" in proc.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
@needs_soffice
def test_libreoffice_opens_the_annotated_copy_and_keeps_notes_and_links(flawed, tmp_path):
    out = annotate(flawed)
    assert convert(out, "pdf", tmp_path / "pdf").stat().st_size > 0
    book = openpyxl.load_workbook(convert(out, "xlsx", tmp_path / "resaved"))
    assert book.sheetnames[0] == ANNOTATION_SHEET
    assert "最后一位应为 8" in book["台账"]["J5"].comment.text
    assert summary_rows(book)[0]["link"].location.endswith("!AB3")
