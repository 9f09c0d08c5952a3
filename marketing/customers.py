"""The customer list and saved segments: the use cases the marketing screens call.

A list is the profiles a segment definition selects (every customer for the empty one), counted whole,
sorted by a figure and read a page at a time: only the page's profiles are opened, so the list stays fast
however many there are. Restricted profiles (Art. 18 GDPR) are left out unless the reader may see them.
Reading a page of names is audited as a read of that many profiles.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Connection

from cdp import audit, config
from cdp.errors import N_, InvalidValue
from cdp.profiles import unified as profiles
from cdp.store.database import Store
from consent import ledger, repository
from marketing import segments
from marketing import store as marketing_store
from marketing.segments import Condition, Group
from marketing.store import Figures, SavedSegment

PER_PAGE = 25
MAX_PER_PAGE = 200


@dataclass(frozen=True)
class Customer:
    """One line of the list: the profile and its figures."""

    profile: profiles.Profile
    figures: Figures


@dataclass(frozen=True)
class CustomerPage:
    customers: list[Customer]
    total: int
    number: int
    per_page: int
    sort: str
    descending: bool

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def context(store: Store, tx: Connection) -> segments.Context:
    """How definitions compile in this installation: its time zone and today there, the consent ledger's
    latest actions, the newest definitions of saved segments (read in ``tx``) and the search index's hash."""
    zone = config.timezone()
    return segments.Context(
        zone=zone,
        today=datetime.now(zone).date(),
        consent_profiles=repository.consent_profiles,
        definition_of=lambda segment_id: segments.loads(marketing_store.saved_segment(tx, segment_id).definition),
        term_digest=store.personal.search_digest,
    )


def count(store: Store, group: Group, with_restricted: bool) -> int:
    """How many profiles ``group`` selects (for the live count of the segment builder)."""
    with store.read() as tx:
        return marketing_store.count(tx, segments.members(group, context(store, tx), with_restricted))


def customer_page(
    store: Store,
    group: Group,
    actor: str,
    with_restricted: bool,
    sort: str = "last_activity",
    descending: bool = True,
    number: int = 1,
    per_page: int = PER_PAGE,
) -> CustomerPage:
    """Page ``number`` of the profiles ``group`` selects, sorted by ``sort`` (``marketing.store.SORTS``), with
    their figures and how many there are in all; a page beyond the last is the last."""
    per_page = max(1, min(per_page, MAX_PER_PAGE))
    sort = sort if sort in marketing_store.SORTS else "last_activity"
    with store.read() as tx:
        members = segments.members(group, context(store, tx), with_restricted)
        number = max(1, number)
        ids, total = marketing_store.page_ids(tx, members, sort, descending, per_page, (number - 1) * per_page)
        if total is None:  # nobody, or a page beyond the last: the last page
            total = marketing_store.count(tx, members)
            number = -(-total // per_page) or 1
            if total:
                ids, _ = marketing_store.page_ids(tx, members, sort, descending, per_page, (number - 1) * per_page)
        figures = marketing_store.figures(tx, ids)
    found = profiles.load_many(store, ids)
    audit.record_soon(store, actor, "customers.read", None, None, {"profiles": len(found)})
    customers = [Customer(one, figures[one.id]) for one in found]
    return CustomerPage(customers, total, number, per_page, sort, descending)


# One profile's figures, as its page explains them.

ACTIVE_DAYS, COOLING_DAYS = 90, 365


def figures_of(store: Store, profile_id: int) -> Figures:
    with store.read() as tx:
        return marketing_store.figures(tx, [profile_id])[profile_id]


def activity(figures: Figures, today: date) -> str:
    """How recently the person did anything in any channel: ``active`` within 90 days, ``cooling`` within a year,
    ``dormant`` before, ``none`` never."""
    if figures.last_activity_at is None:
        return "none"
    days = (today - date.fromisoformat(figures.last_activity_at[:10])).days
    return "active" if days <= ACTIVE_DAYS else "cooling" if days <= COOLING_DAYS else "dormant"


# Why a person is in or out.


@dataclass(frozen=True)
class Explained:
    """A condition or group, whether it holds for the person, and for a group its parts."""

    item: Group | Condition
    holds: bool
    parts: tuple[Explained, ...] = ()


def explain(store: Store, group: Group, profile_id: int) -> Explained:
    """Whether ``group`` selects the profile, and which of its conditions hold for it, each asked of the store
    on its own (``segments.condition`` of a one-condition group)."""
    with store.read() as tx:
        found = context(store, tx)
        return _explain(tx, group, found, profile_id)


def _explain(tx: Connection, item: Group | Condition, found: segments.Context, profile_id: int) -> Explained:
    as_group = item if isinstance(item, Group) else Group("all", (item,))
    holds = marketing_store.selects(tx, segments.members(as_group, found, with_restricted=True), profile_id)
    parts = tuple(_explain(tx, part, found, profile_id) for part in item.conditions) if isinstance(item, Group) else ()
    return Explained(item, holds, parts)


# Saved segments.


def saved(store: Store) -> list[SavedSegment]:
    with store.read() as tx:
        return marketing_store.segments(tx)


def load_segment(store: Store, segment_id: int) -> tuple[SavedSegment, Group]:
    """A saved segment and its newest definition."""
    with store.read() as tx:
        found = marketing_store.saved_segment(tx, segment_id)
    return found, segments.loads(found.definition)


def save_segment(store: Store, name: str, group: Group, actor: str, segment_id: int | None = None) -> int:
    """Save ``group`` as a new segment called ``name``, or as the next version of ``segment_id``; audited.
    Returns the segment's id. The definition is compiled first, so that one referring to itself is refused."""
    name = " ".join(name.split())
    if not 0 < len(name) <= 80:
        raise InvalidValue("name", N_("give the segment a name of 1 to 80 characters"))
    text = json.dumps(group.as_data(), sort_keys=True)
    with store.write() as tx:
        if segment_id is None:
            segment_id = marketing_store.add_segment(tx, name, text, actor)
            version = 1
        else:
            marketing_store.saved_segment(tx, segment_id)
            version = marketing_store.add_version(tx, segment_id, text, actor)
        segments.members(segments.Group("all", (segments.Condition("segment", "in", segment_id),)), context(store, tx))
        audit.record(tx, actor, "segment.saved", "segment", segment_id, {"version": version})
    return segment_id


def audience_ids(store: Store, group: Group) -> list[int]:
    """Every profile ``group`` selects, restricted ones included: what goes to the consent gate
    (``consent.ledger.audience``), which leaves the restricted out and counts them."""
    with store.read() as tx:
        return marketing_store.member_ids(tx, segments.members(group, context(store, tx), with_restricted=True))


def audience(store: Store, group: Group, purpose: str, channel: str) -> ledger.Audience:
    """Who of the profiles ``group`` selects may be contacted for ``purpose`` by ``channel`` (the consent
    gate), and who was left out and why."""
    return ledger.audience(store, audience_ids(store, group), purpose, channel)


def source_names(store: Store) -> list[str]:
    """The sources the store holds records of, for the builder's choice."""
    with store.read() as tx:
        return marketing_store.source_names(tx)
