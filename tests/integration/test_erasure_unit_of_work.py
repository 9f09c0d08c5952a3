"""An erasure request is one unit of work: half-way, nothing is erased; after COMMIT, nothing readable stays."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from cdp.config import Paths
from cdp.ingest.pipeline import import_file
from cdp.profiles import unified as profiles
from cdp.store.database import Store, open_store
from cdp.store.keys import load_master_key
from consent import dsr, erasure
from tests.helpers import count_rows, opened_records, write_file

CONTACTS = (
    "ID;Vorname;Nachname;E-Mail\n"
    "K1;Anna;Albrecht;anna@example.org\nK2;Anna;Albrecht;anna.privat@example.org\nK3;Erika;Muster;erika@example.org\n"
)


@pytest.fixture
def request_about_two(store: Store, tmp_path: Path) -> tuple[int, list[int]]:
    """An erasure request, verified, with Anna's two separate profiles confirmed."""
    import_file(store, write_file(tmp_path, "shop.csv", CONTACTS), "webshop")
    annas = [profiles.search(store, email, "DE")[0].id for email in ("anna@example.org", "anna.privat@example.org")]
    request_id = dsr.open_request(store, "erasure", {"email": "anna@example.org"}, date.today(), "dpo")
    for profile_id in annas:
        dsr.confirm_subject(store, request_id, profile_id, "dpo")
    dsr.verify(store, request_id, "known_email", "dpo")
    return request_id, annas


def test_erasure_of_two_profiles_rolls_back_when_the_second_fails(
    store: Store, request_about_two: tuple[int, list[int]], monkeypatch: pytest.MonkeyPatch
) -> None:
    request_id, annas = request_about_two
    real_purge = erasure.purge_profile

    def failing_on_the_second(store_, connection, profile_id, *args, **kwargs):
        if profile_id == annas[1]:
            raise RuntimeError("the disk is full")
        return real_purge(store_, connection, profile_id, *args, **kwargs)

    monkeypatch.setattr(erasure, "purge_profile", failing_on_the_second)
    with pytest.raises(RuntimeError):
        dsr.erase(store, request_id, "dpo")
    assert len(opened_records(store)) == 3 and all(record.get("fields") for record in opened_records(store))
    assert dsr.load(store, request_id).status == "open"
    assert dsr.load(store, request_id).requester == {"email": "anna@example.org"}
    assert not store.personal.vault.erasure_pending()


def test_an_erasure_whose_commit_failed_after_its_keys_went_is_finished_on_the_next_open(
    store: Store, paths: Paths, request_about_two: tuple[int, list[int]], monkeypatch: pytest.MonkeyPatch
) -> None:
    request_id, _ = request_about_two
    real_destroy = store._destroy_keys

    def destroy_then_crash(connection):
        real_destroy(connection)
        raise RuntimeError("power cut before COMMIT")

    monkeypatch.setattr(store, "_destroy_keys", destroy_then_crash)
    with pytest.raises(RuntimeError):
        dsr.erase(store, request_id, "dpo")
    assert store.personal.vault.erasure_pending() and count_rows(store, "source_record") == 3
    store.close()
    reopened = open_store(paths, load_master_key(paths))
    try:
        assert erasure.finish_interrupted(reopened, keep_purchases_since=None) == 2
        assert [record["fields"]["first_name"] for record in opened_records(reopened)] == ["Erika"]
        assert not reopened.personal.vault.erasure_pending()
        assert erasure.finish_interrupted(reopened, keep_purchases_since=None) == 0
    finally:
        reopened.close()


def test_an_erasure_request_erases_both_profiles_and_closes_in_one_go(
    store: Store, request_about_two: tuple[int, list[int]]
) -> None:
    request_id, _ = request_about_two
    assert len(dsr.erase(store, request_id, "dpo")) == 2
    assert [record["fields"]["first_name"] for record in opened_records(store)] == ["Erika"]
    assert dsr.load(store, request_id).status == "closed"
    assert not store.personal.vault.erasure_pending()
