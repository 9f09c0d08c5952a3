"""Marketing's SQL: saved segments in versions, the page of a customer list with its figures, snapshots and
campaigns.

This module owns ``segment``, ``segment_version``, ``snapshot``, ``snapshot_member``, ``campaign``,
``campaign_response``, and reads ``profile_product`` and ``co_purchase`` (kept by the store's triggers, migration 0014)
with the catalogue ``product``;
``profile_rollup`` is kept by the store's triggers (migration 0011) and only read here. Every function takes
the unit of work its use case opened.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, Connection, Select, func, insert, select, update

from cdp.clock import now
from cdp.errors import N_, InvalidValue, NotFound
from cdp.store.schema import (
    campaign,
    campaign_response,
    co_purchase,
    interaction,
    product,
    profile,
    profile_product,
    profile_rollup,
    segment,
    segment_version,
    snapshot,
    snapshot_member,
    source_record,
)

# Kept in ``campaign_response`` when a campaign is sent: whom it went to, and whom it is compared with.
SENDING = ("sent", "held")


@dataclass(frozen=True)
class SavedSegment:
    id: int
    name: str
    version: int
    definition: str
    saved_by: str
    saved_at: str


def add_segment(tx: Connection, name: str, definition: str, actor: str) -> int:
    """A new segment with its first version; ``InvalidValue`` when the name is taken."""
    taken = tx.execute(select(segment.c.id).where(segment.c.name == name)).first()
    if taken is not None:
        raise InvalidValue("name", N_("there is a segment of this name already"))
    added = tx.execute(insert(segment).values(name=name, created_by=actor, created_at=now()))
    segment_id = added.inserted_primary_key[0]
    add_version(tx, segment_id, definition, actor)
    return segment_id


def add_version(tx: Connection, segment_id: int, definition: str, actor: str) -> int:
    """The segment's next version (the earlier ones stay as they were); returns its number."""
    latest = tx.execute(
        select(func.max(segment_version.c.version)).where(segment_version.c.segment_id == segment_id)
    ).scalar()
    version = (latest or 0) + 1
    tx.execute(insert(segment_version).values(segment_id=segment_id, version=version, definition=definition,
                                              saved_by=actor, saved_at=now()))  # fmt: skip
    return version


def _latest() -> Select:
    newest = (
        select(segment_version.c.segment_id, func.max(segment_version.c.version).label("version"))
        .group_by(segment_version.c.segment_id)
        .subquery()
    )
    version = segment_version.c
    columns = (segment.c.id, segment.c.name, version.version, version.definition, version.saved_by, version.saved_at)
    return (
        select(*columns)
        .join(newest, newest.c.segment_id == segment.c.id)
        .join(segment_version, (version.segment_id == segment.c.id) & (version.version == newest.c.version))
        .where(segment.c.archived_at.is_(None))
    )


def segments(tx: Connection) -> list[SavedSegment]:
    """Every segment in use, by name, as its newest version says."""
    return [SavedSegment(*row) for row in tx.execute(_latest().order_by(segment.c.name))]


def saved_segment(tx: Connection, segment_id: int) -> SavedSegment:
    """One segment as its newest version says; ``NotFound`` for one that does not exist."""
    row = tx.execute(_latest().where(segment.c.id == segment_id)).first()
    if row is None:
        raise NotFound(N_("There is no segment {segment}."), segment=segment_id)
    return SavedSegment(*row)


# The customer list.

SORTS: dict[str, ColumnElement] = {
    "id": profile.c.id,
    "created": profile.c.created_at,
    "orders": func.coalesce(profile_rollup.c.orders, 0),
    "revenue": func.coalesce(profile_rollup.c.revenue_minor, 0),
    "last_purchase": profile_rollup.c.last_purchase_at,
    "first_purchase": profile_rollup.c.first_purchase_at,
    "last_activity": profile_rollup.c.last_activity_at,
}


@dataclass(frozen=True)
class Figures:
    """What a profile's interactions add up to (``profile_rollup``); zeros and ``None`` without any."""

    orders: int = 0
    revenue_minor: int = 0
    first_purchase_at: str | None = None
    last_purchase_at: str | None = None
    interactions: int = 0
    last_activity_at: str | None = None

    @property
    def average_basket_minor(self) -> int | None:
        return round(self.revenue_minor / self.orders) if self.orders else None


