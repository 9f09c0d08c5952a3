"""Every sample export in ``tests/fixtures/exports`` imports as the tool wrote it, with no ``--map``.

``expected.json`` there says, per file, how many records it holds and which
values two of its people must land with, or for interaction files which
contact each order, message or ticket belongs to.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cdp.ingest.pipeline import import_file
from cdp.store.database import Store
from cdp.store.personal import Place
from cdp.store.schema import interaction
from tests.helpers import opened_records

EXPORTS = Path(__file__).parents[1] / "fixtures" / "exports"
EXPECTED = json.loads((EXPORTS / "expected.json").read_text(encoding="utf-8"))

# Which value of a link names the contact the interaction must be tied to, most specific first.
LINK_KEYS = (("linkedin", "linkedin"), ("customer_number", "customer_number"), ("instagram", "instagram"))
CONTACT_FILES = [name for name, item in EXPECTED.items() if item["kind"] in ("contacts", "consent")]
INTERACTION_FILES = [name for name, item in EXPECTED.items() if item["kind"] in ("purchases", "messages")]
SOCIAL = (".js", ".json")


def source_of(name: str) -> str:
    return name.split("/")[0]


def bring(store: Store, name: str):
    return import_file(store, EXPORTS / name, source_of(name))


def _ready(name: str) -> None:
    if Path(name).suffix in SOCIAL and not _archives_readable():
        pytest.skip("social archive readers not built")


def _archives_readable() -> bool:
    try:
        import cdp.ingest.formats.archives  # noqa: F401
    except ImportError:
        return False
    return True


@pytest.mark.parametrize("name", CONTACT_FILES)
def test_contact_export_lands_with_its_fields(store: Store, name: str) -> None:
    _ready(name)
    expected = EXPECTED[name]
    result = bring(store, name)
    records = [record for record in opened_records(store)]
    assert (result.created, len(records)) == (expected["rows"], expected["rows"]), result.skipped
    assert result.unreadable == {} and result.skipped == []
    for person in expected["people"]:
        [record] = [r for r in records if all(r["fields"].get(k) == v for k, v in person["match"].items())]
        landed = {key: record["fields"].get(key) for key in person["fields"]}
        assert landed == person["fields"]


@pytest.mark.parametrize("name", CONTACT_FILES)
def test_contact_export_twice_changes_nothing(store: Store, name: str) -> None:
    _ready(name)
    bring(store, name)
    again = bring(store, name)
    assert (again.created, again.updated, again.unchanged) == (0, 0, EXPECTED[name]["rows"])


@pytest.mark.parametrize("name", INTERACTION_FILES)
def test_interactions_find_their_contacts(store: Store, name: str) -> None:
    _ready(name)
    for needed in EXPECTED[name].get("needs", []):
        bring(store, needed)
    result = bring(store, name)
    expected = EXPECTED[name]
    assert result.skipped == []
    wanted: dict[tuple[str, str], int] = {}
    for link in expected["links"]:
        items = link.get("orders") or link.get("belege") or link.get("tickets") or []
        wanted[_link_key(link)] = wanted.get(_link_key(link), 0) + (len(items) or link.get("messages", 1))
    linked = _linked_records(store)
    found = {(key, value): sum(fields.get(key) == value for fields in linked) for key, value in wanted}
    assert found == wanted and result.created == sum(wanted.values())
    assert bring(store, name).created == 0


def _link_key(link: dict) -> tuple[str, str]:
    for key, field_name in LINK_KEYS:
        if key in link:
            return field_name, link[key]
    return "email", link["email"]


def _linked_records(store: Store) -> list[dict]:
    """The fields of the contact record each interaction is tied to."""
    by_id = {record["row_id"]: record["fields"] for record in opened_records(store)}
    with store.read() as connection:
        rows = connection.execute(interaction.select()).all()
    return [by_id[row.source_record_id] for row in rows]


def test_shopify_orders_keep_their_line_items_together(store: Store) -> None:
    bring(store, "shopify/customers_export.csv")
    bring(store, "shopify/orders_export.csv")
    with store.read() as connection:
        rows = connection.execute(interaction.select().order_by(interaction.c.occurred_at)).all()
    assert (rows[0].amount_minor, rows[0].currency, rows[0].occurred_at) == (
        12980,
        "EUR",
        "2026-05-01T08:00:00",
    )
    first = store.personal.open(
        bytes(_key_of(store, rows[0])), Place("interaction", "payload", rows[0].id), rows[0].payload
    )
    assert first["product"] == "Thermostat Komfort – Weiß; Montageset Größe M" and first["quantity"] == "3"


def _key_of(store: Store, row) -> bytes:
    with store.read() as connection:
        return connection.exec_driver_sql(
            "SELECT key_id FROM source_record WHERE id = ?", (row.source_record_id,)
        ).scalar_one()


def test_linkedin_messages_know_who_wrote_them(store: Store) -> None:
    bring(store, "linkedin/Connections.csv")
    bring(store, "linkedin/messages.csv")
    with store.read() as connection:
        rows = connection.execute(interaction.select().order_by(interaction.c.occurred_at)).all()
    directions = [
        store.personal.open(bytes(_key_of(store, row)), Place("interaction", "payload", row.id), row.payload)[
            "direction"
        ]
        for row in rows
    ]
    assert directions == ["in", "out", "in", "out"]
    assert {row.kind for row in rows} == {"message"} and {row.channel for row in rows} == {"linkedin"}


def test_a_changed_re_export_without_ids_updates_the_record(store: Store, tmp_path: Path) -> None:
    original = (EXPORTS / "linkedin/Connections.csv").read_text(encoding="utf-8")
    bring(store, "linkedin/Connections.csv")
    changed = tmp_path / "Connections.csv"
    changed.write_text(original.replace("Geschäftsführer", "Inhaber"), encoding="utf-8")
    result = import_file(store, changed, "linkedin")
    assert (result.created, result.updated) == (0, 1)
    assert [r["fields"]["job_title"] for r in opened_records(store) if r["fields"].get("last_name") == "Weiß"] == [
        "Inhaber"
    ]


def test_the_format_is_named_in_the_result(store: Store) -> None:
    assert bring(store, "shopify/customers_export.csv").format_name == "Shopify customers export"
    assert bring(store, "erp/kunden.csv").format_name is None
