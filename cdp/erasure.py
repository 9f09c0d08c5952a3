"""Erasing people from the store, in a way that reaches copies and backups.

Erasure first destroys the data keys of the person's source records in the
key vault, so every copy of what they sealed (this store's free pages, old
backups) can never be opened again; then it deletes the records and all that
hangs on them: identifiers, search and blocking keys, consent events,
interactions, evidence of joins. What a legal obligation requires keeping
(purchases within their retention period, for tax law) stays as bare facts
(date, amount, currency) on a restricted profile, its details unreadable.

The person's identifiers and source record ids go on the suppression list
as the same keyed hashes the store indexes them by, so a later import of
them (their contact row, or orders and posts referring to it) is held back.
``replay`` repeats all erasures on a store restored from an older backup:
every record whose key was destroyed is purged the same way, and its
identifiers (still in the backup) go on the suppression list again.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, delete, insert, or_, select, update

from cdp import audit
from cdp.clock import now
from cdp.errors import NotFound
from cdp.schema import dependents, identifier, interaction, profile, source_record, suppression
from cdp.store import Store


@dataclass(frozen=True)
class Erased:
    """What one erasure did."""

    records: int
    interactions: int
    purchases_kept: int
    identifiers_suppressed: int
    profile_kept_restricted: bool


def erase_profile(store: Store, profile_id: int, actor: str, **options: Any) -> Erased:
    """Erase one profile in a unit of work of its own; ``options`` as ``purge_profile`` takes them."""
    with store.write() as connection:
        return purge_profile(store, connection, profile_id, actor, **options)


def purge_profile(
    store: Store,
    connection: Connection,
    profile_id: int,
    actor: str,
    *,
    keep_purchases_since: str | None,
    request_id: int | None = None,
    suppress: bool = True,
) -> Erased:
    """Erase one profile inside the caller's unit of work; purchases from ``keep_purchases_since``
    (ISO date) on stay as restricted facts. Its data keys are destroyed as that unit commits.

    ``suppress`` puts the identifiers on the suppression list (an erasure on
    request); a retention run deletes without it, since the person may come
    back of their own accord.
    """
    rows = connection.execute(
        select(source_record.c.id, source_record.c.key_id).where(source_record.c.profile_id == profile_id)
    ).all()
    if not rows:
        raise NotFound(f"There is no profile {profile_id}.")
    erased = _purge(connection, [row.id for row in rows], keep_purchases_since, request_id, suppress)
    audit.record(connection, actor, "erasure", "profile", profile_id, {**erased.__dict__, "request": request_id})
    store.destroy_at_commit(connection, (bytes(row.key_id) for row in rows))
    return erased


def replay(store: Store, actor: str, keep_purchases_since: str | None) -> int:
    """Purge every record whose key was destroyed (after a restore); returns how many."""
    destroyed = store.personal.destroyed_keys()
    with store.write() as connection:
        ids = [
            row.id
            for row in connection.execute(select(source_record.c.id, source_record.c.key_id))
            if bytes(row.key_id) in destroyed and not _is_held(connection, row.id)
        ]
        if ids:
            erased = _purge(connection, ids, keep_purchases_since, None, True)
            audit.record(connection, actor, "erasure.replay", None, None, erased.__dict__)
    return len(ids)


def finish_interrupted(store: Store, keep_purchases_since: str | None) -> int:
    """Finish an erasure whose keys were destroyed but whose unit of work did not commit; how many records.

    Cheap when there is none: the vault notes an erasure under way.
    """
    if not store.personal.vault.erasure_pending():
        return 0
    purged = replay(store, "recovery", keep_purchases_since)
    store.personal.vault.set_erasure_pending(False)
    return purged


def suppressed_lines(connection: Connection, digests_by_line: dict[int, list[bytes]]) -> set[int]:
    """The lines of an import whose identifiers are on the suppression list."""
    wanted = list({digest for digests in digests_by_line.values() for digest in digests})
    listed: set[bytes] = set()
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        listed |= {
            bytes(d)
            for d in connection.execute(select(suppression.c.digest).where(suppression.c.digest.in_(chunk))).scalars()
        }
    return {line for line, digests in digests_by_line.items() if listed.intersection(digests)}


def _is_held(connection: Connection, record_id: int) -> bool:
    """A record already reduced to a legal hold (its content gone, purchases kept)."""
    return (
        connection.execute(select(source_record.c.payload).where(source_record.c.id == record_id)).scalar_one() == b""
    )


def _purge(
    connection: Connection, record_ids: list[int], cutoff: str | None, request_id: int | None, suppress: bool
) -> Erased:
    profiles = set(
        connection.execute(select(source_record.c.profile_id).where(source_record.c.id.in_(record_ids))).scalars()
    )
    suppressed = _suppress(connection, record_ids, request_id) if suppress else 0
    kept = _kept_purchases(connection, record_ids, cutoff)
    holding = {record_id for record_id, _ in kept}
    kept_ids = [interaction_id for _, interaction_id in kept]
    removed = connection.execute(
        delete(interaction).where(interaction.c.source_record_id.in_(record_ids), interaction.c.id.not_in(kept_ids))
    ).rowcount
    if kept_ids:
        connection.execute(update(interaction).where(interaction.c.id.in_(kept_ids)).values(payload=b"", channel=None))
    connection.execute(
        delete(source_record).where(source_record.c.id.in_(record_ids), source_record.c.id.not_in(holding))
    )
    for record_id in holding:
        _reduce_to_hold(connection, record_id)
    kept_profile = _settle_profiles(connection, profiles)
    return Erased(len(record_ids), removed, len(kept_ids), suppressed, kept_profile)


def _suppress(connection: Connection, record_ids: list[int], request_id: int | None) -> int:
    rows = connection.execute(
        select(identifier.c.kind, identifier.c.digest).where(identifier.c.source_record_id.in_(record_ids))
    ).all()
    records = connection.execute(
        select(source_record.c.record_digest).where(source_record.c.id.in_(record_ids))
    ).scalars()
    stamp = now()
    found = {(row.kind, bytes(row.digest)) for row in rows} | {("record", bytes(digest)) for digest in records}
    for kind, digest in found:
        connection.execute(
            insert(suppression)
            .prefix_with("OR IGNORE")
            .values(digest=digest, kind=kind, request_id=request_id, added_at=stamp)
        )
    return len(found)


def _kept_purchases(connection: Connection, record_ids: list[int], cutoff: str | None) -> list[tuple[int, int]]:
    if cutoff is None:
        return []
    return [
        (row.source_record_id, row.id)
        for row in connection.execute(
            select(interaction.c.source_record_id, interaction.c.id).where(
                interaction.c.source_record_id.in_(record_ids),
                interaction.c.kind == "purchase",
                interaction.c.occurred_at >= cutoff,
            )
        )
    ]


def _reduce_to_hold(connection: Connection, record_id: int) -> None:
    """Keep the record only as the anchor of kept purchases: no content, no way to find it."""
    for table, columns in dependents(source_record):
        if table is not interaction:
            connection.execute(delete(table).where(or_(*(column == record_id for column in columns))))
    connection.execute(
        update(source_record)
        .where(source_record.c.id == record_id)
        .values(record_digest=secrets.token_bytes(32), content_mac=secrets.token_bytes(32), payload=b"")
    )


def _settle_profiles(connection: Connection, profile_ids: set[int]) -> bool:
    """Remove profiles left without records; restrict those that only hold kept purchases."""
    kept = False
    for profile_id in profile_ids:
        query = select(source_record.c.payload).where(source_record.c.profile_id == profile_id)
        left = list(connection.execute(query).scalars())
        if any(payload != b"" for payload in left):
            continue
        if not left:
            connection.execute(delete(interaction).where(interaction.c.profile_id == profile_id))
            connection.execute(delete(profile).where(profile.c.id == profile_id))
        else:
            kept = True
            connection.execute(
                update(profile)
                .where(profile.c.id == profile_id)
                .values(status="restricted", address_form="unknown", title=None, gender=None, language=None)
            )
    return kept
