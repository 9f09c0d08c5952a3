"""SQL of the consent area: consent events, requests, suppression, retention rules.

Every function runs inside the caller's unit of work: it takes ``tx``, the
connection of a ``store.read()`` or ``store.write()`` that the use case
(``consent.dsr``, ``ledger``, ``imports``, ``retention``, ``segments``) opened.
Nothing here opens a unit or a connection of its own. The ``Store`` is taken
only where personal values are sealed or opened with ``store.personal``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date

from sqlalchemy import Connection, Select, delete, func, insert, select, update

from cdp import audit
from cdp.clock import now
from cdp.errors import N_, NotFound
from cdp.store.database import Store, next_id
from cdp.store.personal import Place
from cdp.store.schema import (
    audit_log,
    consent_event,
    consent_state,
    dsr_request,
    dsr_subject,
    identifier,
    interaction,
    profile,
    retention_rule,
    source_record,
)
from cdp.store.sql import in_chunks


def anchor_record(tx: Connection, profile_id: int) -> int | None:
    """The profile's first source record, which carries consent set on the profile as a whole."""
    return tx.execute(select(func.min(source_record.c.id)).where(source_record.c.profile_id == profile_id)).scalar()


def _key_ids(tx: Connection, record_ids: Iterable[int]) -> dict[int, bytes]:
    found: dict[int, bytes] = {}
    for chunk in in_chunks(record_ids):
        rows = tx.execute(select(source_record.c.id, source_record.c.key_id).where(source_record.c.id.in_(chunk)))
        found.update({row.id: bytes(row.key_id) for row in rows})
    return found


def add_events(store: Store, tx: Connection, rows: list[tuple], actor: str) -> list[int]:
    """Append events, each ``(record id, purpose, channel, action, basis, origin, effective_at, proof)``, at once.

    ``tx`` must be a write unit: the ids follow the highest one under its write lock.
    """
    stamp = now()
    ids = []
    keys = _key_ids(tx, [row[0] for row in rows])
    event_id = next_id(tx, consent_event)
    for record_id, purpose, channel, action, basis, origin, effective_at, proof in rows:
        sealed = store.personal.seal(keys[record_id], Place("consent_event", "proof", event_id), proof)
        tx.execute(
            insert(consent_event).values(
                id=event_id, source_record_id=record_id, purpose=purpose, channel=channel, action=action,
                legal_basis=basis, origin=origin, effective_at=effective_at or stamp, recorded_at=stamp,
                actor=actor, proof=sealed,
            )
        )  # fmt: skip
        audit.record(
            tx, actor, f"consent.{action}", "source_record", record_id,
            {"purpose": purpose, "channel": channel, "basis": basis, "origin": origin},
        )  # fmt: skip
        ids.append(event_id)
        event_id += 1
    return ids


def records_with_email(tx: Connection, digests: list[bytes]) -> dict[bytes, list[int]]:
    """The source records holding each email (by its keyed hash)."""
    found: dict[bytes, list[int]] = {}
    for chunk in in_chunks(digests):
        rows = tx.execute(
            select(identifier.c.digest, identifier.c.source_record_id).where(
                identifier.c.kind == "email", identifier.c.digest.in_(chunk)
            )
        )
        for digest, record_id in rows:
            found.setdefault(bytes(digest), []).append(record_id)
    return found


def new_events_only(tx: Connection, events: list[tuple]) -> list[tuple]:
    """The events not yet in the ledger (same record, purpose, channel, action and time)."""
    known = {
        tuple(row)
        for row in tx.execute(
            select(
                consent_event.c.source_record_id,
                consent_event.c.purpose,
                consent_event.c.channel,
                consent_event.c.action,
                consent_event.c.effective_at,
            )
        )
    }
    fresh, seen = [], set()
    for event in events:
        key = (event[0], event[1], event[2], event[3], event[6])
        if key not in known and key not in seen:
            seen.add(key)
            fresh.append(event)
    return fresh


