"""Where the portal puts what it receives: the week's folder of the inbox, as ``kq merge`` reads it.

    <inbox>/2022-W38/包头市.xlsx                    the 盟市's latest ledger: what the merge reads
    <inbox>/2022-W38/各版本/包头市.第2版.xlsx        every version, never overwritten
    <inbox>/2022-W38/各版本/包头市.第2版.校验.xlsx   its annotated copy, made when first asked for
    <inbox>/2022-W38/盖章扫描件/包头市.第1版.pdf     the stamped scans, likewise numbered
    <inbox>/2022-W38/汇总/                          the merged workbook and the 通报 of the week

Every name is the server's: the 盟市 of the token, the version the store numbered, a suffix from a
short list. What the browser called the file is recorded and shown, never used as a path. The
merge lists the files of the week's folder only, so the versions and scans beside them in their
sub-folders are not merged twice, and the folder can also be merged with ``kq merge`` by hand.
"""

from __future__ import annotations

import contextlib
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path

from kuangquan_cli.atomic import atomic_write
from kuangquan_cli.merging.merge import LEDGER_SUFFIXES
from kuangquan_cli.merging.scans import SCAN_FOLDER
from kuangquan_cli.reference.own_files import annotated_name
from kuangquan_cli.reference.weeks import week_label

VERSIONS = "各版本"
SCANS = SCAN_FOLDER
OUTPUTS = "汇总"
_INCOMING = ".incoming"  # hidden: uploads being checked, removed once answered
#: What a stamped scan may be, known by its first bytes.
SCAN_KINDS = ((b"%PDF-", ".pdf"), (b"\x89PNG\r\n\x1a\n", ".png"), (b"\xff\xd8\xff", ".jpg"))


def week_folder(inbox: Path, year: int, week: int) -> Path:
    return inbox / week_label(year, week)


def ledger_suffix(client_name: str) -> str | None:
    """The suffix a ledger is kept under: the browser's, if it is one kq reads (lower-cased)."""
    suffix = Path(client_name.replace("\\", "/")).suffix.lower()
    return suffix if suffix in LEDGER_SUFFIXES else None


def scan_suffix(data: bytes) -> str | None:
    """``.pdf``, ``.png`` or ``.jpg`` by the file's first bytes; None for anything else."""
    return next((suffix for magic, suffix in SCAN_KINDS if data.startswith(magic)), None)


def version_name(city: str, version: int, suffix: str) -> str:
    return f"{city}.第{version}版{suffix}"


@contextlib.contextmanager
def staged(folder: Path, name: str, data: bytes) -> Iterator[Path]:
    """``data`` written as ``name`` in a private folder of its own, removed afterwards."""
    private = folder / _INCOMING / secrets.token_hex(8)
    private.mkdir(parents=True)
    try:
        path = private / name
        path.write_bytes(data)
        yield path
    finally:
        shutil.rmtree(private, ignore_errors=True)


def keep_version(folder: Path, sub: str, name: str, data: bytes) -> Path:
    """Write a version file; one that exists is never replaced (``FileExistsError``)."""
    target = folder / sub / name
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("xb") as handle:
        handle.write(data)
    return target


def make_current(folder: Path, city: str, suffix: str, data: bytes) -> Path:
    """The 盟市's ledger the merge reads, replaced in one step; a current file of the 盟市 with
    another suffix (last version was a .csv) is removed, its content being in ``各版本``."""
    target = folder / f"{city}{suffix}"
    with atomic_write(target) as temp:
        temp.write_bytes(data)
    for other in LEDGER_SUFFIXES:
        if other != suffix:
            (folder / f"{city}{other}").unlink(missing_ok=True)
    return target


def annotated_version(folder: Path, city: str, version: int) -> Path:
    """Where the annotated copy of a ledger version is kept."""
    return folder / VERSIONS / annotated_name(f"{city}.第{version}版")
