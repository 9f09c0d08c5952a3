"""No personal data in plaintext on disk: every file the program wrote is scanned."""

from __future__ import annotations

import http.cookiejar
import re
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

from tests.helpers import run_cdp, served, write_file

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
    assert run_cdp(data_dir, "import", str(bad), "--source", "webshop", "--strict").returncode == 4
    assert run_cdp(data_dir, "migrate").returncode == 0
    written = [path for path in tmp_path.rglob("*") if path.is_file() and inputs not in path.parents]
    assert any(path.name == "kundenbild.db" for path in written)
    assert scan(data_dir) == [] and scan(tmp_path / "tmp") == []


def test_no_marker_on_disk_after_an_upload_through_the_web(tmp_path: Path) -> None:
    """A file of over 1 MB goes through the import page of a real `cdp serve`: preview, import, and a refusal."""
    data_dir = tmp_path / "data"
    assert run_cdp(data_dir, "init").returncode == 0
    assert run_cdp(data_dir, "user", "add", "anja", "--role", "admin", stdin="a long passphrase here\n").returncode == 0
    note = "lange Notiz " * 15
    rows = "".join(f"K-{n};Vorname{n};Nachname{n};p{n}@example.org;Weg {n};{note}\n" for n in range(2, 6_000))
    contacts = contact_file(tmp_path / "inputs").read_text() + rows
    assert len(contacts.encode()) > 1_000_000
    with served(data_dir) as url:
        browser = _signed_in(url, "anja", "a long passphrase here")
        preview = _post_file(browser, f"{url}/import/preview", {"source": "webshop"}, "kunden.csv", contacts.encode())
        assert "Zqxmarkerfirst" in preview
        token = re.search(r'name="upload" value="([^"]+)"', preview).group(1)
        summary = _post(browser, f"{url}/import/run", {"upload": token, "csrf_token": _csrf(preview)})
        assert 'data-count="created">5999<' in summary
        broken = f"Vorname;E-Mail\n{MARKERS[0]};{MARKERS[2]}@example.com;zu viel\n" + "x;y\n" * 300_000
        refused = _post_file(browser, f"{url}/import/preview", {"source": "webshop"}, "bad.csv", broken.encode())
        assert "Nothing was imported." in refused
    assert scan(data_dir) == [] and scan(tmp_path / "tmp") == []


def _signed_in(url: str, name: str, password: str) -> urllib.request.OpenerDirector:
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    page = browser.open(f"{url}/signin").read().decode()
    _post(browser, f"{url}/signin", {"name": name, "password": password, "csrf_token": _csrf(page)})
    return browser


def _csrf(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def _post(browser: urllib.request.OpenerDirector, url: str, form: dict[str, str]) -> str:
    return browser.open(url, data=urllib.parse.urlencode(form).encode(), timeout=120).read().decode()


def _post_file(opener: urllib.request.OpenerDirector, url: str, form: dict[str, str], name: str, content: bytes) -> str:
    """A multipart upload with the CSRF token of the import page; the answer's page, whatever its status."""
    form = {**form, "csrf_token": _csrf(opener.open(url.rsplit("/", 1)[0]).read().decode())}
    boundary = uuid.uuid4().hex
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode()
             for key, value in form.items()]  # fmt: skip
    head = f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n\r\n'
    body = b"".join(parts) + head.encode() + content + f"\r\n--{boundary}--\r\n".encode()
    kind = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
    try:
        return opener.open(urllib.request.Request(url, data=body, headers=kind), timeout=120).read().decode()
    except urllib.error.HTTPError as error:
        return error.read().decode()
