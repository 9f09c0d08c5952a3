"""The DPO's pages through HTTP: inbox, a request from intake to erasure, retention, consent on the profile."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date, timedelta

from flask import Flask
from flask.testing import FlaskClient

from cdp.profiles import unified as profiles
from cdp.staff.tokens import create_token
from consent import ledger
from tests.e2e.conftest import csrf_token, profile_id, sign_in


def _open_request(client: FlaskClient, kind: str, received_on: date, **details: str) -> int:
    token = csrf_token(client, "/dpo/requests/new")
    response = client.post("/dpo/requests/new", data={"kind": kind, "received_on": received_on.isoformat(),
                                                      "csrf_token": token, **details})  # fmt: skip
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.headers["Location"].rsplit("/", 1)[1])


def _post(client: FlaskClient, url: str, **form: str):
    return client.post(url, data={"csrf_token": csrf_token(client, "/dpo/requests/new"), **form})


def test_only_the_dpo_and_admins_reach_requests_and_retention(client: FlaskClient) -> None:
    for role, allowed in (("sales", False), ("marketing", False), ("dpo", True), ("admin", True)):
        sign_in(client, role)
        for path in ("/dpo/requests", "/dpo/requests/new", "/dpo/retention"):
            assert (client.get(path).status_code == 200) is allowed, (role, path)
        client.post("/signout", data={"csrf_token": csrf_token(client, "/profiles")})


def test_sales_cannot_erase_even_with_a_valid_form(app: Flask, client: FlaskClient) -> None:
    sign_in(client, "dpo")
    request_id = _open_request(client, "erasure", date.today(), email="erika@example.org")
    client.post("/signout", data={"csrf_token": csrf_token(client, "/profiles")})
    sign_in(client, "sales")
    token = csrf_token(client, "/profiles")
    response = client.post(f"/dpo/requests/{request_id}/erase", data={"confirm": "yes", "csrf_token": token})
    assert response.status_code == 403
    assert profiles.search(app.extensions["cdp_store"], "erika@example.org", "DE")


def test_inbox_puts_overdue_requests_first_and_marks_them(client: FlaskClient) -> None:
    sign_in(client, "dpo")
    recent = _open_request(client, "access", date.today(), name="Erika Schmidt")
    late = _open_request(client, "access", date.today() - timedelta(days=40), email="max.mueller@example.de")
    page = client.get("/dpo/requests", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert page.index(f'href="/dpo/requests/{late}"') < page.index(f'href="/dpo/requests/{recent}"')
    assert 'class="overdue"' in page and "overdue" in page


def test_a_request_from_intake_to_archive_and_erasure(app: Flask, client: FlaskClient) -> None:
    sign_in(client, "dpo")
    erika = profile_id(app, "erika@example.org")
    request_id = _open_request(client, "access", date.today(), email="erika@example.org", language="en")
    page = client.get(f"/dpo/requests/{request_id}").get_data(as_text=True)
    assert "Erika Schmidt" in page and f'value="{erika}"' in page
    refused = _post(client, f"/dpo/requests/{request_id}/export")
    assert refused.status_code == 409 and "Traceback" not in refused.get_data(as_text=True)
    _post(client, f"/dpo/requests/{request_id}/confirm", profile_id=str(erika))
    _post(client, f"/dpo/requests/{request_id}/verify", how="known_email")
    archive = _post(client, f"/dpo/requests/{request_id}/export")
    assert archive.status_code == 200 and archive.mimetype == "application/zip"
    assert archive.headers["Cache-Control"] == "no-store"
    person = json.loads(zipfile.ZipFile(io.BytesIO(archive.data)).read("data.json"))[0]
    assert person["campaigns"] == [], "marketing's lists and campaigns are part of the archive"
    assert person["profile"]["fields"]["email"] == "erika@example.org"

    erase_id = _open_request(client, "erasure", date.today(), email="erika@example.org")
    _post(client, f"/dpo/requests/{erase_id}/confirm", profile_id=str(erika))
    _post(client, f"/dpo/requests/{erase_id}/verify", how="id_document")
    unticked = _post(client, f"/dpo/requests/{erase_id}/erase")
    assert unticked.status_code == 400 and profiles.search(app.extensions["cdp_store"], "erika@example.org", "DE")
    assert _post(client, f"/dpo/requests/{erase_id}/erase", confirm="yes").status_code == 302
    assert profiles.search(app.extensions["cdp_store"], "erika@example.org", "DE") == []
    record = client.get(f"/dpo/requests/{erase_id}/record").json
    assert record["status"] == "closed" and "erasure" in [step["action"] for step in record["steps"]]


def test_retention_rule_is_edited_with_its_reason_and_dry_run_changes_nothing(client: FlaskClient) -> None:
    sign_in(client, "dpo")
    bad = _post(client, "/dpo/retention/purchases", months="0", legal_reason="x")
    assert bad.status_code == 422
    assert _post(client, "/dpo/retention/purchases", months="1", legal_reason="test rule").status_code == 302
    page = client.get("/dpo/retention?dry=1").get_data(as_text=True)
    assert 'value="test rule"' in page and 'id="due"' in page
    assert page.split('id="due"')[1].count("<td>25</td>") == 1, "the 25 test purchases are due, nothing else"
    assert client.get("/dpo/retention?dry=1").get_data(as_text=True).count("<td>25</td>") == 1


def test_staff_record_a_withdrawal_on_the_profile_and_it_shows_at_once(app: Flask, client: FlaskClient) -> None:
    sign_in(client, "marketing")
    max_id = profile_id(app, "max mueller")
    token = csrf_token(client, f"/profiles/{max_id}")
    form = {"purpose": "newsletter", "channel": "email", "basis": "consent", "csrf_token": token}
    fragment = client.post(f"/profiles/{max_id}/consent", data={**form, "action": "granted", "reason": "DOI"},
                           headers={"HX-Request": "true", "Accept-Language": "en"})  # fmt: skip
    assert fragment.status_code == 200 and "granted" in fragment.get_data(as_text=True)
    client.post(f"/profiles/{max_id}/consent", data={**form, "action": "withdrawn", "reason": "asked by phone"})
    page = client.get(f"/profiles/{max_id}", headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert "widerrufen" in page and "asked by phone" in page
    missing = client.post(f"/profiles/{max_id}/consent", data={**form, "action": "granted", "reason": " "},
                          headers={"HX-Request": "true"})  # fmt: skip
    assert missing.status_code == 422 and "reason" in missing.get_data(as_text=True)


def test_api_audience_goes_through_the_consent_gate(app: Flask, client: FlaskClient) -> None:
    store = app.extensions["cdp_store"]
    token = create_token(store, "mailer", "marketing", actor="test")
    headers = {"Authorization": f"Bearer {token}"}
    max_id = profile_id(app, "max mueller")
    ledger.record(store, max_id, "newsletter", "email", "granted", actor="test", origin="import")
    found = client.get("/api/v1/audience?purpose=newsletter&channel=email", headers=headers).json
    assert [row["email"] for row in found["contacts"]] == ["max.mueller@example.de"]
    assert found["left_out"]["no consent"] == 2
    ledger.record(store, max_id, "newsletter", "email", "withdrawn", actor="test", origin="staff")
    found = client.get("/api/v1/audience?purpose=newsletter&channel=email", headers=headers).json
    assert found["contacts"] == [] and found["left_out"]["withdrawn"] == 1
    bad = client.get("/api/v1/audience?purpose=spam&channel=email", headers=headers)
    assert bad.status_code == 400 and "purpose" in bad.json["error"]["message"]


def test_a_restricted_profile_is_marked_for_the_dpo_and_hidden_from_sales(app: Flask, client: FlaskClient) -> None:
    sign_in(client, "dpo")
    erika = profile_id(app, "erika@example.org")
    request_id = _open_request(client, "restriction", date.today(), email="erika@example.org")
    _post(client, f"/dpo/requests/{request_id}/confirm", profile_id=str(erika))
    _post(client, f"/dpo/requests/{request_id}/verify", how="known_email")
    _post(client, f"/dpo/requests/{request_id}/restrict")
    page = client.get(f"/profiles/{erika}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Processing restricted" in page and "erika@example.org" in page
    client.post("/signout", data={"csrf_token": csrf_token(client, "/profiles")})
    sign_in(client, "sales")
    hidden = client.get(f"/profiles/{erika}")
    assert hidden.status_code == 404 and "erika@example.org" not in hidden.get_data(as_text=True)


def test_the_audit_page_checks_the_chain_against_the_vault_anchor(app: Flask, client: FlaskClient) -> None:
    sign_in(client, "dpo")
    assert "The hash chain is intact." in client.get("/dpo/audit?verify=1").get_data(as_text=True)
    store = app.extensions["cdp_store"]
    with store.write() as connection:
        connection.exec_driver_sql("DROP TRIGGER audit_log_no_delete")
        connection.exec_driver_sql("DELETE FROM audit_log WHERE id > 3")
    page = client.get("/dpo/audit?verify=1", headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert "Das Protokoll wurde gekürzt" in page
