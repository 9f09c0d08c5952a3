"""What a search query is looked up by: never an error, whatever is typed."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from cdp.profiles.search import MAX_PREFIX, query_terms


@given(st.text(max_size=60))
def test_any_query_gives_index_terms_and_never_fails(query: str) -> None:
    for alternatives in query_terms(query, "DE"):
        assert alternatives and all(term[:2] in ("w:", "e:", "t:") for term in alternatives)
        assert all(len(term) <= MAX_PREFIX + 2 for term in alternatives if term.startswith("w:"))


def test_a_handle_and_a_name_being_typed() -> None:
    assert query_terms("@anna_mueller", "DE") == [("w:anna",), ("w:muller",)]
    assert query_terms("Bernd M", "DE") == [("w:bernd",)]
    assert query_terms("Bernd Mü", "DE") == [("w:bernd",)]
    assert query_terms("Bernd Mül", "DE") == [("w:bernd",), ("w:mul",)]
    assert query_terms("K 77", "DE") == [("w:k",), ("w:77",)], "a number is never a word still being typed"
