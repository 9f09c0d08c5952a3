"""What is bought together, kept by the store's triggers as purchases come, move and go, and the next best
offer it gives each customer, with its reason."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from cdp import products
from cdp.ingest.pipeline import import_data
from cdp.records import records
from cdp.store.database import Store
from cdp.store.schema import co_purchase, interaction, product, profile_product, purchase_product
from consent import erasure
from identity import corrections
from identity.resolve import resolve_new
from kundenbild import bootstrap
from marketing import offers

MOVED = bootstrap.wiring().records_moved

CONTACTS = "ID;Vorname;Nachname;E-Mail\n" + "".join(
    f"P{n};Vorname{n};Nachname{n};p{n}@example.org\n" for n in range(1, 6)
)
ORDERS = (
    "contact_id,interaction_id,occurred_at,amount,product\n"
    'P1,O1,2026-03-01,10.00,"Tee; Tasse"\n'  # Shopify's line items as the import joins them
    'P2,O2,2026-03-02,30.00,"2× Tee, 1× Tasse, 1× Kanne"\n'  # WooCommerce's Product(s)
    "P3,O3,2026-03-03,12.00,Tee\n"
    "P3,O4,2026-04-03,20.00,kanne\n"  # the same product, spelled in lower case
    "P4,O5,2026-03-04,5.00,Tee\n"
    "P5,O6,2026-03-05,8.00,Kaffee\n"
)


@pytest.fixture
def people(store: Store) -> dict[str, int]:
    import_data(store, "kunden.csv", CONTACTS.encode(), "shop", after_import=resolve_new)
    import_data(store, "orders.csv", ORDERS.encode(), "shop", kind="purchases", after_import=resolve_new)
    with store.read() as tx:
        return {record.source_id: record.profile_id for record in records(tx, store.personal).values()}


def counted(store: Store) -> tuple[dict, dict]:
    """The triggers' counts, and the same counted afresh from the purchases' links."""
    with store.read() as tx:
        kept = {tuple(row[:2]): row[2] for row in tx.execute(select(profile_product))}
        pairs = {tuple(row[:2]): row[2] for row in tx.execute(select(co_purchase))}
        links = tx.execute(select(interaction.c.profile_id, purchase_product.c.product_id)
                           .join(interaction, interaction.c.id == purchase_product.c.interaction_id)).all()  # fmt: skip
    fresh: dict[tuple[int, int], int] = {}
    for profile_id, product_id in links:
        fresh[(profile_id, product_id)] = fresh.get((profile_id, product_id), 0) + 1
    bought: dict[int, set[int]] = {}
    for profile_id, product_id in fresh:
        bought.setdefault(profile_id, set()).add(product_id)
    fresh_pairs: dict[tuple[int, int], int] = {}
    for owned in bought.values():
        for one in owned:
            for other in owned - {one}:
                fresh_pairs[(one, other)] = fresh_pairs.get((one, other), 0) + 1
    assert kept == fresh, "profile_product as the triggers keep it"
    assert pairs == fresh_pairs, "co_purchase as the triggers keep it"
    return kept, pairs


def test_products_are_read_from_each_tools_cell_and_counted_together(store: Store, people) -> None:
    with store.read() as tx:
        assert sorted(tx.execute(select(product.c.name)).scalars()) == ["Kaffee", "Kanne", "Tasse", "Tee"]
    _, pairs = counted(store)
    with store.read() as tx:
        ids = dict(tuple(row) for row in tx.execute(select(product.c.name, product.c.id)))
    assert pairs[(ids["Tee"], ids["Tasse"])] == 2 and pairs[(ids["Tee"], ids["Kanne"])] == 2
    assert pairs[(ids["Tasse"], ids["Kanne"])] == 1 and (ids["Tee"], ids["Kaffee"]) not in pairs


def test_the_next_best_offer_says_why(store: Store, people) -> None:
    assert offers.next_best(store, people["P4"]) == [
        offers.Offer("Tasse", 2, "Tee", 2, 4), offers.Offer("Kanne", 2, "Tee", 2, 4)]  # fmt: skip
    assert offers.next_best(store, people["P1"]) == [offers.Offer("Kanne", 2, "Tee", 2, 4)]
    assert offers.next_best(store, people["P5"]) == [], "one customer's Kaffee pairs with nothing"


def test_counts_follow_joins_splits_erasure_and_legal_holds(store: Store, people) -> None:
    joined = corrections.join_profiles(store, people["P4"], people["P5"], "sales", MOVED)
    counted(store)
    corrections.undo(store, joined.event_id, "sales", MOVED)
    counted(store)
    erasure.erase_profile(store, people["P2"], "dpo", keep_purchases_since=None)
    counted(store)
    erasure.erase_profile(store, people["P3"], "dpo", keep_purchases_since="2026-01-01")
    kept, _ = counted(store)
    assert not any(profile_id == people["P3"] for profile_id, _ in kept), "a held purchase keeps no product"
    assert offers.next_best(store, people["P4"]) == [], "Tee and Tasse now share one customer only"
    erasure.erase_profile(store, people["P5"], "dpo", keep_purchases_since=None)
    with store.read() as tx:
        assert sorted(tx.execute(select(product.c.name)).scalars()) == ["Tasse", "Tee"], "no name outlives its buyers"


def test_purchases_stored_before_products_were_kept_are_linked_once(store: Store, people) -> None:
    before = counted(store)
    with store.write() as tx:
        tx.execute(purchase_product.delete())
    assert counted(store) == ({}, {})
    assert products.backfill(store, batch=2) == (6, 9)
    assert counted(store) == before
    assert products.backfill(store) == (0, 0)


@pytest.mark.parametrize(
    "cell, names",
    [("Tee; Tasse", ["Tee", "Tasse"]), ("2× Thermostat Komfort – Weiß, 1× Montageset Größe M",
                                        ["Thermostat Komfort – Weiß", "Montageset Größe M"]),
     ("Schrauben, Muttern und Bolzen", ["Schrauben, Muttern und Bolzen"]), ("Tee; tee ;TEE", ["Tee"]), (" ; ", [])],
)  # fmt: skip
def test_a_product_cell_gives_its_names(cell: str, names: list[str]) -> None:
    assert products.names(cell) == names
