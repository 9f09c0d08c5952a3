"""Search over the keyed-hash index, against a real store."""

from __future__ import annotations

from pathlib import Path

import pytest

from cdp.ingest.pipeline import import_file
from cdp.profiles import relevance
from cdp.profiles import unified as profiles
from cdp.store.database import Store
from tests.helpers import write_file

CONTACTS = (
    "Kundennummer;Vorname;Nachname;E-Mail;Telefon;X\n"
    "100234;Jürgen;Weiß-Müller;jw@example.de;030 1234567;@jwm\n"
    "K-77;Anna;Schmidt;anna@example.org;;\n"
)


@pytest.fixture
def filled(store: Store, tmp_path: Path) -> Store:
    import_file(store, write_file(tmp_path, "c.csv", CONTACTS), "webshop")
    return store


def names(store: Store, query: str) -> list[str]:
    return [found.display_name for found in profiles.search(store, query, "DE")]


@pytest.mark.parametrize(
    "query",
    ["jürgen", "JUERGEN weiss", "müller", "mueller", "weiß-müller", "100234", "030 1234567", "+49301234567", "jwm",
     "@jwm", "Jürgen W", "jürgen we", "jw@exa", "jw@example", "JW@EXAMPLE.DE"],
)
def test_each_way_of_asking_finds_the_person(filled: Store, query: str) -> None:
    assert names(filled, query) == ["Jürgen Weiß-Müller"]


def test_every_word_must_match(filled: Store) -> None:
    assert names(filled, "anna müller") == []
    assert names(filled, "77") == ["Anna Schmidt"]


def test_nothing_in_the_index_is_readable(filled: Store) -> None:
    with filled.read() as connection:
        digests = [bytes(row[0]) for row in connection.exec_driver_sql("SELECT digest FROM search_token")]
    assert digests and all(len(digest) == 8 for digest in digests)
    assert not any(b"jur" in digest or b"mul" in digest for digest in digests)


RANKED = (
    "ID;Vorname;Nachname;Firma;E-Mail\n"
    "R1;Anna;Schmidt;Müller Bau GmbH;anna.schmidt@example.org\n"
    "R2;Bernd;Müllermann;;bernd@example.org\n"
    "R3;Müller;Klein;;mk@example.org\n"
    "R4;Bernd;Müller;;bm@example.org\n"
)


@pytest.fixture
def ranked(store: Store, tmp_path: Path) -> Store:
    import_file(store, write_file(tmp_path, "r.csv", RANKED), "crm")
    return store


def test_the_best_fit_comes_first_and_says_why(ranked: Store) -> None:
    found = profiles.find(ranked, "Müller", "DE")
    assert [hit.profile.display_name for hit in found.hits] == [
        "Bernd Müller", "Bernd Müllermann", "Müller Klein", "Anna Schmidt"]  # fmt: skip
    why = [[(match.field, match.value, match.whole) for match in hit.matches] for hit in found.hits]
    assert why == [[("last_name", "Müller", True)], [("last_name", "Müllermann", False)],
                   [("first_name", "Müller", True)], [("company", "Müller Bau GmbH", True)]]  # fmt: skip
    assert found.total == 4


def test_two_words_weigh_together(ranked: Store) -> None:
    assert names(ranked, "Bernd Mül") == ["Bernd Müller", "Bernd Müllermann"]
    assert [hit.matches[0].field for hit in profiles.find(ranked, "bm@example.org", "DE").hits] == ["email"]


def test_a_limit_shows_the_best_and_counts_the_rest(ranked: Store) -> None:
    found = profiles.find(ranked, "Müller", "DE", limit=2)
    assert len(found.hits) == 2 and found.total == 4


def test_a_city_finds_its_people_after_names(store: Store, tmp_path: Path) -> None:
    people = "ID;Vorname;Nachname;Ort\nC1;Lea;Lang;Berlin\nC2;Bert;Berlinger;Hamburg\nC3;Ida;Igel;Köln\n"
    import_file(store, write_file(tmp_path, "c.csv", people), "laden")
    found = profiles.find(store, "berlin", "DE")
    assert [hit.profile.display_name for hit in found.hits] == ["Bert Berlinger", "Lea Lang"]
    assert found.hits[1].matches == (relevance.Match("city", "Berlin", True),)
    assert names(store, "koeln") == ["Ida Igel"]


def test_part_of_an_address_finds_it(filled: Store) -> None:
    assert names(filled, "example") == [], "the domain names many people: it is not a word of the index"
    assert names(filled, "anna@") == ["Anna Schmidt"]
    assert names(filled, "anna@example.com") == [], "a whole address is looked up whole"
