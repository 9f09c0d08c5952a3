"""The store's side of identity resolution: what to compare, and applying the result.

``identity`` decides which source records are one person; this module reads
what it needs (decrypted fields, records sharing an identifier, staff
decisions) and rewrites profiles to match its clusters in one unit of work,
keeping the evidence for every join.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial
from typing import TypeVar

from sqlalchemy import Connection, Select, and_, delete, func, insert, select

from cdp import audit, parallel
from cdp.clock import now
from cdp.errors import NotOffered
from cdp.personal import Place
from cdp.schema import identifier, link_decision, profile, profile_link, review_pair, source_record
from cdp.store import Store, StoreSpec, bulk_insert, next_id, reopen


@dataclass(frozen=True)
class Record:
    """One source record as resolution sees it."""

    id: int
    profile_id: int
    source: str
    source_id: str
    fields: dict[str, str]


@dataclass(frozen=True)
class Link:
    """A join between two records and why it was made."""

    left: int
    right: int
    method: str
    score: float
    evidence: dict = field(default_factory=dict)


Out = TypeVar("Out")
RECORD_QUERY = select(
    source_record.c.id, source_record.c.profile_id, source_record.c.source, source_record.c.key_id,
    source_record.c.payload,
)  # fmt: skip
# Records per chunk of ``map_records``: a worker's results come back a chunk at a time.
RECORD_CHUNK = 20_000


def records(store: Store, ids: Iterable[int] | None = None) -> dict[int, Record]:
    """Source records with their decrypted fields (all, or those with ``ids``)."""
    query = RECORD_QUERY
    wanted = None if ids is None else list(ids)
    found: dict[int, Record] = {}
    with store.read() as connection:
        chunks = [None] if wanted is None else [wanted[start : start + 500] for start in range(0, len(wanted), 500)]
        for chunk in chunks:
            rows = connection.execute(query if chunk is None else query.where(source_record.c.id.in_(chunk))).all()
            found.update(_opened(store, rows, None))
    return found


def _opened(store: Store, rows: list, fields: tuple[str, ...] | None) -> dict[int, Record]:
    store.personal.preload(bytes(row.key_id) for row in rows)
    found: dict[int, Record] = {}
    for row in rows:
        payload = store.personal.open(bytes(row.key_id), Place("source_record", "payload", row.id), bytes(row.payload))
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
    a partial of one).
    """
    ranges = _id_ranges(store)
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


def _id_ranges(store: Store) -> list[tuple[int, int]]:
    """Consecutive ranges of source record ids, ``RECORD_CHUNK`` records each."""
    with store.read() as connection:
        ids = list(connection.execute(select(source_record.c.id).order_by(source_record.c.id)).scalars())
    return [(ids[start], ids[min(start + RECORD_CHUNK, len(ids)) - 1]) for start in range(0, len(ids), RECORD_CHUNK)]


def _records_between(store: Store, low: int, high: int, fields: tuple[str, ...] | None) -> dict[int, Record]:
    """The records with ids from ``low`` to ``high``; their data keys are not kept afterwards."""
    with store.read() as connection:
        rows = connection.execute(RECORD_QUERY.where(source_record.c.id.between(low, high))).all()
    try:
        return _opened(store, rows, fields)
    finally:
        store.personal.forget(bytes(row.key_id) for row in rows)


def shared_identifiers(
    store: Store, record_ids: Iterable[int] | None = None, max_group: int = 50
) -> list[tuple[str, list[int]]]:
    """Groups of records sharing an identifier, as ``(kind, record ids)``.

    With ``record_ids``, only groups containing one of them, each found
    through the (kind, digest) index. Groups larger than ``max_group`` (a
    shop's own address, a shared office number) say nothing about who is who
    and are left out.
    """
    groups: dict[tuple[str, bytes], set[int]] = {}
    with store.read() as connection:
        if record_ids is None:
            return _all_shared(connection, max_group)
        for kind, digest in _identifiers_of(connection, list(record_ids)):
            query = (
                select(identifier.c.source_record_id)
                .where(identifier.c.kind == kind, identifier.c.digest == digest)
                .limit(max_group + 1)
            )
            groups[(kind, digest)] = set(connection.execute(query).scalars())
    return [(kind, sorted(members)) for (kind, _), members in groups.items() if 1 < len(members) <= max_group]


def _all_shared(connection: Connection, max_group: int) -> list[tuple[str, list[int]]]:
    """Every group, found by SQLite along the (kind, digest) index: only shared identifiers come back."""
    rows = connection.exec_driver_sql(
        "SELECT kind, group_concat(DISTINCT source_record_id) FROM identifier GROUP BY kind, digest "
        "HAVING count(DISTINCT source_record_id) BETWEEN 2 AND ?",
        (max_group,),
    )
    return [(kind, sorted(int(member) for member in members.split(","))) for kind, members in rows]


