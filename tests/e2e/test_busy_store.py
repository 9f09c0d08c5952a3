"""While a long unit of work (a large import) holds the write lock, no request fails."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from cdp import audit
from cdp.config import Paths
from cdp.errors import StoreBusy
from cdp.profiles import unified as profiles
from cdp.store.database import Store, open_store
from cdp.store.engine import encrypted_engine
from cdp.store.keys import load_master_key
from cdp.store.schema import audit_log
from tests.e2e.conftest import csrf_token, profile_id, sign_in


@contextmanager
def write_lock_held(store: Store) -> Iterator[None]:
    """Hold the store's write lock from another connection, as a running import does."""
    engine = encrypted_engine(store.engine.url.database, store.engine.url.password)
    raw = engine.raw_connection()
    try:
        raw.driver_connection.execute("BEGIN IMMEDIATE")
        yield
        raw.driver_connection.execute("ROLLBACK")
    finally:
        raw.close()
        engine.dispose()


def _actions(store: Store) -> list[str]:
    with store.read() as connection:
        return list(connection.execute(select(audit_log.c.action).order_by(audit_log.c.id)).scalars())


def test_a_page_view_does_not_wait_for_the_lock_and_its_audit_entry_follows(app: Flask, client: FlaskClient) -> None:
    store = app.extensions["cdp_store"]
    max_id = profile_id(app, "max mueller")
    sign_in(client, "sales")
    before = _actions(store).count("profile.read")
    with write_lock_held(store):
        started = time.monotonic()
        for _ in range(3):
            assert client.get(f"/profiles/{max_id}").status_code == 200
        assert client.get("/profiles?q=muel", headers={"HX-Request": "true"}).status_code == 200
        assert time.monotonic() - started < 5
        assert _actions(store).count("profile.read") == before
    store.flush_bookkeeping()
    actions = _actions(store)
    assert actions.count("profile.read") == before + 3 and actions[-1] == "profile.search"


def test_a_change_that_cannot_get_the_lock_in_time_is_a_clear_503(app: Flask, client: FlaskClient) -> None:
    store = app.extensions["cdp_store"]
    max_id = profile_id(app, "max mueller")
    sign_in(client, "sales")
    token = csrf_token(client, f"/profiles/{max_id}")
    store.wait_seconds = 0.3
    with write_lock_held(store):
        answer = client.post(
            f"/profiles/{max_id}/salutation", data={"address_form": "du", "csrf_token": token}, follow_redirects=False
        )
    assert answer.status_code == 503
    page = answer.get_data(as_text=True)
    assert "The store is busy with a long task" in page and "Nothing was changed." in page
    assert profiles.load(store, max_id).address_form != "du"


def test_bookkeeping_left_waiting_is_written_when_the_store_closes(store: Store, paths: Paths) -> None:
    with write_lock_held(store):
        audit.record_soon(store, "tester", "profile.read", "profile", 7)
    store.close()
    again = open_store(paths, load_master_key(paths))
    try:
        assert _actions(again)[-1] == "profile.read"
    finally:
        again.close()


def test_a_unit_of_work_that_may_not_wait_is_refused_at_once(store: Store) -> None:
    with write_lock_held(store), pytest.raises(StoreBusy):
        started = time.monotonic()
        with store.write(wait=False):
            pass
    assert time.monotonic() - started < 1
