"""What a search query is looked up by: never an error, whatever is typed."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from cdp.profiles.search import MAX_PREFIX, query_terms


@given(st.text(max_size=60))
def test_any_query_gives_index_terms_and_never_fails(query: str) -> None:
    for alternatives in query_terms(query, "DE"):
        assert alternatives and all(term[:2] in ("w:", "e:", "t:", "c:") for term in alternatives)
        assert all(len(term) <= MAX_PREFIX + 2 for term in alternatives if term.startswith("w:"))


def words_of(query: str) -> list[str]:
    """The ``w:`` term of each word a query looks up (each also looks for a city of that name, ``c:``)."""
    return [next(term for term in alternatives if term.startswith("w:")) for alternatives in query_terms(query, "DE")]


def test_a_handle_and_a_name_being_typed() -> None:
    assert words_of("@anna_mueller") == ["w:anna", "w:muller"]
    assert words_of("Bernd M") == ["w:bernd"]
    assert words_of("Bernd Mü") == ["w:bernd"]
    assert words_of("Bernd Mül") == ["w:bernd", "w:mul"]
    assert words_of("K 77") == ["w:k", "w:77"], "a number is never a word still being typed"
    assert query_terms("Köln", "DE") == [("w:koln", "c:koln")]
    assert words_of("max.mueller@exa") == ["w:max", "w:muller"], "an address being typed: its local part"
