"""The store's side of incremental matching: blocking keys as keyed hashes.

``identity`` says which keys a record has (surname and first initial, birth
date, postcode and surname initial …); this module keeps them as short keyed
hashes beside the record, so a new record finds the records sharing a key
with one indexed lookup per key, and name frequencies can be counted without
decrypting anything. The keys are derived data: ``rebuild`` writes them anew
from the records, and erasing a record removes its keys with it.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Iterable

import numpy as np
from sqlalchemy import delete, func, select

from cdp.schema import blocking_key, source_record
from cdp.store import Store

Key = tuple[int, str]  # (rule number, the rule's values joined)
TOTALS = "identity_key_totals"
# One stored key, packed: rule, digest, source record id. A million records have
# eight million keys; as Python tuples they would take a gigabyte.
PACKED = struct.Struct("<B8sq")
INSERT = "INSERT INTO blocking_key (rule, digest, source_record_id) VALUES (?, ?, ?)"


def _rows(store: Store, keys_by_record: dict[int, list[Key]]) -> list[tuple[int, bytes, int]]:
    digest = store.personal.search_digest
    rows = {
        (rule, digest(f"block{rule}\x00{value}"), record_id)
        for record_id, keys in keys_by_record.items()
        for rule, value in keys
    }
    return sorted(rows)


def packed(store: Store, keys_by_record: dict[int, list[Key]]) -> bytes:
    """The keys of these records as ``rebuild`` takes them (computed where the records are, in a worker)."""
    return b"".join(PACKED.pack(*row) for row in _rows(store, keys_by_record))


def rebuild(store: Store, parts: Iterable[bytes]) -> None:
    """Replace every blocking key with the ``packed`` ``parts``, and remember how many keys each rule has.

    The keys are sorted first (a B-tree filled in order is several times faster
    to write than one filled at random) and the record-id index is made
    afterwards, from the whole table at once.
    """
    rows = _sorted(b"".join(parts))
    with store.write(bulk=True) as connection:
        connection.execute(delete(blocking_key))
        connection.exec_driver_sql("DROP INDEX ix_blocking_key_source_record_id")
        for start in range(0, len(rows), 500_000):
            connection.exec_driver_sql(INSERT, rows[start : start + 500_000].tolist())
        connection.exec_driver_sql("CREATE INDEX ix_blocking_key_source_record_id ON blocking_key (source_record_id)")
        counted = connection.execute(select(blocking_key.c.rule, func.count()).group_by(blocking_key.c.rule)).all()
    store.set_meta(TOTALS, json.dumps(dict(counted)))


def _sorted(packed_rows: bytes) -> np.ndarray:
    """Packed keys in the table's order (rule, digest, record), without duplicates, as a structured array."""
    rows = np.frombuffer(packed_rows, dtype=np.dtype([("rule", "u1"), ("digest", "V8"), ("record", "<i8")]))
    digests = np.frombuffer(packed_rows, dtype=np.dtype([("rule", "u1"), ("digest", ">u8"), ("record", "<i8")]))
    order = np.lexsort((rows["record"], digests["digest"], rows["rule"]))  # the digest's bytes in memcmp order
    ordered = rows[order]
    keep = np.ones(len(ordered), dtype=bool)
    keep[1:] = ordered[1:] != ordered[:-1]
    return ordered[keep]


def add(store: Store, parts: Iterable[bytes], record_ids: set[int]) -> None:
    """Write the ``packed`` keys of ``record_ids`` only: records that have none yet (imported without being
    resolved)."""
    rows = [row for part in parts for row in PACKED.iter_unpack(part) if row[2] in record_ids]
    if rows:
        with store.write() as connection:
            connection.exec_driver_sql(INSERT, rows)


def replace(store: Store, keys_by_record: dict[int, list[Key]]) -> None:
    """Replace the keys of these records (new or changed ones)."""
    ids = sorted(keys_by_record)
    with store.write() as connection:
        for start in range(0, len(ids), 10_000):
            chunk = ids[start : start + 10_000]
            connection.execute(delete(blocking_key).where(blocking_key.c.source_record_id.in_(chunk)))
        rows = _rows(store, keys_by_record)
        if rows:
            connection.exec_driver_sql(INSERT, rows)


def records_without_keys(store: Store) -> list[int]:
    """Source records that have no blocking key (not yet keyed, or without the values any rule needs)."""
    with store.read() as connection:
        keyed = select(blocking_key.c.source_record_id)
        return list(connection.execute(select(source_record.c.id).where(source_record.c.id.not_in(keyed))).scalars())


def sharing(store: Store, keys: Iterable[Key], max_block: int) -> dict[Key, list[int]]:
    """For each key, the records that have it; blocks larger than
    ``max_block`` (a very common surname and initial) are left out."""
    digest = store.personal.search_digest
    found: dict[Key, list[int]] = {}
    with store.read() as connection:
        for rule, value in keys:
            members = connection.execute(
                select(blocking_key.c.source_record_id)
                .where(blocking_key.c.rule == rule, blocking_key.c.digest == digest(f"block{rule}\x00{value}"))
                .limit(max_block + 1)
            ).scalars()
            members = list(members)
            if len(members) <= max_block:
                found[(rule, value)] = members
    return found


def counts(store: Store, keys: Iterable[Key]) -> dict[Key, int]:
    """How many records have each key (for term frequencies)."""
    digest = store.personal.search_digest
    with store.read() as connection:
        return {
            (rule, value): connection.execute(
                select(func.count())
                .select_from(blocking_key)
                .where(blocking_key.c.rule == rule, blocking_key.c.digest == digest(f"block{rule}\x00{value}"))
            ).scalar_one()
            for rule, value in keys
        }


def totals(store: Store) -> dict[int, int]:
    """How many keys each rule had at the last rebuild."""
    text = store.meta(TOTALS)
    return {int(rule): count for rule, count in json.loads(text).items()} if text else {}
