"""Every error Kundenbild reports reaches its reader in one of four shapes, in English and in German.

For each concrete ``CdpError`` class (found by walking the hierarchy, the
areas' and the staff's included) one representative error is raised through
a page, an htmx fragment, the API's JSON and the ``cdp`` command group, once
with English and once with German asked for. The German text must differ from
the English and be what the catalogue says, filled in; no shape may show a
traceback. A class added without an example here fails
``test_every_error_class_has_an_example``.
"""

from __future__ import annotations

import dataclasses
import importlib
import os
import pkgutil
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import click
import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from click.testing import CliRunner, Result
from flask.testing import FlaskClient
from markupsafe import escape

import cdp
import consent
import identity
import web
from cdp import config, normalise
from cdp.cli import CdpGroup
from cdp.config import Paths
from cdp.errors import (
    N_,
    AuditBroken,
    CdpError,
    ConfigError,
    FollowUpFailed,
    FormatError,
    ImportRejected,
    InvalidValue,
    KeyMissing,
    Message,
    NotAStore,
    NotFound,
    NotOffered,
    SchemaOutdated,
    StoreBusy,
    StoreError,
    StoreInUse,
    StoreNotFound,
    WrongKey,
)
from cdp.ingest.files import read_table
from cdp.staff import accounts
from cdp.staff.tokens import create_token
from cdp.store.database import BUSY, create_store
from cdp.store.engine import probe
from cdp.store.keys import create_key_file
from cdp.store.personal import SealBroken
from consent.errors import RequestNotReady
from identity.corrections import CorrectionRefused, KeepApartMoves
from kundenbild import bootstrap
from marketing.campaigns import NotFrozen
from marketing.segments import InvalidDefinition
from tests.helpers import run_cdp
from web.access import public

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "kundenbild/translations/de/LC_MESSAGES/messages.po"
# The template ImportRejected puts its lines together with: structure, nothing to translate.
JOINED_LINES = re.compile(r"\{line\d+\}(\n\{line\d+\})*")
DATA = Path("/srv/kundenbild/data")


def _raised(action: Callable[[], object]) -> CdpError:
    """The error a real code path raises."""
    try:
        action()
    except CdpError as error:
        return error
    raise AssertionError("expected a CdpError")


# One representative error per class: from the code that raises it where that is cheap, else as it is raised.
EXAMPLES: dict[type[CdpError], Callable[[], CdpError]] = {
    ConfigError: lambda: _raised(lambda: config.whole_number("CDP_PORT", 1, 65535, {"CDP_PORT": "viele"})),
    StoreError: lambda: StoreError(N_("{path} already exists; a backup never overwrites a file."), path=DATA / "a.db"),
    StoreNotFound: lambda: _raised(lambda: probe(None, DATA / "kundenbild.db", N_("store"))),  # type: ignore[arg-type]
    WrongKey: lambda: WrongKey(
        N_("The key does not open {path}: wrong key, or the file is not a Kundenbild {what}."),
        path=DATA / "keyvault.db",
        what=Message(N_("key vault")),
    ),
    NotAStore: lambda: NotAStore(
        N_("{path} is an unencrypted SQLite file, not a Kundenbild {what}."),
        path=DATA / "kundenbild.db",
        what=Message(N_("store backup")),
    ),
    StoreInUse: lambda: StoreInUse(
        N_("The store {store} is being restored; try again when the restore has finished."),
        store=DATA / "kundenbild.db",
    ),
    StoreBusy: lambda: StoreBusy(BUSY),
    KeyMissing: lambda: KeyMissing(
        N_("No key: set CDP_KEY or put a key file at {key_file} (cdp init creates one)."),
        key_file=DATA / "kundenbild.key",
    ),
    SchemaOutdated: lambda: SchemaOutdated(
        N_("The store {store} is at schema {revision}; run 'cdp migrate' to upgrade it."),
        store=DATA / "kundenbild.db",
        revision="0007",
    ),
    ImportRejected: lambda: ImportRejected(
        "kunden.csv",
        [
            (3, _raised(lambda: normalise.email("kein Wert")).message),
            (None, Message(N_("the file holds no records"))),
        ],
    ),
    FollowUpFailed: lambda: FollowUpFailed(None),
    FormatError: lambda: _raised(lambda: read_table(Path("kunden.csv"), b"Vorname;Nachname\nAnna;Schmidt;zu viel\n")),
    InvalidValue: lambda: _raised(lambda: normalise.email("kein Wert")),
    NotFound: lambda: NotFound(N_("There is no profile {profile_id}."), profile_id=7),
    NotOffered: lambda: NotOffered(
        N_("This pair is not waiting for a decision on the review queue; nothing was changed.")
    ),
    AuditBroken: lambda: AuditBroken(
        N_("The audit log is broken at entry {entry}: it was changed after it was written."), entry=41
    ),
    SealBroken: lambda: SealBroken(
        N_("The value in {table}.{column} #{row} has an unknown format."),
        table="source_record",
        column="payload",
        row=8,
    ),
    accounts.AccountError: lambda: _raised(lambda: accounts.check_password_rules("kurz", "anna")),
    accounts.SignInFailed: lambda: accounts.SignInFailed(N_("The user name or the password is wrong.")),
    accounts.SignInLimited: lambda: accounts.SignInLimited(
        N_("Too many failed sign-ins. Please wait a few minutes and try again.")
    ),
    RequestNotReady: lambda: RequestNotReady(
        N_("Request {request_id}: the requester's identity has not been verified yet."), request_id=12
    ),
    CorrectionRefused: lambda: CorrectionRefused(
        N_("Record {record} is the only record of profile {profile_id}; there is nothing to split it from."),
        record=31, profile_id=7,
    ),
    KeepApartMoves: lambda: KeepApartMoves(31, 32, 7, 32, 3),
    InvalidDefinition: lambda: InvalidDefinition("conditions[2].value", N_("expected a number")),
    NotFrozen: lambda: NotFrozen("snapshot", N_("freeze the snapshot before a campaign works on it")),
}

