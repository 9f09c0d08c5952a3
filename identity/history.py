"""The identity history: every staff split, join, review decision and undo, and what an undo puts back.

Each event keeps, besides who did what to which records when, two states of everything the correction
touched (``snapshot``): before and after. A state holds the records of each profile concerned and its row
(status, salutation), the staff decisions on the pairs the correction decided or forgot, the profiles'
stored links and the review queue's rows for the pairs in question. Ids, levels and times only: values
about a person stay sealed in the source records. An undo is possible while the present equals the
``after`` state (``changed_since``); it then puts back the ``before`` state (``restore``) and is an event
of its own, with the two states swapped, so that it can be undone in turn.

This module owns ``identity_history``. Restoring writes the rows of the other identity tables and the
profile rows as they were, since no other owner has a way to put back a row exactly (a profile with its
old id, a decision with its first actor and time); records move only through ``cdp.records``. Every
function takes the unit of work of its use case (``identity.corrections``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Connection, delete, insert, select, update

from cdp.clock import now
from cdp.errors import N_, NotFound
from cdp.records import current_profiles, move_to_profiles, records_of_profiles
from cdp.store.schema import identity_history, profile, profile_link, review_pair
from cdp.store.sql import IDS, for_ids
from identity import store as identity_store
from identity.review_queue import add_review
from identity.store import Link

Pair = tuple[int, int]
PROFILE_ROW = ("created_at", "updated_at", "status", "address_form", "title", "gender", "language")
LINK_COLUMNS = ("left_record_id", "right_record_id", "method", "score", "evidence", "created_at")


@dataclass(frozen=True)
class Event:
    """One correction as the history keeps it; profiles map to their records, before and after."""

    id: int
    kind: str
    actor: str
    at: str
    record_ids: list[int]
    profiles_before: dict[int, list[int]]
    profiles_after: dict[int, list[int]]
    before: dict
    after: dict
    undoes: int | None
    undone_by: int | None


def snapshot(tx: Connection, profile_ids: Iterable[int], pairs: Iterable[Pair], review: Iterable[Pair]) -> dict:
    """The state of these profiles, decision pairs and review pairs now, as an undo would put it back."""
    profile_ids = sorted(set(profile_ids))
    rows = for_ids(tx, select(profile).where(profile.c.id.in_(IDS)), profile_ids)
    held: dict[int, list[int]] = {}
    for record_id, profile_id in current_profiles(tx, records_of_profiles(tx, profile_ids)).items():
        held.setdefault(profile_id, []).append(record_id)
    links = for_ids(tx, select(profile_link).where(profile_link.c.profile_id.in_(IDS)), profile_ids)
    kept = {
        str(row.id): {
            "records": sorted(held.get(row.id, [])),
            "row": {name: row._mapping[name] for name in PROFILE_ROW},
        }
        for row in rows
    }
    return {
        "profiles": kept,
        "decisions": [[*pair, row] for pair, row in sorted(identity_store.decision_rows(tx, pairs).items())],
        "links": sorted(
            ([row.profile_id, *(row._mapping[name] for name in LINK_COLUMNS)] for row in links),
            key=lambda link: (link[0], link[1], link[2]),
        ),
        "review": [[*pair, row] for pair, row in sorted(_review_rows(tx, review).items())],
    }


def _review_rows(tx: Connection, pairs: Iterable[Pair]) -> dict[Pair, dict | None]:
    found: dict[Pair, dict | None] = {}
    for low, high in {tuple(sorted(pair)) for pair in pairs}:
        row = tx.execute(
            select(review_pair.c.probability, review_pair.c.evidence).where(
                review_pair.c.left_record_id == low, review_pair.c.right_record_id == high
            )
        ).first()
        found[(low, high)] = None if row is None else {"probability": row.probability, "evidence": row.evidence}
    return found


def members(state: dict) -> dict[int, list[int]]:
    """The records of each profile of a state."""
    return {int(profile_id): kept["records"] for profile_id, kept in state["profiles"].items()}


def add(tx: Connection, kind: str, actor: str, before: dict, after: dict, undoes: int | None = None) -> int:
    """Keep one event; returns its id."""
    was, now_are = members(before), members(after)
    record_ids = sorted({record_id for group in [*was.values(), *now_are.values()] for record_id in group})
    values = {
        "kind": kind, "actor": actor, "at": now(), "record_ids": json.dumps(record_ids),
        "profiles_before": json.dumps(was, sort_keys=True), "profiles_after": json.dumps(now_are, sort_keys=True),
        "before": json.dumps(before, sort_keys=True), "after": json.dumps(after, sort_keys=True), "undoes": undoes,
    }  # fmt: skip
    return tx.execute(insert(identity_history).values(**values)).inserted_primary_key[0]


def load(tx: Connection, event_id: int) -> Event:
    """One event; ``NotFound`` if there is none with this id."""
    row = tx.execute(select(identity_history).where(identity_history.c.id == event_id)).first()
    if row is None:
        raise NotFound(N_("There is no change {event} in the identity history."), event=event_id)
    return _event(row)


def touching(tx: Connection, record_ids: Iterable[int]) -> list[Event]:
    """Every event that concerned one of these records, newest first.

    The history of staff corrections is short next to the records, so it is read whole and filtered here
    instead of indexing every record of every event.
    """
    wanted = set(record_ids)
    rows = tx.execute(select(identity_history).order_by(identity_history.c.id.desc())).all()
    events = (_event(row) for row in rows)
    return [event for event in events if wanted & set(event.record_ids)]


def _event(row) -> Event:
    def profiles(text: str) -> dict[int, list[int]]:
        return {int(profile_id): records for profile_id, records in json.loads(text).items()}

    return Event(
        row.id, row.kind, row.actor, row.at, json.loads(row.record_ids), profiles(row.profiles_before),
        profiles(row.profiles_after), json.loads(row.before), json.loads(row.after), row.undoes, row.undone_by,
    )  # fmt: skip


def mark_undone(tx: Connection, event_id: int, by: int) -> None:
    """Note that event ``by`` undid (or reversed) ``event_id``; the events ``event_id`` itself had undone
    are in effect again, so they can be undone once more."""
    tx.execute(update(identity_history).where(identity_history.c.undone_by == event_id).values(undone_by=None))
    tx.execute(update(identity_history).where(identity_history.c.id == event_id).values(undone_by=by))


def changed_since(tx: Connection, state: dict) -> tuple[list[int], bool]:
    """What no longer is as ``state`` says: the profiles whose records or restriction changed, and whether
    a decision on one of its pairs did. Nothing of either means ``state`` is the present."""
    wanted = members(state)
    now_in: dict[int, set[int]] = {}
    for record_id, profile_id in current_profiles(tx, records_of_profiles(tx, wanted)).items():
        now_in.setdefault(profile_id, set()).add(record_id)
    statuses = dict(for_ids(tx, select(profile.c.id, profile.c.status).where(profile.c.id.in_(IDS)), wanted))
    changed = [
        profile_id
        for profile_id, records in sorted(wanted.items())
        if now_in.get(profile_id, set()) != set(records)
        or statuses.get(profile_id) != state["profiles"][str(profile_id)]["row"]["status"]
    ]
    stored = identity_store.decision_rows(tx, [(low, high) for low, high, _ in state["decisions"]])
    decided = any(_decision(stored[(low, high)]) != _decision(row) for low, high, row in state["decisions"])
    return changed, decided


def _decision(row: dict | None) -> str | None:
    return None if row is None else row["decision"]


def restore(tx: Connection, target: dict, present: dict, actor: str) -> None:
    """Make ``target`` the present again, ``present`` being the state now (checked with ``changed_since``).

    Profiles of ``target`` that were removed come back with their old id and row; each record moves back
    into its profile (``cdp.records.move_to_profiles``, which removes the profiles left empty); each
    profile gets back its restriction as it was, its links, and the decisions and review pairs as they were.
    """
    wanted = members(target)
    involved = set(wanted) | set(members(present))
    for_ids(tx, delete(profile_link).where(profile_link.c.profile_id.in_(IDS)), involved)
    existing = {row.id for row in for_ids(tx, select(profile.c.id).where(profile.c.id.in_(IDS)), wanted)}
    for profile_id in sorted(set(wanted) - existing):
        tx.execute(insert(profile).values(id=profile_id, **target["profiles"][str(profile_id)]["row"]))
    now_in = current_profiles(tx, [record_id for records in wanted.values() for record_id in records])
    moves = {record_id: profile_id for profile_id, records in wanted.items() for record_id in records
             if now_in[record_id] != profile_id}  # fmt: skip
    move_to_profiles(tx, moves, now_in)
    for profile_id in wanted:
        status = target["profiles"][str(profile_id)]["row"]["status"]
        tx.execute(update(profile).where(profile.c.id == profile_id).values(status=status))
    for profile_id, *link in target["links"]:
        tx.execute(insert(profile_link).values(profile_id=profile_id, **dict(zip(LINK_COLUMNS, link, strict=True))))
    identity_store.restore_decisions(tx, {(low, high): row for low, high, row in target["decisions"]}, actor)
    _restore_review(tx, target["review"])


def dequeue(tx: Connection, pairs: Iterable[Pair]) -> None:
    """Take these pairs off the review queue (a decision on them was made, or an undo puts that back)."""
    for low, high in pairs:
        tx.execute(
            delete(review_pair).where(review_pair.c.left_record_id == low, review_pair.c.right_record_id == high)
        )


def _restore_review(tx: Connection, rows: list) -> None:
    """The review pairs in question back on the queue as they were (or off it, where they were not on it)."""
    dequeue(tx, [(low, high) for low, high, _ in rows])
    add_review(
        tx,
        [Link(low, high, "model", row["probability"], json.loads(row["evidence"])) for low, high, row in rows if row],
    )
