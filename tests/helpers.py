"""Test helpers: verbs that drive Kundenbild the way a user does."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from cdp.config import Paths
from cdp.store.database import Store
from cdp.store.personal import Place
from cdp.store.schema import source_record


def cdp_environment(data_dir: Path, env: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of a ``cdp`` process for ``data_dir``: no inherited CDP_ setting."""
    environ = {key: value for key, value in os.environ.items() if not key.startswith("CDP_")}
    # English messages whatever this machine's locale; a test that wants German asks for it.
    environ.update({"CDP_DATA_DIR": str(data_dir), "TMPDIR": str(data_dir.parent / "tmp"), "CDP_LANGUAGE": "en"})
    environ.update(env or {})
    (data_dir.parent / "tmp").mkdir(exist_ok=True)
    return environ


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def served(data_dir: Path, env: dict[str, str] | None = None) -> Iterator[str]:
    """A real ``cdp serve`` (waitress) on 127.0.0.1 over ``data_dir``; its base URL."""
    port = free_port()
    environ = cdp_environment(data_dir, {"CDP_PORT": str(port), "CDP_RETENTION_HOURS": "0", **(env or {})})
    process = subprocess.Popen(
        [sys.executable, "-m", "kundenbild.cli", "serve"], env=environ, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        wait_for_port(port, process)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=20)
        process.stdout.close()


def wait_for_port(port: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"cdp serve ended early: {process.stdout.read().decode(errors='replace')}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError("cdp serve did not start within 30 s")


def run_cdp(
    data_dir: Path, *args: str, env: dict[str, str] | None = None, stdin: str | None = None
) -> subprocess.CompletedProcess:
    """Run the real ``cdp`` command against ``data_dir``; never raises on failure."""
    return subprocess.run(
        [sys.executable, "-m", "kundenbild.cli", *args],
        capture_output=True,
        text=True,
        env=cdp_environment(data_dir, env),
        input=stdin,
        timeout=300,
        check=False,
    )


def write_file(folder: Path, name: str, content: str | bytes, encoding: str = "utf-8") -> Path:
    """Write a test input file and return its path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding=encoding, newline="")
    return path


def opened_records(store: Store) -> list[dict]:
    """Every source record's decrypted payload, with its source."""
    with store.read() as connection:
        rows = connection.execute(source_record.select().order_by(source_record.c.id)).all()
    records = []
    for row in rows:
        payload = store.personal.open(bytes(row.key_id), Place("source_record", "payload", row.id), bytes(row.payload))
        records.append({**(payload or {}), "row_id": row.id, "source": row.source, "profile_id": row.profile_id})
    return records


def count_rows(store: Store, table: str) -> int:
    with store.read() as connection:
        return connection.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar_one()


def data_paths(tmp_path: Path) -> Paths:
    return Paths(tmp_path / "data")
