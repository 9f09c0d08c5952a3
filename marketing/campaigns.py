"""Snapshots and campaigns: who is written to, who is held back to compare with, and what it brought in.

A snapshot freezes the people a segment selects at one moment. When it is taken, a random share of them
(``HOLDOUT_SHARE``, 10 % unless chosen otherwise) is drawn into a holdout that is never written to; the draw
is kept with each member and never made again. Before the snapshot is frozen, staff look through it and take
people out by hand; they stay on it, as taken out, with who and when. A campaign works on a frozen snapshot
for one purpose and one channel: its recipients are the members outside the holdout whom the consent gate
lets through (``consent.ledger.audience``) for exactly that purpose and channel, and the holdout it is
compared with passes the same gate, so that both groups are alike but for the message.

What a campaign brought in is measured two ways. Attribution credits purchases after a touch and within a
window (30 days unless chosen) to the campaigns that touched the person before, by one of three models: the
last touch, the first touch, or shared equally (linear). Uplift compares the recipients with the holdout over
the same window: the share who bought and the revenue per person, with the difference and its 95 %
confidence interval (``marketing.statistics``), and from it the return on what the campaign cost. Only uplift
says what the campaign caused; attribution says where purchases came after. Who opened, clicked, replied,
unsubscribed or bounced comes from the mail tool's report (``marketing.responses``).
"""

from __future__ import annotations

import json
import random
import secrets
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from cdp import audit
from cdp.clock import now
from cdp.errors import N_, InvalidValue
from cdp.profiles import unified as profiles
from cdp.store.database import Store
from consent import ledger
from consent.segments import ADDRESS_OF
from marketing import letters, statistics
from marketing import store as marketing_store
from marketing.customers import context
from marketing.segments import Group, members
from marketing.store import Campaign, Member, Snapshot

HOLDOUT_SHARE = 0.10
WINDOW_DAYS = 30
MODELS = ("last_touch", "first_touch", "linear")
PREVIEW = 5


class NotFrozen(InvalidValue):
    """A campaign on a snapshot still under review, or a change to a frozen one."""

    http_status = 409


# Snapshots.


def take_snapshot(
    store: Store, name: str, group: Group, actor: str, segment: tuple[int, int] | None = None,
    holdout_share: float = HOLDOUT_SHARE,
) -> int:  # fmt: skip
    """Freeze the people ``group`` selects now (restricted ones never) as a list to review, with its holdout
    drawn; ``segment`` is the saved segment and version it came from. Audited; returns its id."""
    name = " ".join(name.split())
    if not 0 < len(name) <= 80:
        raise InvalidValue("name", N_("give the snapshot a name of 1 to 80 characters"))
    if not 0 <= holdout_share <= 0.5:
        raise InvalidValue("holdout_share", N_("expected a share of the holdout from 0 to 50 %"))
    draw = random.Random(secrets.token_bytes(16))
    with store.write() as tx:
        ids = marketing_store.member_ids(tx, members(group, context(store, tx)))
        anchored = marketing_store.anchors(tx, ids)
        chosen = [(anchored[profile_id], draw.random() < holdout_share) for profile_id in ids]
        values = {"name": name, "segment_id": segment[0] if segment else None,
                  "segment_version": segment[1] if segment else None,
                  "definition": json.dumps(group.as_data(), sort_keys=True), "holdout_share": holdout_share,
                  "taken_by": actor, "taken_at": now()}  # fmt: skip
        snapshot_id = marketing_store.add_snapshot(tx, values, chosen)
        audit.record(tx, actor, "snapshot.taken", "snapshot", snapshot_id,
                     {"members": len(chosen), "holdout": sum(held for _, held in chosen)})  # fmt: skip
    return snapshot_id


@dataclass(frozen=True)
class SnapshotView:
    snapshot: Snapshot
    members: list[Member]

    @property
    def frozen(self) -> bool:
        return self.snapshot.frozen_at is not None

    @property
    def treatment(self) -> list[Member]:
        return [member for member in self.members if not member.holdout and member.excluded_at is None]

    @property
    def holdout(self) -> list[Member]:
        return [member for member in self.members if member.holdout and member.excluded_at is None]

    @property
    def excluded(self) -> list[Member]:
        return [member for member in self.members if member.excluded_at is not None]

    def detectable(self, base_rate: float = 0.05) -> float | None:
        """The smallest difference in the share who buy this snapshot can detect (80 % power, 5 % level), for
        a base rate of buying; ``None`` while either group is empty."""
        if not self.treatment or not self.holdout:
            return None
        return statistics.minimum_detectable_effect(len(self.treatment), len(self.holdout), base_rate)


def snapshot_view(store: Store, snapshot_id: int) -> SnapshotView:
    with store.read() as tx:
        return SnapshotView(marketing_store.load_snapshot(tx, snapshot_id), marketing_store.members(tx, snapshot_id))


