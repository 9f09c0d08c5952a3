"""Consent ledger and its gate, access archives, retention: against a real store."""

from __future__ import annotations

import csv
import io
import json
import logging
import threading
import time
import zipfile
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from cdp import records as cdp_records
from cdp.errors import InvalidValue
from cdp.ingest.pipeline import import_file
from cdp.profiles import unified as profiles
from cdp.records import records
from cdp.store.database import Store
from cdp.store.schema import blocking_key, source_record
from consent import access, dsr, ledger, repository, retention, segments
from consent.errors import RequestNotReady
from identity.resolve import resolve_all, resolve_new
from tests.helpers import count_rows, write_file

CONTACTS = (
    "ID;Vorname;Nachname;E-Mail;Telefon;Notiz\n"
    "K1;Anna;Albrecht;anna@example.org;030 1234567;VIP\n"
    "K2;Bernd;Brandt;bernd@example.org;;\n"
    "K3;Clara;Christ;;030 7654321;\n"
)
MESSAGES = "contact_id,interaction_id,occurred_at,channel,type,text\nK1,M1,2025-05-01,email,ticket,Lieferung fehlt\n"
PURCHASES = "contact_id,interaction_id,occurred_at,amount,currency,product\nK1,O1,2025-03-01,19.99,EUR,Tee\n"


@pytest.fixture
def shop(store: Store, tmp_path: Path) -> dict[str, int]:
    import_file(store, write_file(tmp_path, "shop.csv", CONTACTS), "webshop")
    import_file(store, write_file(tmp_path, "m.csv", MESSAGES), "webshop", kind="messages")
    import_file(store, write_file(tmp_path, "p.csv", PURCHASES), "webshop", kind="purchases")
    return {found.value("first_name"): found.id for found in profiles.load_many(store, list(range(1, 10)))}


def _grant(store: Store, profile_id: int, purpose: str = "newsletter", channel: str = "email") -> None:
    ledger.record(store, profile_id, purpose, channel, "granted", actor="test", origin="import",
                  proof={"double_opt_in_at": "2025-01-02T10:00:00+00:00", "text_version": "v3"})  # fmt: skip


def test_history_is_kept_and_the_latest_event_decides(store: Store, shop: dict[str, int]) -> None:
    _grant(store, shop["Anna"])
    ledger.record(store, shop["Anna"], "newsletter", "email", "withdrawn", actor="test", origin="staff",
                  proof={"reason": "asked by phone"})  # fmt: skip
    events = ledger.history(store, shop["Anna"])
    assert [event.action for event in events] == ["granted", "withdrawn"]
    assert events[0].proof == {"double_opt_in_at": "2025-01-02T10:00:00+00:00", "text_version": "v3"}
    assert ledger.current(events)[("newsletter", "email")].action == "withdrawn"


def test_withdrawal_takes_a_person_out_of_exports_at_once(store: Store, shop: dict[str, int]) -> None:
    for name in ("Anna", "Bernd", "Clara"):
        _grant(store, shop[name])
    rows, audience = segments.contacts(store, "newsletter", "email", "test")
    assert sorted(row["first_name"] for row in rows) == ["Anna", "Bernd"]
    assert audience.left_out["no address"] == 1
    ledger.record(store, shop["Bernd"], "newsletter", "email", "withdrawn", actor="test", origin="staff")
    rows, audience = segments.contacts(store, "newsletter", "email", "test")
    assert [row["first_name"] for row in rows] == ["Anna"]
    assert audience.left_out["withdrawn"] == 1


def test_people_without_consent_or_restricted_are_left_out_and_counted(store: Store, shop: dict[str, int]) -> None:
    _grant(store, shop["Anna"], channel="phone")
    _grant(store, shop["Clara"], channel="phone")
    request_id = dsr.open_request(store, "restriction", {"name": "Clara Christ"}, date.today(), "dpo")
    dsr.confirm_subject(store, request_id, shop["Clara"], "dpo")
    dsr.verify(store, request_id, "id_document", "dpo")
    dsr.restrict(store, request_id, "dpo")
    rows, audience = segments.contacts(store, "sales_contact", "phone", "test")
    assert rows == [] and audience.left_out == {"restricted": 1, "withdrawn": 0, "no consent": 2}
    audience = ledger.audience(store, None, "newsletter", "phone")
    assert audience.included == [shop["Anna"]] and audience.left_out["restricted"] == 1


