"""No personal data in plaintext on disk: every file the program wrote is scanned."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import run_cdp, write_file

MARKERS = ("Zqxmarkerfirst", "Zqxmarkerlast", "zqxmarker.mail", "Zqxmarkerstreet", "Zqxmarkertea", "Zqxmarkerpost")


def contact_file(folder: Path) -> Path:
    content = (
        "Kundennummer;Vorname;Nachname;E-Mail;Straße;Notiz\n"
        f"K-1;{MARKERS[0]};{MARKERS[1]};{MARKERS[2]}@example.com;{MARKERS[3]} 1;{MARKERS[4]}\n"
    )
    return write_file(folder, "kunden.csv", content)


def scan(folder: Path) -> list[str]:
    """``file: marker`` for every marker found in any encoding we might write."""
    hits = []
    for path in folder.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            for marker in MARKERS:
                for encoded in (marker.encode(), marker.lower().encode(), marker.encode("utf-16-le")):
                    if encoded in data:
                        hits.append(f"{path}: {marker}")
    return hits


def test_no_marker_in_any_file_the_program_wrote(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    inputs = tmp_path / "inputs"
    assert run_cdp(data_dir, "init").returncode == 0
    contacts = contact_file(inputs)
    assert (
        run_cdp(
            data_dir, "import", str(contacts), "--source", "webshop", "--map", "Kundennummer=source_record_id"
        ).returncode
        == 0
    )
    post = write_file(
        inputs, "posts.csv", f"contact_id,occurred_at,channel,text\nK-1,2024-05-01,x,{MARKERS[5]} lovely\n"
    )
    assert run_cdp(data_dir, "import", str(post), "--source", "webshop", "--kind", "messages").returncode == 0
    bad = write_file(inputs, "bad.csv", f"Vorname;E-Mail\n{MARKERS[0]};{MARKERS[2]}-broken\n")
    assert run_cdp(data_dir, "import", str(bad), "--source", "webshop").returncode == 4
    assert run_cdp(data_dir, "migrate").returncode == 0
    written = [path for path in tmp_path.rglob("*") if path.is_file() and inputs not in path.parents]
    assert any(path.name == "kundenbild.db" for path in written)
    assert scan(data_dir) == [] and scan(tmp_path / "tmp") == []
