"""How much kq reads from one file, and the checks that hold a file to it before it is parsed.

A ledger is a few thousand rows: the whole region's fits in well under 1 MB. Files far past that
are mistakes (a stray value typed in cell XFD1048576, photos pasted into the sheet) or crafted
(zip bombs, XML entity bombs). The workbook parser, python-calamine, is Rust: when a file makes it
allocate more than the machine has, the whole process aborts — no exception, no message, and in
``kq merge`` no answer for the other files either. So every workbook is first inspected with the
standard library, with memory bounded by these limits, and only then handed to calamine:

- ``.xlsx``: sizes from the zip's central directory; then every XML part is inflated in chunks
  (never more than its declared size, so a lying directory is caught too) and scanned for DTDs and
  entities (Excel and WPS never write them), for the area the cells span (calamine allocates the
  full rectangle) and for the shared-string count (calamine allocates that many slots up front);
- ``.xls``: the compound-file header counts and stream sizes, then the BIFF records: password
  (FILEPASS), shared-string count, DIMENSIONS and the area the cells span.

Each limit has a default and an environment variable to change it (``KQ_MAX_FILE_MB=100 kq …``).
"""

from __future__ import annotations

import os
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, fields, replace
from typing import IO, Any

from kuangquan_cli.errors import KqError, UnreadableFile
from kuangquan_cli.reading.addresses import column_index, column_letter

_MB = 1 << 20
#: Parts smaller than this may compress as well as they like: they cannot hurt.
_RATIO_FLOOR = _MB
_CHUNK = _MB
#: No tag of a sheet's XML is anywhere near this long; a longer one is crafted.
_MAX_TAG = _MB


@dataclass(frozen=True)
class Limits:
    """What one file may hold. The defaults are 50–1000 times the largest real ledger."""

    max_file_mb: float = 50.0
    """Size of the file on disk (``KQ_MAX_FILE_MB``)."""
    max_unzipped_mb: float = 200.0
    """Total size of an .xlsx's parts once unzipped (``KQ_MAX_UNZIPPED_MB``)."""
    max_ratio: float = 100.0
    """How many times its compressed size a part over 1 MB may unzip to; real sheets: 10–20
    (``KQ_MAX_RATIO``)."""
    max_cells: int = 2_000_000
    """Cells in the rectangles the sheets' contents span, added up (``KQ_MAX_CELLS``); also the
    most shared strings and CSV cells."""

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Limits:
        """The defaults, with any ``KQ_MAX_*`` variable set in the environment applied."""
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in fields(cls):
            name = env_name(f.name)
            text = environ.get(name, "").strip()
            if not text:
                continue
            try:
                value = int(text) if f.type == "int" else float(text)
            except ValueError:
                value = 0
            if value <= 0:
                raise KqError(f"环境变量 {name} 应为正数，现为「{text}」")
            values[f.name] = value
        return cls(**values)

    def overridden(self, **values: float | None) -> Limits:
        """These limits with the options the user gave (``None``: not given) put in place."""
        return replace(self, **{name: value for name, value in values.items() if value is not None})

    @property
    def max_file_bytes(self) -> int:
        return int(self.max_file_mb * _MB)

    @property
    def max_unzipped_bytes(self) -> int:
        return int(self.max_unzipped_mb * _MB)


def env_name(limit: str) -> str:
    """``max_file_mb`` → ``KQ_MAX_FILE_MB``."""
    return f"KQ_{limit.upper()}"


def too_large(reason: str, limit: str) -> UnreadableFile:
    """A ``file.too_large`` refusal that says which environment variable raises the limit."""
    return UnreadableFile("file.too_large", reason, reason=f"{reason}（如确需读取，可用选项 --{limit.replace('_', '-')} 或环境变量 {env_name(limit)} 提高上限）")


def _corrupt(detail: str) -> UnreadableFile:
    return UnreadableFile("file.unreadable", detail, reason=f"文件已损坏（{detail}）")


