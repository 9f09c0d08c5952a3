"""The DPO's work through the real ``cdp`` command: requests, consent, exports, backup and restore, audit."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from pathlib import Path

from cdp.config import Paths
from cdp.store.database import open_store
from cdp.store.keys import load_master_key
from tests.helpers import run_cdp, write_file

CONTACTS = "ID;Vorname;Nachname;E-Mail\nK1;Anna;Albrecht;anna@example.org\nK2;Bernd;Brandt;bernd@example.org\n"


def _ok(data: Path, *args: str, stdin: str | None = None) -> str:
    result = run_cdp(data, *args, stdin=stdin)
    assert result.returncode == 0, result.stderr
    return result.stdout


def _setup(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    _ok(data, "init")
    _ok(data, "import", str(write_file(tmp_path / "in", "shop.csv", CONTACTS)), "--source", "webshop")
    return data


def _links(data: Path) -> list[dict]:
    target = data.parent / "links.csv"
    target.unlink(missing_ok=True)
    _ok(data, "export", "links", str(target))
    return list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8"))))


def _profile_of(data: Path, source_id: str) -> str:
    return next(row["profile_id"] for row in _links(data) if row["source_record_id"] == source_id)


def test_access_request_from_intake_to_archive(tmp_path: Path) -> None:
    data = _setup(tmp_path)
    anna = _profile_of(data, "K1")
    opened = _ok(data, "dsr", "open", "--kind", "access", stdin="email: anna@example.org\nlanguage: en\n")
    assert "Opened request 1 (access)" in opened and f"candidate profile {anna}: Anna Albrecht" in opened
    refused = run_cdp(data, "dsr", "export", "1", str(tmp_path / "a.zip"))
    assert refused.returncode == 9 and "not been verified" in refused.stderr
    _ok(data, "dsr", "verify", "1", "--how", "known_email")
    _ok(data, "dsr", "confirm", "1", anna)
    _ok(data, "dsr", "export", "1", str(tmp_path / "a.zip"))
    person = json.loads(zipfile.ZipFile(tmp_path / "a.zip").read("data.json"))[0]
    assert person["profile"]["fields"]["last_name"] == "Albrecht" and person["language"] == "en"
    assert person["campaigns"] == [] and "campaigns.csv" in zipfile.ZipFile(tmp_path / "a.zip").namelist()
    _ok(data, "dsr", "close", "1", "--outcome", "archive sent by post")
    listed = _ok(data, "dsr", "list", "--all")
    assert "access" in listed and "closed" in listed
    steps = [step["action"] for step in json.loads(_ok(data, "dsr", "record", "1"))["steps"]]
    assert steps == ["dsr.opened", "dsr.verified", "dsr.subject_confirmed", "dsr.exported", "dsr.closed"]


def test_requester_details_never_come_from_arguments_and_bad_input_is_named(tmp_path: Path) -> None:
    data = _setup(tmp_path)
    broken = run_cdp(data, "dsr", "open", "--kind", "erasure", stdin="just some text")
    assert (
        broken.returncode == 1 and "line 1 is not 'name: value'" in broken.stderr and "Traceback" not in broken.stderr
    )
    empty = run_cdp(data, "dsr", "open", "--kind", "erasure", stdin="")
    assert empty.returncode == 1 and "at least a name, an email" in empty.stderr


def test_consent_withdrawal_shows_in_the_next_export(tmp_path: Path) -> None:
    data = _setup(tmp_path)
    anna, bernd = _profile_of(data, "K1"), _profile_of(data, "K2")
    for profile_id in (anna, bernd):
        _ok(data, "consent", "grant", profile_id, "--purpose", "newsletter", "--channel", "email", "--reason", "DOI")
    out = _ok(data, "export", "contacts", str(tmp_path / "one.csv"), "--purpose", "newsletter", "--channel", "email")
    assert "Wrote 2 contact(s)" in out
    _ok(data, "consent", "withdraw", bernd, "--purpose", "newsletter", "--channel", "email", "--reason", "unsubscribed")
    out = _ok(data, "export", "contacts", str(tmp_path / "two.csv"), "--purpose", "newsletter", "--channel", "email")
    assert "Wrote 1 contact(s)" in out and "1 withdrawn" in out
    rows = list(csv.DictReader(io.StringIO((tmp_path / "two.csv").read_text(encoding="utf-8"))))
    assert [row["email"] for row in rows] == ["anna@example.org"]
    assert "withdrawn" in _ok(data, "consent", "show", bernd)


def test_erasure_then_restoring_an_older_backup_keeps_the_person_erased(tmp_path: Path) -> None:
    data = _setup(tmp_path)
    anna = _profile_of(data, "K1")
    _ok(data, "backup", str(tmp_path / "before.kbk"))
    _ok(data, "dsr", "open", "--kind", "erasure", stdin='{"email": "anna@example.org"}')
    _ok(data, "dsr", "verify", "1", "--how", "known_email")
    _ok(data, "dsr", "confirm", "1", anna)
    assert "erased 1 profile(s)" in _ok(data, "dsr", "erase", "1", "--yes")
    restored = _ok(data, "restore", str(tmp_path / "before.kbk"), "--yes")
    assert "1 erased record(s) purged again" in restored
    assert [row["source_record_id"] for row in _links(data)] == ["K2"]
    again = write_file(tmp_path / "in", "again.csv", "ID;E-Mail\nX9;ANNA@example.org\n")
    held = run_cdp(data, "import", str(again), "--source", "newsletter")
    assert held.returncode == 0 and "Held back 1 record(s)" in held.stderr
    verified = _ok(data, "audit", "verify")
    assert "intact" in verified
    restore_line = r"Entry \d+: the store was restored from a backup on [\d-]+; [1-9]\d* entries written after"
    assert re.search(restore_line, verified)


def test_audit_verify_sees_a_log_cut_short(tmp_path: Path) -> None:
    data = _setup(tmp_path)
    _ok(data, "user", "add", "erika", "--role", "dpo", stdin="a long enough password\n")
    paths = Paths(data)
    store = open_store(paths, load_master_key(paths))
    with store.write() as connection:
        connection.exec_driver_sql("DROP TRIGGER audit_log_no_delete")
        connection.exec_driver_sql("DELETE FROM audit_log WHERE id = (SELECT max(id) FROM audit_log)")
    store.close()
    result = run_cdp(data, "audit", "verify")
    assert result.returncode == 7 and "The audit log was cut short" in result.stderr


def test_audit_verify_names_the_first_changed_entry(tmp_path: Path) -> None:
    data = _setup(tmp_path)
    paths = Paths(data)
    store = open_store(paths, load_master_key(paths))
    with store.write() as connection:
        triggers = connection.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'trigger'").scalars().all()
        for name in triggers:
            connection.exec_driver_sql(f"DROP TRIGGER {name}")
        connection.exec_driver_sql("UPDATE audit_log SET actor = 'someone else' WHERE id = 1")
    store.close()
    result = run_cdp(data, "audit", "verify")
    assert result.returncode == 7 and "broken at entry 1" in result.stderr


def test_after_erasure_through_the_cli_no_file_the_program_wrote_holds_a_marker(tmp_path: Path) -> None:
    data = tmp_path / "data"
    _ok(data, "init")
    contacts = "ID;Vorname;Nachname;E-Mail;X;Notiz\nK1;Zqxvorname;Zqxnachname;zqxmail@example.org;@zqxhandle;Zqxnotiz\n"
    _ok(data, "import", str(write_file(tmp_path / "in", "c.csv", contacts)), "--source", "webshop")
    posts = "contact_id,occurred_at,channel,text\nK1,2025-05-01,x,Zqxpost is lovely\n"
    _ok(data, "import", str(write_file(tmp_path / "in", "p.csv", posts)), "--source", "webshop", "--kind", "messages")
    _ok(data, "dsr", "open", "--kind", "access", stdin="email: zqxmail@example.org\n")
    _ok(data, "dsr", "verify", "1", "--how", "known_email")
    _ok(data, "dsr", "confirm", "1", _profile_of(data, "K1"))
    _ok(data, "dsr", "open", "--kind", "erasure", stdin="email: zqxmail@example.org\n")
    _ok(data, "dsr", "verify", "2", "--how", "known_email")
    _ok(data, "dsr", "confirm", "2", _profile_of(data, "K1"))
    _ok(data, "dsr", "erase", "2", "--yes")
    _ok(data, "resolve")
    markers = ("zqxvorname", "zqxnachname", "zqxmail", "zqxhandle", "zqxnotiz", "zqxpost")
    written = [path for folder in (data, tmp_path / "tmp") for path in folder.rglob("*") if path.is_file()]
    assert any(path.parent.name == "logs" for path in written), "the scan covers the logs"
    for path in written:
        content = path.read_bytes().lower()
        assert not [m for m in markers if m.encode() in content or m.encode("utf-16-le") in content], path
    shown = _ok(data, "dsr", "show", "1")
    assert not [m for m in markers if m in shown.lower()], "the open access request shows no erased data"


def test_consent_import_takes_a_newsletter_export_and_refuses_what_it_cannot_read(tmp_path: Path) -> None:
    data = _setup(tmp_path)
    export = "E-Mail-Adresse;Status;Bestätigt am\nanna@example.org;angemeldet;05.03.2024\n"
    path = write_file(tmp_path / "in", "newsletter.csv", export)
    args = ("--purpose", "newsletter", "--channel", "email")
    out = _ok(data, "consent", "import", str(path), *args)
    assert out == "Recorded 1 consent event (purpose newsletter, channel email); 0 unchanged; 0 rows skipped.\n"
    assert "; 1 unchanged;" in _ok(data, "consent", "import", str(path), *args)
    assert "granted" in _ok(data, "consent", "show", _profile_of(data, "K1"))
    for bad in (tmp_path / "missing.csv", tmp_path / "in"):
        refused = run_cdp(data, "consent", "import", str(bad), *args)
        assert refused.returncode in (2, 4) and "Traceback" not in refused.stderr and "unexpected" not in refused.stderr
