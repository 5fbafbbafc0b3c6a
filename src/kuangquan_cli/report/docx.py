"""The weekly 通报 as a Word document laid out as a 公文 (GB/T 9704-2012 党政机关公文格式).

It is built from the same ``ReportData``, sentences and figures as the HTML, section by section in
the same order: one function per section, listed in ``SECTIONS`` (a new section of the 通报 is
one more function there). The layout is the standard's:

- A4, 版心 156 × 225 mm (top 37 mm, left 28 mm), 22 lines of 28 characters a page (``_grid``);
- the 发文机关标志 in red 小标宋 above a red separator as wide as the 版心, then the 2号 小标宋
  title; the body in 3号 仿宋; headings 一、 in 黑体 and （一） in 楷体 (Word's heading styles, so
  the navigation pane lists them), 1. in bold 仿宋 leading its paragraph;
- page numbers 4号 宋体 「— 1 —」 below the 版心, odd pages right and even pages left, one
  character in; the 发文机关署名 and 成文日期 (the Monday after the week, in Arabic digits) after
  the body, the appended table (附件) on a page of its own.

Fonts are named as the offices have them (方正小标宋简体, 仿宋_GB2312, 黑体, 楷体_GB2312) in all
four slots of ``w:rFonts`` — the East Asian one included, which python-docx leaves out — so Word
uses them where installed and Word or LibreOffice substitutes elsewhere. Tables fill the 版心
width, repeat their header rows on each page and keep a row on one page; their text ignores the
document grid (a 五号 line would otherwise take a whole 3号 grid line). Every text from a ledger
goes through ``text.visible``: a control character can be neither shown nor stored in the XML.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from docx import Document
from docx.document import Document as WordDocument
from docx.enum.section import WD_SECTION
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Length, Mm, Pt, RGBColor
from docx.text.paragraph import Paragraph

from kuangquan_cli.report.figures import BarFigure, Figures, LineFigure, figures
from kuangquan_cli.report.formats import cn_date, num, pct, pp, signed
from kuangquan_cli.report.model import ReportData
from kuangquan_cli.report.sentences import sentences
from kuangquan_cli.text import display_width, visible

# ---- the standard's page, fonts and sizes --------------------------------------------------------

PAGE_WIDTH, PAGE_HEIGHT = Mm(210), Mm(297)
TEXT_WIDTH, TEXT_HEIGHT = Mm(156), Mm(225)  # 版心
TOP, LEFT = Mm(37), Mm(28)
BOTTOM, RIGHT = Length(PAGE_HEIGHT - TOP - TEXT_HEIGHT), Length(PAGE_WIDTH - LEFT - TEXT_WIDTH)  # 35 mm, 26 mm
LINES, CHARS = 22, 28
#: Where the page number's line ends above the page's bottom edge: its top 7 mm under the 版心.
FOOTER_DISTANCE = Mm(22)

TITLE_FONT, BODY_FONT, HEI_FONT, KAI_FONT, SONG_FONT = "方正小标宋简体", "仿宋_GB2312", "黑体", "楷体_GB2312", "宋体"
SIZE_2, SIZE_3, SIZE_4, SIZE_5, SIZE_SMALL_5 = Pt(22), Pt(16), Pt(14), Pt(10.5), Pt(9)  # 2号, 3号, 4号, 五号, 小五
RED = RGBColor(0xFF, 0x00, 0x00)
BLACK = RGBColor(0x00, 0x00, 0x00)
#: The table text's style by the most columns it serves: 五号, 小五, 8 pt.
TABLE_STYLES = ((7, "表格文字"), (12, "表格文字小"), (99, "表格文字更小"))
PICTURE_WIDTH = Mm(150)
#: Tables of more rows than this are set a size smaller.
LONG_TABLE_ROWS = 20
#: Tables of up to this many rows are kept on one page.
WHOLE_TABLE_ROWS = 16
#: The narrowest a text column is made: four characters and a digit.
TEXT_FLOOR = 9
CELL_MARGIN = 57  # twips, left and right of a table cell's text: 1 mm
TWIPS_PER_PT = 20
EMU_PER_TWIP = 635

#: The 主送机关 of the 通报: those the plan gives the work to.
ADDRESSEES = "各盟行政公署、市人民政府，自治区各有关部门："
APPENDIX_TITLE = "各盟市分任务统计表"
DIGITS = "〇一二三四五六七八九"

#: The order of a paragraph's properties in WordprocessingML (Word refuses a file that breaks it).
_PPR_ORDER = ("w:pStyle", "w:keepNext", "w:keepLines", "w:pageBreakBefore", "w:framePr", "w:widowControl",
              "w:numPr", "w:suppressLineNumbers", "w:pBdr", "w:shd", "w:tabs", "w:suppressAutoHyphens",
              "w:kinsoku", "w:wordWrap", "w:overflowPunct", "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN",
              "w:bidi", "w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind", "w:contextualSpacing",
              "w:mirrorIndents", "w:suppressOverlap", "w:jc", "w:textDirection", "w:textAlignment",
              "w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange")
#: Characters XML 1.0 cannot hold that ``text.visible`` leaves (it shows control characters).
_NOT_XML = re.compile("[\ufffe\uffff]")


def numeral(n: int) -> str:
    """1–99 in Chinese numerals, as headings count: 一, 十, 十二, 二十一."""
    tens, ones = divmod(n, 10)
    return (DIGITS[tens] if tens > 1 else "") + ("十" if tens else "") + (DIGITS[ones] if ones else "")


def clean(value: Any) -> str:
    """Any value as text Word can store: control characters shown as escapes (``\\x1b``)."""
    return _NOT_XML.sub(lambda m: f"\\u{ord(m[0]):04x}", visible(str(value)))


# ---- low-level WordprocessingML ------------------------------------------------------------------


def _child(parent: Any, tag: str, **attrs: str) -> Any:
    """``parent``'s ``tag`` child (made in its schema place if missing) with ``attrs`` set."""
    found = parent.find(qn(tag))
    if found is None:
        found = OxmlElement(tag)
        successors = {qn(t) for t in _PPR_ORDER[_PPR_ORDER.index(tag) + 1:]} if tag in _PPR_ORDER else set()
        after = next((child for child in parent if child.tag in successors), None)
        if after is None:
            parent.append(found)
        else:
            after.addprevious(found)
    for name, value in attrs.items():
        found.set(qn(f"w:{name}"), value)
    return found


