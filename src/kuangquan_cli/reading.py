"""Reading a ledger file into sheets of raw cells, keeping every cell's Excel position.

``Sheet.rows[i][j]`` is the cell Excel shows at row ``i + 1``, column ``j + 1``. The format is
told by the file's first bytes, not its name, because files are renamed by hand. Workbooks are
read with python-calamine (fast, values only); openpyxl is kept off this path.
"""

from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kuangquan_cli.errors import KqError

_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
#: Consecutive blank rows after which the rest of a sheet is taken to be empty formatting.
BLANK_RUN_LIMIT = 1000


class UnreadableFile(KqError):
    """A file kq cannot read; ``code`` is the finding code to report it under."""

    def __init__(self, code: str, message: str, **ctx: str) -> None:
        super().__init__(message)
        self.code = code
        self.ctx = ctx


@dataclass
class Sheet:
    name: str
    rows: list[list[Any]]
    visible: bool = True


def sniff_kind(path: Path) -> str:
    """``xlsx``, ``xls``, ``csv`` — or raise ``UnreadableFile`` saying what the file is instead."""
    try:
        with path.open("rb") as handle:
            head = handle.read(4096)
    except OSError as exc:
        raise UnreadableFile("file.unreadable", str(exc), reason=exc.strerror or "无法打开") from exc
    if not head:
        raise UnreadableFile("file.unreadable", "empty", reason="文件为空（0 字节）")
    if head.startswith(_ZIP):
        return "xlsx"
    if head.startswith(_OLE):
        if _ole_is_encrypted(path):
            raise UnreadableFile("file.encrypted", "encrypted")
        return "xls"
    if head.lstrip().lower().startswith((b"<html", b"<!doctype", b"<?xml", b"<table")):
        raise UnreadableFile("file.unsupported", "markup", kind="网页或 XML 文件，只是扩展名像表格")
    if head.startswith(b"%PDF"):
        raise UnreadableFile("file.unsupported", "pdf", kind="PDF 文件")
    if path.suffix.lower() in (".xlsx", ".xlsm", ".xls"):
        raise UnreadableFile("file.unreadable", "not a workbook", reason="文件内容不是 Excel 工作簿（可能已损坏或只是改了扩展名）")
    return "csv"


def _ole_is_encrypted(path: Path) -> bool:
    """An encrypted .xlsx is an OLE container with an ``EncryptedPackage`` stream."""
    marker = "EncryptedPackage".encode("utf-16-le")
    with path.open("rb") as handle:
        return marker in handle.read(1 << 20)


def read_sheets(path: Path) -> list[Sheet]:
    kind = sniff_kind(path)
    if kind == "csv":
        return [Sheet(path.stem, _read_csv(path))]
    return _read_workbook(path)


def _read_workbook(path: Path) -> list[Sheet]:
    import python_calamine as calamine

    try:
        book = calamine.CalamineWorkbook.from_path(str(path))
        sheets = []
        for meta in book.sheets_metadata:
            if meta.typ != calamine.SheetTypeEnum.WorkSheet:
                continue
            sheet = book.get_sheet_by_name(meta.name)
            sheets.append(Sheet(meta.name, _grid(sheet), meta.visible == calamine.SheetVisibleEnum.Visible))
        return sheets
    except calamine.PasswordError as exc:
        raise UnreadableFile("file.encrypted", str(exc)) from exc
    except (calamine.CalamineError, calamine.ZipError, calamine.XmlError, ValueError, OSError) as exc:
        raise UnreadableFile("file.unreadable", str(exc), reason="文件已损坏，无法读取") from exc


def _grid(sheet: Any) -> list[list[Any]]:
    """The sheet from A1, with trailing blank rows (formatting only) cut off."""
    start_row, start_col = sheet.start or (0, 0)
    pad = [""] * start_col
    rows: list[list[Any]] = []
    blank_run = 0
    for values in sheet.iter_rows():
        if any(v != "" for v in values):
            blank_run = 0
        else:
            blank_run += 1
            if blank_run > BLANK_RUN_LIMIT:
                break
        rows.append(pad + values if start_col else values)
    while rows and all(v == "" for v in rows[-1]):
        rows.pop()
    return rows


def _decode(data: bytes) -> str:
    for bom, encoding in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            return data.decode(encoding)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise UnreadableFile("file.unreadable", str(exc), reason="无法识别文本编码（应为 UTF-8 或 GBK）") from exc


def _read_csv(path: Path) -> list[list[Any]]:
    text = _decode(path.read_bytes())
    if "\x00" in text:
        raise UnreadableFile("file.unsupported", "binary", kind="二进制文件")
    sample = text[:8192]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    return [row for row in csv.reader(io.StringIO(text, newline=""), dialect)]
