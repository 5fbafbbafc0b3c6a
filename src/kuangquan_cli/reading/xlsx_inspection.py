"""Inspecting an .xlsx before calamine reads it: the zip's sizes, each XML part's markup, and the
area each sheet's cells span.

The workbook parser, python-calamine, is Rust. It allocates the whole rectangle from a sheet's first
to its last filled cell, and a slot for every shared string the table declares, before it reads a
value: one stray value in cell XFD1048576, or a crafted file, makes it ask for more memory than the
machine has, and then the whole process aborts — no exception, no message, and in ``kq merge`` no
answer for the other files either. So every .xlsx is first inspected here with the standard library,
with memory bounded by the ``Limits``, and only then handed to calamine:

- sizes and compression ratios from the zip's central directory (``_check_declared``);
- every XML part inflated in chunks, never more than its declared size, so a lying directory is
  caught too (``_inflate``);
- each part's markup scanned for DTDs and entities (Excel and WPS never write them) and for the
  shared-string count (``_check_markup``);
- the area the cells span, bounded first by the quick scan (``_QuickCells``: a few C-speed regular
  expression searches per piece) and walked cell by cell, as calamine places them, only when the
  quick scan cannot bound a part or its bound is over the limit (``_ExactCells``).

This runs on every workbook kq reads and is tuned for speed (see ``benchmarks/run.py``): the
comments on the scanners say which choices the figures depend on.
"""

from __future__ import annotations

import os
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from typing import IO

from kuangquan_cli.errors import UnreadableFile
from kuangquan_cli.reading.addresses import column_index, column_letter
from kuangquan_cli.reading.limits import MB, Extent, Limits, check_extents, corrupt, size_text, too_large

#: Parts smaller than this may compress as well as they like: they cannot hurt.
_RATIO_FLOOR = MB
_CHUNK = MB
#: No tag of a sheet's XML is anywhere near this long; a longer one is crafted.
_MAX_TAG = MB

_XML_PART = re.compile(r"\.(xml|rels|vml)$", re.IGNORECASE)
_LOCAL_HEADER = struct.Struct("<4s22xHH")
_DTD = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)
_SST_COUNT = re.compile(rb"<(?:[\w.-]+:)?sst\b[^>]*?\buniqueCount\s*=\s*[\"'](\d+)")
_FORMULA = re.compile(rb"<(?:[\w.-]+:)?f[\s/>]")
#: A row or cell start tag: its kind, the letters and digits of its ``r`` (if any), ``/`` if empty,
#: and the end tag right after it: an empty cell is written ``<c …/>`` (Excel) or ``<c …></c>``
#: (openpyxl with lxml), and calamine skips both.
_CELL_OR_ROW = re.compile(
    rb"""<(?:[\w.-]+:)?(row|c)(?=[\s/>])(?:[^>]*?\sr\s*=\s*["']([A-Za-z]*)(\d*)["'])?[^>]*?"""
    rb"""(/?)>(</(?:[\w.-]+:)?c>)?""")
#: Each cell start tag without a namespace prefix: its row number if it starts as Excel and WPS
#: write it (``<c r="AB12"``: ``r`` first, capitals, no leading zero), else b"".
_CELL_ROW = re.compile(rb"""<c(?=[\s/>])(?: r="[A-Z]+([1-9]\d{0,8})["'])?""")
#: The column letters of each cell start tag written ``<c r="…``.
_CELL_COLUMN = re.compile(rb'<c r="([A-Z]+)')
_CELL_START = b'<c r="'
_ROW_STEP = 4096
#: A cell with a namespace prefix (``<x:c …>``) has this in it; Excel and WPS write none.
_PREFIXED_CELL = re.compile(rb":c[\s/>]")


class _Irregular(Exception):
    """Cells the quick scan cannot bound (no ``r``, a namespace prefix, …): walk them one by one."""