def set_fonts(rpr: Any, name: str) -> None:
    """The font of every script, East Asian included (python-docx names only ascii and hAnsi);
    theme fonts removed, as they would win over the names."""
    fonts = rpr.get_or_add_rFonts()
    for attribute in [a for a in fonts.attrib if a.endswith("Theme") or a.endswith("theme")]:
        del fonts.attrib[attribute]
    for slot in ("ascii", "hAnsi", "eastAsia", "cs"):
        fonts.set(qn(f"w:{slot}"), name)


def _indent_chars(ppr: Any, first: float = 0, left: float = 0, right: float = 0, size: Length = SIZE_3) -> None:
    """Indents in characters (``w:firstLineChars``: Word counts them on the grid), with the same
    lengths in twips for readers that ignore the character counts."""
    twips = size.pt * TWIPS_PER_PT
    _child(ppr, "w:ind", firstLineChars=str(round(first * 100)), firstLine=str(round(first * twips)),
           leftChars=str(round(left * 100)), left=str(round(left * twips)),
           rightChars=str(round(right * 100)), right=str(round(right * twips)))


def _off_grid(ppr: Any) -> None:
    """The paragraph keeps its own line height and letter spacing (tables, pictures, footer)."""
    _child(ppr, "w:snapToGrid", val="0")


def _style_of(paragraph: Paragraph, style: Any) -> None:
    """The paragraph's style by its id (python-docx's ``paragraph.style =`` scans every style of
    the template for the default one each time: most of the rendering time)."""
    paragraph._p.style = style.style_id


def _run(paragraph: Paragraph, text: str, font: str | None = None, size: Length | None = None,
         bold: bool | None = None, color: RGBColor | None = None) -> Any:
    run = paragraph.add_run(clean(text))
    if font:
        set_fonts(run._r.get_or_add_rPr(), font)
    if size is not None:
        run.font.size = size
    if bold is not None:
        run.font.bold = bold
    if color is not None:
        run.font.color.rgb = color
    return run


# ---- styles and page ----------------------------------------------------------------------------


def _style(doc: WordDocument, name: str, font: str, size: Length, *, bold: bool = False,
           color: RGBColor = BLACK, base: str = "Normal") -> Any:
    """A paragraph style (Word's own where ``name`` is one, as 'Heading 1'), its font set whole."""
    from docx.enum.style import WD_STYLE_TYPE

    styles = doc.styles
    style = styles[name] if name in [s.name for s in styles] else styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    if name != "Normal":
        style.base_style = styles[base]
    set_fonts(style.element.get_or_add_rPr(), font)
    style.font.size, style.font.bold, style.font.italic = size, bold, False
    style.font.color.rgb = color
    fmt = style.paragraph_format
    fmt.space_before = fmt.space_after = Pt(0)
    return style


