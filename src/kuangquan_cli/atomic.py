"""Writing output files so that a reader never sees half a file.

Users open kq's workbooks in Excel while kq may be writing the next one, and a crash or Ctrl-C
must not leave a truncated workbook under the expected name: every output is written to a
temporary file in the target's own directory (same file system) and then renamed over it.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from kuangquan_cli.errors import KqError


def refuse_overwrite(path: Path, force: bool) -> None:
    """Stop before an existing output is replaced, unless the user asked for it with ``--force``."""
    if path.is_dir():
        raise KqError(f"输出路径是一个文件夹：{path}")
    if path.exists() and not force:
        raise KqError(f"输出文件已存在：{path}（如需覆盖请加 --force）")


@contextlib.contextmanager
def atomic_write(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; once written, it replaces ``path`` in one step.

    The temporary file is created by the writer (not pre-created here), so the output gets the
    user's usual permissions rather than a private temp file's.
    """
    temp = path.with_name(f".{path.stem}.{secrets.token_hex(4)}.tmp{path.suffix}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        yield temp
        os.replace(temp, path)
    except OSError as exc:
        raise KqError(f"无法写入 {path}：{exc.strerror or exc}（文件可能正在 Excel/WPS 中打开，或没有写权限）") from exc
    finally:
        temp.unlink(missing_ok=True)


def save_workbook_atomically(book: Any, path: Path) -> None:
    """Save an openpyxl workbook to ``path`` through ``atomic_write``."""
    with atomic_write(path) as temp:
        book.save(temp)
