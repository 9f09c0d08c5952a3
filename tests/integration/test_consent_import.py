"""Consent from newsletter tools' exports: matched by email, with proof, all or nothing, idempotent."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cdp.errors import ImportRejected
from cdp.ingest.pipeline import import_file
from cdp.profiles import unified as profiles
from cdp.store.database import Store
from consent import ledger
from consent.imports import GRANTED, WITHDRAWN, _action, import_consent
from tests.helpers import write_file

CONTACTS = "ID;Vorname;Nachname;E-Mail\nK1;Anna;Albrecht;anna@example.org\nK2;Bernd;Brandt;bernd@example.org\n"
MAILCHIMP_SUBSCRIBED = (
    "Email Address,First Name,MEMBER_RATING,OPTIN_TIME,CONFIRM_TIME,LAST_CHANGED\n"
    "Anna@Example.org,Anna,2,2024-03-05 10:22:33,2024-03-05 10:25:01,2024-03-05 10:25:01\n"
)
GERMAN_LIST = (
    "E-Mail-Adresse;Status;Bestätigt am;Abgemeldet am;Einwilligungstext\n"
    "anna@example.org;angemeldet;05.03.2024;;v3\n"
    "bernd@example.org;abgemeldet;01.02.2024;10.06.2024;v3\n"
)


@pytest.fixture
def shop(store: Store, tmp_path: Path) -> dict[str, int]:
    import_file(store, write_file(tmp_path, "shop.csv", CONTACTS), "webshop")
    found = profiles.load_many(store, [1, 2])
    return {profile.value("first_name"): profile.id for profile in found}


def test_mailchimp_subscribed_export_grants_with_its_double_opt_in_proof(
    store: Store, shop: dict[str, int], tmp_path: Path
) -> None:
    path = write_file(tmp_path, "subscribed_members_export.csv", MAILCHIMP_SUBSCRIBED)
    counts = ledger_import(store, path, status="granted")
    assert counts == {"rows": 1, "events": 1, "unchanged": 0}
    [event] = ledger.history(store, shop["Anna"])
    assert (event.action, event.effective_at, event.origin) == (
        "granted", "2024-03-05T10:25:01", "import")  # fmt: skip
    assert event.proof == {"confirmed_at": "2024-03-05T10:25:01", "file": "subscribed_members_export.csv"}
    assert ledger_import(store, path, status="granted") == {"rows": 1, "events": 0, "unchanged": 1}


def test_german_list_in_windows_1252_with_status_and_unsubscribe_date(
    store: Store, shop: dict[str, int], tmp_path: Path
) -> None:
    path = write_file(tmp_path, "empfaenger.csv", GERMAN_LIST, encoding="cp1252")
    ledger_import(store, path)
    assert ledger.audience(store, None, "newsletter", "email").included == [shop["Anna"]]
    [withdrawn] = ledger.history(store, shop["Bernd"])
    assert (withdrawn.action, withdrawn.effective_at, withdrawn.proof["text_version"]) == (
        "withdrawn",
        "2024-06-10",
        "v3",
    )


def test_an_unknown_email_or_status_stops_the_whole_file_with_its_line(
    store: Store, shop: dict[str, int], tmp_path: Path
) -> None:
    bad = GERMAN_LIST + "carla@example.org;angemeldet;05.03.2024;;v3\nanna@example.org;vielleicht;05.03.2024;;v3\n"
    with pytest.raises(ImportRejected) as rejected:
        ledger_import(store, write_file(tmp_path, "bad.csv", bad))
    status_hint = "status: expected subscribed/unsubscribed (or angemeldet/abgemeldet, yes/no)"
    assert rejected.value.problems == [(4, "no contact has this email: import the contacts first"), (5, status_hint)]
    assert "carla" not in str(rejected.value)
    assert ledger.history(store, shop["Anna"]) == []


def test_a_file_without_email_column_is_refused(store: Store, shop: dict[str, int], tmp_path: Path) -> None:
    with pytest.raises(ImportRejected, match="found no email column"):
        ledger_import(store, write_file(tmp_path, "x.csv", "Name;Status\nAnna;ja\n"))


@given(st.sampled_from(sorted(GRANTED | WITHDRAWN)), st.sampled_from(["", " ", "  "]), st.booleans())
def test_every_known_status_word_is_read_whatever_its_case_and_spacing(word: str, pad: str, upper: bool) -> None:
    value = pad + (word.upper() if upper else word) + pad
    assert _action(value) == ("granted" if word in GRANTED else "withdrawn")


def ledger_import(store: Store, path: Path, status: str | None = None) -> dict[str, int]:
    return import_consent(store, path, "newsletter", "email", "test", status)