# A few German texts written out, so that the catalogue's reading below is itself checked.
GERMAN = {
    NotFound: "Es gibt kein Profil 7.",
    InvalidValue: "email: keine gültige E-Mail-Adresse",
    FormatError: "Zeile 2: hat 3 Felder, die Kopfzeile hat 2",
    ImportRejected: (
        "kunden.csv, Zeile 3: email: keine gültige E-Mail-Adresse\n"
        "kunden.csv: die Datei enthält keine Datensätze\n"
        "Es wurde nichts importiert."
    ),
}


def _import_every_module() -> None:
    """Import the core, the areas and the web, so that every error class they define exists."""
    for package in (cdp, consent, identity, web):
        for module in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            importlib.import_module(module.name)


def _error_classes() -> list[type[CdpError]]:
    _import_every_module()
    found: set[type[CdpError]] = set()
    waiting = [CdpError]
    while waiting:
        for subclass in waiting.pop().__subclasses__():
            if subclass not in found and not subclass.__module__.startswith("tests."):
                found.add(subclass)
                waiting.append(subclass)
    return sorted(found, key=_name)


def _name(kind: type) -> str:
    return f"{kind.__module__}.{kind.__qualname__}"


CLASSES = _error_classes()
BY_NAME = {_name(kind): kind for kind in CLASSES}


def _example(kind: type[CdpError]) -> CdpError:
    error = EXAMPLES[kind]()
    assert type(error) is kind
    return error


@pytest.fixture(scope="module")
def catalogue() -> dict[str, str]:
    """The German catalogue as the translator wrote it: msgid → msgstr."""
    with CATALOGUE.open("rb") as handle:
        return {message.id: message.string for message in read_po(handle) if message.id and not message.fuzzy}


