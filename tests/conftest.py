"""Shared fixtures: every test that writes gets its own encrypted store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from cdp.config import Paths
from cdp.store.database import Store, create_store
from cdp.store.keys import create_key_file


@pytest.fixture(autouse=True)
def english_messages(monkeypatch: pytest.MonkeyPatch) -> None:
    """Commands run in the test process speak English whatever this machine's locale (``config.language``)."""
    monkeypatch.setenv("CDP_LANGUAGE", "en")


@pytest.fixture
def paths(tmp_path: Path) -> Paths:
    """A fresh, empty data folder."""
    return Paths(tmp_path / "data")


@pytest.fixture
def store(paths: Paths) -> Iterator[Store]:
    """A new encrypted store with its vault and key file."""
    master = create_key_file(paths.key_file)
    opened = create_store(paths, master)
    yield opened
    opened.close()
