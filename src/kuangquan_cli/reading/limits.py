"""How much kq reads from one file: the limits, how they are set, and the refusals that cite them.

A ledger is a few thousand rows: the whole region's fits in well under 1 MB. Files far past that
are mistakes (a stray value typed in cell XFD1048576, photos pasted into the sheet) or crafted
(zip bombs, XML entity bombs). The workbook parser, python-calamine, aborts the whole process when
such a file makes it allocate more than the machine has, so ``xlsx_inspection`` and
``xls_inspection`` hold every workbook to these limits before calamine sees it; the CSV reader and
the filling of merged cells (``workbook``) count against them as they go.

Each limit has a default, an environment variable that changes it (``KQ_MAX_FILE_MB=100 kq …``)
and a command-line option that overrides both (``--max-file-mb``). Also here, because both
inspections use them: the rectangle a sheet's cells span (``Extent``), counted against
``max_cells``, and the refusal of a file found damaged on the way (``corrupt``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

from kuangquan_cli.errors import KqError, UnreadableFile
from kuangquan_cli.reading.addresses import column_letter

MB = 1 << 20


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
        given: dict[str, Any] = {name: value for name, value in values.items() if value is not None}
        return replace(self, **given)

    @property
    def max_file_bytes(self) -> int:
        return int(self.max_file_mb * MB)

    @property
    def max_unzipped_bytes(self) -> int:
        return int(self.max_unzipped_mb * MB)


def env_name(limit: str) -> str:
    """``max_file_mb`` → ``KQ_MAX_FILE_MB``."""
    return f"KQ_{limit.upper()}"


def too_large(reason: str, limit: str) -> UnreadableFile:
    """A ``file.too_large`` refusal that says which environment variable raises the limit."""
    option = f"--{limit.replace('_', '-')}"
    return UnreadableFile("file.too_large", reason,
                          reason=f"{reason}（如确需读取，可用选项 {option} 或环境变量 {env_name(limit)} 提高上限）")


def corrupt(detail: str) -> UnreadableFile:
    """A ``file.unreadable`` refusal of a file whose structure is damaged (or lies about itself)."""
    return UnreadableFile("file.unreadable", detail, reason=f"文件已损坏（{detail}）")


def size_text(size: int) -> str:
    """A size in bytes as a user reads it: ``3.2 MB``, ``12 KB``."""
    return f"{size / MB:.1f} MB" if size >= MB else f"{max(size, 1) / 1024:.0f} KB"


def check_file_size(size: int, limits: Limits) -> None:
    if size > limits.max_file_bytes:
        raise too_large(f"文件大小 {size_text(size)}，上限 {limits.max_file_mb:g} MB；"
                        "台账通常不到 1 MB，请删除粘贴的图片或多余的工作表后另存", "max_file_mb")


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
