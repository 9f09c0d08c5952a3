"""Deny by default: every route declares its roles, and each role gets exactly that."""

from __future__ import annotations

import pytest
from flask import Flask

from cdp.staff.roles import ROLES
from cdp.staff.tokens import create_token
from tests.e2e.conftest import sign_in
from web.access import PUBLIC, declared_roles

SAMPLE_VALUES = {"profile_id": 1, "left": 1, "right": 2, "record_id": 1, "request_id": 1, "event_id": 1,
                 "category": "purchases", "snapshot_id": 1, "anchor": 1, "campaign_id": 1}


def routes(app: Flask) -> list[tuple[str, str, str]]:
    """``(endpoint, method, url)`` for every registered route."""
    found = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            values = {name: SAMPLE_VALUES.get(name, "app.css") for name in rule.arguments}
            url = rule.build(values)[1]
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                found.append((rule.endpoint, method, url))
    return found


def test_every_route_declares_who_may_use_it(app: Flask) -> None:
    with app.test_request_context():
        undeclared = [endpoint for endpoint, _, _ in routes(app) if declared_roles(endpoint) is None]
    assert undeclared == []


@pytest.mark.parametrize("role", [None, *ROLES])
def test_each_role_gets_what_each_route_declares(app: Flask, role: str | None) -> None:
    app.config["WTF_CSRF_ENABLED"] = False
    client = app.test_client()
    if role:
        sign_in(client, role)
    # Signing out last keeps the one session for all other routes.
    for endpoint, method, url in sorted(routes(app), key=lambda route: route[0] == "auth.sign_out"):
        with app.test_request_context():
            allowed = declared_roles(endpoint)
        response = client.open(url, method=method, json={} if url.startswith("/api/") else None)
        response.close()
        where = f"{method} {url} as {role}"
        assert response.status_code < 500, where
        if allowed == PUBLIC:
            assert response.status_code != 403, where
        elif url.startswith("/api/"):
            assert response.status_code == 401, where
        elif role is None:
            assert response.status_code == 302 and "/signin?next=" in response.headers["Location"], where
        elif role in allowed:
            refused = response.status_code in (401, 403) or "/signin?next=" in response.headers.get("Location", "")
            assert not refused, where
        else:
            assert response.status_code == 403, where


@pytest.mark.parametrize("role", ROLES)
def test_each_api_token_role_gets_what_each_api_route_declares(app: Flask, role: str) -> None:
    client = app.test_client()
    headers = {"Authorization": f"Bearer {create_token(app.extensions['cdp_store'], 'probe', role, actor='test')}"}
    api_routes = [route for route in routes(app) if route[2].startswith("/api/")]
    assert len(api_routes) >= 6
    for endpoint, method, url in api_routes:
        with app.test_request_context():
            allowed = declared_roles(endpoint)
        response = client.open(url, method=method, json={"records": [{"id": "P1", "first_name": "Probe"}]},
                               headers=headers)  # fmt: skip
        where = f"{method} {url} with a {role} token"
        assert response.status_code < 500, where
        if allowed == PUBLIC or role in allowed:
            assert response.status_code not in (401, 403), where
        else:
            assert response.status_code == 403, where
            assert response.get_json()["error"]["status"] == 403, where


def test_sales_gets_403_on_the_dpo_page(client) -> None:
    sign_in(client, "sales")
    response = client.get("/dpo/audit")
    assert response.status_code == 403
    assert "Traceback" not in response.get_data(as_text=True)