def snapshots(store: Store) -> list[Snapshot]:
    """Every snapshot, the newest first."""
    with store.read() as tx:
        return marketing_store.snapshots(tx)


def every(store: Store) -> list[Campaign]:
    """Every campaign, the newest first."""
    with store.read() as tx:
        return marketing_store.campaigns(tx)


def take_out(store: Store, snapshot_id: int, anchor: int, actor: str, back: bool = False) -> None:
    """Take a member out of a snapshot under review (or put them back, ``back``); audited."""
    with store.write() as tx:
        if marketing_store.load_snapshot(tx, snapshot_id).frozen_at is not None:
            raise NotFrozen("snapshot", N_("the snapshot is frozen; nobody can be taken out of it any more"))
        by, at = (None, None) if back else (actor, now())
        changed = marketing_store.set_excluded(tx, snapshot_id, anchor, by, at)
        if not changed:
            raise InvalidValue("member", N_("this person is not on the snapshot"))
        audit.record(tx, actor, "snapshot.put_back" if back else "snapshot.taken_out", "snapshot", snapshot_id,
                     {"anchor": anchor})  # fmt: skip


def freeze(store: Store, snapshot_id: int, actor: str) -> None:
    """Freeze a snapshot: from now on it is the list a campaign works on, as it is. Audited."""
    with store.write() as tx:
        if marketing_store.load_snapshot(tx, snapshot_id).frozen_at is not None:
            raise NotFrozen("snapshot", N_("the snapshot is frozen already"))
        marketing_store.freeze(tx, snapshot_id, actor)
        audit.record(tx, actor, "snapshot.frozen", "snapshot", snapshot_id)


# Campaigns.


def create_campaign(store: Store, name: str, snapshot_id: int, purpose: str, channel: str, actor: str) -> int:
    """A campaign on a frozen snapshot for one purpose and one channel; audited. Returns its id."""
    name = " ".join(name.split())
    if not 0 < len(name) <= 80:
        raise InvalidValue("name", N_("give the campaign a name of 1 to 80 characters"))
    ledger.check(purpose, channel, "granted", "consent")
    with store.write() as tx:
        if marketing_store.load_snapshot(tx, snapshot_id).frozen_at is None:
            raise NotFrozen("snapshot", N_("freeze the snapshot before a campaign works on it"))
        values = {"name": name, "snapshot_id": snapshot_id, "purpose": purpose, "channel": channel,
                  "created_by": actor, "created_at": now()}  # fmt: skip
        campaign_id = marketing_store.add_campaign(tx, values)
        audit.record(tx, actor, "campaign.created", "campaign", campaign_id, {"purpose": purpose, "channel": channel})
    return campaign_id


def load(store: Store, campaign_id: int) -> Campaign:
    with store.read() as tx:
        return marketing_store.load_campaign(tx, campaign_id)


def save_message(store: Store, campaign_id: int, message: dict[str, str], cost: float, actor: str) -> None:
    """The campaign's subjects and bodies in German and English, and what it cost (in the currency's units)."""
    if not 0 <= cost <= 10**9:
        raise InvalidValue("cost", N_("expected an amount of 0 or more"))
    values = {key: message.get(key, "")[:20000] for key in ("subject_de", "body_de", "subject_en", "body_en")}
    with store.write() as tx:
        marketing_store.load_campaign(tx, campaign_id)
        marketing_store.update_campaign(tx, campaign_id, {**values, "cost_minor": round(cost * 100)})
        audit.record(tx, actor, "campaign.message", "campaign", campaign_id)


@dataclass(frozen=True)
class Audience:
    """Who a campaign writes to and who it is compared with, both through the consent gate."""

    recipients: list[int]
    holdout: list[int]
    left_out: dict[str, int]


def audience(store: Store, campaign_id: int) -> Audience:
    """The campaign's recipients (the snapshot's members outside the holdout, not taken out) and its holdout,
    each as the consent gate lets them through for the campaign's purpose and channel."""
    with store.read() as tx:
        found = marketing_store.load_campaign(tx, campaign_id)
        listed = marketing_store.members(tx, found.snapshot_id)
    treated = sorted({member.profile_id for member in listed if not member.holdout and member.excluded_at is None})
    held = sorted({member.profile_id for member in listed if member.holdout and member.excluded_at is None})
    gate = ledger.audience(store, treated, found.purpose, found.channel)
    held_gate = ledger.audience(store, held, found.purpose, found.channel)
    return Audience(gate.included, held_gate.included, gate.left_out)


def _templates(found: Campaign) -> dict[str, tuple[str, str]]:
    return {"de": (found.subject_de, found.body_de), "en": (found.subject_en, found.body_en)}


