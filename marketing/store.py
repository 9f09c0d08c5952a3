"""Marketing's SQL: saved segments in versions, and the page of a customer list with its figures.

This module owns ``segment`` and ``segment_version``; ``profile_rollup`` is kept by the store's triggers
(migration 0011) and only read here. Every function takes the unit of work its use case opened.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, Connection, Select, func, insert, select

from cdp.clock import now
from cdp.errors import N_, InvalidValue, NotFound
from cdp.store.schema import profile, profile_rollup, segment, segment_version, source_record


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


def page_ids(tx: Connection, members: Select, sort: str, descending: bool, limit: int, offset: int) -> list[int]:
    """The ids of one page of ``members`` in the order of ``sort`` (ties by id), missing figures last."""
    key = SORTS[sort]
    order = [key.is_(None), key.desc() if descending else key.asc(), profile.c.id]
    return list(tx.execute(members.order_by(*order).limit(limit).offset(offset)).scalars())


def figures(tx: Connection, profile_ids: list[int]) -> dict[int, Figures]:
    """The figures of these profiles (a profile without interactions gets zeros)."""
    rows = tx.execute(select(profile_rollup).where(profile_rollup.c.profile_id.in_(profile_ids)))
    found = {row.profile_id: Figures(*row[1:]) for row in rows}
    return {profile_id: found.get(profile_id, Figures()) for profile_id in profile_ids}


def source_names(tx: Connection) -> list[str]:
    """Every source the store holds records of."""
    return list(tx.execute(select(source_record.c.source).distinct().order_by(source_record.c.source)).scalars())
