"""Identity resolution against a real store: joins, the household guard, staff decisions."""

from __future__ import annotations

from pathlib import Path

import pytest

from cdp import linking
from cdp.ingest import import_file
from cdp.store import Store
from identity.resolve import resolve_all, resolve_new
from tests.helpers import write_file

SHOP = (
    "ID;Vorname;Nachname;E-Mail;Telefon;Straße;PLZ;Ort;Geburtsdatum\n"
    "S1;Max;Müller;max@example.de;030 1111111;Hauptstraße 5;10115;Berlin;04.03.1980\n"
    "S2;Anna;Müller;anna@example.de;030 1111111;Hauptstraße 5;10115;Berlin;01.07.1982\n"
    "S3;Eva;Schmidt;eva@example.org;;Ölweg 2;80331;München;24.12.1975\n"
)
NEWSLETTER = (
    "ID;Vorname;Nachname;E-Mail\n"
    "N1;Maximilian;Mueller;MAX@example.de\n"
    "N2;Tom;Smith;eva@example.org\n"
    "N3;Paul;Müller;paul@example.de\n"
)


@pytest.fixture
def shop_and_newsletter(store: Store, tmp_path: Path) -> Store:
    import_file(store, write_file(tmp_path, "shop.csv", SHOP), "shop")
    import_file(store, write_file(tmp_path, "nl.csv", NEWSLETTER), "newsletter")
    return store


def people(store: Store) -> set[frozenset[str]]:
    """Profiles as sets of ``source:id``."""
    groups: dict[int, set[str]] = {}
    for record in linking.records(store).values():
        groups.setdefault(record.profile_id, set()).add(f"{record.source}:{record.source_id}")
    return {frozenset(group) for group in groups.values()}


def test_shared_email_joins_across_sources_with_nickname_and_spelling(shop_and_newsletter: Store) -> None:
    resolve_all(shop_and_newsletter, actor="test")
    assert frozenset({"shop:S1", "newsletter:N1"}) in people(shop_and_newsletter)


def test_household_sharing_a_landline_stays_apart(shop_and_newsletter: Store) -> None:
    resolve_all(shop_and_newsletter, actor="test")
    assert not any({"shop:S1", "shop:S2"} <= group for group in people(shop_and_newsletter))


def test_shared_email_with_a_different_first_name_is_not_joined(shop_and_newsletter: Store) -> None:
    resolve_all(shop_and_newsletter, actor="test")
    assert frozenset({"shop:S3"}) in people(shop_and_newsletter)


def test_evidence_is_kept_for_every_join(shop_and_newsletter: Store) -> None:
    resolve_all(shop_and_newsletter, actor="test")
    [merged] = [
        record.profile_id for record in linking.records(shop_and_newsletter).values() if record.source_id == "N1"
    ]
    [link] = linking.links_of(shop_and_newsletter, merged)
    assert link.evidence["shared"] == ["email"]
    assert link.evidence["first_name"] == "nickname" and link.evidence["last_name"] == "exact"


def test_staff_apart_is_never_undone_and_staff_join_always_holds(shop_and_newsletter: Store) -> None:
    ids = {record.source_id: record.id for record in linking.records(shop_and_newsletter).values()}
    linking.decide(shop_and_newsletter, ids["S1"], ids["N1"], "apart", actor="dpo")
    linking.decide(shop_and_newsletter, ids["S3"], ids["N2"], "join", actor="sales")
    resolve_all(shop_and_newsletter, actor="test")
    resolve_all(shop_and_newsletter, actor="test")
    groups = people(shop_and_newsletter)
    assert frozenset({"shop:S3", "newsletter:N2"}) in groups
    assert not any({"shop:S1", "newsletter:N1"} <= group for group in groups)


def test_resolution_is_stable_when_run_twice(shop_and_newsletter: Store) -> None:
    resolve_all(shop_and_newsletter, actor="test")
    first = people(shop_and_newsletter)
    again = resolve_all(shop_and_newsletter, actor="test")
    assert people(shop_and_newsletter) == first and again["moved"] == 0


def test_new_records_join_existing_profiles_incrementally(store: Store, tmp_path: Path) -> None:
    import_file(store, write_file(tmp_path, "shop.csv", SHOP), "shop")
    resolve_all(store, actor="test")
    import_file(store, write_file(tmp_path, "nl.csv", NEWSLETTER), "newsletter")
    new = [record.id for record in linking.records(store).values() if record.source == "newsletter"]
    resolve_new(store, new, actor="test")
    assert frozenset({"shop:S1", "newsletter:N1"}) in people(store)
    assert not any({"shop:S1", "shop:S2"} <= group for group in people(store))


def test_weak_links_do_not_chain_conflicting_records(store: Store, tmp_path: Path) -> None:
    rows = (
        "ID;Vorname;Nachname;E-Mail;Telefon;Geburtsdatum\n"
        "A;Max;Muster;max@example.de;;04.03.1980\n"
        "B;Max;Muster;max@example.de;0171 2222222;\n"
        "C;Max;Muster;;0171 2222222;09.09.1999\n"
    )
    import_file(store, write_file(tmp_path, "c.csv", rows), "shop")
    resolve_all(store, actor="test")
    assert not any({"shop:A", "shop:C"} <= group for group in people(store))


def test_each_profile_keeps_one_link_per_join_however_often_it_is_resolved(store: Store, tmp_path: Path) -> None:
    import_file(store, write_file(tmp_path, "shop.csv", SHOP), "shop")
    three = NEWSLETTER + "N4;Max;Müller;max@example.de\n"
    import_file(store, write_file(tmp_path, "nl.csv", three), "newsletter")
    for _ in range(2):
        resolve_new(store, [record.id for record in linking.records(store).values()], actor="test")
        resolve_all(store, actor="test")
    [max_profile] = {r.profile_id for r in linking.records(store).values() if r.source_id in ("S1", "N1", "N4")}
    links = linking.links_of(store, max_profile)
    assert len(links) == 2 and len({(link.left, link.right) for link in links}) == 2
