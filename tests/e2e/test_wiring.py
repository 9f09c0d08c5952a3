"""The program is assembled in one place, and nothing runs without its wiring."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from cdp.cli import Wiring, main
from cdp.store.database import Store
from kundenbild import bootstrap
from kundenbild.cli import command
from web.app import create_app


def test_the_wiring_has_no_defaults() -> None:
    with pytest.raises(TypeError):
        Wiring()  # type: ignore[call-arg]


def test_a_core_command_run_without_the_wiring_fails_loudly(tmp_path: Path) -> None:
    env = {"CDP_DATA_DIR": str(tmp_path / "data")}
    assert CliRunner().invoke(main, ["init"], env=env).exit_code == 0
    result = CliRunner().invoke(main, ["user", "list"], env=env)
    assert result.exit_code == 70 and "unexpected problem" in result.output


def test_the_web_application_needs_its_hook(store: Store, tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match=r"WIRING"):
        create_app({"STORE": store, "LOG_DIR": tmp_path / "logs"})
    assert bootstrap.app({"STORE": store, "LOG_DIR": tmp_path / "logs"}).config["WIRING"] == bootstrap.wiring()


def test_cdp_offers_every_area_s_commands() -> None:
    group = command()
    assert {"resolve", "consent", "dsr", "retention", "serve", "demo", "import", "backup"} <= set(group.commands)
    assert {"links", "contacts"} <= set(group.commands["export"].commands)
