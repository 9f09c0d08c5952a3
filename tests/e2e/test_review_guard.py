"""The review queue never shows or lets anyone decide more than it offers them."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from cdp.store.schema import audit_log, link_decision
from consent import repository
from identity.resolve import profile_of_record
from tests.e2e.conftest import csrf_token, sign_in
from tests.e2e.test_web import all_records, queue_pair


def _restrict_profile_of(app: Flask, record_id: int) -> None:
    store = app.extensions["cdp_store"]
    profile_id = profile_of_record(store, record_id)
    with store.write() as tx:
        repository.set_restricted(tx, profile_id, True, "test", None)


def _decide(client: FlaskClient, left: int, right: int, decision: str = "join"):
    token = csrf_token(client, "/review")
    return client.post(f"/review/{left}/{right}", data={"decision": decision, "csrf_token": token})


def _decisions(app: Flask) -> list:
    with app.extensions["cdp_store"].read() as connection:
        return connection.execute(select(link_decision)).all()


def test_sales_and_marketing_do_not_see_a_pair_with_a_restricted_person(app: Flask, client: FlaskClient) -> None:
    _, high = queue_pair(app, "Max", "Alex")
    _restrict_profile_of(app, high)
    for role in ("sales", "marketing"):
        sign_in(client, role)
        page = client.get("/review").get_data(as_text=True)
        assert "alex@example.com" not in page and "Muller" not in page, role
        assert "Nothing to review." in page and "0 pairs wait" in page, role
    sign_in(client, "dpo")
    assert "alex@example.com" in client.get("/review").get_data(as_text=True)


def test_viewing_the_review_queue_is_audited(app: Flask, client: FlaskClient) -> None:
    queue_pair(app, "Max", "Alex")
    sign_in(client, "sales")
    client.get("/review")
    app.extensions["cdp_store"].flush_bookkeeping()
    with app.extensions["cdp_store"].read() as connection:
        actions = connection.execute(select(audit_log.c.actor, audit_log.c.action, audit_log.c.details)).all()
    assert ("sales", "review.read", '{"pairs":1}') in actions


def test_a_pair_that_was_never_queued_cannot_be_decided(app: Flask, client: FlaskClient) -> None:
    low, _ = queue_pair(app, "Max", "Alex")
    records = all_records(app)
    erika = next(record.id for record in records if record.fields["first_name"] == "Erika")
    sign_in(client, "sales")
    before = {r.id: r.profile_id for r in all_records(app)}
    answer = _decide(client, low, erika)
    assert answer.status_code == 404
    assert "not waiting for a decision" in answer.get_data(as_text=True)
    assert {r.id: r.profile_id for r in all_records(app)} == before
    assert _decisions(app) == []


def test_a_pair_with_a_restricted_person_cannot_be_decided_by_sales(app: Flask, client: FlaskClient) -> None:
    low, high = queue_pair(app, "Max", "Alex")
    _restrict_profile_of(app, high)
    sign_in(client, "sales")
    answer = _decide(client, low, high)
    assert answer.status_code == 404 and _decisions(app) == []
    sign_in(client, "dpo")
    assert _decide(client, low, high, "apart").status_code == 302
    assert [row.decision for row in _decisions(app)] == ["apart"]


def test_unknown_and_huge_record_ids_answer_not_found(app: Flask, client: FlaskClient) -> None:
    sign_in(client, "sales")
    for left, right in ((998, 999), (1, 2**63), (2**64, 1)):
        answer = _decide(client, left, right)
        assert answer.status_code == 404, (left, right)
        assert "Traceback" not in answer.get_data(as_text=True)
    assert client.get(f"/profiles/{2**63}").status_code == 404


def test_a_decided_pair_cannot_be_decided_again(app: Flask, client: FlaskClient) -> None:
    low, high = queue_pair(app, "Max", "Alex")
    sign_in(client, "sales")
    assert _decide(client, low, high, "apart").status_code == 302
    assert _decide(client, low, high, "join").status_code == 404
    assert [row.decision for row in _decisions(app)] == ["apart"]