@pytest.fixture(scope="module")
def compiled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The catalogue compiled afresh, so that this test reads the .po as it is now, not a stale build."""
    folder = tmp_path_factory.mktemp("translations")
    target = folder / "de" / "LC_MESSAGES" / "messages.mo"
    target.parent.mkdir(parents=True)
    with CATALOGUE.open("rb") as source, target.open("wb") as handle:
        write_mo(handle, read_po(source))
    return folder


def in_german(text: object, catalogue: dict[str, str]) -> str:
    """``text`` translated by reading the catalogue directly: every template must have its German."""
    if not isinstance(text, Message):
        return str(text)
    if JOINED_LINES.fullmatch(text.template):
        template = text.template
    else:
        template = catalogue.get(text.template, "")
        assert template, f"no German for {text.template!r}"
    return template.format(**{name: in_german(value, catalogue) for name, value in text.params.items()})


def texts(kind: type[CdpError], language: str, catalogue: dict[str, str]) -> str:
    error = _example(kind)
    if language == "en":
        return str(error)
    german = in_german(error.message, catalogue)
    assert german != str(error), "the German reads like the English"
    assert german == GERMAN.get(kind, german)
    return german


def test_every_error_class_has_an_example() -> None:
    assert sorted(map(_name, EXAMPLES)) == sorted(BY_NAME), "give each new error class an entry in EXAMPLES"
    assert {accounts.AccountError, RequestNotReady, SealBroken, NotOffered} <= set(CLASSES)


# The web: a page, an htmx fragment and the API's JSON.


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory, compiled: Path) -> Iterator[FlaskClient]:
    folder = tmp_path_factory.mktemp("shapes")
    paths = Paths(folder / "data")
    store = create_store(paths, create_key_file(paths.key_file))
    app = bootstrap.app(
        {"STORE": store, "LOG_DIR": folder / "logs", "TESTING": True, "BABEL_TRANSLATION_DIRECTORIES": str(compiled)}
    )

    @public
    def fail(name: str):
        raise _example(BY_NAME[name])

    app.add_url_rule("/test-errors/<name>", "test_error_page", fail)
    app.add_url_rule("/api/test-errors/<name>", "test_error_api", fail)
    yield app.test_client()
    store.close()


def test_the_web_reads_the_catalogue_the_wiring_names(store, tmp_path: Path) -> None:
    app = bootstrap.app({"STORE": store, "LOG_DIR": tmp_path / "logs"})
    assert app.config["BABEL_TRANSLATION_DIRECTORIES"] == str(bootstrap.TRANSLATIONS)
    assert bootstrap.wiring().translations == bootstrap.TRANSLATIONS == CATALOGUE.parents[2]


@pytest.mark.parametrize("language", ["en", "de"])
@pytest.mark.parametrize("kind", CLASSES, ids=_name)
def test_page_fragment_and_json(client: FlaskClient, kind: type[CdpError], language: str, catalogue) -> None:
    expected = texts(kind, language, catalogue)
    asked = {"Accept-Language": language}
    page = client.get(f"/test-errors/{_name(kind)}", headers=asked)
    body = page.get_data(as_text=True)
    assert page.status_code == kind.http_status
    assert body.lstrip().lower().startswith("<!doctype html>") and f'<html lang="{language}">' in body
    assert f"<p>{escape(expected)}</p>" in body

    fragment = client.get(f"/test-errors/{_name(kind)}", headers={**asked, "HX-Request": "true"})
    part = fragment.get_data(as_text=True)
    assert fragment.status_code == kind.http_status
    assert part.lstrip().startswith('<div class="problem" role="alert">') and "<html" not in part
    assert f"<p>{escape(expected)}</p>" in part

    answer = client.get(f"/api/test-errors/{_name(kind)}", headers=asked)
    assert answer.status_code == kind.http_status and answer.is_json
    assert answer.json == {"error": {"status": kind.http_status, "message": expected}}
    for shown in (body, part, answer.get_data(as_text=True)):
        assert "Traceback" not in shown and 'File "' not in shown


@pytest.mark.parametrize(
    ("language", "message", "problem"),
    [
        ("en", "Nothing was imported.", "column 'email': not a valid email address"),
        ("de", "Es wurde nichts importiert.", "Spalte 'email': keine gültige E-Mail-Adresse"),
    ],
)
def test_the_import_endpoint_lists_each_problem_translated(
    client: FlaskClient, language: str, message: str, problem: str
) -> None:
    token = create_token(client.application.extensions["cdp_store"], f"shop-{language}", "sales", actor="test")
    headers = {"Authorization": f"Bearer {token}", "Accept-Language": language}
    records = {"records": [{"id": "K1", "email": "ok@example.de"}, {"id": "K2", "email": "kaputt"}]}
    refused = client.post("/api/v1/contacts?source=webshop", json=records, headers=headers)
    assert refused.status_code == 422
    assert refused.json["error"] == {"status": 422, "message": message, "problems": [{"record": 2, "problem": problem}]}


# The command line: "Error: …" on stderr, the class's exit code, nothing else.


@pytest.fixture(scope="module")
def group() -> click.Group:
    @click.group(cls=CdpGroup)
    def shapes() -> None:
        """A command group as ``cdp``'s, for raising each error through it."""

    @shapes.command()
    @click.argument("name")
    def fail(name: str) -> None:
        raise _example(BY_NAME[name])

    @shapes.command()
    def crash() -> None:
        raise RuntimeError("a bug, with a detail that must not be shown")

    return shapes


