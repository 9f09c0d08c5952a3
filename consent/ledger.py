"""The consent ledger: every grant and withdrawal, and what it allows now.

Events are only ever added; the current state of a person's consent for a
purpose and channel is the latest event for it (by when it took effect). An
event names its legal basis: ``consent`` needs a grant from the person;
``contract``, ``legitimate_interest`` and ``legal_obligation`` are recorded
as granted by staff with their reason, and an objection withdraws them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Connection

from cdp import config
from cdp.errors import N_, InvalidValue, NotFound
from cdp.records import current_profiles
from cdp.store.database import Store
from consent import repository

MARKETING = ("newsletter", "personalised_offers", "sales_contact")  # what an objection to direct marketing stops
CHANNELS = ("email", "phone", "sms", "post", "social")
BASES = ("consent", "contract", "legitimate_interest", "legal_obligation")
ACTIONS = ("granted", "withdrawn")


def purposes() -> tuple[str, ...]:
    """The purposes this installation records consent for (``CDP_PURPOSES``)."""
    return config.purposes()


@dataclass(frozen=True)
class Event:
    """One grant or withdrawal, with its proof (form, text version, double-opt-in time, reason)."""

    id: int
    record_id: int
    purpose: str
    channel: str
    action: str
    legal_basis: str
    origin: str
    effective_at: str
    recorded_at: str
    actor: str
    proof: dict = field(default_factory=dict)


def check(purpose: str, channel: str, action: str, basis: str) -> None:
    """Raise ``InvalidValue`` naming the first value outside the known ones."""
    for name, value, known in (
        ("purpose", purpose, purposes()),
        ("channel", channel, CHANNELS),
        ("action", action, ACTIONS),
        ("legal_basis", basis, BASES),
    ):
        if value not in known:
            raise InvalidValue(name, N_("expected one of {choices}"), choices=", ".join(known))


def record(
    store: Store,
    profile_id: int,
    purpose: str,
    channel: str,
    action: str,
    *,
    actor: str,
    origin: str,
    basis: str = "consent",
    proof: dict | None = None,
    effective_at: str | None = None,
) -> int:
    """Add one event for a profile (on its first source record) and audit it; returns the event id.

    One unit of work: the record the event goes on is found under the same
    write lock that adds it, so it cannot be moved or erased in between.
    """
    check(purpose, channel, action, basis)
    with store.write() as tx:
        anchor = _anchor(tx, profile_id)
        event = (anchor, purpose, channel, action, basis, origin, effective_at, proof or {})
        return repository.add_events(store, tx, [event], actor)[0]


def _anchor(tx: Connection, profile_id: int) -> int:
    anchor = repository.anchor_record(tx, profile_id)
    if anchor is None:
        raise NotFound(N_("There is no profile {profile_id}."), profile_id=profile_id)
    return anchor


def history(store: Store, profile_id: int) -> list[Event]:
    """Every event of the profile's records, oldest first."""
    with store.read() as tx:
        return [Event(**row) for row in repository.events_of_profile(store, tx, profile_id)]


def current(events: list[Event]) -> dict[tuple[str, str], Event]:
    """The latest event per (purpose, channel)."""
    state: dict[tuple[str, str], Event] = {}
    for event in sorted(events, key=lambda event: (event.effective_at, event.id)):
        state[(event.purpose, event.channel)] = event
    return state


def object_to_marketing(store: Store, tx: Connection, profile_id: int, actor: str, origin: str = "objection") -> int:
    """Art. 21(2): stop direct marketing at once, on every channel; returns how many events were added.

    A step of the caller's write unit ``tx`` (the request's, in ``consent.dsr.object_to_marketing``).
    """
    anchor = _anchor(tx, profile_id)
    rows = [
        (anchor, purpose, channel, "withdrawn", "consent", origin, None, {"reason": "objection to direct marketing"})
        for purpose in MARKETING
        if purpose in purposes()
        for channel in CHANNELS
    ]
    return len(repository.add_events(store, tx, rows, actor))