def _mb(size: int) -> str:
    return f"{size / _MB:.1f} MB" if size >= _MB else f"{max(size, 1) / 1024:.0f} KB"


def check_file_size(size: int, limits: Limits) -> None:
    if size > limits.max_file_bytes:
        raise too_large(f"文件大小 {_mb(size)}，上限 {limits.max_file_mb:g} MB；台账通常不到 1 MB，请删除粘贴的图片或多余的工作表后另存",
                         "max_file_mb")


@dataclass
class Extent:
    """The rectangle calamine will allocate for one sheet: from its first to its last filled cell."""

    top: int = 1 << 62
    left: int = 1 << 62
    bottom: int = -1
    right: int = -1

    def add(self, row: int, col: int) -> None:
        self.top, self.bottom = min(self.top, row), max(self.bottom, row)
        self.left, self.right = min(self.left, col), max(self.right, col)

    @property
    def cells(self) -> int:
        return 0 if self.bottom < 0 else (self.bottom - self.top + 1) * (self.right - self.left + 1)

    def far_cell(self) -> str:

        return f"{column_letter(self.right)}{self.bottom + 1}"


def check_extents(extents: list[Extent], limits: Limits) -> None:
    """All sheets' rectangles together within ``max_cells`` (calamine may hold them all at once)."""
    total = sum(e.cells for e in extents)
    if total > limits.max_cells:
        widest = max(extents, key=lambda e: e.cells)
        raise too_large(
            f"工作表内容延伸到 {widest.far_cell()}，共约 {total:,} 个单元格，上限 {limits.max_cells:,} 个；"
            "可能在很远的单元格误填了内容，请在 Excel/WPS 中按 Ctrl+End 找到并删除后另存",
            "max_cells",
        )


# --- .xlsx ---------------------------------------------------------------------------------

_XML_PART = re.compile(r"\.(xml|rels|vml)$", re.IGNORECASE)
_LOCAL_HEADER = struct.Struct("<4s22xHH")
_DTD = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)
_SST_COUNT = re.compile(rb"<(?:[\w.-]+:)?sst\b[^>]*?\buniqueCount\s*=\s*[\"'](\d+)")
_FORMULA = re.compile(rb"<(?:[\w.-]+:)?f[\s/>]")
#: A row or cell start tag: its kind, the letters and digits of its ``r`` (if any), and ``/`` if empty.
_CELL_OR_ROW = re.compile(rb"""<(?:[\w.-]+:)?(row|c)(?=[\s/>])(?:[^>]*?\sr\s*=\s*["']([A-Za-z]*)(\d*)["'])?[^>]*?(/?)>""")
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
        for kind, letters, digits, closed in _CELL_OR_ROW.findall(whole):
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
            if closed:
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
        raise _corrupt("压缩包结构不完整，可能没有下载或复制完整") from exc
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
            raise _corrupt(f"{name} 中有超长的 XML 标记")
        yield whole
    yield carry


def _check_markup(whole: bytes, limits: Limits) -> None:
    """No DTD or entity (Excel and WPS never write one), no shared-string table over the limit.

    A byte or word is looked for first: it is rarely there, and the expressions are slow on a
    sheet's millions of tags. A single byte is found fastest: ``q`` goes before ``uniqueCount``,
    whose search trips over every ``t`` of a sheet."""
    if b"!" in whole and _DTD.search(whole):
        raise UnreadableFile("file.unsupported", "dtd", kind="工作簿的 XML 中含有 DTD/实体声明，Excel 和 WPS 不会生成这种文件，为安全起见不予读取")
    if b"q" in whole and b"uniqueCount" in whole:
        for count in _SST_COUNT.findall(whole):
            if int(count) > limits.max_cells:
                raise too_large(f"共享字符串表声明了 {int(count):,} 个字符串，上限 {limits.max_cells:,} 个", "max_cells")


