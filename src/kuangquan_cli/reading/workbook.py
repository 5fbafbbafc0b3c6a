"""Reading a ledger file into sheets of raw cells, keeping every cell's Excel position.

``Sheet.rows[i][j]`` is the cell Excel shows at row ``i + 1``, column ``j + 1`` (a merged area
shows its value in every row it spans). The format is told by the file's content, not its name,
because files are renamed by hand. Workbooks are read with python-calamine (fast, values only)
after ``xlsx_inspection`` or ``xls_inspection`` has checked that they cannot make it exhaust
memory; openpyxl is kept off this path. Input files are only ever opened for reading.
"""

from __future__ import annotations

import codecs
import csv
import io
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from kuangquan_cli.errors import UnreadableFile
from kuangquan_cli.reading.limits import Limits, check_file_size, too_large
from kuangquan_cli.reading.xls_inspection import inspect_ole
from kuangquan_cli.reading.xlsx_inspection import has_formulas, inspect_xlsx
from kuangquan_cli.text import visible

__all__ = ["BLANK_RUN_LIMIT", "Sheet", "UnreadableFile", "read_sheets", "sniff_kind"]

_ZIP = b"PK\x03\x04"
_EMPTY_ZIP = b"PK\x05\x06"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
#: Consecutive blank rows after which the rest of a sheet is taken to be empty formatting.
BLANK_RUN_LIMIT = 1000
#: A text with more than one NUL in this many characters is a binary file, not a CSV.
_BINARY_NUL_SHARE = 100
_DAMAGED = "文件已损坏"
_OTHER_ZIPS = {
    "xl/workbook.bin": "Excel 二进制工作簿（.xlsb），请另存为 .xlsx",
    "word/document.xml": "Word 文档（.docx）",
    "ppt/presentation.xml": "PowerPoint 演示文稿（.pptx）",
    "content.xml": "OpenDocument 文件（.ods），请另存为 .xlsx",
}
_OTHER_OLE = {"WordDocument": "Word 文档（.doc）", "PowerPoint Document": "PowerPoint 演示文稿（.ppt）"}


@dataclass
class Sheet:
    name: str
    rows: list[list[Any]]
    visible: bool = True


def _open_error(exc: OSError) -> UnreadableFile:
    """An OSError in words a user can act on (the system's own text is English)."""
    if isinstance(exc, FileNotFoundError):
        reason = "文件不存在"
    elif isinstance(exc, PermissionError):
        reason = "没有读取权限（文件可能正被其他程序独占打开）"
    elif isinstance(exc, IsADirectoryError):
        reason = "这是一个文件夹，不是文件"
    else:
        reason = f"无法打开（{exc.strerror or exc}）"
    return UnreadableFile("file.unreadable", str(exc), reason=reason)


def _regular_file_size(path: Path) -> int:
    """The file's size; a folder, device or pipe is refused before anything waits on it."""
    try:
        info = path.stat()
    except OSError as exc:
        raise _open_error(exc) from exc
    if stat.S_ISDIR(info.st_mode):
        raise UnreadableFile("file.unreadable", "directory", reason="这是一个文件夹，不是文件")
    if not stat.S_ISREG(info.st_mode):
        raise UnreadableFile("file.unreadable", "special file", reason="不是普通文件")
    return info.st_size


def sniff_kind(path: Path) -> str:
    """``xlsx``, ``xls``, ``csv`` — or raise ``UnreadableFile`` saying what the file is instead."""
    try:
        with path.open("rb") as handle:
            head = handle.read(4096)
            if head.startswith(_ZIP):
                return _zip_kind(handle)
            if head.startswith(_OLE):
                return _ole_kind(handle)
    except OSError as exc:
        raise _open_error(exc) from exc
    if not head:
        raise UnreadableFile("file.unreadable", "empty", reason="文件为空（0 字节）")
    if head.startswith(_EMPTY_ZIP):
        raise UnreadableFile("file.unreadable", "empty zip", reason="压缩包是空的，不是 Excel 工作簿")
    if head.lstrip().lower().startswith((b"<html", b"<!doctype", b"<?xml", b"<table")):
        raise UnreadableFile("file.unsupported", "markup", kind="网页或 XML 文件，只是扩展名像表格")
    if head.startswith(b"%PDF"):
        raise UnreadableFile("file.unsupported", "pdf", kind="PDF 文件")
    if path.suffix.lower() in (".xlsx", ".xlsm", ".xls"):
        raise UnreadableFile("file.unreadable", "not a workbook",
                             reason="文件内容不是 Excel 工作簿（可能已损坏或只是改了扩展名）")
    return "csv"