def count(tx: Connection, members: Select) -> int:
    """How many profiles ``members`` (``SELECT profile.id …``) selects."""
    return tx.execute(select(func.count()).select_from(members.subquery())).scalar_one()


def member_ids(tx: Connection, members: Select) -> list[int]:
    """Every id ``members`` selects, in id order."""
    return list(tx.execute(members.order_by(profile.c.id)).scalars())


def selects(tx: Connection, members: Select, profile_id: int) -> bool:
    """Whether ``members`` selects this profile."""
    return bool(tx.execute(select(members.where(profile.c.id == profile_id).exists())).scalar_one())


def page_ids(
    tx: Connection, members: Select, sort: str, descending: bool, limit: int, offset: int
) -> tuple[list[int], int | None]:
    """The ids of one page of ``members`` in the order of ``sort`` (ties by id), missing figures last, and how
    many ``members`` selects in all, counted in the same pass (``None`` for a page beyond the last)."""
    key = SORTS[sort]
    order = [key.is_(None), key.desc() if descending else key.asc(), profile.c.id]
    rows = tx.execute(members.add_columns(func.count().over()).order_by(*order).limit(limit).offset(offset)).all()
    return [row[0] for row in rows], (rows[0][1] if rows else None)


def figures(tx: Connection, profile_ids: list[int]) -> dict[int, Figures]:
    """The figures of these profiles (a profile without interactions gets zeros)."""
    rows = tx.execute(select(profile_rollup).where(profile_rollup.c.profile_id.in_(profile_ids)))
    found = {row.profile_id: Figures(*row[1:]) for row in rows}
    return {profile_id: found.get(profile_id, Figures()) for profile_id in profile_ids}


def source_names(tx: Connection) -> list[str]:
    """Every source the store holds records of."""
    return list(tx.execute(select(source_record.c.source).distinct().order_by(source_record.c.source)).scalars())


# Snapshots and campaigns.


@dataclass(frozen=True)
class Snapshot:
    id: int
    name: str
    segment_id: int | None
    segment_version: int | None
    definition: str
    holdout_share: float
    taken_by: str
    taken_at: str
    frozen_by: str | None
    frozen_at: str | None


@dataclass(frozen=True)
class Member:
    """One person on a snapshot, by the profile their anchor record is in now."""

    anchor: int
    profile_id: int
    holdout: bool
    excluded_by: str | None
    excluded_at: str | None


def add_snapshot(tx: Connection, values: dict, members: list[tuple[int, bool]]) -> int:
    """A new snapshot with its members, ``(anchor record, in the holdout)``."""
    snapshot_id = tx.execute(insert(snapshot).values(**values)).inserted_primary_key[0]
    rows = [{"snapshot_id": snapshot_id, "anchor": anchor, "holdout": holdout} for anchor, holdout in members]
    for start in range(0, len(rows), 5000):
        tx.execute(insert(snapshot_member), rows[start : start + 5000])
    return snapshot_id


def anchors(tx: Connection, profile_ids: list[int]) -> dict[int, int]:
    """Each profile's first source record: the record a snapshot names the person by."""
    query = select(source_record.c.profile_id, func.min(source_record.c.id)).group_by(source_record.c.profile_id)
    found: dict[int, int] = {}
    for start in range(0, len(profile_ids), 5000):
        chunk = profile_ids[start : start + 5000]
        found.update(tuple(row) for row in tx.execute(query.where(source_record.c.profile_id.in_(chunk))))
    return found


def load_snapshot(tx: Connection, snapshot_id: int) -> Snapshot:
    row = tx.execute(select(snapshot).where(snapshot.c.id == snapshot_id)).first()
    if row is None:
        raise NotFound(N_("There is no snapshot {snapshot}."), snapshot=snapshot_id)
    return Snapshot(*row)


def snapshots(tx: Connection) -> list[Snapshot]:
    return [Snapshot(*row) for row in tx.execute(select(snapshot).order_by(snapshot.c.id.desc()))]


