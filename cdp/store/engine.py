"""SQLCipher engines: the one place a connection is opened and keyed.

Every connection runs ``PRAGMA key`` first (inside the dialect's connect hook,
with the key passed in the URL object, which SQLAlchemy never prints), then
silences SQLCipher's own stderr log, then sets the pragmas the store relies
on: WAL with ``synchronous=FULL``, foreign keys, secure delete, temporary
tables in memory. Statement parameters are hidden from SQLAlchemy's error
messages, since they carry personal data. Transactions are begun by us, not by the driver, so a
writer can take the lock up front with ``BEGIN IMMEDIATE``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy.exc
from sqlalchemy import URL, Connection, Engine, create_engine, event, text

from cdp.errors import N_, Message, NotAStore, StoreNotFound, WrongKey

SQLITE_MAGIC = b"SQLite format 3\x00"

CONNECTION_PRAGMAS = (
    "PRAGMA cipher_log_level = NONE",
    "PRAGMA journal_mode = WAL",
    "PRAGMA synchronous = FULL",
    "PRAGMA foreign_keys = ON",
    "PRAGMA secure_delete = ON",
    "PRAGMA temp_store = MEMORY",
    "PRAGMA busy_timeout = 10000",
    "PRAGMA cache_size = -65536",  # KiB; cdp.store.database.DEFAULT_CACHE_KIB
)


# The dialect keeps one connection per thread (SingletonThreadPool), at most
# ``pool_size`` of them; with more threads than that it closes connections that
# other threads still use. Every web server thread needs its own, so the pool
# is sized well above any sensible CDP_THREADS.
POOL_SIZE = 64


def encrypted_engine(path: Path, key: str) -> Engine:
    """An engine for the SQLCipher file at ``path`` opened with ``key``."""
    url = URL.create("sqlite+pysqlcipher", password=key, database=str(path))
    engine = create_engine(url, hide_parameters=True, pool_size=POOL_SIZE)
    return _configure(engine, CONNECTION_PRAGMAS)


def plain_engine(path: Path) -> Engine:
    """An unencrypted engine with the same settings; for benchmarks only."""
    engine = create_engine(URL.create("sqlite+pysqlite", database=str(path)), hide_parameters=True)
    return _configure(engine, CONNECTION_PRAGMAS[1:])


def _configure(engine: Engine, pragmas: tuple[str, ...]) -> Engine:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in pragmas:
            cursor.execute(pragma)
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        mode = connection.get_execution_options().get("begin", "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")

    return engine


def probe(engine: Engine, path: Path, what: str) -> None:
    """Open ``path`` once and turn SQLCipher's failures into our errors; ``what`` is a noun marked with ``N_``."""
    if not path.exists():
        raise StoreNotFound(
            N_("There is no {what} at {path}. Run 'cdp init' (or 'cdp demo') first."), what=Message(what), path=path
        )
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT count(*) FROM sqlite_master")).scalar_one()
    except sqlalchemy.exc.DatabaseError as error:
        raise _explain(error, path, what) from None


def _explain(error: sqlalchemy.exc.DatabaseError, path: Path, what: str) -> Exception:
    with path.open("rb") as handle:
        head = handle.read(len(SQLITE_MAGIC))
    if head == SQLITE_MAGIC:
        return NotAStore(
            N_("{path} is an unencrypted SQLite file, not a Kundenbild {what}."), path=path, what=Message(what)
        )
    if "not a database" in str(error.orig):
        return WrongKey(
            N_("The key does not open {path}: wrong key, or the file is not a Kundenbild {what}."),
            path=path,
            what=Message(what),
        )
    return NotAStore(N_("{path} cannot be read as a Kundenbild {what}."), path=path, what=Message(what))


def outside_transaction(connection: Connection, statement: str) -> None:
    """Run a pragma on the driver connection, where SQLAlchemy begins no transaction."""
    cursor = connection.connection.cursor()
    cursor.execute(statement)
    cursor.close()