def _zip_kind(handle: IO[bytes]) -> str:
    try:
        with zipfile.ZipFile(handle) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as exc:
        raise UnreadableFile("file.unreadable", str(exc),
                             reason=f"{_DAMAGED}（压缩包不完整，可能没有下载或复制完整）") from exc
    if "xl/workbook.xml" in names:
        return "xlsx"
    kind = next((k for part, k in _OTHER_ZIPS.items() if part in names), "不含工作簿的压缩包")
    raise UnreadableFile("file.unsupported", "zip", kind=kind)


def _ole_kind(handle: IO[bytes]) -> str:
    """An OLE compound file is an .xls — or an encrypted .xlsx, or a Word document, or …"""
    import olefile

    handle.seek(0)
    try:
        with olefile.OleFileIO(handle) as ole:
            streams = {"/".join(p) for p in ole.listdir(streams=True, storages=False)}
    except Exception as exc:  # noqa: BLE001 — olefile fails in many ways on damaged files
        raise UnreadableFile("file.unreadable", str(exc), reason=f"{_DAMAGED}（OLE 复合文件结构有误）") from exc
    if streams & {"EncryptedPackage", "EncryptionInfo"}:
        raise UnreadableFile("file.encrypted", "encrypted")
    if streams & {"Workbook", "Book"}:
        return "xls"
    kind = next((k for s, k in _OTHER_OLE.items() if s in streams), "不含工作簿的 OLE 复合文件")
    raise UnreadableFile("file.unsupported", "ole", kind=kind)


def read_sheets(path: Path, limits: Limits | None = None) -> list[Sheet]:
    """Every worksheet of the file, or ``UnreadableFile`` saying why there is nothing to read.

    ``limits`` defaults to ``Limits.from_env()`` (the ``KQ_MAX_*`` environment variables).
    """
    limits = limits or Limits.from_env()
    size = _regular_file_size(path)
    check_file_size(size, limits)
    kind = sniff_kind(path)
    try:
        with path.open("rb") as handle:
            if kind == "csv":
                sheets = [Sheet(visible(path.stem), _read_csv(handle.read(), limits))]
            else:
                sheets = _read_workbook(handle, kind, size, limits)
            if not any(sheet.rows for sheet in sheets):
                raise _nothing_to_read(kind == "xlsx" and has_formulas(handle))
    except OSError as exc:
        raise _open_error(exc) from exc
    return sheets


def _nothing_to_read(formulas: bool) -> UnreadableFile:
    if formulas:
        return UnreadableFile(
            "file.unreadable", "formulas without values",
            reason="单元格都是公式，且没有保存计算结果（文件可能由程序生成、从未在 Excel/WPS 中保存过）；"
                   "请在 Excel/WPS 中打开并保存后重新报送",
        )
    return UnreadableFile("header.not_found", "empty", reason="文件中没有任何内容")


def _read_workbook(handle: IO[bytes], kind: str, size: int, limits: Limits) -> list[Sheet]:
    import python_calamine as calamine

    if kind == "xlsx":
        inspect_xlsx(handle, limits)
    else:
        inspect_ole(handle, size, limits)
    handle.seek(0)
    try:
        book = calamine.CalamineWorkbook.from_filelike(handle)
        sheets = []
        for meta in book.sheets_metadata:
            if meta.typ != calamine.SheetTypeEnum.WorkSheet:
                continue
            sheet = book.get_sheet_by_name(meta.name)
            grid = _grid(sheet)
            _fill_merged(grid, sheet.merged_cell_ranges or (), limits)
            sheets.append(Sheet(meta.name, grid, meta.visible == calamine.SheetVisibleEnum.Visible))
        return sheets
    except UnreadableFile:
        raise
    except calamine.PasswordError as exc:
        raise UnreadableFile("file.encrypted", str(exc)) from exc
    except Exception as exc:  # noqa: BLE001 — calamine's errors, and Python's on odd values
        raise UnreadableFile("file.unreadable", str(exc), reason=_DAMAGED) from exc
    except BaseException as exc:
        if type(exc).__name__ != "PanicException":  # a Rust panic in calamine, not Ctrl-C
            raise
        raise UnreadableFile("file.unreadable", str(exc), reason=_DAMAGED) from exc


