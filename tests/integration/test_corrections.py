"""Staff corrections of identity against a real store: split, join, review decisions, the history and undo."""

from __future__ import annotations

from datetime import date

import pytest

from cdp import records as source_records
from cdp.errors import NotFound, NotOffered
from cdp.ingest.pipeline import import_data
from cdp.profiles import unified as profiles
from cdp.store.database import Store
from consent import dsr, ledger, repository
from identity import corrections, review_queue
from identity import store as identity_store
from identity.corrections import CorrectionRefused, KeepApartMoves
from identity.resolve import resolve_all, resolve_new
from kundenbild import bootstrap
from tests.helpers import count_rows

HEADER = "ID;Vorname;Nachname;E-Mail;Telefon\n"
# One person in four records: S1, S2 and S4 share an email; S3 shares only S2's phone.
MAX = (
    "S1;Max;Müller;max@example.de;\n"
    "S2;Max;Müller;max@example.de;030 1111111\n"
    "S3;Max;Müller;;030 1111111\n"
    "S4;Max;Müller;max@example.de;\n"
)
OTHERS = "E1;Eva;Schmidt;eva@example.org;\nT1;Tom;Smith;tom@example.com;\n"


MOVED = bootstrap.wiring().records_moved  # the corrections as the program runs them: consent follows the records


@pytest.fixture
def people(store: Store) -> dict[str, int]:
    """Max Müller in one profile of four records, Eva and Tom in one each; record ids by source id."""
    import_data(store, "shop.csv", (HEADER + MAX + OTHERS).encode(), "shop", after_import=resolve_new)
    with store.read() as tx:
        found = source_records.records(tx, store.personal)
    return {record.source_id: record.id for record in found.values()}


def profile_of(store: Store, record_id: int) -> int:
    with store.read() as tx:
        return source_records.profile_of_record(tx, record_id)


def state(store: Store) -> dict:
    """Everything a correction may change, as it stands: profiles and their records, rows, decisions,
    evidence, the review queue, and each profile's consent now."""
    with store.read() as tx:
        found = source_records.records(tx, store.personal)
        groups: dict[int, set[int]] = {}
        for record in found.values():
            groups.setdefault(record.profile_id, set()).add(record.id)
        decisions = identity_store.decision_rows(tx, identity_store.decisions(tx))
        links = {pid: sorted((k.left, k.right, k.method, str(k.evidence)) for k in identity_store.links_of(tx, pid))
                 for pid in groups}  # fmt: skip
        queued = review_queue.review_queue(tx, store.personal, True)[1]
    loaded = {one.id: (one.status, one.staff) for one in profiles.load_many(store, sorted(groups))}
    consent = {pid: consent_now(store, pid) for pid in groups}
    return {"profiles": groups, "rows": loaded, "decisions": decisions, "links": links, "queue": queued,
            "consent": consent}  # fmt: skip


def consent_now(store: Store, profile_id: int) -> dict[tuple[str, str], str]:
    return {key: event.action for key, event in ledger.current(ledger.history(store, profile_id)).items()}


def audited(store: Store) -> list[str]:
    with store.read() as tx:
        return [action for (action,) in tx.exec_driver_sql("SELECT action FROM audit_log ORDER BY id")]


def test_split_moves_only_the_named_record_and_the_rest_stays_together(store: Store, people: dict[str, int]) -> None:
    whole = profile_of(store, people["S1"])
    done = corrections.split_out(store, whole, people["S1"], "sales", MOVED)
    assert done.profile_of[people["S1"]] != whole
    assert state(store)["profiles"][whole] == {people["S2"], people["S3"], people["S4"]}
    assert state(store)["profiles"][done.profile_of[people["S1"]]] == {people["S1"]}
    assert resolve_all(store, "test")["moved"] == 0, "a later run keeps the split as staff made it"


def test_splitting_the_record_that_held_the_rest_together_keeps_the_rest_together(
    store: Store, people: dict[str, int]
) -> None:
    whole = profile_of(store, people["S2"])  # S3 belongs to the others only through S2's phone
    corrections.split_out(store, whole, people["S2"], "sales", MOVED)
    assert state(store)["profiles"][whole] == {people["S1"], people["S3"], people["S4"]}
    with store.read() as tx:
        decided = identity_store.decisions(tx)
    assert {pair for pair, decision in decided.items() if decision == "apart"} == {
        tuple(sorted((people["S2"], other))) for other in (people["S1"], people["S3"], people["S4"])
    }, "the split record is kept apart even from the records it shares an email with"
    assert resolve_all(store, "test")["moved"] == 0