class _QuickCells:
    """A bound on one part's cells from a few C-speed searches per piece, not a Python step per cell.

    Over a piece written as Excel and WPS write cells (``<c r="B7" …>``), one search tells
    whether any cell start tag lies outside the columns seen so far and the rows up to the
    piece's last cell (the highest, in a sheet's order) or is written otherwise; only if one is
    are the piece's rows and columns gathered. The bound runs from A1 and takes in every such
    tag, empty cells (``<c …/>``) and malformed markup included: it is never smaller than the
    exact extent, only sometimes larger.
    """

    def __init__(self) -> None:
        self.extent = Extent()

    def scan(self, whole: bytes) -> None:
        if b":" in whole and _PREFIXED_CELL.search(whole):
            raise _Irregular
        extent = self.extent
        if extent.right >= 0:
            last_row = _rounded_up(max(extent.bottom + 1, _last_cell_row(whole)))
            if not _outside(extent.right, last_row).search(whole):
                extent.bottom = last_row - 1
                return
        self._gather(whole)

    def _gather(self, whole: bytes) -> None:
        rows = set(_CELL_ROW.findall(whole))
        if b"" in rows:
            raise _Irregular
        if rows:
            extent = self.extent
            extent.top = extent.left = 0
            extent.bottom = max(extent.bottom, max(map(int, rows)) - 1)
            extent.right = max(extent.right, max(map(column_index, set(_CELL_COLUMN.findall(whole)))))


def _rounded_up(row: int) -> int:
    """The row bound the pieces are tested against, rounded up to a multiple of ``_ROW_STEP``: a
    piece holds a few hundred rows, so one compiled expression serves a dozen pieces rather than
    one (compiling was a fifth of the scan). The bound grows by at most ``_ROW_STEP - 1`` rows,
    nothing against the limits; the exact walk still decides when the bound is over."""
    return -(-row // _ROW_STEP) * _ROW_STEP


def _last_cell_row(whole: bytes) -> int:
    """The row of the piece's last cell (0 if none): in a sheet's order, the piece's highest."""
    found = _CELL_ROW.match(whole, max(whole.rfind(_CELL_START), 0))
    return int(found[1]) if found and found[1] else 0


def _outside(right: int, rows: int) -> re.Pattern[bytes]:
    """Cell start tags other than ``<c r="…`` within columns A to ``right`` and rows 1 to ``rows``."""
    inside = _up_to(column_letter(right), "A", "A-Z") + _up_to(str(rows), "1", "0-9")
    return re.compile(f"""<c(?=[\\s/>])(?! r="{inside}["'])""".encode())


def _up_to(limit: str, first: str, symbols: str) -> str:
    """A regular expression for the numerals up to ``limit``: row numbers (``first`` 1, then any of
    0-9) or column letters (A-Z throughout). A shorter numeral is smaller; of two numerals as long,
    the first symbol where they differ decides."""
    shorter = f"|[{first}-{symbols[-1]}]{_any(symbols, f'0,{len(limit) - 2}')}" if len(limit) > 1 else ""
    return f"(?:{_as_long_up_to(limit, first, symbols)}{shorter})"


def _as_long_up_to(limit: str, low: str, symbols: str) -> str:
    """The numerals as long as ``limit`` and up to it, ``low`` being the lowest first symbol."""
    head, rest = limit[0], limit[1:]
    same_head = head + (_as_long_up_to(rest, symbols[0], symbols) if rest else "")
    if head == low:
        return same_head
    lower_head = f"[{low}-{chr(ord(head) - 1)}]{_any(symbols, str(len(rest)))}"
    return f"(?:{lower_head}|{same_head})"


def _any(symbols: str, count: str) -> str:
    """``count`` (``"3"``, ``"0,2"``) of the ``symbols``; nothing if that can only be none."""
    return "" if count in ("0", "0,0") else f"[{symbols}]{{{count}}}"


class _ExactCells:
    """Each filled cell's position the way calamine finds it: from ``r``, else the next column.

    A Python step per cell (about 1 s per 30,000 ledger rows): only for what the quick scan
    cannot bound, or when its bound is over the limit.
    """

    def __init__(self) -> None:
        self.extent = Extent()
        self.row = -1
        self.col = -1
        self.columns: dict[bytes, int] = {}

    def scan(self, whole: bytes) -> None:
        """Hot loop (every cell): state is kept in locals and written back at the end."""
        extent, columns = self.extent, self.columns
        row, col = self.row, self.col
        top, left, bottom, right = extent.top, extent.left, extent.bottom, extent.right
        for kind, letters, digits, closed, ended in _CELL_OR_ROW.findall(whole):
            if kind == b"row":
                row, col = (int(digits) - 1 if digits else row + 1), -1
                continue
            if letters:
                known = columns.get(letters)
                col = known if known is not None else columns.setdefault(letters, column_index(letters.upper()))
            else:
                col += 1
            if digits:
                row = int(digits) - 1
            if closed or ended:
                continue
            if row < top:
                top = row
            if row > bottom:
                bottom = row
            if col < left:
                left = col
            if col > right:
                right = col
        self.row, self.col = row, col
        extent.top, extent.left, extent.bottom, extent.right = top, left, bottom, right


def inspect_xlsx(handle: IO[bytes], limits: Limits) -> None:
    """Check an .xlsx against the limits without trusting anything it says about itself.

    Cells are bounded by the quick scan; they are walked one by one, as calamine places them, only
    when it cannot bound them or its bound is over the limit (then the exact count decides, and
    names the far cell).
    """
    try:
        archive = zipfile.ZipFile(handle)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, OSError) as exc:
        raise corrupt("压缩包结构不完整，可能没有下载或复制完整") from exc
    with archive:
        infos = archive.infolist()
        _check_declared(infos, limits)
        parts = [info for info in infos if _XML_PART.search(info.filename)]
        extents = _quick_extents(handle, parts, limits)
        if extents is None or sum(e.cells for e in extents) > limits.max_cells:
            extents = _scan_parts(handle, parts, limits, _ExactCells)
    check_extents(extents, limits)


