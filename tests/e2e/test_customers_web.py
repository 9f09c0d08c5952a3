"""The customer list and the segment builder over HTTP: roles, the builder's buttons without JavaScript and
its live count with htmx, saving a segment, the consent-gated export and "why is this person in or out"."""

from __future__ import annotations

import csv
import io
import json

from flask import Flask
from flask.testing import FlaskClient

from cdp.store.schema import profile
from consent import ledger
from tests.e2e.conftest import csrf_token, profile_id, sign_in

ORDERS_AT_LEAST_2 = json.dumps({"match": "all", "conditions": [{"field": "orders", "op": "at_least", "value": 2}]})


def store_of(app: Flask):
    return app.extensions["cdp_store"]


def test_the_list_counts_sorts_and_pages_every_customer(app: Flask, client: FlaskClient) -> None:
    sign_in(client, "marketing")
    page = client.get("/customers?sort=orders&order=desc").get_data(as_text=True)
    assert "3 customers" in page and "Max Müller" in page and "Erika Schmidt" in page
    assert page.index("Max Müller") < page.index("Erika Schmidt"), "the customer with 25 orders first"
    assert 'aria-sort="descending"' in page
    assert "Page 1 of" not in page, "one page needs no pager"


def test_a_definition_in_the_address_lists_only_whom_it_selects(app: Flask, client: FlaskClient) -> None:
    sign_in(client, "sales")
    answer = client.get("/customers", query_string={"definition": ORDERS_AT_LEAST_2})
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200 and "1 customer" in page and "Max Müller" in page
    assert "Erika Schmidt" not in page


def test_a_broken_definition_in_the_address_is_a_clear_400(app: Flask, client: FlaskClient) -> None:
    sign_in(client, "marketing")
    bad = json.dumps({"conditions": [{"field": "orders", "op": "at_least", "value": "lots"}]})
    answer = client.get("/customers", query_string={"definition": bad})
    assert answer.status_code == 400
    assert "conditions[0].value: expected a number" in answer.get_data(as_text=True)
    assert client.get("/customers", query_string={"definition": "{not json"}).status_code == 400


def test_restricted_customers_are_listed_for_the_dpo_only(app: Flask, client: FlaskClient) -> None:
    erika = profile_id(app, "Erika")
    with store_of(app).write() as tx:
        tx.execute(profile.update().where(profile.c.id == erika).values(status="restricted"))
    sign_in(client, "marketing")
    assert "Erika Schmidt" not in client.get("/customers").get_data(as_text=True)
    client.post("/signout", data={"csrf_token": csrf_token(client, "/customers")})
    sign_in(client, "dpo")
    assert "Erika Schmidt" in client.get("/customers").get_data(as_text=True)


def test_the_builder_adds_and_removes_rows_without_javascript(app: Flask, client: FlaskClient) -> None:
    sign_in(client, "marketing")
    token = csrf_token(client, "/customers")
    added = client.post("/customers/builder", data={"csrf_token": token, "match": "all", "action": "add"})
    assert added.status_code == 302, "the list of the changed definition is a link of its own"
    page = client.get(added.headers["Location"]).get_data(as_text=True)
    assert 'name="0.field"' in page and "1 customer matches." in page and "1 customer</h2>" in page
    row = {"0.field": "orders", "0.op": "at_least", "0.value": "1"}
    removed = client.post("/customers/builder", data={"csrf_token": token, "match": "all", **row, "action": "remove:0"})
    page = client.get(removed.headers["Location"]).get_data(as_text=True)
    assert 'name="0.field"' not in page and "3 customers match." in page


def test_the_builder_counts_as_you_type_and_marks_the_wrong_row(app: Flask, client: FlaskClient) -> None:
    sign_in(client, "marketing")
    form = {"csrf_token": csrf_token(client, "/customers"), "match": "all", "0.field": "orders", "0.op": "at_most",
            "0.value": "0"}  # fmt: skip
    counted = client.post("/customers/builder", data=form, headers={"HX-Request": "true"})
    fragment = counted.get_data(as_text=True)
    assert counted.status_code == 200 and "<html" not in fragment and "2 customers match." in fragment
    wrong = client.post("/customers/builder", data={**form, "0.value": "many"}, headers={"HX-Request": "true"})
    fragment = wrong.get_data(as_text=True)
    assert 'id="row-0" ' not in fragment and 'class="segment-row invalid" id="row-0"' in fragment
    assert "expected a number" in fragment and "Not counted" in fragment


def test_changing_a_field_starts_its_row_from_a_valid_condition(app: Flask, client: FlaskClient) -> None:
    sign_in(client, "marketing")
    form = {"csrf_token": csrf_token(client, "/customers"), "match": "all", "0.field": "consent", "0.op": "at_least",
            "0.value": "2"}  # fmt: skip
    answer = client.post("/customers/builder", data=form, headers={"HX-Request": "true"})
    fragment = answer.get_data(as_text=True)
    assert 'name="0.purpose"' in fragment and "0 customers match." in fragment and "invalid" not in fragment


