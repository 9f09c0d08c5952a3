"""Nickname groups: the pairs the issue names, and what must stay apart."""

from __future__ import annotations

import pytest

from identity.nicknames import same_first_name


@pytest.mark.parametrize(
    ("left", "right"),
    [("Max", "Maximilian"), ("Hans", "Johannes"), ("Kathi", "Katharina"), ("Bill", "William"), ("Jürgen", "Juergen")],
)
def test_short_forms_are_the_same_name(left: str, right: str) -> None:
    assert same_first_name(left, right) and same_first_name(right, left)


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("Max", "Moritz"),
        ("Anna", "Hans"),
        ("Katharina", "Johanna"),
        ("Alexander", "Alexandra"),
        ("Johannes", "Johanna"),
    ],
)
def test_different_names_stay_apart(left: str, right: str) -> None:
    assert not same_first_name(left, right)
