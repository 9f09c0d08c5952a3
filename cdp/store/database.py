"""The encrypted store: opening, creating and the unit of work.

A ``Store`` pairs the SQLCipher database with its key vault and the
``PersonalData`` that seals fields with the vault's keys. Reads run in a
deferred transaction; writes go through ``write()``, which takes the write
lock up front (``BEGIN IMMEDIATE``) and rolls back unless the block finishes.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy.exc
from sqlalchemy import Connection, Engine, Table, delete, func, insert, select

from cdp import audit
from cdp.clock import now
from cdp.config import Paths
from cdp.errors import N_, NotAStore, SchemaOutdated, StoreBusy, StoreError
from cdp.store import locking, migrate, schema
from cdp.store.bookkeeping import Bookkeeping
from cdp.store.engine import encrypted_engine, outside_transaction, probe
from cdp.store.keys import MasterKey
from cdp.store.personal import PersonalData
from cdp.store.schema import SEARCH_INDEX_VERSION, store_meta
from cdp.store.vault import Vault

APP_NAME = "kundenbild"
DEFAULT_CACHE_KIB = 65_536
BULK_CACHE_KIB = 524_288
# How long a unit of work waits for the write lock (an import holds it for about 10 s per 100,000 rows).
WAIT_SECONDS = 60.0
NEW_KEYS = "new_keys"  # key in the connection's info: data keys made for its unit of work
DESTROY = "keys_to_destroy"  # key in the connection's info: data keys to destroy as its unit of work commits
BUSY = N_(
    "The store is busy with a long task (such as a large import); please try again in a minute. Nothing was changed."
)


@dataclass
class Store:
    """An open store: its engine and the personal-data sealer."""

    engine: Engine
    personal: PersonalData
    lock: int | None = None  # the shared lock on the data folder's lock file (see cdp.store.locking)
    wait_seconds: float = WAIT_SECONDS
    bookkeeping: Bookkeeping = field(init=False, repr=False)
    # One writer at a time in this process: threads queue here instead of polling SQLite's lock, which
    # is unfair (with many waiting writers some waited twenty seconds while others got in again and again).
    _writer: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        audit.bind(self.engine, self.personal.vault.meta("audit_key"))
        self.bookkeeping = Bookkeeping(self._write_all)

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A connection in a read transaction."""
        with self.engine.connect() as connection:
            try:
                with connection.begin():
                    yield connection
                self._anchor(connection)
            finally:
                connection.info.pop(audit.PENDING, None)

    @contextmanager
    def write(self, bulk: bool = False, wait: bool = True) -> Iterator[Connection]:
        """A unit of work: commits when the block ends, rolls back on any error.

        It waits up to ``wait_seconds`` for the write lock (not at all without
        ``wait``), then raises ``StoreBusy``. ``bulk`` gives the connection a
        larger page cache for the length of the unit, so that a large import
        does not spill pages mid-transaction.
        """
        started = time.monotonic()
        if not self._writer.acquire(timeout=self.wait_seconds if wait else 0):
            raise StoreBusy(BUSY)
        try:
            with self.engine.connect().execution_options(begin="IMMEDIATE") as connection:
                left = max(0.0, self.wait_seconds - (time.monotonic() - started)) if wait else 0
                outside_transaction(connection, f"PRAGMA busy_timeout = {int(left * 1000)}")
                if bulk:
                    outside_transaction(connection, f"PRAGMA cache_size = -{BULK_CACHE_KIB}")
                committed = False
                try:
                    with _begun(connection):
                        yield connection
                        self._destroy_keys(connection)
                    committed = True
                    self._erasure_committed(connection)
                    self._anchor(connection)
                finally:
                    self._settle_new_keys(connection, committed)
                    connection.info.pop(audit.PENDING, None)
                    connection.info.pop(DESTROY, None)
                    if bulk:
                        outside_transaction(connection, f"PRAGMA cache_size = -{DEFAULT_CACHE_KIB}")
        finally:
            self._writer.release()

    def new_keys(self, connection: Connection, count: int) -> list[bytes]:
        """``count`` new data keys for rows the unit of work of ``connection`` writes (see ``keys_follow``)."""
        key_ids = self.personal.new_keys(count)
        self.keys_follow(connection, key_ids)
        return key_ids

    def keys_follow(self, connection: Connection, key_ids: Iterable[bytes]) -> None:
        """Keep these new data keys if the unit of work of ``connection`` commits, discard them if it rolls back.

        Until then the vault notes them as pending for this process; should the
        process die in between, ``collect_orphan_keys`` deals with them.
        """
        connection.info.setdefault(NEW_KEYS, []).extend(key_ids)

    def _settle_new_keys(self, connection: Connection, committed: bool) -> None:
        key_ids = connection.info.pop(NEW_KEYS, None)
        if key_ids:
            (self.personal.vault.settle_keys if committed else self.personal.discard_keys)(key_ids)

    def destroy_at_commit(self, connection: Connection, key_ids: Iterable[bytes]) -> None:
        """Destroy these data keys as the unit of work of ``connection`` commits, not before.

        The keys go just before COMMIT, so a unit of work that fails half-way
        destroys nothing. The vault notes an erasure under way first; should
        the COMMIT itself then fail, the rows whose keys are gone are purged
        by the erasure policy's replay (``Wiring.finish_erasures``) when the store is next opened
        (unreadable rows are left behind, never readable copies).
        """
        connection.info.setdefault(DESTROY, []).extend(key_ids)

    def _destroy_keys(self, connection: Connection) -> None:
        key_ids = connection.info.get(DESTROY)
        if key_ids:
            self.personal.vault.set_erasure_pending(True)
            self.personal.erase_keys(key_ids)

    def _erasure_committed(self, connection: Connection) -> None:
        if connection.info.pop(DESTROY, None):
            self.personal.vault.set_erasure_pending(False)

    def write_soon(self, work: Callable[[Connection], None]) -> None:
        """Run ``work`` in a unit of work a moment later, together with other bookkeeping (``cdp.store.bookkeeping``).

        For what a reader must never wait for: the audit entry of a page view,
        a session's idle clock.
        """
        self.bookkeeping.add(work)

    def flush_bookkeeping(self) -> None:
        """Write the bookkeeping queued by ``write_soon`` now."""
        self.bookkeeping.flush()

    def _write_all(self, pending: list[Callable[[Connection], None]]) -> None:
        with self.write() as connection:
            for work in pending:
                work(connection)

    def _anchor(self, connection: Connection) -> None:
        """After a commit that wrote audit entries, move the vault's anchor to the last of them."""
        written = connection.info.pop(audit.PENDING, None)
        if written is not None:
            self.personal.vault.advance_anchor(*written)

    def meta(self, name: str, create: Callable[[], str] | None = None) -> str | None:
        """A value from ``store_meta``; with ``create``, made and kept on first use (only then writing)."""
        with self.read() as connection:
            value = connection.execute(select(store_meta.c.value).where(store_meta.c.name == name)).scalar()
        if value is not None or create is None:
            return value
        with self.write() as connection:
            value = connection.execute(select(store_meta.c.value).where(store_meta.c.name == name)).scalar()
            if value is None:
                value = create()
                connection.execute(insert(store_meta).values(name=name, value=value))
        return value

    def set_meta(self, name: str, value: str) -> None:
        """Keep ``value`` in ``store_meta`` under ``name``, replacing any earlier one."""
        with self.write() as connection:
            connection.execute(delete(store_meta).where(store_meta.c.name == name))
            connection.execute(insert(store_meta).values(name=name, value=value))

    def close(self) -> None:
        self.bookkeeping.close()
        self.engine.dispose()
        self.personal.vault.dispose()
        locking.release(self.lock)
        self.lock = None

    def reopening(self) -> StoreSpec:
        """What another process needs to open this store for itself (``reopen``); it holds the keys, so it
        travels only through a pipe to a worker, never into arguments, files or logs."""
        return StoreSpec(_file_and_key(self.engine), _file_and_key(self.personal.vault.engine))


