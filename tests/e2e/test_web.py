"""The web application through HTTP: sessions, CSRF, headers, language, search, du/Sie, API."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from flask import Flask
from flask.testing import FlaskClient

from cdp.ingest.pipeline import import_data
from cdp.profiles import unified as profiles
from cdp.records import Record, records
from cdp.staff.accounts import disable_user
from cdp.staff.tokens import create_token
from identity import review_queue
from identity import store as identity_store
from identity.resolve import profile_of_record, resolve_new
from kundenbild.bootstrap import app as create_app
from tests.e2e.conftest import PASSWORD, csrf_token, profile_id, sign_in
from tests.integration.test_offers import CONTACTS, ORDERS

ROOT = Path(__file__).resolve().parents[2]


def test_sign_in_starts_a_new_session_and_sign_out_revokes_it(client: FlaskClient) -> None:
    client.get("/signin")
    before = client.get_cookie("kundenbild")
    assert sign_in(client, "sales").status_code == 302
    cookie = client.get_cookie("kundenbild").value
    assert before is None or before.value != cookie
    assert client.get("/profiles").status_code == 200
    client.post("/signout", data={"csrf_token": csrf_token(client, "/profiles")})
    client.set_cookie("kundenbild", cookie)
    replay = client.get("/profiles")
    assert replay.status_code == 302 and "/signin" in replay.headers["Location"]


def test_disabling_a_user_ends_their_session(app: Flask, client: FlaskClient) -> None:
    sign_in(client, "marketing")
    disable_user(app.extensions["cdp_store"], "marketing", actor="test")
    assert client.get("/profiles").status_code == 302
    assert sign_in(client, "marketing").status_code == 401


def test_wrong_password_is_refused_without_saying_which_part_was_wrong(client: FlaskClient) -> None:
    response = sign_in(client, "sales", "wrong password")
    unknown = sign_in(client, "nobody", PASSWORD)
    assert response.status_code == unknown.status_code == 401
    assert "The user name or the password is wrong." in response.get_data(as_text=True)


def test_failed_sign_ins_are_limited_per_address_without_locking_the_user_out(client: FlaskClient) -> None:
    for _ in range(5):
        sign_in(client, "dpo", "guess", address="203.0.113.9")
    assert sign_in(client, "dpo", PASSWORD, address="203.0.113.9").status_code == 429
    assert sign_in(client, "dpo", PASSWORD, address="198.51.100.7").status_code == 302


def test_state_changes_without_csrf_token_are_refused(client: FlaskClient) -> None:
    sign_in(client, "sales")
    response = client.post("/profiles/1/salutation", data={"address_form": "du"})
    assert response.status_code == 400
    assert "Traceback" not in response.get_data(as_text=True)


def test_htmx_requests_carry_the_csrf_token_in_a_header(app: Flask, client: FlaskClient) -> None:
    sign_in(client, "sales")
    max_id = profile_id(app, "max mueller")
    token = csrf_token(client, f"/profiles/{max_id}")
    response = client.post(
        f"/profiles/{max_id}/salutation",
        data={"address_form": "du"},
        headers={"HX-Request": "true", "X-CSRFToken": token},
    )
    assert response.status_code == 200 and "Hallo Max," in response.get_data(as_text=True)


def test_security_headers_on_every_page(client: FlaskClient) -> None:
    for path in ("/signin", "/nowhere", "/static/app.css"):
        response = client.get(path)
        response.close()
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "same-origin"
    sign_in(client, "sales")
    assert client.get("/profiles/1").headers["Cache-Control"] == "no-store"


def test_pages_load_nothing_from_other_hosts(client: FlaskClient) -> None:
    sign_in(client, "sales")
    page = client.get("/profiles/1").get_data(as_text=True)
    assert "http://" not in page and "https://" not in page
    assert '<script src="/static/vendor/htmx.min.js"' in page


def test_unknown_page_and_bad_method_give_friendly_pages(client: FlaskClient) -> None:
    sign_in(client, "sales")
    missing = client.get("/profiles/999")
    assert missing.status_code == 404 and "There is no profile 999." in missing.get_data(as_text=True)
    assert client.get("/signout").status_code == 405


def test_search_finds_umlaut_spellings_case_and_spacing(client: FlaskClient) -> None:
    sign_in(client, "sales")
    for query in ("Müller", "mueller", "MULLER", "  muel  ", "max müller", "0171 1234567", "max.mueller@example.de"):
        page = client.get("/profiles", query_string={"q": query}, headers={"HX-Request": "true"})
        assert "Max Müller" in page.get_data(as_text=True), query
    both = client.get("/profiles", query_string={"q": "muller"}).get_data(as_text=True)
    assert "Alex Muller" in both and "Erika" not in both


def test_search_says_why_each_matched_and_offers_more(client: FlaskClient) -> None:
    sign_in(client, "sales")
    page = client.get("/profiles?q=muller&limit=1").get_data(as_text=True)
    assert "2 customers match." in page and "The best 1 are shown." in page
    assert "Matched: Last name <q>Muller</q>" in page and "Show more results" in page
    more = client.get("/profiles?q=muller&limit=200").get_data(as_text=True)
    assert "Alex Muller" in more and "Max Müller" in more and "Show more results" not in more
    prefix = client.get("/profiles?q=mül").get_data(as_text=True)
    assert "Matched: Last name <q>Müller</q> (beginning)" in prefix


def test_the_profile_offers_what_customers_bought_together(app: Flask, client: FlaskClient) -> None:
    shop = app.extensions["cdp_store"]
    import_data(shop, "kunden.csv", CONTACTS.encode(), "laden", after_import=resolve_new)
    import_data(shop, "orders.csv", ORDERS.encode(), "laden", kind="purchases", after_import=resolve_new)
    sign_in(client, "sales")
    page = client.get(f"/profiles/{profile_id(app, 'p4@example.org')}").get_data(as_text=True)
    assert "Next best offer" in page and "<strong>Tasse</strong>" in page and "<strong>Kanne</strong>" in page
    assert "2 of the 4 customers who bought Tee also bought it." in page
    alone = client.get(f"/profiles/{profile_id(app, 'erika')}").get_data(as_text=True)
    assert "Nothing to offer yet" in alone


def test_search_page_works_without_javascript(client: FlaskClient) -> None:
    sign_in(client, "sales")
    page = client.get("/profiles?q=schmidt").get_data(as_text=True)
    assert "<html" in page and "Erika Schmidt" in page


def test_profile_shows_salutation_provenance_and_timeline_newest_first(app: Flask, client: FlaskClient) -> None:
    sign_in(client, "sales")
    max_id = profile_id(app, "max mueller")
    page = client.get(f"/profiles/{max_id}", headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert "Sehr geehrter Herr Dr. Müller," in page and "Dear Dr. Müller," in page
    assert "webshop" in page and "Kontaktdaten" in page
    assert page.index("Tee Nr. 25") < page.index("Tee Nr. 24")
    assert "25,50\xa0€" in page
    older = client.get(f"/profiles/{max_id}/timeline?page=2", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "Tee Nr. 5" in older and "<html" not in older


def test_english_formats_money_and_dates_the_english_way(app: Flask, client: FlaskClient) -> None:
    sign_in(client, "sales")
    page = client.get(
        f"/profiles/{profile_id(app, 'max mueller')}", headers={"Accept-Language": "en-GB,en;q=0.8"}
    ).get_data(as_text=True)
    assert "Contact details" in page and "€25.50" in page


def test_chosen_language_sticks_to_the_user(client: FlaskClient) -> None:
    sign_in(client, "sales")
    client.post(
        "/language", data={"language": "de", "next": "/profiles", "csrf_token": csrf_token(client, "/profiles")}
    )
    assert "Kunden finden" in client.get("/profiles", headers={"Accept-Language": "en"}).get_data(as_text=True)


def test_neutral_greeting_when_gender_is_unknown(app: Flask, client: FlaskClient) -> None:
    sign_in(client, "sales")
    page = client.get(f"/profiles/{profile_id(app, 'alex')}").get_data(as_text=True)
    assert "Guten Tag Alex Muller," in page and "Dear Alex Muller," in page


def test_reading_a_profile_is_audited_without_personal_data(app: Flask, client: FlaskClient) -> None:
    sign_in(client, "sales")
    max_id = profile_id(app, "max mueller")
    client.get(f"/profiles/{max_id}")
    app.extensions["cdp_store"].flush_bookkeeping()
    with app.extensions["cdp_store"].read() as connection:
        entries = connection.exec_driver_sql("SELECT actor, action, object_id, details FROM audit_log").all()
    assert ("sales", "profile.read", str(max_id), "{}") in [tuple(entry) for entry in entries]
    assert not any("Müller" in str(entry) or "max" in str(entry).lower() for entry in entries)


def test_api_needs_a_token_and_pages_results(app: Flask, client: FlaskClient) -> None:
    assert client.get("/api/v1/profiles").json == {"error": {"status": 401, "message": "Please sign in."}}
    token = create_token(app.extensions["cdp_store"], "shop", "sales", actor="test")
    headers = {"Authorization": f"Bearer {token}"}
    first = client.get("/api/v1/profiles?per_page=2", headers=headers).json
    assert (first["total"], first["pages"], len(first["items"])) == (3, 2, 2)
    assert client.get("/api/v1/profiles?per_page=0", headers=headers).json["error"]["status"] == 400
    max_id = profile_id(app, "max mueller")
    assert client.get(f"/api/v1/profiles/{max_id}", headers=headers).json["fields"]["last_name"] == "Müller"


def test_api_session_cookie_is_not_enough(client: FlaskClient) -> None:
    sign_in(client, "admin")
    assert client.get("/api/v1/profiles").status_code == 401


def test_api_push_goes_through_the_import_path_all_or_nothing(app: Flask, client: FlaskClient) -> None:
    token = create_token(app.extensions["cdp_store"], "shop", "sales", actor="test")
    headers = {"Authorization": f"Bearer {token}"}
    good = {"records": [{"id": "K9", "first_name": "Ute", "last_name": "Groß", "email": "ute@example.de"}]}
    created = client.post("/api/v1/contacts?source=webshop", json=good, headers=headers)
    assert created.status_code == 201 and created.json["created"] == 1
    bad = {"records": [{"id": "K10", "email": "ok@example.de"}, {"id": "K11", "email": "broken"}]}
    refused = client.post("/api/v1/contacts?source=webshop", json=bad, headers=headers)
    assert refused.status_code == 422 and refused.json["error"]["problems"][0]["record"] == 2
    found = client.get("/api/v1/profiles?per_page=200", headers=headers).json
    assert found["total"] == 4
    assert client.post("/api/v1/contacts?source=webshop", data="nope", headers=headers).status_code == 400


def test_openapi_description_is_served(client: FlaskClient) -> None:
    spec = client.get("/api/v1/openapi.json").json
    assert spec["openapi"].startswith("3.") and "/api/v1/contacts" in spec["paths"]


def test_every_template_string_is_translated_to_german(tmp_path: Path) -> None:
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-o",
            str(pot),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with pot.open("rb") as handle:
        wanted = {
            message.id if isinstance(message.id, str) else message.id[0] for message in read_po(handle) if message.id
        }
    with (ROOT / "kundenbild/translations/de/LC_MESSAGES/messages.po").open("rb") as handle:
        catalogue = read_po(handle)
    translated = {
        message.id if isinstance(message.id, str) else message.id[0]
        for message in catalogue
        if message.id
        and message.string
        and all(message.string if isinstance(message.string, tuple) else [message.string])
    }
    assert sorted(wanted - translated) == []


@pytest.mark.parametrize("path", ["/profiles/abc", "/profiles/1/timeline?page=xyz"])
def test_malformed_requests_never_give_a_500(client: FlaskClient, path: str) -> None:
    sign_in(client, "sales")
    assert client.get(path).status_code < 500


def test_secure_cookie_flags_behind_tls(store, tmp_path: Path) -> None:
    app = create_app({"STORE": store, "LOG_DIR": tmp_path / "logs", "TLS": True})
    page = app.test_client().get("/signin")
    cookie = page.headers["Set-Cookie"]
    assert cookie.startswith("__Host-kundenbild=") and "Secure" in cookie and "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie and "Path=/" in cookie
    assert page.headers["Strict-Transport-Security"].startswith("max-age=")


def test_idle_session_expires(app: Flask, client: FlaskClient) -> None:
    sign_in(client, "sales")
    with app.extensions["cdp_store"].write() as connection:
        connection.exec_driver_sql("UPDATE web_session SET last_seen_at = '2020-01-01T00:00:00+00:00'")
    assert client.get("/profiles").status_code == 302


def test_restricted_profile_is_hidden_from_sales_but_not_from_the_dpo(app: Flask, client: FlaskClient) -> None:
    max_id = profile_id(app, "max mueller")
    with app.extensions["cdp_store"].write() as connection:
        connection.exec_driver_sql("UPDATE profile SET status = 'restricted' WHERE id = ?", (max_id,))
    sign_in(client, "sales")
    hidden = client.get(f"/profiles/{max_id}")
    assert hidden.status_code == 404 and "Müller" not in hidden.get_data(as_text=True)
    missing = client.get("/profiles/99999").get_data(as_text=True)
    assert hidden.get_data(as_text=True) == missing.replace("99999", str(max_id))
    assert "Max Müller" not in client.get("/profiles?q=mueller").get_data(as_text=True)
    dpo = app.test_client()
    sign_in(dpo, "dpo")
    assert "Max Müller" in dpo.get(f"/profiles/{max_id}").get_data(as_text=True)


def test_sales_cannot_change_a_restricted_profile(app: Flask, client: FlaskClient) -> None:
    max_id = profile_id(app, "max mueller")
    with app.extensions["cdp_store"].write() as connection:
        connection.exec_driver_sql("UPDATE profile SET status = 'restricted' WHERE id = ?", (max_id,))
    sign_in(client, "sales")
    token = csrf_token(client, "/profiles")
    response = client.post(f"/profiles/{max_id}/salutation", data={"address_form": "du", "csrf_token": token})
    assert response.status_code == 404 and "Max" not in response.get_data(as_text=True)
    with app.extensions["cdp_store"].read() as connection:
        assert (
            connection.exec_driver_sql("SELECT address_form FROM profile WHERE id = ?", (max_id,)).scalar() == "unknown"
        )


def test_timeline_pages_without_javascript(app: Flask, client: FlaskClient) -> None:
    sign_in(client, "sales")
    max_id = profile_id(app, "max mueller")
    followed = client.get(f"/profiles/{max_id}/timeline?page=2", follow_redirects=True).get_data(as_text=True)
    assert "Page 2 of 2" in followed and "Tee Nr. 5" in followed


def test_bad_salutation_without_javascript_shows_the_whole_page_with_the_error(app: Flask, client: FlaskClient) -> None:
    sign_in(client, "sales")
    max_id = profile_id(app, "max mueller")
    token = csrf_token(client, "/profiles")
    response = client.post(f"/profiles/{max_id}/salutation", data={"address_form": "ihr", "csrf_token": token})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "<html" in page and "Please choose one of the offered values." in page


def test_api_rejects_absurd_page_numbers_with_json(app: Flask, client: FlaskClient) -> None:
    token = create_token(app.extensions["cdp_store"], "shop", "sales", actor="test")
    response = client.get("/api/v1/profiles?page=9999999999999999999", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 400 and response.json["error"]["status"] == 400


def test_searches_are_audited_without_the_query(app: Flask, client: FlaskClient) -> None:
    sign_in(client, "sales")
    client.get("/profiles?q=mueller")
    app.extensions["cdp_store"].flush_bookkeeping()
    with app.extensions["cdp_store"].read() as connection:
        rows = connection.exec_driver_sql("SELECT details FROM audit_log WHERE action = 'profile.search'").all()
    assert rows == [('{"results":2}',)]


def test_pushed_record_joins_the_profile_and_the_page_says_why(app: Flask, client: FlaskClient) -> None:
    token = create_token(app.extensions["cdp_store"], "newsletter", "sales", actor="test")
    record = {"id": "N1", "first_name": "Maximilian", "last_name": "Mueller", "email": "MAX.MUELLER@example.de"}
    pushed = client.post(
        "/api/v1/contacts?source=newsletter", json={"records": [record]}, headers={"Authorization": f"Bearer {token}"}
    )
    assert pushed.status_code == 201
    sign_in(client, "sales")
    [found] = profiles.search(app.extensions["cdp_store"], "max.mueller@example.de", "DE")
    assert {ref.source for ref in found.sources} == {"webshop", "newsletter"}
    page = client.get(f"/profiles/{found.id}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Why these records belong together" in page
    assert "same Email; first name a short form of the other; surname equal" in page


def test_an_identifier_from_several_sources_is_listed_once_with_its_sources(app: Flask, client: FlaskClient) -> None:
    token = create_token(app.extensions["cdp_store"], "newsletter", "sales", actor="test")
    record = {"id": "N1", "first_name": "Max", "last_name": "Müller", "email": "MAX.MUELLER@example.de"}
    client.post(
        "/api/v1/contacts?source=newsletter", json={"records": [record]}, headers={"Authorization": f"Bearer {token}"}
    )
    [found] = profiles.search(app.extensions["cdp_store"], "max.mueller@example.de", "DE")
    emails = [entry for entry in found.identifiers if entry[0] == "email"]
    assert len(emails) == 1 and set(emails[0][2].split(", ")) == {"webshop", "newsletter"}


def all_records(app: Flask) -> list[Record]:
    """Every source record of the app's store."""
    store = app.extensions["cdp_store"]
    with store.read() as tx:
        return list(records(tx, store.personal).values())


