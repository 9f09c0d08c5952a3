"""Saved import mappings in the store: sealed, replaced with their old key destroyed, found for a source."""

from __future__ import annotations

import json

from sqlalchemy import select

from cdp.ingest import mappings
from cdp.store.database import Store
from cdp.store.personal import Place
from cdp.store.schema import import_mapping
from tests.helpers import count_rows


def test_a_mapping_is_sealed_and_found_again_for_its_layout(store: Store) -> None:
    layout = mappings.layout_of(store, None, ["Zqxheader", "E-Mail"])
    assert "Zqxheader" not in layout and layout == mappings.layout_of(store, None, ["Zqxheader", "E-Mail"])
    mappings.remember(store, "fair", "contacts", layout, {"Zqxheader": "first_name"}, "anja")
    with store.read() as connection:
        [row] = connection.execute(select(import_mapping)).all()
    assert b"Zqxheader" not in bytes(row.mapping)
    found = mappings.recall(store, "fair", "contacts", layout)
    assert found.overrides == {"Zqxheader": "first_name"} and found.exact and found.saved_by == "anja"
    assert mappings.recall(store, "fair", "purchases", layout) is None
    assert mappings.recall(store, "shop", "contacts", layout) is None


def test_saving_again_replaces_the_mapping_and_destroys_the_old_key(store: Store) -> None:
    layout = mappings.layout_of(store, "shopify-customers", [])
    mappings.remember(store, "shop", "contacts", layout, {"Tags": ""}, "anja")
    with store.read() as connection:
        old = connection.execute(select(import_mapping)).one()
    mappings.remember(store, "shop", "contacts", layout, {"Tags": "job_title"}, "bert")
    assert count_rows(store, "import_mapping") == 1
    assert mappings.recall(store, "shop", "contacts", layout).overrides == {"Tags": "job_title"}
    place = Place("import_mapping", "mapping", old.id)
    assert store.personal.open(bytes(old.key_id), place, bytes(old.mapping)) is None


def test_a_file_of_another_layout_is_offered_the_newest_mapping_of_its_source(store: Store) -> None:
    first = mappings.layout_of(store, None, ["A"])
    mappings.remember(store, "fair", "contacts", first, {"A": "email"}, "anja")
    other = mappings.layout_of(store, None, ["A", "B"])
    found = mappings.recall(store, "fair", "contacts", other)
    assert found is not None and not found.exact and found.overrides == {"A": "email"}


def test_a_saved_mapping_is_audited_without_its_columns(store: Store) -> None:
    mappings.remember(store, "fair", "contacts", "format:x", {"Zqxheader": "email"}, "anja")
    with store.read() as connection:
        details = connection.exec_driver_sql(
            "SELECT details FROM audit_log WHERE action = 'import_mapping.saved'"
        ).scalar_one()
    assert "Zqxheader" not in details
    assert json.loads(details) == {"source": "fair", "kind": "contacts", "columns": 1, "replaced": False}
