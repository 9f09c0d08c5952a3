"""Product cells as exports write them are split into names: never an empty name, never one product twice,
and names joined as Shopify's line items are read back as they were."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from cdp import products

texts = st.text(st.characters(blacklist_categories=("Cs",)), max_size=60)
plain_names = st.text(st.characters(whitelist_categories=("L", "N"), whitelist_characters=" -–&."), min_size=1,
                      max_size=30).filter(lambda name: name.strip() and not name.strip()[0].isdigit())  # fmt: skip


@given(texts)
def test_any_cell_gives_distinct_non_empty_names(cell: str) -> None:
    found = products.names(cell)
    assert all(name and name == name.strip() and len(name) <= products.MAX_NAME for name in found)
    assert len({products.key(name) for name in found}) == len(found)


@given(st.lists(plain_names, min_size=1, max_size=5))
def test_line_items_joined_come_back(names: list[str]) -> None:
    distinct: dict[str, str] = {}
    for name in names:
        cleaned = " ".join(name.split())
        distinct.setdefault(products.key(cleaned), cleaned)
    cell = "; ".join(distinct.values())
    assert [products.key(name) for name in products.names(cell)] == list(distinct)
