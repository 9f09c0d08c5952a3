"""Online backup and restore of the encrypted store.

A backup is a copy of the store file made with SQLite's online backup API
(``sqlite3_backup_*``, through sqlcipher3's ``Connection.backup``) from the
live store into a new file keyed with the same store key. SQLCipher decrypts
each page from the source and encrypts it again for the copy, so the copy is
encrypted with its own salt and opens only with the store key. The whole copy
is one backup step, which holds one read transaction on the source: in WAL
mode writers carry on meanwhile, and the copy is the state of one moment.

In the copy the derived tables (marked in ``cdp.store.schema``, such as the keyed
hashes for search, rebuilt from the source records) are emptied and the file is vacuumed,
so it holds no free pages, and left in rollback-journal mode as one file.

The key vault is deliberately not part of a backup. Data keys stay out of
backups so that destroying a person's key in the vault makes that person's
data in every old backup unreadable too. A backup is therefore only of use
together with the current vault of the same installation.
"""

from __future__ import annotations

import glob
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy.exc
import sqlcipher3
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, select

from cdp import audit
from cdp.config import Paths
from cdp.errors import N_, NotAStore, SchemaOutdated, StoreError, StoreNotFound
from cdp.processes import pid_running
from cdp.store import locking, migrate
from cdp.store.database import APP_NAME, Store, open_store
from cdp.store.engine import encrypted_engine, outside_transaction, probe
from cdp.store.keys import MasterKey
from cdp.store.schema import derived_tables, store_meta
from cdp.store.vault import Vault

SIDECARS = ("-wal", "-shm", "-journal")
# Folds the WAL into the file and removes it: a copy is one self-contained file.
SINGLE_FILE = "PRAGMA journal_mode = DELETE"


def backup(store: Store, target: Path) -> int:
    """Copy the open ``store`` into the new file ``target``; the copy's size in bytes.

    Other connections may read and write the store meanwhile. ``target`` must
    not exist: a backup never overwrites a file.
    """
    target = Path(target)
    _refuse_existing(target)
    if not target.parent.is_dir():
        raise StoreError(N_("The folder {folder} for the backup does not exist."), folder=target.parent)
    with _staged(target.parent, target.name) as staged:
        copy = _copy(store.engine, staged, _store_key(store))
        try:
            emptied = [f"DELETE FROM {table}" for table in _derived_tables(copy)]
            _outside_transaction(copy, *emptied, "VACUUM", SINGLE_FILE)
        finally:
            copy.dispose()
        _sync(staged)
        _publish(staged, target)
    _sync(target.parent)
    return target.stat().st_size


def restore(paths: Paths, master: MasterKey, source: Path) -> Store:
    """Replace the store at ``paths.store`` with the backup ``source``; the opened store.

    ``source`` must open with the store key and be a backup of this very store
    (the one the current vault belongs to); otherwise a ``StoreError`` is raised
    and the live store is left as it was. A backup at an older schema is
    migrated before it takes the store's place. The vault is not touched.

    No other process may have the store open (stop the server): the restore
    holds the store alone (``cdp.store.locking``) or refuses with ``StoreInUse``.
    The caller must then replay the erasure log on the returned store, since
    the backup may hold people erased after it was taken, and rebuild the
    derived tables (``cdp.store.schema.derived_tables``), which a backup lacks.
    """
    source = Path(source)
    key = master.sqlcipher_key("store")
    with locking.exclusive(paths):
        _swap_in(paths, master, source, key)
    _sync(paths.data_dir)
    store = open_store(paths, master)
    _record_restore(store)
    return store


def _record_restore(store: Store) -> None:
    """Write the restore into the audit log, with how many entries the backup lacked, and anchor it there.

    The log of an older backup is shorter than the one it replaces; the entry
    says so, so that ``audit verify`` shows the restore instead of either
    calling the shortened log intact or calling it tampered with.
    """
    before = store.personal.vault.anchor()
    with store.write() as connection:
        kept, _ = audit.tail(connection)
        lost = max(0, before.last_id - kept) if before else 0
        audit.record(connection, "restore", "store.restored", None, None, {"kept": kept, "lost": lost})
        last = audit.tail(connection)
    store.personal.vault.reset_anchor(*last)


def _swap_in(paths: Paths, master: MasterKey, source: Path, key: str) -> None:
    engine = _open_backup(source, key)
    try:
        revision = _check_backup(engine, source, paths, master)
        with _staged(paths.data_dir, paths.store.name) as staged:
            copy = _copy(engine, staged, key)
            try:
                if revision != migrate.head():
                    migrate.upgrade(copy)
                _outside_transaction(copy, SINGLE_FILE)
            finally:
                copy.dispose()
            _sync(staged)
            _replace_store(staged, paths, key)
    finally:
        engine.dispose()


def _store_key(store: Store) -> str:
    """The key the store was opened with; without one the copy would be plaintext."""
    key = store.engine.url.password
    if not key:
        raise StoreError(N_("The store is not opened with a key; Kundenbild backs up only encrypted stores."))
    return key


def _refuse_existing(target: Path) -> None:
    if target.exists():
        raise StoreError(N_("{path} already exists; a backup never overwrites a file."), path=target)


@contextmanager
def _staged(folder: Path, name: str) -> Iterator[Path]:
    """A new empty file with mode 0600 in ``folder``; removed with its sidecars
    when the block ends, so that a failure leaves nothing half-written.

    Its name carries this process's id, so that the partial files of a copy
    that was killed (which no ``finally`` removed) are found and removed by
    the next copy into the same folder.
    """
    _remove_abandoned(folder, name)
    handle, staged = tempfile.mkstemp(dir=folder, prefix=f".{name}.{os.getpid()}.", suffix=PARTIAL)
    os.close(handle)
    path = Path(staged)
    try:
        yield path
    finally:
        _remove_with_sidecars(path)