def events_of_profile(store: Store, tx: Connection, profile_id: int) -> list[dict]:
    rows = tx.execute(
        select(consent_event, source_record.c.key_id)
        .join(source_record, source_record.c.id == consent_event.c.source_record_id)
        .where(source_record.c.profile_id == profile_id)
        .order_by(consent_event.c.effective_at, consent_event.c.id)
    ).all()
    return _events(store, rows)


def events_of_records(store: Store, tx: Connection, record_ids: Iterable[int]) -> list[dict]:
    """Every event on these source records, oldest first (by when it took effect), proofs opened."""
    query = select(consent_event, source_record.c.key_id).join(
        source_record, source_record.c.id == consent_event.c.source_record_id
    )
    rows = [row for chunk in in_chunks(record_ids) for row in tx.execute(query.where(source_record.c.id.in_(chunk)))]
    rows.sort(key=lambda row: (row.effective_at, row.id))
    return _events(store, rows)


def _events(store: Store, rows: list) -> list[dict]:
    return [
        {
            "id": row.id,
            "record_id": row.source_record_id,
            "purpose": row.purpose,
            "channel": row.channel,
            "action": row.action,
            "legal_basis": row.legal_basis,
            "origin": row.origin,
            "effective_at": row.effective_at,
            "recorded_at": row.recorded_at,
            "actor": row.actor,
            "proof": store.personal.open(bytes(row.key_id), Place("consent_event", "proof", row.id), bytes(row.proof))
            or {},
        }
        for row in rows
    ]


def latest_actions(tx: Connection, purpose: str, channel: str) -> dict[int, str]:
    """Per profile, the action of its latest event for this purpose and channel (``consent_state``, which the
    store's triggers keep from the ledger)."""
    state = consent_state.c
    rows = tx.execute(select(state.profile_id, state.action).where(state.purpose == purpose, state.channel == channel))
    return dict(rows.all())


def consent_profiles(purpose: str, channel: str, action: str) -> Select:
    """``SELECT profile_id`` of the profiles whose latest event for this purpose and channel is ``action``
    (as ``latest_actions`` reads it), for other areas to use as a subquery (a segment's consent condition)."""
    state = consent_state.c
    return select(state.profile_id).where(state.purpose == purpose, state.channel == channel, state.action == action)


def profile_ids(tx: Connection) -> list[int]:
    return list(tx.execute(select(profile.c.id).order_by(profile.c.id)).scalars())


def restricted_profiles(tx: Connection) -> set[int]:
    return set(tx.execute(select(profile.c.id).where(profile.c.status == "restricted")).scalars())


# Data-subject requests.


def add_request(
    store: Store, tx: Connection, kind: str, requester: dict, received_on: date, due_on: date, actor: str
) -> int:
    """A new request (``tx`` a write unit); the requester's details are sealed with a key of the request's own."""
    key_id = store.new_keys(tx, 1)[0]
    request_id = next_id(tx, dsr_request)
    tx.execute(
        insert(dsr_request).values(
            id=request_id, kind=kind, received_on=received_on.isoformat(), due_on=due_on.isoformat(),
            key_id=key_id, opened_by=actor,
            requester=store.personal.seal(key_id, Place("dsr_request", "requester", request_id), requester),
        )
    )  # fmt: skip
    audit.record(tx, actor, "dsr.opened", "dsr_request", request_id, {"kind": kind})
    return request_id


def _request(store: Store, row, subjects: list[int]) -> dict:
    requester = store.personal.open(bytes(row.key_id), Place("dsr_request", "requester", row.id), bytes(row.requester))
    return {
        "id": row.id,
        "kind": row.kind,
        "received_on": date.fromisoformat(row.received_on),
        "due_on": date.fromisoformat(row.due_on),
        "extension_reason": row.extension_reason,
        "status": row.status,
        "requester": requester or {},
        "verified_how": row.verified_how,
        "verified_by": row.verified_by,
        "verified_at": row.verified_at,
        "opened_by": row.opened_by,
        "closed_at": row.closed_at,
        "outcome": row.outcome,
        "subjects": subjects,
    }


