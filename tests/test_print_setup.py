"""Every workbook kq writes prints: landscape, one page wide, the header on every page, page numbers,
long text wrapped in rows tall enough, number headers over their numbers, nothing for an empty
sheet; the merged ledger under its title and numbered through.

The settings are read back with openpyxl; the slow test prints the merged workbook through
LibreOffice and reads the pages back.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import openpyxl
import pytest

from kuangquan_cli.merging.merge import merge_inbox
from kuangquan_cli.outputs.merged_workbook import write_merged_workbook
from kuangquan_cli.outputs.template import STATS_FIRST_ROW, STATS_SHEET, write_template
from kuangquan_cli.reference.tables import divisions
from kuangquan_cli.text import display_width
from support import city_rows, convert, invoke, needs_soffice, row, sheet, write_inbox, write_ledger

CITIES = divisions().cities
A3, A4 = "8", "9"
LONG_MEASURE = "督促企业尽快补办安全生产许可证和用地手续，协调自然资源、林草部门加快审批，专人跟踪服务，确保年底前复产"
LONG_MEASURE *= 2


@pytest.fixture
def merged(tmp_path: Path, plan) -> Path:
    inbox = tmp_path / "2022-W38"
    write_inbox(inbox, per_city=4)
    out = tmp_path / "汇总台账_2022-W38.xlsx"
    write_merged_workbook(merge_inbox(inbox, plan, 2022, 38), plan, out)
    return out


def printing(ws) -> tuple:
    setup = ws.page_setup
    fit_width = 1 if setup.fitToWidth is None else setup.fitToWidth  # 1 is the file format's default
    return (setup.orientation, str(setup.paperSize), fit_width, setup.fitToHeight,
            ws.sheet_properties.pageSetUpPr.fitToPage, ws.print_title_rows)


def test_every_sheet_prints_landscape_one_page_wide_with_its_header_on_every_page(merged):
    book = openpyxl.load_workbook(merged)
    for ws in book:
        header = 2 if ws.title == "汇总台账" else 1
        paper = A3 if ws.title in ("汇总台账", "待核实") else A4
        assert printing(ws) == ("landscape", paper, 1, 0, True, f"${header}:${header}"), ws.title
        assert ws.oddFooter.center.text == "第 &P 页，共 &N 页" and ws.oddHeader.right.text == "&A"
        assert ws.oddHeader.left.text == "全区盘活矿业权工作汇总台账（2022年第38周）"
        assert ws.print_options.gridLines


def test_the_merged_ledger_has_its_title_and_a_number_running_through_all_cities(merged):
    ws = openpyxl.load_workbook(merged)["汇总台账"]
    assert ws["A1"].value == "全区盘活矿业权工作汇总台账（2022年第38周）" and "A1:AD1" in ws.merged_cells
    lines = sheet(merged, "汇总台账")
    assert [line["汇总序号"] for line in lines] == list(range(1, 49))
    assert [line["序号"] for line in lines] == [1, 2, 3, 4] * 12  # as each 盟市 wrote it


def test_an_empty_sheet_is_hidden_and_the_workbook_opens_on_a_shown_one(merged):
    book = openpyxl.load_workbook(merged)
    assert [ws.title for ws in book if ws.sheet_state == "hidden"] == ["待核实", "国有企业"]  # none is 国有
    assert book.active.title == "汇总台账"


def test_when_every_row_is_flagged_the_workbook_opens_on_the_rows_to_check(tmp_path, plan):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    write_ledger(inbox / "包头市.xlsx", [row(credit_code="91150602MA0MYGRT5X")])
    out = tmp_path / "汇总.xlsx"
    write_merged_workbook(merge_inbox(inbox, plan, 2022, 38), plan, out)
    book = openpyxl.load_workbook(out)
    assert [ws.title for ws in book if ws.sheet_state == "hidden"] == ["汇总台账", "国有企业"]
    assert book.active.title == "待核实"


def test_long_text_wraps_in_a_row_tall_enough_and_numbers_sit_under_their_headers(tmp_path, plan):
    inbox = tmp_path / "inbox"
    rows = city_rows("包头市", 3, 0)
    rows[1]["measures"] = LONG_MEASURE
    write_inbox(inbox, per_city=2, cities=["呼和浩特市"])
    write_ledger(inbox / "包头市.xlsx", rows, title="包头市盘活矿业权工作台账")
    out = tmp_path / "汇总.xlsx"
    write_merged_workbook(merge_inbox(inbox, plan, 2022, 38), plan, out)
    book = openpyxl.load_workbook(out)
    ws = book["汇总台账"]
    headers = [c.value for c in ws[2]]
    measures = ws.cell(6, headers.index("推进措施") + 1)  # 呼和浩特市's two rows, then 包头市's second
    assert measures.value == LONG_MEASURE and measures.alignment.wrap_text
    width = ws.column_dimensions[measures.column_letter].width
    lines = -(-2 * len(LONG_MEASURE) // width)
    others = [ws.row_dimensions[r].height or 15 for r in (3, 4, 5, 7)]
    assert ws.row_dimensions[6].height >= 16 * lines > max(others)
    submitted = book["报送情况"]
    aligned = {c.value: c.alignment.horizontal for c in submitted[1]}
    assert aligned["行数"] == aligned["错误"] == "right" and aligned["盟市"] == aligned["说明"] == "left"
    assert submitted["C2"].alignment.horizontal is None and isinstance(submitted["C2"].value, int)


def test_an_annotated_csv_copy_is_as_wide_as_its_content_and_prints(tmp_path):
    lines = ["序号,盟市,旗县（市、区）,许可证号,推进措施",
             f"1,包头市,固阳县,C1502002009051120016226,{LONG_MEASURE}"]
    source = tmp_path / "包头市.csv"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    done = invoke("validate", "--week", "38", "--annotate", str(source))
    assert done.exit_code == 1, done.output
    book = openpyxl.load_workbook(tmp_path / "包头市.校验.xlsx")
    ledger = book["包头市"]
    assert ledger.column_dimensions["D"].width >= len("C1502002009051120016226") + 1
    assert ledger.column_dimensions["E"].width == 40 and ledger["E2"].alignment.wrap_text
    assert printing(ledger) == ("landscape", A3, 1, 0, True, "$1:$1")
    assert printing(book["校验结果"]) == ("landscape", A4, 1, 0, True, "$5:$5")


def test_an_annotated_copy_keeps_the_senders_own_print_setup(tmp_path):
    source = write_ledger(tmp_path / "包头市.xlsx", [row()])
    book = openpyxl.load_workbook(source)
    book.active.page_setup.orientation = "portrait"
    book.save(source)
    invoke("validate", "--week", "38", "--annotate", str(source))
    copy = openpyxl.load_workbook(tmp_path / "包头市.校验.xlsx")["台账"]
    assert copy.page_setup.orientation == "portrait" and copy.print_title_rows is None


def test_the_templates_statistics_print_on_one_page(tmp_path, plan):
    book = openpyxl.load_workbook(write_template(plan, out=tmp_path / "模板.xlsx"))
    stats = book[STATS_SHEET]
    assert printing(stats)[:5] == ("landscape", A4, 1, 1, True)
    assert stats.print_title_rows == f"${STATS_FIRST_ROW - 1}:${STATS_FIRST_ROW - 1}"
    note_width = sum(stats.column_dimensions[letter].width for letter in "ABCDE")
    assert stats.row_dimensions[2].height >= 16 * -(-display_width(stats["A2"].value) // note_width)  # whole
    assert printing(book["台账"]) == ("landscape", A3, 1, 0, True, "$3:$3")


def pdf_pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"Pages:\s+(\d+)", info)[1])


def page_text(pdf: Path, page: int) -> str:
    return subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), "-layout", str(pdf), "-"],
                          capture_output=True, text=True, check=True).stdout


@pytest.mark.slow
@needs_soffice
def test_the_merged_workbook_prints_on_few_pages_with_the_header_on_each(tmp_path, plan):
    """12 盟市 × 10 rows: the merged ledger on four A3 pages, each page headed by the column names
    and numbered; the summary sheets a page or a few each, the empty 待核实 not at all (printed
    without the setup, the workbook took 49 A4 pages)."""
    inbox = tmp_path / "2022-W38"
    write_inbox(inbox, per_city=10)
    out = tmp_path / "汇总台账_2022-W38.xlsx"
    write_merged_workbook(merge_inbox(inbox, plan, 2022, 38), plan, out)
    pdf = convert(out, "pdf", tmp_path)
    pages = pdf_pages(pdf)
    assert pages <= 16
    first, second = page_text(pdf, 1), page_text(pdf, 2)
    assert "全区盘活矿业权工作汇总台账（2022年第38周）" in first and "第 1 页" in first
    assert "汇总序号" in second and "许可证号" in second and "第 2 页" in second
    assert "推出的任务类别" not in "".join(page_text(pdf, n) for n in range(1, pages + 1))  # 待核实 is empty