def _styles(doc: WordDocument) -> None:
    """Body, headings, title, 发文机关标志, tables, figure captions, notes and page numbers."""
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    set_fonts(rpr, BODY_FONT)
    rpr.find(qn("w:sz")).set(qn("w:val"), str(int(SIZE_3.pt * 2)))
    rpr.find(qn("w:szCs")).set(qn("w:val"), str(int(SIZE_3.pt * 2)))
    lang = rpr.find(qn("w:lang"))
    lang.set(qn("w:val"), "zh-CN")
    lang.set(qn("w:eastAsia"), "zh-CN")
    spacing = defaults.find(qn("w:pPrDefault")).find(qn("w:pPr")).find(qn("w:spacing"))
    spacing.set(qn("w:after"), "0")
    spacing.set(qn("w:line"), "240")

    body = _style(doc, "Normal", BODY_FONT, SIZE_3)
    _squeeze(body.element.get_or_add_rPr(), BODY_SPACING)
    body.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    _indent_chars(body.element.get_or_add_pPr(), first=2)
    for level, font in ((1, HEI_FONT), (2, KAI_FONT)):
        heading = _style(doc, f"Heading {level}", font, SIZE_3)
        heading.paragraph_format.keep_with_next = True
    centred = {"发文机关标志": (TITLE_FONT, SIZE_2, RED), "公文标题": (TITLE_FONT, SIZE_2, BLACK),
               "附件标题": (TITLE_FONT, SIZE_2, BLACK)}
    for name, (font, size, color) in centred.items():
        style = _style(doc, name, font, size, color=color)
        style.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _indent_chars(style.element.get_or_add_pPr())
    _style(doc, "顶格", BODY_FONT, SIZE_3)
    _indent_chars(doc.styles["顶格"].element.get_or_add_pPr())
    _style(doc, "附件标识", HEI_FONT, SIZE_3, base="顶格")
    note = _style(doc, "说明", BODY_FONT, SIZE_4)
    _indent_chars(note.element.get_or_add_pPr(), first=2, size=SIZE_4)
    for name, size in (("表格文字", SIZE_5), ("表格文字小", SIZE_SMALL_5), ("表格文字更小", Pt(8))):
        style = _style(doc, name, BODY_FONT, size)
        _squeeze(style.element.get_or_add_rPr(), 0)
        style.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.LEFT
        _indent_chars(style.element.get_or_add_pPr())
        _off_grid(style.element.get_or_add_pPr())
    caption = _style(doc, "图题", HEI_FONT, SIZE_4)
    caption.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _indent_chars(caption.element.get_or_add_pPr())
    picture = _style(doc, "图片", BODY_FONT, SIZE_3)
    picture.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    picture.paragraph_format.keep_with_next = True
    _indent_chars(picture.element.get_or_add_pPr())
    _off_grid(picture.element.get_or_add_pPr())
    number = _style(doc, "页码", SONG_FONT, SIZE_4)
    _off_grid(number.element.get_or_add_pPr())


def _grid(section: Any) -> None:
    """22 lines a page: the line grid's pitch in twips. The 28 characters a line come from the
    body's letter spacing (``_squeeze``), not from a character grid: LibreOffice lays a character
    wider than the grid's pitch (16 pt in 15.8 pt cells) over two cells, halving every line."""
    grid = section._sectPr.find(qn("w:docGrid"))
    grid.set(qn("w:type"), "lines")
    grid.set(qn("w:linePitch"), str(int(TEXT_HEIGHT.pt / LINES * TWIPS_PER_PT)))


def _squeeze(rpr: Any, spacing: float) -> None:
    """Letter spacing in twentieths of a point (``w:spacing`` sits after ``w:color`` in ``w:rPr``)."""
    element = rpr.find(qn("w:spacing"))
    if element is None:
        element = OxmlElement("w:spacing")
        following = next((c for c in rpr if c.tag in {qn(t) for t in ("w:w", "w:kern", "w:position", "w:sz")}), None)
        if following is None:
            rpr.append(element)
        else:
            following.addprevious(element)
    element.set(qn("w:val"), str(round(spacing * TWIPS_PER_PT)))


#: The body's letter spacing that fits 28 characters of 3号 into the 156 mm line (−0.25 pt): the
#: standard's 28 × 16 pt are 448 pt, the 版心 442 pt.
BODY_SPACING = math.floor((TEXT_WIDTH.pt / CHARS - SIZE_3.pt) * TWIPS_PER_PT) / TWIPS_PER_PT


