"""Source records as every area reads them, changes them and moves them between profiles.

A source record is what one source said about one person, sealed with its
own data key. This module reads records with their decrypted fields (a few
by id, or all of a large store a chunk at a time, in worker processes when
allowed), replaces a record's content with what is derived from it (an
import of a changed row, a rectification), and moves records, with their
identifiers and interactions, from one profile to another, as identity
resolution decides.

Its functions take the unit of work their caller opened (``tx``) and, where
they open sealed data, the store's ``PersonalData``; ``map_records`` alone
takes the store, since it reads in worker processes on connections of their
own.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import partial
from typing import TypeVar

from sqlalchemy import Connection, delete, insert, or_, select, update

from cdp import parallel
from cdp.clock import now
from cdp.profiles.search import SearchIndex
from cdp.store.database import Store, StoreSpec, bulk_insert, next_id, reopen
from cdp.store.personal import PersonalData, Place
from cdp.store.schema import (
    SEARCH_INDEX_VERSION,
    dependents,
    derived_tables,
    identifier,
    interaction,
    profile,
    purchase_product,
    search_token,
    source_record,
)
from cdp.store.sql import IDS, for_ids, in_chunks


@dataclass(frozen=True)
class Record:
    """One source record with its decrypted fields."""

    id: int
    profile_id: int
    source: str
    source_id: str
    fields: dict[str, str]


Out = TypeVar("Out")
RECORD_QUERY = select(
    source_record.c.id, source_record.c.profile_id, source_record.c.source, source_record.c.key_id,
    source_record.c.payload,
)  # fmt: skip
# Records per chunk of ``map_records``: a worker's results come back a chunk at a time.
RECORD_CHUNK = 20_000


def records(tx: Connection, personal: PersonalData, ids: Iterable[int] | None = None) -> dict[int, Record]:
    """Source records with their decrypted fields (all, or those with ``ids``)."""
    if ids is None:
        rows = tx.execute(RECORD_QUERY).all()
    else:
        rows = for_ids(tx, RECORD_QUERY.where(source_record.c.id.in_(IDS)), ids)
    return _opened(personal, rows, None)


def _opened(personal: PersonalData, rows: list, fields: tuple[str, ...] | None) -> dict[int, Record]:
    personal.preload(bytes(row.key_id) for row in rows)
    found: dict[int, Record] = {}
    for row in rows:
        payload = personal.open(bytes(row.key_id), Place("source_record", "payload", row.id), bytes(row.payload))
        payload = payload or {}
        values = payload.get("fields", {})
        if fields is not None:
            values = {name: values[name] for name in fields if name in values}
        found[row.id] = Record(row.id, row.profile_id, row.source, payload.get("id", ""), values)
    return found


def map_records(
    store: Store,
    function: Callable[[Store, dict[int, Record]], Out],
    fields: tuple[str, ...] | None = None,
    processes: bool = False,
) -> Iterator[Out]:
    """``function`` applied to every source record, ``RECORD_CHUNK`` records at a time, in id order.

    This is how a batch run reads a large store without holding every
    decrypted record at once. With ``processes`` the chunks are read,
    decrypted and handed to ``function`` in worker processes (``cdp.parallel``),
    one per core, each on connections of its own; only ``function``'s results
    come back, through pipes. ``function`` must be a module-level function (or
    a partial of one); a worker imports its module when it first unpickles it.

    Each chunk is read in a read transaction of its own (a worker's cannot
    be shared), so the chunks of a store written to meanwhile are not one
    snapshot: a batch run is not a unit of work.
    """
    with store.read() as tx:
        ranges = _id_ranges(tx)
    workers = min(parallel.cores(), len(ranges)) if processes else 1
    if workers < 2:
        for low, high in ranges:
            yield function(store, _records_between(store, low, high, fields))
        return
    with parallel.worker_pool(workers, _open_in_worker, (store.reopening(),)) as pool:
        yield from pool.map(partial(_work, function=function, fields=fields), ranges)


_worker_store: Store | None = None  # the store a worker process opened for itself


def _open_in_worker(spec: StoreSpec) -> None:
    global _worker_store
    _worker_store = reopen(spec)


def _work(id_range: tuple[int, int], function: Callable, fields: tuple[str, ...] | None) -> object:
    assert _worker_store is not None
    return function(_worker_store, _records_between(_worker_store, *id_range, fields))


def _id_ranges(tx: Connection) -> list[tuple[int, int]]:
    """Consecutive ranges of source record ids, ``RECORD_CHUNK`` records each."""
    ids = list(tx.execute(select(source_record.c.id).order_by(source_record.c.id)).scalars())
    return [(ids[start], ids[min(start + RECORD_CHUNK, len(ids)) - 1]) for start in range(0, len(ids), RECORD_CHUNK)]


def _records_between(store: Store, low: int, high: int, fields: tuple[str, ...] | None) -> dict[int, Record]:
    """The records with ids from ``low`` to ``high``, read in a transaction of their own; their data keys are
    not kept afterwards."""
    with store.read() as tx:
        rows = tx.execute(RECORD_QUERY.where(source_record.c.id.between(low, high))).all()
    try:
        return _opened(store.personal, rows, fields)
    finally:
        store.personal.forget(bytes(row.key_id) for row in rows)


def profile_of_record(tx: Connection, record_id: int) -> int:
    """The profile a source record belongs to now."""
    return tx.execute(select(source_record.c.profile_id).where(source_record.c.id == record_id)).scalar_one()


def records_of_profiles(tx: Connection, profile_ids: Iterable[int]) -> list[int]:
    """The ids of every source record in these profiles."""
    query = select(source_record.c.id).where(source_record.c.profile_id.in_(IDS))
    return [record_id for (record_id,) in for_ids(tx, query, profile_ids)]


def current_profiles(tx: Connection, record_ids: list[int]) -> dict[int, int]:
    """The profile each of these records is in now (all records' when there are many)."""
    if len(record_ids) > 5000:
        cursor = tx.connection.cursor()  # the driver's own rows: a million SQLAlchemy rows take seconds
        try:
            return dict(cursor.execute("SELECT id, profile_id FROM source_record").fetchall())
        finally:
            cursor.close()
    query = select(source_record.c.id, source_record.c.profile_id).where(source_record.c.id.in_(IDS))
    return dict(for_ids(tx, query, record_ids))


def add_profiles(tx: Connection, count: int) -> list[int]:
    """The ids of ``count`` new, empty profiles, for records to move into in the same unit of work."""
    if not count:
        return []
    first, stamp = next_id(tx, profile), now()
    ids = list(range(first, first + count))
    tx.execute(insert(profile), [{"id": profile_id, "created_at": stamp, "updated_at": stamp} for profile_id in ids])
    return ids


# Told, inside the unit of work of a staff correction that moved records between profiles, the profile
# each record concerned was in before (``store, tx, was_in, actor``, and with an undo the time from which
# to look); answers how many consent events it recorded. Consent hangs on records, so what a person said
# on one record must stay with every part of a profile that was divided (``consent.ledger.keep_withdrawals``).
RecordsMoved = Callable[[Store, Connection, dict[int, int], str, str | None], int]


def move_to_profiles(tx: Connection, moves: dict[int, int], current: dict[int, int]) -> set[int]:
    """Move records into other profiles, with their identifiers and interactions; returns the ids of the
    profiles they left empty, which are removed.

    ``moves`` gives the profile each record moves into, ``current`` the
    profile each of them is in now (``current_profiles``). A restriction of
    processing (Art. 18 GDPR) goes with the records into the profile they join.
    """
    _carry_restriction(tx, moves, current)
    _move_records(tx, moves)
    return _remove_empty(tx, {current[record_id] for record_id in moves})


def _carry_restriction(tx: Connection, moves: dict[int, int], current: dict[int, int]) -> None:
    sources = {current[record_id] for record_id in moves}
    query = select(profile.c.id).where(profile.c.status == "restricted", profile.c.id.in_(IDS))
    restricted = {profile_id for (profile_id,) in for_ids(tx, query, sources)}
    targets = {target for record_id, target in moves.items() if current[record_id] in restricted}
    for_ids(tx, update(profile).where(profile.c.id.in_(IDS)).values(status="restricted"), targets)


MOVED_COLUMNS = (("source_record", "id"), ("identifier", "source_record_id"), ("interaction", "source_record_id"))


def _move_records(tx: Connection, moves: dict[int, int]) -> None:
    """Point records, their identifiers and interactions at their new profiles.

    A few moves go row by row through the indexes; many go set-based through
    a temporary table (kept in memory: ``temp_store=MEMORY``) of ids only.
    """
    if not moves:
        return
    stamp = now()
    if len(moves) <= 1000:
        pairs = [(profile_id, record_id) for record_id, profile_id in moves.items()]
        for table, column in MOVED_COLUMNS:
            tx.exec_driver_sql(f"UPDATE {table} SET profile_id = ? WHERE {column} = ?", pairs)
        targets = [(stamp, profile_id) for profile_id in set(moves.values())]
        tx.exec_driver_sql("UPDATE profile SET updated_at = ? WHERE id = ?", targets)
        return
    tx.exec_driver_sql("CREATE TEMP TABLE IF NOT EXISTS moving (record_id INTEGER PRIMARY KEY, profile_id INTEGER)")
    tx.exec_driver_sql("DELETE FROM moving")
    tx.exec_driver_sql("INSERT INTO moving (record_id, profile_id) VALUES (?, ?)", list(moves.items()))
    for table, column in MOVED_COLUMNS:
        tx.exec_driver_sql(
            f"UPDATE {table} SET profile_id = moving.profile_id FROM moving WHERE {table}.{column} = moving.record_id"
        )
    tx.exec_driver_sql("UPDATE profile SET updated_at = ? WHERE id IN (SELECT profile_id FROM moving)", (stamp,))
    tx.exec_driver_sql("DELETE FROM moving")


def _remove_empty(tx: Connection, profile_ids: set[int]) -> set[int]:
    query = select(source_record.c.profile_id).where(source_record.c.profile_id.in_(IDS)).distinct()
    occupied = {profile_id for (profile_id,) in for_ids(tx, query, profile_ids)}
    empty = profile_ids - occupied
    for_ids(tx, delete(profile).where(profile.c.id.in_(IDS)), empty)
    return empty


@dataclass(frozen=True)
class Content:
    """What a record says after a change: its payload and the identifiers in it, as ``(kind, value)``."""

    payload: dict
    identifiers: list[tuple[str, str]]
    content_mac: bytes | None = None  # the import's fingerprint of the row, where an import made the change


def replace_content(
    tx: Connection, personal: PersonalData, record: Mapping, content: Content, stamp: str, old_fields: dict[str, str]
) -> None:
    """Seal ``content`` into ``record`` (a ``source_record`` row's mapping) and replace what is derived from it.

    Identifiers and search terms follow the new fields at once. Rows of the
    other derived tables (``cdp.store.schema.DERIVED``, such as blocking keys) are
    dropped; their owners make them again for records that lack them.
    ``old_fields`` are the fields as they were indexed.
    """
    record_id = record["id"]
    place = Place("source_record", "payload", record_id)
    values = {"payload": personal.seal(bytes(record["key_id"]), place, content.payload), "updated_at": stamp}
    if content.content_mac is not None:
        values["content_mac"] = content.content_mac
    tx.execute(update(source_record).where(source_record.c.id == record_id).values(**values))
    tx.execute(delete(identifier).where(identifier.c.source_record_id == record_id))
    bulk_insert(tx, identifier, [
        {"source_record_id": record_id, "profile_id": record["profile_id"], "kind": kind,
         "digest": personal.digest(kind, value)}
        for kind, value in content.identifiers
    ])  # fmt: skip
    index = SearchIndex(personal)
    index.remove(tx, record_id, old_fields)
    bulk_insert(tx, search_token, index.rows(record_id, content.payload.get("fields", {})))
    for table in derived_tables():
        if table is not search_token:
            tx.execute(delete(table).where(table.c.source_record_id == record_id))
    tx.execute(update(profile).where(profile.c.id == record["profile_id"]).values(updated_at=stamp))


def rebuild_search_terms(store: Store) -> int:
    """Write the whole search index anew from the source records (after a restore, or by ``cdp migrate`` when
    it is outdated); returns its rows."""
    index = SearchIndex(store.personal)
    with store.read() as tx:
        found = records(tx, store.personal).values()
    rows = sorted({(row["digest"], row["source_record_id"]) for r in found for row in index.rows(r.id, r.fields)})
    with store.write(bulk=True) as tx:
        tx.execute(delete(search_token))
        bulk_insert(tx, search_token, [{"digest": digest, "source_record_id": record} for digest, record in rows])
    store.set_meta("search_index", SEARCH_INDEX_VERSION)
    return len(rows)


def search_index_outdated(store: Store) -> bool:
    """Whether the search index was written by an earlier version (``SEARCH_INDEX_VERSION``) and must be
    rebuilt."""
    return store.meta("search_index") != SEARCH_INDEX_VERSION


def purge(tx: Connection, record_ids: list[int], held: dict[int, list[int]]) -> tuple[int, bool]:
    """Delete these records and all that hangs on them; returns (interactions deleted, a profile kept).

    ``held`` maps records to interactions a legal obligation keeps (the
    caller's policy): those stay as bare facts (no details, no channel) on
    their record, reduced to an anchor without content or any way to find it,
    and its profile stays restricted. Profiles left without records go.
    """
    profiles = {row.profile_id for row in for_ids(tx, select(source_record.c.profile_id).where(
        source_record.c.id.in_(IDS)), record_ids)}  # fmt: skip
    kept = [interaction_id for ids in held.values() for interaction_id in ids]
    removed = sum(
        tx.execute(
            delete(interaction).where(interaction.c.source_record_id.in_(chunk), interaction.c.id.not_in(kept))
        ).rowcount
        for chunk in in_chunks(record_ids)
    )
    if kept:
        tx.execute(update(interaction).where(interaction.c.id.in_(kept)).values(payload=b"", channel=None))
        tx.execute(delete(purchase_product).where(purchase_product.c.interaction_id.in_(kept)))
    for chunk in in_chunks(record_ids):
        tx.execute(delete(source_record).where(source_record.c.id.in_(chunk), source_record.c.id.not_in(list(held))))
    for record_id in held:
        _reduce_to_hold(tx, record_id)
    return removed, _settle_profiles(tx, profiles)


def is_held(tx: Connection, record_id: int) -> bool:
    """A record already reduced to a legal hold (its content gone, purchases kept)."""
    return tx.execute(select(source_record.c.payload).where(source_record.c.id == record_id)).scalar_one() == b""


def _reduce_to_hold(tx: Connection, record_id: int) -> None:
    """Keep the record only as the anchor of kept interactions: no content, no way to find it."""
    for table, columns in dependents(source_record):
        if table is not interaction:
            tx.execute(delete(table).where(or_(*(column == record_id for column in columns))))
    tx.execute(
        update(source_record)
        .where(source_record.c.id == record_id)
        .values(record_digest=secrets.token_bytes(32), content_mac=secrets.token_bytes(32), payload=b"")
    )


def _settle_profiles(tx: Connection, profile_ids: set[int]) -> bool:
    """Remove profiles left without records; restrict those that only hold kept interactions."""
    kept = False
    for profile_id in profile_ids:
        left = list(
            tx.execute(select(source_record.c.payload).where(source_record.c.profile_id == profile_id)).scalars()
        )
        if any(payload != b"" for payload in left):
            continue
        if not left:
            tx.execute(delete(interaction).where(interaction.c.profile_id == profile_id))
            tx.execute(delete(profile).where(profile.c.id == profile_id))
        else:
            kept = True
            tx.execute(
                update(profile)
                .where(profile.c.id == profile_id)
                .values(status="restricted", address_form="unknown", title=None, gender=None, language=None)
            )
    return kept
