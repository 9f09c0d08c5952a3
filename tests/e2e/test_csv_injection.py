"""Every CSV file Kundenbild writes opens in a spreadsheet without running a formula."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

from tests.helpers import run_cdp, write_file

# Each cell begins like a formula; the names and the record id are what an attacker controls.
HOSTILE = (
    "ID;Vorname;Nachname;E-Mail;Firma;Straße\n"
    "=K1;=HYPERLINK(\"http://x\");@SUM(A1);anna@example.org;+cmd|' /C calc'!A0;-2+3\n"
)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _ok(data: Path, *args: str, stdin: str | None = None) -> str:
    result = run_cdp(data, *args, stdin=stdin)
    assert result.returncode == 0, result.stderr
    return result.stdout


def _cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


def _assert_no_formula(text: str, expected: str | None = None) -> None:
    cells = _cells(text)
    assert expected is None or f"'{expected}" in cells, cells
    assert not [cell for cell in cells if cell.startswith(FORMULA_STARTS)], cells


def test_exports_and_the_access_archive_neutralise_formulas(tmp_path: Path) -> None:
    data = tmp_path / "data"
    _ok(data, "init")
    _ok(data, "import", str(write_file(tmp_path / "in", "shop.csv", HOSTILE)), "--source", "webshop")
    links = tmp_path / "links.csv"
    _ok(data, "export", "links", str(links))
    _assert_no_formula(links.read_text(encoding="utf-8"), "=K1")
    [profile_id] = [row[2] for row in csv.reader(io.StringIO(links.read_text(encoding="utf-8")))][1:]
    _ok(data, "consent", "grant", profile_id, "--purpose", "newsletter", "--channel", "email", "--reason", "DOI")
    contacts = tmp_path / "contacts.csv"
    _ok(data, "export", "contacts", str(contacts), "--purpose", "newsletter", "--channel", "email")
    _assert_no_formula(contacts.read_text(encoding="utf-8"), '=HYPERLINK("http://x")')
    _ok(data, "dsr", "open", "--kind", "access", stdin="email: anna@example.org\n")
    _ok(data, "dsr", "verify", "1", "--how", "known_email")
    _ok(data, "dsr", "confirm", "1", profile_id)
    _ok(data, "dsr", "export", "1", str(tmp_path / "a.zip"))
    archive = zipfile.ZipFile(tmp_path / "a.zip")
    _assert_no_formula(archive.read("records.csv").decode(), "+cmd|' /C calc'!A0")
    for name in ("interactions.csv", "consent.csv"):
        _assert_no_formula(archive.read(name).decode())
