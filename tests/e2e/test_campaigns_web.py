"""Snapshots and campaigns over HTTP: from a list to a snapshot, its review, freezing it, a campaign with its
message, the preview of real recipients, the export that marks it sent, and the report; roles and refusals."""

from __future__ import annotations

import csv
import io

from flask import Flask
from flask.testing import FlaskClient

from consent import ledger
from tests.e2e.conftest import csrf_token, profile_id, sign_in


def _consent(app: Flask) -> None:
    store = app.extensions["cdp_store"]
    for name in ("Max", "Erika", "Alex"):
        ledger.record(store, profile_id(app, name), "newsletter", "email", "granted", actor="t", origin="staff",
                      proof={"form": "web"})  # fmt: skip


def _snapshot(client: FlaskClient, holdout: str = "0") -> str:
    token = csrf_token(client, "/customers")
    taken = client.post("/snapshots", data={"csrf_token": token, "name": "Alle", "holdout": holdout})
    assert taken.status_code == 302 and taken.headers["Location"].startswith("/snapshots/")
    return taken.headers["Location"]


def test_from_a_list_to_a_report(app: Flask, client: FlaskClient) -> None:
    _consent(app)
    sign_in(client, "marketing")
    snapshot = _snapshot(client)
    page = client.get(snapshot).get_data(as_text=True)
    assert "The snapshot is taken" in page and "3 people on the snapshot" in page and "Freeze the snapshot" in page
    assert "no effect can be measured" in page, "a holdout of 0 % cannot measure anything, and the page says so"
    token = csrf_token(client, snapshot)
    anchor = page.split('id="member-', 1)[1].split('"', 1)[0]
    out = client.post(f"{snapshot}/members/{anchor}", data={"csrf_token": token, "page": "1"})
    assert out.status_code == 302 and f"#member-{anchor}" in out.headers["Location"]
    assert "by marketing" in client.get(snapshot).get_data(as_text=True)
    client.post(f"{snapshot}/members/{anchor}", data={"csrf_token": token, "back": "1"})
    assert client.post(f"{snapshot}/freeze", data={"csrf_token": token}).status_code == 302
    frozen = client.get(snapshot).get_data(as_text=True)
    assert "The snapshot is frozen" in frozen and "Take out" not in frozen
    started = client.post(f"{snapshot}/campaigns", data={"csrf_token": token, "name": "Frühling",
                                                         "purpose": "newsletter", "channel": "email"})  # fmt: skip
    campaign = started.headers["Location"]
    message = {"csrf_token": token, "subject_de": "Hallo {first_name}", "body_de": "{greeting}\nFrühling!",
               "subject_en": "Hi", "body_en": "{greeting}\nSpring!", "cost": "25,50"}  # fmt: skip
    saved = client.post(f"{campaign}/message", data=message)
    page = client.get(saved.headers["Location"]).get_data(as_text=True)
    assert "The message is saved." in page and "Sehr geehrter Herr Dr. Müller," in page and "Hallo Max" in page
    assert "3 recipients pass the consent gate" in page and "Not sent yet" in page
    exported = client.post(f"{campaign}/export", data={"csrf_token": token})
    rows = list(csv.DictReader(io.StringIO(exported.get_data(as_text=True))))
    assert exported.mimetype == "text/csv" and len(rows) == 3
    assert {row["greeting"] for row in rows} >= {"Sehr geehrter Herr Dr. Müller,", "Sehr geehrte Frau Schmidt,"}
    report = client.get(campaign).get_data(as_text=True)
    assert "Sent (exported) by marketing" in report and "Who bought within the window" in report
    assert "What recipients did" in report and "Read the report" in report
    report_file = b"Email,Timestamp\nerika@example.org,2099-01-01 10:00:00\nnobody@example.org,2099-01-01 10:00:00\n"
    read = client.post(f"{campaign}/responses", data={"csrf_token": token, "kind": "",
                                                      "file": (io.BytesIO(report_file), "opens.csv")})  # fmt: skip
    assert read.status_code == 302 and read.headers["Location"].endswith("#responses")
    page = client.get(read.headers["Location"]).get_data(as_text=True)
    assert "The report is read. New responses: opened 1." in page and "1 row skipped." in page
    assert "line 3: no recipient of this campaign has this email" in page
    assert "Reached (not bounced)" in page and "Opened: 1" in page
    empty = client.post(f"{campaign}/responses", data={"csrf_token": token, "kind": ""})
    assert "Please choose the report file." in client.get(empty.headers["Location"]).get_data(as_text=True)
    unsaid = client.post(f"{campaign}/responses", data={"csrf_token": token, "kind": "",
                                                        "file": (io.BytesIO(b"Email\n"), "report.csv")})  # fmt: skip
    assert "does not say what its rows are" in client.get(unsaid.headers["Location"]).get_data(as_text=True)
    forged = client.post(f"{campaign}/responses", data={"kind": "", "file": (io.BytesIO(report_file), "opens.csv")})
    assert forged.status_code == 400
    assert client.get(f"{campaign}?model=linear&window=90").status_code == 200
    wrong = client.get(f"{campaign}?window=0").get_data(as_text=True)
    assert "expected a window of 1 to 365 days" in wrong


def test_a_campaign_cannot_start_on_a_snapshot_under_review(app: Flask, client: FlaskClient) -> None:
    sign_in(client, "sales")
    snapshot = _snapshot(client)
    token = csrf_token(client, snapshot)
    refused = client.post(f"{snapshot}/campaigns", data={"csrf_token": token, "name": "Zu früh",
                                                         "purpose": "newsletter", "channel": "email"})  # fmt: skip
    assert refused.headers["Location"] == snapshot
    assert "freeze the snapshot before a campaign works on it" in client.get(snapshot).get_data(as_text=True)


def test_a_holdout_share_that_is_no_number_is_refused_clearly(app: Flask, client: FlaskClient) -> None:
    sign_in(client, "marketing")
    token = csrf_token(client, "/customers")
    refused = client.post("/snapshots", data={"csrf_token": token, "name": "Alle", "holdout": "zehn"})
    assert refused.status_code == 302 and refused.headers["Location"].startswith("/customers")
    assert "expected a share in percent" in client.get(refused.headers["Location"]).get_data(as_text=True)
    too_big = client.post("/snapshots", data={"csrf_token": token, "name": "Alle", "holdout": "80"})
    assert "from 0 to 50" in client.get(too_big.headers["Location"]).get_data(as_text=True)


def test_the_dpo_has_no_campaign_work(app: Flask, client: FlaskClient) -> None:
    sign_in(client, "dpo")
    assert client.get("/campaigns").status_code == 403
    assert client.post("/snapshots", data={"csrf_token": csrf_token(client, "/customers")}).status_code == 403