def _identifiers_of(connection: Connection, record_ids: list[int]) -> set[tuple[str, bytes]]:
    found: set[tuple[str, bytes]] = set()
    for start in range(0, len(record_ids), 500):
        chunk = record_ids[start : start + 500]
        query = select(identifier.c.kind, identifier.c.digest).where(identifier.c.source_record_id.in_(chunk))
        found.update((kind, bytes(digest)) for kind, digest in connection.execute(query))
    return found


def decisions(store: Store) -> dict[tuple[int, int], str]:
    """Staff decisions by ordered record pair: ``join`` or ``apart``."""
    with store.read() as connection:
        rows = connection.execute(
            select(link_decision.c.left_record_id, link_decision.c.right_record_id, link_decision.c.decision)
        ).all()
    return {(left, right): decision for left, right, decision in rows}


def decide(store: Store, pairs: Iterable[tuple[int, int]], decision: str, actor: str) -> None:
    """Record, in one unit of work, that staff want each pair of records joined or kept apart."""
    with store.write() as connection:
        for left, right in pairs:
            low, high = sorted((left, right))
            _decide(connection, low, high, decision, actor)


def _decide(connection: Connection, low: int, high: int, decision: str, actor: str) -> None:
    connection.execute(
        delete(link_decision).where(link_decision.c.left_record_id == low, link_decision.c.right_record_id == high)
    )
    connection.execute(
        insert(link_decision).values(
            left_record_id=low, right_record_id=high, decision=decision, actor=actor, decided_at=now()
        )
    )
    audit.record(connection, actor, f"link.{decision}", "source_record_pair", f"{low},{high}")


def apply_clusters(store: Store, clusters: list[list[int]], links: list[Link], actor: str) -> dict[str, int]:
    """Make each cluster of record ids one profile, in one unit of work.

    A cluster keeps the profile that already holds most of its records (the
    lowest id on a tie); profiles left without records are removed. Links
    replace the stored evidence of every profile with more than one record or
    with records coming or going; a record alone in its profile before and
    after has none. A restriction of processing goes with the records into
    the profile they join.
    """
    record_ids = [record_id for cluster in clusters for record_id in cluster]
    # A run over many records rewrites pages all over the large tables: a larger page cache
    # keeps them from being read and decrypted again and again.
    with store.write(bulk=len(record_ids) > BULK_RECORDS) as connection:
        current = _current_profiles(connection, record_ids)
        profile_of = _assignments(connection, clusters, current)
        moves = {record_id: target for record_id, target in profile_of.items() if current[record_id] != target}
        _carry_restriction(connection, moves, current)
        _move_records(connection, moves)
        left = {current[record_id] for record_id in moves}
        removed = _remove_empty(connection, left)
        touched = {profile_of[cluster[0]] for cluster in clusters if len(cluster) > 1} | set(moves.values()) | left
        _replace_links(connection, touched - removed, links, profile_of)
        counts = {"moved": len(moves), "profiles_removed": len(removed), "links": len(links)}
        audit.record(connection, actor, "resolve", None, None, counts)
    return counts


def _carry_restriction(connection: Connection, moves: dict[int, int], current: dict[int, int]) -> None:
    sources = {current[record_id] for record_id in moves}
    restricted: set[int] = set()
    rows = _for_ids(connection, "SELECT id FROM profile WHERE status = 'restricted' AND id IN (?)", sources)
    restricted.update(profile_id for (profile_id,) in rows)
    targets = {target for record_id, target in moves.items() if current[record_id] in restricted}
    _for_ids(connection, "UPDATE profile SET status = 'restricted' WHERE id IN (?)", targets)


def _current_profiles(connection: Connection, record_ids: list[int]) -> dict[int, int]:
    """The profile each of these records is in now (all records' when there are many)."""
    query = select(source_record.c.id, source_record.c.profile_id)
    if len(record_ids) > 5000:
        cursor = connection.connection.cursor()  # the driver's own rows: a million SQLAlchemy rows take seconds
        try:
            return dict(cursor.execute("SELECT id, profile_id FROM source_record").fetchall())
        finally:
            cursor.close()
    found: dict[int, int] = {}
    for start in range(0, len(record_ids), 500):
        chunk = record_ids[start : start + 500]
        found.update(connection.execute(query.where(source_record.c.id.in_(chunk))).all())
    return found