@dataclass(frozen=True)
class StoreSpec:
    """Where a store and its vault are and the keys that open them; never shown in ``repr``."""

    store: tuple[str, str] = field(repr=False)
    vault: tuple[str, str] = field(repr=False)


def _file_and_key(engine: Engine) -> tuple[str, str]:
    return engine.url.database or "", engine.url.password or ""


def reopen(spec: StoreSpec) -> Store:
    """The store of ``spec`` on connections of this process (a worker's; the lock stays the parent's)."""
    vault = Vault(encrypted_engine(Path(spec.vault[0]), spec.vault[1]))
    return Store(encrypted_engine(Path(spec.store[0]), spec.store[1]), PersonalData(vault))


@contextmanager
def _begun(connection: Connection) -> Iterator[None]:
    """The connection's transaction; ``StoreBusy`` when its write lock was not had in time."""
    try:
        transaction = connection.begin()
    except sqlalchemy.exc.OperationalError as error:
        if "locked" in str(error.orig) or "busy" in str(error.orig):
            raise StoreBusy(BUSY) from None
        raise
    with transaction:
        yield


def next_id(connection: Connection, table: Table) -> int:
    """The id after the highest in ``table``; safe inside a write unit of work,
    which holds the write lock."""
    return (connection.execute(select(func.max(table.c.id))).scalar() or 0) + 1