@pytest.mark.parametrize("split", ["S1", "S2"])
@pytest.mark.parametrize("from_the_split_off_profile", [False, True])
def test_split_then_join_restores_the_exact_earlier_profile(
    store: Store, people: dict[str, int], split: str, from_the_split_off_profile: bool
) -> None:
    whole = profile_of(store, people["S1"])
    ledger.record(store, whole, "newsletter", "email", "granted", actor="sales", origin="staff", proof={"r": "x"})
    earlier = state(store)
    apart = corrections.split_out(store, whole, people[split], "sales", MOVED).profile_of[people[split]]
    assert state(store) != earlier
    pair = (apart, whole) if from_the_split_off_profile else (whole, apart)
    joined = corrections.join_profiles(store, *pair, "sales", MOVED)
    assert joined.profile_of[people[split]] == whole
    assert state(store) == earlier
    assert resolve_all(store, "test")["moved"] == 0


def test_a_join_overrides_an_earlier_apart_and_its_undo_brings_both_profiles_back(
    store: Store, people: dict[str, int]
) -> None:
    with store.write() as tx:
        identity_store.decide(tx, [(people["E1"], people["T1"])], "apart", "dpo")
    eva, tom = profile_of(store, people["E1"]), profile_of(store, people["T1"])
    profiles.set_salutation(store, tom, "sales", address_form="du", title=None, gender=None, language=None)
    earlier = state(store)
    done = corrections.join_profiles(store, eva, tom, "sales", MOVED)
    assert profile_of(store, people["E1"]) == profile_of(store, people["T1"]) == min(eva, tom)
    assert resolve_all(store, "test")["moved"] == 0, "the join holds against later runs"
    corrections.undo(store, done.event_id, "sales", MOVED)
    assert state(store) == earlier, "both profiles are back with their numbers, salutation and decision"


def test_joining_a_profile_with_itself_or_with_none_is_refused(store: Store, people: dict[str, int]) -> None:
    eva = profile_of(store, people["E1"])
    with pytest.raises(CorrectionRefused, match="cannot be joined with itself"):
        corrections.join_profiles(store, eva, eva, "sales", MOVED)
    with pytest.raises(NotFound, match="There is no profile 999"):
        corrections.join_profiles(store, eva, 999, "sales", MOVED)
    assert count_rows(store, "identity_history") == 0


def test_a_withdrawal_and_an_objection_survive_a_split_and_a_join(store: Store, people: dict[str, int]) -> None:
    whole = profile_of(store, people["S1"])
    ledger.record(store, whole, "newsletter", "email", "granted", actor="sales", origin="staff", proof={"r": "x"})
    ledger.record(store, whole, "newsletter", "email", "withdrawn", actor="sales", origin="staff", proof={"r": "y"})
    with store.write() as tx:
        ledger.object_to_marketing(store, tx, whole, "dpo")
    under = consent_now(store, whole)
    assert set(under.values()) == {"withdrawn"}
    anchor = min(people[name] for name in ("S1", "S2", "S3", "S4"))  # every event is on it: the split takes it away
    done = corrections.split_out(store, whole, anchor, "sales", MOVED)
    apart = done.profile_of[anchor]
    assert consent_now(store, apart) == under and consent_now(store, whole) == under
    assert done.carried > 0
    carried = [event for event in ledger.history(store, whole) if event.origin == ledger.CARRIED]
    assert carried and {event.actor for event in carried} == {"sales"}
    assert all(event.proof["reason"] == "carried over when the record left the profile" for event in carried)
    corrections.join_profiles(store, whole, apart, "sales", MOVED)
    assert consent_now(store, whole) == under


def test_a_split_off_record_of_a_restricted_profile_stays_restricted(store: Store, people: dict[str, int]) -> None:
    whole = profile_of(store, people["S1"])
    with store.write() as tx:
        repository.set_restricted(tx, whole, True, "dpo", None)
    apart = corrections.split_out(store, whole, people["S4"], "dpo", MOVED).profile_of[people["S4"]]
    assert profiles.load(store, apart).status == profiles.load(store, whole).status == "restricted"


def test_undo_of_a_split_restores_the_earlier_state(store: Store, people: dict[str, int]) -> None:
    whole = profile_of(store, people["S1"])
    earlier = state(store)
    done = corrections.split_out(store, whole, people["S2"], "sales", MOVED)
    undone = corrections.undo(store, done.event_id, "sales", MOVED)
    assert state(store) == earlier
    assert undone.profiles == [whole]
    [undo, split] = corrections.history_of(store, whole)
    assert (undo.kind, undo.undoes, split.kind, split.undone_by) == ("undo", split.id, "split", undo.id)
    corrections.undo(store, undo.id, "sales", MOVED)  # undoing the undo splits again
    assert state(store)["profiles"][done.profile_of[people["S2"]]] == {people["S2"]}


