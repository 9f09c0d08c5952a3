"""An import that committed is reported as committed, even when the work after it fails."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient

from cdp.config import Paths
from cdp.profiles import unified as profiles
from cdp.staff.tokens import create_token
from cdp.store.database import open_store
from cdp.store.keys import load_master_key
from consent import dsr
from identity.resolve import MODEL
from tests.helpers import count_rows, run_cdp, write_file

CONTACTS = "ID;Vorname;Nachname;E-Mail\nK1;Anna;Albrecht;anna@example.org\nK2;Bernd;Brandt;bernd@example.org\n"


def _break_the_stored_model(data: Path) -> None:
    paths = Paths(data)
    store = open_store(paths, load_master_key(paths))
    store.set_meta(MODEL, "{ not a model")
    store.close()


def test_the_cli_reports_the_committed_rows_and_the_failed_resolution_apart(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert run_cdp(data, "init").returncode == 0
    _break_the_stored_model(data)
    result = run_cdp(data, "import", str(write_file(tmp_path / "in", "c.csv", CONTACTS)), "--source", "webshop")
    assert result.returncode == 8, result.stderr
    assert "Imported 2 record(s) from webshop: 2 new, 0 updated, 0 unchanged." in result.stdout
    assert "The import is committed, but identity resolution after it did not finish; run 'cdp resolve'" in (
        result.stderr
    )
    assert "unexpected problem" not in result.stderr and "Traceback" not in result.stderr
    paths = Paths(data)
    store = open_store(paths, load_master_key(paths))
    assert count_rows(store, "source_record") == 2
    store.close()
    assert "crash: json.decoder.JSONDecodeError" in (data / "logs" / "kundenbild.log").read_text()
    assert run_cdp(data, "resolve").returncode == 0


def test_the_api_answers_created_and_names_the_unfinished_follow_up(app: Flask, client: FlaskClient) -> None:
    store = app.extensions["cdp_store"]
    store.set_meta(MODEL, "{ not a model")
    token = create_token(store, "shop", "sales", actor="test")
    answer = client.post(
        "/api/v1/contacts?source=newsletter",
        json={"records": [{"id": "N1", "first_name": "Lena", "email": "lena@example.org"}]},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert answer.status_code == 201
    assert answer.get_json()["created"] == 1 and "run 'cdp resolve'" in answer.get_json()["follow_up"]


def test_the_api_counts_records_held_back_for_people_erased_on_request(app: Flask, client: FlaskClient) -> None:
    store = app.extensions["cdp_store"]
    [erika] = profiles.search(store, "erika@example.org", "DE")
    request_id = dsr.open_request(store, "erasure", {"email": "erika@example.org"}, date.today(), "test")
    dsr.verify(store, request_id, "known_email", "test")
    dsr.confirm_subject(store, request_id, erika.id, "test")
    dsr.erase(store, request_id, "test")
    token = create_token(store, "shop", "sales", actor="test")
    answer = client.post(
        "/api/v1/contacts?source=newsletter",
        json={"records": [{"id": "N7", "first_name": "Erika", "email": "ERIKA@example.org"}]},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert answer.status_code == 201
    body = answer.get_json()
    assert (body["created"], body["held_back"]) == (0, 1) and "erased on request" in body["held_back_reason"]
