"""The audit log's keyed chain and its anchor in the vault: altered, cut short, rewritten, restored."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from sqlalchemy import select

from cdp import audit, audit_view
from cdp.config import Paths
from cdp.store import backup
from cdp.store.database import Store, open_store
from cdp.store.keys import load_master_key
from cdp.store.schema import audit_log


def _write_entries(store: Store, count: int) -> None:
    for number in range(count):
        with store.write() as connection:
            audit.record(connection, "tester", "import", "import_run", number)


def _unlocked(store: Store) -> None:
    """What an attacker holding the store key does first: drop the append-only triggers."""
    with store.write() as connection:
        for name in connection.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'trigger'").scalars():
            if name.startswith("audit_log"):
                connection.exec_driver_sql(f"DROP TRIGGER {name}")


def _rechain_plainly(store: Store) -> None:
    """Recompute every entry's hash as a plain SHA-256 chain, as one would who has the store but not the vault."""
    with store.write() as connection:
        previous = audit.GENESIS
        for row in connection.execute(select(audit_log).order_by(audit_log.c.id)).mappings().all():
            entry = {name: row[name] for name in audit.FIELDS} | {"prev_hash": previous}
            digest = hashlib.sha256(json.dumps(entry, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
            connection.exec_driver_sql(
                "UPDATE audit_log SET prev_hash = ?, hash = ? WHERE id = ?", (previous, digest, row["id"])
            )
            previous = digest


def test_an_untouched_log_is_intact_and_anchored_at_its_end(store: Store) -> None:
    _write_entries(store, 3)
    verdict = audit_view.verify(store)
    assert verdict.intact and verdict.entries == 3
    assert store.personal.vault.anchor().last_id == 3


def test_a_changed_entry_is_named(store: Store) -> None:
    _write_entries(store, 3)
    with pytest.raises(Exception, match="append-only"), store.write() as connection:
        connection.exec_driver_sql("UPDATE audit_log SET actor = 'mallory' WHERE id = 2")
    _unlocked(store)
    with store.write() as connection:
        connection.exec_driver_sql("UPDATE audit_log SET actor = 'mallory' WHERE id = 2")
    verdict = audit_view.verify(store)
    assert (verdict.problem, verdict.at) == ("altered", 2)


def test_a_deleted_entry_with_the_chain_recomputed_is_found(store: Store) -> None:
    _write_entries(store, 4)
    _unlocked(store)
    with store.write() as connection:
        connection.exec_driver_sql("DELETE FROM audit_log WHERE id = 2")
    _rechain_plainly(store)
    verdict = audit_view.verify(store)
    assert (verdict.problem, verdict.at) == ("altered", 1)


def test_a_log_cut_short_is_found(store: Store) -> None:
    _write_entries(store, 5)
    _unlocked(store)
    with store.write() as connection:
        connection.exec_driver_sql("DELETE FROM audit_log WHERE id > 3")
    verdict = audit_view.verify(store)
    assert (verdict.problem, verdict.at, verdict.expected, verdict.entries) == ("cut", 4, 5, 3)


def test_a_tail_rewritten_with_the_vault_key_is_found(store: Store) -> None:
    """Even who holds the vault's chain key cannot replace the tail unseen: the anchor remembers the old head."""
    _write_entries(store, 3)
    _unlocked(store)
    key = store.personal.vault.meta("audit_key")
    with store.write() as connection:
        connection.exec_driver_sql("DELETE FROM audit_log WHERE id = 3")
        entry = {"at": "2026-01-01T00:00:00+00:00", "actor": "mallory", "action": "import", "object_type": None,
                 "object_id": None, "details": "{}", "prev_hash": audit.tail(connection)[1]}  # fmt: skip
        forged = audit._keyed(key, entry)
        connection.exec_driver_sql(
            "INSERT INTO audit_log (id, at, actor, action, object_type, object_id, details, prev_hash, hash) "
            "VALUES (3, ?, ?, ?, ?, ?, ?, ?, ?)",
            (*entry.values(), forged),
        )
    assert store.personal.vault.anchor().last_id == 3
    verdict = audit_view.verify(store)
    assert (verdict.problem, verdict.at) == ("rewritten", 3)


def test_a_restore_writes_itself_into_the_log_with_what_it_went_back_over(
    store: Store, paths: Paths, tmp_path: Path
) -> None:
    _write_entries(store, 2)
    backup.backup(store, tmp_path / "kb.kbk")
    _write_entries(store, 3)
    store.close()
    restored = backup.restore(paths, load_master_key(paths), tmp_path / "kb.kbk")
    try:
        verdict = audit_view.verify(restored)
        assert verdict.intact and verdict.entries == 3
        assert [(entry["id"], entry["lost"]) for entry in verdict.restores] == [(3, 3)]
        _write_entries(restored, 1)
        assert audit_view.verify(restored).intact
    finally:
        restored.close()


def test_a_vault_from_before_the_keyed_chain_anchors_the_old_log_and_keys_the_new(store: Store, paths: Paths) -> None:
    _write_entries(store, 2)
    _unlocked(store)
    _rechain_plainly(store)
    vault = store.personal.vault
    with vault.engine.connect() as connection, connection.begin():
        connection.exec_driver_sql("DROP TABLE audit_anchor")
        connection.exec_driver_sql("DROP TABLE pending_key")
        connection.exec_driver_sql("DELETE FROM vault_meta WHERE name = 'audit_key'")
        connection.exec_driver_sql("PRAGMA user_version = 1")
    store.close()
    reopened = open_store(paths, load_master_key(paths))
    try:
        assert reopened.personal.vault.anchor().keyed_from == 3
        _write_entries(reopened, 2)
        verdict = audit_view.verify(reopened)
        assert verdict.intact and verdict.entries == 4
        _unlocked(reopened)
        with reopened.write() as connection:
            connection.exec_driver_sql("DELETE FROM audit_log WHERE id > 2")
        _rechain_plainly(reopened)
        assert audit_view.verify(reopened).problem == "cut"
    finally:
        reopened.close()
