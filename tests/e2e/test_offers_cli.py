"""``cdp offers rebuild`` as a user runs it on a store whose purchases came in before products were kept."""

from __future__ import annotations

from pathlib import Path

from cdp.config import Paths
from cdp.ingest.pipeline import import_data
from cdp.store.database import create_store, open_store
from cdp.store.keys import create_key_file, load_master_key
from cdp.store.schema import purchase_product
from identity.resolve import resolve_new
from tests.helpers import count_rows, run_cdp
from tests.integration.test_offers import CONTACTS, ORDERS


def test_offers_rebuild_links_earlier_purchases_once(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    paths = Paths(data_dir)
    store = create_store(paths, create_key_file(paths.key_file))
    try:
        import_data(store, "kunden.csv", CONTACTS.encode(), "shop", after_import=resolve_new)
        import_data(store, "orders.csv", ORDERS.encode(), "shop", kind="purchases", after_import=resolve_new)
        pairs = count_rows(store, "co_purchase")
        with store.write() as tx:
            tx.execute(purchase_product.delete())
        assert count_rows(store, "co_purchase") == 0
    finally:
        store.close()

    rebuilt = run_cdp(data_dir, "offers", "rebuild")
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert "Linked 6 purchase(s) to their products (9 link(s))." in rebuilt.stdout
    again = run_cdp(data_dir, "offers", "rebuild")
    assert "Linked 0 purchase(s)" in again.stdout
    store = open_store(paths, load_master_key(paths))
    try:
        assert count_rows(store, "co_purchase") == pairs == 6
    finally:
        store.close()