def test_undo_of_a_review_join_puts_the_pair_back_on_the_queue(store: Store, people: dict[str, int]) -> None:
    eva, tom = people["E1"], people["T1"]
    with store.write() as tx:
        review_queue.replace_review(tx, [identity_store.Link(*sorted((eva, tom)), "model", 0.8, {"probability": 0.8})])
    earlier = state(store)
    done = corrections.settle(store, eva, tom, "join", "sales", with_restricted=False, records_moved=MOVED)
    assert profile_of(store, eva) == profile_of(store, tom) and state(store)["queue"] == 0
    corrections.undo(store, done.event_id, "sales", MOVED)
    assert state(store) == earlier


def test_keeping_apart_two_records_of_one_profile_says_what_it_moves_first(
    store: Store, people: dict[str, int]
) -> None:
    whole = profile_of(store, people["S1"])
    low, high = sorted((people["S1"], people["S4"]))
    with store.write() as tx:
        review_queue.replace_review(tx, [identity_store.Link(low, high, "model", 0.7, {"probability": 0.7})])
    earlier = state(store)
    with pytest.raises(KeepApartMoves) as announced:
        corrections.settle(store, low, high, "apart", "sales", with_restricted=False, records_moved=MOVED)
    assert state(store) == earlier and count_rows(store, "identity_history") == 0
    moving = announced.value.record_id
    assert announced.value.profile_id == whole and f"moves record {moving} out of it" in str(announced.value)
    done = corrections.settle(store, low, high, "apart", "sales", with_restricted=False, records_moved=MOVED,
                              confirmed=True)  # fmt: skip
    assert state(store)["profiles"][done.profile_of[moving]] == {moving}, "only the record announced moved"
    assert len(state(store)["profiles"][whole]) == 3
    corrections.undo(store, done.event_id, "sales", MOVED)
    assert state(store) == earlier


def test_keeping_apart_a_pair_not_on_the_queue_is_not_offered(store: Store, people: dict[str, int]) -> None:
    with pytest.raises(NotOffered):
        corrections.settle(store, people["S1"], people["S4"], "apart", "sales", with_restricted=False,
                           records_moved=MOVED, confirmed=True)  # fmt: skip
    assert count_rows(store, "identity_history") == 0


def test_undo_is_refused_and_changes_nothing_when_the_records_moved_since(store: Store, people: dict[str, int]) -> None:
    whole = profile_of(store, people["S1"])
    first = corrections.split_out(store, whole, people["S1"], "sales", MOVED)
    corrections.split_out(store, whole, people["S4"], "sales", MOVED)
    before = state(store)
    with pytest.raises(CorrectionRefused, match=f"profile {whole} changed since"):
        corrections.undo(store, first.event_id, "sales", MOVED)
    assert state(store) == before
    with pytest.raises(NotFound):
        corrections.undo(store, 999, "sales", MOVED)


def test_undo_is_refused_when_a_restriction_changed_since(store: Store, people: dict[str, int]) -> None:
    done = corrections.split_out(store, profile_of(store, people["S1"]), people["S1"], "sales", MOVED)
    with store.write() as tx:
        repository.set_restricted(tx, done.profile_of[people["S1"]], True, "dpo", None)
    with pytest.raises(CorrectionRefused, match="changed since"):
        corrections.undo(store, done.event_id, "dpo", MOVED)


def test_undo_of_a_join_keeps_an_objection_made_while_joined_on_both_parts(
    store: Store, people: dict[str, int]
) -> None:
    eva, tom = profile_of(store, people["E1"]), profile_of(store, people["T1"])
    done = corrections.join_profiles(store, eva, tom, "sales", MOVED)
    request = dsr.open_request(store, "objection", {"name": "Eva"}, date.today(), "dpo")
    dsr.confirm_subject(store, request, done.profiles[0], "dpo")
    dsr.verify(store, request, "known_email", "dpo")
    dsr.object_to_marketing(store, request, "dpo")
    objected = consent_now(store, done.profiles[0])
    assert objected and set(objected.values()) == {"withdrawn"}
    undone = corrections.undo(store, done.event_id, "dpo", MOVED)
    assert {profile_id: consent_now(store, profile_id) for profile_id in undone.profiles} == dict.fromkeys(
        undone.profiles, objected
    )


def test_every_correction_is_audited_and_kept_in_the_history(store: Store, people: dict[str, int]) -> None:
    whole = profile_of(store, people["S1"])
    split = corrections.split_out(store, whole, people["S1"], "sales", MOVED)
    corrections.join_profiles(store, whole, profile_of(store, people["E1"]), "marketing", MOVED)
    corrections.undo(store, split.event_id + 1, "admin", MOVED)
    actions = audited(store)
    assert {"identity.split", "identity.join", "identity.undo", "link.apart", "link.join"} <= set(actions)
    events = corrections.history_of(store, whole)
    assert [(event.kind, event.actor) for event in events] == [("undo", "admin"), ("join", "marketing"),
                                                                ("split", "sales")]  # fmt: skip
    assert events[2].profiles_before == {whole: sorted(people[name] for name in ("S1", "S2", "S3", "S4"))}
