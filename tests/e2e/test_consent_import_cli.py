"""``cdp consent import`` through the real command, on each tool's sample export as the tool writes it."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from tests.helpers import run_cdp, write_file

EXPORTS = Path(__file__).resolve().parents[1] / "fixtures" / "exports"
SUBSCRIBED = EXPORTS / "mailchimp" / "subscribed_members_export_4f2b9c1e7a.csv"
UNSUBSCRIBED = EXPORTS / "mailchimp" / "unsubscribed_members_export_4f2b9c1e7a.csv"
CLEANED = EXPORTS / "mailchimp" / "cleaned_members_export_4f2b9c1e7a.csv"
CLEVERREACH = EXPORTS / "cleverreach" / "export.csv"
BREVO = EXPORTS / "brevo" / "contacts.csv"
NEWSLETTER = ("--purpose", "newsletter", "--channel", "email")

# The five people of the sample exports, as the shop knows them (source record ids P1…P5).
STRASSBURGER = "P5;Änne;Straßburger;aenne.strassburger@example.de\n"
PEOPLE = (
    "ID;Vorname;Nachname;E-Mail\n"
    "P1;Jürgen;Weiß;juergen.weiss@example.de\n"
    "P2;Sabine;Müller-Lüdenscheidt;sabine.mueller@example.com\n"
    "P3;Björn;Köhler;bjoern.koehler@example.de\n"
    "P4;Özlem;Öztürk;oezlem.oeztuerk@example.com\n" + STRASSBURGER
)


def _ok(data: Path, *args: str) -> str:
    result = run_cdp(data, *args)
    assert result.returncode == 0, result.stderr
    return result.stdout


def _setup(tmp_path: Path, people: str = PEOPLE) -> tuple[Path, dict[str, str]]:
    """A store with the people imported; their profile ids by source record id."""
    data = tmp_path / "data"
    _ok(data, "init")
    _ok(data, "import", str(write_file(tmp_path / "in", "shop.csv", people)), "--source", "webshop")
    _ok(data, "export", "links", str(tmp_path / "links.csv"))
    rows = csv.DictReader(io.StringIO((tmp_path / "links.csv").read_text(encoding="utf-8")))
    return data, {row["source_record_id"]: row["profile_id"] for row in rows}


def _import(data: Path, path: Path, *args: str) -> str:
    return _ok(data, "consent", "import", str(path), *NEWSLETTER, *args)


def _newsletter(data: Path, profile_id: str) -> tuple[str, list[str]]:
    """The current newsletter-by-email action ``cdp consent show`` gives for a profile, and its history lines."""
    shown = _ok(data, "consent", "show", profile_id)
    current, _, history = shown.partition("History:\n")
    actions = [line.split()[2] for line in current.splitlines() if line.split()[:2] == ["newsletter", "email"]]
    return (actions[0] if actions else "none"), history.splitlines()


def test_mailchimp_subscribed_export_grants_at_the_confirmation_time(tmp_path: Path) -> None:
    data, profile = _setup(tmp_path)
    out = _import(data, SUBSCRIBED)
    assert out == "Recorded 3 consent events (purpose newsletter, channel email); 0 unchanged; 0 rows skipped.\n"
    action, history = _newsletter(data, profile["P1"])
    assert action == "granted"
    assert history == ["  2024-03-05T10:23:01  granted   newsletter / email  consent, import, by cli"]
    for person in ("P3", "P5"):
        assert _newsletter(data, profile[person])[0] == "granted"


def test_mailchimp_unsubscribed_export_withdraws_at_the_unsubscribe_time(tmp_path: Path) -> None:
    data, profile = _setup(tmp_path)
    out = _import(data, UNSUBSCRIBED)
    assert out.startswith("Recorded 1 consent event (purpose newsletter, channel email); 0 unchanged;")
    action, history = _newsletter(data, profile["P2"])
    assert action == "withdrawn" and history[0].startswith("  2025-01-20T21:14:09  withdrawn")


def test_mailchimp_cleaned_export_withdraws_and_the_next_export_leaves_the_address_out(tmp_path: Path) -> None:
    data, profile = _setup(tmp_path)
    _import(data, SUBSCRIBED)
    out = _import(data, CLEANED)
    assert out == "Recorded 1 consent event (purpose newsletter, channel email); 0 unchanged; 0 rows skipped.\n"
    action, history = _newsletter(data, profile["P4"])
    assert action == "withdrawn" and history[0].startswith("  2025-06-01T06:30:00  withdrawn")
    target = tmp_path / "contacts.csv"
    wrote = _ok(data, "export", "contacts", str(target), *NEWSLETTER)
    assert wrote.startswith("Wrote 3 contact(s)")
    emails = {row["email"] for row in csv.DictReader(io.StringIO(target.read_text(encoding="utf-8")))}
    assert "oezlem.oeztuerk@example.com" not in emails and "juergen.weiss@example.de" in emails


def test_cleverreach_export_reads_unix_times_and_names_the_row_never_activated(tmp_path: Path) -> None:
    data, profile = _setup(tmp_path)
    out = _import(data, CLEVERREACH)
    assert out.splitlines() == [
        "Recorded 2 consent events (purpose newsletter, channel email); 0 unchanged; 1 row skipped.",
        "  line 4: never activated (no confirmed opt-in): nothing to record",
    ]
    action, history = _newsletter(data, profile["P1"])
    assert action == "granted" and history[0].startswith("  2024-03-05T09:22:33  granted")
    assert _newsletter(data, profile["P2"])[0] == "withdrawn"
    assert _newsletter(data, profile["P5"]) == ("none", [])


def test_brevo_export_reads_blacklist_opt_in_and_day_first_times(tmp_path: Path) -> None:
    data, profile = _setup(tmp_path)
    out = _import(data, BREVO)
    assert out == "Recorded 3 consent events (purpose newsletter, channel email); 0 unchanged; 0 rows skipped.\n"
    action, history = _newsletter(data, profile["P1"])
    assert action == "granted" and history[0].startswith("  2022-04-12T09:30:00  granted")
    assert _newsletter(data, profile["P3"])[0] == "granted"
    assert _newsletter(data, profile["P4"])[0] == "withdrawn"


def test_importing_each_sample_again_adds_nothing(tmp_path: Path) -> None:
    data, _ = _setup(tmp_path)
    # One store for all: CleverReach deactivated Müller-Lüdenscheidt and Brevo blacklisted Öztürk at the very
    # times Mailchimp gives for the unsubscribe and the clean-up: the same events, there already.
    for path, recorded, unchanged in (
        (SUBSCRIBED, 3, 0), (UNSUBSCRIBED, 1, 0), (CLEANED, 1, 0), (CLEVERREACH, 1, 1), (BREVO, 2, 1)
    ):  # fmt: skip
        first = _import(data, path).splitlines()
        again = _import(data, path).splitlines()
        assert first[0].startswith(f"Recorded {recorded} consent event") and f"; {unchanged} unchanged;" in first[0]
        assert again[0].startswith("Recorded 0 consent events (purpose newsletter, channel email); ")
        assert f"; {recorded + unchanged} unchanged;" in again[0] and again[1:] == first[1:]


def test_an_unknown_email_is_skipped_by_line_and_with_strict_the_file_is_refused(tmp_path: Path) -> None:
    data, profile = _setup(tmp_path, PEOPLE.replace(STRASSBURGER, ""))
    refused = run_cdp(data, "consent", "import", str(SUBSCRIBED), *NEWSLETTER, "--strict")
    assert refused.returncode == 4 and "Traceback" not in refused.stderr
    assert f"{SUBSCRIBED}, line 4: no contact has this email: import the contacts first" in refused.stderr
    assert "Nothing was imported." in refused.stderr
    assert _newsletter(data, profile["P1"]) == ("none", [])
    out = _import(data, SUBSCRIBED)
    assert out.splitlines() == [
        "Recorded 2 consent events (purpose newsletter, channel email); 0 unchanged; 1 row skipped.",
        "  line 4: no contact has this email: import the contacts first",
    ]
    assert _newsletter(data, profile["P1"])[0] == "granted"
    logs = [path.read_text(encoding="utf-8") for path in data.rglob("*.log")]
    assert logs and any("consent import purpose=newsletter channel=email recorded=2" in log for log in logs)
    for text in [out, refused.stdout, refused.stderr, *logs]:
        assert "aenne" not in text.lower() and "example.de" not in text


def test_a_broken_file_is_refused_and_nothing_is_written(tmp_path: Path) -> None:
    data, profile = _setup(tmp_path)
    broken = SUBSCRIBED.read_text(encoding="utf-8").replace(",DE,BW,", ",DE,BW,,", 1)
    path = write_file(tmp_path / "in", SUBSCRIBED.name, broken)
    refused = run_cdp(data, "consent", "import", str(path), *NEWSLETTER)
    assert refused.returncode == 4 and "Traceback" not in refused.stderr
    assert "line 3: has 24 fields, the header has 23" in refused.stderr and "Nothing was imported." in refused.stderr
    assert refused.stdout == ""
    assert _newsletter(data, profile["P1"]) == ("none", [])


def test_status_that_contradicts_a_mailchimp_file_name_is_refused(tmp_path: Path) -> None:
    data, profile = _setup(tmp_path)
    refused = run_cdp(data, "consent", "import", str(UNSUBSCRIBED), *NEWSLETTER, "--status", "granted")
    assert refused.returncode == 4
    assert "--status granted contradicts the status the file gives, first on line 2" in refused.stderr
    assert _newsletter(data, profile["P2"]) == ("none", [])