def _assignments(connection: Connection, clusters: list[list[int]], current: dict[int, int]) -> dict[int, int]:
    """The profile each clustered record belongs to from now on."""
    taken: set[int] = set()
    profile_of: dict[int, int] = {}
    next_profile = next_id(connection, profile)
    stamp = now()
    for cluster in sorted(clusters, key=len, reverse=True):
        if len(cluster) == 1 and current[cluster[0]] not in taken:  # most records, alone and staying
            taken.add(current[cluster[0]])
            profile_of[cluster[0]] = current[cluster[0]]
            continue
        counts: dict[int, int] = {}
        for record_id in cluster:
            counts[current[record_id]] = counts.get(current[record_id], 0) + 1
        choices = sorted(
            (profile_id for profile_id in counts if profile_id not in taken),
            key=lambda profile_id: (-counts[profile_id], profile_id),
        )
        if choices:
            target = choices[0]
        else:
            target = next_profile
            next_profile += 1
            connection.execute(insert(profile).values(id=target, created_at=stamp, updated_at=stamp))
        taken.add(target)
        profile_of.update(dict.fromkeys(cluster, target))
    return profile_of


BULK_RECORDS = 100_000
MOVED_COLUMNS = (("source_record", "id"), ("identifier", "source_record_id"), ("interaction", "source_record_id"))


def _move_records(connection: Connection, moves: dict[int, int]) -> None:
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
            connection.exec_driver_sql(f"UPDATE {table} SET profile_id = ? WHERE {column} = ?", pairs)
        targets = [(stamp, profile_id) for profile_id in set(moves.values())]
        connection.exec_driver_sql("UPDATE profile SET updated_at = ? WHERE id = ?", targets)
        return
    connection.exec_driver_sql(
        "CREATE TEMP TABLE IF NOT EXISTS moving (record_id INTEGER PRIMARY KEY, profile_id INTEGER)"
    )
    connection.exec_driver_sql("DELETE FROM moving")
    connection.exec_driver_sql("INSERT INTO moving (record_id, profile_id) VALUES (?, ?)", list(moves.items()))
    for table, column in MOVED_COLUMNS:
        connection.exec_driver_sql(
            f"UPDATE {table} SET profile_id = moving.profile_id FROM moving WHERE {table}.{column} = moving.record_id"
        )
    connection.exec_driver_sql(
        "UPDATE profile SET updated_at = ? WHERE id IN (SELECT profile_id FROM moving)", (stamp,)
    )
    connection.exec_driver_sql("DELETE FROM moving")


def _for_ids(connection: Connection, statement: str, ids: Iterable[int]) -> list[tuple]:
    """``statement`` run for ``ids`` a chunk at a time (its ``IN (?)`` takes a chunk), with any rows it returns.

    Plain SQL: SQLAlchemy compiles every parameter of an ``in_`` anew, and a run
    over a million records passes hundreds of thousands of ids.
    """
    rows: list[tuple] = []
    for chunk in _chunks(ids):
        result = connection.exec_driver_sql(
            statement.replace("IN (?)", f"IN ({','.join('?' * len(chunk))})"), tuple(chunk)
        )
        if result.returns_rows:
            rows += result.fetchall()
    return rows


def _chunks(ids: Iterable[int], size: int = 10_000) -> Iterable[list[int]]:
    """Ids in lists short enough for one statement's parameters."""
    ordered = sorted(ids)
    for start in range(0, len(ordered), size):
        yield ordered[start : start + size]


def _remove_empty(connection: Connection, profile_ids: set[int]) -> set[int]:
    occupied: set[int] = set()
    rows = _for_ids(connection, "SELECT DISTINCT profile_id FROM source_record WHERE profile_id IN (?)", profile_ids)
    occupied.update(profile_id for (profile_id,) in rows)
    empty = profile_ids - occupied
    _for_ids(connection, "DELETE FROM profile WHERE id IN (?)", empty)
    return empty


def _replace_links(
    connection: Connection, profile_ids: set[int], links: list[Link], profile_of: dict[int, int]
) -> None:
    _for_ids(connection, "DELETE FROM profile_link WHERE profile_id IN (?)", profile_ids)
    stamp = now()
    bulk_insert(
        connection,
        profile_link,
        [
            {
                "profile_id": profile_of[link.left],
                "left_record_id": link.left,
                "right_record_id": link.right,
                "method": link.method,
                "score": link.score,
                "evidence": json.dumps(link.evidence, sort_keys=True),
                "created_at": stamp,
            }
            for link in links
            if profile_of.get(link.left) in profile_ids
        ],
    )


def links_of(store: Store, profile_id: int) -> list[Link]:
    """The stored evidence of one profile."""
    return links_of_profiles(store, [profile_id])


def replace_review(store: Store, pairs: list[Link]) -> None:
    """The review queue becomes exactly ``pairs`` (probability in the score)."""
    _queue(store, pairs, everything=True)


def add_review(store: Store, pairs: list[Link]) -> None:
    """Put ``pairs`` on the review queue (replacing what it said of them)."""
    _queue(store, pairs, everything=False)


