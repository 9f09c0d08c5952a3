"""Killing a writer at random moments loses nothing it acknowledged and leaves nothing half-written.

A child process imports batches of contacts and prints an acknowledgement
only after each import has committed; the parent kills it with SIGKILL at a
random moment, again and again, then opens the store and checks that every
acknowledged batch is complete, no batch is partial, and SQLCipher's and
SQLite's integrity checks pass. (This kills the process, not the power: it
cannot show what the disk does with writes the OS had not yet flushed.)
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import time

from cdp.config import Paths
from cdp.ingest.pipeline import import_data
from cdp.store.database import create_store, open_store
from cdp.store.keys import create_key_file, load_master_key
from tests.helpers import opened_records

BATCH = 50
CHILD = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from cdp.config import Paths
    from cdp.ingest.pipeline import import_data
    from cdp.store.keys import load_master_key
    from cdp.store.database import open_store

    paths = Paths(Path(sys.argv[1]))
    store = open_store(paths, load_master_key(paths))
    batch = int(sys.argv[2])
    while True:
        rows = "".join(f"b{batch}-{n};Name{n};Batch{batch}\\n" for n in range({size}))
        import_data(store, "c.csv", ("ID;Vorname;Nachname\\n" + rows).encode(), "shop")
        print(batch, flush=True)
        batch += 1
    """
).replace("{size}", str(BATCH))


def run_and_kill(paths: Paths, first_batch: int, seconds: float) -> list[int]:
    """Start the writer, kill it ``seconds`` after its first commit, return the batches it acknowledged.

    Counting from the first commit, not from the start, keeps the kill inside
    the import loop however long a loaded machine takes to start Python.
    """
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(paths.data_dir), str(first_batch)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    first = child.stdout.readline()
    time.sleep(seconds)
    os.kill(child.pid, signal.SIGKILL)
    output, _ = child.communicate()
    return [int(line) for line in (first + output).split()]


def test_sigkilled_writer_never_leaves_a_partial_batch(paths: Paths) -> None:
    create_store(paths, create_key_file(paths.key_file)).close()
    rng = random.Random(4)
    acknowledged: list[int] = []
    next_batch = 0
    for _ in range(12):
        acknowledged += run_and_kill(paths, next_batch, rng.uniform(0.0, 1.2))
        next_batch = (max(acknowledged) + 1 if acknowledged else 0) + 1000
    store = open_store(paths, load_master_key(paths))
    with store.read() as connection:
        assert connection.exec_driver_sql("PRAGMA cipher_integrity_check").all() == []
        assert connection.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
    sizes: dict[int, int] = {}
    for record in opened_records(store):
        batch = int(record["id"].split("-")[0][1:])
        sizes[batch] = sizes.get(batch, 0) + 1
    store.close()
    assert len(acknowledged) >= 12, "too few batches committed to prove anything; give the writer more time"
    assert set(acknowledged) <= set(sizes)
    assert all(size == BATCH for size in sizes.values())


def _vault_rows(store, table: str) -> int:
    with store.personal.vault.engine.connect() as connection:
        return connection.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar_one()


def test_keys_of_killed_imports_are_collected_when_the_store_next_opens(paths: Paths) -> None:
    create_store(paths, create_key_file(paths.key_file)).close()
    rng = random.Random(9)
    for round_ in range(6):
        run_and_kill(paths, round_ * 1000, rng.uniform(0.0, 0.8))
    store = open_store(paths, load_master_key(paths))
    with store.read() as connection:
        records = connection.exec_driver_sql("SELECT count(*) FROM source_record").scalar_one()
    assert records > 0
    assert _vault_rows(store, "data_key") == records
    assert _vault_rows(store, "pending_key") == 0
    store.close()


HOLDER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from cdp.config import Paths
    from cdp.store.keys import load_master_key
    from cdp.store.database import open_store

    store = open_store(Paths(Path(sys.argv[1])), load_master_key(Paths(Path(sys.argv[1]))))
    with store.write() as connection:
        store.new_keys(connection, 40)
        print("made", flush=True)
        time.sleep(60)
    """
)


def test_keys_of_a_unit_of_work_that_never_committed_go_and_a_running_ones_stay(paths: Paths) -> None:
    create_store(paths, create_key_file(paths.key_file)).close()
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(paths.data_dir)], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "made"
    store = open_store(paths, load_master_key(paths))
    assert _vault_rows(store, "pending_key") == 40, "the keys of a process that still runs were taken"
    store.close()
    os.kill(holder.pid, signal.SIGKILL)
    holder.communicate()
    store = open_store(paths, load_master_key(paths))
    assert _vault_rows(store, "pending_key") == 0
    assert _vault_rows(store, "data_key") == 0
    store.close()


def test_pending_keys_a_committed_record_uses_are_kept(paths: Paths) -> None:
    store = create_store(paths, create_key_file(paths.key_file))
    import_data(store, "c.csv", b"ID;Vorname\n1;Anna\n2;Bernd\n", "shop")
    with store.read() as connection:
        key_ids = [bytes(row[0]) for row in connection.exec_driver_sql("SELECT key_id FROM source_record")]
    with store.personal.vault.engine.begin() as connection:
        connection.exec_driver_sql(
            "INSERT INTO pending_key (key_id, owner) VALUES (?, '999999999:1')", [(key,) for key in key_ids]
        )
    store.close()
    store = open_store(paths, load_master_key(paths))
    assert _vault_rows(store, "pending_key") == 0
    assert _vault_rows(store, "data_key") == 2
    assert sorted(record["fields"]["first_name"] for record in opened_records(store)) == ["Anna", "Bernd"]
    store.close()
