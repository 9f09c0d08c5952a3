"""Interaction values: times, amounts and free text."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cdp.errors import InvalidValue
from cdp.ingest.interactions import normalise_row
from cdp.ingest.values import amount_minor
from cdp.ingest.values import moment as occurred_at


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-03-01", "2024-03-01T00:00:00"),
        ("01.03.2024 14:30", "2024-03-01T14:30:00"),
        ("2024-03-01T14:30:00+01:00", "2024-03-01T13:30:00"),
        ("2024-03-01T13:30:00Z", "2024-03-01T13:30:00"),
    ],
)
def test_times_are_stored_to_the_second_and_zones_become_utc(value: str, expected: str) -> None:
    assert occurred_at(value) == expected


@pytest.mark.parametrize(
    ("value", "cents"), [("49,90", 4990), ("49.90", 4990), ("1.234,50 €", 123450), ("1,234.50", 123450), ("-5", -500)]
)
def test_amounts_in_german_and_english_notation(value: str, cents: int) -> None:
    assert amount_minor(value) == cents


@given(st.integers(min_value=-(10**9), max_value=10**9))
def test_amount_round_trip_through_german_notation(cents: int) -> None:
    euros, rest = divmod(abs(cents), 100)
    german = ("-" if cents < 0 else "") + f"{euros:,}".replace(",", ".") + f",{rest:02}"
    assert amount_minor(german) == cents


@pytest.mark.parametrize("value", ["12,345", "abc", "1.2.3"])
def test_unclear_amounts_are_refused(value: str) -> None:
    with pytest.raises(InvalidValue):
        amount_minor(value)


def test_ticket_text_keeps_its_paragraphs() -> None:
    raw = {
        "contact_id": "T1",
        "occurred_at": "2024-01-02",
        "channel": "email",
        "type": "ticket",
        "text": "Hallo,\r\n\r\nTee fehlt.",
    }
    _, _, columns, details = normalise_row("messages", raw)
    assert columns["kind"] == "ticket" and details["text"] == "Hallo,\n\nTee fehlt."


@pytest.mark.parametrize("value", ["Infinity", "1e400", "sNaN", "NaN"])
def test_non_finite_amounts_are_refused(value: str) -> None:
    with pytest.raises(InvalidValue):
        amount_minor(value)


@pytest.mark.parametrize("value", ["0001-01-01T00:30+01:00", "9999-12-31T23:00-05:00"])
def test_times_that_overflow_in_utc_are_refused(value: str) -> None:
    with pytest.raises(InvalidValue):
        occurred_at(value)


@given(st.dictionaries(st.sampled_from(["contact_id", "occurred_at", "amount", "currency", "text"]), st.text()))
def test_purchase_rows_raise_only_invalid_value(raw: dict[str, str]) -> None:
    with contextlib.suppress(InvalidValue):
        normalise_row("purchases", raw)