def test_saving_a_segment_and_its_next_version(app: Flask, client: FlaskClient) -> None:
    sign_in(client, "marketing")
    form = {"csrf_token": csrf_token(client, "/customers"), "match": "all", "0.field": "orders", "0.op": "at_least",
            "0.value": "2", "name": "Stammkunden"}  # fmt: skip
    saved = client.post("/customers/segments", data=form)
    assert saved.status_code == 302 and saved.headers["Location"].startswith("/customers?segment=")
    page = client.get(saved.headers["Location"]).get_data(as_text=True)
    assert "The segment is saved." in page and "Stammkunden" in page and "version 1" in page and "1 customer" in page
    segment = saved.headers["Location"].rsplit("=", 1)[1]
    again = client.post("/customers/segments", data={**form, "0.value": "1", "segment": segment})
    assert "version 2" in client.get(again.headers["Location"]).get_data(as_text=True)
    taken = client.post("/customers/segments", data=form)
    assert taken.status_code == 422 and "there is a segment of this name already" in taken.get_data(as_text=True)


def test_only_customer_work_may_save_or_export(app: Flask, client: FlaskClient) -> None:
    sign_in(client, "dpo")
    token = csrf_token(client, "/customers")
    assert client.post("/customers/segments", data={"csrf_token": token, "name": "x"}).status_code == 403
    assert client.post("/customers/export", data={"csrf_token": token}).status_code == 403


def test_the_export_passes_the_consent_gate_and_is_audited(app: Flask, client: FlaskClient) -> None:
    store = store_of(app)
    for name in ("Max", "Erika"):
        ledger.record(store, profile_id(app, name), "newsletter", "email", "granted", actor="t", origin="staff",
                      proof={"form": "web"})  # fmt: skip
    ledger.record(store, profile_id(app, "Erika"), "newsletter", "email", "withdrawn", actor="t", origin="staff",
                  proof={"form": "web"})  # fmt: skip
    sign_in(client, "marketing")
    answer = client.post("/customers/export", data={"csrf_token": csrf_token(client, "/customers"),
                                                    "purpose": "newsletter", "channel": "email"})  # fmt: skip
    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(answer.get_data(as_text=True))))
    assert [(row["first_name"], row["email"]) for row in rows] == [("Max", "max.mueller@example.de")]
    assert json.loads(answer.headers["X-Left-Out"]) == {"no consent": 1, "restricted": 0, "withdrawn": 1}
    with store.read() as tx:
        actions = [row.action for row in tx.exec_driver_sql("SELECT action FROM audit_log")]
    assert "export" in actions or "contacts.export" in actions or any("export" in action for action in actions)


def test_an_export_for_an_unknown_purpose_says_so_and_writes_nothing(app: Flask, client: FlaskClient) -> None:
    sign_in(client, "marketing")
    answer = client.post("/customers/export", data={"csrf_token": csrf_token(client, "/customers"),
                                                    "purpose": "lottery", "channel": "email"})  # fmt: skip
    assert answer.status_code == 302
    assert "purpose: expected one of newsletter" in client.get(answer.headers["Location"]).get_data(as_text=True)


def test_why_says_which_conditions_hold(app: Flask, client: FlaskClient) -> None:
    sign_in(client, "marketing")
    erika = profile_id(app, "Erika")
    page = client.get(f"/customers/why/{erika}", query_string={"definition": ORDERS_AT_LEAST_2}).get_data(as_text=True)
    assert "This customer is not in the list." in page and "✗" in page
    max_ = profile_id(app, "Max")
    page = client.get(f"/customers/why/{max_}", query_string={"definition": ORDERS_AT_LEAST_2}).get_data(as_text=True)
    assert "This customer is in the list." in page


def test_the_builder_counts_buyers_of_a_product(app: Flask, client: FlaskClient) -> None:
    sign_in(client, "marketing")
    form = {"csrf_token": csrf_token(client, "/customers"), "match": "all", "0.field": "purchases",
            "0.op": "count_at_least", "0.count": "1", "0.product": "tee nr. 7"}  # fmt: skip
    counted = client.post("/customers/builder", data=form, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "1 customer matches." in counted and 'name="0.product" value="tee nr. 7"' in counted
    nobody = client.post("/customers/builder", data={**form, "0.product": "Kaffee"}, headers={"HX-Request": "true"})
    assert "0 customers match." in nobody.get_data(as_text=True)


def test_the_builder_counts_customers_of_a_city(app: Flask, client: FlaskClient) -> None:
    sign_in(client, "marketing")
    form = {"csrf_token": csrf_token(client, "/customers"), "match": "all", "0.field": "city", "0.op": "is",
            "0.value": "hamburg, köln"}  # fmt: skip
    counted = client.post("/customers/builder", data=form, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "2 customers match." in counted
    postcode = {**form, "0.field": "postcode", "0.value": "1x"}
    wrong = client.post("/customers/builder", data=postcode, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "expected a postcode or its first two or three digits" in wrong
