"""Who must not come back: the keyed hashes of what people erased on request were known by.

An erasure on request lists the person's identifiers and source record
digests here, as the same keyed hashes the store indexes them by; every
import path looks its rows up before writing, and holds back those listed
(their contact rows, and orders and posts referring to them).
"""

from __future__ import annotations

from sqlalchemy import Connection, insert, select

from cdp.clock import now
from cdp.store.schema import identifier, source_record, suppression
from cdp.store.sql import IDS, for_ids


def suppress_records(tx: Connection, record_ids: list[int], request_id: int | None) -> int:
    """List the identifiers and digests of these records; returns how many hashes that was."""
    found = {
        (row.kind, bytes(row.digest))
        for row in for_ids(tx, select(identifier.c.kind, identifier.c.digest).where(
            identifier.c.source_record_id.in_(IDS)), record_ids)
    }  # fmt: skip
    found |= {
        ("record", bytes(row.record_digest))
        for row in for_ids(tx, select(source_record.c.record_digest).where(source_record.c.id.in_(IDS)), record_ids)
    }
    stamp = now()
    for kind, digest in found:
        tx.execute(
            insert(suppression)
            .prefix_with("OR IGNORE")
            .values(digest=digest, kind=kind, request_id=request_id, added_at=stamp)
        )
    return len(found)


def suppressed_lines(tx: Connection, digests_by_line: dict[int, list[bytes]]) -> set[int]:
    """The lines of an import whose identifiers are on the suppression list."""
    wanted = {digest for digests in digests_by_line.values() for digest in digests}
    query = select(suppression.c.digest).where(suppression.c.digest.in_(IDS))
    listed = {bytes(row.digest) for row in for_ids(tx, query, wanted)}
    return {line for line, digests in digests_by_line.items() if listed.intersection(digests)}
