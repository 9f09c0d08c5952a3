"""Online backup and restore of the encrypted store, against real SQLCipher files."""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from pathlib import Path

import pytest
import sqlalchemy.exc

from cdp.config import Paths
from cdp.errors import CdpError, StoreError, StoreNotFound, WrongKey
from cdp.ingest.pipeline import import_file
from cdp.store import migrate
from cdp.store.backup import backup, restore
from cdp.store.database import Store, create_store
from cdp.store.engine import SQLITE_MAGIC, encrypted_engine
from cdp.store.keys import MasterKey, read_key_file
from cdp.store.vault import Vault
from tests.helpers import count_rows, opened_records, write_file

CONTACTS = (
    "Kundennummer;Vorname;Nachname;E-Mail;Telefon\n"
    "100234;Jürgen;Weiß-Müller;jw@example.de;030 1234567\n"
    "K-77;Anna;Schmidt;anna@example.org;\n"
)
LATER = "Kundennummer;Vorname;Nachname;E-Mail;Telefon\nK-99;Lena;Vogel;lena@example.net;\n"


@pytest.fixture
def master(store: Store, paths: Paths) -> MasterKey:
    return MasterKey(raw=read_key_file(paths.key_file))


@pytest.fixture
def filled(store: Store, tmp_path: Path) -> Store:
    import_file(store, write_file(tmp_path / "in", "c.csv", CONTACTS), "webshop")
    return store


def engine_on(path: Path, master: MasterKey):
    return encrypted_engine(path, master.sqlcipher_key("store"))


def rows(path: Path, master: MasterKey, sql: str) -> list[tuple]:
    engine = engine_on(path, master)
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.exec_driver_sql(sql)]
    finally:
        engine.dispose()


def query(path: Path, master: MasterKey, sql: str):
    [[value]] = rows(path, master, sql)
    return value


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def vault_keys(paths: Paths, master: MasterKey) -> tuple[set, set]:
    """The vault's data keys and destroyed ones: what a restore must never touch (its audit anchor moves)."""
    vault = Vault.open(paths.vault, master)
    try:
        with vault.engine.connect() as connection:
            keys = set(connection.exec_driver_sql("SELECT key_id, key FROM data_key").all())
        return keys, vault.destroyed_ids()
    finally:
        vault.dispose()


def names(store: Store) -> list[str]:
    return sorted(record["fields"]["first_name"] for record in opened_records(store))


def test_backup_is_encrypted_private_and_opens_only_with_the_store_key(
    filled: Store, master: MasterKey, tmp_path: Path
) -> None:
    target = tmp_path / "backups" / "kb.db"
    target.parent.mkdir()
    written = backup(filled, target)
    assert written == target.stat().st_size > 0
    assert target.read_bytes()[:16] != SQLITE_MAGIC
    assert target.stat().st_mode & 0o777 == 0o600
    with pytest.raises(sqlite3.DatabaseError):
        sqlite3.connect(target).execute("SELECT * FROM sqlite_master").fetchall()
    with pytest.raises(sqlalchemy.exc.DatabaseError, match="not a database"):
        query(target, MasterKey(raw=b"\x02" * 32), "SELECT count(*) FROM sqlite_master")
    assert query(target, master, "SELECT count(*) FROM source_record") == 2
    assert query(target, master, "PRAGMA integrity_check") == "ok"
    assert rows(target, master, "PRAGMA cipher_integrity_check") == []
    assert sorted(path.name for path in target.parent.iterdir()) == ["kb.db"]


def test_backup_holds_no_derived_index_and_no_free_pages(filled: Store, master: MasterKey, tmp_path: Path) -> None:
    assert count_rows(filled, "search_token") > 0
    target = tmp_path / "kb.db"
    backup(filled, target)
    assert query(target, master, "SELECT count(*) FROM search_token") == 0
    assert query(target, master, "SELECT count(*) FROM blocking_key") == 0
    assert query(target, master, "PRAGMA freelist_count") == 0
    assert count_rows(filled, "search_token") > 0


def test_backup_while_another_thread_writes_is_one_consistent_moment(
    store: Store, master: MasterKey, tmp_path: Path
) -> None:
    """The writer adds rows ten at a time; a consistent copy holds whole batches only."""
    stop = threading.Event()
    failures: list[BaseException] = []

    def write() -> None:
        try:
            while not stop.is_set():
                with store.write() as connection:
                    connection.exec_driver_sql(
                        "INSERT INTO sign_in_attempt (at, account, address, succeeded) VALUES (?, ?, ?, ?)",
                        [("t", "a", "127.0.0.1", False)] * 10,
                    )
        except BaseException as error:
            failures.append(error)

    writer = threading.Thread(target=write)
    writer.start()
    try:
        while count_rows(store, "sign_in_attempt") < 50:
            pass
        before = count_rows(store, "sign_in_attempt")
        backup(store, tmp_path / "kb.db")
        after = count_rows(store, "sign_in_attempt")
    finally:
        stop.set()
        writer.join()
    assert not failures
    copied = query(tmp_path / "kb.db", master, "SELECT count(*) FROM sign_in_attempt")
    assert before <= copied <= after
    assert copied % 10 == 0
    assert query(tmp_path / "kb.db", master, "PRAGMA integrity_check") == "ok"


