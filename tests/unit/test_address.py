"""Splitting one-column addresses: every form met in exports, and never a crash."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cdp import normalise
from cdp.ingest.address import POSTCODE_PREFIXES, format_address, split_address

GERMAN_FORMS = [
    (
        "Musterstraße 12a, 10115 Berlin",
        {"street": "Musterstraße", "house_number": "12a", "postcode": "10115", "city": "Berlin"},
    ),
    (
        "Hauptstr. 5 / 2. OG, 80331 München",
        {"street": "Hauptstr.", "house_number": "5", "address_extra": "2. OG", "postcode": "80331", "city": "München"},
    ),
    (
        "Am Markt 3, D-01067 Dresden",
        {"street": "Am Markt", "house_number": "3", "postcode": "01067", "city": "Dresden", "country": "DE"},
    ),
    (
        "Mariahilfer Straße 1/3/5, 1060 Wien",
        {"street": "Mariahilfer Straße", "house_number": "1/3/5", "postcode": "1060", "city": "Wien"},
    ),
    ("A-1010 Wien", {"postcode": "1010", "city": "Wien", "country": "AT"}),
    (
        "Bahnhofstrasse 1, 8001 Zürich",
        {"street": "Bahnhofstrasse", "house_number": "1", "postcode": "8001", "city": "Zürich"},
    ),
    ("CH-8001 Zürich", {"postcode": "8001", "city": "Zürich", "country": "CH"}),
    (
        "Musterstraße 12a\n10115 Berlin",
        {"street": "Musterstraße", "house_number": "12a", "postcode": "10115", "city": "Berlin"},
    ),
    (
        "Musterstraße 12a\r\n10115 Berlin\r\nDeutschland",
        {
            "street": "Musterstraße",
            "house_number": "12a",
            "postcode": "10115",
            "city": "Berlin",
            "country": "Deutschland",
        },
    ),
    (
        "Musterstraße 12a, 10115 Berlin, Germany",
        {"street": "Musterstraße", "house_number": "12a", "postcode": "10115", "city": "Berlin", "country": "Germany"},
    ),
    (
        "Mariahilfer Straße 1, 1060 Wien, Österreich",
        {
            "street": "Mariahilfer Straße",
            "house_number": "1",
            "postcode": "1060",
            "city": "Wien",
            "country": "Österreich",
        },
    ),
    (
        "Bahnhofstrasse 1\n8001 Zürich\nSchweiz",
        {"street": "Bahnhofstrasse", "house_number": "1", "postcode": "8001", "city": "Zürich", "country": "Schweiz"},
    ),
    (
        "Am Markt 3, 01067 Dresden, DE",
        {"street": "Am Markt", "house_number": "3", "postcode": "01067", "city": "Dresden", "country": "DE"},
    ),
    (
        "Bahnhofstrasse 1, 8001 Zürich, CH",
        {"street": "Bahnhofstrasse", "house_number": "1", "postcode": "8001", "city": "Zürich", "country": "CH"},
    ),
    (
        "Ringstraße 1, 1010 Wien, AT",
        {"street": "Ringstraße", "house_number": "1", "postcode": "1010", "city": "Wien", "country": "AT"},
    ),
    (
        "Musterstraße 12, Hinterhaus, 10115 Berlin",
        {
            "street": "Musterstraße",
            "house_number": "12",
            "address_extra": "Hinterhaus",
            "postcode": "10115",
            "city": "Berlin",
        },
    ),
    (
        "Straße des 17. Juni 114, 10623 Berlin",
        {"street": "Straße des 17. Juni", "house_number": "114", "postcode": "10623", "city": "Berlin"},
    ),
    (
        "Musterstraße 12 a, 10115 Berlin",
        {"street": "Musterstraße", "house_number": "12 a", "postcode": "10115", "city": "Berlin"},
    ),
    (
        "Musterstraße 12a 10115 Berlin",
        {"street": "Musterstraße", "house_number": "12a", "postcode": "10115", "city": "Berlin"},
    ),
    ("Musterstraße 12a", {"street": "Musterstraße", "house_number": "12a"}),
    ("Musterstraße 12a, Berlin", {"street": "Musterstraße", "house_number": "12a", "city": "Berlin"}),
    (
        "Musterstraße 12  Hinterhaus  Berlin  BE  10115  DE",
        {
            "street": "Musterstraße",
            "house_number": "12",
            "address_extra": "Hinterhaus",
            "city": "Berlin",
            "region": "BE",
            "postcode": "10115",
            "country": "DE",
        },
    ),
    (
        "Musterstraße 12    Berlin    10115  DE",
        {"street": "Musterstraße", "house_number": "12", "city": "Berlin", "postcode": "10115", "country": "DE"},
    ),
]

OTHER_FORMS = [
    (
        "12 High Street, London SW1A 1AA",
        {"house_number": "12", "street": "High Street", "city": "London", "postcode": "SW1A 1AA"},
    ),
    (
        "12 High Street\nLondon\nSW1A 1AA\nGB",
        {"house_number": "12", "street": "High Street", "city": "London", "postcode": "SW1A 1AA", "country": "GB"},
    ),
    (
        "123 Main St, Springfield, IL 62704",
        {"house_number": "123", "street": "Main St", "city": "Springfield", "region": "IL", "postcode": "62704"},
    ),
    (
        "123 Main St, Apt 4, Springfield, IL 62704-1234, US",
        {
            "house_number": "123",
            "street": "Main St",
            "address_extra": "Apt 4",
            "city": "Springfield",
            "region": "IL",
            "postcode": "62704-1234",
            "country": "US",
        },
    ),
    (
        "123 Main St    Springfield  IL  62704  US",
        {
            "house_number": "123",
            "street": "Main St",
            "city": "Springfield",
            "region": "IL",
            "postcode": "62704",
            "country": "US",
        },
    ),
]


@pytest.mark.parametrize(("raw", "expected"), GERMAN_FORMS + OTHER_FORMS)
def test_split_address(raw: str, expected: dict[str, str]) -> None:
    assert split_address(raw) == expected


@pytest.mark.parametrize(
    "raw",
    ["irgendwo, hinter, den, sieben, Bergen", "c/o Müller, Postfach, 4, 5", "12345", "SW1A 1AA, 10115"],
)
def test_what_makes_no_sense_stays_whole_in_street(raw: str) -> None:
    assert split_address(raw) == {"street": " ".join(raw.split())}


@pytest.mark.parametrize("raw", ["", "   ", "\n\n", ", ,"])
def test_nothing_gives_nothing(raw: str) -> None:
    assert split_address(raw) == {}


@pytest.mark.parametrize(("raw", "expected"), GERMAN_FORMS)
def test_german_forms_read_back_the_same(raw: str, expected: dict[str, str]) -> None:
    parsed = split_address(raw)
    assert split_address(format_address(parsed)) == parsed


KEYS = {"street", "house_number", "address_extra", "postcode", "city", "region", "country"}


def _squeezed(text: str) -> str:
    return "".join(text.split())


@given(st.text())
def test_any_text_gives_parts_taken_from_it(raw: str) -> None:
    parts = split_address(raw)
    assert set(parts) <= KEYS
    for key, value in parts.items():
        assert isinstance(value, str) and value
        if key == "country" and value in POSTCODE_PREFIXES.values():
            continue
        assert all(_squeezed(piece) in _squeezed(normalise.text(raw)) for piece in value.split(", "))


@given(
    st.lists(st.sampled_from([" ", "  ", ",", "\n", "/", "-", "12", "a", "D-", "10115", "Berlin", "IL"]), max_size=12)
)
def test_address_like_noise_never_raises(pieces: list[str]) -> None:
    assert set(split_address("".join(pieces))) <= KEYS


words = st.from_regex(r"[A-ZÄÖÜ][a-zäöüß]{1,12}", fullmatch=True)
streets = st.builds(
    lambda first, rest, suffix: " ".join([first, *rest]) + suffix,
    words,
    st.lists(words, max_size=2),
    st.sampled_from(["", "straße", "str.", "weg", "gasse"]),
)
german_addresses = st.fixed_dictionaries(
    {
        "street": streets,
        "house_number": st.from_regex(r"[1-9][0-9]{0,2}[a-e]?(/[1-9][0-9]?){0,2}", fullmatch=True),
        "postcode": st.from_regex(r"[0-9]{5}|[1-9][0-9]{3}", fullmatch=True),
        "city": st.builds(" ".join, st.lists(words, min_size=1, max_size=2)),
    },
    optional={
        "address_extra": st.sampled_from(["Hinterhaus", "2. OG", "c/o Müller", "Aufgang B"]),
        "country": st.sampled_from(["Deutschland", "Österreich", "Schweiz", "DE", "AT", "CH"]),
    },
)


@given(german_addresses)
def test_formatted_german_addresses_split_into_their_parts(parts: dict[str, str]) -> None:
    assert split_address(format_address(parts)) == parts


def test_text_longer_than_an_address_stays_whole() -> None:
    raw = "Straße " * 100 + "1, 10115 Berlin"
    assert split_address(raw) == {"street": " ".join(raw.split())}
