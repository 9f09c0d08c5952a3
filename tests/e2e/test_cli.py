"""The ``cdp`` command as a user runs it: real processes, real files."""

from __future__ import annotations

from pathlib import Path

import pytest

from cdp.config import Paths
from cdp.profiles import unified as profiles
from cdp.store.database import open_store
from cdp.store.keys import load_master_key
from tests.helpers import count_rows, run_cdp, write_file

CONTACTS = "Vorname;Nachname;E-Mail\nJürgen;Müller;j.mueller@example.de\nEva;Schmidt;eva@example.org\n"


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    result = run_cdp(folder, "init")
    assert result.returncode == 0, result.stderr
    return folder


def assert_one_clean_error(result, expected: str, code: int) -> None:
    assert result.returncode == code
    assert result.stderr.strip().startswith("Error: ")
    assert expected in result.stderr
    for noise in ("Traceback", "sqlcipher", "ERROR CORE", "sqlalchemy"):
        assert noise not in result.stderr


def test_init_creates_a_private_key_file_and_an_encrypted_store(data_dir: Path) -> None:
    key_file = data_dir / "kundenbild.key"
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert (data_dir / "kundenbild.db").stat().st_mode & 0o777 == 0o600
    assert not (data_dir / "kundenbild.db").read_bytes().startswith(b"SQLite format 3")


