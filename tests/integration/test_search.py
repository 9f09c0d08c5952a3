"""Search over the keyed-hash index, against a real store."""

from __future__ import annotations

from pathlib import Path

import pytest

from cdp.ingest.pipeline import import_file
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
     "@jwm", "Jürgen W", "jürgen we"],
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
