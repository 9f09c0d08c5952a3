"""The audit log: append-only, each entry chained to the one before by a hash.

Entries name actions and the ids of records, never personal data. The store
refuses UPDATE and DELETE on the table (triggers in the first migration);
``verify`` recomputes the chain and names the first entry that does not fit.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlalchemy import Connection, insert, select

from cdp.clock import now
from cdp.schema import audit_log

GENESIS = "0" * 64


def record(
    connection: Connection,
    actor: str,
    action: str,
    object_type: str | None = None,
    object_id: str | int | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """Append one entry inside the caller's transaction."""
    previous = connection.execute(select(audit_log.c.hash).order_by(audit_log.c.id.desc()).limit(1)).scalar()
    entry = {
        "at": now(),
        "actor": actor,
        "action": action,
        "object_type": object_type,
        "object_id": None if object_id is None else str(object_id),
        "details": json.dumps(details or {}, sort_keys=True, separators=(",", ":")),
        "prev_hash": previous or GENESIS,
    }
    connection.execute(insert(audit_log).values(**entry, hash=_hash(entry)))


def verify(connection: Connection) -> int | None:
    """The id of the first entry whose hash or link is wrong, else ``None``."""
    previous = GENESIS
    for row in connection.execute(select(audit_log).order_by(audit_log.c.id)).mappings():
        entry = {name: row[name] for name in ("at", "actor", "action", "object_type", "object_id", "details")}
        entry["prev_hash"] = row["prev_hash"]
        if row["prev_hash"] != previous or row["hash"] != _hash(entry):
            return row["id"]
        previous = row["hash"]
    return None


def _hash(entry: dict[str, Any]) -> str:
    canonical = json.dumps(entry, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()