def _page_number(paragraph: Paragraph) -> None:
    """「— N —」 with N a PAGE field (begin, instruction, separate, the shown 1, end), which Word
    and LibreOffice fill in on every page."""
    _run(paragraph, "— ")
    _run(paragraph, "")._r.append(_field_char("begin"))
    instruction = OxmlElement("w:instrText")
    instruction.set(qn("xml:space"), "preserve")
    instruction.text = " PAGE "
    _run(paragraph, "")._r.append(instruction)
    _run(paragraph, "")._r.append(_field_char("separate"))
    _run(paragraph, "1")
    _run(paragraph, "")._r.append(_field_char("end"))
    _run(paragraph, " —")


def _field_char(kind: str) -> Any:
    element = OxmlElement("w:fldChar")
    element.set(qn("w:fldCharType"), kind)
    return element


def _page(doc: WordDocument) -> None:
    """A4, the 版心's margins, the grid, and the page numbers (odd right, even left, one 4号 character in)."""
    section = doc.sections[0]
    section.start_type = WD_SECTION.NEW_PAGE
    section.page_width, section.page_height = PAGE_WIDTH, PAGE_HEIGHT
    section.top_margin, section.bottom_margin, section.left_margin, section.right_margin = TOP, BOTTOM, LEFT, RIGHT
    section.footer_distance = FOOTER_DISTANCE
    _grid(section)
    doc.settings.odd_and_even_pages_header_footer = True
    for footer, alignment, side in ((section.footer, WD_ALIGN_PARAGRAPH.RIGHT, "right"),
                                    (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT, "left")):
        footer.is_linked_to_previous = False
        paragraph = footer.paragraphs[0]
        _style_of(paragraph, doc.styles["页码"])
        paragraph.alignment = alignment
        _indent_chars(paragraph._p.get_or_add_pPr(), size=SIZE_4, **{side: 1})
        _page_number(paragraph)


# ---- blocks: paragraphs, tables, pictures -------------------------------------------------------


@dataclass(frozen=True)
class Column:
    header: str
    numeric: bool = False


@dataclass(frozen=True)
class Row:
    cells: Sequence[str]
    bold: bool = False


@dataclass(frozen=True)
class Group:
    """A header cell over ``span`` columns (their own headers in the row below); with ``span`` 1
    it stands for its column over both header rows."""

    title: str
    span: int = 1


@dataclass
class Writer:
    """The document being written, with the blocks a section is made of."""

    doc: WordDocument
    data: ReportData
    text: dict[str, str]
    figures: Figures
    sections: int = 0
    subsections: int = 0

    def paragraph(self, text: str, style: str = "Normal") -> Paragraph:
        paragraph = self.doc.add_paragraph()
        _style_of(paragraph, self.doc.styles[style])
        if text:
            _run(paragraph, text)
        return paragraph

    def heading(self, title: str) -> None:
        """一、… in 黑体, numbered in the order the sections are written."""
        self.subsections = 0
        self.sections += 1
        self.paragraph(f"{numeral(self.sections)}、{title}", "Heading 1")

    def subheading(self, title: str) -> None:
        """（一）… in 楷体."""
        self.subsections += 1
        self.paragraph(f"（{numeral(self.subsections)}）{title}", "Heading 2")

    def note(self, text: str) -> None:
        if text:
            self.paragraph(text, "说明")

    def point(self, number: int, name: str, text: str) -> None:
        """「1.乌兰察布市：…」: the third level, a bold number and name leading its paragraph."""
        paragraph = self.paragraph("")
        _run(paragraph, f"{number}.{name}", bold=True)
        _run(paragraph, text)

    def picture(self, figure: BarFigure | LineFigure) -> None:
        from kuangquan_cli.report.pictures import bar_picture, line_picture

        png = bar_picture(figure) if isinstance(figure, BarFigure) else line_picture(figure)
        paragraph = self.paragraph("", "图片")
        paragraph.add_run().add_picture(io.BytesIO(png), width=PICTURE_WIDTH)
        self.paragraph(figure.caption, "图题")

    def table(self, columns: Sequence[Column], rows: Sequence[Row], groups: Sequence[Group] = ()) -> None:
        """A full-width table: header row(s) repeated on each page, rows kept whole, numbers centred."""
        size = next(index for index, (most, _) in enumerate(TABLE_STYLES) if len(columns) <= most)
        if len(rows) > LONG_TABLE_ROWS:  # a long list a size smaller: fewer pages
            size = min(size + 1, len(TABLE_STYLES) - 1)
        style = self.doc.styles[TABLE_STYLES[size][1]]
        heads = 2 if groups else 1
        table = self.doc.add_table(rows=heads + len(rows), cols=len(columns))
        table.style = self.doc.styles["Table Grid"]
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        table.autofit = False
        padding = 2 * CELL_MARGIN / (style.font.size.pt / 2 * TWIPS_PER_PT)  # in display columns
        room = TEXT_WIDTH.twips / (style.font.size.pt / 2 * TWIPS_PER_PT) - padding * len(columns)
        widths = _widths(columns, *_natural(columns, rows, groups), room)
        _table_width(table, [w + padding for w in widths])
        for index, row in enumerate(table.rows):
            _row_properties(row, header=index < heads)
        if groups:
            _group_headers(table, columns, groups, style)
        else:
            for cell, column in zip(table.rows[0].cells, columns, strict=True):
                _cell(cell, column.header, style, centred=True, font=HEI_FONT)
        for values, row in zip(rows, table.rows[heads:], strict=True):
            for cell, column, value in zip(row.cells, columns, values.cells, strict=True):
                _cell(cell, value, style, centred=column.numeric, bold=values.bold)
        if len(table.rows) <= WHOLE_TABLE_ROWS:  # on one page: every row kept with the next
            for row in table.rows[:-1]:
                for cell in row.cells:
                    cell.paragraphs[0].paragraph_format.keep_with_next = True
        self.paragraph("", "表格文字")  # Word needs a paragraph between two tables