def invoke(group: click.Group, compiled: Path, args: list[str], env: dict[str, str]) -> Result:
    wired = dataclasses.replace(bootstrap.wiring(), translations=compiled)
    umask = os.umask(0o022)  # CdpGroup sets the process's umask; the test process keeps its own
    try:
        return CliRunner().invoke(group, args, obj=wired, env={"CDP_DATA_DIR": str(compiled / "data"), **env})
    finally:
        os.umask(umask)


@pytest.mark.parametrize("language", ["en", "de"])
@pytest.mark.parametrize("kind", CLASSES, ids=_name)
def test_command_line(group: click.Group, compiled: Path, kind: type[CdpError], language: str, catalogue) -> None:
    result = invoke(group, compiled, ["fail", _name(kind)], {"CDP_LANGUAGE": language})
    prefix = "Error: " if language == "en" else "Fehler: "
    assert result.exit_code == kind.exit_code
    assert result.stderr == prefix + texts(kind, language, catalogue) + "\n"
    assert result.stdout == "" and "Traceback" not in result.output


@pytest.mark.parametrize(
    ("env", "german"),
    [
        ({"CDP_LANGUAGE": "", "LANGUAGE": "", "LC_ALL": "", "LC_MESSAGES": "", "LANG": "de_DE.UTF-8"}, True),
        ({"CDP_LANGUAGE": "", "LANGUAGE": "fr:de", "LC_ALL": "", "LC_MESSAGES": "", "LANG": "C.UTF-8"}, True),
        ({"CDP_LANGUAGE": "en", "LANGUAGE": "", "LC_ALL": "de_DE.UTF-8", "LC_MESSAGES": "", "LANG": ""}, False),
        ({"CDP_LANGUAGE": "", "LANGUAGE": "", "LC_ALL": "", "LC_MESSAGES": "", "LANG": "C.UTF-8"}, False),
        ({"CDP_LANGUAGE": "", "LANGUAGE": "", "LC_ALL": "", "LC_MESSAGES": "", "LANG": ""}, False),
    ],
)
def test_the_environment_chooses_the_language(group: click.Group, compiled: Path, env: dict, german: bool) -> None:
    result = invoke(group, compiled, ["fail", _name(NotFound)], env)
    expected = "Fehler: Es gibt kein Profil 7.\n" if german else "Error: There is no profile 7.\n"
    assert result.stderr == expected


def test_an_unexpected_problem_is_one_translated_line(group: click.Group, compiled: Path) -> None:
    english = invoke(group, compiled, ["crash"], {"CDP_LANGUAGE": "en"})
    german = invoke(group, compiled, ["crash"], {"CDP_LANGUAGE": "de"})
    assert english.exit_code == german.exit_code == 70
    assert english.stderr == "Error: Kundenbild met an unexpected problem; a record was written to its log.\n"
    assert german.stderr.startswith("Fehler: Kundenbild ist auf ein unerwartetes Problem gestoßen")
    for result in (english, german):
        assert "Traceback" not in result.output and "detail" not in result.output


def test_without_a_catalogue_the_command_line_speaks_english(group: click.Group, tmp_path: Path) -> None:
    result = invoke(group, tmp_path / "nowhere", ["fail", _name(NotFound)], {"CDP_LANGUAGE": "de"})
    assert result.exit_code == NotFound.exit_code and result.stderr == "Error: There is no profile 7.\n"


# The real ``cdp``, with its own wiring and catalogue (compiled by ``make install``).


def test_real_commands_speak_the_language_asked_for(tmp_path: Path) -> None:
    data = tmp_path / "data"
    missing = run_cdp(data, "migrate", env={"CDP_LANGUAGE": "de"})
    assert missing.returncode == StoreNotFound.exit_code, missing.stderr
    assert missing.stderr == (
        f"Fehler: Unter {data / 'kundenbild.db'} gibt es keinen Datenspeicher. Führen Sie zuerst 'cdp init' aus.\n"
    )
    assert run_cdp(data, "init").returncode == 0
    absent = tmp_path / "fehlt.csv"
    for language, expected in (
        ("de", f"Fehler: {absent}: Datei nicht vorhanden\nEs wurde nichts importiert.\n"),
        ("en", f"Error: {absent}: no such file\nNothing was imported.\n"),
    ):
        refused = run_cdp(data, "import", str(absent), "--source", "webshop", env={"CDP_LANGUAGE": language})
        assert refused.returncode == ImportRejected.exit_code and refused.stderr == expected
        assert "Traceback" not in refused.stderr
