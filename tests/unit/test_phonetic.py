"""Kölner Phonetik against published examples, and its properties."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from identity.phonetic import cologne


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("Müller-Lüdenscheidt", "65752682"),
        ("Wikipedia", "3412"),
        ("Breschnew", "17863"),
        ("Meyer", "67"),
        ("Maier", "67"),
        ("Mayr", "67"),
        ("Schmidt", "862"),
        ("Schmitt", "862"),
        ("Xaver", "4837"),
    ],
)
def test_known_codes(name: str, code: str) -> None:
    assert cologne(name) == code


@pytest.mark.parametrize(("left", "right"), [("Müller", "Mueller"), ("Fischer", "Vischer"), ("Schulz", "Schultz")])
def test_spelling_variants_sound_alike(left: str, right: str) -> None:
    assert cologne(left) == cologne(right)


@given(st.text())
def test_code_is_digits_with_zero_only_first(name: str) -> None:
    code = cologne(name)
    assert code.isdigit() or code == ""
    assert "0" not in code[1:]


@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyzäöüß", min_size=1))
def test_case_does_not_matter(name: str) -> None:
    assert cologne(name) == cologne(name.upper()) == cologne(name.capitalize())
