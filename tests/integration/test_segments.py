"""Segments against a real store: every field and operator, nested and empty groups, exclusion, membership
of other segments, dates in the business's time zone across the change to summer time, and the rollup the
figures come from, kept by the store's triggers through imports, joins and erasure."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

import pytest

from cdp.ingest.pipeline import import_data
from cdp.profiles import unified as profiles
from cdp.records import profile_of_record
from cdp.store.database import Store
from consent import ledger, repository
from identity.resolve import resolve_new
from kundenbild import bootstrap
from marketing import customers, segments
from marketing import store as marketing_store
from marketing.segments import Condition, Group, InvalidDefinition
from tests.helpers import count_rows

CONTACTS = (
    "ID;Vorname;Nachname;E-Mail;Telefon\n"
    "K1;Anna;Albrecht;anna@example.de;030 1234567\n"
    "K2;Bernd;Brandt;bernd@example.de;\n"
    "K3;Clara;Claus;;\n"
    "K4;Dieter;Dorn;dieter@example.de;\n"
)
# Berlin changed to summer time on 29 March 2026 at 02:00: local midnight is 23:00 UTC before, 22:00 after.
PURCHASES = (
    "Bestellnummer;Kundennummer;Bestelldatum;Betrag;Währung\n"
    "B1;K1;2026-03-28T22:30:00Z;20,00;EUR\n"  # 28 March 23:30 in Berlin
    "B2;K1;2026-03-28T23:30:00Z;30,00;EUR\n"  # 29 March 00:30 in Berlin
    "B3;K1;2026-06-01T10:00:00Z;50,00;EUR\n"
    "B4;K2;2026-03-29T21:30:00Z;100,00;EUR\n"  # 29 March 23:30 in Berlin (summer time)
    "B5;K2;2026-03-29T22:30:00Z;5,00;CHF\n"  # 30 March, in another currency: an order, not revenue
    "B6;K4;2025-01-10T12:00:00Z;15,00;EUR\n"
)
TODAY = date(2026, 6, 10)


@pytest.fixture
def shop(store: Store) -> dict[str, int]:
    """Four customers of one shop and their orders; profile ids by customer number."""
    import_data(store, "kunden.csv", CONTACTS.encode(), "webshop", after_import=resolve_new)
    import_data(store, "bestellungen.csv", PURCHASES.encode(), "webshop", kind="purchases")
    with store.read() as tx:
        found = {record.source_id: record for record in _records(store, tx)}
    return {number: found[number].profile_id for number in ("K1", "K2", "K3", "K4")}


def _records(store: Store, tx):
    from cdp.records import records

    return records(tx, store.personal).values()


def selected(store: Store, definition: dict, segments_by_id: dict[int, Group] | None = None) -> set[int]:
    group = segments.parse(definition)
    with store.read() as tx:
        context = segments.Context(ZoneInfo("Europe/Berlin"), TODAY, repository.consent_profiles,
                                   lambda number: (segments_by_id or {})[number],
                                   store.personal.search_digest)  # fmt: skip
        return set(tx.execute(segments.members(group, context)).scalars())


def where(field: str, op: str, value=None) -> dict:
    condition = {"field": field, "op": op}
    if value is not None:
        condition["value"] = value
    return {"match": "all", "conditions": [condition]}


def test_the_rollup_counts_orders_and_revenue_in_the_store_currency(store: Store, shop: dict[str, int]) -> None:
    with store.read() as tx:
        figures = marketing_store.figures(tx, list(shop.values()))
    anna, bernd, clara = figures[shop["K1"]], figures[shop["K2"]], figures[shop["K3"]]
    assert (anna.orders, anna.revenue_minor, anna.average_basket_minor) == (3, 10000, 3333)
    assert (anna.first_purchase_at, anna.last_purchase_at) == ("2026-03-28T22:30:00", "2026-06-01T10:00:00")
    assert (bernd.orders, bernd.revenue_minor) == (2, 10000), "the CHF order counts, its amount does not"
    assert clara == marketing_store.Figures()


@pytest.mark.parametrize(
    ("definition", "expected"),
    [
        (where("orders", "at_least", 2), {"K1", "K2"}),
        (where("orders", "equals", 0), {"K3"}),
        (where("orders", "not_equals", 1), {"K1", "K2", "K3"}),
        (where("orders", "more_than", 2), {"K1"}),
        (where("orders", "less_than", 2), {"K3", "K4"}),
        (where("orders", "at_most", 1), {"K3", "K4"}),
        (where("orders", "between", [2, 1]), {"K2", "K4"}),
        (where("orders", "empty"), {"K3"}),
        (where("orders", "set"), {"K1", "K2", "K4"}),
        (where("revenue", "at_least", 100), {"K1", "K2"}),
        (where("revenue", "less_than", 20), {"K3", "K4"}),
        (where("average_basket", "more_than", 40), {"K2"}),
        (where("average_basket", "empty"), {"K3"}),
        (where("interactions", "at_least", 1), {"K1", "K2", "K4"}),
    ],
)
def test_number_operators(store: Store, shop: dict[str, int], definition: dict, expected: set[str]) -> None:
    assert selected(store, definition) == {shop[number] for number in expected}


@pytest.mark.parametrize(
    ("definition", "expected"),
    [
        # Days are Berlin days: the order at 00:30 on 29 March (summer time from 02:00) is on the 29th.
        (where("first_purchase", "on_or_after", "2026-03-29"), {"K2"}),
        (where("first_purchase", "before", "2026-03-29"), {"K1", "K4"}),
        (where("first_purchase", "between", ["2026-03-28", "2026-03-28"]), {"K1"}),
        (where("last_purchase", "between", ["2026-03-30", "2026-03-29"]), {"K2"}),
        (where("last_purchase", "within_days", 72), {"K1", "K2"}),
        (where("last_purchase", "within_days", 9), {"K1"}),
        (where("last_purchase", "more_than_days_ago", 365), {"K4"}),
        (where("last_purchase", "empty"), {"K3"}),
        (where("last_activity", "set"), {"K1", "K2", "K4"}),
        (where("created", "on_or_after", "2000-01-01"), {"K1", "K2", "K3", "K4"}),
    ],
)
def test_date_operators_count_days_in_the_business_time_zone(
    store: Store, shop: dict[str, int], definition: dict, expected: set[str]
) -> None:
    assert selected(store, definition) == {shop[number] for number in expected}


def test_purchase_history_in_a_period_of_berlin_days(store: Store, shop: dict[str, int]) -> None:
    on_the_29th = {"count": 1, "from": "2026-03-29", "until": "2026-03-29"}
    assert selected(store, where("purchases", "count_at_least", on_the_29th)) == {shop["K1"], shop["K2"]}
    big = {"count": 1, "amount_at_least": 50}
    assert selected(store, where("purchases", "count_at_least", big)) == {shop["K1"], shop["K2"]}
    assert selected(store, where("purchases", "count_at_least", {"count": 2, "within_days": 80})) == {
        shop["K1"], shop["K2"]
    }  # fmt: skip
    assert selected(store, where("purchases", "count_at_most", {"count": 0})) == {shop["K3"]}
    assert selected(store, where("purchases", "count_at_least", {"count": 0})) == set(shop.values())
    never = where("interactions_of_kind", "count_at_least", {"count": 1, "kind": "ticket"})
    assert selected(store, never) == set()


def test_purchases_of_a_product_in_any_spelling(store: Store, shop: dict[str, int]) -> None:
    orders = ("Bestellnummer,Kundennummer,Bestelldatum,Betrag,Artikel\n"
              'B7,K3,2026-06-01T10:00:00Z,"12,00","Grüner Tee; Tasse"\n'
              'B8,K4,2026-06-08T10:00:00Z,"8,00","2× Gruener Tee"\n')  # fmt: skip
    import_data(store, "tee.csv", orders.encode(), "webshop", kind="purchases")
    tea = {"count": 1, "product": "grüner  TEE"}
    assert selected(store, where("purchases", "count_at_least", tea)) == {shop["K3"], shop["K4"]}
    assert selected(store, where("purchases", "count_at_least", {**tea, "within_days": 5})) == {shop["K4"]}
    assert selected(store, where("purchases", "count_at_most", {"count": 0, "product": "Tasse"})) == {
        shop["K1"], shop["K2"], shop["K4"]}  # fmt: skip
    for wrong, path in (({"count": 1, "product": " "}, "conditions[0].value.product"),
                        ({"count": 1, "product": 7}, "conditions[0].value.product")):  # fmt: skip
        with pytest.raises(InvalidDefinition) as refused:
            segments.parse(where("purchases", "count_at_least", wrong))
        assert refused.value.field == path
    tickets_of_tea = {"count": 1, "kind": "ticket", "product": "Tee"}
    with pytest.raises(InvalidDefinition):
        segments.parse(where("interactions_of_kind", "count_at_least", tickets_of_tea))


def test_cities_and_postcodes_from_the_index_of_keyed_hashes(store: Store) -> None:
    people = ("ID;Vorname;Nachname;PLZ;Ort\n"
              "L1;Lea;Lang;10115;Berlin\nL2;Max;Mohn;14467;Potsdam\nL3;Ole;Ott;80331;München\n"
              "L4;Ida;Igel;;\n")  # fmt: skip
    import_data(store, "orte.csv", people.encode(), "laden", after_import=resolve_new)
    with store.read() as tx:
        found = {record.source_id: record.profile_id for record in _records(store, tx)}
    assert selected(store, where("city", "is", ["berlin", "MUENCHEN"])) == {found["L1"], found["L3"]}
    assert selected(store, where("city", "is_not", "Berlin")) == {found["L2"], found["L3"], found["L4"]}
    assert selected(store, where("postcode", "is", ["10", "14"])) == {found["L1"], found["L2"]}
    assert selected(store, where("postcode", "is", "80331")) == {found["L3"]}
    assert selected(store, where("postcode", "is", "803")) == {found["L3"]}
    with store.read() as tx:
        digests = [bytes(row[0]) for row in tx.exec_driver_sql("SELECT digest FROM search_token")]
    assert not any(b"berlin" in digest or b"10115" in digest for digest in digests)
    for wrong, path in ((where("postcode", "is", "1011a"), "conditions[0].value"),
                        (where("postcode", "is", "1011"), "conditions[0].value"),
                        (where("postcode", "is", ["10", "123456"]), "conditions[0].value[1]"),
                        (where("city", "is", [" "]), "conditions[0].value[0]"),
                        (where("city", "is", []), "conditions[0].value")):  # fmt: skip
        with pytest.raises(InvalidDefinition) as refused:
            segments.parse(wrong)
        assert refused.value.field == path


def test_choices_identifiers_and_sources(store: Store, shop: dict[str, int]) -> None:
    profiles.set_salutation(store, shop["K3"], "sales", address_form="du", title=None, gender=None, language="en")
    assert selected(store, where("address_form", "is", "du")) == {shop["K3"]}
    assert selected(store, where("address_form", "is_not", "du")) == {shop["K1"], shop["K2"], shop["K4"]}
    assert selected(store, where("address_form", "in", ["du", "Sie"])) == {shop["K3"]}
    assert selected(store, where("language", "is", "en")) == {shop["K3"]}
    assert selected(store, where("identifier", "has", "phone")) == {shop["K1"]}
    assert selected(store, where("identifier", "has_not", "email")) == {shop["K3"]}
    assert selected(store, where("source", "has", "webshop")) == set(shop.values())
    assert selected(store, where("source", "has_not", "newsletter")) == set(shop.values())


def test_consent_conditions_follow_the_latest_event(store: Store, shop: dict[str, int]) -> None:
    for number in ("K1", "K2"):
        ledger.record(store, shop[number], "newsletter", "email", "granted", actor="t", origin="staff",
                      proof={"r": "form"})  # fmt: skip
    ledger.record(store, shop["K2"], "newsletter", "email", "withdrawn", actor="t", origin="staff", proof={"r": "x"})
    newsletter = {"purpose": "newsletter", "channel": "email"}
    assert selected(store, where("consent", "granted", newsletter)) == {shop["K1"]}
    assert selected(store, where("consent", "withdrawn", newsletter)) == {shop["K2"]}
    assert selected(store, where("consent", "not_granted", newsletter)) == {shop["K2"], shop["K3"], shop["K4"]}
    by_post = {"purpose": "newsletter", "channel": "post"}
    assert selected(store, where("consent", "granted", by_post)) == set()


def test_nested_groups_empty_groups_and_exclusion(store: Store, shop: dict[str, int]) -> None:
    assert selected(store, {"match": "all", "conditions": []}) == set(shop.values()), "empty: everyone"
    assert selected(store, {"match": "any", "conditions": []}) == set(shop.values())
    nested = {"match": "any", "conditions": [
        where("orders", "at_least", 3),
        {"match": "all", "conditions": [{"field": "orders", "op": "equals", "value": 0},
                                        {"field": "identifier", "op": "has_not", "value": "email"}]},
    ]}  # fmt: skip
    assert selected(store, nested) == {shop["K1"], shop["K3"]}
    excluded = {"match": "all", "conditions": [
        {"field": "orders", "op": "at_least", "value": 1},
        {"match": "any", "exclude": True, "conditions": [{"field": "revenue", "op": "at_least", "value": 100}]},
    ]}  # fmt: skip
    assert selected(store, excluded) == {shop["K4"]}
    assert selected(store, {"match": "all", "exclude": True, "conditions": []}) == set(), "everyone but everyone"


def test_membership_of_another_segment_and_refusing_a_cycle(store: Store, shop: dict[str, int]) -> None:
    buyers = segments.parse(where("orders", "at_least", 1))
    assert selected(store, where("segment", "in", 1), {1: buyers}) == {shop["K1"], shop["K2"], shop["K4"]}
    assert selected(store, where("segment", "not_in", 1), {1: buyers}) == {shop["K3"]}
    looped = {1: segments.parse(where("segment", "in", 2)), 2: segments.parse(where("segment", "in", 1))}
    with pytest.raises(InvalidDefinition, match="refers to itself"):
        selected(store, where("segment", "in", 1), looped)


def test_restricted_profiles_are_left_out_of_every_segment(store: Store, shop: dict[str, int]) -> None:
    with store.write() as tx:
        tx.execute(profiles.profile.update().where(profiles.profile.c.id == shop["K1"]).values(status="restricted"))
    assert shop["K1"] not in selected(store, {"match": "all", "conditions": []})


@pytest.mark.parametrize(
    ("definition", "path"),
    [
        ([], "definition"),
        ({"match": "some"}, "match"),
        ({"conditions": {}}, "conditions"),
        ({"conditions": [{"field": "shoe_size", "op": "is", "value": 42}]}, "conditions[0].field"),
        ({"conditions": [{"field": "orders", "op": "is", "value": 1}]}, "conditions[0].op"),
        ({"conditions": [{"field": "orders", "op": "at_least", "value": "2; DROP TABLE profile"}]},
         "conditions[0].value"),
        ({"conditions": [{"field": "orders", "op": "at_least", "value": True}]}, "conditions[0].value"),
        ({"conditions": [{"field": "last_purchase", "op": "before", "value": "2026-02-30"}]}, "conditions[0].value"),
        ({"conditions": [{"field": "address_form", "op": "is", "value": "Ihr"}]}, "conditions[0].value"),
        ({"conditions": [{"match": "all", "conditions": [{"field": "orders"}]}]}, "conditions[0].conditions[0].op"),
        ({"conditions": [{"field": "purchases", "op": "count_at_least", "value": {"from": "2026-01-01"}}]},
         "conditions[0].value"),
        ({"exclude": "yes"}, "exclude"),
        ({"conditions": [], "limit": 5}, "definition"),
    ],
)
def test_a_broken_definition_says_what_is_wrong_and_where(definition, path: str) -> None:
    with pytest.raises(InvalidDefinition) as refused:
        segments.parse(definition)
    assert refused.value.field == path


def test_a_definition_nested_too_deep_or_too_long_is_refused() -> None:
    deep: dict = {"match": "all", "conditions": []}
    for _ in range(segments.MAX_DEPTH + 1):
        deep = {"match": "all", "conditions": [deep]}
    with pytest.raises(InvalidDefinition, match="nested"):
        segments.parse(deep)
    long = {"conditions": [{"field": "orders", "op": "set"}] * (segments.MAX_CONDITIONS + 1)}
    with pytest.raises(InvalidDefinition, match="conditions at most"):
        segments.parse(long)


def test_a_definition_survives_its_own_json() -> None:
    excluded = Group("all", (Condition("source", "has", "shop"),), True)
    group = Group("any", (Condition("orders", "at_least", 2), excluded))
    assert segments.parse(group.as_data()) == group


def test_the_rollup_follows_records_into_other_profiles_and_out_on_erasure(store: Store, shop: dict[str, int]) -> None:
    newsletter = "E-Mail;Vorname;Nachname\nanna@example.de;Anna;Albrecht\n"
    import_data(store, "nl.csv", newsletter.encode(), "newsletter", after_import=resolve_new)
    with store.read() as tx:
        assert marketing_store.figures(tx, [shop["K1"]])[shop["K1"]].orders == 3
    from identity import corrections

    with store.read() as tx:
        order_record = next(r.id for r in _records(store, tx) if r.source_id == "K1")
    whole = profile_of(store, order_record)
    done = corrections.split_out(store, whole, order_record, "sales", bootstrap.wiring().records_moved)
    apart = done.profile_of[order_record]
    with store.read() as tx:
        figures = marketing_store.figures(tx, [whole, apart])
    assert (figures[apart].orders, figures[whole].orders) == (3, 0), "the orders went with their customer record"
    before = count_rows(store, "profile_rollup")
    from consent import erasure

    erasure.erase_profile(store, apart, "dpo", keep_purchases_since=None)
    assert count_rows(store, "profile_rollup") == before - 1


def profile_of(store: Store, record_id: int) -> int:
    with store.read() as tx:
        return profile_of_record(tx, record_id)


def test_saved_segments_keep_their_versions_and_the_list_pages_through_them(store: Store, shop: dict[str, int]) -> None:
    buyers = segments.parse(where("orders", "at_least", 1))
    segment_id = customers.save_segment(store, "  Käufer   2026 ", buyers, "marketing")
    customers.save_segment(store, "Käufer 2026", segments.parse(where("orders", "at_least", 2)), "marketing",
                           segment_id)  # fmt: skip
    found, group = customers.load_segment(store, segment_id)
    assert (found.name, found.version) == ("Käufer 2026", 2) and group == segments.parse(where("orders", "at_least", 2))
    page = customers.customer_page(store, group, "marketing", False, sort="orders", per_page=1)
    assert (page.total, page.pages, [c.profile.id for c in page.customers]) == (2, 2, [shop["K1"]])
    beyond = customers.customer_page(store, group, "marketing", False, sort="orders", per_page=1, number=9)
    assert (beyond.number, beyond.total, [c.profile.id for c in beyond.customers]) == (2, 2, [shop["K2"]])
    nobody = customers.customer_page(store, segments.parse(where("orders", "at_least", 99)), "m", False, number=3)
    assert (nobody.number, nobody.total, nobody.customers) == (1, 0, [])
    assert customers.count(store, group, False) == 2
    with pytest.raises(segments.InvalidValue, match="there is a segment of this name already"):
        customers.save_segment(store, "Käufer 2026", buyers, "marketing")
    with pytest.raises(InvalidDefinition, match="refers to itself"):
        customers.save_segment(store, "Käufer 2026", segments.parse(where("segment", "in", segment_id)), "m",
                               segment_id)  # fmt: skip
    assert customers.load_segment(store, segment_id)[0].version == 2, "the refused version was not kept"


def test_explaining_why_a_person_is_in_or_out(store: Store, shop: dict[str, int]) -> None:
    conditions = [where("orders", "at_least", 2)["conditions"][0], where("revenue", "at_least", 200)["conditions"][0]]
    group = segments.parse({"match": "all", "conditions": conditions})
    explained = customers.explain(store, group, shop["K1"])
    assert explained.holds is False
    assert [part.holds for part in explained.parts] == [True, False]