def preview(store: Store, campaign_id: int, count: int = PREVIEW) -> list[letters.Letter]:
    """The message as the first ``count`` real recipients will read it."""
    found = load(store, campaign_id)
    chosen = audience(store, campaign_id).recipients[:count]
    return [letters.letter(person, _templates(found), date.today()) for person in profiles.load_many(store, chosen)]


def export(store: Store, campaign_id: int, actor: str) -> tuple[list[dict], Audience]:
    """One row per recipient with their address for the channel and their message, for the business's mail or
    print tool; the first export marks the campaign sent (the touch attribution counts from). Audited."""
    found = load(store, campaign_id)
    chosen = audience(store, campaign_id)
    rows = []
    for person in profiles.load_many(store, chosen.recipients):
        address = {name: person.value(name) or "" for name in ADDRESS_OF[found.channel]}
        if not any(address.values()):
            chosen.left_out["no address"] = chosen.left_out.get("no address", 0) + 1
            continue
        written = letters.letter(person, _templates(found), date.today())
        rows.append({"profile_id": person.id, "language": written.language, "greeting": written.greeting,
                     "subject": written.subject, "body": written.body, **address})  # fmt: skip
    with store.write() as tx:
        if found.sent_at is None:
            _record_sending(tx, found, [row["profile_id"] for row in rows], chosen.holdout, actor, now())
        audit.record(tx, actor, "campaign.exported", "campaign", campaign_id, {"count": len(rows), **chosen.left_out})
    return rows, chosen


def mark_sent(store: Store, campaign_id: int, actor: str, at: str) -> Audience:
    """Mark a campaign sent at ``at`` to its audience as the consent gate lets it through now, without an export
    (a campaign sent from elsewhere, such as the demo's)."""
    found = load(store, campaign_id)
    chosen = audience(store, campaign_id)
    with store.write() as tx:
        _record_sending(tx, found, chosen.recipients, chosen.holdout, actor, at)
    return chosen


def _record_sending(tx, found: Campaign, recipients: list[int], holdout: list[int], actor: str, at: str) -> None:
    """The campaign sent at ``at``, with who it went to (``sent``) and who it is compared with (``held``) kept as
    they were then: a later withdrawal of consent must not change whom the campaign is measured on."""
    anchor_of = {member.profile_id: member.anchor for member in marketing_store.members(tx, found.snapshot_id)}
    moment = interaction_time(at)
    kept = {(anchor_of[one], "sent"): [moment, 1] for one in recipients if one in anchor_of}
    kept.update({(anchor_of[one], "held"): [moment, 1] for one in holdout if one in anchor_of})
    marketing_store.update_campaign(tx, found.id, {"sent_at": at, "sent_by": actor})
    marketing_store.add_responses(tx, found.id, kept)


# What it brought in.


@dataclass(frozen=True)
class Report:
    campaign: Campaign
    model: str
    window_days: int
    recipients: int
    holdout: int
    attributed_orders: float
    attributed_revenue_minor: float
    buyers_treated: int
    buyers_holdout: int
    rate_difference: statistics.Interval | None
    revenue_difference_minor: statistics.Interval | None
    return_on_investment: statistics.Interval | None
    responses: dict[str, int] = field(default_factory=dict)

    @property
    def reached(self) -> int:
        """The recipients whose message did not bounce, as far as the mail tool's report says."""
        return max(0, self.recipients - self.responses.get("bounced", 0))

    @property
    def treated_rate(self) -> float | None:
        return self.buyers_treated / self.recipients if self.recipients else None

    @property
    def holdout_rate(self) -> float | None:
        return self.buyers_holdout / self.holdout if self.holdout else None


def report(store: Store, campaign_id: int, model: str = "last_touch", window_days: int = WINDOW_DAYS) -> Report:
    """What the campaign brought in (see the module's docstring); before it was sent, figures of nothing."""
    if model not in MODELS:
        raise InvalidValue("model", N_("expected one of {choices}"), choices=", ".join(MODELS))
    if not 1 <= window_days <= 365:
        raise InvalidValue("window", N_("expected a window of 1 to 365 days"))
    found = load(store, campaign_id)
    if found.sent_at is None:
        groups = audience(store, campaign_id)
        return Report(found, model, window_days, len(groups.recipients), len(groups.holdout), 0, 0, 0, 0,
                      None, None, None)  # fmt: skip
    groups = sent_groups(store, found)
    sent = interaction_time(found.sent_at)
    until = (datetime.fromisoformat(sent) + timedelta(days=window_days)).isoformat()
    with store.read() as tx:
        since_sent = marketing_store.purchases_since(tx, groups.recipients + groups.holdout, sent)
        touches = _touches(tx, groups.recipients)
        responses = marketing_store.response_counts(tx, campaign_id)
    bought = [one for one in since_sent if one.occurred_at < until]
    orders, revenue = _attributed(bought, touches, campaign_id, model, window_days, set(groups.recipients))
    spent = {profile_id: 0.0 for profile_id in groups.recipients + groups.holdout}
    for one in bought:
        spent[one.profile_id] += one.amount_minor
    treated = [spent[profile_id] for profile_id in groups.recipients]
    held = [spent[profile_id] for profile_id in groups.holdout]
    buyers_treated, buyers_held = sum(value > 0 for value in treated), sum(value > 0 for value in held)
    rate = revenue_per_person = roi = None
    if treated and held:
        rate = statistics.rate_difference(buyers_treated, len(treated), buyers_held, len(held))
    if len(treated) >= 2 and len(held) >= 2:
        revenue_per_person = statistics.mean_difference(treated, held)
        if found.cost_minor > 0:
            roi = statistics.return_on_investment(revenue_per_person, len(treated), found.cost_minor)
    return Report(found, model, window_days, len(treated), len(held), orders, revenue, buyers_treated, buyers_held,
                  rate, revenue_per_person, roi, responses)  # fmt: skip