def _natural(columns: Sequence[Column], rows: Sequence[Row], groups: Sequence[Group]
             ) -> tuple[list[float], list[float]]:
    """Each column's width in display columns (a CJK character two), wanted and at the least.

    Wanted: the widest content, or the header up to four characters a line. At the least: a
    number's whole width (it never wraps) under a header of three characters a line; a text four
    characters. A group's title is shared by its columns. Each has room for a digit more (digits
    are a little wider than half a character)."""
    wanted: list[float] = []
    least: list[float] = []
    for index, column in enumerate(columns):
        content = max([display_width(r.cells[index]) for r in rows] + [0])
        header = display_width(column.header)
        wanted.append(max(content, min(header, 8), 2) + 1)
        least.append(max(content, min(header, 6)) + 1 if column.numeric else min(wanted[-1], TEXT_FLOOR))
    position = 0
    for group in groups:
        need, share = min(display_width(group.title), 12) + 1, sum(wanted[position:position + group.span])
        if share < need:
            for i in range(position, position + group.span):
                wanted[i] *= need / share
        position += group.span
    return wanted, least


def _water_level(needs: list[float], extra: float) -> float:
    """The level ``c`` at which the needs, each cut to ``c``, sum to ``extra`` (water filling)."""
    left, ordered = extra, sorted(needs)
    for index, need in enumerate(ordered):
        if need * (len(ordered) - index) > left:
            return left / (len(ordered) - index)
        left -= need
    return max(ordered, default=0.0)


def _widths(columns: Sequence[Column], wanted: list[float], least: list[float], room: float) -> list[float]:
    """Widths that fit ``room``. When all fit, each grows in proportion. Otherwise a number gets
    its least width, a text at least its own, and the texts share the rest by water filling: the
    small needs are met, the largest (存在问题, 待办手续) share what remains."""
    if sum(wanted) <= room:
        return [w * room / sum(wanted) for w in wanted]
    if sum(least) >= room:
        return [b * room / sum(least) for b in least]
    needs = [0.0 if c.numeric else w - b for c, w, b in zip(columns, wanted, least, strict=True)]
    level = _water_level(needs, room - sum(least))
    return [b + min(need, level) for b, need in zip(least, needs, strict=True)]


def _table_width(table: Any, weights: list[float]) -> None:
    """The table exactly as wide as the 版心, each column its share; narrow cell margins."""
    total = sum(weights)
    twips = [int(TEXT_WIDTH.twips * w / total) for w in weights]
    properties = table._tbl.tblPr
    width = properties.find(qn("w:tblW"))
    width.set(qn("w:type"), "dxa")
    width.set(qn("w:w"), str(sum(twips)))
    margins = OxmlElement("w:tblCellMar")
    for side in ("left", "right"):
        margin = OxmlElement(f"w:{side}")
        margin.set(qn("w:w"), str(CELL_MARGIN))
        margin.set(qn("w:type"), "dxa")
        margins.append(margin)
    look = properties.find(qn("w:tblLook"))
    if look is not None:
        look.addprevious(margins)
    else:
        properties.append(margins)
    for column, value in zip(table._tbl.tblGrid.gridCol_lst, twips, strict=True):
        column.w = Length(value * EMU_PER_TWIP)
    for row in table._tbl.tr_lst:  # before any merge: one cell per column
        for cell, value in zip(row.tc_lst, twips, strict=True):
            cell.width = Length(value * EMU_PER_TWIP)


