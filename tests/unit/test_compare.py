"""Field comparisons: the levels staff will read as evidence."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from identity import compare


@pytest.mark.parametrize(
    ("left", "right", "level"),
    [
        ("Max", "max", "exact"),
        ("Jürgen", "Juergen", "exact"),
        ("Max", "Maximilian", "nickname"),
        ("Katharina", "Katharnia", "jw_high"),
        ("Christine", "Kristine", "jw_mid"),
        ("Anna", "Hans", "different"),
        ("Anna", "", "missing"),
    ],
)
def test_first_name_levels(left: str, right: str, level: str) -> None:
    assert compare.first_name(left, right) == level


@pytest.mark.parametrize(
    ("left", "right", "level"),
    [
        ("Müller", "Mueller", "exact"),
        ("Weiß-Müller", "Müller", "exact"),
        ("Schmidt", "Schmitt", "jw_high"),
        ("Meyer", "Maier", "phonetic"),
        ("Müller", "Schmidt", "different"),
    ],
)
def test_surname_levels(left: str, right: str, level: str) -> None:
    assert compare.surname(left, right) == level


def test_swapped_names() -> None:
    assert compare.names_swapped("Müller", "Max", "Max", "Mueller")
    assert not compare.names_swapped("Max", "Müller", "Max", "Müller")


@pytest.mark.parametrize(
    ("left", "right", "level"),
    [
        ("1980-03-04", "1980-03-04", "exact"),
        ("1980-03-04", "1980-04-03", "day_month_swapped"),
        ("1980-03-04", "1981-03-04", "one_digit_off"),
        ("1980-03-04", "1980-11-20", "same_year"),
        ("1980-03-04", "1975-12-24", "different"),
        ("1980-03-04", None, "missing"),
    ],
)
def test_birth_date_levels(left: str, right: str | None, level: str) -> None:
    assert compare.birth_date(left, right) == level


@given(st.dates(min_value=date(1900, 1, 1)), st.dates(min_value=date(1900, 1, 1)))
def test_birth_date_level_is_symmetric(left: date, right: date) -> None:
    assert compare.birth_date(left.isoformat(), right.isoformat()) == compare.birth_date(
        right.isoformat(), left.isoformat()
    )


@given(st.text(max_size=20), st.text(max_size=20))
def test_name_levels_are_symmetric(left: str, right: str) -> None:
    assert compare.surname(left, right) == compare.surname(right, left)
    assert compare.first_name(left, right) == compare.first_name(right, left)


HOME = {"street": "Hauptstraße 5", "postcode": "10115", "city": "Berlin"}


def test_address_levels() -> None:
    assert compare.address(HOME, {"street": "Hauptstr. 5", "postcode": "10115", "city": "Berlin"}) == "same_house"
    assert compare.address(HOME, {"street": "Hauptstraße", "house_number": "7", "postcode": "10115"}) == "same_street"
    assert compare.address(HOME, {"street": "Ölweg 1", "postcode": "10115"}) == "same_postcode"
    assert compare.address(HOME, {"street": "Ölweg 1", "postcode": "10117", "city": "berlin"}) == "same_city"
    assert compare.address(HOME, {"street": "Ölweg 1"}) == "missing"


def test_household_members_stay_apart_but_a_person_with_a_nickname_does_not() -> None:
    max_ = {**HOME, "first_name": "Max", "last_name": "Müller", "birth_date": "1980-03-04"}
    anna = {**HOME, "first_name": "Anna", "last_name": "Müller", "birth_date": "1982-07-01"}
    maximilian = {**HOME, "first_name": "Maximilian", "last_name": "Mueller", "birth_date": "1980-03-04"}
    assert compare.household_apart(max_, anna)
    assert not compare.household_apart(max_, maximilian)
