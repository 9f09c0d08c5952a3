"""Which of the values the sources disagree on a profile shows: survivorship rules.

Each field has a rule. ``most_recent`` suits what changes over a life
(addresses, emails, phones, surnames after marriage); ``most_frequent`` suits
what should not change and where one source's typo is outvoted (first name,
birth date); ``most_trusted`` suits what a source knows best (a shop's
customer number, a title from a signed contract), by the order of sources in
``CDP_SOURCE_TRUST``. Every rule falls back to the most recent value on a tie.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Protocol

RULES: dict[str, str] = {
    "first_name": "most_frequent",
    "birth_date": "most_frequent",
    "gender": "most_frequent",
    "title": "most_trusted",
    "salutation": "most_trusted",
    "customer_number": "most_trusted",
    "company": "most_recent",
}
DEFAULT_RULE = "most_recent"


class Observation(Protocol):
    value: str
    source: str
    record_id: int
    seen_at: str


def rule_for(field: str) -> str:
    return RULES.get(field, DEFAULT_RULE)


def choose(field: str, values: Sequence[Observation], trust: Sequence[str]) -> Observation:
    """The surviving value of ``field`` among ``values`` (at least one)."""
    rule = rule_for(field)
    recency = {id(value): (value.seen_at, -value.record_id) for value in values}
    if rule == "most_frequent":
        counts = Counter(value.value for value in values)
        return max(values, key=lambda value: (counts[value.value], recency[id(value)]))
    if rule == "most_trusted":
        rank = {source: len(trust) - position for position, source in enumerate(trust)}
        return max(values, key=lambda value: (rank.get(value.source, 0), recency[id(value)]))
    return max(values, key=lambda value: recency[id(value)])
