"""A restricted profile answers sales exactly as a missing one does, and the refusal is audited as one."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from cdp.staff.tokens import create_token
from cdp.store.schema import audit_log
from consent import repository
from tests.e2e.conftest import profile_id, sign_in


def test_restricted_and_missing_profiles_get_the_same_answer_and_refusals_are_audited(
    app: Flask, client: FlaskClient
) -> None:
    store = app.extensions["cdp_store"]
    max_id = profile_id(app, "max mueller")
    with store.write() as tx:
        repository.set_restricted(tx, max_id, True, "test", None)
    sign_in(client, "sales")
    for path in ("/profiles/{}", "/profiles/{}/timeline"):
        restricted, missing = client.get(path.format(max_id)), client.get(path.format(99999))
        assert restricted.status_code == missing.status_code == 404, path
    token = create_token(store, "crm", "sales", actor="test")
    headers = {"Authorization": f"Bearer {token}"}
    restricted, missing = (
        client.get(f"/api/v1/profiles/{max_id}", headers=headers),
        client.get("/api/v1/profiles/99999", headers=headers),
    )
    assert restricted.status_code == missing.status_code == 404
    assert restricted.get_json()["error"]["message"].replace(str(max_id), "N") == missing.get_json()["error"][
        "message"
    ].replace("99999", "N")
    store.flush_bookkeeping()
    with store.read() as connection:
        entries = connection.execute(
            select(audit_log.c.actor, audit_log.c.action, audit_log.c.object_id).where(audit_log.c.actor == "sales")
        ).all()
    assert ("sales", "profile.read_refused", str(max_id)) in entries
    assert ("sales", "profile.read", str(max_id)) not in entries