def _queue(store: Store, pairs: list[Link], everything: bool) -> None:
    stamp = now()
    with store.write() as connection:
        if everything:
            connection.execute(delete(review_pair))
        for pair in [] if everything else pairs:
            connection.execute(
                delete(review_pair).where(
                    review_pair.c.left_record_id == pair.left, review_pair.c.right_record_id == pair.right
                )
            )
        bulk_insert(
            connection,
            review_pair,
            [
                {
                    "left_record_id": pair.left,
                    "right_record_id": pair.right,
                    "probability": pair.score,
                    "evidence": json.dumps(pair.evidence, sort_keys=True),
                    "created_at": stamp,
                }
                for pair in pairs
            ],
        )


@dataclass(frozen=True)
class ReviewItem:
    """One uncertain pair, with both records, for staff to compare side by side."""

    left: Record
    right: Record
    probability: float
    evidence: dict


def review_queue(store: Store, actor: str, with_restricted: bool, limit: int = 20) -> tuple[list[ReviewItem], int]:
    """The most likely uncertain pairs first, and how many wait in all; the viewing is audited.

    Without ``with_restricted`` (everyone but the DPO and admins) a pair is
    left out, and not counted, when either record is in a profile whose
    processing is restricted (Art. 18 GDPR): its fields must not be shown.
    """
    offered = _offered(with_restricted)
    with store.read() as connection:
        total = connection.execute(select(func.count()).select_from(offered.subquery())).scalar_one()
        rows = connection.execute(offered.order_by(review_pair.c.probability.desc()).limit(limit)).all()
    wanted = records(store, {row.left_record_id for row in rows} | {row.right_record_id for row in rows})
    items = [
        ReviewItem(wanted[row.left_record_id], wanted[row.right_record_id], row.probability, json.loads(row.evidence))
        for row in rows
        if row.left_record_id in wanted and row.right_record_id in wanted
    ]
    audit.record_soon(store, actor, "review.read", None, None, {"pairs": len(items)})
    return items, total


def _offered(with_restricted: bool) -> Select:
    """The queued pairs a person may see and decide."""
    query = select(review_pair)
    if with_restricted:
        return query
    left, right = source_record.alias("left_record"), source_record.alias("right_record")
    left_profile, right_profile = profile.alias("left_profile"), profile.alias("right_profile")
    return (
        query.join(left, left.c.id == review_pair.c.left_record_id)
        .join(right, right.c.id == review_pair.c.right_record_id)
        .join(left_profile, left_profile.c.id == left.c.profile_id)
        .join(right_profile, right_profile.c.id == right.c.profile_id)
        .where(left_profile.c.status != "restricted", right_profile.c.status != "restricted")
    )


def settle_review(store: Store, left: int, right: int, decision: str, actor: str, with_restricted: bool) -> None:
    """Record the staff decision on a queued pair and take it off the queue, in one unit of work.

    Only a pair the queue offers to this person can be decided; any other
    (never queued, decided already, unknown ids, or restricted for them) is
    refused with ``NotOffered`` and nothing changes.
    """
    low, high = sorted((left, right))
    pair = and_(review_pair.c.left_record_id == low, review_pair.c.right_record_id == high)
    with store.write() as connection:
        if connection.execute(_offered(with_restricted).where(pair)).first() is None:
            raise NotOffered("This pair is not waiting for a decision on the review queue; nothing was changed.")
        _decide(connection, low, high, decision, actor)
        connection.execute(delete(review_pair).where(pair))


def profile_of_record(store: Store, record_id: int) -> int:
    """The profile a source record belongs to now."""
    with store.read() as connection:
        return connection.execute(
            select(source_record.c.profile_id).where(source_record.c.id == record_id)
        ).scalar_one()


def records_of_profiles(store: Store, profile_ids: Iterable[int]) -> list[int]:
    """The ids of every source record in these profiles."""
    with store.read() as connection:
        rows = _for_ids(connection, "SELECT id FROM source_record WHERE profile_id IN (?)", profile_ids)
    return [record_id for (record_id,) in rows]


def links_of_profiles(store: Store, profile_ids: Iterable[int]) -> list[Link]:
    """The stored links of these profiles, so that re-clustering keeps them."""
    rows = []
    with store.read() as connection:
        for chunk in _chunks(profile_ids):
            rows += connection.execute(
                select(profile_link).where(profile_link.c.profile_id.in_(chunk)).order_by(profile_link.c.id)
            ).all()
    rows.sort(key=lambda row: row.id)
    return [
        Link(row.left_record_id, row.right_record_id, row.method, row.score, json.loads(row.evidence)) for row in rows
    ]


def export_links(store: Store) -> list[tuple[str, str, int]]:
    """``(source, source record id, profile id)`` for every source record."""
    return [(record.source, record.source_id, record.profile_id) for record in records(store).values()]
