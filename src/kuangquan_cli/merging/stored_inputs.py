"""The files a stored week was merged from, written back byte for byte (``kq history --week N --restore DIR``).

A merge keeps the bytes of every file it read (``Store.save``), once per content: a 盟市 that sent
the same file two weeks running costs the store nothing the second time. Restoring writes each
file under the name it was sent with; a name that would not be one file name on every system (a
separator, a character Windows refuses, a device name such as ``CON``) has those characters
written as ``%XX``. Nothing is overwritten without ``force``, and every file is checked against
its SHA-256 before it is written.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path, PurePath

from kuangquan_cli.atomic import atomic_write
from kuangquan_cli.errors import KqError
from kuangquan_cli.merging.store import Store, StoredInput
from kuangquan_cli.reference.weeks import week_label

#: Characters a file name may not hold on Windows or POSIX (the separators, controls and ``:*?"<>|``).
_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]')
#: Names Windows keeps for devices, whatever their extension.
_DEVICES = frozenset({"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)),
                      *(f"LPT{i}" for i in range(1, 10))})


def _escape(char: str) -> str:
    return "".join(f"%{byte:02X}" for byte in char.encode("utf-8"))


def safe_name(name: str) -> str:
    """``name`` as one file name that every system accepts; a name that already is one is kept."""
    safe = _UNSAFE.sub(lambda found: _escape(found[0]), name)
    stripped = safe.rstrip(". ")
    if stripped != safe:  # Windows drops trailing dots and spaces
        safe = stripped + "".join(map(_escape, safe[len(stripped):]))
    if not safe or safe.split(".")[0].upper() in _DEVICES:
        safe = f"_{safe}"
    return safe


def _unique(name: str, taken: set[str]) -> str:
    """``name``, or ``name（2）`` … where an earlier file of the week took it (two names escaped alike)."""
    candidate, number = name, 1
    while candidate.casefold() in taken:
        number += 1
        path = PurePath(name)
        candidate = f"{path.stem}（{number}）{path.suffix}"
    taken.add(candidate.casefold())
    return candidate


@dataclass(frozen=True)
class Restored:
    """A file of the week and where it was written (None: its bytes are not in the store)."""

    input: StoredInput
    path: Path | None


def stored_week(db: Path, week: int, year: int | None) -> tuple[int, int]:
    """(year, week): the year given, else the latest year in which the store has that week."""
    if year is not None:
        return year, week
    with Store(db) as store:
        years = [w.year for w in store.weeks() if w.week == week]
    if not years:
        raise KqError(f"数据库 {db} 中没有第 {week} 周的汇总；用 kq history 查看已保存的各周")
    return years[-1], week


def week_inputs(db: Path, year: int, week: int) -> list[StoredInput]:
    """The files the stored week was merged from (``kq history --week N``)."""
    with Store(db) as store:
        store.check()
        return store.inputs(year, week)


def restore_inputs(db: Path, year: int, week: int, directory: Path, force: bool = False) -> list[Restored]:
    """Write the files of a stored week into ``directory``, byte for byte.

    Refused, before anything is written, when the store holds none of them or when a file of that
    name exists and ``force`` is not given.
    """
    label = week_label(year, week)
    with Store(db) as store, store.reading():
        inputs = store.inputs(year, week)
        contents = {i.sha256: store.content(i.sha256) for i in inputs if i.stored}
    if not contents:
        raise KqError(f"数据库中没有保存 {label} 各文件的原件（该周在 kq 保存原件之前汇总，或文件都无法读取）")
    if directory.exists() and not directory.is_dir():
        raise KqError(f"{directory} 是文件，不是文件夹")
    taken: set[str] = set()
    targets = [Restored(i, directory / _unique(safe_name(i.file), taken) if i.stored else None) for i in inputs]
    existing = [r.path.name for r in targets if r.path is not None and r.path.exists()]
    if existing and not force:
        raise KqError(f"{directory} 中已有同名文件 {'、'.join(existing)}（如需覆盖请加 --force）")
    for restored in targets:
        if restored.path is None:
            continue
        content = contents[restored.input.sha256]
        if content is None or hashlib.sha256(content).hexdigest() != restored.input.sha256:
            raise KqError(f"数据库 {db} 中 {restored.input.file} 的原件与其 SHA-256 不符（数据库已损坏）")
        with atomic_write(restored.path) as temp:
            temp.write_bytes(content)
    return targets
