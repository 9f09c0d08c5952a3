"""Consent as it stands, kept by the store's triggers, always equals the ledger ranked afresh: through grants
and withdrawals in any order of their times, joins, splits, undo and erasure."""

from __future__ import annotations

import random

from sqlalchemy import func, select

from cdp.ingest.pipeline import import_data
from cdp.records import records
from cdp.store.database import Store
from cdp.store.schema import consent_event, consent_state, source_record
from consent import erasure, ledger
from identity import corrections
from identity.resolve import resolve_new
from kundenbild import bootstrap

MOVED = bootstrap.wiring().records_moved
CONTACTS = "ID;Vorname;Nachname;E-Mail\n" + "".join(f"C{n};Vorname{n};Name{n};c{n}@example.org\n" for n in range(8))


def ranked_afresh(store: Store) -> dict[tuple[int, str, str], str]:
    """The latest event per profile, purpose and channel, read from the ledger itself."""
    rank = func.row_number().over(
        partition_by=(source_record.c.profile_id, consent_event.c.purpose, consent_event.c.channel),
        order_by=(consent_event.c.effective_at.desc(), consent_event.c.id.desc()),
    )
    ranked = (
        select(source_record.c.profile_id, consent_event.c.purpose, consent_event.c.channel, consent_event.c.action,
               rank.label("rank"))
        .join(source_record, source_record.c.id == consent_event.c.source_record_id)
        .subquery()
    )  # fmt: skip
    with store.read() as tx:
        rows = tx.execute(select(ranked).where(ranked.c.rank == 1)).all()
    return {(row.profile_id, row.purpose, row.channel): row.action for row in rows}


def kept(store: Store) -> dict[tuple[int, str, str], str]:
    with store.read() as tx:
        return {(row.profile_id, row.purpose, row.channel): row.action for row in tx.execute(select(consent_state))}


def test_the_kept_state_follows_the_ledger_through_every_change(store: Store) -> None:
    import_data(store, "k.csv", CONTACTS.encode(), "shop", after_import=resolve_new)
    with store.read() as tx:
        people = sorted({record.profile_id for record in records(tx, store.personal).values()})
    draw = random.Random(5)
    for _ in range(40):  # events whose effective times arrive out of order
        person, channel = draw.choice(people), draw.choice(("email", "post"))
        action = draw.choice(("granted", "withdrawn"))
        ledger.record(store, person, "newsletter", channel, action, actor="t", origin="import",
                      proof={}, effective_at=f"2026-0{draw.randint(1, 9)}-1{draw.randint(0, 9)}T10:00:00")  # fmt: skip
    assert kept(store) == ranked_afresh(store) and kept(store)
    joined = corrections.join_profiles(store, people[0], people[1], "sales", MOVED)
    assert kept(store) == ranked_afresh(store)
    corrections.undo(store, joined.event_id, "sales", MOVED)
    assert kept(store) == ranked_afresh(store)
    erasure.erase_profile(store, people[2], "dpo", keep_purchases_since=None)
    assert kept(store) == ranked_afresh(store)
    assert not any(profile_id == people[2] for profile_id, _, _ in kept(store))
