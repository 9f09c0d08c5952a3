"""The review queue's table: pairs of records the model is unsure of, waiting for a staff decision.

``identity.resolve`` fills the queue after each run; ``identity.corrections`` and ``web.review`` read
it and settle its pairs. As in ``identity.store``, every function takes the unit of work of its use
case and opens none of its own.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import Connection, Select, and_, delete, func, select

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
    """One uncertain pair, with both records, for staff to compare side by side."""

    left: Record
    right: Record
    probability: float
    evidence: dict


def review_queue(
    tx: Connection, personal: PersonalData, with_restricted: bool, limit: int = 20
) -> tuple[list[ReviewItem], int]:
    """The most likely uncertain pairs first, and how many wait in all (the caller audits the viewing).

    Without ``with_restricted`` (everyone but the DPO and admins) a pair is
    left out, and not counted, when either record is in a profile whose
    processing is restricted (Art. 18 GDPR): its fields must not be shown.
    """
    offered = _offered(with_restricted)
    total = tx.execute(select(func.count()).select_from(offered.subquery())).scalar_one()
    rows = tx.execute(offered.order_by(review_pair.c.probability.desc()).limit(limit)).all()
    wanted = records(tx, personal, {row.left_record_id for row in rows} | {row.right_record_id for row in rows})
    items = [
        ReviewItem(wanted[row.left_record_id], wanted[row.right_record_id], row.probability, json.loads(row.evidence))
        for row in rows
        if row.left_record_id in wanted and row.right_record_id in wanted
    ]
    return items, total


def _offered(with_restricted: bool) -> Select:
    """The queued pairs a person may see and decide."""
    query = select(review_pair)
    if with_restricted:
        return query
    left, right = source_record.alias("left_record"), source_record.alias("right_record")
    left_profile, right_profile = profile.alias("left_profile"), profile.alias("right_profile")
    return (
        query.join(left, left.c.id == review_pair.c.left_record_id)
        .join(right, right.c.id == review_pair.c.right_record_id)
        .join(left_profile, left_profile.c.id == left.c.profile_id)
        .join(right_profile, right_profile.c.id == right.c.profile_id)
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
