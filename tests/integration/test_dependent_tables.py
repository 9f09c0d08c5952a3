"""Every table that hangs on a source record is found from the schema, so a new one cannot be forgotten.

The person below has a row in every table with a foreign key to
``source_record``; the test fails first if a table is added that the
fixture does not fill (add a row for it there), then checks that erasure
leaves nothing of the person in any of them (a legal hold keeps only the
purchase), and that a backup holds no derived table's rows.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, or_, select

from cdp.ingest.pipeline import import_file
from cdp.profiles import unified as profiles
from cdp.store import backup
from cdp.store.database import Store
from cdp.store.engine import encrypted_engine
from cdp.store.schema import dependents, derived_tables, source_record
from consent import erasure, ledger
from identity import review_queue
from identity import store as identity_store
from identity.resolve import resolve_all
from identity.store import Link
from marketing import campaigns, responses, segments
from tests.helpers import write_file

CONTACTS = (
    "ID;Vorname;Nachname;E-Mail;Ort\n"
    "K1;Zora;Quandt;zora@example.org;Berlin\n"
    "K2;Zora;Quandt;zora@example.org;Berlin\n"
    "K3;Erika;Mustermann;erika@example.org;Köln\n"
)
YEAR = date.today().year
PURCHASES = f"contact_id,interaction_id,occurred_at,amount,currency,product\nK1,O1,{YEAR}-01-02,9.99,EUR,Tee\n"


@pytest.fixture
def person(store: Store, tmp_path: Path) -> tuple[int, list[int]]:
    """Zora's profile and record ids, with a row in every table that refers to source records."""
    import_file(store, write_file(tmp_path, "shop.csv", CONTACTS), "webshop")
    import_file(store, write_file(tmp_path, "orders.csv", PURCHASES), "webshop", kind="purchases")
    resolve_all(store, actor="test")
    zora = profiles.search(store, "zora@example.org", "DE")[0].id
    erika = profiles.search(store, "erika@example.org", "DE")[0].id
    ledger.record(store, zora, "newsletter", "email", "granted", actor="test", origin="import", proof={})
    with store.write() as tx:
        records = [row.id for row in tx.execute(select(source_record.c.id).where(source_record.c.profile_id == zora))]
        other = tx.execute(select(source_record.c.id).where(source_record.c.profile_id == erika)).scalar_one()
        pair = sorted((records[0], other))
        identity_store.decide(tx, [tuple(pair)], "apart", "test")
        review_queue.add_review(tx, [Link(pair[0], pair[1], "model", 0.7, {})])
    snapshot_id = campaigns.take_snapshot(store, "Alle", segments.EVERYONE, "test", holdout_share=0.0)
    campaigns.freeze(store, snapshot_id, "test")
    campaign_id = campaigns.create_campaign(store, "Neu", snapshot_id, "newsletter", "email", "test")
    campaigns.export(store, campaign_id, "test")
    opened = responses.import_responses(store, campaign_id, Path("opens.csv"), b"Email\nzora@example.org\n", None, "t")
    assert opened.recorded == {"opened": 1}
    return zora, records


def _referring(store: Store, record_ids: list[int]) -> dict[str, int]:
    with store.read() as tx:
        return {
            table.name: tx.execute(
                select(func.count()).select_from(table).where(or_(*(column.in_(record_ids) for column in columns)))
            ).scalar_one()
            for table, columns in dependents(source_record)
        }


def test_the_fixture_fills_every_table_that_refers_to_source_records(store: Store, person) -> None:
    _, records = person
    empty = [name for name, count in _referring(store, records).items() if count == 0]
    assert empty == [], f"give the person a row in {empty} in the fixture, so that erasure is proven to reach it"


def test_erasure_reaches_every_table_that_refers_to_source_records(store: Store, person) -> None:
    zora, records = person
    erasure.erase_profile(store, zora, "dpo", keep_purchases_since=None)
    assert {name: count for name, count in _referring(store, records).items() if count} == {}


def test_a_legal_hold_keeps_only_the_purchase(store: Store, person) -> None:
    zora, records = person
    erasure.erase_profile(store, zora, "dpo", keep_purchases_since=f"{YEAR}-01-01")
    assert {name: count for name, count in _referring(store, records).items() if count} == {"interaction": 1}


def test_a_backup_holds_no_rows_of_derived_tables(store: Store, person, tmp_path: Path) -> None:
    target = tmp_path / "kb.kbk"
    backup.backup(store, target)
    copy = encrypted_engine(target, store.engine.url.password)
    try:
        with copy.connect() as connection:
            counts = {
                table.name: connection.execute(select(func.count()).select_from(table)).scalar_one()
                for table in derived_tables()
            }
    finally:
        copy.dispose()
    assert derived_tables() and counts == dict.fromkeys(counts, 0)