def sent_groups(store: Store, found: Campaign) -> Audience:
    """Who a sent campaign went to and its holdout, as they were when it was sent (as the consent gate lets
    them through now for a campaign sent before Kundenbild kept that)."""
    with store.read() as tx:
        sent = marketing_store.profiles_with(tx, found.id, "sent")
        held = marketing_store.profiles_with(tx, found.id, "held")
    return Audience(sent, held, {}) if sent or held else audience(store, found.id)


def interaction_time(moment: str) -> str:
    """A time as the store keeps it in ``interaction`` (UTC, without a zone), so that the two compare as text."""
    return datetime.fromisoformat(moment).astimezone(UTC).replace(tzinfo=None).isoformat()


def _touches(tx, recipients: list[int]) -> dict[int, list[tuple[str, int]]]:
    """Each recipient's touches: ``(sent at, campaign)`` of every campaign sent to them, oldest first."""
    wanted, touches = set(recipients), {}
    for campaign_id, snapshot_id, sent_at in marketing_store.sent_campaigns(tx):
        reached = marketing_store.profiles_with(tx, campaign_id, "sent") or [
            member.profile_id for member in marketing_store.members(tx, snapshot_id)
            if not member.holdout and member.excluded_at is None
        ]  # fmt: skip
        for profile_id in wanted.intersection(reached):
            touches.setdefault(profile_id, []).append((interaction_time(sent_at), campaign_id))
    return touches


def _attributed(
    bought: list, touches: dict[int, list[tuple[str, int]]], campaign_id: int, model: str, window_days: int,
    recipients: set[int],
) -> tuple[float, float]:  # fmt: skip
    """The orders and revenue credited to ``campaign_id``: each recipient's purchase is shared among the
    touches before it within the window, as ``model`` says."""
    orders = revenue = 0.0
    for one in bought:
        if one.profile_id not in recipients:
            continue
        window_start = (datetime.fromisoformat(one.occurred_at) - timedelta(days=window_days)).isoformat()
        before = [touch for touch in touches.get(one.profile_id, []) if window_start <= touch[0] <= one.occurred_at]
        share = credit(before, campaign_id, model)
        orders += share
        revenue += share * one.amount_minor
    return orders, revenue


def credit(touches: list[tuple[str, int]], campaign_id: int, model: str) -> float:
    """The share of one purchase that goes to ``campaign_id`` among the ``touches`` before it, oldest first."""
    if not touches:
        return 0.0
    if model == "last_touch":
        return 1.0 if touches[-1][1] == campaign_id else 0.0
    if model == "first_touch":
        return 1.0 if touches[0][1] == campaign_id else 0.0
    return sum(touched == campaign_id for _, touched in touches) / len(touches)


def held_about(store: Store, profile_id: int) -> list[dict]:
    """What marketing holds about one person, for their access report (Art. 15): each list (snapshot) they
    were on and in which group, each campaign on it, and what was recorded of it for them (sent, held back,
    opened, clicked, replied, unsubscribed, bounced), with the times."""
    with store.read() as tx:
        rows = marketing_store.memberships(tx, profile_id)
    lists: dict[str, dict] = {}
    for snapshot_name, taken_at, holdout, excluded_at, name, purpose, channel, kind, at in rows:
        group = "taken out" if excluded_at else "holdout" if holdout else "to write to"
        found = lists.setdefault(snapshot_name, {"list": snapshot_name, "taken_at": taken_at, "group": group,
                                                 "campaigns": {}})  # fmt: skip
        if name is not None:
            one = found["campaigns"].setdefault(name, {"campaign": name, "purpose": purpose, "channel": channel,
                                                       "recorded": []})  # fmt: skip
            if kind is not None:
                one["recorded"].append({"kind": kind, "at": at})
    return [{**found, "campaigns": list(found["campaigns"].values())} for found in lists.values()]