def test_init_never_prints_or_overwrites_the_key(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    first = run_cdp(folder, "init")
    key = (folder / "kundenbild.key").read_text().strip()
    assert key not in first.stdout + first.stderr
    again = run_cdp(folder, "init")
    assert_one_clean_error(again, "already exists", 3)
    assert (folder / "kundenbild.key").read_text().strip() == key


def test_import_reports_what_it_did_and_reimport_changes_nothing(data_dir: Path, tmp_path: Path) -> None:
    path = write_file(tmp_path, "kunden.csv", CONTACTS)
    first = run_cdp(data_dir, "import", str(path), "--source", "webshop")
    second = run_cdp(data_dir, "import", str(path), "--source", "webshop")
    assert first.returncode == 0, first.stderr
    assert "2 new, 0 updated, 0 unchanged" in first.stdout
    assert "0 new, 0 updated, 2 unchanged" in second.stdout


def test_wrong_key_gives_one_line_naming_the_file(data_dir: Path) -> None:
    result = run_cdp(data_dir, "migrate", env={"CDP_KEY": "not the key"})
    assert_one_clean_error(result, f"The key does not open {data_dir / 'kundenbild.db'}", 3)
    assert len(result.stderr.strip().splitlines()) == 1


def test_missing_key_says_how_to_provide_one(data_dir: Path, tmp_path: Path) -> None:
    (data_dir / "kundenbild.key").unlink()
    result = run_cdp(data_dir, "import", str(write_file(tmp_path, "c.csv", CONTACTS)), "--source", "shop")
    assert_one_clean_error(result, "No key: set CDP_KEY", 3)


def test_a_file_that_is_no_store_is_named(data_dir: Path) -> None:
    (data_dir / "kundenbild.db").write_bytes(b"\x00garbage" * 1000)
    for name in ("kundenbild.db-wal", "kundenbild.db-shm"):
        (data_dir / name).unlink(missing_ok=True)
    result = run_cdp(data_dir, "migrate")
    assert_one_clean_error(result, "not a Kundenbild store", 3)


def test_missing_store_tells_to_run_init(tmp_path: Path) -> None:
    result = run_cdp(tmp_path / "empty", "migrate", env={"CDP_KEY": "k"})
    assert_one_clean_error(result, "cdp init", 3)


def test_strict_import_exits_non_zero_with_line_numbers(data_dir: Path, tmp_path: Path) -> None:
    path = write_file(tmp_path, "c.csv", CONTACTS + "Max;Muster;not-an-address\n")
    result = run_cdp(data_dir, "import", str(path), "--source", "webshop", "--strict")
    assert_one_clean_error(result, "line 4: column 'E-Mail': not a valid email address", 4)
    assert "Nothing was imported." in result.stderr
    assert "not-an-address" not in result.stderr


def test_bad_map_option_is_explained(data_dir: Path, tmp_path: Path) -> None:
    path = write_file(tmp_path, "c.csv", CONTACTS)
    result = run_cdp(data_dir, "import", str(path), "--source", "webshop", "--map", "Vorname")
    assert_one_clean_error(result, "--map takes COLUMN=FIELD", 2)


def test_missing_file_is_named(data_dir: Path, tmp_path: Path) -> None:
    result = run_cdp(data_dir, "import", str(tmp_path / "nope.csv"), "--source", "webshop")
    assert_one_clean_error(result, "nope.csv: no such file", 4)


def test_migrate_on_a_current_store_changes_nothing(data_dir: Path) -> None:
    result = run_cdp(data_dir, "migrate")
    assert result.returncode == 0 and "already at" in result.stdout


@pytest.mark.parametrize(
    "command",
    [[], ["init"], ["migrate"], ["import"], ["demo"], ["serve"], ["user"], ["token"], ["resolve"], ["export"]],
)
def test_every_command_has_help(tmp_path: Path, command: list[str]) -> None:
    result = run_cdp(tmp_path / "data", *command, "--help")
    assert result.returncode == 0 and "Usage:" in result.stdout


def test_user_add_reads_the_password_from_stdin_and_never_from_argv(data_dir: Path) -> None:
    added = run_cdp(data_dir, "user", "add", "erika", "--role", "dpo", stdin="a long passphrase here\n")
    assert added.returncode == 0, added.stderr
    listed = run_cdp(data_dir, "user", "list")
    assert "erika\tdpo\tactive" in listed.stdout
    short = run_cdp(data_dir, "user", "add", "otto", "--role", "sales", stdin="short\n")
    assert_one_clean_error(short, "at least 12 characters", 1)
    for weak in ("passwordpassword", "123456789012", "ottootto2024", "kundenbild2026"):
        refused = run_cdp(data_dir, "user", "add", "otto", "--role", "sales", stdin=f"{weak}\n")
        assert_one_clean_error(refused, "This password is too easy to guess", 1)
    assert "otto" not in run_cdp(data_dir, "user", "list").stdout
    disabled = run_cdp(data_dir, "user", "disable", "erika")
    assert disabled.returncode == 0 and "erika\tdpo\tdisabled" in run_cdp(data_dir, "user", "list").stdout
    assert "--password" not in run_cdp(data_dir, "user", "add", "--help").stdout


def test_token_is_printed_once_and_stored_only_as_a_hash(data_dir: Path) -> None:
    created = run_cdp(data_dir, "token", "create", "--role", "sales", "--name", "webshop")
    token = created.stdout.strip()
    assert created.returncode == 0 and token.startswith("kb_")
    for path in data_dir.rglob("*"):
        if path.is_file():
            assert token.encode() not in path.read_bytes()


def test_tokens_can_be_listed_and_revoked(data_dir: Path) -> None:
    token = run_cdp(data_dir, "token", "create", "--role", "sales", "--name", "webshop").stdout.strip()
    listed = run_cdp(data_dir, "token", "list").stdout
    assert listed.startswith("1\twebshop\tsales\t") and "active" in listed and token not in listed
    assert run_cdp(data_dir, "token", "revoke", "1").returncode == 0
    assert "revoked" in run_cdp(data_dir, "token", "list").stdout
    assert_one_clean_error(run_cdp(data_dir, "token", "revoke", "9"), "There is no token 9.", 5)


def test_bad_thread_count_is_a_clear_error(data_dir: Path) -> None:
    result = run_cdp(data_dir, "serve", env={"CDP_THREADS": "many"})
    assert_one_clean_error(result, "CDP_THREADS must be a whole number from 1 to 60.", 2)


def test_imports_resolve_identities_and_links_can_be_exported(data_dir: Path, tmp_path: Path) -> None:
    shop = write_file(tmp_path, "shop.csv", "ID;Vorname;Nachname;E-Mail\nS1;Max;Müller;max@example.de\n")
    letter = write_file(tmp_path, "nl.csv", "ID;Vorname;Nachname;E-Mail\nN1;Maximilian;Mueller;MAX@example.de\n")
    assert run_cdp(data_dir, "import", str(shop), "--source", "shop").returncode == 0
    assert run_cdp(data_dir, "import", str(letter), "--source", "newsletter").returncode == 0
    target = tmp_path / "links.csv"
    exported = run_cdp(data_dir, "export", "links", str(target))
    assert exported.returncode == 0, exported.stderr
    lines = target.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "source,source_record_id,profile_id"
    profiles = {line.split(",")[0]: line.split(",")[2] for line in lines[1:]}
    assert profiles["newsletter"] == profiles["shop"]
    resolved = run_cdp(data_dir, "resolve")
    assert resolved.returncode == 0 and "Resolved 2 records into 1 profiles (0 records moved" in resolved.stdout


def test_migrate_rebuilds_an_outdated_search_index_and_links_earlier_purchases(data_dir: Path, tmp_path: Path) -> None:
    contacts = write_file(tmp_path, "k.csv", "ID;Vorname;Nachname;PLZ;Ort\nK1;Lea;Lang;10115;Berlin\n")
    orders = write_file(tmp_path, "o.csv", "contact_id,interaction_id,occurred_at,amount,product\n"
                                           'K1,O1,2026-03-01,9.50,"Tee; Tasse"\n')
    assert run_cdp(data_dir, "import", str(contacts), "--source", "laden").returncode == 0
    assert run_cdp(data_dir, "import", str(orders), "--source", "laden", "--kind", "purchases").returncode == 0
    store = open_store(Paths(data_dir), load_master_key(Paths(data_dir)))
    try:  # as an earlier version left it: no city terms, no product links
        store.set_meta("search_index", "1")
        with store.write() as tx:
            tx.exec_driver_sql("DELETE FROM store_meta WHERE name = 'products_linked'")
        with store.write() as tx:
            tx.exec_driver_sql("DELETE FROM search_token")
            tx.exec_driver_sql("DELETE FROM purchase_product")
    finally:
        store.close()

    result = run_cdp(data_dir, "migrate")

    assert result.returncode == 0, result.stderr
    assert "Search index rebuilt for this version" in result.stdout
    assert "Linked 1 earlier purchase(s) to their products (2 link(s))." in result.stdout
    store = open_store(Paths(data_dir), load_master_key(Paths(data_dir)))
    try:
        assert [found.display_name for found in profiles.search(store, "berlin", "DE")] == ["Lea Lang"]
        assert count_rows(store, "co_purchase") == 2
    finally:
        store.close()
    again = run_cdp(data_dir, "migrate")
    assert "Search index rebuilt" not in again.stdout and "Linked" not in again.stdout