def _row_properties(row: Any, header: bool) -> None:
    """Never split a row across pages; repeat the header rows on every page."""
    properties = row._tr.get_or_add_trPr()
    properties.append(OxmlElement("w:cantSplit"))
    if header:
        properties.append(OxmlElement("w:tblHeader"))


def _group_headers(table: Any, columns: Sequence[Column], groups: Sequence[Group], style: Any) -> None:
    top, below = table.rows[0].cells, table.rows[1].cells
    position = 0
    for group in groups:
        if group.span == 1:
            merged = top[position].merge(below[position])
        else:
            merged = top[position].merge(top[position + group.span - 1])
            for index in range(position, position + group.span):
                _cell(below[index], columns[index].header, style, centred=True, font=HEI_FONT)
        _cell(merged, group.title, style, centred=True, font=HEI_FONT)
        position += group.span


def _cell(cell: Any, text: str, style: Any, centred: bool = False, bold: bool = False, font: str | None = None
          ) -> None:
    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    paragraph = cell.paragraphs[0]
    for run in list(paragraph.runs):
        run._r.getparent().remove(run._r)
    _style_of(paragraph, style)
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER if centred else WD_ALIGN_PARAGRAPH.LEFT
    if text:
        _run(paragraph, text, font=font, bold=bold or None)


# ---- the sections, in the HTML's order -------------------------------------------------------------


def _overall(w: Writer) -> None:
    o = w.data.overall
    w.heading("总体进展")
    w.paragraph(w.text["overall"])
    w.table([Column("类别"), *(Column(h, True) for h in ("方案底数", "台账", "差额", "已完成", "完成率"))],
            [Row([g.name, str(g.plan), str(g.ledger), signed(g.ledger - g.plan), num(g.done), pct(g.rate)])
             for g in o.groups])
    if w.figures.trend:
        w.picture(w.figures.trend)
    else:
        w.note(w.text["trend_note"])
    w.note(w.text["comparison"])
    if w.data.baseline:
        w.paragraph(w.text["baseline"])


def _tasks(w: Writer) -> None:
    d = w.data
    w.heading("分任务进展")
    rows = [Row([t.name, t.lead_dept, str(t.plan), str(t.ledger), str(t.not_started), str(t.in_progress), str(t.done),
                 pct(t.rate), num(t.newly_done)]) for t in d.tasks]
    newly = num(sum(t.newly_done or 0 for t in d.tasks)) if d.previous else "—"
    rows.append(Row(["合计", "", *(str(sum(getattr(t, k) for t in d.tasks))
                                   for k in ("plan", "ledger", "not_started", "in_progress", "done")), "", newly],
                    bold=True))
    counts = ("方案", "台账", "未启动", "推进中", "已完成", "完成率", "本周新增完成")
    w.table([Column("任务"), Column("牵头部门"), *(Column(h, True) for h in counts)], rows)
    w.note(w.text["task_note"] + w.text["rate_note"])
    w.picture(w.figures.tasks)


def _cities(w: Writer) -> None:
    d, o = w.data, w.data.overall
    w.heading("各盟市进展")
    w.paragraph(w.text["laggards"])
    for number, city in enumerate(d.laggards, start=1):
        w.point(number, city.city, "：" + "；".join(r.text for r in city.reasons) + "。")
    rows = []
    for c in d.ranking:
        counts = ([str(c.rights), str(c.cannot_resume), str(c.done), pct(c.rate), pp(c.rate_change), num(c.newly_done),
                   str(c.overdue)] if c.sent else ["—"] * 7)
        rows.append(Row([num(c.rank), c.city, *counts, "；".join(r.text for r in c.reasons)]))
    rows.append(Row(["", "全区", str(o.rights), str(sum(c.cannot_resume for c in d.cities)), str(o.done), pct(o.rate),
                     pp(o.rate_change), num(o.newly_done), str(d.overdue_total), ""], bold=True))
    w.table([Column("排名", True), Column("盟市"),
             *(Column(h, True) for h in ("矿业权数", "其中不具备条件", "已完成", "完成率", "完成率较上周（百分点）",
                                         "本周新增完成", "逾期未完成")), Column("存在问题")], rows)
    w.note(w.text["lag_rule"])
    w.picture(w.figures.cities)


