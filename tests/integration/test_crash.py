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
from cdp.keys import create_key_file, load_master_key
from cdp.store import create_store, open_store
from tests.helpers import opened_records

BATCH = 50
CHILD = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from cdp.config import Paths
    from cdp.ingest import import_data
    from cdp.keys import load_master_key
    from cdp.store import open_store

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
    """Start the writer, kill it after ``seconds``, return the batches it acknowledged."""
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(paths.data_dir), str(first_batch)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    time.sleep(seconds)
    os.kill(child.pid, signal.SIGKILL)
    output, _ = child.communicate()
    return [int(line) for line in output.split()]


def test_sigkilled_writer_never_leaves_a_partial_batch(paths: Paths) -> None:
    create_store(paths, create_key_file(paths.key_file)).close()
    rng = random.Random(4)
    acknowledged: list[int] = []
    next_batch = 0
    for _ in range(12):
        acknowledged += run_and_kill(paths, next_batch, rng.uniform(0.8, 2.0))
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
