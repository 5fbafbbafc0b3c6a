"""What the portal keeps in the store: the access tokens (by hash) and every upload.

A token is 32 random bytes: whoever holds the link holds the right to send (or, the office's, to
see everything), so only its SHA-256 is stored, and a presented token is compared with every
stored hash in constant time. A fast hash suffices: the token is random, not a password a person
chose, so there is nothing to guess from the hash.

Uploads are numbered per kind (ledger or scan), 盟市 and week inside the store's write
transaction, together with putting the file in place: two uploads of one 盟市 at the same
moment get versions 1 and 2, never the same number, whichever process or thread serves them.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kuangquan_cli.merging.store import Store
from kuangquan_cli.reference.tables import divisions

OFFICE = "office"
LEDGER, SCAN = "ledger", "scan"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def holders() -> list[str]:
    """Who gets a token: the office, then the 12 盟市 in the region's order."""
    return [OFFICE, *divisions().cities]


def issue_tokens(store: Store, reset: str | None = None) -> dict[str, str]:
    """Make the tokens that are missing (the first call: all 13), or replace ``reset``'s; the new
    tokens by holder. They are shown once: only their hashes are kept."""
    made: dict[str, str] = {}
    now = datetime.now().isoformat(timespec="seconds")
    with store.writing() as conn:
        existing = {holder for (holder,) in conn.execute("SELECT holder FROM portal_token")}
        for holder in [reset] if reset else [h for h in holders() if h not in existing]:
            made[holder] = secrets.token_urlsafe(32)
            conn.execute("INSERT OR REPLACE INTO portal_token (holder, token_hash, created_at) VALUES (?, ?, ?)",
                         (holder, token_hash(made[holder]), now))
    return made


def token_dates(store: Store) -> dict[str, str]:
    """Holder → when its token was made, for every holder that has one."""
    return {holder: created for holder, created in store.fetch("SELECT holder, created_at FROM portal_token")}


def holder_of(store: Store, digest: str) -> str | None:
    """Whose token has this hash; every stored hash is compared, each in constant time."""
    found = None
    for holder, stored in store.fetch("SELECT holder, token_hash FROM portal_token"):
        if hmac.compare_digest(digest, stored):
            found = holder
    return found


@dataclass(frozen=True)
class Upload:
    """One file a 盟市 sent: a version of its ledger or of its stamped scan."""

    kind: str
    city: str
    year: int
    week: int
    version: int
    received_at: str
    stored: str
    client_name: str | None
    size: int
    sha256: str
    rows: int | None
    errors: int | None
    warnings: int | None
    result: str | None

    @property
    def report(self) -> dict[str, Any]:
        """A ledger's validate JSON, as answered when it arrived."""
        return json.loads(self.result or "{}")

    @property
    def time(self) -> str:
        """When it arrived, as the pages show it: 09-20 10:31:05."""
        return self.received_at[5:].replace("T", " ")


_COLUMNS = ("kind, city, year, week, version, received_at, stored, client_name, size, sha256, rows, errors, warnings,"
            " result")
_NAMES = tuple(name.strip() for name in _COLUMNS.split(","))


def record_upload(store: Store, kind: str, city: str, year: int, week: int, make: Callable[[int], Upload]) -> Upload:
    """Number the next version of ``kind`` for the 盟市 and week, and record ``make(version)``
    in one write transaction; ``make`` puts the file in place, so a failure there records nothing."""
    with store.writing() as conn:
        (version,) = conn.execute(
            "SELECT COALESCE(MAX(version), 0) + 1 FROM upload WHERE kind = ? AND city = ? AND year = ? AND week = ?",
            (kind, city, year, week),
        ).fetchone()
        done = make(version)
        conn.execute(f"INSERT INTO upload ({_COLUMNS}) VALUES ({', '.join('?' * len(_NAMES))})",
                     tuple(getattr(done, name) for name in _NAMES))
    return done


def uploads(store: Store, year: int, week: int, city: str | None = None, kind: str | None = None) -> list[Upload]:
    """The week's uploads, oldest first; of one 盟市 and one kind when given."""
    where = "year = ? AND week = ?"
    params: list[Any] = [year, week]
    for column, value in (("city", city), ("kind", kind)):
        if value is not None:
            where += f" AND {column} = ?"
            params.append(value)
    rows = store.fetch(f"SELECT {_COLUMNS} FROM upload WHERE {where} ORDER BY received_at, id", tuple(params))
    return [Upload(*row) for row in rows]