def members(tx: Connection, snapshot_id: int) -> list[Member]:
    """Every member of a snapshot, with the profile their anchor is in now, in anchor order."""
    member = snapshot_member.c
    rows = tx.execute(
        select(member.anchor, source_record.c.profile_id, member.holdout, member.excluded_by, member.excluded_at)
        .join(source_record, source_record.c.id == snapshot_member.c.anchor)
        .where(snapshot_member.c.snapshot_id == snapshot_id)
        .order_by(snapshot_member.c.anchor)
    )
    return [Member(*row) for row in rows]


def set_excluded(tx: Connection, snapshot_id: int, anchor: int, by: str | None, at: str | None) -> int:
    """Take a member out (``by`` and ``at``) or put them back (``None``); returns how many rows changed."""
    query = (
        update(snapshot_member)
        .where(snapshot_member.c.snapshot_id == snapshot_id, snapshot_member.c.anchor == anchor)
        .values(excluded_by=by, excluded_at=at)
    )
    return tx.execute(query).rowcount


def freeze(tx: Connection, snapshot_id: int, actor: str) -> None:
    tx.execute(update(snapshot).where(snapshot.c.id == snapshot_id).values(frozen_by=actor, frozen_at=now()))


@dataclass(frozen=True)
class Campaign:
    id: int
    name: str
    snapshot_id: int
    purpose: str
    channel: str
    subject_de: str
    body_de: str
    subject_en: str
    body_en: str
    cost_minor: int
    created_by: str
    created_at: str
    sent_by: str | None
    sent_at: str | None


def add_campaign(tx: Connection, values: dict) -> int:
    return tx.execute(insert(campaign).values(**values)).inserted_primary_key[0]


def update_campaign(tx: Connection, campaign_id: int, values: dict) -> None:
    tx.execute(update(campaign).where(campaign.c.id == campaign_id).values(**values))


def load_campaign(tx: Connection, campaign_id: int) -> Campaign:
    row = tx.execute(select(campaign).where(campaign.c.id == campaign_id)).first()
    if row is None:
        raise NotFound(N_("There is no campaign {campaign}."), campaign=campaign_id)
    return Campaign(*row)


def campaigns(tx: Connection) -> list[Campaign]:
    return [Campaign(*row) for row in tx.execute(select(campaign).order_by(campaign.c.id.desc()))]


@dataclass(frozen=True)
class Purchase:
    profile_id: int
    occurred_at: str
    amount_minor: int


def purchases_since(tx: Connection, profile_ids: list[int], since: str) -> list[Purchase]:
    """The purchases of these profiles from ``since`` on (in the store's currency or any: amounts as kept)."""
    query = select(interaction.c.profile_id, interaction.c.occurred_at, func.coalesce(interaction.c.amount_minor, 0))
    query = query.where(interaction.c.kind == "purchase", interaction.c.occurred_at >= since)
    found: list[Purchase] = []
    for start in range(0, len(profile_ids), 5000):
        chunk = profile_ids[start : start + 5000]
        found += [Purchase(*row) for row in tx.execute(query.where(interaction.c.profile_id.in_(chunk)))]
    return found


def sent_campaigns(tx: Connection) -> list[tuple[int, int, str]]:
    """``(campaign, snapshot, sent at)`` of every campaign sent, oldest first: the touches attribution weighs."""
    query = select(campaign.c.id, campaign.c.snapshot_id, campaign.c.sent_at).where(campaign.c.sent_at.is_not(None))
    return [tuple(row) for row in tx.execute(query.order_by(campaign.c.sent_at))]


def profiles_of_records(tx: Connection, record_ids: list[int]) -> dict[int, int]:
    """``{record: profile}`` of these source records."""
    found: dict[int, int] = {}
    query = select(source_record.c.id, source_record.c.profile_id)
    for start in range(0, len(record_ids), 5000):
        chunk = record_ids[start : start + 5000]
        found.update(tuple(row) for row in tx.execute(query.where(source_record.c.id.in_(chunk))))
    return found


