"""Erasure (Art. 17 GDPR): the policy of what goes, what a legal obligation keeps, and who must not come back.

Erasure destroys the data keys of the person's source records in the key
vault, so every copy of what they sealed (this store's free pages, old
backups) can never be opened again; then it deletes the records and all that
hangs on them (``cdp.records.purge``). What the tax retention rule requires
keeping (purchases within their retention period) stays as bare facts (date,
amount, currency) on a restricted profile, its details unreadable.

An erasure on request puts the person's identifiers on the suppression list
(``cdp.suppression``), so a later import of them is held back; a retention
run does not, since the person may come back of their own accord.
``replay`` repeats all erasures on a store restored from an older backup, and
``finish_interrupted`` one whose keys went but whose COMMIT did not happen.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, select

from cdp import audit, records, suppression
from cdp.errors import N_, NotFound
from cdp.store.database import Store
from cdp.store.schema import interaction, source_record


@dataclass(frozen=True)
class Erased:
    """What one erasure did."""

    records: int
    interactions: int
    purchases_kept: int
    identifiers_suppressed: int
    profile_kept_restricted: bool


def erase_profile(store: Store, profile_id: int, actor: str, **options) -> Erased:
    """Erase one profile in a unit of work of its own; ``options`` as ``purge_profile`` takes them."""
    with store.write() as tx:
        return purge_profile(store, tx, profile_id, actor, **options)


def purge_profile(
    store: Store,
    tx: Connection,
    profile_id: int,
    actor: str,
    *,
    keep_purchases_since: str | None,
    request_id: int | None = None,
    suppress: bool = True,
) -> Erased:
    """Erase one profile inside the unit of work ``tx``; purchases from ``keep_purchases_since``
    (ISO date) on stay as restricted facts. Its data keys are destroyed as that unit commits.

    ``suppress`` puts the identifiers on the suppression list (an erasure on
    request); a retention run deletes without it.
    """
    rows = tx.execute(
        select(source_record.c.id, source_record.c.key_id).where(source_record.c.profile_id == profile_id)
    ).all()
    if not rows:
        raise NotFound(N_("There is no profile {profile_id}."), profile_id=profile_id)
    erased = _purge(tx, [row.id for row in rows], keep_purchases_since, request_id, suppress)
    audit.record(tx, actor, "erasure", "profile", profile_id, {**erased.__dict__, "request": request_id})
    store.destroy_at_commit(tx, (bytes(row.key_id) for row in rows))
    return erased


def replay(store: Store, actor: str, keep_purchases_since: str | None) -> int:
    """Purge every record whose key was destroyed (after a restore); returns how many."""
    destroyed = store.personal.destroyed_keys()
    with store.write() as tx:
        ids = [
            row.id
            for row in tx.execute(select(source_record.c.id, source_record.c.key_id))
            if bytes(row.key_id) in destroyed and not records.is_held(tx, row.id)
        ]
        if ids:
            erased = _purge(tx, ids, keep_purchases_since, None, True)
            audit.record(tx, actor, "erasure.replay", None, None, erased.__dict__)
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


def _purge(tx: Connection, record_ids: list[int], cutoff: str | None, request_id: int | None, suppress: bool) -> Erased:
    suppressed = suppression.suppress_records(tx, record_ids, request_id) if suppress else 0
    held = _kept_purchases(tx, record_ids, cutoff)
    removed, kept_profile = records.purge(tx, record_ids, held)
    kept = sum(len(ids) for ids in held.values())
    return Erased(len(record_ids), removed, kept, suppressed, kept_profile)


def _kept_purchases(tx: Connection, record_ids: list[int], cutoff: str | None) -> dict[int, list[int]]:
    """The purchases from ``cutoff`` on that the tax rule keeps, by record."""
    if cutoff is None:
        return {}
    held: dict[int, list[int]] = {}
    query = select(interaction.c.source_record_id, interaction.c.id).where(
        interaction.c.source_record_id.in_(record_ids),
        interaction.c.kind == "purchase",
        interaction.c.occurred_at >= cutoff,
    )
    for row in tx.execute(query):
        held.setdefault(row.source_record_id, []).append(row.id)
    return held
