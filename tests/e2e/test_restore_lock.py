"""A restore never runs under a live server, so no acknowledged write can vanish."""

from __future__ import annotations

import json
import os
import subprocess
import urllib.request
from pathlib import Path

import pytest

from cdp.config import Paths
from cdp.errors import StoreInUse
from cdp.store import locking
from cdp.store.database import open_store
from cdp.store.keys import load_master_key
from tests.helpers import run_cdp, served


def _ok(data: Path, *args: str) -> str:
    result = run_cdp(data, *args)
    assert result.returncode == 0, result.stderr
    return result.stdout


def _push(base: str, token: str, record_id: str) -> int:
    body = json.dumps({"records": [{"id": record_id, "first_name": "Lena", "last_name": record_id}]}).encode()
    request = urllib.request.Request(
        f"{base}/api/v1/contacts?source=shop",
        data=body,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request) as answer:
        return answer.status


def _record_ids(data: Path) -> set[str]:
    target = data.parent / "links.csv"
    target.unlink(missing_ok=True)
    _ok(data, "export", "links", str(target))
    return {line.split(",")[1] for line in target.read_text().splitlines()[1:]}


def test_restore_is_refused_while_the_server_runs_and_loses_nothing(tmp_path: Path) -> None:
    data = tmp_path / "data"
    _ok(data, "init")
    token = _ok(data, "token", "create", "--role", "admin", "--name", "shop").strip()
    with served(data) as base:
        assert _push(base, token, "before") == 201
        _ok(data, "backup", str(tmp_path / "kb.kbk"))
        assert _push(base, token, "after") == 201
        refused = run_cdp(data, "restore", str(tmp_path / "kb.kbk"), "--yes")
        assert refused.returncode == 3, refused.stderr
        assert "is open in another process (is 'cdp serve' running?)" in refused.stderr
        assert "Traceback" not in refused.stderr
        assert _push(base, token, "later") == 201
    assert _record_ids(data) == {"before", "after", "later"}
    _ok(data, "restore", str(tmp_path / "kb.kbk"), "--yes")
    assert _record_ids(data) == {"before"}


def test_nothing_opens_the_store_while_a_restore_holds_it(tmp_path: Path) -> None:
    data = tmp_path / "data"
    _ok(data, "init")
    paths = Paths(data)
    with locking.exclusive(paths):
        with pytest.raises(StoreInUse, match="is being restored"):
            open_store(paths, load_master_key(paths))
        blocked = run_cdp(data, "user", "list")
        assert blocked.returncode == 3 and "is being restored; try again" in blocked.stderr
    assert run_cdp(data, "user", "list").returncode == 0


def test_a_killed_backup_leaves_partial_files_that_the_next_backup_removes(tmp_path: Path) -> None:
    data = tmp_path / "data"
    _ok(data, "init")
    gone = subprocess.Popen(["true"])
    gone.wait()
    folder = tmp_path / "backups"
    folder.mkdir()
    abandoned = folder / f".kb.kbk.{gone.pid}.x1y2.partial"
    for part in (abandoned, abandoned.with_name(abandoned.name + "-journal")):
        part.write_bytes(b"\x00" * 4096)
    running = folder / f".kb.kbk.{os.getpid()}.z9.partial"
    running.write_bytes(b"\x00")
    _ok(data, "backup", str(folder / "kb.kbk"))
    assert sorted(path.name for path in folder.iterdir()) == sorted(["kb.kbk", running.name])
