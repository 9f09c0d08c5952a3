"""The review queue page through HTTP: profiles, evidence in words and weights, paging, decisions."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

from cdp.ingest.pipeline import import_data
from identity import review_queue
from identity import store as identity_store
from identity.resolve import profile_of_record
from tests.e2e.conftest import csrf_token, sign_in
from tests.e2e.test_web import all_records

EVIDENCE = {
    "first_name": "jw_high",
    "first_name_weight": 3.2,
    "last_name": "exact",
    "last_name_weight": 8.1,
    "birth_date": "missing",
    "birth_date_weight": 0.0,
    "city": "different",
    "city_weight": -4.14,
    "street_name": "street_typo_of_the_future",
    "street_name_weight": 1.0,
    "total": 7.5,
    "probability": 0.9496,
}


def record_of(app: Flask, first_name: str):
    return next(record for record in all_records(app) if record.fields.get("first_name") == first_name)


def queue(app: Flask, *pairs: tuple[int, int, float, dict]) -> None:
    """The review queue becomes exactly ``pairs`` of ``(record, record, probability, evidence)``."""
    links = [identity_store.Link(*sorted((left, right)), "model", p, evidence) for left, right, p, evidence in pairs]
    with app.extensions["cdp_store"].write() as tx:
        review_queue.replace_review(tx, links)


def queue_many(app: Flask, count: int) -> list[tuple[int, int]]:
    """``count`` pairs of invented people, most likely first; the pairs as the queue keeps them."""
    rows = "".join(f"C{n};Vorname{n};Nachname{n};c{n}@example.org\n" for n in range(count + 1))
    import_data(app.extensions["cdp_store"], "crm.csv", ("ID;Vorname;Nachname;E-Mail\n" + rows).encode(), "crm")
    crm = {record.source_id: record.id for record in all_records(app) if record.source == "crm"}
    anchor = crm["C0"]
    pairs = [(anchor, crm[f"C{n}"], 0.9 - n / 100, {"probability": 0.9 - n / 100}) for n in range(1, count + 1)]
    queue(app, *pairs)
    return [tuple(sorted((left, right))) for left, right, _, _ in pairs]


def decide(client: FlaskClient, pair: tuple[int, int], decision: str, htmx: bool = False, **form: int):
    token = csrf_token(client, "/review")
    headers = {"HX-Request": "true"} if htmx else {}
    data = {"decision": decision, "csrf_token": token, **form}
    return client.post(f"/review/{pair[0]}/{pair[1]}", data=data, headers=headers)


def test_a_pair_links_both_profiles_by_number_and_name(app: Flask, client: FlaskClient) -> None:
    max_record, alex = record_of(app, "Max"), record_of(app, "Alex")
    queue(app, (max_record.id, alex.id, 0.9496, EVIDENCE))
    sign_in(client, "sales")
    page = client.get("/review").get_data(as_text=True)
    for record, name in ((max_record, "Max Müller"), (alex, "Alex Muller")):
        link = re.search(rf'<a href="/profiles/{record.profile_id}">Profile {record.profile_id}</a>\s*([^<]+)<', page)
        assert link and link.group(1).strip() == name
    assert page.count("1 record<") == 2


def test_each_field_shows_its_level_in_words_and_its_signed_weight(app: Flask, client: FlaskClient) -> None:
    queue(app, (record_of(app, "Max").id, record_of(app, "Alex").id, 0.9496, EVIDENCE))
    sign_in(client, "sales")
    page = client.get("/review").get_data(as_text=True)
    rows = re.findall(r'<tr><th scope="row">([^<]+)</th><td>([^<]+)</td>\s*<td class="weight[^"]*">([^<]+)</td>', page)
    assert rows == [
        ("First name", "nearly equal (typo)", "+3.2"),
        ("Last name", "equal", "+8.1"),
        ("Birth date", "missing on one side", "0.0"),
        ("Street", "street_typo_of_the_future", "+1.0"),
        ("City", "different", "−4.1"),
    ]
    assert "+7.5" in page and 'class="weight against">−4.1' in page


def test_the_probability_is_cut_never_rounded_up_to_the_join_threshold(app: Flask, client: FlaskClient) -> None:
    queue(app, (record_of(app, "Max").id, record_of(app, "Alex").id, 0.9496, EVIDENCE))
    sign_in(client, "sales")
    page = client.get("/review").get_data(as_text=True)
    assert "Probability 94.9 %" in page and "95.0 %" not in page.replace("threshold of 95.0 %", "")


def test_pairs_without_weights_still_show_their_words(app: Flask, client: FlaskClient) -> None:
    evidence = {"probability": 0.7, "last_name": "exact", "shared": ["email"]}
    queue(app, (record_of(app, "Max").id, record_of(app, "Alex").id, 0.7, evidence))
    sign_in(client, "sales")
    page = client.get("/review").get_data(as_text=True)
    assert re.search(r'<th scope="row">Last name</th><td>equal</td>\s*<td class="weight">—</td>', page)
    assert "Probability 70.0 %" in page


def test_the_queue_pages_with_plain_links_and_counts_every_pair(app: Flask, client: FlaskClient) -> None:
    pairs = queue_many(app, 25)
    sign_in(client, "sales")
    first = client.get("/review").get_data(as_text=True)
    assert "25 pairs wait for a decision." in first and "Pairs 1–20 of 25." in first
    assert 'href="/review?page=2" rel="next"' in first and 'rel="prev"' not in first
    assert f"pair-{pairs[19][0]}-{pairs[19][1]}" in first and f"pair-{pairs[20][0]}-{pairs[20][1]}" not in first
    second = client.get("/review?page=2").get_data(as_text=True)
    assert "Pairs 21–25 of 25." in second and "Page 2 of 2" in second
    assert 'href="/review?page=1" rel="prev"' in second and 'rel="next"' not in second
    assert [f"pair-{low}-{high}" in second for low, high in pairs] == [False] * 20 + [True] * 5


def test_a_plain_decision_returns_to_the_same_page_with_its_result(app: Flask, client: FlaskClient) -> None:
    pairs = queue_many(app, 25)
    sign_in(client, "sales")
    joined = decide(client, pairs[21], "join", page=2, at=1)
    assert joined.status_code == 302
    location = joined.headers["Location"]
    assert location.startswith("/review?") and "page=2" in location and "at=1" in location
    page = client.get(location).get_data(as_text=True)
    assert "Joined: both records are now in one profile." in page and "24 pairs wait" in page
    status = re.search(r'role="status">(?:(?!</p>).)*<a href="/profiles/(\d+)">', page, re.S)
    assert status and int(status.group(1)) == profile_of_record(app.extensions["cdp_store"], pairs[21][0])
    focused = re.search(r'<form[^>]*action="/review/(\d+)/(\d+)"(?:(?!</form>).)*autofocus', page, re.S)
    assert focused and (int(focused.group(1)), int(focused.group(2))) == pairs[22]
    apart = decide(client, pairs[0], "apart", page=1, at=0)
    page = client.get(apart.headers["Location"]).get_data(as_text=True)
    assert "Kept apart" in page and "23 pairs wait" in page


def test_an_htmx_decision_answers_the_queue_with_its_count_updated(app: Flask, client: FlaskClient) -> None:
    pairs = queue_many(app, 3)
    sign_in(client, "sales")
    answer = decide(client, pairs[0], "join", htmx=True, page=1, at=0)
    fragment = answer.get_data(as_text=True)
    assert answer.status_code == 200 and "<html" not in fragment
    assert fragment.startswith('<section class="card review-queue" id="review-queue">')
    assert "2 pairs wait for a decision." in fragment and "Joined: both records are now in one profile." in fragment
    assert f"pair-{pairs[0][0]}-{pairs[0][1]}" not in fragment
    assert re.search(rf'action="/review/{pairs[1][0]}/{pairs[1][1]}"(?:(?!</form>).)*autofocus', fragment, re.S)


def test_in_german_the_probability_and_weights_use_a_decimal_comma(app: Flask, client: FlaskClient) -> None:
    queue(app, (record_of(app, "Max").id, record_of(app, "Alex").id, 0.9496, EVIDENCE))
    sign_in(client, "sales")
    client.post("/language", data={"language": "de", "next": "/review", "csrf_token": csrf_token(client, "/review")})
    page = client.get("/review").get_data(as_text=True)
    assert "94,9 %" in page and "+3,2" in page and "−4,1" in page and "95,0 %" not in page.split("<article")[1]
