"""The import page through HTTP: who may use it, preview, mapping, summary, problems, saved mappings, limits."""

from __future__ import annotations

import errno
import http.client
import io
import json
import re
import tempfile
import threading
import uuid
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import waitress
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from cdp.profiles import unified as profiles
from cdp.store.database import Store
from cdp.store.schema import audit_log
from identity.resolve import MODEL
from kundenbild.bootstrap import app as create_app
from tests.e2e.conftest import csrf_token, seed, sign_in
from tests.helpers import count_rows, opened_records
from web.cli import body_settings

EXPORTS = Path(__file__).resolve().parents[1] / "fixtures" / "exports"
SHOPIFY = EXPORTS / "shopify" / "customers_export.csv"
PEOPLE = "Vorname;Nachname;E-Mail;Geburtsdatum;Ort\nAnna;Alt;anna@example.org;31.02.1980;Bonn\n;;;;Köln\n"
BROKEN = "Vorname;Nachname;E-Mail\nAnna;Alt;anna@example.org\nBert;Bach;bert@example.org;zu viel\n"


def upload(client: FlaskClient, content: bytes, name: str, source: str = "shopify", **headers: str):
    """Send a file to the preview, CSRF token included, as the upload form does.

    The body is encoded here: the test client would spool a large one to a temporary file of its own.
    """
    fields = {"csrf_token": csrf_token(client, "/import"), "source": source, "kind": ""}
    body, boundary = multipart(fields, name, content)
    return client.post("/import/preview", data=body, content_type=f"multipart/form-data; boundary={boundary}",
                       headers=headers)  # fmt: skip


def run(client: FlaskClient, preview_page: str, **choices: str):
    """Import what the preview page shows, with ``choices`` (column name -> choice) changed and the rest as shown."""
    form = {"csrf_token": csrf_token(client, "/import"), "upload": token_of(preview_page)}
    for column, choice in choices.items():
        form[f"column-{columns_of(preview_page).index(column)}"] = choice
    return client.post("/import/run", data=form)


def token_of(page: str) -> str:
    return re.search(r'name="upload" value="([^"]+)"', page).group(1)


def columns_of(page: str) -> list[str]:
    return re.findall(r'<tr data-column="([^"]*)">', page)


def chosen(page: str, column: str) -> str:
    """The option selected for ``column`` on a preview page."""
    position = columns_of(page).index(column)
    select = re.search(rf'<select name="column-{position}".*?</select>', page, re.S).group(0)
    return re.search(r'<option value="([^"]+)" selected', select).group(1)


def count(page: str, name: str) -> int:
    return int(re.search(rf'data-count="{name}">(\d+)<', page).group(1))


@pytest.mark.parametrize("role", ["dpo", "sales", "marketing"])
def test_roles_without_the_import_permission_get_no_access(client: FlaskClient, role: str) -> None:
    sign_in(client, role)
    assert "/import" not in client.get("/profiles").get_data(as_text=True)
    refused = client.get("/import")
    assert refused.status_code == 403 and "You are not allowed to see this page." in refused.get_data(as_text=True)
    token = csrf_token(client, "/profiles")
    sent = client.post("/import/preview", data={"csrf_token": token, "source": "shopify",
                                                "file": (io.BytesIO(SHOPIFY.read_bytes()), "c.csv")})  # fmt: skip
    assert sent.status_code == 403
    assert client.post("/import/run", data={"csrf_token": token, "upload": "x"}).status_code == 403


def test_admins_find_the_import_page_in_the_navigation(client: FlaskClient) -> None:
    sign_in(client, "admin")
    assert 'href="/import"' in client.get("/profiles").get_data(as_text=True)
    page = client.get("/import").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in page and 'type="file" name="file"' in page


def test_an_upload_without_the_csrf_token_is_refused_and_kept_nowhere(app: Flask, client: FlaskClient) -> None:
    sign_in(client, "admin")
    form = {"source": "shopify", "file": (io.BytesIO(SHOPIFY.read_bytes()), "customers_export.csv")}
    refused = client.post("/import/preview", data=form, content_type="multipart/form-data")
    assert refused.status_code == 400 and "The form had expired" in refused.get_data(as_text=True)
    assert len(app.extensions["cdp_uploads"]) == 0
    assert client.post("/import/run", data={"upload": "anything"}).status_code == 400


def test_the_preview_shows_the_recognised_format_the_first_rows_and_the_mapping(client: FlaskClient) -> None:
    sign_in(client, "admin")
    answer = upload(client, SHOPIFY.read_bytes(), "customers_export.csv")
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert "Recognised: Shopify customers export" in page
    assert chosen(page, "Email") == "email" and chosen(page, "Phone") == "mobile"
    assert chosen(page, "Tags") == "~extra"
    assert page.count('<td class="sample">') == 4 * len(columns_of(page))
    assert "Jürgen" in page and "Änne" in page


