"""Survivorship: which disagreeing value a profile shows, field by field."""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import given
from hypothesis import strategies as st

from cdp.profiles.survivorship import choose


@dataclass(frozen=True)
class Seen:
    value: str
    source: str
    record_id: int
    seen_at: str


def test_first_name_goes_by_the_majority_not_the_latest_typo() -> None:
    values = [Seen("Katharina", "shop", 1, "2024-01-01"), Seen("Katharina", "xing", 2, "2024-02-01"),
              Seen("Katharnia", "newsletter", 3, "2025-01-01")]  # fmt: skip
    assert choose("first_name", values, ()).value == "Katharina"


def test_address_goes_by_the_latest_move() -> None:
    values = [Seen("Hauptstraße 5", "shop", 1, "2023-01-01"), Seen("Elbchaussee 1", "support", 2, "2025-06-01")]
    assert choose("street", values, ()).value == "Elbchaussee 1"


def test_title_goes_by_the_most_trusted_source() -> None:
    values = [Seen("Prof. Dr.", "social", 1, "2025-01-01"), Seen("Dr.", "webshop", 2, "2020-01-01")]
    assert choose("title", values, ("webshop", "support")).value == "Dr."


@given(st.lists(st.tuples(st.sampled_from(["a", "b", "c"]), st.sampled_from(["x", "y"]), st.dates()), min_size=1))
def test_the_chosen_value_is_always_one_of_the_observed(raw: list) -> None:
    values = [Seen(value, source, number, day.isoformat()) for number, (value, source, day) in enumerate(raw)]
    for field in ("first_name", "street", "title"):
        assert choose(field, values, ("y",)) in values
