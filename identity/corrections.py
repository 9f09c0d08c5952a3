"""Staff corrections of identity: split a record out, join two profiles, settle a pair of the review queue.

Staff decisions are kept as ``join`` or ``apart`` between record pairs (``identity.store``) and always
win over what a resolution run would do; each use case records the decision in one unit of work and
then re-clusters the records it touches (``identity.resolve.resolve_new``).
"""

from __future__ import annotations

from cdp import audit
from cdp import records as source_records
from cdp.errors import N_, NotFound
from cdp.store.database import Store
from identity import review_queue as queue
from identity import store as identity_store
from identity.resolve import resolve_new
from identity.review_queue import ReviewItem


def split_out(store: Store, profile_id: int, record_id: int, actor: str) -> None:
    """Take one record out of a profile for good: staff decide, in one unit of work, that it is apart
    from every other record there; then the profile is re-clustered (``resolve_new``)."""
    with store.write() as tx:
        others = [other for other in source_records.records_of_profiles(tx, [profile_id]) if other != record_id]
        identity_store.decide(tx, [(record_id, other) for other in others], "apart", actor)
    resolve_new(store, [record_id, *others], actor)


def join_profiles(store: Store, profile_id: int, other_profile_id: int, actor: str) -> None:
    """Join two profiles because staff say they are one person: the decision in one unit of work, then
    the two re-clustered (``resolve_new``)."""
    with store.write() as tx:
        first = source_records.records_of_profiles(tx, [profile_id])
        second = source_records.records_of_profiles(tx, [other_profile_id])
        if not first or not second:
            raise NotFound(N_("One of the two profiles does not exist."))
        identity_store.decide(tx, [(first[0], second[0])], "join", actor)
    resolve_new(store, [*first, *second], actor)


def settle(store: Store, left: int, right: int, decision: str, actor: str, with_restricted: bool) -> None:
    """A staff decision on a pair the queue offers them: recorded and taken off the queue in one unit of
    work and, for a join, carried out at once (``resolve_new``)."""
    with store.write() as tx:
        queue.settle_review(tx, left, right, decision, actor, with_restricted)
    if decision == "join":
        resolve_new(store, [left, right], actor)


def review_queue(store: Store, actor: str, with_restricted: bool, limit: int = 20) -> tuple[list[ReviewItem], int]:
    """The review queue as this person may see it (``identity.review_queue.review_queue``), pairs and count from
    one read; the viewing is audited."""
    with store.read() as tx:
        items, total = queue.review_queue(tx, store.personal, with_restricted, limit)
    audit.record_soon(store, actor, "review.read", None, None, {"pairs": len(items)})
    return items, total
