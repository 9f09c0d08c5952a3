"""The audit log: append-only, each entry chained to the one before by a keyed hash, its end anchored in the vault.

Entries name actions and the ids of records, never personal data. The store
refuses UPDATE and DELETE on the table (triggers in the first migration).
Each entry's hash is an HMAC-SHA256 under a key kept in the key vault, not in
the store, so whoever holds only the store cannot rewrite the chain and
recompute it. After every commit that wrote entries, the last entry's id and
hash are kept in the vault too (the anchor): a log cut short, or rewritten
from some entry on, no longer ends where the anchor says.

``verify`` recomputes the chain and compares it with the anchor. A restore
writes itself into the log (``store.restored``, with the number of entries
the older backup lacked) and moves the anchor back, so a restore is seen,
never mistaken for tampering and never hidden.

Stores whose log began before entries were keyed keep their older entries
as plain SHA-256 hashes; the anchor records from which entry on the log is
keyed, so an older entry cannot be passed off as a newer one.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass, field
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import Connection, Engine, insert, select

from cdp.clock import now
from cdp.store.schema import audit_log

GENESIS = "0" * 64
PENDING = "audit_head"  # key in the connection's info: the last entry written in its transaction
FIELDS = ("at", "actor", "action", "object_type", "object_id", "details")
_keys: WeakKeyDictionary[Engine, bytes] = WeakKeyDictionary()


@dataclass(frozen=True)
class Anchor:
    """Where the log ended at the last commit, as the vault remembers it."""

    last_id: int
    head: str
    keyed_from: int


@dataclass
class Verdict:
    """What ``verify`` found."""

    entries: int
    problem: str | None = None  # "altered", "cut" or "rewritten"
    at: int | None = None  # the entry where the problem shows
    expected: int = 0  # for "cut": how many entries the anchor says were written
    restores: list[dict] = field(default_factory=list)  # {"id", "at", "lost"} per restore

    @property
    def intact(self) -> bool:
        return self.problem is None


def bind(engine: Engine, key: bytes) -> None:
    """Make ``key`` the chain key of every entry written through ``engine``."""
    _keys[engine] = key


def record(
    connection: Connection,
    actor: str,
    action: str,
    object_type: str | None = None,
    object_id: str | int | None = None,
    details: dict[str, Any] | None = None,
    at: str | None = None,
) -> None:
    """Append one entry inside the caller's transaction; ``at`` when it happened, if not now."""
    key = _keys[connection.engine]
    last = connection.execute(select(audit_log.c.hash).order_by(audit_log.c.id.desc()).limit(1)).scalar()
    entry = {
        "at": at or now(),
        "actor": actor,
        "action": action,
        "object_type": object_type,
        "object_id": None if object_id is None else str(object_id),
        "details": json.dumps(details or {}, sort_keys=True, separators=(",", ":")),
        "prev_hash": last or GENESIS,
    }
    digest = _keyed(key, entry)
    entry_id = connection.execute(insert(audit_log).values(**entry, hash=digest)).inserted_primary_key[0]
    connection.info[PENDING] = (entry_id, digest)


def tail(connection: Connection) -> tuple[int, str]:
    """The id and hash of the last entry (``0`` and the genesis hash for an empty log)."""
    row = connection.execute(select(audit_log.c.id, audit_log.c.hash).order_by(audit_log.c.id.desc()).limit(1)).first()
    return (row.id, row.hash) if row else (0, GENESIS)


def verify(connection: Connection, key: bytes, anchor: Anchor) -> Verdict:
    """Recompute the chain and hold it against the vault's ``anchor``."""
    verdict = Verdict(entries=0)
    previous, anchored = GENESIS, None
    for row in connection.execute(select(audit_log).order_by(audit_log.c.id)).mappings():
        entry = {name: row[name] for name in FIELDS} | {"prev_hash": row["prev_hash"]}
        expected = _keyed(key, entry) if row["id"] >= anchor.keyed_from else _plain(entry)
        if row["prev_hash"] != previous or not hmac.compare_digest(row["hash"], expected):
            verdict.problem, verdict.at = "altered", row["id"]
            return verdict
        verdict.entries += 1
        if row["action"] == "store.restored":
            verdict.restores.append({"id": row["id"], "at": row["at"], "lost": json.loads(row["details"])["lost"]})
        if row["id"] == anchor.last_id:
            anchored = row["hash"]
        previous = row["hash"]
    if anchor.last_id and anchored is None:
        verdict.problem, verdict.at, verdict.expected = "cut", verdict.entries + 1, anchor.last_id
    elif anchor.last_id and anchored != anchor.head:
        verdict.problem, verdict.at = "rewritten", anchor.last_id
    return verdict


def _keyed(key: bytes, entry: dict[str, Any]) -> str:
    return hmac.new(key, _canonical(entry), hashlib.sha256).hexdigest()


def _plain(entry: dict[str, Any]) -> str:
    """The hash of entries written before the log was keyed."""
    return hashlib.sha256(_canonical(entry)).hexdigest()


def _canonical(entry: dict[str, Any]) -> bytes:
    return json.dumps(entry, sort_keys=True, separators=(",", ":")).encode()


def record_soon(
    store: Any,
    actor: str,
    action: str,
    object_type: str | None = None,
    object_id: str | int | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """Append an entry for a read a moment later, with the time it happened (``Store.write_soon``):
    a reader never waits for the write lock."""
    at = now()
    store.write_soon(lambda connection: record(connection, actor, action, object_type, object_id, details, at))
