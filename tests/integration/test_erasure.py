"""Erasure on request: nothing of the person is left anywhere, not even through an older backup."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from cdp.config import Paths
from cdp.ingest.pipeline import import_file
from cdp.profiles import unified as profiles
from cdp.records import rebuild_search_terms, records_of_profiles
from cdp.store import backup
from cdp.store.database import Store
from cdp.store.keys import load_master_key
from cdp.store.personal import Place
from consent import dsr, erasure, ledger
from identity.resolve import resolve_all
from tests.helpers import count_rows, opened_records, write_file

MARKERS = ("Zqxfirst", "Zqxlast", "zqxmail", "zqxhandle", "Zqxstreet", "Zqxnote", "Zqxpost", "Zqxcomment")
CONTACTS = (
    "ID;Vorname;Nachname;E-Mail;X;Straße;PLZ;Ort;Notiz\n"
    f"K1;{MARKERS[0]};{MARKERS[1]};{MARKERS[2]}@example.org;@{MARKERS[3]};{MARKERS[4]} 1;10115;Berlin;{MARKERS[5]}\n"
    "K2;Erika;Mustermann;erika@example.org;;Hauptstraße 2;10115;Berlin;keep me\n"
)
MESSAGES = f"contact_id,occurred_at,channel,type,text\nK1,2025-05-01,x,post,{MARKERS[6]} is lovely\n"
PURCHASES = (
    "contact_id,interaction_id,occurred_at,amount,currency,product,comment\n"
    f"K1,O1,{date.today().year - 1}-03-01,19.99,EUR,Tee,{MARKERS[7]}\n"
    "K1,O0,2001-03-01,5.00,EUR,Tasse,old\n"
    "K2,O2,2025-03-01,5.00,EUR,Tasse,fine\n"
)


@pytest.fixture
def person(store: Store, tmp_path: Path) -> int:
    """The profile of the person marked in every kind of field; Erika is there too."""
    import_file(store, write_file(tmp_path, "shop.csv", CONTACTS), "webshop")
    import_file(store, write_file(tmp_path, "posts.csv", MESSAGES), "webshop", kind="messages")
    import_file(store, write_file(tmp_path, "orders.csv", PURCHASES), "webshop", kind="purchases")
    resolve_all(store, actor="test")
    profile_id = profiles.search(store, MARKERS[2] + "@example.org", "DE")[0].id
    ledger.record(store, profile_id, "newsletter", "email", "granted", actor="test", origin="import",
                  proof={"form": "signup", "note": MARKERS[5]})  # fmt: skip
    return profile_id


def _erase_by_request(store: Store, profile_id: int) -> int:
    request_id = dsr.open_request(store, "erasure", {"email": f"{MARKERS[2]}@example.org"}, date.today(), "dpo")
    assert [found.id for found in dsr.candidates(store, request_id)] == [profile_id]
    dsr.confirm_subject(store, request_id, profile_id, "dpo")
    dsr.verify(store, request_id, "known_email", "dpo")
    dsr.erase(store, request_id, "dpo")
    return request_id


def _decrypted_dump(store: Store) -> str:
    """Every row of every table, as SQLCipher decrypts it, and every sealed value that still opens."""
    parts = []
    with store.read() as connection:
        tables = connection.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'table'").scalars().all()
        for table in tables:
            parts += [repr(tuple(row)) for row in connection.exec_driver_sql(f"SELECT * FROM {table}")]
    parts += [repr(record) for record in opened_records(store)]
    with store.read() as connection:
        for row in connection.exec_driver_sql("SELECT i.id, i.payload, s.key_id FROM interaction i "
                                              "JOIN source_record s ON s.id = i.source_record_id"):  # fmt: skip
            if row[1]:
                parts.append(
                    repr(store.personal.open(bytes(row[2]), Place("interaction", "payload", row[0]), bytes(row[1])))
                )
    with store.read() as connection:
        for row_id, key_id, requester in connection.exec_driver_sql("SELECT id, key_id, requester FROM dsr_request"):
            parts.append(
                repr(store.personal.open(bytes(key_id), Place("dsr_request", "requester", row_id), bytes(requester)))
            )
    return "\n".join(parts)


def _marker_hits(text: str) -> list[str]:
    return [marker for marker in MARKERS if marker.lower() in text.lower()]


def test_marked_person_is_in_the_dump_before_erasure(store: Store, person: int) -> None:
    assert _marker_hits(_decrypted_dump(store)) == list(MARKERS)


def test_after_erasure_no_marker_is_in_the_store_its_wal_the_index_or_the_logs(
    store: Store, person: int, paths: Paths
) -> None:
    _erase_by_request(store, person)
    assert _marker_hits(_decrypted_dump(store)) == []
    for path in paths.data_dir.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert not [m for m in MARKERS if m.encode() in data or m.encode("utf-16-le") in data], path
    for marker in MARKERS:
        assert profiles.search(store, marker, "DE") == []
    assert [found.display_name for found in profiles.search(store, "Erika", "DE")] == ["Erika Mustermann"]


def test_purchases_under_tax_retention_stay_as_restricted_facts(store: Store, person: int) -> None:
    _erase_by_request(store, person)
    kept = profiles.load(store, person)
    assert kept.status == "restricted" and kept.fields == {}
    items = profiles.timeline(store, person).items
    assert [(item.kind, item.amount_minor, item.details) for item in items] == [("purchase", 1999, None)]


def test_an_older_backup_restored_does_not_bring_the_person_back(
    store: Store, person: int, paths: Paths, tmp_path: Path
) -> None:
    with store.read() as tx:
        record_ids = records_of_profiles(tx, [person])
    saved = tmp_path / "before.kbk"
    backup.backup(store, saved)
    _erase_by_request(store, person)
    store.close()

    restored = backup.restore(paths, load_master_key(paths), saved)
    try:
        with restored.read() as connection:
            rows = connection.exec_driver_sql(
                f"SELECT id, key_id, payload FROM source_record WHERE id IN ({','.join(map(str, record_ids))})"
            ).all()
        assert rows, "the backup holds the person's records"
        assert all(
            restored.personal.open(bytes(key_id), Place("source_record", "payload", row_id), bytes(payload)) is None
            for row_id, key_id, payload in rows
        ), "the backup's copy of their fields cannot be decrypted"
        assert erasure.replay(restored, "restore", keep_purchases_since=None) == len(record_ids)
        rebuild_search_terms(restored)
        assert _marker_hits(_decrypted_dump(restored)) == []
        assert profiles.search(restored, f"{MARKERS[2]}@example.org", "DE") == []
        assert count_rows(restored, "suppression") >= 2
    finally:
        restored.close()


def test_a_later_import_of_the_erased_person_is_held_back(store: Store, person: int, tmp_path: Path) -> None:
    _erase_by_request(store, person)
    again = (
        "ID;Vorname;Nachname;E-Mail\n"
        f"N1;{MARKERS[0]};{MARKERS[1]};{MARKERS[2].upper()}@example.org\n"
        "N2;Max;Neu;max@example.org\n"
    )
    result = import_file(store, write_file(tmp_path, "nl.csv", again), "newsletter")
    assert (result.created, result.suppressed) == (1, 1)
    assert _marker_hits(_decrypted_dump(store)) == []


def test_orders_and_posts_of_the_erased_person_are_held_back_not_refused(
    store: Store, person: int, tmp_path: Path
) -> None:
    _erase_by_request(store, person)
    orders = import_file(store, write_file(tmp_path, "orders2.csv", PURCHASES), "webshop", kind="purchases")
    assert (orders.suppressed, orders.created, orders.unchanged) == (2, 0, 1)
    contacts = import_file(store, write_file(tmp_path, "shop2.csv", CONTACTS), "webshop")
    assert (contacts.suppressed, contacts.created) == (1, 0)
    assert _marker_hits(_decrypted_dump(store)) == []
