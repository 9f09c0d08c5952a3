"""Fixtures for the web: a store with staff of every role and a few customers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from cdp.ingest.pipeline import import_data
from cdp.profiles import unified as profiles
from cdp.staff.accounts import add_user
from cdp.staff.roles import ROLES
from cdp.store.database import Store
from kundenbild.bootstrap import app as create_app

PASSWORD = "correct horse battery staple"
CONTACTS = (
    "Kundennummer;Anrede;Titel;Vorname;Nachname;E-Mail;Telefon;Ort\n"
    "K1;Herr;Dr.;Max;Müller;max.mueller@example.de;0171 1234567;Berlin\n"
    "K2;Frau;;Erika;Schmidt;erika@example.org;;Hamburg\n"
    "K3;;;Alex;Muller;alex@example.com;;Köln\n"
)
ORDERS = "Bestellnummer;Kundennummer;Datum;Betrag;Artikel\n" + "".join(
    f"B{n};K1;2024-03-{n:02};{n},50;Tee Nr. {n}\n" for n in range(1, 26)
)


def seed(store: Store) -> None:
    """Staff of every role (named after the role) and three customers."""
    for role in ROLES:
        add_user(store, role, role, PASSWORD, actor="test")
    overrides = {"Kundennummer": "source_record_id"}
    import_data(store, "kunden.csv", CONTACTS.encode(), "webshop", overrides=overrides)
    import_data(store, "bestellungen.csv", ORDERS.encode(), "webshop", kind="purchases")


@pytest.fixture
def app(store: Store, tmp_path: Path) -> Iterator[Flask]:
    seed(store)
    yield create_app({"STORE": store, "LOG_DIR": tmp_path / "logs", "TESTING": True})


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def profile_id(app: Flask, query: str) -> int:
    """The id of the one profile ``query`` finds."""
    [found] = profiles.search(app.extensions["cdp_store"], query, "DE")
    return found.id


def csrf_token(client: FlaskClient, path: str = "/signin") -> str:
    """The CSRF token a real form on ``path`` would carry."""
    page = client.get(path).get_data(as_text=True)
    marker = 'name="csrf_token" value="'
    start = page.index(marker) + len(marker)
    return page[start : page.index('"', start)]


def sign_in(client: FlaskClient, name: str, password: str = PASSWORD, address: str = "127.0.0.1"):
    """Sign in through the real form, CSRF token included."""
    return client.post(
        "/signin",
        data={"name": name, "password": password, "csrf_token": csrf_token(client)},
        environ_base={"REMOTE_ADDR": address},
    )