def _changes(w: Writer) -> None:
    d = w.data
    w.heading("台账变动情况")
    w.paragraph(w.text["ledger_changes"])
    if not d.ledger_changes:
        return
    w.table([Column("盟市"), Column("与上周相比的变动")], [Row([c.city, c.summary]) for c in d.ledger_changes])
    for city in (c for c in d.ledger_changes if c.items):
        w.subheading(city.city)
        w.table([Column("变动", True), Column("许可证号"), Column("矿业权名称"), Column("说明")],
                [Row([i.kind_text, i.licence_no, i.right_name or "", i.message]) for i in city.items])
    if d.changes_more:
        w.note(f"另有 {d.changes_more} 项，见汇总台账的“台账变动”工作表。")


def _departments(w: Writer) -> None:
    d = w.data
    w.heading("成员单位手续办理情况")
    rows = [Row([x.department, str(x.coal), str(x.noncoal), str(x.total), num(x.cleared), num(x.added)])
            for x in d.departments]
    if d.departments:
        changed = ([str(sum(x.cleared or 0 for x in d.departments)), str(sum(x.added or 0 for x in d.departments))]
                   if d.previous else ["—", "—"])
        pending = (str(sum(getattr(x, k) for x in d.departments)) for k in ("coal", "noncoal", "total"))
        rows.append(Row(["合计", *pending, *changed], bold=True))
        w.table([Column("部门"), *(Column(h, True) for h in ("煤炭", "非煤", "合计", "本周办结", "本周新增"))], rows,
                groups=[Group("部门"), Group("待办手续（项）", 3), Group("本周办结"), Group("本周新增")])
    else:
        w.paragraph("本周没有待办手续。")
    w.note(w.text["departments"])


def _soe(w: Writer) -> None:
    s = w.data.soe
    w.heading("国有企业推进情况")
    w.paragraph(w.text["soe"])
    if not s.rights:
        return
    rows = [Row([t.name, str(t.rights), str(t.not_started), str(t.in_progress), str(t.done), str(t.cannot_resume),
                 pct(t.rate)]) for t in s.tasks]
    rows.append(Row(["合计", str(s.rights), *(str(sum(getattr(t, k) for t in s.tasks))
                                             for k in ("not_started", "in_progress", "done", "cannot_resume")),
                     pct(s.rate)], bold=True))
    counts = ("矿业权数", "未启动", "推进中", "已完成", "不具备条件", "完成率")
    w.subheading("分任务进展")
    w.table([Column("任务"), *(Column(h, True) for h in counts)], rows)
    if s.departments:
        rows = [Row([x.department, str(x.procedures), str(x.rights)]) for x in s.departments]
        rows.append(Row(["合计", str(s.procedures), str(s.waiting_total)], bold=True))
        w.subheading("待办手续（按办理部门）")
        w.table([Column("部门"), Column("待办手续（项）", True), Column("涉及矿业权", True)], rows)
    if s.waiting:
        # the page is narrower than a screen: the licence number and the departments (counted in
        # the table above) are left to the HTML and the workbook's 国有企业 sheet
        rows = [Row([str(i), r.city, r.holder or "", r.right_name or "", r.task, r.status, r.pending])
                for i, r in enumerate(s.waiting, start=1)]
        w.subheading("有待办手续的矿业权")
        w.table([Column("序号", True), Column("盟市"), Column("矿业权人"), Column("矿业权名称"), Column("任务", True),
                 Column("进展状态", True), Column("待办手续")], rows)
        if s.waiting_more:
            w.note(f"另有 {s.waiting_more} 个，见汇总台账的“国有企业”工作表。")
    w.note(w.text["soe_note"])


def _overdue(w: Writer) -> None:
    d = w.data
    w.heading("逾期未完成事项")
    w.paragraph(w.text["overdue"])
    if not d.overdue:
        return
    rows = [Row([str(n), i.city, i.county or "", i.right_name or "", i.licence_no or "", i.task, i.deadline.isoformat(),
                 str(i.days), i.status]) for n, i in enumerate(d.overdue, start=1)]
    w.table([Column("序号", True), Column("盟市"), Column("旗县（市、区）"), Column("矿业权名称"), Column("许可证号"),
             *(Column(h, True) for h in ("任务", "计划完成时限", "逾期天数", "进展状态"))], rows)
    if d.overdue_more:
        w.note(f"另有 {d.overdue_more} 项，见汇总台账。")


def _submissions(w: Writer) -> None:
    d = w.data
    w.heading("台账报送情况")
    rows = [Row([s.city or "（未识别盟市）", s.file or "—", str(s.rows), str(s.flagged), str(s.errors), str(s.warnings),
                 s.report_text, s.scan_text, s.note or ""]) for s in d.submissions]
    w.table([Column("盟市"), Column("文件"), *(Column(h, True) for h in ("行数", "待核实行数", "错误", "警告")),
             Column("报送情况", True), Column("盖章扫描版"), Column("说明")], rows)
    if d.stale_files:
        w.paragraph(w.text["stale"])
    if w.text["scans"]:
        w.paragraph(w.text["scans"])
    w.note(w.text["submission_note"])


