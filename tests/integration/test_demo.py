"""The demo store: invented people arrive from every source, as those sources export them."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest
from sqlalchemy import func, select

from cdp.config import Paths
from cdp.store.database import Store, create_store
from cdp.store.keys import create_key_file
from cdp.store.personal import Place
from cdp.store.schema import interaction, source_record
from consent import ledger
from demo.exports import encode
from demo.loader import Demo, build_demo, generate
from demo.words import CONTACT_SOURCES
from kundenbild import bootstrap
from marketing import campaigns, offers

PEOPLE, SEED = 80, 7


@pytest.fixture(scope="module")
def demo() -> Demo:
    return generate(PEOPLE, SEED)


def records(store: Store, source: str) -> list[dict]:
    """The decrypted payloads of every record ``source`` holds."""
    with store.read() as connection:
        rows = connection.execute(select(source_record).where(source_record.c.source == source)).all()
    return [
        store.personal.open(bytes(row.key_id), Place("source_record", "payload", row.id), bytes(row.payload))
        for row in rows
    ]


def counts(store: Store, column) -> dict[str, int]:
    with store.read() as connection:
        return dict(connection.execute(select(column, func.count()).group_by(column)).all())


def rows_of(demo: Demo, source: str, kind: str = "contacts") -> list[dict[str, str]]:
    return [row.values for file in demo.files if (file.source, file.kind) == (source, kind) for row in file.rows]


def test_every_source_gets_its_records(store: Store, demo: Demo) -> None:
    build_demo(store, people=PEOPLE, seed=SEED)
    per_source = counts(store, source_record.c.source)
    assert set(per_source) == set(CONTACT_SOURCES)
    assert all(count > 0 for count in per_source.values())
    # Sources with their own record ids keep every row, duplicates of a person included.
    for source in ("webshop", "xing", "social", "support"):
        assert per_source[source] == len(rows_of(demo, source))


def test_purchases_and_messages_are_imported(store: Store, demo: Demo) -> None:
    summary = build_demo(store, people=PEOPLE, seed=SEED)
    kinds = counts(store, interaction.c.kind)
    assert kinds["purchase"] == len(rows_of(demo, "webshop", "purchases")) > 0
    assert kinds["post"] == len(rows_of(demo, "social", "messages")) > 0
    assert kinds["ticket"] == len(rows_of(demo, "support", "messages")) > 0
    assert f"Purchases imported: {kinds['purchase']}" in summary


def test_the_same_seed_gives_the_same_demo(store: Store, tmp_path: Path) -> None:
    assert generate(PEOPLE, SEED) == generate(PEOPLE, SEED)
    assert generate(PEOPLE, SEED) != generate(PEOPLE, SEED + 1)
    paths = Paths(tmp_path / "second")
    second = create_store(paths, create_key_file(paths.key_file))
    try:
        assert build_demo(store, people=PEOPLE, seed=SEED) == build_demo(second, people=PEOPLE, seed=SEED)
        assert counts(store, source_record.c.source) == counts(second, source_record.c.source)
    finally:
        second.close()


def test_umlauts_arrive_intact_from_the_cp1252_newsletter(store: Store, demo: Demo) -> None:
    [newsletter] = [file for file in demo.files if file.source == "newsletter"]
    sent = {(row.values["Vorname"], row.values["Nachname"]) for row in newsletter.rows}
    assert any(not letter.isascii() for first, last in sent for letter in first + last)
    with pytest.raises(UnicodeDecodeError):
        encode(newsletter).decode("utf-8")  # umlauts really are single cp1252 bytes
    build_demo(store, people=PEOPLE, seed=SEED)
    arrived = {
        (record["fields"].get("first_name", ""), record["fields"].get("last_name", ""))
        for record in records(store, "newsletter")
    }
    assert arrived == sent


def test_some_people_appear_in_several_sources(store: Store, demo: Demo) -> None:
    in_several = [person.key for person in demo.persons if len(demo.sources_of(person.key)) > 1]
    assert len(in_several) >= PEOPLE // 4
    build_demo(store, people=PEOPLE, seed=SEED)
    sources_by_email: dict[str, set[str]] = defaultdict(set)
    for source in CONTACT_SOURCES:
        for record in records(store, source):
            if "email" in record["fields"]:
                sources_by_email[record["fields"]["email"].casefold()].add(source)
    assert any(len(sources) > 1 for sources in sources_by_email.values())


def test_the_customer_number_is_both_record_id_and_customer_number(store: Store) -> None:
    build_demo(store, people=PEOPLE, seed=SEED)
    shop = records(store, "webshop")
    assert shop and all(record["id"] == record["fields"]["customer_number"] for record in shop)


def test_households_share_surname_address_and_landline_but_not_first_names() -> None:
    households = defaultdict(list)
    for person in generate(400, SEED).persons:
        if person.household is not None:
            households[person.household].append(person)
    assert households
    for members in households.values():
        assert 2 <= len(members) <= 4
        assert len({(person.last_name, person.address, person.landline) for person in members}) == 1
        assert members[0].landline is not None
        assert len({person.first_name for person in members}) == len(members)
        assert len({person.email for person in members}) == len(members)


def test_the_demo_records_its_newsletter_opt_ins_and_some_withdrawals(store: Store, demo: Demo) -> None:
    summary = build_demo(store, people=PEOPLE, seed=SEED, import_consent=bootstrap.wiring().import_consent)
    assert "newsletter-anmeldungen.csv" in summary and "newsletter-abmeldungen.csv" in summary
    everyone = ledger.audience(store, None, "newsletter", "email")
    assert everyone.included, "a new user finds people to write to"
    assert everyone.left_out["withdrawn"] > 0 and everyone.left_out["no consent"] > 0
    with store.read() as tx:
        origins = {row.origin for row in tx.exec_driver_sql("SELECT origin FROM consent_event")}
    assert origins == {"import"}


def test_the_demo_holds_two_past_campaigns_with_a_report(store: Store) -> None:
    wiring = bootstrap.wiring()
    build_demo(store, people=300, seed=SEED, import_consent=wiring.import_consent)
    lines = wiring.add_to_demo(store, None)
    assert [line.split(":")[0] for line in lines] == ["Campaign Frühlingsaktion", "Campaign Sommerschluss"]
    spring = campaigns.report(store, campaigns.every(store)[-1].id)
    assert spring.campaign.name == "Frühlingsaktion" and spring.recipients > 0 and spring.holdout >= 0
    assert spring.buyers_treated > 0 and spring.attributed_orders > 0
    assert spring.responses.get("opened", 0) > 0 and spring.responses.get("clicked", 0) > 0
    assert spring.reached <= spring.recipients


def test_the_demo_shop_has_products_bought_together(store: Store) -> None:
    build_demo(store, people=300, seed=SEED, import_consent=bootstrap.wiring().import_consent)
    with store.read() as tx:
        products = tx.exec_driver_sql("SELECT count(*) FROM product").scalar_one()
        buyer = tx.exec_driver_sql("SELECT profile_id FROM profile_product LIMIT 1").scalar_one()
    assert products > 5
    assert offers.next_best(store, buyer), "a customer of the demo shop is offered something"