def request(store: Store, tx: Connection, request_id: int) -> dict:
    row = tx.execute(select(dsr_request).where(dsr_request.c.id == request_id)).first()
    if row is None:
        raise NotFound(N_("There is no request {request_id}."), request_id=request_id)
    subjects = tx.execute(
        select(dsr_subject.c.profile_id)
        .where(dsr_subject.c.request_id == request_id)
        .order_by(dsr_subject.c.profile_id)
    ).scalars()
    return _request(store, row, list(subjects))


def requests(store: Store, tx: Connection, include_closed: bool) -> list[dict]:
    query = select(dsr_request)
    if not include_closed:
        query = query.where(dsr_request.c.status == "open")
    rows = tx.execute(query).all()
    subjects: dict[int, list[int]] = {}
    for request_id, profile_id in tx.execute(select(dsr_subject.c.request_id, dsr_subject.c.profile_id)):
        subjects.setdefault(request_id, []).append(profile_id)
    return [_request(store, row, sorted(subjects.get(row.id, []))) for row in rows]


def _change(tx: Connection, request_id: int, actor: str, action: str, details: dict | None = None, **values) -> None:
    tx.execute(update(dsr_request).where(dsr_request.c.id == request_id).values(**values))
    audit.record(tx, actor, action, "dsr_request", request_id, details)


def add_subject(tx: Connection, request_id: int, profile_id: int, actor: str) -> None:
    tx.execute(
        insert(dsr_subject)
        .prefix_with("OR IGNORE")
        .values(request_id=request_id, profile_id=profile_id, confirmed_by=actor, confirmed_at=now())
    )
    audit.record(tx, actor, "dsr.subject_confirmed", "dsr_request", request_id, {"profile": profile_id})


def set_verified(tx: Connection, request_id: int, how: str, actor: str) -> None:
    _change(tx, request_id, actor, "dsr.verified", {"how": how}, verified_how=how, verified_by=actor, verified_at=now())


def set_extension(tx: Connection, request_id: int, due_on: date, reason: str, actor: str) -> None:
    _change(tx, request_id, actor, "dsr.extended", {"due_on": due_on.isoformat()}, due_on=due_on.isoformat(),
            extension_reason=reason)  # fmt: skip


def close_request(tx: Connection, request_id: int, outcome: str, actor: str) -> None:
    values = {"status": "closed", "closed_at": now(), "outcome": outcome}
    tx.execute(update(dsr_request).where(dsr_request.c.id == request_id).values(**values))
    audit.record(tx, actor, "dsr.closed", "dsr_request", request_id, None)


def profile_exists(tx: Connection, profile_id: int) -> bool:
    return tx.execute(select(profile.c.id).where(profile.c.id == profile_id)).first() is not None


def audit_export(tx: Connection, actor: str, details: dict) -> None:
    audit.record(tx, actor, "export", "segment", None, details)


def audit_request(tx: Connection, request_id: int, actor: str, action: str) -> None:
    audit.record(tx, actor, action, "dsr_request", request_id)


def audit_of_request(tx: Connection, request_id: int, profile_ids: list[int]) -> list[dict]:
    """Audit entries about the request, and those about its profiles that name it."""
    rows = tx.execute(
        select(audit_log)
        .where(
            ((audit_log.c.object_type == "dsr_request") & (audit_log.c.object_id == str(request_id)))
            | (
                (audit_log.c.object_type == "profile")
                & audit_log.c.object_id.in_([str(profile_id) for profile_id in profile_ids])
                & audit_log.c.details.contains(f'"request":{request_id}')
            )
        )
        .order_by(audit_log.c.id)
    ).all()
    return [
        {
            "entry": row.id,
            "at": row.at,
            "actor": row.actor,
            "action": row.action,
            "object": f"{row.object_type} {row.object_id}",
            "details": json.loads(row.details),
            "hash": row.hash,
        }
        for row in rows
    ]


