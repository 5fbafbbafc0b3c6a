"""The stamped scans (盖章扫描版) in a week's inbox, and when each file arrived.

The plan asks each 盟市 to send its ledger twice: the workbook (电子版) that kq checks and
merges, and a scan of the printed ledger bearing its seal (加盖公章扫描版). A PDF or an image in
the inbox, or in its ``盖章扫描件`` folder (where the portal keeps them), whose name names a 盟市
is that 盟市's scan. Only the name is read: a scan is a picture of paper, whose words only OCR
could read, and the office's Windows PCs have no PDF tools.

A file's arrival is its modification time in the inbox (the time it was saved there from the
mail or the shared folder; a copy that keeps the sender's time shows when the sender saved it).
``merge_inbox`` takes the arrival as a function of the path, so that a portal which records
upload times can give those instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from kuangquan_cli.reference.tables import city_named_in
from kuangquan_cli.text import visible

SCAN_SUFFIXES = (".pdf", ".jpg", ".jpeg", ".png")
#: The inbox's sub-folder of scans (the portal files each 盟市's scans there).
SCAN_FOLDER = "盖章扫描件"


def is_scan(path: Path) -> bool:
    return path.suffix.lower() in SCAN_SUFFIXES


def modified_time(path: Path) -> datetime | None:
    """When the file was last written where it is (local time, to the second); None if unknown."""
    try:
        return datetime.fromtimestamp(path.stat().st_mtime).replace(microsecond=0)
    except (OSError, ValueError, OverflowError):
        return None


def moment_text(moment: datetime | None) -> str | None:
    """A moment as the JSON and the store keep it: ``2022-09-23T16:05:00``."""
    return moment.isoformat(timespec="seconds") if moment else None


def on_time(arrived: datetime | None, deadline: datetime | None) -> bool | None:
    """Whether a file arrived by the deadline; None when either is unknown (no claim is made)."""
    if arrived is None or deadline is None:
        return None
    return arrived <= deadline


@dataclass(frozen=True)
class Scan:
    """A stamped scan: its file name, the 盟市 it names (None when it names none), its arrival."""

    file: str
    city: str | None
    arrived: datetime | None

    @classmethod
    def of(cls, path: Path, arrived: datetime | None) -> Scan:
        return cls(visible(path.name), city_named_in(path.stem), arrived)

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.file, "city": self.city, "arrived": moment_text(self.arrived)}
