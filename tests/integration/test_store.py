"""The encrypted store: keys, pragmas, units of work, migrations, sealing."""

from __future__ import annotations

import sqlite3

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import insert, text

from cdp.config import Paths
from cdp.errors import NotAStore, SchemaOutdated, WrongKey
from cdp.store import migrate
from cdp.store.database import Store, create_store, open_store
from cdp.store.engine import SQLITE_MAGIC, encrypted_engine
from cdp.store.keys import MasterKey, create_key_file, load_master_key
from cdp.store.personal import Place, SealBroken
from cdp.store.schema import metadata, profile


def test_store_and_vault_files_are_not_plain_sqlite(store: Store, paths: Paths) -> None:
    for path in (paths.store, paths.vault):
        assert path.read_bytes()[:16] != SQLITE_MAGIC
        with pytest.raises(sqlite3.DatabaseError):
            sqlite3.connect(path).execute("SELECT * FROM sqlite_master").fetchall()


def test_key_file_is_private(store: Store, paths: Paths) -> None:
    assert paths.key_file.stat().st_mode & 0o777 == 0o600


def test_wrong_key_is_refused_with_our_error(store: Store, paths: Paths) -> None:
    store.close()
    with pytest.raises(WrongKey, match="does not open"):
        open_store(paths, MasterKey(raw=b"\x01" * 32))


def test_passphrase_store_opens_only_with_that_passphrase(paths: Paths) -> None:
    create_store(paths, MasterKey(passphrase='Pass "phrase" \' with quotes')).close()
    open_store(paths, MasterKey(passphrase='Pass "phrase" \' with quotes')).close()
    with pytest.raises(WrongKey):
        open_store(paths, MasterKey(passphrase="another"))


def test_plain_sqlite_file_is_not_a_store(paths: Paths) -> None:
    paths.data_dir.mkdir(parents=True)
    sqlite3.connect(paths.store).execute("CREATE TABLE t (x)").connection.commit()
    with pytest.raises(NotAStore, match="unencrypted SQLite"):
        open_store(paths, create_key_file(paths.key_file))


def test_every_connection_has_the_pragmas_the_store_relies_on(store: Store) -> None:
    with store.read() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 2
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA secure_delete").scalar() == 1
        settings = {row[0] for row in connection.exec_driver_sql("PRAGMA cipher_settings")}
        options = {row[0] for row in connection.exec_driver_sql("PRAGMA compile_options")}
    assert "PRAGMA cipher_hmac_algorithm = HMAC_SHA512;" in settings
    assert "PRAGMA kdf_iter = 256000;" in settings
    assert options & {"TEMP_STORE=2", "TEMP_STORE=3"}


def test_unit_of_work_rolls_back_unless_it_finishes(store: Store) -> None:
    with pytest.raises(RuntimeError), store.write() as connection:
        connection.execute(insert(profile).values(id=1, created_at="t", updated_at="t"))
        raise RuntimeError("stop")
    with store.read() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM profile").scalar() == 0


def test_sealed_value_opens_only_in_its_own_place(store: Store) -> None:
    [key_id] = store.personal.new_keys(1)
    blob = store.personal.seal(key_id, Place("source_record", "payload", 1), {"name": "Zoë"})
    assert store.personal.open(key_id, Place("source_record", "payload", 1), blob) == {"name": "Zoë"}
    with pytest.raises(SealBroken, match="moved from another row"):
        store.personal.open(key_id, Place("source_record", "payload", 2), blob)


def test_destroyed_key_leaves_value_unreadable_even_in_a_fresh_process(store: Store, paths: Paths) -> None:
    [key_id] = store.personal.new_keys(1)
    blob = store.personal.seal(key_id, Place("interaction", "payload", 7), "secret")
    assert store.personal.erase_keys([key_id]) == 1
    store.close()
    reopened = open_store(paths, load_master_key(paths))
    assert reopened.personal.open(key_id, Place("interaction", "payload", 7), blob) is None
    reopened.close()


def test_migrations_go_up_to_head_and_back_down_to_empty(tmp_path) -> None:
    engine = encrypted_engine(tmp_path / "m.db", "x'" + "ab" * 32 + "'")
    migrate.upgrade(engine)
    assert migrate.current(engine) == migrate.head()
    migrate.downgrade(engine, "base")
    assert migrate.current(engine) is None
    with engine.connect() as connection:
        tables = {row[0] for row in connection.exec_driver_sql("SELECT name FROM sqlite_master WHERE type='table'")}
    assert tables <= {"alembic_version"}
    engine.dispose()


def test_migrations_and_schema_module_agree(store: Store) -> None:
    with store.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), metadata)
    assert differences == []


def test_store_behind_the_code_asks_for_migrate(store: Store, paths: Paths) -> None:
    with store.write() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0000'"))
    store.close()
    with pytest.raises(SchemaOutdated, match="cdp migrate"):
        open_store(paths, load_master_key(paths))


def test_a_version_2_vault_is_upgraded_to_note_pending_keys(store: Store, paths: Paths) -> None:
    vault = store.personal.vault
    with vault.engine.connect() as connection, connection.begin():
        connection.exec_driver_sql("DROP TABLE pending_key")
        connection.exec_driver_sql("PRAGMA user_version = 2")
    store.close()
    reopened = open_store(paths, load_master_key(paths))
    try:
        with reopened.write() as connection:
            reopened.new_keys(connection, 3)
        with reopened.personal.vault.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA user_version").scalar_one() == 3
            assert connection.exec_driver_sql("SELECT count(*) FROM data_key").scalar_one() == 3
            assert connection.exec_driver_sql("SELECT count(*) FROM pending_key").scalar_one() == 0
    finally:
        reopened.close()


def test_keys_made_for_a_unit_of_work_that_rolls_back_are_discarded(store: Store) -> None:
    with pytest.raises(RuntimeError), store.write() as connection:
        store.new_keys(connection, 5)
        raise RuntimeError("half-way")
    with store.personal.vault.engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM data_key").scalar_one() == 0
