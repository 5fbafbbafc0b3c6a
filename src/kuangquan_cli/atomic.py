"""Writing output files so that a reader never sees half a file.

Users open kq's workbooks in Excel while kq may be writing the next one, and a crash or Ctrl-C
must not leave a truncated workbook under the expected name: every output is written to a
temporary file in the target's own directory (same file system) and then renamed over it.

The temporary file's name says whose it is: ``.kq-<host>-<pid>-<random>.tmp<suffix>`` (hidden,
short whatever the target's name, so a long target name fails with its own message). A run that
was killed before the rename cannot remove its file; the next write into that folder does, once
the process that made it is gone (same host, POSIX) or after an hour (a folder shared with
another host, or Windows, where asking whether a process lives by ``os.kill`` would end it).
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import socket
import time
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from kuangquan_cli.errors import KqError, os_error_reason

_HOST = f"{zlib.crc32(socket.gethostname().encode()) & 0xFFFF:04x}"
_TEMP_NAME = re.compile(r"\.kq-(?P<host>[0-9a-f]{4})-(?P<pid>\d+)-[0-9a-f]{8}\.tmp(\.\w+)?")
#: A temporary file whose writer cannot be asked about is left alone for this long (a kq run
#: renames its file within seconds of writing it).
_UNKNOWN_TEMP_AGE_S = 3600


def check_target(path: Path) -> None:
    """Refuse, before any work, an output path kq could not write: a folder, a name too long."""
    try:
        if path.is_dir():
            raise KqError(f"输出路径是一个文件夹：{path}")
        _check_name_length(path)
    except OSError as exc:
        raise write_error(path, exc) from exc


def refuse_overwrite(path: Path, force: bool) -> None:
    """Stop before an existing output is replaced, unless the user asked for it with ``--force``."""
    check_target(path)
    if path.exists() and not force:
        raise KqError(f"输出文件已存在：{path}（如需覆盖请加 --force）")


def is_temporary(name: str) -> bool:
    """A name ``atomic_write`` gives its temporary files (never a ledger, never an output)."""
    return _TEMP_NAME.fullmatch(name) is not None


def _temp_path(path: Path) -> Path:
    return path.with_name(f".kq-{_HOST}-{os.getpid()}-{secrets.token_hex(4)}.tmp{path.suffix}")


def _alive(pid: int) -> bool:
    """Whether process ``pid`` of this host runs (POSIX only: signal 0 tests, sends nothing)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists, owned by someone else
        return True
    return True


def _is_stale(entry: os.DirEntry[str]) -> bool:
    found = _TEMP_NAME.fullmatch(entry.name)
    if found is None or not entry.is_file(follow_symlinks=False):
        return False
    if found["host"] == _HOST and os.name == "posix":
        return int(found["pid"]) != os.getpid() and not _alive(int(found["pid"]))
    return time.time() - entry.stat(follow_symlinks=False).st_mtime > _UNKNOWN_TEMP_AGE_S


def remove_stale_temporaries(folder: Path) -> None:
    """Remove the temporary files that killed kq runs left in ``folder`` (best effort: a file
    that cannot be removed is left for the next time, and never stops the write under way)."""
    with contextlib.suppress(OSError), os.scandir(folder) as entries:
        for entry in entries:
            if _is_stale(entry):
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)


def _check_name_length(path: Path) -> None:
    """A name the folder cannot hold fails now, not at the rename after everything else is done
    (the temporary file's short name would be written without trouble)."""
    folder = next((p for p in path.parents if p.is_dir()), Path.cwd())  # the folder may be made later
    try:
        limit = os.pathconf(folder, "PC_NAME_MAX")
    except (AttributeError, OSError, ValueError):  # no pathconf on Windows: its own limit applies there
        return
    if len(os.fsencode(path.name)) > limit:
        raise OSError(errno.ENAMETOOLONG, os.strerror(errno.ENAMETOOLONG), str(path))


def write_error(path: Path, exc: OSError) -> KqError:
    """A failed write of ``path`` as the one line the user sees: the path and the cause."""
    return KqError(f"无法写入 {path}：{os_error_reason(exc)}")


@contextlib.contextmanager
def atomic_write(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; once written, it replaces ``path`` in one step.

    The temporary file is created by the writer (not pre-created here), so the output gets the
    user's usual permissions rather than a private temp file's. Should removing it fail too,
    the error the user sees is still the one that stopped the write.
    """
    temp = _temp_path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        _check_name_length(path)
        remove_stale_temporaries(path.parent)
        yield temp
        os.replace(temp, path)
    except OSError as exc:
        raise write_error(path, exc) from exc
    finally:
        with contextlib.suppress(OSError):
            temp.unlink(missing_ok=True)


def save_workbook_atomically(book: Any, path: Path) -> None:
    """Save an openpyxl workbook to ``path`` through ``atomic_write``."""
    with atomic_write(path) as temp:
        book.save(temp)