def test_a_file_of_no_known_tool_is_mapped_by_its_column_names(client: FlaskClient) -> None:
    sign_in(client, "admin")
    page = upload(client, PEOPLE.encode(), "leute.csv", source="fair").get_data(as_text=True)
    assert "Not recognised: columns mapped by their names" in page
    assert chosen(page, "Vorname") == "first_name" and chosen(page, "Ort") == "city"


def test_the_import_runs_with_the_changed_mapping_and_shows_the_counts(app: Flask, client: FlaskClient) -> None:
    sign_in(client, "admin")
    store: Store = app.extensions["cdp_store"]
    page = upload(client, SHOPIFY.read_bytes(), "customers_export.csv").get_data(as_text=True)
    answer = run(client, page, **{"Default Address Company": "~leave-out", "Tags": "job_title"})
    summary = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert (count(summary, "created"), count(summary, "updated"), count(summary, "unchanged")) == (4, 0, 0)
    jurgen = next(record for record in opened_records(store) if record["source"] == "shopify"
                  and record["fields"].get("email") == "juergen.weiss@example.de")  # fmt: skip
    assert "company" not in jurgen["fields"] and jurgen["fields"]["job_title"] == "Stammkunde, B2B"
    assert profiles.search(store, "juergen.weiss@example.de", "DE")
    again = run(client, page)
    assert again.status_code == 422 and "no longer waiting" in again.get_data(as_text=True)


def test_values_that_cannot_be_read_and_rows_left_out_are_listed_by_line(client: FlaskClient) -> None:
    sign_in(client, "admin")
    page = upload(client, PEOPLE.encode(), "leute.csv", source="fair").get_data(as_text=True)
    summary = run(client, page).get_data(as_text=True)
    assert count(summary, "created") == 1
    assert re.search(r"<th scope=\"row\">Geburtsdatum</th><td>2</td>", summary)
    assert "Line 3:</strong> row: no name and no identifier" in summary


def test_a_strict_import_of_a_file_with_an_unreadable_value_imports_nothing(app: Flask, client: FlaskClient) -> None:
    sign_in(client, "admin")
    store = app.extensions["cdp_store"]
    before = count_rows(store, "source_record")
    page = upload(client, PEOPLE.encode(), "leute.csv", source="fair").get_data(as_text=True)
    form = {"csrf_token": csrf_token(client, "/import"), "upload": token_of(page), "strict": "on"}
    answer = client.post("/import/run", data=form)
    refused = answer.get_data(as_text=True)
    assert answer.status_code == 422 and "Nothing was imported." in refused
    assert "Line 2:</strong> column &#39;Geburtsdatum&#39;: not a real calendar date" in refused
    assert count_rows(store, "source_record") == before
    # The file still waits: without "strict" it is imported from the same page.
    assert count(run(client, refused).get_data(as_text=True), "created") == 1


def test_a_broken_file_shows_its_problems_by_line_and_nothing_is_written(app: Flask, client: FlaskClient) -> None:
    sign_in(client, "admin")
    store = app.extensions["cdp_store"]
    before = count_rows(store, "source_record"), count_rows(store, "import_run")
    answer = upload(client, BROKEN.encode(), "kaputt.csv", source="fair")
    page = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert "Nothing was imported." in page and "Line 3:</strong> has 4 fields, the header has 3" in page
    assert 'name="source" value="fair"' in page
    assert (count_rows(store, "source_record"), count_rows(store, "import_run")) == before
    assert len(app.extensions["cdp_uploads"]) == 0


def test_a_mapping_that_feeds_no_field_is_refused_and_can_be_changed(client: FlaskClient) -> None:
    sign_in(client, "admin")
    page = upload(client, PEOPLE.encode(), "leute.csv", source="fair").get_data(as_text=True)
    nothing = run(client, page, **dict.fromkeys(columns_of(page), "~leave-out"))
    assert nothing.status_code == 422 and "no column maps to a contact field" in nothing.get_data(as_text=True)
    assert chosen(nothing.get_data(as_text=True), "Vorname") == "~leave-out"
    assert count(run(client, nothing.get_data(as_text=True), Vorname="first_name").get_data(as_text=True),
                 "created") == 1  # fmt: skip


