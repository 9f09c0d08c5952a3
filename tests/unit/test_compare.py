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


def test_an_address_with_a_typo_or_a_mistyped_postcode_is_still_the_same_house() -> None:
    assert compare.address(HOME, {"street": "Hauptsrtaße 5", "postcode": "10115", "city": "Berlin"}) == "same_house"
    assert compare.address(HOME, {"street": "Hauptstraße 5", "postcode": "10151", "city": "Berlim"}) == "same_house"
    assert compare.address(HOME, {"street": "Hauptstraße 5", "postcode": "10151"}) == "different"


MAX = {**HOME, "first_name": "Max", "last_name": "Müller", "birth_date": "1980-03-04"}


@pytest.mark.parametrize(
    ("other", "apart"),
    [
        ({"first_name": "Max", "birth_date": "1999-09-09"}, False),  # a date entered wrongly, or a son: weighed
        ({"first_name": "Anna", "birth_date": "1980-03-04"}, False),  # twins, or a first name entered wrongly
        ({"first_name": "Anna", "birth_date": "1982-07-01"}, True),  # two people under one roof
        ({"first_name": "Anna", "birth_date": ""}, True),  # a couple in a newsletter list, without dates
        ({"first_name": "Anna", "birth_date": "1980-03-14"}, False),  # the date one digit off
        ({"first_name": "Mxa", "birth_date": "1982-07-01"}, False),  # two typos are not another name
        ({"first_name": "Anna", "birth_date": "1982-07-01", "street": "Ölweg 1"}, False),  # not one household
    ],
)
def test_only_a_household_of_two_first_names_and_two_dates_is_certainly_two_people(other: dict, apart: bool) -> None:
    assert compare.different_people(MAX, {**MAX, **other}) is apart


def test_first_names_two_typos_apart_are_not_clearly_different() -> None:
    assert not compare.first_names_apart({"first_name": "Jowef"}, {"first_name": "Josf"})
    assert compare.first_names_apart({"first_name": "Jake"}, {"first_name": "Luke"})
    assert not compare.first_names_apart(
        {"first_name": "Webb", "last_name": "Sam"}, {"first_name": "Sam", "last_name": "Webb"}
    )