def has_formulas(handle: IO[bytes]) -> bool:
    """Whether any XML part of the .xlsx has a formula: what explains a workbook read as empty.

    Asked only of a workbook ``inspect_xlsx`` has passed, so every part inflates within the limits.
    """
    with zipfile.ZipFile(handle) as archive:
        parts = [info for info in archive.infolist() if _XML_PART.search(info.filename)]
        return any(_FORMULA.search(whole) for info in parts for whole in _whole_tags(info.filename, _inflate(handle, info)))


def _check_declared(infos: list[zipfile.ZipInfo], limits: Limits) -> None:
    total = sum(i.file_size for i in infos)
    if total > limits.max_unzipped_bytes:
        raise too_large(f"解压后共 {_mb(total)}，上限 {limits.max_unzipped_mb:g} MB", "max_unzipped_mb")
    for info in infos:
        if info.flag_bits & 0x1:
            raise UnreadableFile("file.encrypted", "zip encryption")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise UnreadableFile("file.unsupported", "compression", kind=f"压缩方式 {info.compress_type} 不是 Excel 使用的")
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > _RATIO_FLOOR and ratio > limits.max_ratio:
            raise too_large(f"{info.filename} 解压后是压缩时的 {ratio:.0f} 倍，上限 {limits.max_ratio:g} 倍，可能是“压缩炸弹”",
                             "max_ratio")


def _inflate(handle: IO[bytes], info: zipfile.ZipInfo) -> Iterator[bytes]:
    """The part's bytes, chunk by chunk, stopping as soon as it outgrows its declared size."""
    room, crc = info.file_size, 0
    raw = _stored_bytes(handle, info)
    try:
        for data in _inflated(raw) if info.compress_type == zipfile.ZIP_DEFLATED else raw:
            room -= len(data)
            if room < 0:
                raise _corrupt(f"{info.filename} 解压后超过了压缩包中记录的大小 {_mb(info.file_size)}，文件可能被篡改")
            crc = zlib.crc32(data, crc)
            yield data
    except zlib.error as exc:
        raise _corrupt(f"{info.filename} 的压缩数据有误") from exc
    if room != 0 or crc != info.CRC:
        raise _corrupt(f"{info.filename} 校验失败")


def _stored_bytes(handle: IO[bytes], info: zipfile.ZipInfo) -> Iterator[bytes]:
    """The part as stored in the zip (compressed), read from its local header on."""
    handle.seek(info.header_offset)
    header = handle.read(_LOCAL_HEADER.size)
    if len(header) < _LOCAL_HEADER.size or _LOCAL_HEADER.unpack(header)[0] != b"PK\x03\x04":
        raise _corrupt(f"{info.filename} 的位置记录有误")
    _, name_len, extra_len = _LOCAL_HEADER.unpack(header)
    handle.seek(name_len + extra_len, os.SEEK_CUR)
    left = info.compress_size
    while left > 0:
        chunk = handle.read(min(_CHUNK, left))
        if not chunk:
            raise _corrupt(f"{info.filename} 不完整")
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


# --- .xls ----------------------------------------------------------------------------------

_OLE_HEADER = struct.Struct("<30xH8xII16xI4xI")  # sector shift; dir, FAT, miniFAT, DIFAT counts
_RECORD = struct.Struct("<HH")
_U16 = struct.Struct("<H")
_EOF, _FILEPASS, _SST, _BOUNDSHEET, _DIMENSIONS, _MULRK = 0x000A, 0x002F, 0x00FC, 0x0085, 0x0200, 0x00BD
#: The cell records calamine reads, each starting with row and column (MULRK: and a last column).
_CELL_RECORDS = frozenset({0x0203, 0x0204, 0x0205, 0x027E, 0x00FD, 0x0006, _MULRK})
_BIFF8_CELLS = 65536 * 256


