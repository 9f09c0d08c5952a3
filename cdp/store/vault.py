"""The key vault: one data key per source record, in its own encrypted file.

The vault is a second SQLCipher file beside the store, opened with its own
key derived from the master key. It holds the random data keys that seal
personal fields, the key for the keyed hashes of identifiers, the key and the
anchor of the audit log's chain (see ``cdp.audit``), and the id of the store
it belongs to. Destroying a data key here makes every copy of what
it sealed unreadable, copies in old backups of the store included.

Only ``cdp.store.personal`` and ``cdp.store.database`` use this module.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from pathlib import Path

from sqlalchemy import Engine, text

from cdp.audit import GENESIS, Anchor
from cdp.clock import now as _now
from cdp.errors import N_, NotAStore
from cdp.processes import is_running, this_process
from cdp.store.engine import encrypted_engine, outside_transaction, probe
from cdp.store.keys import MasterKey
from cdp.store.sql import in_chunks

VAULT_VERSION = 3
DATA_KEY_BYTES = 32
KEY_ID_BYTES = 16

_AUDIT_ANCHOR = (
    "CREATE TABLE audit_anchor (id INTEGER PRIMARY KEY CHECK (id = 1), last_id INTEGER NOT NULL, "
    "head TEXT NOT NULL, keyed_from INTEGER NOT NULL)"
)
# Keys made for a unit of work that has not committed yet, with the process that made them (``cdp.processes``).
_PENDING_KEY = "CREATE TABLE pending_key (key_id BLOB PRIMARY KEY, owner TEXT NOT NULL) WITHOUT ROWID"
_SCHEMA = (
    "CREATE TABLE data_key (key_id BLOB PRIMARY KEY, key BLOB NOT NULL, created_at TEXT NOT NULL) WITHOUT ROWID",
    "CREATE TABLE destroyed_key (key_id BLOB PRIMARY KEY, destroyed_at TEXT NOT NULL) WITHOUT ROWID",
    "CREATE TABLE vault_meta (name TEXT PRIMARY KEY, value BLOB NOT NULL)",
    _AUDIT_ANCHOR,
    _PENDING_KEY,
)


class Vault:
    """Data keys by id, created and destroyed in their own transactions."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @classmethod
    def open(cls, path: Path, master: MasterKey) -> Vault:
        engine = encrypted_engine(path, master.sqlcipher_key("vault"))
        probe(engine, path, N_("key vault"))
        vault = cls(engine)
        vault._check_version(path)
        return vault

    @classmethod
    def create(cls, engine: Engine, store_id: str) -> Vault:
        """Lay out a new vault in the empty database behind ``engine``."""
        with engine.connect().execution_options(begin="IMMEDIATE") as connection, connection.begin():
            for statement in _SCHEMA:
                connection.exec_driver_sql(statement)
            connection.execute(
                text(
                    "INSERT INTO vault_meta (name, value) VALUES ('hmac_key', :k), ('store_id', :s), ('audit_key', :a)"
                ),
                {"k": secrets.token_bytes(DATA_KEY_BYTES), "s": store_id.encode(), "a": secrets.token_bytes(32)},
            )
            connection.exec_driver_sql("INSERT INTO audit_anchor VALUES (1, 0, ?, 1)", (GENESIS,))
            connection.exec_driver_sql(f"PRAGMA user_version = {VAULT_VERSION}")
        return cls(engine)

    def _check_version(self, path: Path) -> None:
        with self.engine.connect() as connection:
            version = connection.exec_driver_sql("PRAGMA user_version").scalar_one()
        if version == 1:
            self._upgrade_to_2()
            version = 2
        if version == 2:
            self._upgrade_to_3()
        elif version != VAULT_VERSION:
            raise NotAStore(N_("{path} is not a Kundenbild key vault (version {version})."), path=path, version=version)

    def _upgrade_to_2(self) -> None:
        """Version 2 keys and anchors the audit log; the anchor is started by the store (``start_anchor``)."""
        with self.engine.connect().execution_options(begin="IMMEDIATE") as connection, connection.begin():
            connection.exec_driver_sql(_AUDIT_ANCHOR)
            connection.execute(
                text("INSERT INTO vault_meta (name, value) VALUES ('audit_key', :a)"), {"a": secrets.token_bytes(32)}
            )
            connection.exec_driver_sql("PRAGMA user_version = 2")

    def _upgrade_to_3(self) -> None:
        """Version 3 notes keys whose unit of work has not committed (``pending_key``)."""
        with self.engine.connect().execution_options(begin="IMMEDIATE") as connection, connection.begin():
            connection.exec_driver_sql(_PENDING_KEY)
            connection.exec_driver_sql("PRAGMA user_version = 3")

    def anchor(self) -> Anchor | None:
        """Where the audit log ended at the last commit, or ``None`` before it was first anchored."""
        with self.engine.connect() as connection:
            row = connection.exec_driver_sql("SELECT last_id, head, keyed_from FROM audit_anchor").first()
        return Anchor(*row) if row else None

    def start_anchor(self, last_id: int, head: str) -> None:
        """Anchor a log that was written before it was keyed: entries after ``last_id`` are keyed."""
        with self.engine.connect().execution_options(begin="IMMEDIATE") as connection, connection.begin():
            connection.exec_driver_sql(
                "INSERT OR IGNORE INTO audit_anchor VALUES (1, ?, ?, ?)", (last_id, head, last_id + 1)
            )

    def advance_anchor(self, last_id: int, head: str) -> None:
        """Move the anchor forward to the entry ``last_id``; never back (commits may report out of order).

        Written without waiting for the disk: after a power cut the anchor may
        lag a little behind the log, which only weakens the check of the last
        entries; it never makes an intact log look cut short.
        """
        with self.engine.connect().execution_options(begin="IMMEDIATE") as connection:
            outside_transaction(connection, "PRAGMA synchronous = NORMAL")
            try:
                with connection.begin():
                    connection.exec_driver_sql(
                        "UPDATE audit_anchor SET last_id = ?, head = ? WHERE last_id < ?", (last_id, head, last_id)
                    )
            finally:
                outside_transaction(connection, "PRAGMA synchronous = FULL")

    def reset_anchor(self, last_id: int, head: str) -> None:
        """Put the anchor on the entry ``last_id`` after a restore, which shortened the log on purpose."""
        with self.engine.connect().execution_options(begin="IMMEDIATE") as connection, connection.begin():
            connection.exec_driver_sql(
                "UPDATE audit_anchor SET last_id = ?, head = ?, keyed_from = min(keyed_from, ?)",
                (last_id, head, last_id),
            )

    def meta(self, name: str) -> bytes:
        with self.engine.connect() as connection:
            return connection.execute(text("SELECT value FROM vault_meta WHERE name = :n"), {"n": name}).scalar_one()

    def create_keys(self, count: int) -> dict[bytes, bytes]:
        """``count`` new data keys as ``{key_id: key}``, pending for this process until ``settle_keys``."""
        if count == 0:
            return {}
        keys = {secrets.token_bytes(KEY_ID_BYTES): secrets.token_bytes(DATA_KEY_BYTES) for _ in range(count)}
        now, owner = _now(), this_process()
        with self.engine.connect().execution_options(begin="IMMEDIATE") as connection, connection.begin():
            connection.exec_driver_sql(
                "INSERT INTO data_key (key_id, key, created_at) VALUES (?, ?, ?)",
                [(key_id, key, now) for key_id, key in keys.items()],
            )
            connection.exec_driver_sql(
                "INSERT INTO pending_key (key_id, owner) VALUES (?, ?)", [(key_id, owner) for key_id in keys]
            )
        return keys

    def settle_keys(self, key_ids: Iterable[bytes]) -> None:
        """These keys' unit of work has committed: they are no longer pending."""
        rows = [(key_id,) for key_id in key_ids]
        if not rows:
            return
        with self.engine.connect().execution_options(begin="IMMEDIATE") as connection, connection.begin():
            connection.exec_driver_sql("DELETE FROM pending_key WHERE key_id = ?", rows)

    def pending_of_ended_processes(self) -> list[bytes]:
        """Pending keys whose process no longer runs: its unit of work either committed or never will."""
        with self.engine.connect() as connection:
            owners = [row[0] for row in connection.exec_driver_sql("SELECT DISTINCT owner FROM pending_key")]
            ended = [owner for owner in owners if not is_running(owner)]
            return [
                bytes(row[0])
                for owner in ended
                for row in connection.exec_driver_sql("SELECT key_id FROM pending_key WHERE owner = ?", (owner,))
            ]

    def discard_keys(self, key_ids: Iterable[bytes]) -> None:
        """Delete keys that sealed nothing that was ever committed (no trace in the erasure log)."""
        rows = [(key_id,) for key_id in key_ids]
        if not rows:
            return
        with self.engine.connect().execution_options(begin="IMMEDIATE") as connection, connection.begin():
            for statement in ("DELETE FROM data_key WHERE key_id = ?", "DELETE FROM pending_key WHERE key_id = ?"):
                connection.exec_driver_sql(statement, rows)

    def keys(self, key_ids: Iterable[bytes]) -> dict[bytes, bytes]:
        """The keys that still exist among ``key_ids``."""
        found: dict[bytes, bytes] = {}
        with self.engine.connect() as connection:
            for chunk in in_chunks(key_ids, 500):
                marks = ",".join("?" * len(chunk))
                rows = connection.exec_driver_sql(
                    f"SELECT key_id, key FROM data_key WHERE key_id IN ({marks})", tuple(chunk)
                )
                found.update({bytes(row[0]): bytes(row[1]) for row in rows})
        return found

    def destroy_keys(self, key_ids: Iterable[bytes]) -> int:
        """Delete keys for good and log their ids; returns how many existed."""
        ids = list(dict.fromkeys(key_ids))
        now = _now()
        with self.engine.connect().execution_options(begin="IMMEDIATE") as connection, connection.begin():
            gone = 0
            for key_id in ids:
                gone += connection.execute(text("DELETE FROM data_key WHERE key_id = :i"), {"i": key_id}).rowcount
                connection.execute(
                    text("INSERT OR IGNORE INTO destroyed_key (key_id, destroyed_at) VALUES (:i, :t)"),
                    {"i": key_id, "t": now},
                )
        return gone

    def set_erasure_pending(self, pending: bool) -> None:
        """Note (or clear) that keys are being destroyed for a unit of work of the store that has not committed."""
        with self.engine.connect().execution_options(begin="IMMEDIATE") as connection, connection.begin():
            connection.exec_driver_sql("DELETE FROM vault_meta WHERE name = 'erasure_pending'")
            if pending:
                connection.exec_driver_sql("INSERT INTO vault_meta (name, value) VALUES ('erasure_pending', x'01')")

    def erasure_pending(self) -> bool:
        with self.engine.connect() as connection:
            return (
                connection.exec_driver_sql("SELECT 1 FROM vault_meta WHERE name = 'erasure_pending'").first()
                is not None
            )

    def destroyed_ids(self) -> set[bytes]:
        """The ids of every key ever destroyed: the erasure log a restored backup is replayed against."""
        with self.engine.connect() as connection:
            return {bytes(row[0]) for row in connection.exec_driver_sql("SELECT key_id FROM destroyed_key")}

    def dispose(self, close: bool = True) -> None:
        self.engine.dispose(close=close)
