"""Staff corrections of identity: split a record out, join two profiles, settle a pair of the review queue, undo.

Staff decisions are kept as ``join`` or ``apart`` between record pairs (``identity.store``) and always win
over what a resolution run would do. A correction moves exactly the records it names, in one unit of work
with its decisions, and leaves decisions behind that make a later run keep the result: a split keeps the
split-off record apart from the rest and, where only that record held the rest together, joins the rest
by staff decision; a join overrides the earlier ``apart`` decisions between the two profiles. Every
correction is an event of the identity history (``identity.history``) with the state before and after, and
can be undone while nothing has changed since; a join of exactly the two profiles a split left behind
puts back the profile as it was before that split.

Consent hangs on source records, and identity must not know consent (imports run ``web`` → ``identity``,
``consent`` → ``cdp``). A record that leaves its profile would leave behind the withdrawals and
objections recorded on the records that stay (and take away those recorded on it). So every correction
takes ``records_moved``, the hook ``kundenbild.bootstrap`` wires (``consent.ledger.keep_withdrawals``), and
calls it in its own unit of work, telling it where the records were; a crash can then never leave a split
without its withdrawals. (A hook in ``cdp.records.move_to_profiles`` would see every move, but that core
function has no access to the sealing a carried withdrawal's proof needs, and it runs a million times in a
batch run; the staff corrections are where records leave a profile on a person's word.) A restriction of
processing follows the records by itself (``cdp.records.move_to_profiles``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Connection

from cdp import audit
from cdp import records as source_records
from cdp.errors import N_, CdpError, NotFound, NotOffered
from cdp.records import RecordsMoved
from cdp.store.database import Store
from identity import history
from identity import review_queue as queue
from identity import store as identity_store
from identity.resolve import candidate_links, cluster
from identity.review_queue import ReviewPage
from identity.store import Link

Pair = tuple[int, int]


class CorrectionRefused(CdpError):
    """A split, join or undo that cannot be carried out as asked; nothing was changed."""

    http_status = 409


class KeepApartMoves(NotOffered):
    """Keeping apart two records of one profile would move a record out of it: said before anything moves.

    The queue does not offer such a pair for a plain decision (``NotOffered``, so that a caller that only
    knows the queue's refusal refuses it too); unlike that refusal it is raised only for a pair waiting on
    the queue for this person, and says what ``confirmed`` would move. ``record_id`` is the record that
    would move out of ``profile_id``, ``others`` how many stay.
    """

    http_status = 409

    def __init__(self, left: int, right: int, profile_id: int, record_id: int, others: int) -> None:
        self.profile_id, self.record_id, self.others = profile_id, record_id, others
        super().__init__(
            N_(
                "Records {left} and {right} are both in profile {profile_id}. Keeping them apart moves record "
                "{record} out of it into a profile of its own, kept apart from the {others} other record(s) there. "
                "Nothing was changed; confirm to do it."
            ),
            left=left, right=right, profile_id=profile_id, record=record_id, others=others,
        )  # fmt: skip


@dataclass(frozen=True)
class Correction:
    """What a correction did: its event in the history, and the profile each of its records is in now."""

    event_id: int
    kind: str
    profile_of: dict[int, int]
    carried: int = 0  # withdrawals and objections carried over to records that left their profile

    @property
    def profiles(self) -> list[int]:
        return sorted(set(self.profile_of.values()))


@dataclass
class _Plan:
    """A correction worked out before anything is written: the profiles before, the clusters their records
    become (none: nothing moves), the evidence, and the decisions to forget and to add."""

    kind: str
    profiles: list[int]
    clusters: list[list[int]] = field(default_factory=list)
    evidence: list[Link] = field(default_factory=list)
    forget: list[Pair] = field(default_factory=list)
    joins: list[Pair] = field(default_factory=list)
    aparts: list[Pair] = field(default_factory=list)
    decided: list[Pair] = field(default_factory=list)  # decided by the review queue's own step
    review: list[Pair] = field(default_factory=list)


def _pair(left: int, right: int) -> Pair:
    low, high = sorted((left, right))
    return low, high


def split_out(store: Store, profile_id: int, record_id: int, actor: str, records_moved: RecordsMoved) -> Correction:
    """Take exactly one record out of a profile into a profile of its own, in one unit of work.

    Staff said the record is not this person, so it is kept apart from every other record of the profile,
    those it shares an email with included; the rest stay together, by staff decision where the record
    was what held them together. Raises ``NotFound`` for a record not in the profile and
    ``CorrectionRefused`` for a profile's only record.
    """
    with store.write() as tx:
        return _carry_out(store, tx, _split_plan(store, tx, profile_id, record_id, "split"), actor, records_moved)


def _split_plan(store: Store, tx: Connection, profile_id: int, record_id: int, kind: str) -> _Plan:
    members = source_records.records_of_profiles(tx, [profile_id])
    if record_id not in members:
        raise NotFound(N_("Record {record} is not in profile {profile_id}."), record=record_id, profile_id=profile_id)
    rest = sorted(member for member in members if member != record_id)
    if not rest:
        raise CorrectionRefused(
            N_("Record {record} is the only record of profile {profile_id}; there is nothing to split it from."),
            record=record_id, profile_id=profile_id,
        )  # fmt: skip
    aparts = [_pair(record_id, other) for other in rest]
    decisions = {**identity_store.decisions(tx), **dict.fromkeys(aparts, "apart")}
    joins, evidence = _held_together(store, tx, [profile_id], rest, decisions)
    return _Plan(kind, [profile_id], [rest, [record_id]], evidence, joins=joins, aparts=aparts)


def _held_together(
    store: Store, tx: Connection, profile_ids: list[int], record_ids: list[int], decisions: dict[Pair, str]
) -> tuple[list[Pair], list[Link]]:
    """The staff joins that keep ``record_ids`` in one profile in every later run, and the evidence that
    joins them (``identity.resolve.cluster`` over their links and the decisions).

    None where their own links hold them together; else the first record is joined to a record of each
    piece that would come apart, until none would.
    """
    records = source_records.records(tx, store.personal, record_ids)
    links = candidate_links(records, identity_store.shared_identifiers(tx, record_ids))
    links += [link for link in identity_store.links_of_profiles(tx, profile_ids) if link.method == "model"]
    anchor, added = min(record_ids), []
    while True:
        clusters, joins = cluster(records, links, decisions)
        wanted = [_pair(anchor, group[0]) for group in clusters if anchor not in group]
        wanted = [pair for pair in wanted if decisions.get(pair) != "join"]
        if not wanted:
            return added, joins
        decisions = {**decisions, **dict.fromkeys(wanted, "join")}
        added += wanted


def join_profiles(
    store: Store, profile_id: int, other_profile_id: int, actor: str, records_moved: RecordsMoved
) -> Correction:
    """Join two profiles because staff say they are one person, in one unit of work.

    The join overrides every earlier ``apart`` decision between their records; where the two are exactly
    what a split left (and nothing changed since), the profile comes back exactly as it was before that
    split. Raises ``NotFound`` for a profile that does not exist and ``CorrectionRefused`` for a join of
    a profile with itself.
    """
    if profile_id == other_profile_id:
        raise CorrectionRefused(
            N_("Profile {profile_id} cannot be joined with itself; give the number of another profile."),
            profile_id=profile_id,
        )
    with store.write() as tx:
        first, second = (source_records.records_of_profiles(tx, [one]) for one in (profile_id, other_profile_id))
        for one, found in ((profile_id, first), (other_profile_id, second)):
            if not found:
                raise NotFound(N_("There is no profile {profile_id}."), profile_id=one)
        split = _split_to_reverse(tx, first, second)
        if split is not None:
            return _reverse(store, tx, split, "join", actor, records_moved)
        plan = _join_plan(store, tx, [profile_id, other_profile_id], first, second, "join")
        plan.joins.insert(0, _pair(min(first), min(second)))
        return _carry_out(store, tx, plan, actor, records_moved)


def _join_plan(
    store: Store, tx: Connection, profile_ids: list[int], first: list[int], second: list[int], kind: str,
    pair: Pair | None = None,
) -> _Plan:  # fmt: skip
    """One profile of ``first`` and ``second``: the ``apart`` decisions between them forgotten, joined by
    staff decision (on ``pair``, or on their first records)."""
    one, other = set(first), set(second)
    decisions = identity_store.decisions(tx)
    forget = [
        (low, high)
        for (low, high), decision in decisions.items()
        if decision == "apart" and ({low, high} & one) and ({low, high} & other)
    ]
    pair = pair or _pair(min(first), min(second))
    kept = {known: decision for known, decision in decisions.items() if known not in forget}
    joins, evidence = _held_together(store, tx, profile_ids, sorted(one | other), {**kept, pair: "join"})
    return _Plan(kind, profile_ids, [sorted(one | other)], evidence, forget=forget, joins=joins)


def _split_to_reverse(tx: Connection, first: list[int], second: list[int]) -> history.Event | None:
    """The latest event that split one profile into exactly these two, if nothing has changed since."""
    wanted = {frozenset(first), frozenset(second)}
    for event in history.touching(tx, first + second):
        after = {frozenset(records) for records in event.profiles_after.values()}
        if event.undone_by is None and len(event.profiles_before) == 1 and after == wanted:
            changed, decided = history.changed_since(tx, event.after)
            return None if changed or decided else event
    return None


def settle(
    store: Store,
    left: int,
    right: int,
    decision: str,
    actor: str,
    with_restricted: bool,
    records_moved: RecordsMoved,
    *,
    confirmed: bool = False,
) -> Correction:
    """A staff decision on a pair the queue offers them, recorded, taken off the queue and carried out in one
    unit of work, and kept in the identity history.

    A join joins the two profiles (``join_profiles``' way). Keeping apart two records already in one profile
    moves one of them out (the one with fewer links there), as ``split_out`` does; without ``confirmed`` it
    raises ``KeepApartMoves``, which says what would move, and changes nothing. A pair the queue does not
    offer this person raises ``NotOffered`` before anything else.
    """
    low, high = _pair(left, right)
    with store.write() as tx:
        now_in = source_records.current_profiles(tx, [low, high])
        if decision == "apart" and len(now_in) == 2 and now_in[low] == now_in[high]:
            plan = _apart_plan(store, tx, now_in[low], low, high)

            def keep_apart(before: dict) -> None:
                _offered_in_one_profile(before, now_in[low], (low, high), with_restricted)
                if not confirmed:
                    raise KeepApartMoves(low, high, now_in[low], plan.clusters[1][0], len(plan.clusters[0]))
                identity_store.decide(tx, [(low, high)], "apart", actor)
                history.dequeue(tx, [(low, high)])

            return _carry_out(store, tx, plan, actor, records_moved, keep_apart)
        plan = _review_plan(store, tx, low, high, decision, now_in)
        return _carry_out(store, tx, plan, actor, records_moved, lambda before: queue.settle_review(
            tx, low, high, decision, actor, with_restricted))  # fmt: skip


def _review_plan(store: Store, tx: Connection, low: int, high: int, decision: str, now_in: dict[int, int]) -> _Plan:
    """A queue decision on records in two profiles: a join of the two, or a decision that moves nothing."""
    profiles = sorted(set(now_in.values()))
    if decision != "join" or len(profiles) < 2:
        return _Plan(f"review_{decision}", profiles, decided=[(low, high)], review=[(low, high)])
    first, second = (source_records.records_of_profiles(tx, [now_in[one]]) for one in (low, high))
    plan = _join_plan(store, tx, profiles, first, second, "review_join", (low, high))
    plan.forget = [pair for pair in plan.forget if pair != (low, high)]  # the queue's step decides this one
    plan.decided, plan.review = [(low, high)], [(low, high)]
    return plan


def _apart_plan(store: Store, tx: Connection, profile_id: int, low: int, high: int) -> _Plan:
    """Keep apart two records of one profile: the one of them with fewer links there is split out."""
    counts = dict.fromkeys((low, high), 0)
    for link in identity_store.links_of(tx, profile_id):
        for record_id in {link.left, link.right} & set(counts):
            counts[record_id] += 1
    moving = high if counts[high] <= counts[low] else low
    plan = _split_plan(store, tx, profile_id, moving, "review_apart")
    plan.aparts = [pair for pair in plan.aparts if pair != (low, high)]
    plan.decided, plan.review = [(low, high)], [(low, high)]
    return plan


def _offered_in_one_profile(before: dict, profile_id: int, pair: Pair, with_restricted: bool) -> None:
    """Raise ``NotOffered`` unless ``pair`` waits on the queue and its profile is not restricted for this person
    (the very answer ``identity.review_queue.settle_review`` gives)."""
    queued = any(row for low, high, row in before["review"] if (low, high) == pair)
    status = before["profiles"][str(profile_id)]["row"]["status"]
    if not queued or (status == "restricted" and not with_restricted):
        raise NotOffered(N_("This pair is not waiting for a decision on the review queue; nothing was changed."))


def undo(store: Store, event_id: int, actor: str, records_moved: RecordsMoved) -> Correction:
    """Put back exactly the state before an event of the identity history, in one unit of work.

    Records go back into the profiles they were in (removed ones come back with their old number), the
    decisions and links as they were; the undo is an event itself. Raises ``NotFound`` for an unknown event
    and ``CorrectionRefused``, changing nothing, when it was undone already or its records, their
    profiles' restriction or their decisions changed since.
    """
    with store.write() as tx:
        event = history.load(tx, event_id)
        if event.undone_by is not None:
            raise CorrectionRefused(
                N_("Change {event} was undone already (by change {by}); nothing was changed."),
                event=event_id, by=event.undone_by,
            )  # fmt: skip
        changed, decided = history.changed_since(tx, event.after)
        if changed:
            raise CorrectionRefused(
                N_(
                    "Change {event} cannot be undone exactly: profile {profiles} changed since (records joined, moved "
                    "or erased, or processing restricted or allowed again). Nothing was changed."
                ),
                event=event_id, profiles=", ".join(str(one) for one in changed),
            )  # fmt: skip
        if decided:
            raise CorrectionRefused(
                N_("Change {event} cannot be undone exactly: staff decided on its records since. Nothing was changed."),
                event=event_id,
            )
        return _reverse(store, tx, event, "undo", actor, records_moved)


def _reverse(
    store: Store, tx: Connection, event: history.Event, kind: str, actor: str, records_moved: RecordsMoved
) -> Correction:
    """Put back ``event``'s state before, as an event of ``kind`` (an undo, or the join that reverses a split)."""
    pairs = [(low, high) for low, high, _ in event.before["decisions"]]
    review = [(low, high) for low, high, _ in event.before["review"]]
    present = history.snapshot(tx, history.members(event.after), pairs, review)
    history.restore(tx, event.before, present, actor)
    carried = records_moved(store, tx, _profile_of(history.members(present)), actor, event.at)
    new_id = history.add(tx, kind, actor, present, event.before, undoes=event.id if kind == "undo" else None)
    history.mark_undone(tx, event.id, new_id)
    audit.record(tx, actor, f"identity.{kind}", "identity_history", new_id, {"reverses": event.id, "carried": carried})
    return Correction(new_id, kind, _profile_of(history.members(event.before)), carried)


def _carry_out(
    store: Store,
    tx: Connection,
    plan: _Plan,
    actor: str,
    records_moved: RecordsMoved,
    first: Callable[[dict], None] | None = None,
) -> Correction:
    """Write ``plan`` and keep it in the history: the state before, ``first`` (the review queue's own step),
    the decisions, the moves, the consent that must follow the records, the state after, the audit entry."""
    pairs = [*plan.forget, *plan.joins, *plan.aparts, *plan.decided]
    before = history.snapshot(tx, plan.profiles, pairs, plan.review)
    if first is not None:
        first(before)
    identity_store.forget_decisions(tx, plan.forget, actor)
    identity_store.decide(tx, plan.joins, "join", actor)
    identity_store.decide(tx, plan.aparts, "apart", actor)
    carried = 0
    if plan.clusters:
        identity_store.apply_clusters(tx, plan.clusters, plan.evidence, actor)
        carried = records_moved(store, tx, _profile_of(history.members(before)), actor, None)
    moved = source_records.current_profiles(tx, [record for records in history.members(before).values()
                                                 for record in records])  # fmt: skip
    after = history.snapshot(tx, set(moved.values()), pairs, plan.review)
    event_id = history.add(tx, plan.kind, actor, before, after)
    details = {"profiles_before": plan.profiles, "profiles_after": sorted(set(moved.values())), "carried": carried}
    audit.record(tx, actor, f"identity.{plan.kind}", "identity_history", event_id, details)
    return Correction(event_id, plan.kind, moved, carried)


def _profile_of(members: dict[int, list[int]]) -> dict[int, int]:
    return {record_id: profile_id for profile_id, records in members.items() for record_id in records}


def history_of(store: Store, profile_id: int) -> list[history.Event]:
    """Every event of the identity history that concerned a record of this profile, newest first."""
    with store.read() as tx:
        return history.touching(tx, source_records.records_of_profiles(tx, [profile_id]))


def review_queue(store: Store, actor: str, with_restricted: bool, page: int = 1) -> ReviewPage:
    """Page ``page`` of the review queue as this person may see it (``identity.review_queue.review_page``),
    pairs and count from one read; the viewing is audited."""
    with store.read() as tx:
        found = queue.review_page(tx, store.personal, with_restricted, page)
    audit.record_soon(store, actor, "review.read", None, None, {"pairs": len(found.items)})
    return found