def test_objection_stops_direct_marketing_on_every_channel(store: Store, shop: dict[str, int]) -> None:
    _grant(store, shop["Anna"])
    request_id = dsr.open_request(store, "objection", {"email": "anna@example.org"}, date.today(), "dpo")
    dsr.confirm_subject(store, request_id, shop["Anna"], "dpo")
    dsr.verify(store, request_id, "known_email", "dpo")
    assert dsr.object_to_marketing(store, request_id, "dpo") == 15
    for channel in ledger.CHANNELS:
        assert ledger.audience(store, None, "newsletter", channel).included == []


def test_an_objection_for_two_profiles_is_one_unit_of_work(
    store: Store, shop: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The second profile's events fail after they were written: the first profile's go too, and their audit."""
    request_id = dsr.open_request(store, "objection", {"email": "anna@example.org"}, date.today(), "dpo")
    for name in ("Anna", "Bernd"):
        dsr.confirm_subject(store, request_id, shop[name], "dpo")
    dsr.verify(store, request_id, "known_email", "dpo")
    entries = count_rows(store, "audit_log")
    real_add_events = repository.add_events
    written = []

    def failing_after_the_second(*args, **kwargs):
        written.append(real_add_events(*args, **kwargs))
        if len(written) == 2:
            raise RuntimeError("the disk is full")
        return written[-1]

    monkeypatch.setattr(repository, "add_events", failing_after_the_second)
    with pytest.raises(RuntimeError, match="disk is full"):
        dsr.object_to_marketing(store, request_id, "dpo")
    assert [len(ids) for ids in written] == [15, 15]
    assert ledger.history(store, shop["Anna"]) == [] and ledger.history(store, shop["Bernd"]) == []
    assert count_rows(store, "consent_event") == 0 and count_rows(store, "audit_log") == entries
    monkeypatch.undo()
    assert dsr.object_to_marketing(store, request_id, "dpo") == 30
    assert count_rows(store, "consent_event") == 30


def test_a_rectification_of_two_profiles_is_one_unit_of_work(
    store: Store, shop: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    request_id = dsr.open_request(store, "rectification", {"email": "anna@example.org"}, date.today(), "dpo")
    for name in ("Anna", "Bernd"):
        dsr.confirm_subject(store, request_id, shop[name], "dpo")
    dsr.verify(store, request_id, "known_email", "dpo")
    real_replace = cdp_records.replace_content
    calls = []

    def failing_on_the_second(*args, **kwargs):
        calls.append(args)
        if len(calls) == 2:
            raise RuntimeError("the disk is full")
        return real_replace(*args, **kwargs)

    monkeypatch.setattr(cdp_records, "replace_content", failing_on_the_second)
    with pytest.raises(RuntimeError, match="disk is full"):
        dsr.rectify(store, request_id, "last_name", "Albers", "dpo", resolve_new)
    monkeypatch.undo()
    assert profiles.load(store, shop["Anna"]).value("last_name") == "Albrecht", "the first profile was changed"
    assert [hit.id for hit in profiles.search(store, "albrecht", "DE")] == [shop["Anna"]]


def test_unknown_purpose_or_channel_is_refused(store: Store, shop: dict[str, int]) -> None:
    with pytest.raises(InvalidValue, match="purpose"):
        ledger.record(store, shop["Anna"], "spam", "email", "granted", actor="t", origin="staff")
    with pytest.raises(InvalidValue, match="channel"):
        ledger.audience(store, None, "newsletter", "pigeon")


def test_a_request_is_carried_out_only_when_verified_and_confirmed(store: Store, shop: dict[str, int]) -> None:
    request_id = dsr.open_request(store, "access", {"email": "anna@example.org"}, date(2026, 1, 31), "dpo")
    assert dsr.load(store, request_id).due_on == date(2026, 2, 28)
    with pytest.raises(RequestNotReady, match="verified"):
        dsr.ready(store, request_id)
    dsr.verify(store, request_id, "known_email", "dpo")
    with pytest.raises(RequestNotReady, match="confirmed"):
        dsr.ready(store, request_id)
    dsr.confirm_subject(store, request_id, shop["Anna"], "dpo")
    assert dsr.ready(store, request_id).subjects == [shop["Anna"]]
    assert dsr.extend(store, request_id, "many systems to search", "dpo") == date(2026, 4, 30)


def test_access_archive_holds_everything_put_in(store: Store, shop: dict[str, int]) -> None:
    _grant(store, shop["Anna"])
    archive = zipfile.ZipFile(io.BytesIO(access.archive(store, [shop["Anna"]], "en")))
    assert set(archive.namelist()) == {"data.json", "records.csv", "interactions.csv", "consent.csv", "report.html"}
    person = json.loads(archive.read("data.json"))[0]
    record = person["source_records"][0]
    assert record["fields"] | record["extra"] == {
        "first_name": "Anna", "last_name": "Albrecht", "email": "anna@example.org", "phone": "+49301234567",
        "Notiz": "VIP"} | {key: value for key, value in record["extra"].items() if key != "Notiz"}  # fmt: skip
    assert record["source"] == "webshop" and record["source_record_id"] == "K1"
    kinds = sorted((item["kind"], item["amount_minor"]) for item in person["interactions"])
    assert kinds == [("purchase", 1999), ("ticket", None)]
    assert [event["action"] for event in person["consent"]["history"]] == ["granted"]
    assert {rule["category"] for rule in person["retention"]} == set(retention.CATEGORIES)
    rows = list(csv.DictReader(io.StringIO(archive.read("records.csv").decode())))
    assert {(row["field"], row["value"]) for row in rows} >= {("last_name", "Albrecht"), ("Notiz", "VIP")}
    report = archive.read("report.html").decode()
    assert "The data we hold about you" in report and "Albrecht" in report and "19.99 EUR" in report


def test_retention_dry_run_lists_and_run_deletes_only_what_is_due(store: Store, shop: dict[str, int]) -> None:
    retention.set_rule(store, "support_tickets", 1, "test: one month", "dpo")
    later = date(2026, 12, 1)
    dry = {item.category: len(item.ids) for item in retention.run(store, "dpo", dry_run=True, today=later)}
    assert dry["support_tickets"] == 1 and dry["purchases"] == 0
    assert profiles.timeline(store, shop["Anna"]).total == 2
    retention.run(store, "dpo", today=later)
    assert [item.kind for item in profiles.timeline(store, shop["Anna"]).items] == ["purchase"]
    again = {item.category: len(item.ids) for item in retention.run(store, "dpo", today=later)}
    assert again["support_tickets"] == 0


def test_prospects_without_consent_are_erased_after_their_period(store: Store, shop: dict[str, int]) -> None:
    _grant(store, shop["Bernd"])
    due = {item.category: item.ids for item in retention.due(store, today=date(2100, 1, 1))}
    assert due["prospects_without_consent"] == [shop["Clara"]]
    retention.run(store, "dpo", today=date(2100, 1, 1))
    assert not any(found.value("first_name") == "Clara" for found in profiles.load_many(store, list(shop.values())))


def test_the_scheduled_run_deletes_what_is_due_and_stops_when_told(store: Store, shop: dict[str, int]) -> None:
    retention.set_rule(store, "messages_and_posts", 1, "test: one month", "dpo")
    retention.set_rule(store, "support_tickets", 1, "test: one month", "dpo")
    stop = threading.Event()
    thread = retention.keep_running(store, 24, logging.getLogger("test"), stop)
    deadline = time.monotonic() + 20
    while profiles.timeline(store, shop["Anna"]).total > 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    stop.set()
    thread.join(timeout=10)
    assert not thread.is_alive()
    assert [item.kind for item in profiles.timeline(store, shop["Anna"]).items] == ["purchase"]


def test_a_restriction_goes_with_the_records_into_the_profile_they_join(store: Store, tmp_path: Path) -> None:
    pair = "ID;Vorname;Nachname;E-Mail\nD1;Dora;Dorn;dora@example.org\nD2;Dora;Dorn;dora@example.org\n"
    import_file(store, write_file(tmp_path, "crm.csv", pair), "crm", after_import=resolve_new)
    single = "ID;Vorname;Nachname;E-Mail\nA;Dora;Dorn;dora@example.org\n"
    import_file(store, write_file(tmp_path, "shop.csv", single), "shop")
    with store.read() as tx:
        [alone] = {record.profile_id for record in records(tx, store.personal).values() if record.source == "shop"}
    request_id = dsr.open_request(store, "restriction", {"name": "Dora Dorn"}, date.today(), "dpo")
    dsr.confirm_subject(store, request_id, alone, "dpo")
    dsr.verify(store, request_id, "in_person", "dpo")
    dsr.restrict(store, request_id, "dpo")
    resolve_all(store, actor="test")
    with store.read() as tx:
        [joined] = {record.profile_id for record in records(tx, store.personal).values()}
    assert joined != alone, "the restricted record moved into the larger profile"
    assert profiles.load(store, joined).status == "restricted"


def test_rectification_corrects_every_record_and_what_finds_it(store: Store, shop: dict[str, int]) -> None:
    request_id = dsr.open_request(store, "rectification", {"email": "anna@example.org"}, date.today(), "dpo")
    dsr.confirm_subject(store, request_id, shop["Anna"], "dpo")
    dsr.verify(store, request_id, "known_email", "dpo")
    assert dsr.rectify(store, request_id, "last_name", "Albers", "dpo", resolve_new) == 1
    assert dsr.rectify(store, request_id, "email", "Anna.Albers@Example.org", "dpo", resolve_new) == 1
    found = profiles.load(store, shop["Anna"])
    assert (found.value("last_name"), found.value("email")) == ("Albers", "Anna.Albers@example.org")
    assert [hit.id for hit in profiles.search(store, "albers", "DE")] == [shop["Anna"]]
    assert [hit.id for hit in profiles.search(store, "anna.albers@example.org", "DE")] == [shop["Anna"]]
    assert profiles.search(store, "Albrecht", "DE") == [] and profiles.search(store, "anna@example.org", "DE") == []
    with pytest.raises(InvalidValue, match="email"):
        dsr.rectify(store, request_id, "email", "not an address", "dpo", resolve_new)
    assert profiles.load(store, shop["Anna"]).value("email") == "Anna.Albers@example.org"


def _blocking_keys(store: Store, profile_id: int) -> set[tuple[int, bytes]]:
    with store.read() as tx:
        return {
            (row.rule, bytes(row.digest))
            for row in tx.execute(
                select(blocking_key.c.rule, blocking_key.c.digest)
                .join(source_record, source_record.c.id == blocking_key.c.source_record_id)
                .where(source_record.c.profile_id == profile_id)
            )
        }


def test_a_rectification_leaves_no_blocking_key_of_the_old_value(store: Store, shop: dict[str, int]) -> None:
    resolve_all(store, actor="test")
    before = _blocking_keys(store, shop["Anna"])
    request_id = dsr.open_request(store, "rectification", {"email": "anna@example.org"}, date.today(), "dpo")
    dsr.confirm_subject(store, request_id, shop["Anna"], "dpo")
    dsr.verify(store, request_id, "known_email", "dpo")
    changed: list[int] = []
    assert dsr.rectify(store, request_id, "last_name", "Albers", "dpo", lambda _s, ids, _a: changed.extend(ids)) == 1
    assert before and _blocking_keys(store, shop["Anna"]) == set(), "the old surname's keys stayed"
    resolve_new(store, changed, "test")
    after = _blocking_keys(store, shop["Anna"])
    assert after and after != before