def add_responses(
    tx: Connection, campaign_id: int, responses: dict[tuple[int, str], list]
) -> tuple[dict[str, int], int]:
    """Keep ``{(anchor, kind): [first time, times]}`` of a campaign where it has none of that kind for the
    person yet; returns the new ones by kind and how many were known already."""
    known = {
        (anchor, kind)
        for anchor, kind in tx.execute(
            select(campaign_response.c.anchor, campaign_response.c.kind).where(
                campaign_response.c.campaign_id == campaign_id
            )
        )
    }
    fresh = [{"campaign_id": campaign_id, "anchor": anchor, "kind": kind, "occurred_at": at, "times": times}
             for (anchor, kind), (at, times) in responses.items() if (anchor, kind) not in known]  # fmt: skip
    if fresh:
        tx.execute(insert(campaign_response), fresh)
    recorded: dict[str, int] = {}
    for row in fresh:
        recorded[row["kind"]] = recorded.get(row["kind"], 0) + 1
    return recorded, len(responses) - len(fresh)


def response_counts(tx: Connection, campaign_id: int) -> dict[str, int]:
    """How many people responded to a campaign in each way (not counting who it was sent to or held from)."""
    query = (
        select(campaign_response.c.kind, func.count())
        .where(campaign_response.c.campaign_id == campaign_id, campaign_response.c.kind.not_in(SENDING))
        .group_by(campaign_response.c.kind)
    )
    return {kind: count for kind, count in tx.execute(query)}


def profiles_with(tx: Connection, campaign_id: int, kind: str) -> list[int]:
    """The profiles, as they are now, of the people with a ``kind`` row of a campaign (``sent``, ``opened``, …)."""
    query = (
        select(source_record.c.profile_id)
        .distinct()
        .join(campaign_response, campaign_response.c.anchor == source_record.c.id)
        .where(campaign_response.c.campaign_id == campaign_id, campaign_response.c.kind == kind)
        .order_by(source_record.c.profile_id)
    )
    return list(tx.execute(query).scalars())


# Products bought together.


def products_of(tx: Connection, profile_id: int) -> list[int]:
    """The products a profile bought."""
    query = select(profile_product.c.product_id).where(profile_product.c.profile_id == profile_id)
    return list(tx.execute(query).scalars())


def bought_with(tx: Connection, product_ids: list[int], least: int) -> list[tuple[int, int, int]]:
    """``(product, other, customers)`` for every other product bought by at least ``least`` of the customers
    of one of ``product_ids``, that is not among them."""
    if not product_ids:
        return []
    query = select(co_purchase.c.product_id, co_purchase.c.other_id, co_purchase.c.customers).where(
        co_purchase.c.product_id.in_(product_ids),
        co_purchase.c.other_id.not_in(product_ids),
        co_purchase.c.customers >= least,
    )
    return [tuple(row) for row in tx.execute(query)]


def product_names(tx: Connection, product_ids: list[int]) -> dict[int, str]:
    query = select(product.c.id, product.c.name).where(product.c.id.in_(product_ids))
    return dict(tuple(row) for row in tx.execute(query))


def buyers(tx: Connection, product_ids: list[int]) -> dict[int, int]:
    """How many customers bought each of these products."""
    query = (
        select(profile_product.c.product_id, func.count())
        .where(profile_product.c.product_id.in_(product_ids))
        .group_by(profile_product.c.product_id)
    )
    return dict(tuple(row) for row in tx.execute(query))


def memberships(tx: Connection, profile_id: int) -> list[tuple]:
    """Every snapshot one profile's records are on, with each campaign on it and the person's rows of that
    campaign: ``(snapshot, taken at, holdout, taken out at, campaign or None, purpose, channel, kind,
    occurred at)``, oldest snapshot first."""
    member, response = snapshot_member.c, campaign_response.c
    query = (
        select(snapshot.c.name, snapshot.c.taken_at, member.holdout, member.excluded_at, campaign.c.name,
               campaign.c.purpose, campaign.c.channel, response.kind, response.occurred_at)
        .join(snapshot, snapshot.c.id == member.snapshot_id)
        .join(source_record, source_record.c.id == member.anchor)
        .outerjoin(campaign, campaign.c.snapshot_id == snapshot.c.id)
        .outerjoin(campaign_response, (response.campaign_id == campaign.c.id) & (response.anchor == member.anchor))
        .where(source_record.c.profile_id == profile_id)
        .order_by(snapshot.c.id, campaign.c.id, response.occurred_at)
    )  # fmt: skip
    return [tuple(row) for row in tx.execute(query)]