PARTIAL = ".partial"


def _remove_abandoned(folder: Path, name: str) -> None:
    """Remove partial copies of ``name`` left in ``folder`` by processes that no longer run."""
    for path in folder.glob(f".{glob.escape(name)}.*{PARTIAL}"):
        owner = path.name.removeprefix(f".{name}.").split(".", 1)[0]
        if owner.isdigit() and not pid_running(int(owner)):
            _remove_with_sidecars(path)


def _remove_with_sidecars(path: Path) -> None:
    for part in (path, *(path.with_name(path.name + suffix) for suffix in SIDECARS)):
        part.unlink(missing_ok=True)


def _copy(source: Engine, destination: Path, key: str) -> Engine:
    """Copy the database behind ``source`` into the empty file ``destination``,
    keyed with ``key``, in one step of the online backup API; an engine on the copy."""
    copy = encrypted_engine(destination, key)
    from_connection = source.raw_connection()
    try:
        to_connection = copy.raw_connection()
        try:
            from_connection.driver_connection.backup(to_connection.driver_connection)
        finally:
            to_connection.close()
    except sqlcipher3.Error as error:
        copy.dispose()
        raise StoreError(
            N_("Copying the store to {folder} failed: {error}"), folder=destination.parent, error=error
        ) from None
    finally:
        from_connection.close()
    return copy


def _derived_tables(engine: Engine) -> list[str]:
    """The derived tables (``cdp.store.schema.DERIVED``) that the copy, at its own schema revision, has."""
    with engine.connect() as connection:
        tables = set(connection.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'table'").scalars())
    return [table.name for table in derived_tables() if table.name in tables]


def _outside_transaction(engine: Engine, *statements: str) -> None:
    """Run ``statements`` where no transaction is begun for them (``VACUUM`` and
    changing the journal mode refuse to run in one)."""
    with engine.connect() as connection:
        for statement in statements:
            outside_transaction(connection, statement)


def _publish(staged: Path, target: Path) -> None:
    """Give ``staged`` the name ``target`` at once, never replacing a file.

    A hard link fails if ``target`` exists, which a rename would overwrite;
    file systems without hard links (FAT on a USB stick) fall back to a
    rename after one more check.
    """
    try:
        os.link(staged, target)
    except FileExistsError:
        raise StoreError(N_("{path} already exists; a backup never overwrites a file."), path=target) from None
    except OSError:
        _refuse_existing(target)
        os.replace(staged, target)


def _sync(path: Path) -> None:
    """Flush a file, or a folder's entries, to disk."""
    handle = os.open(path, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


def _open_backup(source: Path, key: str) -> Engine:
    if not source.is_file():
        raise StoreNotFound(N_("There is no backup at {path}."), path=source)
    engine = encrypted_engine(source, key)
    try:
        probe(engine, source, N_("store backup"))
    except BaseException:
        engine.dispose()
        raise
    return engine


def _check_backup(engine: Engine, source: Path, paths: Paths, master: MasterKey) -> str:
    """The backup's schema revision, once it is known to be a backup of this store."""
    revision = migrate.current(engine)
    if revision is None:
        raise NotAStore(N_("{path} opens but holds no Kundenbild schema."), path=source)
    if revision not in _known_revisions():
        raise SchemaOutdated(
            N_("The backup {path} is at schema {revision}, which this Kundenbild does not know."),
            path=source,
            revision=revision,
        )
    with engine.connect() as connection:
        meta = dict(connection.execute(select(store_meta.c.name, store_meta.c.value)).all())
    if meta.get("app") != APP_NAME:
        raise NotAStore(N_("{path} opens but is not a Kundenbild store backup."), path=source)
    if meta.get("store_id") != _vault_store_id(paths, master):
        raise StoreError(
            N_("The backup {path} belongs to another store than the key vault {vault}."), path=source, vault=paths.vault
        )
    return revision


def _known_revisions() -> set[str]:
    return {script.revision for script in ScriptDirectory(str(migrate.MIGRATIONS)).walk_revisions()}


def _vault_store_id(paths: Paths, master: MasterKey) -> str:
    vault = Vault.open(paths.vault, master)
    try:
        return vault.meta("store_id").decode()
    finally:
        vault.dispose()


def _replace_store(staged: Path, paths: Paths, key: str) -> None:
    """Put ``staged`` in the store's place.

    The old store's WAL is folded into it first, where the old store still
    opens, so that removing its -wal and -shm files loses nothing; left beside
    the new file, an old WAL would be applied to it on the next open.
    """
    if paths.store.exists():
        _checkpoint(paths.store, key)
    for suffix in ("-wal", "-shm"):
        paths.store.with_name(paths.store.name + suffix).unlink(missing_ok=True)
    os.replace(staged, paths.store)


def _checkpoint(store_file: Path, key: str) -> None:
    """Fold the WAL into ``store_file``; refuse if a connection is reading or
    writing it right now (idle connections cannot be seen from here).

    A store that no longer opens is skipped: a broken store is exactly what a
    restore replaces.
    """
    engine = encrypted_engine(store_file, key)
    try:
        raw = engine.raw_connection()
        try:
            busy = raw.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
        finally:
            raw.close()
    except (sqlcipher3.Error, sqlalchemy.exc.DBAPIError):
        return
    finally:
        engine.dispose()
    if busy:
        raise StoreError(
            N_("The store {store} is in use; stop every process using it before restoring."), store=store_file
        )
