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
from collections.abc import Iterable

from sqlalchemy import delete, func, select

from cdp.schema import blocking_key, source_record
from cdp.store import Store, bulk_insert

Key = tuple[int, str]  # (rule number, the rule's values joined)
TOTALS = "identity_key_totals"


def _rows(store: Store, keys_by_record: dict[int, list[Key]]) -> list[dict]:
    digest = store.personal.search_digest
    rows = {
        (rule, digest(f"block{rule}\x00{value}"), record_id)
        for record_id, keys in keys_by_record.items()
        for rule, value in keys
    }
    return [{"rule": rule, "digest": key, "source_record_id": record_id} for rule, key, record_id in sorted(rows)]


def rebuild(store: Store, keys_by_record: dict[int, list[Key]]) -> None:
    """Replace every blocking key, and remember how many keys each rule has."""
    rows = _rows(store, keys_by_record)
    totals: dict[int, int] = {}
    for row in rows:
        totals[row["rule"]] = totals.get(row["rule"], 0) + 1
    with store.write(bulk=True) as connection:
        connection.execute(delete(blocking_key))
        bulk_insert(connection, blocking_key, rows)
    store.set_meta(TOTALS, json.dumps(totals))


def replace(store: Store, keys_by_record: dict[int, list[Key]]) -> None:
    """Replace the keys of these records (new or changed ones)."""
    ids = sorted(keys_by_record)
    with store.write() as connection:
        for start in range(0, len(ids), 10_000):
            chunk = ids[start : start + 10_000]
            connection.execute(delete(blocking_key).where(blocking_key.c.source_record_id.in_(chunk)))
        bulk_insert(connection, blocking_key, _rows(store, keys_by_record))


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
