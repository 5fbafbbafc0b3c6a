"""Inspecting an .xls (an OLE compound file holding a BIFF workbook stream) before calamine reads it.

The workbook parser, python-calamine, is Rust. It allocates by the compound file's sector counts,
by the shared-string count and by each sheet's DIMENSIONS record, and it holds the whole rectangle
from a sheet's first to its last cell, before it reads a value: a damaged or crafted file, or one
stray value in a far cell, makes it ask for more memory than the machine has, and then the whole
process aborts — no exception, no message, and in ``kq merge`` no answer for the other files
either. So every .xls is first inspected here, with memory bounded by the ``Limits``:

- the compound-file header's sector counts and each stream's size against the file's own size;
- the BIFF records, walked as calamine walks them: a password (FILEPASS, refused as encrypted), the
  shared-string count, DIMENSIONS, and the area the cells span.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from typing import IO

from kuangquan_cli.errors import UnreadableFile
from kuangquan_cli.reading.limits import Extent, Limits, check_extents, corrupt, too_large

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
                raise corrupt("文件目录中记录的数据长度超出了文件本身")
            stream = ole.openstream("Workbook" if ole.exists("Workbook") else "Book").read()
    except UnreadableFile:
        raise
    except Exception as exc:  # noqa: BLE001 — olefile fails in many ways on damaged files
        raise corrupt("OLE 复合文件结构有误") from exc
    check_biff(stream, limits)


def _check_ole_header(handle: IO[bytes], size: int) -> None:
    """The header's sector counts: calamine allocates by them before looking at anything else."""
    header = handle.read(512)
    if len(header) < 512:
        raise corrupt("文件不完整")
    shift, *counts = _OLE_HEADER.unpack(header[: _OLE_HEADER.size])
    if shift not in (9, 12):
        raise corrupt("OLE 文件头有误")
    if any(count * (1 << shift) > size for count in counts):
        raise corrupt("OLE 文件头中的扇区数超出了文件本身")


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
                raise corrupt("共享字符串表有误")
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
                raise corrupt("工作表记录相互重叠")
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
        raise corrupt("DIMENSIONS 记录有误")
