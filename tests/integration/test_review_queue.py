"""The review queue against a real store: what it offers, in which order, a page at a time."""

from __future__ import annotations

import pytest

from cdp import records as source_records
from cdp.errors import CdpError, NotOffered
from cdp.ingest.pipeline import import_data
from cdp.store.database import Store
from consent import repository
from identity import review_queue
from identity import store as identity_store
from identity.corrections import join_profiles, settle
from identity.resolve import resolve_new
from kundenbild import bootstrap

HEADER = "ID;Vorname;Nachname;E-Mail\n"


MOVED = bootstrap.wiring().records_moved  # the corrections as the program runs them: consent follows the records


def import_people(store: Store, source: str, people: list[tuple[str, str, str, str]]) -> dict[str, int]:
    """Import ``(id, first name, last name, email)`` rows into ``source``; record ids by the rows' ids."""
    rows = "".join(";".join(person) + "\n" for person in people)
    import_data(store, f"{source}.csv", (HEADER + rows).encode(), source, after_import=resolve_new)
    with store.read() as tx:
        found = source_records.records(tx, store.personal)
    return {record.source_id: record.id for record in found.values() if record.source == source}


def many_people(store: Store, count: int) -> list[int]:
    """``count`` people, each in a profile of their own; their record ids."""
    people = [(f"P{n}", f"Vorname{n}", f"Nachname{n}", f"p{n}@example.org") for n in range(count)]
    ids = import_people(store, "shop", people)
    return [ids[f"P{n}"] for n in range(count)]


def queue(store: Store, *pairs: tuple[int, int, float]) -> None:
    """The review queue becomes exactly ``pairs`` of ``(record, record, probability)``."""
    links = [
        identity_store.Link(*sorted((left, right)), "model", probability, {"probability": probability})
        for left, right, probability in pairs
    ]
    with store.write() as tx:
        review_queue.replace_review(tx, links)


def page_of(store: Store, number: int = 1, with_restricted: bool = True) -> review_queue.ReviewPage:
    with store.read() as tx:
        return review_queue.review_page(tx, store.personal, with_restricted, number)


def pairs_on(page: review_queue.ReviewPage) -> list[tuple[int, int]]:
    return [(item.left.id, item.right.id) for item in page.items]


def pair(left: int, right: int) -> tuple[int, int]:
    """A pair as the queue keeps it: the lower record id first."""
    low, high = sorted((left, right))
    return low, high


def profile_of(store: Store, record_id: int) -> int:
    with store.read() as tx:
        return source_records.profile_of_record(tx, record_id)


def test_a_pair_already_in_one_profile_is_neither_offered_nor_counted_nor_settled(store: Store) -> None:
    shop = import_people(store, "shop", [("S1", "Max", "Müller", "max@example.de"), ("S2", "Eva", "Schmidt", "e@x.de")])
    letter = import_people(store, "newsletter", [("N1", "Maximilian", "Mueller", "MAX@example.de")])
    assert profile_of(store, shop["S1"]) == profile_of(store, letter["N1"])
    queue(store, (shop["S1"], letter["N1"], 0.9), (shop["S2"], letter["N1"], 0.6))
    page = page_of(store)
    assert page.total == 1 and pairs_on(page) == [pair(shop["S2"], letter["N1"])]
    with store.write() as tx, pytest.raises(NotOffered):
        review_queue.settle_review(tx, shop["S1"], letter["N1"], "apart", "sales", with_restricted=True)
    with pytest.raises(NotOffered):
        settle(store, shop["S1"], letter["N1"], "join", "sales", with_restricted=True, records_moved=MOVED)
    with pytest.raises(CdpError):  # keeping them apart would move a record: refused unless confirmed
        settle(store, shop["S1"], letter["N1"], "apart", "sales", with_restricted=True, records_moved=MOVED)
    with store.read() as tx:
        assert identity_store.decisions(tx) == {}
    assert profile_of(store, shop["S1"]) == profile_of(store, letter["N1"])