def forget_requesters(store: Store, tx: Connection, profile_ids: list[int], actor: str) -> None:
    """Destroy the requester details of every request about these profiles (the keys go at commit of ``tx``)."""
    rows = tx.execute(
        select(dsr_request.c.id, dsr_request.c.key_id)
        .join(dsr_subject, dsr_subject.c.request_id == dsr_request.c.id)
        .where(dsr_subject.c.profile_id.in_(profile_ids))
        .distinct()
    ).all()
    for row in rows:
        tx.execute(update(dsr_request).where(dsr_request.c.id == row.id).values(requester=b""))
        audit.record(tx, actor, "dsr.requester_erased", "dsr_request", row.id)
    store.destroy_at_commit(tx, (bytes(row.key_id) for row in rows))


def set_restricted(tx: Connection, profile_id: int, restricted: bool, actor: str, request_id: int | None) -> None:
    status = "restricted" if restricted else "active"
    changed = tx.execute(
        update(profile).where(profile.c.id == profile_id).values(status=status, updated_at=now())
    ).rowcount
    if not changed:
        raise NotFound(N_("There is no profile {profile_id}."), profile_id=profile_id)
    audit.record(tx, actor, f"profile.{status}", "profile", profile_id, {"request": request_id})


# Retention.

KINDS_OF = {"purchases": ("purchase",), "support_tickets": ("ticket",), "messages_and_posts": ("message", "post")}


def retention_rules(tx: Connection) -> list[dict]:
    rows = tx.execute(select(retention_rule.c.category, retention_rule.c.months, retention_rule.c.legal_reason))
    return [dict(row._mapping) for row in rows]


def set_retention_rule(tx: Connection, category: str, months: int, legal_reason: str, actor: str) -> None:
    tx.execute(delete(retention_rule).where(retention_rule.c.category == category))
    tx.execute(
        insert(retention_rule).values(
            category=category, months=months, legal_reason=legal_reason, updated_by=actor, updated_at=now()
        )
    )
    audit.record(tx, actor, "retention.rule", "retention_rule", category, {"months": months})


def old_interactions(tx: Connection, category: str, before: str, among: list[int] | None = None) -> list[int]:
    """Interactions of ``category`` older than ``before``; support tickets count from the profile's last contact.

    With ``among``, only those of these interactions that are still due.
    """
    query = select(interaction.c.id).where(interaction.c.kind.in_(KINDS_OF[category]))
    if category == "support_tickets":
        idle = (
            select(interaction.c.profile_id)
            .group_by(interaction.c.profile_id)
            .having(func.max(interaction.c.occurred_at) < before)
        )
        query = query.where(interaction.c.profile_id.in_(idle))
    else:
        query = query.where(interaction.c.occurred_at < before)
    if among is not None:
        query = query.where(interaction.c.id.in_(among))
    return list(tx.execute(query.order_by(interaction.c.id)).scalars())


def idle_prospects(tx: Connection, before: str, among: list[int] | None = None) -> list[int]:
    """Active profiles created before ``before`` that never bought and never granted consent.

    With ``among``, only those of these profiles that still are.
    """
    bought = select(interaction.c.profile_id).where(interaction.c.kind == "purchase")
    consented = (
        select(source_record.c.profile_id)
        .join(consent_event, consent_event.c.source_record_id == source_record.c.id)
        .where(consent_event.c.action == "granted")
    )
    query = select(profile.c.id).where(
        profile.c.created_at < before,
        profile.c.status == "active",
        profile.c.id.not_in(bought),
        profile.c.id.not_in(consented),
    )
    if among is not None:
        query = query.where(profile.c.id.in_(among))
    return list(tx.execute(query.order_by(profile.c.id)).scalars())


def delete_interactions(tx: Connection, ids: list[int], category: str, actor: str) -> int:
    """Delete these interactions and audit how many went; returns that count."""
    gone = tx.execute(delete(interaction).where(interaction.c.id.in_(ids))).rowcount
    audit.record(tx, actor, "retention.deleted", "interaction", None, {"category": category, "count": gone})
    return gone