def test_a_saved_mapping_is_offered_again_for_the_same_source(app: Flask, client: FlaskClient) -> None:
    sign_in(client, "admin")
    page = upload(client, SHOPIFY.read_bytes(), "customers_export.csv").get_data(as_text=True)
    form = {"csrf_token": csrf_token(client, "/import"), "upload": token_of(page), "save": "on",
            f"column-{columns_of(page).index('Tags')}": "~leave-out"}  # fmt: skip
    assert "The mapping is saved for the source" in client.post("/import/run", data=form).get_data(as_text=True)
    again = upload(client, SHOPIFY.read_bytes(), "customers_export.csv").get_data(as_text=True)
    assert "The mapping saved for this source by admin" in again
    assert chosen(again, "Tags") == "~leave-out" and chosen(again, "Email") == "email"
    elsewhere = upload(client, SHOPIFY.read_bytes(), "customers_export.csv", source="shop2").get_data(as_text=True)
    assert "The mapping saved" not in elsewhere and chosen(elsewhere, "Tags") == "~extra"
    with app.extensions["cdp_store"].read() as connection:
        saved = connection.execute(select(audit_log).where(audit_log.c.action == "import_mapping.saved")).all()
    assert [(entry.actor, json.loads(entry.details)["source"]) for entry in saved] == [("admin", "shopify")]


