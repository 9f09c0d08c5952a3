"""Worker processes share nothing with the process that starts them, and end with it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from cdp import parallel

STARTER = textwrap.dedent(
    """
    import os, sys, time
    from cdp import parallel
    pool = parallel.worker_pool(2)
    pids = set(pool.submit(os.getpid).result() for _ in range(8))
    futures = [pool.submit(time.sleep, 600) for _ in range(2)]
    print(" ".join(str(pid) for pid in pids), flush=True)
    time.sleep(600)
    """
)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/status").read_text() if Path(f"/proc/{pid}/status").exists() else ""
    return "State:\tZ" not in status


def test_workers_end_when_the_process_that_started_them_is_killed() -> None:
    starter = subprocess.Popen(
        [sys.executable, "-c", STARTER], stdout=subprocess.PIPE, text=True, cwd=Path(__file__).parents[2]
    )
    workers = [int(pid) for pid in starter.stdout.readline().split()]
    assert workers and all(_alive(pid) for pid in workers)
    starter.send_signal(signal.SIGKILL)
    starter.wait()
    starter.stdout.close()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(_alive(pid) for pid in workers):
        time.sleep(0.1)
    assert not [pid for pid in workers if _alive(pid)]


def test_a_worker_never_holds_what_the_starting_process_has_open(tmp_path: Path) -> None:
    """A worker's open files are its own: none of the starting process's store files is among them."""
    store_file = tmp_path / "held.db"
    with store_file.open("wb"), parallel.worker_pool(1) as pool:
        held = pool.submit(_open_files).result()
    assert str(store_file) not in held


def _open_files() -> list[str]:
    folder = Path("/proc/self/fd")
    return [os.readlink(folder / name) for name in os.listdir(folder) if (folder / name).is_symlink()]