def bulk_insert(connection: Connection, table: Table, rows: list[dict]) -> None:
    """Insert many rows with one prepared statement, bypassing per-row
    SQLAlchemy parameter processing (a third of an import's time otherwise).
    Every row must have the same keys."""
    if rows:
        insert_values(connection, table, *as_values(rows))


def as_values(rows: list[dict]) -> tuple[list[str], list[tuple]]:
    """Rows with the same keys as column names and a list of value tuples, for ``insert_values``."""
    columns = list(rows[0]) if rows else []
    return columns, [tuple(row[column] for column in columns) for row in rows]


def insert_values(connection: Connection, table: Table, columns: list[str], values: list[tuple]) -> None:
    """Insert value tuples, in the order of ``columns``, with one prepared statement."""
    if values:
        statement = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
        connection.exec_driver_sql(statement, values)


def open_store(paths: Paths, master: MasterKey) -> Store:
    """Open an existing store and its vault; raise a ``StoreError`` if unusable.

    The store holds the shared lock (``cdp.store.locking``) until it is closed.
    """
    lock = locking.hold_shared(paths) if paths.store.exists() else None
    try:
        engine = encrypted_engine(paths.store, master.sqlcipher_key("store"))
        probe(engine, paths.store, N_("store"))
        store_id = _check_schema(engine, paths)
        vault = Vault.open(paths.vault, master)
        if vault.meta("store_id").decode() != store_id:
            raise StoreError(
                N_("The key vault {vault} belongs to another store than {store}."), vault=paths.vault, store=paths.store
            )
        if vault.anchor() is None:
            with engine.connect() as connection:
                vault.start_anchor(*audit.tail(connection))
        collect_orphan_keys(engine, vault)
    except BaseException:
        locking.release(lock)
        raise
    return Store(engine, PersonalData(vault), lock)


def collect_orphan_keys(engine: Engine, vault: Vault) -> int:
    """Settle or discard the pending data keys of processes that ended; returns how many were discarded.

    A process killed inside a unit of work leaves the keys it made for it in
    the vault. Those a committed row refers to are kept; the others sealed
    nothing that was ever committed and go.
    """
    pending = vault.pending_of_ended_processes()
    if not pending:
        return 0
    with engine.connect() as connection:
        used = {
            bytes(key_id)
            for table in schema.metadata.sorted_tables
            if "key_id" in table.c
            for (key_id,) in connection.execute(select(table.c.key_id))
        }
    orphans = [key_id for key_id in pending if key_id not in used]
    vault.settle_keys([key_id for key_id in pending if key_id in used])
    vault.discard_keys(orphans)
    return len(orphans)


def create_store(paths: Paths, master: MasterKey) -> Store:
    """Create a new store at the newest schema and its vault."""
    for path in (paths.store, paths.vault):
        if path.exists():
            raise StoreError(N_("{path} already exists; Kundenbild does not overwrite a store."), path=path)
    paths.data_dir.mkdir(parents=True, exist_ok=True)
    engine = encrypted_engine(paths.store, master.sqlcipher_key("store"))
    vault_engine = encrypted_engine(paths.vault, master.sqlcipher_key("vault"))
    try:
        created = lay_out(engine, vault_engine)
    except BaseException:
        # A half-made pair could be neither opened nor made again: remove it.
        engine.dispose()
        vault_engine.dispose()
        for path in (paths.store, paths.vault):
            for part in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
                part.unlink(missing_ok=True)
        raise
    created.lock = locking.hold_shared(paths)
    return created


def lay_out(engine: Engine, vault_engine: Engine) -> Store:
    """Create the schema and the vault in two empty databases."""
    store_id = str(uuid.uuid4())
    migrate.upgrade(engine)
    with engine.connect() as connection, connection.begin():
        connection.execute(
            insert(store_meta),
            [
                {"name": "app", "value": APP_NAME},
                {"name": "store_id", "value": store_id},
                {"name": "created_at", "value": now()},
                {"name": "search_index", "value": SEARCH_INDEX_VERSION},
            ],
        )
    return Store(engine, PersonalData(Vault.create(vault_engine, store_id)))


def _check_schema(engine: Engine, paths: Paths) -> str:
    revision = migrate.current(engine)
    if revision is None:
        raise NotAStore(N_("{path} opens but holds no Kundenbild schema."), path=paths.store)
    with engine.connect() as connection:
        meta = dict(connection.execute(select(store_meta.c.name, store_meta.c.value)).all())
    if meta.get("app") != APP_NAME:
        raise NotAStore(N_("{path} opens but is not a Kundenbild store."), path=paths.store)
    if revision != migrate.head():
        raise SchemaOutdated(
            N_("The store {store} is at schema {revision}; run 'cdp migrate' to upgrade it."),
            store=paths.store,
            revision=revision,
        )
    return meta["store_id"]