def queue_pair(app: Flask, first: str, second: str) -> tuple[int, int]:
    """Put the records of two customers on the review queue; their record ids."""
    found = all_records(app)
    left = next(r.id for r in found if r.fields.get("first_name") == first)
    right = next(r.id for r in found if r.fields.get("first_name") == second)
    low, high = sorted((left, right))
    pair = identity_store.Link(low, high, "model", 0.7, {"probability": 0.7, "last_name": "exact"})
    with app.extensions["cdp_store"].write() as tx:
        review_queue.replace_review(tx, [pair])
    return low, high


def test_review_queue_joins_a_pair_with_one_click(app: Flask, client: FlaskClient) -> None:
    low, high = queue_pair(app, "Max", "Alex")
    sign_in(client, "marketing")
    page = client.get("/review").get_data(as_text=True)
    assert "Are these the same person?" in page and "1 pair waits for a decision." in page
    token = csrf_token(client, "/review")
    answer = client.post(
        f"/review/{low}/{high}", data={"decision": "join"}, headers={"HX-Request": "true", "X-CSRFToken": token}
    )
    fragment = answer.get_data(as_text=True)
    assert answer.status_code == 200 and "0 pairs wait for a decision." in fragment and "<html" not in fragment
    profiles_now = {r.id: r.profile_id for r in all_records(app)}
    assert profiles_now[low] == profiles_now[high]
    assert "Nothing to review." in client.get("/review").get_data(as_text=True)


