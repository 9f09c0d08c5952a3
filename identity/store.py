"""Identity's tables: staff decisions, the links that are a profile's evidence, the review queue.

``identity.resolve`` decides which source records are one person; this
module reads what it needs besides the records themselves (records sharing
an identifier, staff decisions, stored links) and writes the outcome: the
records of each cluster into one profile (``cdp.records.move_to_profiles``)
with the evidence of every join, and the pairs left for staff to decide.

Every function here takes the unit of work its use case opened (``tx``,
from ``store.read()`` or ``store.write()``) and opens none of its own; those
that open sealed data take the store's ``PersonalData`` as well.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import Connection, delete, insert, select

from cdp import audit
from cdp.clock import now
from cdp.records import add_profiles, current_profiles, move_to_profiles, records
from cdp.store.database import bulk_insert
from cdp.store.personal import PersonalData
from cdp.store.schema import identifier, link_decision, profile_link, store_meta
from cdp.store.sql import IDS, for_ids


@dataclass(frozen=True)
class Link:
    """A join between two records and why it was made."""

    left: int
    right: int
    method: str
    score: float
    evidence: dict = field(default_factory=dict)


# Records sharing an identifier.


def shared_identifiers(
    tx: Connection, record_ids: Iterable[int] | None = None, max_group: int = 50
) -> list[tuple[str, list[int]]]:
    """Groups of records sharing an identifier, as ``(kind, record ids)``.

    With ``record_ids``, only groups containing one of them, each found
    through the (kind, digest) index. Groups larger than ``max_group`` (a
    shop's own address, a shared office number) say nothing about who is who
    and are left out.
    """
    if record_ids is None:
        return _all_shared(tx, max_group)
    groups: dict[tuple[str, bytes], set[int]] = {}
    for kind, digest in _identifiers_of(tx, record_ids):
        query = (
            select(identifier.c.source_record_id)
            .where(identifier.c.kind == kind, identifier.c.digest == digest)
            .limit(max_group + 1)
        )
        groups[(kind, digest)] = set(tx.execute(query).scalars())
    return [(kind, sorted(members)) for (kind, _), members in groups.items() if 1 < len(members) <= max_group]


def _all_shared(tx: Connection, max_group: int) -> list[tuple[str, list[int]]]:
    """Every group, found by SQLite along the (kind, digest) index: only shared identifiers come back."""
    rows = tx.exec_driver_sql(
        "SELECT kind, group_concat(DISTINCT source_record_id) FROM identifier GROUP BY kind, digest "
        "HAVING count(DISTINCT source_record_id) BETWEEN 2 AND ?",
        (max_group,),
    )
    return [(kind, sorted(int(member) for member in members.split(","))) for kind, members in rows]


def _identifiers_of(tx: Connection, record_ids: Iterable[int]) -> set[tuple[str, bytes]]:
    query = select(identifier.c.kind, identifier.c.digest).where(identifier.c.source_record_id.in_(IDS))
    return {(kind, bytes(digest)) for kind, digest in for_ids(tx, query, record_ids)}


# Staff decisions.


def decisions(tx: Connection) -> dict[tuple[int, int], str]:
    """Staff decisions by ordered record pair: ``join`` or ``apart``."""
    rows = tx.execute(
        select(link_decision.c.left_record_id, link_decision.c.right_record_id, link_decision.c.decision)
    ).all()
    return {(left, right): decision for left, right, decision in rows}


def decide(tx: Connection, pairs: Iterable[tuple[int, int]], decision: str, actor: str) -> None:
    """Record that staff want each pair of records joined or kept apart (each audited)."""
    for left, right in pairs:
        low, high = sorted((left, right))
        _decide(tx, low, high, decision, actor)


def _decide(tx: Connection, low: int, high: int, decision: str, actor: str) -> None:
    _forget(tx, low, high)
    tx.execute(
        insert(link_decision).values(
            left_record_id=low, right_record_id=high, decision=decision, actor=actor, decided_at=now()
        )
    )
    audit.record(tx, actor, f"link.{decision}", "source_record_pair", f"{low},{high}")


def decision_rows(tx: Connection, pairs: Iterable[tuple[int, int]]) -> dict[tuple[int, int], dict | None]:
    """The stored decision of each ordered pair as it stands (``decision``, ``actor``, ``decided_at``), or
    ``None`` where there is none: what an undo puts back."""
    wanted = {tuple(sorted(pair)) for pair in pairs}
    found: dict[tuple[int, int], dict | None] = dict.fromkeys(wanted)
    lows = {low for low, _ in wanted}
    query = select(link_decision).where(link_decision.c.left_record_id.in_(IDS))
    for row in for_ids(tx, query, lows):
        pair = (row.left_record_id, row.right_record_id)
        if pair in found:
            found[pair] = {"decision": row.decision, "actor": row.actor, "decided_at": row.decided_at}
    return found


def forget_decisions(tx: Connection, pairs: Iterable[tuple[int, int]], actor: str) -> None:
    """Remove the staff decisions on these pairs (a later join overrides an earlier ``apart``); each audited."""
    for left, right in pairs:
        low, high = sorted((left, right))
        _forget(tx, low, high)
        audit.record(tx, actor, "link.forgotten", "source_record_pair", f"{low},{high}")


def restore_decisions(tx: Connection, rows: dict[tuple[int, int], dict | None], actor: str) -> None:
    """Put the decisions on these pairs back as ``decision_rows`` read them (``None``: no decision), with
    their first actor and time, so that an undo leaves exactly the earlier decisions; each audited."""
    for (low, high), row in rows.items():
        _forget(tx, low, high)
        if row is not None:
            tx.execute(insert(link_decision).values(left_record_id=low, right_record_id=high, **row))
        audit.record(tx, actor, "link.restored", "source_record_pair", f"{low},{high}",
                     {"decision": row["decision"] if row else None})  # fmt: skip


def _forget(tx: Connection, low: int, high: int) -> None:
    tx.execute(
        delete(link_decision).where(link_decision.c.left_record_id == low, link_decision.c.right_record_id == high)
    )


# Profiles from clusters, and their evidence.


def apply_clusters(tx: Connection, clusters: list[list[int]], links: list[Link], actor: str) -> dict[str, int]:
    """Make each cluster of record ids one profile.

    A cluster keeps the profile that already holds most of its records (the
    lowest id on a tie); profiles left without records are removed. Links
    replace the stored evidence of every profile with more than one record or
    with records coming or going; a record alone in its profile before and
    after has none. A restriction of processing goes with the records into
    the profile they join. A run over many records wants ``store.write(bulk=True)``.
    """
    record_ids = [record_id for cluster in clusters for record_id in cluster]
    current = current_profiles(tx, record_ids)
    profile_of = _assignments(tx, clusters, current)
    moves = {record_id: target for record_id, target in profile_of.items() if current[record_id] != target}
    removed = move_to_profiles(tx, moves, current)
    left = {current[record_id] for record_id in moves}
    touched = {profile_of[cluster[0]] for cluster in clusters if len(cluster) > 1} | set(moves.values()) | left
    _replace_links(tx, touched - removed, links, profile_of)
    counts = {"moved": len(moves), "profiles_removed": len(removed), "links": len(links)}
    audit.record(tx, actor, "resolve", None, None, counts)
    return counts


def _assignments(tx: Connection, clusters: list[list[int]], current: dict[int, int]) -> dict[int, int]:
    """The profile each clustered record belongs to from now on (new ones for clusters whose profiles are taken)."""
    taken: set[int] = set()
    profile_of: dict[int, int] = {}
    homeless: list[list[int]] = []
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
        if not choices:
            homeless.append(cluster)
            continue
        taken.add(choices[0])
        profile_of.update(dict.fromkeys(cluster, choices[0]))
    for cluster, target in zip(homeless, add_profiles(tx, len(homeless)), strict=True):
        profile_of.update(dict.fromkeys(cluster, target))
    return profile_of


def _replace_links(tx: Connection, profile_ids: set[int], links: list[Link], profile_of: dict[int, int]) -> None:
    for_ids(tx, delete(profile_link).where(profile_link.c.profile_id.in_(IDS)), profile_ids)
    stamp = now()
    bulk_insert(
        tx,
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


def links_of(tx: Connection, profile_id: int) -> list[Link]:
    """The stored evidence of one profile."""
    return links_of_profiles(tx, [profile_id])


def links_of_profiles(tx: Connection, profile_ids: Iterable[int]) -> list[Link]:
    """The stored links of these profiles, so that re-clustering keeps them."""
    rows = for_ids(tx, select(profile_link).where(profile_link.c.profile_id.in_(IDS)), profile_ids)
    rows.sort(key=lambda row: row.id)
    return [
        Link(row.left_record_id, row.right_record_id, row.method, row.score, json.loads(row.evidence)) for row in rows
    ]


def export_links(tx: Connection, personal: PersonalData) -> list[tuple[str, str, int]]:
    """``(source, source record id, profile id)`` for every source record."""
    return [(record.source, record.source_id, record.profile_id) for record in records(tx, personal).values()]


# What identity keeps in ``store_meta`` (the match model, the blocking keys' totals).


def meta(tx: Connection, name: str) -> str | None:
    """A value of ``store_meta``, read in this unit of work (``Store.meta`` opens one of its own)."""
    return tx.execute(select(store_meta.c.value).where(store_meta.c.name == name)).scalar()


def set_meta(tx: Connection, name: str, value: str) -> None:
    """Keep ``value`` in ``store_meta`` under ``name`` in this unit of work (``Store.set_meta`` opens its own)."""
    tx.execute(delete(store_meta).where(store_meta.c.name == name))
    tx.execute(insert(store_meta).values(name=name, value=value))
