"""Statutory deadlines: one month from receipt, end of month clamped, extension by two more."""

from __future__ import annotations

import calendar
from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from consent.deadlines import add_months, due, extended, urgency


def test_received_on_31_january_is_due_at_the_end_of_february() -> None:
    assert due(date(2027, 1, 31)) == date(2027, 2, 28)
    assert due(date(2028, 1, 31)) == date(2028, 2, 29)


def test_extension_adds_two_months_to_the_deadline() -> None:
    assert extended(date(2027, 1, 31)) == date(2027, 4, 30)
    assert extended(date(2027, 11, 15)) == date(2028, 2, 15)


def test_december_rolls_into_the_next_year() -> None:
    assert due(date(2026, 12, 31)) == date(2027, 1, 31)


def test_urgency_marks_overdue_and_due_within_a_week() -> None:
    today = date(2027, 3, 10)
    assert [urgency(date(2027, 3, day), today) for day in (9, 10, 17, 18)] == [
        "overdue",
        "due_soon",
        "due_soon",
        "open",
    ]


@given(st.dates(min_value=date(1990, 1, 1), max_value=date(2200, 12, 31)), st.integers(min_value=0, max_value=36))
def test_adding_months_keeps_the_day_or_ends_the_month(start: date, months: int) -> None:
    result = add_months(start, months)
    assert (result.year - start.year) * 12 + result.month - start.month == months
    last_day = calendar.monthrange(result.year, result.month)[1]
    assert result.day == min(start.day, last_day)
