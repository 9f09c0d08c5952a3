"""Test helpers: verbs that drive Kundenbild the way a user does."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from cdp.config import Paths
from cdp.personal import Place
from cdp.schema import source_record
from cdp.store import Store


def run_cdp(
    data_dir: Path, *args: str, env: dict[str, str] | None = None, stdin: str | None = None
) -> subprocess.CompletedProcess:
    """Run the real ``cdp`` command against ``data_dir``; never raises on failure."""
    environ = {key: value for key, value in os.environ.items() if not key.startswith("CDP_")}
    environ.update({"CDP_DATA_DIR": str(data_dir), "TMPDIR": str(data_dir.parent / "tmp")})
    environ.update(env or {})
    (data_dir.parent / "tmp").mkdir(exist_ok=True)
    return subprocess.run(
        [sys.executable, "-m", "web.cli", *args],
        capture_output=True,
        text=True,
        env=environ,
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