CARRIED = "carried_over"  # the origin of a withdrawal copied onto records that left the profile it was in force on


def keep_withdrawals(store: Store, tx: Connection, was_in: dict[int, int], actor: str, since: str | None = None) -> int:
    """After records moved between profiles, keep each part of a former profile under every withdrawal and
    objection in force on the whole of it; returns how many withdrawals were carried over.

    ``was_in`` gives the profile each record of the profiles concerned was in before the move (called by
    ``identity.corrections`` inside its unit of work ``tx``, as wired by ``kundenbild.bootstrap``). A
    withdrawal on one record applies to the whole person, and events hang on records: a record split off
    would leave it behind, the records staying would lose one recorded on the record that left. So where a
    former profile's records now lie in several profiles, each part lacking a withdrawal in force gets a
    copy on its first record, in force since the same time, its origin ``carried_over`` and its proof
    naming the event copied: the safe side. With ``since`` (an undo, putting back profiles as they were),
    only withdrawals recorded from that time on are carried; the earlier ones are where they were then.
    """
    events = [Event(**row) for row in repository.events_of_records(store, tx, was_in)]
    if not any(event.action == "withdrawn" for event in events):
        return 0
    now_in = current_profiles(tx, list(was_in))
    parts: dict[int, dict[int, list[int]]] = {}
    for record_id, profile_id in sorted(was_in.items()):
        parts.setdefault(profile_id, {}).setdefault(now_in[record_id], []).append(record_id)
    rows = [
        row
        for profile_id, divided in parts.items()
        if len(divided) > 1
        for row in _carried(events, profile_id, was_in, list(divided.values()), since)
    ]
    return len(repository.add_events(store, tx, rows, actor)) if rows else 0


def _carried(events: list[Event], profile_id: int, was_in: dict[int, int], parts: list[list[int]], since: str | None):
    """The copies each part of a divided profile needs of the withdrawals in force on the whole of it."""
    in_force = [
        event
        for event in current([event for event in events if was_in[event.record_id] == profile_id]).values()
        if event.action == "withdrawn" and (since is None or event.recorded_at >= since)
    ]
    for part in parts:
        own = current([event for event in events if event.record_id in part])
        for event in in_force:
            held = own.get((event.purpose, event.channel))
            if held is None or held.action != "withdrawn":
                proof = {"reason": "carried over when the record left the profile", "carried_from": event.id,
                         "profile": profile_id}  # fmt: skip
                yield (min(part), event.purpose, event.channel, "withdrawn", event.legal_basis, CARRIED,
                       event.effective_at, proof)  # fmt: skip


@dataclass(frozen=True)
class Audience:
    """Who may be processed for a purpose and channel, and who was left out and why."""

    included: list[int]
    left_out: dict[str, int]

    def describe(self) -> str:
        reasons = ", ".join(f"{count} {reason}" for reason, count in sorted(self.left_out.items()) if count)
        return f"{len(self.included)} included; left out: {reasons or 'none'}"


def audience(store: Store, profile_ids: list[int] | None, purpose: str, channel: str) -> Audience:
    """The gate every export, campaign audience and API read goes through.

    A profile is included only if its latest event for this purpose and
    channel grants it and processing is not restricted. Its three reads share
    one read unit, so that they agree with each other.
    """
    check(purpose, channel, "granted", "consent")
    with store.read() as tx:
        candidates = repository.profile_ids(tx) if profile_ids is None else list(dict.fromkeys(profile_ids))
        latest = repository.latest_actions(tx, purpose, channel)
        restricted = repository.restricted_profiles(tx)
    included: list[int] = []
    left_out = {"restricted": 0, "withdrawn": 0, "no consent": 0}
    for profile_id in candidates:
        action = latest.get(profile_id)
        if profile_id in restricted:
            left_out["restricted"] += 1
        elif action == "withdrawn":
            left_out["withdrawn"] += 1
        elif action != "granted":
            left_out["no consent"] += 1
        else:
            included.append(profile_id)
    return Audience(included, left_out)
