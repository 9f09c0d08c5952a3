"""Ranking search hits: any query over any profile gives a score and only matches it can explain."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from cdp.profiles import relevance
from cdp.profiles.unified import Observed, Profile

texts = st.text(st.characters(blacklist_categories=("Cs",)), max_size=25)


def person(profile_id: int, **values: str) -> Profile:
    observations = {name: [Observed(value, "crm", profile_id, "2026-01-01")] for name, value in values.items()}
    fields = {name: found[0] for name, found in observations.items()}
    return Profile(profile_id, "active", "", "", fields=fields, observations=observations)


@given(texts, texts, texts, texts)
def test_any_query_ranks_without_failing(query: str, first: str, last: str, company: str) -> None:
    [hit] = relevance.rank([person(1, first_name=first, last_name=last, company=company)], query)
    assert hit.score >= 0
    assert all(match.value in (first, last, company) for match in hit.matches)


def test_an_exact_surname_beats_a_prefix_and_a_company() -> None:
    found = relevance.rank([person(1, company="Meyer & Söhne"), person(2, last_name="Meyerhoff"),
                            person(3, last_name="Meyer")], "meyer")  # fmt: skip
    assert [hit.profile.id for hit in found] == [3, 2, 1]


def test_a_whole_phone_number_matches_its_digits() -> None:
    [hit] = relevance.rank([person(1, mobile="+491711234567")], "0171 1234567")
    assert hit.matches == (relevance.Match("mobile", "+491711234567", True),)