def test_keeping_apart_holds_against_later_runs(app: Flask, client: FlaskClient) -> None:
    low, high = queue_pair(app, "Max", "Alex")
    sign_in(client, "sales")
    token = csrf_token(client, "/review")
    client.post(f"/review/{low}/{high}", data={"decision": "apart", "csrf_token": token})
    with app.extensions["cdp_store"].read() as tx:
        assert identity_store.decisions(tx)[(low, high)] == "apart"
    assert client.post(f"/review/{low}/{high}", data={"decision": "maybe", "csrf_token": token}).status_code == 400


def test_staff_split_a_record_out_and_join_profiles_again(app: Flask, client: FlaskClient) -> None:
    token = create_token(app.extensions["cdp_store"], "newsletter", "sales", actor="test")
    record = {"id": "N1", "first_name": "Maximilian", "last_name": "Mueller", "email": "MAX.MUELLER@example.de"}
    client.post(
        "/api/v1/contacts?source=newsletter", json={"records": [record]}, headers={"Authorization": f"Bearer {token}"}
    )
    store = app.extensions["cdp_store"]
    [joined] = profiles.search(store, "max.mueller@example.de", "DE")
    newsletter = next(ref.record_id for ref in joined.sources if ref.source == "newsletter")
    sign_in(client, "sales")
    csrf = csrf_token(client, f"/profiles/{joined.id}")
    split = client.post(f"/profiles/{joined.id}/split/{newsletter}", data={"csrf_token": csrf})
    assert split.status_code == 302 and split.headers["Location"] == f"/profiles/{joined.id}#identity"
    apart = profile_of_record(store, newsletter)
    assert apart != joined.id and len(profiles.load(store, joined.id).sources) == 1
    page = client.get(f"/profiles/{joined.id}").get_data(as_text=True)
    assert f'Record {newsletter} was split out into <a href="/profiles/{apart}">profile {apart}</a>.' in page
    again = client.post(f"/profiles/{joined.id}/join", data={"other": apart, "csrf_token": csrf})
    assert again.status_code == 302 and again.headers["Location"] == f"/profiles/{joined.id}#identity"
    assert profile_of_record(store, newsletter) == joined.id
    assert len(profiles.search(store, "max.mueller@example.de", "DE")[0].sources) == 2