def _quick_extents(handle: IO[bytes], parts: list[zipfile.ZipInfo], limits: Limits) -> list[Extent] | None:
    try:
        return _scan_parts(handle, parts, limits, _QuickCells)
    except _Irregular:
        return None


def _scan_parts(handle: IO[bytes], parts: list[zipfile.ZipInfo], limits: Limits,
                cells_kind: type[_QuickCells] | type[_ExactCells]) -> list[Extent]:
    """Every part inflated within its declared size and checked; the extent of each one's cells."""
    extents = []
    for info in parts:
        cells = cells_kind()
        for whole in _whole_tags(info.filename, _inflate(handle, info)):
            _check_markup(whole, limits)
            cells.scan(whole)
        extents.append(cells.extent)
    return extents


def _whole_tags(name: str, chunks: Iterator[bytes]) -> Iterator[bytes]:
    """The part in pieces that end where a tag starts: no tag is split between two pieces."""
    carry = b""
    for chunk in chunks:
        data = carry + chunk
        cut = data.rfind(b"<")
        if cut < 0:  # text only: no tag starts here
            cut = len(data)
        whole, carry = data[:cut], data[cut:]
        if len(carry) > _MAX_TAG:
            raise corrupt(f"{name} 中有超长的 XML 标记")
        yield whole
    yield carry


def _check_markup(whole: bytes, limits: Limits) -> None:
    """No DTD or entity (Excel and WPS never write one), no shared-string table over the limit.

    A byte or word is looked for first: it is rarely there, and the expressions are slow on a
    sheet's millions of tags. A single byte is found fastest: ``q`` goes before ``uniqueCount``,
    whose search trips over every ``t`` of a sheet."""
    if b"!" in whole and _DTD.search(whole):
        raise UnreadableFile("file.unsupported", "dtd",
                             kind="工作簿的 XML 中含有 DTD/实体声明，Excel 和 WPS 不会生成这种文件，为安全起见不予读取")
    if b"q" in whole and b"uniqueCount" in whole:
        for count in _SST_COUNT.findall(whole):
            if int(count) > limits.max_cells:
                raise too_large(f"共享字符串表声明了 {int(count):,} 个字符串，上限 {limits.max_cells:,} 个",
                                "max_cells")


