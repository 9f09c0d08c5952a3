"""One header mapper for every kind of import: contacts, interactions and consent look headers up alike."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from cdp.ingest import columns, interactions
from consent import imports

HEADER = st.text(alphabet=st.sampled_from("abcxyzäöüß _-./ABCÄ12"), max_size=20)


@given(HEADER)
def test_a_header_key_is_stable(header: str) -> None:
    key = columns.header_key(header)
    assert columns.header_key(key) == key
    assert key == key.strip() and "  " not in key


@given(HEADER)
def test_case_dashes_and_underscores_do_not_change_the_key(header: str) -> None:
    variant = header.upper().replace("-", "_")
    assert columns.header_key(variant) == columns.header_key(header.replace("-", "_"))
    assert columns.header_key(header.replace("-", " ")) == columns.header_key(header.replace("-", "_"))


def test_every_kind_maps_the_same_spellings_of_its_fields() -> None:
    for spelling in ("E-Mail", "e_mail", "E MAIL", " e-mail "):
        assert columns.map_columns([spelling], {}) == {spelling: "email"}
        assert imports._mapping([spelling]) == {"email": spelling}
    for spelling in ("Order-ID", "order_id", "ORDER ID", "Bestellnummer"):
        assert interactions.map_columns("purchases", [spelling], {}) == {spelling: "interaction_id"}
    assert imports._mapping(["Bestätigt am", "DOI_Bestätigung"]) == {"confirmed_at": "Bestätigt am"}