def test_htmx_gets_the_fragments_and_the_progress_indicator(client: FlaskClient) -> None:
    sign_in(client, "admin")
    page = upload(client, SHOPIFY.read_bytes(), "customers_export.csv", **{"HX-Request": "true"})
    fragment = page.get_data(as_text=True)
    assert "<html" not in fragment and 'class="mapping"' in fragment
    assert 'hx-indicator="#import-progress"' in fragment and "<progress>" in fragment
    form = {"csrf_token": csrf_token(client, "/import"), "upload": token_of(fragment)}
    result = client.post("/import/run", data=form, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" not in result and count(result, "created") == 4


def test_an_upload_waits_only_for_the_session_that_sent_it(app: Flask, client: FlaskClient) -> None:
    sign_in(client, "admin")
    page = upload(client, SHOPIFY.read_bytes(), "customers_export.csv").get_data(as_text=True)
    other = app.test_client()
    sign_in(other, "admin")
    form = {"csrf_token": csrf_token(other, "/import"), "upload": token_of(page)}
    refused = other.post("/import/run", data=form)
    assert refused.status_code == 422 and "no longer waiting" in refused.get_data(as_text=True)
    assert count_rows(app.extensions["cdp_store"], "source_record") == 3


def test_a_committed_import_whose_resolution_failed_says_both(app: Flask, client: FlaskClient) -> None:
    app.extensions["cdp_store"].set_meta(MODEL, "{ not a model")
    sign_in(client, "admin")
    page = upload(client, SHOPIFY.read_bytes(), "customers_export.csv").get_data(as_text=True)
    summary = run(client, page).get_data(as_text=True)
    assert count(summary, "created") == 4 and "run &#39;cdp resolve&#39; to finish it" in summary


@pytest.fixture
def small_app(store: Store, tmp_path: Path) -> Flask:
    """The application with uploads limited to 1 MB."""
    seed(store)
    return create_app({"STORE": store, "LOG_DIR": tmp_path / "logs", "TESTING": True, "MAX_UPLOAD_MB": 1})


def big_file(size: int, marker: str = "Zqxbigmarker") -> bytes:
    """A contact file of about ``size`` bytes; ``marker`` is the first person's surname."""
    rows = [f"K{n};Vorname{n};{marker if n == 0 else 'Nachname'};p{n}@example.org\n" for n in range(size // 40)]
    return ("Kundennummer;Vorname;Nachname;E-Mail\n" + "".join(rows)).encode()


TOO_LARGE = {"en": "The file is larger than the limit of 1 MB.", "de": "Die Datei ist größer als die Grenze von 1 MB."}


@pytest.mark.parametrize(("language", "message"), TOO_LARGE.items())
def test_a_too_large_upload_is_told_the_limit(small_app: Flask, language: str, message: str) -> None:
    client = small_app.test_client()
    sign_in(client, "admin")
    client.post("/language", data={"language": language, "csrf_token": csrf_token(client, "/import")})
    answer = upload(client, big_file(1_500_000), "gross.csv")
    assert answer.status_code == 413
    page = answer.get_data(as_text=True)
    assert message in page and 'type="file" name="file"' in page
    assert count_rows(small_app.extensions["cdp_store"], "source_record") == 3


def test_a_too_large_upload_before_sign_in_gets_the_error_page(small_app: Flask) -> None:
    client = small_app.test_client()
    body, boundary = multipart({"source": "x"}, "x.csv", big_file(1_500_000))
    answer = client.post("/import/preview", data=body, content_type=f"multipart/form-data; boundary={boundary}")
    assert answer.status_code == 413 and "The file is larger than the limit of 1 MB." in answer.get_data(as_text=True)
    assert 'type="file"' not in answer.get_data(as_text=True)


@pytest.fixture
def no_temporary_files(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every temporary file made while the test runs, by name of the call (waitress and Werkzeug spool with these)."""
    made: list[str] = []
    for name in ("TemporaryFile", "NamedTemporaryFile", "mkstemp"):
        original = getattr(tempfile, name)

        def spy(*args, _name=name, _original=original, **kwargs):
            made.append(_name)
            return _original(*args, **kwargs)

        monkeypatch.setattr(tempfile, name, spy)
    yield made


@contextmanager
def waitress_serving(application, threads: int) -> Iterator:
    """``application`` served by waitress (with Kundenbild's body settings) in a thread, for one test.

    Closing the server shuts its listening socket under its select loop, which then ends with EBADF on its
    next turn: that is how the loop stops, not a failure, so the thread ends quietly on it.
    """
    server = waitress.create_server(application, host="127.0.0.1", port=0, threads=threads, **body_settings(50))

    def run() -> None:
        try:
            server.run()
        except OSError as error:
            if error.errno != errno.EBADF:
                raise

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.close()
        thread.join(timeout=10)


def test_an_upload_through_waitress_never_goes_to_a_temporary_file(app: Flask, no_temporary_files: list[str]) -> None:
    with waitress_serving(app, threads=2) as server:
        client = app.test_client()
        sign_in(client, "admin")
        token = csrf_token(client, "/import")
        cookie = client.get_cookie("kundenbild").value
        body, boundary = multipart({"csrf_token": token, "source": "big"}, "big.csv", big_file(3_000_000))
        connection = http.client.HTTPConnection("127.0.0.1", server.effective_port, timeout=60)
        connection.request("POST", "/import/preview", body=body, headers={
            "Content-Type": f"multipart/form-data; boundary={boundary}", "Cookie": f"kundenbild={cookie}"})  # fmt: skip
        answer = connection.getresponse()
        page = answer.read().decode()
        connection.close()
    assert answer.status == 200 and "Zqxbigmarker" in page
    assert no_temporary_files == []


def test_a_large_response_through_waitress_never_goes_to_a_temporary_file(no_temporary_files: list[str]) -> None:
    report = b"Zqxreportmarker " * 200_000  # 3.2 MB, as an access report's zip may be

    def application(environ, start_response):
        start_response("200 OK", [("Content-Type", "application/zip"), ("Content-Length", str(len(report)))])
        return [report]

    with waitress_serving(application, threads=1) as server:
        connection = http.client.HTTPConnection("127.0.0.1", server.effective_port, timeout=60)
        connection.request("GET", "/report.zip")
        received = connection.getresponse().read()
        connection.close()
    assert received == report
    assert no_temporary_files == []


def multipart(fields: dict[str, str], name: str, content: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode()
             for key, value in fields.items()]  # fmt: skip
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
        "Content-Type: text/csv\r\n\r\n".encode()
        + content
        + b"\r\n"
    )
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), boundary


def linkedin_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("messages.csv", (EXPORTS / "linkedin" / "messages.csv").read_bytes())
        archive.writestr("Connections.csv", (EXPORTS / "linkedin" / "Connections.csv").read_bytes())
        archive.writestr("Profile.csv", "First Name,Last Name\nPetra,Inhaber\n")
    return buffer.getvalue()


def test_a_zip_archive_lists_its_files_and_imports_them_contacts_first(app: Flask, client: FlaskClient) -> None:
    sign_in(client, "admin")
    answer = upload(client, linkedin_zip(), "Basic_LinkedInDataExport_12-01-2026.zip", source="linkedin")
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert re.findall(r"<li>([^<]+)</li>", page.split('class="archive-files"')[1].split("</ol>")[0]) == [
        "Connections.csv",
        "messages.csv",
    ]
    assert "1 other file in the archive is not used." in page
    form = {"csrf_token": csrf_token(client, "/import"), "upload": token_of(page)}
    before = count_rows(app.extensions["cdp_store"], "interaction")
    result = client.post("/import/run-archive", data=form).get_data(as_text=True)
    assert "Recognised: LinkedIn connections (Connections.csv)" in result
    assert "Recognised: LinkedIn messages (messages.csv)" in result
    assert re.findall(r'data-count="created">(\d+)<', result) == ["5", "4"]
    assert count_rows(app.extensions["cdp_store"], "interaction") == before + 4
    assert client.post("/import/run", data=form).status_code == 422


def test_a_broken_zip_archive_says_so_and_nothing_waits(app: Flask, client: FlaskClient) -> None:
    sign_in(client, "admin")
    answer = upload(client, b"PK\x03\x04 not really", "export.zip", source="linkedin")
    assert answer.status_code == 422 and "not a readable zip archive" in answer.get_data(as_text=True)
    assert len(app.extensions["cdp_uploads"]) == 0
