"""Finding the ledger inside a workbook as the 盟市 actually type it up."""

from __future__ import annotations

import codecs

from kuangquan_cli.checking.validate import validate_file
from kuangquan_cli.reading.workbook import read_sheets
from support import AS_OF, credit_code, row, write_ledger

# Columns in another order, headers with line breaks, hints and aliases, plus an unknown column.
ORDER = ["seq", "licence_no", "city", "county", "right_type", "mineral_class", "mineral", "right_name",
         "holder", "credit_code", "reason", "missing", "measures", "deadline", "status", "done_date",
         "contact", "phone", "task"]
HEADERS = ["序号", "采矿许可证号\n（勘查许可证号）", "所在盟市", "旗县（市、区）", "矿业权类型（采矿权/探矿权）",
           "矿种类别\n(煤炭/非煤)", "开采矿种", "矿山名称", "采矿权人", " 统一社会\n信用代码 ", "停产原因",
           "所缺手续（多项用顿号分隔）", "一矿一策", "计划完成时间", "当前进展", "完成日期", "联系人", "联系电话",
           "任务分类"]


def untidy_ledger(check, **rows_and_layout):
    rows = [
        row(seq=1),
        row(seq=2, licence_no="C1502002009051120016227", credit_code="91150602MA0MYGRT5X"),
        row(seq=3, licence_no="C1502002009051120016228", county="准格尔旗"),
    ]
    footer = [["合计", "3 个"], [], ["填表人：李四", None, "审核人：王五", "联系电话：0472-5123456"]]
    return check(*rows, field_order=ORDER, headers=HEADERS + ["巡查人员"], footer=footer,
                 extra_sheets=["填报说明"], **rows_and_layout)


def test_header_is_found_below_title_and_unit_lines(check):
    result = untidy_ledger(check)
    assert result.sheet == "台账" and result.header_row == 3 and result.city == "包头市"
    assert set(result.columns) == set(ORDER)


def test_findings_point_at_the_right_cells_and_not_at_notes(check):
    result = untidy_ledger(check)
    # credit_code is the 10th column (J); county the 4th (D); the unknown column is the 20th (T).
    # The columns left out of this ledger are optional, and no other finding appears.
    assert sorted((f.code, f.cell) for f in result.findings) == [
        ("county.not_in_city", "D6"), ("credit_code.check", "J5"), ("header.unknown_column", "T3")]
    assert [r.row for r in result.records] == [4, 5, 6]


def test_table_starting_further_right_keeps_its_letters(tmp_path, plan):
    import openpyxl

    book = openpyxl.Workbook()
    ws = book.active
    names = [n for n in row()]
    from kuangquan_cli.reference.tables import field_by_name

    for col, name in enumerate(names, start=3):  # data starts in column C, row 5
        ws.cell(5, col, field_by_name()[name].header)
        ws.cell(6, col, row(credit_code="91150602MA0MYGRT5X")[name])
    ws["C2"] = "包头市台账"
    path = tmp_path / "offset.xlsx"
    book.save(path)
    result = validate_file(path, plan, AS_OF)
    assert [f.cell for f in result.findings] == ["L6"]  # credit_code is the 10th field: C + 9 = L


def test_phantom_rows_of_formatting_are_ignored(tmp_path, plan):
    import openpyxl
    from openpyxl.styles import PatternFill

    path = write_ledger(tmp_path / "包头市.xlsx", [row()])
    book = openpyxl.load_workbook(path)
    book.active["B60000"].fill = PatternFill("solid", fgColor="FFFF00")
    book.active["XFD10"].fill = PatternFill("solid", fgColor="FFFF00")
    book.save(path)
    result = validate_file(path, plan, AS_OF)
    assert len(result.records) == 1 and result.findings == []


def test_no_header_is_a_file_finding(tmp_path, plan):
    path = tmp_path / "notes.csv"
    path.write_text("说明\n这是一份会议纪要\n", encoding="utf-8")
    result = validate_file(path, plan, AS_OF)
    assert [f.code for f in result.findings] == ["header.not_found"]
    assert result.findings[0].row is None and result.findings[0].cell is None


def test_missing_and_duplicate_columns(check):
    order = [n for n in row() if n != "phone"] + ["credit_code"]
    from kuangquan_cli.reference.tables import field_by_name

    headers = [field_by_name()[n].header for n in order]
    result = check(row(), field_order=order, headers=headers)
    # no per-row value.required for the missing column: the header finding says it once
    assert sorted((f.code, f.field, f.cell) for f in result.findings) == [
        ("header.duplicate_column", "credit_code", "AA3"), ("header.missing_column", "phone", None)]


def _csv_text() -> str:
    names = list(row())
    from kuangquan_cli.reference.tables import field_by_name

    lines = [",".join(field_by_name()[n].header for n in names)]
    values = row(credit_code=credit_code())
    lines.append(",".join("" if values[n] is None else str(values[n]) for n in names))
    return "\r\n".join(lines) + "\n"


def test_csv_in_utf8_bom_gbk_and_utf16(tmp_path, plan):
    text = _csv_text()
    for name, data in {
        "bom.csv": codecs.BOM_UTF8 + text.encode("utf-8"),
        "gbk.csv": text.encode("gbk"),
        "utf16.csv": text.encode("utf-16"),
    }.items():
        path = tmp_path / name
        path.write_bytes(data)
        sheets = read_sheets(path)
        assert sheets[0].rows[0][0] == "序号", name
        result = validate_file(path, plan, AS_OF)
        assert result.findings == [] and len(result.records) == 1, name


def test_a_visible_ledger_wins_over_a_hidden_copy_with_the_same_header(tmp_path, plan):
    import openpyxl

    path = write_ledger(tmp_path / "包头市.xlsx", [row(credit_code="91150602MA0MYGRT5X")])
    book = openpyxl.load_workbook(path)
    old = book.copy_worksheet(book["台账"])
    old.title = "上周台账"
    old.sheet_state = "hidden"
    book.move_sheet(old, offset=-1)
    book["台账"]["J4"] = credit_code()
    book.save(path)
    result = validate_file(path, plan, AS_OF)
    assert result.sheet == "台账" and result.findings == []