#: The numbered sections of the 通报, in the HTML's order.
SECTIONS: tuple[Callable[[Writer], None], ...] = (_overall, _tasks, _cities, _changes, _departments, _soe, _overdue,
                                                 _submissions)


# ---- the frame: 发文机关标志, title, 署名 and 成文日期, the appended table --------------------------------


def _head(w: Writer) -> None:
    """发文机关标志 in red over the red separator (4 mm below it), the title two lines under."""
    d = w.data
    issuer = w.text["issuer"]
    mark = w.paragraph("", "发文机关标志")
    size = Pt(min(SIZE_2.pt * 1.5, int(TEXT_WIDTH.pt / max(len(issuer), 1) * 2) / 2))
    _run(mark, issuer, size=size)
    _child(_child(mark._p.get_or_add_pPr(), "w:pBdr"), "w:bottom", val="single", sz="18", space="11", color="FF0000")
    w.paragraph("", "顶格")
    w.paragraph("", "顶格")
    title = w.paragraph("", "公文标题")
    head, _, tail = d.title.partition("（")
    _run(title, head)
    if tail:
        _run(title, "").add_break(WD_BREAK.LINE)
        _run(title, "（" + tail)
    w.paragraph("", "顶格")
    w.paragraph(ADDRESSEES, "顶格")
    w.paragraph(f"现将{d.period}（{d.label}）全区盘活矿业权工作进展情况通报如下"
                f"（汇总时间：{d.stored_at.replace('T', ' ')}）。")


def _signature(w: Writer) -> None:
    """附件说明, then the 发文机关署名 (right, two characters in) and the 成文日期 under it, its
    first character two to the right of the 署名's (GB/T 9704 7.3.5.2, unsealed)."""
    w.paragraph("")
    w.paragraph(f"附件：{APPENDIX_TITLE}")
    w.paragraph("")
    issuer = w.text["issuer"]
    signature = w.paragraph(issuer, "顶格")
    signature.paragraph_format.keep_with_next = True
    signature.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    _indent_chars(signature._p.get_or_add_pPr(), right=2)
    day = cn_date(w.data.sunday + timedelta(days=1))
    date = w.paragraph(day, "顶格")
    left = max(CHARS - 2 - display_width(issuer) / 2 + 2, 0)
    if display_width(day) / 2 > display_width(issuer) / 2:
        date.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        _indent_chars(date._p.get_or_add_pPr(), right=2)
    else:
        _indent_chars(date._p.get_or_add_pPr(), left=left)


def _appendix(w: Writer) -> None:
    """附件: the per-盟市, per-task table on a page of its own."""
    d = w.data
    label = w.paragraph("附件", "附件标识")
    label.paragraph_format.page_break_before = True
    w.paragraph("", "顶格")
    w.paragraph(APPENDIX_TITLE, "附件标题")
    w.paragraph("", "顶格")
    columns = [Column("盟市")]
    for _ in d.task_labels:
        columns += [Column("数量", True), Column("完成", True)]
    columns += [Column("数量", True), Column("完成", True), Column("完成率", True)]
    rows = []
    for r in d.stats:
        cells = [r.city]
        if r.sent:
            for cell in r.cells:
                cells += [str(cell[0]), str(cell[1])] if cell else ["—", "—"]
            cells += [str(r.rights), str(r.done), pct(r.rate)]
        else:
            cells += ["—"] * (len(d.task_labels) * 2 + 3)
        rows.append(Row(cells, bold=r is d.stats[-1]))
    w.table(columns, rows, groups=[Group("盟市"), *(Group(label, 2) for label in d.task_labels), Group("合计", 3)])
    w.note(w.text["stats_note"] + w.text["rate_note"])
    w.note(w.text["generated"])


def render_docx(data: ReportData) -> bytes:
    """The 通报 as a .docx file's content."""
    doc = Document()
    _styles(doc)
    _page(doc)
    doc.core_properties.title = data.title
    doc.core_properties.author = sentences(data)["issuer"]
    doc.core_properties.language = "zh-CN"
    writer = Writer(doc, data, sentences(data), figures(data))
    body = doc.element.body
    for paragraph in list(body.iterchildren(qn("w:p"))):  # the template's one empty paragraph
        body.remove(paragraph)
    _head(writer)
    for section in SECTIONS:
        section(writer)
    _signature(writer)
    _appendix(writer)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