def _grid(sheet: Any) -> list[list[Any]]:
    """The sheet from A1, with trailing blank rows (formatting only) cut off."""
    start_row, start_col = sheet.start or (0, 0)
    pad = [""] * start_col
    rows: list[list[Any]] = []
    blank_run = 0
    for values in sheet.iter_rows():
        if values.count("") < len(values):  # counted in C: cheaper than a generator per row
            blank_run = 0
        else:
            blank_run += 1
            if blank_run > BLANK_RUN_LIMIT:
                break
        rows.append(pad + values if start_col else values)
    while rows and rows[-1].count("") == len(rows[-1]):
        rows.pop()
    return rows


def _fill_merged(rows: list[list[Any]], merged: Any, limits: Limits) -> None:
    """Show a merged value in every row the merge spans, as Excel does.

    盟市 and 旗县 cells are often merged down over the rows of one county; read as calamine gives
    them, all but the first row would be blank. Only merges over several rows are filled, only
    within the sheet's data and only in rows with content of their own: a merge that runs past
    the last row must not conjure rows up, and a title merged across columns stays one cell.
    """
    work = 0
    for (top, left), (bottom, right) in merged:
        if bottom <= top or top >= len(rows) or left >= len(rows[top]):
            continue
        value = rows[top][left]
        bottom = min(bottom, len(rows) - 1)
        work += (bottom - top + 1) * (right - left + 1)
        if work > limits.max_cells:
            raise UnreadableFile("file.unreadable", "merges", reason=f"{_DAMAGED}（合并单元格相互重叠）")
        for row in rows[top + 1: bottom + 1]:
            if row.count("") < len(row):
                row[left: right + 1] = [value] * len(row[left: right + 1])
        rows[top][left: right + 1] = [value] * len(rows[top][left: right + 1])


def _decode(data: bytes) -> str:
    boms = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
    for bom, encoding in boms:
        if data.startswith(bom):
            return _decode_as(data, encoding)
    utf16 = _utf16_without_bom(data[:4096])
    if utf16:
        return _decode_as(data, utf16)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return _decode_as(data, "gb18030")


def _utf16_without_bom(head: bytes) -> str | None:
    """Text saved as UTF-16 without a BOM, told by the zero byte its ASCII characters (commas,
    digits, line breaks) leave on one side: in a ledger, one character in eight at least. A NUL
    or two in UTF-8 or GBK text (a cell pasted from another system) is not UTF-16."""
    even, odd = head[::2].count(0), head[1::2].count(0)
    if max(even, odd) * 8 < len(head) // 2:
        return None
    return "utf-16-le" if odd >= even else "utf-16-be"


def _decode_as(data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise UnreadableFile("file.unreadable", str(exc), reason="无法识别文本编码（应为 UTF-8 或 GBK）") from exc


def _read_csv(data: bytes, limits: Limits) -> list[list[Any]]:
    text = _decode(data)
    if text.count("\x00") * _BINARY_NUL_SHARE > len(text):  # a NUL in a cell is that cell's finding
        raise UnreadableFile("file.unsupported", "binary", kind="二进制文件")
    sample = text[:8192]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    rows: list[list[Any]] = []
    cells = 0
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        for row in reader:
            cells += len(row)
            if cells > limits.max_cells:
                raise too_large(f"超过 {limits.max_cells:,} 个单元格的上限", "max_cells")
            rows.append(row)
    except csv.Error as exc:
        reason = f"CSV 格式有误（第 {reader.line_num} 行附近有超长或引号不配对的内容）"
        raise UnreadableFile("file.unreadable", str(exc), reason=reason) from exc
    return rows
