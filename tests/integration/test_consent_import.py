"""Consent from newsletter tools' exports, as the tools write them: matched by email, with proof, idempotent.

A row that cannot be recorded is skipped and named by its line (``strict``:
the whole file is refused); a file that cannot be read whole is refused and
nothing is written.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cdp.errors import ImportRejected
from cdp.ingest.pipeline import import_file
from cdp.profiles import unified as profiles
from cdp.store.database import Store
from consent import ledger
from consent.imports import GRANTED, WITHDRAWN, ConsentImport, _action, import_consent
from tests.helpers import count_rows, write_file

EXPORTS = Path(__file__).resolve().parents[1] / "fixtures" / "exports"
SUBSCRIBED = EXPORTS / "mailchimp" / "subscribed_members_export_4f2b9c1e7a.csv"
UNSUBSCRIBED = EXPORTS / "mailchimp" / "unsubscribed_members_export_4f2b9c1e7a.csv"
CLEANED = EXPORTS / "mailchimp" / "cleaned_members_export_4f2b9c1e7a.csv"
CLEVERREACH = EXPORTS / "cleverreach" / "export.csv"
BREVO = EXPORTS / "brevo" / "contacts.csv"
SAMPLES = [SUBSCRIBED, UNSUBSCRIBED, CLEANED, CLEVERREACH, BREVO]

# The five people of the sample exports (see tests/fixtures/exports/README.md), as a shop knows them.
PEOPLE = (
    "ID;Vorname;Nachname;E-Mail\n"
    "P1;Jürgen;Weiß;juergen.weiss@example.de\n"
    "P2;Sabine;Müller-Lüdenscheidt;sabine.mueller@example.com\n"
    "P3;Björn;Köhler;bjoern.koehler@example.de\n"
    "P4;Özlem;Öztürk;oezlem.oeztuerk@example.com\n"
    "P5;Änne;Straßburger;aenne.strassburger@example.de\n"
)
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
NO_CONTACT = "no contact has this email: import the contacts first"


@pytest.fixture
def people(store: Store, tmp_path: Path) -> dict[str, int]:
    """Every person of the samples in the store: first name -> profile id."""
    return _contacts(store, tmp_path, PEOPLE)


@pytest.fixture
def shop(store: Store, tmp_path: Path) -> dict[str, int]:
    return _contacts(store, tmp_path, CONTACTS)


def _contacts(store: Store, tmp_path: Path, text: str) -> dict[str, int]:
    import_file(store, write_file(tmp_path, "shop.csv", text), "webshop")
    found = profiles.load_many(store, list(range(1, 10)))
    return {profile.value("first_name"): profile.id for profile in found}


def ledger_import(
    store: Store, path: Path, status: str | None = None, channel: str = "email", strict: bool = False
) -> ConsentImport:
    return import_consent(store, path, "newsletter", channel, "test", status, strict=strict)


def latest(store: Store, profile_id: int, channel: str = "email") -> ledger.Event:
    return ledger.current(ledger.history(store, profile_id))[("newsletter", channel)]


# Mailchimp: the status is in the file's name.


def test_mailchimp_subscribed_grants_at_the_confirmation_with_opt_in_and_confirmation_as_proof(
    store: Store, people: dict[str, int]
) -> None:
    assert ledger_import(store, SUBSCRIBED) == ConsentImport(recorded=3, unchanged=0, skipped=[])
    [weiss] = ledger.history(store, people["Jürgen"])
    assert (weiss.action, weiss.effective_at, weiss.origin, weiss.legal_basis) == (
        "granted", "2024-03-05T10:23:01", "import", "consent")  # fmt: skip
    assert weiss.proof == {
        "opt_in_at": "2024-03-05T10:22:33",
        "opt_in_ip": "192.0.2.10",
        "confirmed_at": "2024-03-05T10:23:01",
        "confirm_ip": "192.0.2.10",
        "file": SUBSCRIBED.name,
    }
    # Straßburger has no OPTIN_TIME (added from a fair's list): the confirmation alone is the consent's time.
    [strassburger] = ledger.history(store, people["Änne"])
    assert strassburger.effective_at == "2022-06-14T07:45:00" and "opt_in_at" not in strassburger.proof
    included = ledger.audience(store, None, "newsletter", "email").included
    assert sorted(included) == sorted([people["Jürgen"], people["Björn"], people["Änne"]])


def test_mailchimp_unsubscribed_withdraws_at_the_unsubscribe_time(store: Store, people: dict[str, int]) -> None:
    assert ledger_import(store, UNSUBSCRIBED) == ConsentImport(recorded=1, unchanged=0, skipped=[])
    [event] = ledger.history(store, people["Sabine"])
    assert (event.action, event.effective_at) == ("withdrawn", "2025-01-20T21:14:09")
    assert event.proof["unsubscribed_at"] == "2025-01-20T21:14:09"
    assert event.proof["confirmed_at"] == "2023-03-03T08:01:40" and "reason" not in event.proof


def test_mailchimp_cleaned_addresses_are_withdrawn_with_the_reason_cleaned(
    store: Store, people: dict[str, int]
) -> None:
    assert ledger_import(store, CLEANED) == ConsentImport(recorded=1, unchanged=0, skipped=[])
    [event] = ledger.history(store, people["Özlem"])
    assert (event.action, event.effective_at) == ("withdrawn", "2025-06-01T06:30:00")
    assert (event.proof["reason"], event.proof["cleaned_at"]) == ("cleaned", "2025-06-01T06:30:00")
    assert people["Özlem"] not in ledger.audience(store, None, "newsletter", "email").included


def test_the_three_mailchimp_files_together_leave_the_subscribed_in_the_audience(
    store: Store, people: dict[str, int]
) -> None:
    for path in (SUBSCRIBED, UNSUBSCRIBED, CLEANED):
        ledger_import(store, path)
    audience = ledger.audience(store, None, "newsletter", "email")
    assert sorted(audience.included) == sorted([people["Jürgen"], people["Björn"], people["Änne"]])
    assert audience.left_out["withdrawn"] == 2


def test_a_renamed_mailchimp_file_needs_status_and_status_must_not_contradict_the_name(
    store: Store, people: dict[str, int], tmp_path: Path
) -> None:
    renamed = tmp_path / "mailchimp.csv"
    shutil.copy(SUBSCRIBED, renamed)
    with pytest.raises(ImportRejected, match="a Mailchimp export says it in its name"):
        ledger_import(store, renamed)
    assert ledger_import(store, renamed, status="granted").recorded == 3
    with pytest.raises(ImportRejected, match="--status granted contradicts the status the file gives, first on line 2"):
        ledger_import(store, UNSUBSCRIBED, status="granted")
    assert ledger.history(store, people["Sabine"]) == []


# CleverReach: Unix seconds, 0 = not set.


def test_cleverreach_status_from_activated_and_deactivated(store: Store, people: dict[str, int]) -> None:
    result = ledger_import(store, CLEVERREACH)
    assert (result.recorded, result.unchanged) == (2, 0)
    assert result.skipped == [(4, "never activated (no confirmed opt-in): nothing to record")]
    weiss = latest(store, people["Jürgen"])
    assert (weiss.action, weiss.effective_at) == ("granted", "2024-03-05T09:22:33")
    assert weiss.proof == {"registered_at": "2024-03-05T09:22:00", "confirmed_at": "2024-03-05T09:22:33",
                           "form": "Anmeldeformular", "file": "export.csv"}  # fmt: skip
    mueller = latest(store, people["Sabine"])
    assert (mueller.action, mueller.effective_at) == ("withdrawn", "2025-01-20T21:14:09")
    assert mueller.proof["confirmed_at"] == "2023-03-03T08:01:40"
    assert ledger.history(store, people["Änne"]) == []


def test_cleverreach_rows_never_activated_do_not_refuse_a_strict_import(store: Store, people: dict[str, int]) -> None:
    result = ledger_import(store, CLEVERREACH, strict=True)
    assert result.recorded == 2 and [line for line, _ in result.skipped] == [4]


# Brevo: `;`, DD-MM-YYYY HH:MM, blacklist and opt-in columns.


def test_brevo_status_from_blacklist_and_opt_in(store: Store, people: dict[str, int]) -> None:
    assert ledger_import(store, BREVO) == ConsentImport(recorded=3, unchanged=0, skipped=[])
    weiss = latest(store, people["Jürgen"])
    assert (weiss.action, weiss.effective_at) == ("granted", "2022-04-12T09:30:00")
    assert weiss.proof == {"added_at": "2022-04-12T09:30:00", "modified_at": "2024-03-05T10:22:00",
                           "double_opt_in": "yes", "file": "contacts.csv"}  # fmt: skip
    assert latest(store, people["Björn"]).action == "granted"  # blacklisted for SMS only
    oeztuerk = latest(store, people["Özlem"])
    assert (oeztuerk.action, oeztuerk.effective_at, oeztuerk.proof["double_opt_in"]) == (
        "withdrawn", "2025-06-01T06:30:00", "no")  # fmt: skip


def test_brevo_for_sms_takes_only_the_sms_blacklist(store: Store, people: dict[str, int]) -> None:
    result = ledger_import(store, BREVO, channel="sms")
    assert result.recorded == 1
    nothing = "no opt-in for this channel and not blacklisted: nothing to record"
    assert result.skipped == [(2, nothing), (4, nothing)]
    assert latest(store, people["Björn"], "sms").action == "withdrawn"
    with pytest.raises(ImportRejected, match="a Brevo export says nothing about consent by post"):
        ledger_import(store, BREVO, channel="post")


# Every sample: the same file again adds nothing.


@pytest.mark.parametrize("path", SAMPLES, ids=lambda path: path.parent.name + "/" + path.name.split("_")[0])
def test_importing_a_sample_again_adds_nothing(store: Store, people: dict[str, int], path: Path) -> None:
    first = ledger_import(store, path)
    assert first.recorded > 0
    events = count_rows(store, "consent_event")
    assert ledger_import(store, path) == ConsentImport(recorded=0, unchanged=first.recorded, skipped=first.skipped)
    assert count_rows(store, "consent_event") == events


# Rows that cannot be recorded: skipped and named, or with strict the whole file refused.


def test_an_unknown_email_is_skipped_and_named_by_its_line(store: Store, tmp_path: Path) -> None:
    known = _contacts(store, tmp_path, PEOPLE.replace("P5;Änne;Straßburger;aenne.strassburger@example.de\n", ""))
    result = ledger_import(store, SUBSCRIBED)
    assert result == ConsentImport(recorded=2, unchanged=0, skipped=[(4, NO_CONTACT)])
    assert latest(store, known["Jürgen"]).action == "granted"
    lines = result.summary("newsletter", "email")
    assert lines == [
        "Recorded 2 consent events (purpose newsletter, channel email); 0 unchanged; 1 row skipped.",
        f"line 4: {NO_CONTACT}",
    ]
    assert not [line for line in lines if "aenne" in line.lower() or "straßburger" in line.lower()]


def test_with_strict_an_unknown_email_refuses_the_whole_file(store: Store, tmp_path: Path) -> None:
    known = _contacts(store, tmp_path, PEOPLE.replace("P5;Änne;Straßburger;aenne.strassburger@example.de\n", ""))
    with pytest.raises(ImportRejected) as rejected:
        ledger_import(store, SUBSCRIBED, strict=True)
    assert rejected.value.problems == [(4, NO_CONTACT)]
    assert "aenne" not in str(rejected.value).lower()
    assert ledger.history(store, known["Jürgen"]) == [] and count_rows(store, "consent_event") == 0


def test_an_unreadable_time_skips_its_row_and_strict_refuses_the_file(
    store: Store, people: dict[str, int], tmp_path: Path
) -> None:
    lines = SUBSCRIBED.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[2] = lines[2].replace("2023-11-28 19:04:57", "gestern abend", 1)  # Köhler's CONFIRM_TIME
    path = write_file(tmp_path / "in", SUBSCRIBED.name, "".join(lines))
    with pytest.raises(ImportRejected) as rejected:
        ledger_import(store, path, strict=True)
    [(line, reason)] = rejected.value.problems
    assert line == 3 and reason.startswith("CONFIRM_TIME: not a point in time in a known form")
    assert count_rows(store, "consent_event") == 0
    result = ledger_import(store, path)
    assert result.recorded == 2 and [line for line, _ in result.skipped] == [3]
    assert ledger.history(store, people["Björn"]) == []


def test_lines_skipped_for_one_reason_are_named_together(store: Store, shop: dict[str, int], tmp_path: Path) -> None:
    text = GERMAN_LIST + "".join(f"nobody{n}@example.org;angemeldet;05.03.2024;;v3\n" for n in range(3))
    result = ledger_import(store, write_file(tmp_path, "liste.csv", text))
    assert result.recorded == 2
    assert result.summary("newsletter", "email")[1:] == [f"lines 4, 5, 6: {NO_CONTACT}"]


def test_a_broken_file_is_refused_whole_and_nothing_is_written(
    store: Store, people: dict[str, int], tmp_path: Path
) -> None:
    broken = SUBSCRIBED.read_text(encoding="utf-8").replace(",DE,BW,", ",DE,BW,,", 1)  # one field too many
    path = write_file(tmp_path / "in", SUBSCRIBED.name, broken)
    with pytest.raises(ImportRejected) as rejected:
        ledger_import(store, path)
    assert rejected.value.problems == [(3, "has 24 fields, the header has 23")]
    assert "Nothing was imported." in str(rejected.value)
    assert count_rows(store, "consent_event") == 0


# Other lists: a status column (or --status), as before.


def test_mailchimp_like_subscribed_export_grants_with_its_double_opt_in_proof(
    store: Store, shop: dict[str, int], tmp_path: Path
) -> None:
    path = write_file(tmp_path, "subscribed_members_export.csv", MAILCHIMP_SUBSCRIBED)
    assert ledger_import(store, path, status="granted") == ConsentImport(1, 0, [])
    [event] = ledger.history(store, shop["Anna"])
    assert (event.action, event.effective_at, event.origin) == (
        "granted", "2024-03-05T10:25:01", "import")  # fmt: skip
    assert event.proof == {"opt_in_at": "2024-03-05T10:22:33", "confirmed_at": "2024-03-05T10:25:01",
                           "file": "subscribed_members_export.csv"}  # fmt: skip
    assert ledger_import(store, path) == ConsentImport(0, 1, [])


def test_german_list_in_windows_1252_with_status_and_unsubscribe_date(
    store: Store, shop: dict[str, int], tmp_path: Path
) -> None:
    path = write_file(tmp_path, "empfaenger.csv", GERMAN_LIST, encoding="cp1252")
    assert ledger_import(store, path) == ConsentImport(2, 0, [])
    assert ledger.audience(store, None, "newsletter", "email").included == [shop["Anna"]]
    [withdrawn] = ledger.history(store, shop["Bernd"])
    assert (withdrawn.action, withdrawn.effective_at, withdrawn.proof["text_version"]) == (
        "withdrawn", "2024-06-10T00:00:00", "v3")  # fmt: skip
    assert withdrawn.proof["confirmed_at"] == "2024-02-01T00:00:00"


def test_a_list_without_status_takes_status_for_every_row(store: Store, shop: dict[str, int], tmp_path: Path) -> None:
    path = write_file(tmp_path, "abgemeldet.csv", "E-Mail;Abgemeldet am\nbernd@example.org;1718013600\n")
    assert ledger_import(store, path, status="withdrawn").recorded == 1
    assert latest(store, shop["Bernd"]).effective_at == "2024-06-10T10:00:00"


def test_with_status_a_list_that_says_otherwise_is_refused(store: Store, shop: dict[str, int], tmp_path: Path) -> None:
    with pytest.raises(ImportRejected, match="--status granted contradicts the status the file gives, first on line 3"):
        ledger_import(store, write_file(tmp_path, "liste.csv", GERMAN_LIST), status="granted")
    assert count_rows(store, "consent_event") == 0


def test_unknown_emails_and_statuses_are_skipped_or_with_strict_stop_the_whole_file(
    store: Store, shop: dict[str, int], tmp_path: Path
) -> None:
    bad = GERMAN_LIST + "carla@example.org;angemeldet;05.03.2024;;v3\nanna@example.org;vielleicht;05.03.2024;;v3\n"
    path = write_file(tmp_path, "bad.csv", bad)
    status_hint = "status: expected subscribed/unsubscribed (or angemeldet/abgemeldet, yes/no)"
    with pytest.raises(ImportRejected) as rejected:
        ledger_import(store, path, strict=True)
    assert rejected.value.problems == [(4, NO_CONTACT), (5, status_hint)]
    assert "carla" not in str(rejected.value)
    assert ledger.history(store, shop["Anna"]) == []
    result = ledger_import(store, path)
    assert result == ConsentImport(recorded=2, unchanged=0, skipped=[(4, NO_CONTACT), (5, status_hint)])


def test_a_file_without_email_column_is_refused(store: Store, shop: dict[str, int], tmp_path: Path) -> None:
    with pytest.raises(ImportRejected, match="found no email column"):
        ledger_import(store, write_file(tmp_path, "x.csv", "Name;Status\nAnna;ja\n"))


def test_a_file_without_status_is_refused_unless_status_is_given(
    store: Store, shop: dict[str, int], tmp_path: Path
) -> None:
    with pytest.raises(ImportRejected, match=r"found no status column \(or give --status\)"):
        ledger_import(store, write_file(tmp_path, "x.csv", "E-Mail;Bestätigt am\nanna@example.org;05.03.2024\n"))


@given(st.sampled_from(sorted(GRANTED | WITHDRAWN)), st.sampled_from(["", " ", "  "]), st.booleans())
def test_every_known_status_word_is_read_whatever_its_case_and_spacing(word: str, pad: str, upper: bool) -> None:
    value = pad + (word.upper() if upper else word) + pad
    assert _action(value) == ("granted" if word in GRANTED else "withdrawn")
