"""The review queue's table: pairs of records the model is unsure of, waiting for a staff decision.

``identity.resolve`` fills the queue after each run; ``identity.corrections`` and ``web.review`` read
it and settle its pairs. As in ``identity.store``, every function takes the unit of work of its use
case and opens none of its own.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import Alias, Connection, Row, ScalarSelect, Select, and_, delete, func, select

from cdp import config
from cdp.clock import now
from cdp.errors import N_, NotOffered
from cdp.records import Record, records
from cdp.store.database import bulk_insert
from cdp.store.personal import PersonalData
from cdp.store.schema import profile, review_pair, source_record
from identity.store import Link, decide


def replace_review(tx: Connection, pairs: list[Link]) -> None:
    """The review queue becomes exactly ``pairs`` (probability in the score)."""
    _queue(tx, pairs, everything=True)


def add_review(tx: Connection, pairs: list[Link]) -> None:
    """Put ``pairs`` on the review queue (replacing what it said of them)."""
    _queue(tx, pairs, everything=False)


def _queue(tx: Connection, pairs: list[Link], everything: bool) -> None:
    stamp = now()
    if everything:
        tx.execute(delete(review_pair))
    for pair in [] if everything else pairs:
        tx.execute(
            delete(review_pair).where(
                review_pair.c.left_record_id == pair.left, review_pair.c.right_record_id == pair.right
            )
        )
    bulk_insert(
        tx,
        review_pair,
        [
            {
                "left_record_id": pair.left,
                "right_record_id": pair.right,
                "probability": pair.score,
                "evidence": json.dumps(pair.evidence, sort_keys=True),
                "created_at": stamp,
            }
            for pair in pairs
        ],
    )


@dataclass(frozen=True)
class ReviewItem:
    """One uncertain pair, with both records, for staff to compare side by side.

    ``left_size`` and ``right_size`` count the records of each record's
    profile now: a join moves them all into one profile.
    """

    left: Record
    right: Record
    probability: float
    evidence: dict
    left_size: int = 1
    right_size: int = 1


@dataclass(frozen=True)
class ReviewPage:
    """One page of the queue: its pairs, how many wait in all, and where the page lies among them."""

    items: list[ReviewItem]
    total: int
    number: int
    size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def first(self) -> int:
        """The position of the page's first pair in the whole queue, counted from 1 (0 on an empty queue)."""
        return min(self.total, (self.number - 1) * self.size + 1)

    @property
    def last(self) -> int:
        return min(self.total, self.number * self.size)


PAGE_SIZE = 20


def review_queue(
    tx: Connection, personal: PersonalData, with_restricted: bool, limit: int = PAGE_SIZE
) -> tuple[list[ReviewItem], int]:
    """The queue's first pairs and how many wait in all (``review_page`` for its first page)."""
    page = review_page(tx, personal, with_restricted, 1, limit)
    return page.items, page.total


def review_page(
    tx: Connection, personal: PersonalData, with_restricted: bool, number: int = 1, size: int = PAGE_SIZE
) -> ReviewPage:
    """Page ``number`` of the pairs a person may decide, in the order of ``_ordered``, and how many wait in
    all (the caller audits the viewing). A page beyond the last is the last one.

    Without ``with_restricted`` (everyone but the DPO and admins) a pair is
    left out, and not counted, when either record is in a profile whose
    processing is restricted (Art. 18 GDPR): its fields must not be shown.
    A pair whose two records are in one profile by now (joined since it was
    queued) is never offered: there is nothing left to decide.
    """
    offered = _offered(with_restricted)
    total = tx.execute(select(func.count()).select_from(offered.subquery())).scalar_one()
    number = max(1, min(number, -(-total // size) or 1))
    rows = tx.execute(_ordered(offered).limit(size).offset((number - 1) * size)).all()
    wanted = records(tx, personal, {row.left_record_id for row in rows} | {row.right_record_id for row in rows})
    items = [_item(row, wanted) for row in rows if row.left_record_id in wanted and row.right_record_id in wanted]
    return ReviewPage(items, total, number, size)


def _item(row: Row, wanted: dict[int, Record]) -> ReviewItem:
    left, right = wanted[row.left_record_id], wanted[row.right_record_id]
    return ReviewItem(left, right, row.probability, json.loads(row.evidence), row.left_size, row.right_size)


LEFT, RIGHT = source_record.alias("left_record"), source_record.alias("right_record")


def _size(record: Alias) -> ScalarSelect:
    """How many records the profile of ``record`` holds (a correlated count over the profile_id index)."""
    member = source_record.alias("member")
    return select(func.count()).select_from(member).where(member.c.profile_id == record.c.profile_id).scalar_subquery()


def _ordered(offered: Select) -> Select:
    """The queue with each record's profile size, the pairs whose decision changes most first.

    First the pairs whose two profiles hold the most records together: a
    join puts them all into one profile, and keeping apart holds them apart
    for good. Then the pairs whose probability lies nearest the join
    threshold, the ones the model came closest to joining by itself. Ties go
    by record ids, so pages never overlap. Computed in SQL: the queue may
    hold tens of thousands of pairs, and only one page of them is read.
    """
    join_at, _review_at = config.match_thresholds()
    left_size, right_size = _size(LEFT).label("left_size"), _size(RIGHT).label("right_size")
    return offered.add_columns(left_size, right_size).order_by(
        (left_size + right_size).desc(),
        func.abs(review_pair.c.probability - join_at),
        review_pair.c.left_record_id,
        review_pair.c.right_record_id,
    )


def _offered(with_restricted: bool) -> Select:
    """The queued pairs a person may see and decide: the two records in different profiles now, and, without
    ``with_restricted``, neither profile restricted."""
    query = (
        select(review_pair)
        .join(LEFT, LEFT.c.id == review_pair.c.left_record_id)
        .join(RIGHT, RIGHT.c.id == review_pair.c.right_record_id)
        .where(LEFT.c.profile_id != RIGHT.c.profile_id)
    )
    if with_restricted:
        return query
    left_profile, right_profile = profile.alias("left_profile"), profile.alias("right_profile")
    return (
        query.join(left_profile, left_profile.c.id == LEFT.c.profile_id)
        .join(right_profile, right_profile.c.id == RIGHT.c.profile_id)
        .where(left_profile.c.status != "restricted", right_profile.c.status != "restricted")
    )


def settle_review(tx: Connection, left: int, right: int, decision: str, actor: str, with_restricted: bool) -> None:
    """Record the staff decision on a queued pair and take it off the queue (in a ``store.write()``).

    Only a pair the queue offers to this person can be decided; any other
    (never queued, decided already, unknown ids, or restricted for them) is
    refused with ``NotOffered`` before anything is written.
    """
    low, high = sorted((left, right))
    pair = and_(review_pair.c.left_record_id == low, review_pair.c.right_record_id == high)
    if tx.execute(_offered(with_restricted).where(pair)).first() is None:
        raise NotOffered(N_("This pair is not waiting for a decision on the review queue; nothing was changed."))
    decide(tx, [(low, high)], decision, actor)
    tx.execute(delete(review_pair).where(pair))
