"""Identity's side of incremental matching: blocking keys as keyed hashes.

``identity.model`` says which keys a record has (surname and first initial,
birth date, postcode and surname initial …); this module keeps them as short
keyed hashes beside the record, so a new record finds the records sharing a
key with one indexed lookup per key, and name frequencies can be counted
without decrypting anything. The keys are derived data: ``rebuild`` writes
them anew from the records, and erasing a record removes its keys with it.

The functions that read or write the table take the unit of work their use
case opened (``tx``); those that hash a key take the store's ``PersonalData``.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Iterable

import numpy as np
from sqlalchemy import ColumnElement, Connection, delete, func, select

from cdp.store.personal import PersonalData
from cdp.store.schema import blocking_key, source_record
from cdp.store.sql import IDS, for_ids
from identity.store import meta, set_meta

Key = tuple[int, str]  # (rule number, the rule's values joined)
TOTALS = "identity_key_totals"
RULES = "identity_key_rules"  # the rules the stored keys were made under (``identity.model.KEYS``)
# One stored key, packed: rule, digest, source record id. A million records have
# eight million keys; as Python tuples they would take a gigabyte.
PACKED = struct.Struct("<B8sq")
INSERT = "INSERT INTO blocking_key (rule, digest, source_record_id) VALUES (?, ?, ?)"


def _digest(personal: PersonalData, key: Key) -> bytes:
    rule, value = key
    return personal.search_digest(f"block{rule}\x00{value}")


def _rows(personal: PersonalData, keys_by_record: dict[int, list[Key]]) -> list[tuple[int, bytes, int]]:
    rows = {(key[0], _digest(personal, key), record_id) for record_id, keys in keys_by_record.items() for key in keys}
    return sorted(rows)


def _is(personal: PersonalData, key: Key) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    """The condition on a stored key being ``key``."""
    return blocking_key.c.rule == key[0], blocking_key.c.digest == _digest(personal, key)


def packed(personal: PersonalData, keys_by_record: dict[int, list[Key]]) -> bytes:
    """The keys of these records as ``rebuild`` takes them (computed where the records are, in a worker)."""
    return b"".join(PACKED.pack(*row) for row in _rows(personal, keys_by_record))


def rebuild(tx: Connection, parts: Iterable[bytes], rules: str) -> None:
    """Replace every blocking key with the ``packed`` ``parts``, made under ``rules``, and remember how many
    keys each rule has.

    The keys are sorted first (a B-tree filled in order is several times faster
    to write than one filled at random) and the record-id index is made
    afterwards, from the whole table at once: a unit of work for
    ``store.write(bulk=True)``.
    """
    rows = _sorted(b"".join(parts))
    tx.execute(delete(blocking_key))
    tx.exec_driver_sql("DROP INDEX ix_blocking_key_source_record_id")
    for start in range(0, len(rows), 500_000):
        tx.exec_driver_sql(INSERT, rows[start : start + 500_000].tolist())
    tx.exec_driver_sql("CREATE INDEX ix_blocking_key_source_record_id ON blocking_key (source_record_id)")
    counted = tx.execute(select(blocking_key.c.rule, func.count()).group_by(blocking_key.c.rule)).all()
    set_meta(tx, TOTALS, json.dumps(dict(counted)))
    set_meta(tx, RULES, rules)


def made_under(tx: Connection) -> str | None:
    """The rules the stored keys were last rebuilt under; ``None`` before the first rebuild."""
    return meta(tx, RULES)


def _sorted(packed_rows: bytes) -> np.ndarray:
    """Packed keys in the table's order (rule, digest, record), without duplicates, as a structured array."""
    rows = np.frombuffer(packed_rows, dtype=np.dtype([("rule", "u1"), ("digest", "V8"), ("record", "<i8")]))
    digests = np.frombuffer(packed_rows, dtype=np.dtype([("rule", "u1"), ("digest", ">u8"), ("record", "<i8")]))
    order = np.lexsort((rows["record"], digests["digest"], rows["rule"]))  # the digest's bytes in memcmp order
    ordered = rows[order]
    keep = np.ones(len(ordered), dtype=bool)
    keep[1:] = ordered[1:] != ordered[:-1]
    return ordered[keep]


def add(tx: Connection, parts: Iterable[bytes], record_ids: set[int]) -> None:
    """Write the ``packed`` keys of ``record_ids`` only: records that have none yet (imported without being
    resolved)."""
    rows = [row for part in parts for row in PACKED.iter_unpack(part) if row[2] in record_ids]
    if rows:
        tx.exec_driver_sql(INSERT, rows)


def replace(tx: Connection, personal: PersonalData, keys_by_record: dict[int, list[Key]]) -> None:
    """Replace the keys of these records (new or changed ones)."""
    for_ids(tx, delete(blocking_key).where(blocking_key.c.source_record_id.in_(IDS)), list(keys_by_record))
    rows = _rows(personal, keys_by_record)
    if rows:
        tx.exec_driver_sql(INSERT, rows)


def records_without_keys(tx: Connection) -> list[int]:
    """Source records that have no blocking key (not yet keyed, or without the values any rule needs)."""
    keyed = select(blocking_key.c.source_record_id)
    return list(tx.execute(select(source_record.c.id).where(source_record.c.id.not_in(keyed))).scalars())


def sharing(
    tx: Connection,
    personal: PersonalData,
    keys: Iterable[Key],
    max_block: int,
    pending: dict[int, list[Key]] | None = None,
) -> dict[Key, list[int]]:
    """For each key, the records that have it; blocks larger than
    ``max_block`` (a very common surname and initial) are left out.

    ``pending`` holds keys not yet written, by record: they count as if
    ``replace`` had written them already (the stored keys of those records
    do not), so that a use case can read before it writes.
    """
    pending = pending or {}
    holders: dict[Key, set[int]] = {}
    for record_id, found in pending.items():
        for key in found:
            holders.setdefault(key, set()).add(record_id)
    blocks: dict[Key, list[int]] = {}
    for key in keys:
        query = select(blocking_key.c.source_record_id).where(*_is(personal, key))
        stored = tx.execute(query.limit(max_block + 1 + len(pending))).scalars()
        members = sorted({record_id for record_id in stored if record_id not in pending} | holders.get(key, set()))
        if len(members) <= max_block:
            blocks[key] = members
    return blocks


def counts(
    tx: Connection, personal: PersonalData, keys: Iterable[Key], pending: dict[int, list[Key]] | None = None
) -> dict[Key, int]:
    """How many records have each key (for term frequencies); ``pending`` as for ``sharing``."""
    pending = pending or {}
    found: dict[Key, int] = {}
    for key in keys:
        query = select(func.count()).select_from(blocking_key).where(*_is(personal, key))
        count = tx.execute(query).scalar_one()
        if pending:
            stale = for_ids(tx, query.where(blocking_key.c.source_record_id.in_(IDS)), pending)
            count += sum(key in set(held) for held in pending.values()) - sum(number for (number,) in stale)
        found[key] = count
    return found


def totals(tx: Connection) -> dict[int, int]:
    """How many keys each rule had at the last rebuild."""
    text = meta(tx, TOTALS)
    return {int(rule): count for rule, count in json.loads(text).items()} if text else {}
