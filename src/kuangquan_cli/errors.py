"""Errors the user can cause: the CLI turns them into one Chinese line and exit status 2."""

from __future__ import annotations

import errno
from typing import Any

#: The causes of a failed write a user can act on, in their words (the system's own are English).
_OS_REASONS = {
    errno.ENOSPC: "磁盘空间已满",
    errno.EDQUOT: "磁盘配额已用完",
    errno.EROFS: "所在的磁盘是只读的",
    errno.ENAMETOOLONG: "文件名过长（请缩短文件名或文件夹名）",
    errno.EACCES: "没有写权限（文件可能正在 Excel/WPS 中打开）",
    errno.EPERM: "没有写权限（文件可能正在 Excel/WPS 中打开）",
    errno.ENOENT: "文件夹不存在",
    errno.ENOTDIR: "路径中有一段不是文件夹",
    errno.EISDIR: "这是一个文件夹",
}


class KqError(Exception):
    """A problem with the user's input or options (bad file, bad option, bad plan file)."""


class UnreadableFile(KqError):
    """A file kq cannot or will not read; ``code`` is the finding code to report it under."""

    def __init__(self, code: str, message: str, **ctx: str) -> None:
        super().__init__(message)
        self.code = code
        self.ctx: dict[str, Any] = dict(ctx)  # the finding's message context


def os_error_reason(exc: OSError) -> str:
    """Why a file operation failed, in a few Chinese words (disk full, read-only, name too long …)."""
    return _OS_REASONS.get(exc.errno or 0) or exc.strerror or str(exc)