def test_backup_never_overwrites_a_file(filled: Store, tmp_path: Path) -> None:
    target = write_file(tmp_path / "backups", "kb.db", "keep me")
    with pytest.raises(StoreError, match=r"kb\.db already exists"):
        backup(filled, target)
    assert target.read_text() == "keep me"
    assert [path.name for path in target.parent.iterdir()] == ["kb.db"]


def test_backup_into_a_missing_folder_fails_clearly(filled: Store, tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="does not exist"):
        backup(filled, tmp_path / "nowhere" / "kb.db")


def test_restore_brings_back_the_backup_and_keeps_the_vault(
    filled: Store, paths: Paths, master: MasterKey, tmp_path: Path
) -> None:
    backup(filled, tmp_path / "kb.db")
    import_file(filled, write_file(tmp_path / "in", "later.csv", LATER), "webshop")
    assert names(filled) == ["Anna", "Jürgen", "Lena"]
    filled.close()
    keys_before = vault_keys(paths, master)

    restored = restore(paths, master, tmp_path / "kb.db")
    try:
        assert names(restored) == ["Anna", "Jürgen"]
        assert count_rows(restored, "search_token") == 0
    finally:
        restored.close()
    assert vault_keys(paths, master) == keys_before
    assert paths.store.stat().st_mode & 0o777 == 0o600
    assert not list(paths.data_dir.glob(".*partial*"))


def test_restore_migrates_a_backup_at_an_older_schema(
    filled: Store, paths: Paths, master: MasterKey, tmp_path: Path
) -> None:
    backup(filled, tmp_path / "kb.db")
    filled.close()
    engine = engine_on(tmp_path / "kb.db", master)
    migrate.downgrade(engine, "-1")
    engine.dispose()
    restored = restore(paths, master, tmp_path / "kb.db")
    try:
        assert migrate.current(restored.engine) == migrate.head()
        assert names(restored) == ["Anna", "Jürgen"]
    finally:
        restored.close()


@pytest.mark.parametrize(
    ("content", "error"),
    [(None, StoreNotFound), (b"\x00garbage" * 1000, WrongKey), ("wrong key", WrongKey), ("other store", StoreError)],
)
def test_restore_refuses_what_is_not_a_backup_of_this_store(
    filled: Store, paths: Paths, master: MasterKey, tmp_path: Path, content, error: type[CdpError]
) -> None:
    source = tmp_path / "kb.db"
    if isinstance(content, bytes):
        write_file(tmp_path, "kb.db", content)
    elif content == "wrong key":
        other = create_store(Paths(tmp_path / "other"), MasterKey(raw=b"\x03" * 32))
        backup(other, source)
        other.close()
    elif content == "other store":
        other = create_store(Paths(tmp_path / "other"), master)
        backup(other, source)
        other.close()
    filled.close()
    store_before = digest(paths.store)

    with pytest.raises(error) as raised:
        restore(paths, master, source)
    assert "\n" not in str(raised.value)
    assert digest(paths.store) == store_before
    assert not list(paths.data_dir.glob(".*partial*"))


@pytest.mark.parametrize("damage", ["removed", "overwritten"])
def test_restore_replaces_a_lost_or_broken_store(
    filled: Store, paths: Paths, master: MasterKey, tmp_path: Path, damage: str
) -> None:
    backup(filled, tmp_path / "kb.db")
    filled.close()
    for part in paths.data_dir.glob(paths.store.name + "*"):
        part.unlink()
    if damage == "overwritten":
        paths.store.write_bytes(b"\x00broken" * 1000)
    restored = restore(paths, master, tmp_path / "kb.db")
    try:
        assert names(restored) == ["Anna", "Jürgen"]
    finally:
        restored.close()


def test_passphrase_store_backs_up_and_restores(tmp_path: Path) -> None:
    paths = Paths(tmp_path / "data")
    master = MasterKey(passphrase='Pass "phrase" \' with quotes')
    store = create_store(paths, master)
    import_file(store, write_file(tmp_path / "in", "c.csv", CONTACTS), "webshop")
    backup(store, tmp_path / "kb.db")
    store.close()
    restored = restore(paths, master, tmp_path / "kb.db")
    try:
        assert names(restored) == ["Anna", "Jürgen"]
    finally:
        restored.close()
