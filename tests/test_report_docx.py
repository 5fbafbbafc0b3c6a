"""``kq report --format docx``: the 通报 as a Word document laid out as a 公文 (GB/T 9704-2012):
the page and its grid, the fonts offices have, the red 发文机关标志, page numbers 「— N —」, the
HTML's sections in the HTML's order, its tables and its charts as pictures."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import zipfile
from dataclasses import replace
from datetime import date
from pathlib import Path

import docx
import pytest
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from kuangquan_cli.report.docx import APPENDIX_TITLE, BODY_SPACING, CHARS, TEXT_WIDTH, numeral
from kuangquan_cli.report.model import BaselineNote, ChangeItem, CityChanges, OverdueItem, StaleFile
from kuangquan_cli.report.render import render_report, report_content
from kuangquan_cli.report.sentences import ISSUER, TREND_NOTE, sentences
from support import convert, invoke, kq, needs_writer, office_fonts

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@pytest.fixture(scope="module")
def w38(region, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("docx") / "通报.docx"
    path.write_bytes(report_content(region.w38, "docx"))
    return path


def open_docx(path: Path) -> docx.document.Document:
    return docx.Document(str(path))


def fonts_of(element) -> dict[str, str]:
    """The w:rFonts of a style's or run's properties, slot → font."""
    found = element.find(f".//{W}rFonts")
    return {key.removeprefix(W): value for key, value in found.attrib.items()}


def headings(doc, level: int) -> list[str]:
    return [p.text for p in doc.paragraphs if p.style.name == f"Heading {level}"]


# ---- the page -----------------------------------------------------------------------------------


def test_page_is_a4_with_the_standard_type_area(w38):
    section = open_docx(w38).sections[0]
    assert (section.page_width.twips, section.page_height.twips) == (Mm(210).twips, Mm(297).twips)  # A4
    margins = (section.top_margin, section.bottom_margin, section.left_margin, section.right_margin)
    assert [round(m.mm, 1) for m in margins] == [37, 35, 28, 26]  # 版心 156 × 225 mm
    grid = section._sectPr.find(qn("w:docGrid"))
    assert grid.get(qn("w:type")) == "lines" and grid.get(qn("w:linePitch")) == "579"  # 225 mm / 22 lines
    # 28 characters of 3号 a line: the body's letter spacing takes the standard's 448 pt into the 442 pt
    assert BODY_SPACING == -0.25 and 28 * (16 + BODY_SPACING) <= TEXT_WIDTH.pt < 29 * (16 + BODY_SPACING)
    assert CHARS == 28


def test_fonts_are_named_as_offices_have_them_for_east_asian_text(w38, region):
    doc = open_docx(w38)
    expected = {"Normal": "仿宋_GB2312", "Heading 1": "黑体", "Heading 2": "楷体_GB2312", "公文标题": "方正小标宋简体",
                "发文机关标志": "方正小标宋简体", "页码": "宋体"}
    for name, font in expected.items():
        style = doc.styles[name]
        slots = fonts_of(style.element)
        assert slots == {"ascii": font, "hAnsi": font, "eastAsia": font, "cs": font}, name  # no theme font left
    assert doc.styles["Normal"].font.size == Pt(16) and doc.styles["公文标题"].font.size == Pt(22)
    assert doc.styles["页码"].font.size == Pt(14)
    assert not doc.styles["Heading 1"].font.bold and not doc.styles["Heading 2"].font.bold
    changed = [c.city for c in region.w38.ledger_changes if c.items]  # 台账变动情况, then 国有企业
    soe_parts = ["分任务进展", "待办手续（按办理部门）", "有待办手续的矿业权"]
    assert headings(doc, 2) == [f"（{numeral(n)}）{t}" for n, t in [*enumerate(changed, 1), *enumerate(soe_parts, 1)]]
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    assert fonts_of(defaults)["eastAsia"] == "仿宋_GB2312"


def test_issuer_mark_is_red_over_a_red_line_then_the_title(w38, region):
    doc = open_docx(w38)
    mark = doc.paragraphs[0]
    assert mark.text == ISSUER and mark.style.name == "发文机关标志"
    assert mark.style.font.color.rgb == docx.shared.RGBColor(0xFF, 0, 0)
    assert fonts_of(mark.style.element)["eastAsia"] == "方正小标宋简体"
    line = mark._p.find(f"{W}pPr/{W}pBdr/{W}bottom")
    assert line.get(qn("w:color")) == "FF0000" and line.get(qn("w:val")) == "single"
    title = next(p for p in doc.paragraphs if p.style.name == "公文标题")
    assert title.text == "全区盘活矿业权工作进展情况通报\n（2022年第38周）"
    texts = [p.text for p in doc.paragraphs]
    assert texts[texts.index("2022年9月26日") - 1] == ISSUER  # 署名, then 成文日期: the Monday after the week
    assert texts.index(f"附件：{APPENDIX_TITLE}") < texts.index(ISSUER, 1)


def test_page_numbers_are_a_page_field_odd_right_even_left(w38):
    doc = open_docx(w38)
    assert doc.settings.odd_and_even_pages_header_footer
    section = doc.sections[0]
    for footer, side in ((section.footer, "right"), (section.even_page_footer, "left")):
        paragraph = footer.paragraphs[0]
        assert paragraph.text == "— 1 —" and paragraph.alignment == getattr(docx.enum.text.WD_ALIGN_PARAGRAPH,
                                                                               side.upper())
        kinds = [c.get(qn("w:fldCharType")) for c in paragraph._p.iter(qn("w:fldChar"))]
        assert kinds == ["begin", "separate", "end"]
        assert [t.text for t in paragraph._p.iter(qn("w:instrText"))] == [" PAGE "]
        assert paragraph._p.find(f"{W}pPr/{W}ind").get(qn(f"w:{side}Chars")) == "100"  # one character in


# ---- the content: the HTML's, in its order ----------------------------------------------------------


def test_sections_are_the_htmls_in_its_order(w38, region):
    doc = open_docx(w38)
    html = region.html.read_text(encoding="utf-8")
    numbered = [h for h in re.findall(r"<h2>([^<]+)</h2>", html) if not h.startswith("附表")]
    assert headings(doc, 1) == numbered
    texts = [p.text for p in doc.paragraphs]
    assert texts.index("附件") > texts.index("2022年9月26日") and APPENDIX_TITLE in texts
    body = "\n".join(texts)
    for number, city in enumerate(region.w38.laggards, start=1):
        line = next(p for p in doc.paragraphs if p.text.startswith(f"{number}.{city.city}："))
        assert line.runs[0].bold and line.runs[0].text == f"{number}.{city.city}"  # the third level, bold 仿宋
    assert region.w38.overall.rights and f"台账共列矿业权{region.w38.overall.rights}个" in body


def test_tables_fill_the_type_area_and_repeat_their_headers(w38, region):
    doc = open_docx(w38)
    data = region.w38
    changes = [bool(data.ledger_changes)] + [bool(c.items) for c in data.ledger_changes]  # the summary, each 盟市's
    # groups, tasks, ranking, the changes, departments, SOE ×3, submissions, appendix
    assert data.ledger_changes and len(doc.tables) == 9 + sum(changes)
    for table in doc.tables:
        width = table._tbl.tblPr.find(qn("w:tblW"))
        assert width.get(qn("w:type")) == "dxa" and abs(int(width.get(qn("w:w"))) - TEXT_WIDTH.twips) < 20
        header = table.rows[0]._tr.trPr
        assert header.find(qn("w:tblHeader")) is not None and header.find(qn("w:cantSplit")) is not None
    ranking = next(t for t in doc.tables if t.rows[0].cells[0].text == "排名")
    rows = {r.cells[1].text: [c.text for c in r.cells] for r in ranking.rows[1:]}
    for city in data.cities:
        if city.sent:
            assert rows[city.city][:5] == [str(city.rank), city.city, str(city.rights), str(city.cannot_resume),
                                           str(city.done)]
    assert rows["全区"][2] == str(data.overall.rights)
    appendix = doc.tables[-1]
    assert [c.text for c in appendix.rows[0].cells][:3] == ["盟市", "（一）", "（一）"]  # a header merged over two
    assert [c.text for c in appendix.rows[1].cells][1:3] == ["数量", "完成"]


def test_charts_are_pictures_under_their_captions(w38, region):
    doc = open_docx(w38)
    with zipfile.ZipFile(w38) as package:
        media = [n for n in package.namelist() if n.startswith("word/media/")]
        assert len(media) == 3 and all(package.read(n)[:8] == b"\x89PNG\r\n\x1a\n" for n in media)
    texts = [p.text for p in doc.paragraphs]
    for caption in ("图1　全区完成率逐周变化", "图2　各项任务完成率（虚线为全区）",
                    "图3　各盟市完成率（红色斜纹为被点名的盟市，虚线为全区）"):
        assert caption in texts
        before = doc.paragraphs[texts.index(caption) - 1]
        assert before._p.find(f".//{W}drawing") is not None and before.style.name == "图片"


def test_first_week_has_no_trend_picture(region, tmp_path):
    path = tmp_path / "w37.docx"
    path.write_bytes(report_content(region.w37, "docx"))
    with zipfile.ZipFile(path) as package:
        assert len([n for n in package.namelist() if n.startswith("word/media/")]) == 2
    assert TREND_NOTE in [p.text for p in open_docx(path).paragraphs]


def test_the_check_against_the_baseline_is_said_where_the_html_says_it(region, tmp_path):
    note = BaselineNote(1, date(2022, 9, 20), "2022-W37", 2658, 1, 2, 3, {"包头市": 6}, [])
    data = replace(region.w38, baseline=note)
    path = tmp_path / "baseline.docx"
    path.write_bytes(report_content(data, "docx"))
    texts = [p.text for p in open_docx(path).paragraphs]
    said = sentences(data)["baseline"]
    assert said.startswith("对照2022年9月20日存入的第1版底数") and said in texts
    assert texts.index("一、总体进展") < texts.index(said) < texts.index("二、分任务进展")


def test_changed_rights_and_stale_ledgers_are_listed_as_in_the_html(region, tmp_path):
    item = ChangeItem("vanished", "消失", "C1502002008046162181475", "某铁矿", "上周在包头市台账第17行，本周台账中没有")
    stale = StaleFile("包头市", "包头市.xlsx", "台账填报日期为2022年9月10日，早于本周")
    data = replace(region.w38, ledger_changes=[CityChanges("包头市", "消失 1 项", [item])], changes_more=4,
                   stale_files=[stale])
    path = tmp_path / "changes.docx"
    path.write_bytes(report_content(data, "docx"))
    doc = open_docx(path)
    texts = [p.text for p in doc.paragraphs]
    assert "（一）包头市" in texts and "另有 4 项，见汇总台账的“台账变动”工作表。" in texts
    table = next(t for t in doc.tables if t.rows[0].cells[0].text == "变动")
    assert [c.text for c in table.rows[1].cells] == ["消失", item.licence_no, "某铁矿", item.message]
    assert sentences(data)["stale"] in texts and texts.index(sentences(data)["stale"]) > texts.index("八、台账报送情况")
    html = render_report(data, "html")
    assert "<h3>包头市</h3>" in html and sentences(data)["stale"] in html


def test_ledger_text_is_kept_and_control_characters_shown(region, tmp_path):
    hostile = "坏\x1b[31m名<script>\x00\ufffe"
    item = OverdueItem("包头市", "固阳县", hostile, "C1502002009051120016226", "（四）", date(2022, 9, 1), 24, "推进中")
    data = replace(region.w38, overdue=[item], overdue_total=1)
    path = tmp_path / "hostile.docx"
    path.write_bytes(report_content(data, "docx"))
    overdue = next(t for t in open_docx(path).tables if t.rows[0].cells[0].text == "序号"
                   and t.rows[0].cells[1].text == "盟市" and t.rows[0].cells[2].text == "旗县（市、区）")
    assert overdue.rows[1].cells[3].text == "坏\\x1b[31m名<script>\\x00\\ufffe"


def test_headings_count_in_chinese_numerals():
    assert [numeral(n) for n in (1, 9, 10, 11, 12, 20, 21, 99)] == ["一", "九", "十", "十一", "十二", "二十", "二十一",
                                                                  "九十九"]


# ---- the command --------------------------------------------------------------------------------


def test_command_writes_docx_by_format_or_by_suffix(region, tmp_path):
    by_format = tmp_path / "a.docx"
    done = invoke("report", "--db", str(region.db), "--week", "38", "--format", "docx", "--out", str(by_format))
    assert done.exit_code == 0 and by_format.is_file() and str(by_format) in done.output
    by_suffix = tmp_path / "b.docx"
    assert invoke("report", "--db", str(region.db), "--out", str(by_suffix)).exit_code == 0
    assert headings(open_docx(by_suffix), 1) == headings(open_docx(by_format), 1)
    clash = kq("report", "--db", str(region.db), "--format", "docx", "--out", str(tmp_path / "c.html"))
    assert clash.returncode == 2 and "--format docx 与输出文件" in clash.stderr and "Traceback" not in clash.stderr


def test_help_and_html_do_not_load_word_or_matplotlib(tmp_path):
    """python-docx and matplotlib load only for ``--format docx``: ``kq --help`` stays quick."""
    probe = ("import sys; from kuangquan_cli.cli.app import main; sys.argv = ['kq', 'report', '--help']\n"
             "try:\n    main()\nexcept SystemExit:\n    pass\n"
             "print(sorted(m for m in ('docx', 'matplotlib') if m in sys.modules))")
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=tmp_path)
    assert run.stdout.strip().splitlines()[-1] == "[]"


# ---- rendered by LibreOffice ----------------------------------------------------------------------

PDFTOTEXT = shutil.which("pdftotext")


def page_words(pdf: Path, page: int) -> list[tuple[str, float, float]]:
    """The words of a page with their left and top edges (points), from pdftotext -bbox."""
    out = subprocess.run([PDFTOTEXT or "pdftotext", "-f", str(page), "-l", str(page), "-bbox", str(pdf), "-"],
                         capture_output=True, text=True, check=True).stdout
    return [(m[3], float(m[1]), float(m[2]))
            for m in re.finditer(r'<word xMin="([\d.]+)" yMin="([\d.]+)"[^>]*>([^<]*)</word>', out)]


@needs_writer
@pytest.mark.skipif(PDFTOTEXT is None, reason="未安装 poppler-utils（pdftotext），跳过 PDF 检查")
@pytest.mark.slow
def test_libreoffice_prints_it_with_page_numbers_and_the_fonts(w38, tmp_path):
    pdf = convert(w38, "pdf", tmp_path, env=office_fonts(tmp_path))
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    pages = int(re.search(r"Pages:\s+(\d+)", info)[1])
    assert "(A4)" in info and 8 <= pages <= 16
    type_area_bottom = (297 - 35) / 25.4 * 72
    for page in range(1, pages + 1):
        words = page_words(pdf, page)
        last = [w for w in words if w[2] > type_area_bottom]
        assert "".join(w[0] for w in last) == f"—{page}—", page
        left, top = last[0][1], last[0][2]
        assert (left > 297.6) == (page % 2 == 1)  # odd pages right, even pages left
        assert 5 <= (top - type_area_bottom) / 72 * 25.4 <= 9  # 7 mm under the 版心
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    faces = {line.split()[0].split("+")[-1] for line in fonts.splitlines()[2:]}
    assert any("SerifCJK" in f for f in faces) and any("SansCJK" in f for f in faces)  # 仿宋 and 黑体 apart
    assert all(line.split()[-5] == "yes" for line in fonts.splitlines()[2:])  # every font embedded

    subprocess.run(["pdftoppm", "-r", "30", "-f", "1", "-l", "1", "-png", str(pdf), str(tmp_path / "page")],
                   check=True)
    from PIL import Image

    def red(box: tuple[int, int, int, int]) -> int:
        colours = first.crop(box).getcolors(maxcolors=1 << 24) or []
        return sum(n for n, (r, g, b) in colours if r > 200 and g < 90 and b < 90)

    first = Image.open(next(tmp_path.glob("page*.png"))).convert("RGB")
    assert red((0, 0, first.width, first.height // 4)) > 200  # the red 发文机关标志 and its separator
    assert red((0, first.height // 4, first.width, first.height)) == 0