def has_formulas(handle: IO[bytes]) -> bool:
    """Whether any XML part of the .xlsx has a formula: what explains a workbook read as empty.

    Asked only of a workbook ``inspect_xlsx`` has passed, so every part inflates within the limits.
    """
    with zipfile.ZipFile(handle) as archive:
        parts = [info for info in archive.infolist() if _XML_PART.search(info.filename)]
        return any(_FORMULA.search(whole)
                   for info in parts for whole in _whole_tags(info.filename, _inflate(handle, info)))


def _check_declared(infos: list[zipfile.ZipInfo], limits: Limits) -> None:
    total = sum(i.file_size for i in infos)
    if total > limits.max_unzipped_bytes:
        raise too_large(f"解压后共 {size_text(total)}，上限 {limits.max_unzipped_mb:g} MB", "max_unzipped_mb")
    for info in infos:
        if info.flag_bits & 0x1:
            raise UnreadableFile("file.encrypted", "zip encryption")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise UnreadableFile("file.unsupported", "compression",
                                 kind=f"压缩方式 {info.compress_type} 不是 Excel 使用的")
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > _RATIO_FLOOR and ratio > limits.max_ratio:
            raise too_large(f"{info.filename} 解压后是压缩时的 {ratio:.0f} 倍，上限 {limits.max_ratio:g} 倍，"
                            "可能是“压缩炸弹”", "max_ratio")


def _inflate(handle: IO[bytes], info: zipfile.ZipInfo) -> Iterator[bytes]:
    """The part's bytes, chunk by chunk, stopping as soon as it outgrows its declared size."""
    room, crc = info.file_size, 0
    raw = _stored_bytes(handle, info)
    try:
        for data in _inflated(raw) if info.compress_type == zipfile.ZIP_DEFLATED else raw:
            room -= len(data)
            if room < 0:
                raise corrupt(f"{info.filename} 解压后超过了压缩包中记录的大小 {size_text(info.file_size)}，"
                              "文件可能被篡改")
            crc = zlib.crc32(data, crc)
            yield data
    except zlib.error as exc:
        raise corrupt(f"{info.filename} 的压缩数据有误") from exc
    if room != 0 or crc != info.CRC:
        raise corrupt(f"{info.filename} 校验失败")


def _stored_bytes(handle: IO[bytes], info: zipfile.ZipInfo) -> Iterator[bytes]:
    """The part as stored in the zip (compressed), read from its local header on."""
    handle.seek(info.header_offset)
    header = handle.read(_LOCAL_HEADER.size)
    if len(header) < _LOCAL_HEADER.size or _LOCAL_HEADER.unpack(header)[0] != b"PK\x03\x04":
        raise corrupt(f"{info.filename} 的位置记录有误")
    _, name_len, extra_len = _LOCAL_HEADER.unpack(header)
    handle.seek(name_len + extra_len, os.SEEK_CUR)
    left = info.compress_size
    while left > 0:
        chunk = handle.read(min(_CHUNK, left))
        if not chunk:
            raise corrupt(f"{info.filename} 不完整")
        left -= len(chunk)
        yield chunk


def _inflated(raw: Iterator[bytes]) -> Iterator[bytes]:
    """Deflated input, inflated at most ``_CHUNK`` bytes at a time whatever the ratio."""
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    for chunk in raw:
        yield inflater.decompress(chunk, _CHUNK)
        while inflater.unconsumed_tail:
            yield inflater.decompress(inflater.unconsumed_tail, _CHUNK)
    while not inflater.eof:
        data = inflater.decompress(b"", _CHUNK)
        if not data:
            break
        yield data