def inspect_ole(handle: IO[bytes], size: int, limits: Limits) -> None:
    """Check an .xls: its compound-file structure first, then its BIFF workbook stream."""
    import olefile

    handle.seek(0)
    _check_ole_header(handle, size)
    handle.seek(0)
    try:
        with olefile.OleFileIO(handle) as ole:
            if any(entry is not None and entry.size > size for entry in ole.direntries):
                raise _corrupt("文件目录中记录的数据长度超出了文件本身")
            stream = ole.openstream("Workbook" if ole.exists("Workbook") else "Book").read()
    except UnreadableFile:
        raise
    except Exception as exc:  # noqa: BLE001 — olefile fails in many ways on damaged files
        raise _corrupt("OLE 复合文件结构有误") from exc
    check_biff(stream, limits)


def _check_ole_header(handle: IO[bytes], size: int) -> None:
    """The header's sector counts: calamine allocates by them before looking at anything else."""
    header = handle.read(512)
    if len(header) < 512:
        raise _corrupt("文件不完整")
    shift, *counts = _OLE_HEADER.unpack(header[: _OLE_HEADER.size])
    if shift not in (9, 12):
        raise _corrupt("OLE 文件头有误")
    if any(count * (1 << shift) > size for count in counts):
        raise _corrupt("OLE 文件头中的扇区数超出了文件本身")


def _records(stream: bytes, pos: int) -> Iterator[tuple[int, int, int]]:
    """(type, body offset, body length) of each BIFF record from ``pos`` to the first EOF record."""
    end = len(stream)
    while pos + 4 <= end:
        kind, length = _RECORD.unpack_from(stream, pos)
        pos += 4
        if kind == _EOF or pos + length > end:
            return
        yield kind, pos, length
        pos += length


def check_biff(stream: bytes, limits: Limits) -> None:
    """Walk the workbook stream as calamine does: globals first, then each sheet from its offset."""
    offsets = []
    for kind, body, length in _records(stream, 0):
        if kind == _FILEPASS:
            raise UnreadableFile("file.encrypted", "FILEPASS")
        if kind == _SST and length >= 8:
            unique = struct.unpack_from("<i", stream, body + 4)[0]
            if unique < 0:
                raise _corrupt("共享字符串表有误")
            if unique > limits.max_cells:
                raise too_large(f"共享字符串表声明了 {unique:,} 个字符串，上限 {limits.max_cells:,} 个", "max_cells")
        if kind == _BOUNDSHEET and length >= 4:
            offsets.append(struct.unpack_from("<I", stream, body)[0])
    walked = 0
    extents = []
    for offset in offsets:
        extent = Extent()
        extents.append(extent)
        for kind, body, length in _records(stream, offset):
            walked += length + 4
            if walked > 2 * len(stream):
                raise _corrupt("工作表记录相互重叠")
            if kind == _DIMENSIONS:
                _check_dimensions(stream[body: body + length])
            elif kind in _CELL_RECORDS and length >= 6:
                row, col = struct.unpack_from("<HH", stream, body)
                extent.add(row, col)
                if kind == _MULRK:
                    extent.add(row, _U16.unpack_from(stream, body + length - 2)[0])
    check_extents(extents, limits)


def _check_dimensions(body: bytes) -> None:
    """calamine reserves room for the DIMENSIONS rectangle; reversed bounds wrap to a huge size."""
    if len(body) == 14:
        first_row, last_row, first_col, last_col = struct.unpack_from("<IIHH", body)
    elif len(body) == 10:
        first_row, last_row, first_col, last_col = struct.unpack_from("<HHHH", body)
    else:
        return
    if last_row < 1 or last_col < 1:
        return
    rows, cols = (last_row - first_row) % (1 << 32), (last_col - first_col) % (1 << 32)
    if rows * cols > _BIFF8_CELLS:
        raise _corrupt("DIMENSIONS 记录有误")