def test_a_pair_joined_after_it_was_queued_leaves_the_queue(store: Store) -> None:
    first, second, third = many_people(store, 3)
    queue(store, (first, second, 0.8), (second, third, 0.7))
    assert page_of(store).total == 2
    join_profiles(store, profile_of(store, first), profile_of(store, second), "sales", MOVED)
    page = page_of(store)
    assert page.total == 1 and pairs_on(page) == [pair(second, third)]
    with pytest.raises(NotOffered):
        settle(store, first, second, "join", "sales", with_restricted=True, records_moved=MOVED)


def test_the_second_page_holds_the_next_pairs_and_the_count_is_over_all(store: Store) -> None:
    anchor, *others = many_people(store, 26)
    queue(store, *((anchor, other, 0.9 - n / 100) for n, other in enumerate(others)))
    first, second = page_of(store, 1), page_of(store, 2)
    assert (first.total, second.total, first.pages) == (25, 25, 2)
    assert pairs_on(first) == [pair(anchor, other) for other in others[:20]]
    assert pairs_on(second) == [pair(anchor, other) for other in others[20:]]
    assert (second.number, second.first, second.last) == (2, 21, 25)
    assert pairs_on(page_of(store, 99)) == pairs_on(second) and page_of(store, 99).number == 2
    assert page_of(store, 0).number == 1


def test_pairs_of_the_largest_profiles_come_first_then_those_nearest_the_join_threshold(store: Store) -> None:
    others = [(f"S{n}", f"Vorname{n}", f"Nachname{n}", f"{n}@example.org") for n in range(2, 7)]
    shop = import_people(store, "shop", [("S1", "Max", "Müller", "max@example.de"), *others])
    letter = import_people(store, "newsletter", [("N1", "Maximilian", "Mueller", "MAX@example.de")])
    big = shop["S1"]  # its profile holds two records, the newsletter's too
    assert profile_of(store, big) == profile_of(store, letter["N1"])
    queue(store, (shop["S2"], shop["S3"], 0.7), (big, shop["S4"], 0.55), (shop["S5"], shop["S6"], 0.93))
    page = page_of(store)
    assert pairs_on(page) == [pair(big, shop["S4"]), pair(shop["S5"], shop["S6"]), pair(shop["S2"], shop["S3"])]
    assert [item.left_size + item.right_size for item in page.items] == [3, 2, 2]


def test_the_order_follows_the_configured_join_threshold(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    first, second, third, fourth = many_people(store, 4)
    queue(store, (first, second, 0.9), (third, fourth, 0.65))
    assert pairs_on(page_of(store)) == [pair(first, second), pair(third, fourth)]
    monkeypatch.setenv("CDP_MATCH_JOIN", "0.7")
    monkeypatch.setenv("CDP_MATCH_REVIEW", "0.5")
    assert pairs_on(page_of(store)) == [pair(third, fourth), pair(first, second)]


def test_a_pair_with_a_restricted_person_is_hidden_from_sales_and_shown_to_the_dpo(store: Store) -> None:
    first, second, third, fourth = many_people(store, 4)
    queue(store, (first, second, 0.8), (third, fourth, 0.7))
    restricted = profile_of(store, second)
    with store.write() as tx:
        repository.set_restricted(tx, restricted, True, "dpo", None)
    for_sales, for_dpo = page_of(store, with_restricted=False), page_of(store, with_restricted=True)
    assert for_sales.total == 1 and pairs_on(for_sales) == [pair(third, fourth)]
    assert for_dpo.total == 2 and pair(first, second) in pairs_on(for_dpo)
    with pytest.raises(NotOffered):
        settle(store, first, second, "join", "sales", with_restricted=False, records_moved=MOVED)
    settle(store, first, second, "apart", "dpo", with_restricted=True, records_moved=MOVED)
    assert page_of(store, with_restricted=True).total == 1
