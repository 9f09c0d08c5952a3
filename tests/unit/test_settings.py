"""Every setting Kundenbild reads is documented in the README."""

from __future__ import annotations

from pathlib import Path

import pytest

from cdp import config
from cdp.errors import ConfigError

README = Path(__file__).resolve().parents[2] / "README.md"


@pytest.mark.parametrize("setting", config.SETTINGS, ids=lambda s: s.name)
def test_setting_is_in_the_readme_table(setting: config.Setting) -> None:
    rows = [line for line in README.read_text(encoding="utf-8").splitlines() if line.startswith(f"| `{setting.name}`")]
    assert rows, f"{setting.name} is missing from the README's settings table"
    assert setting.default is None or f"`{setting.default}`" in rows[0]


def test_environment_overrides_defaults() -> None:
    assert config.setting("CDP_DEFAULT_REGION", {}) == "DE"
    assert config.setting("CDP_DEFAULT_REGION", {"CDP_DEFAULT_REGION": "AT"}) == "AT"
    assert config.paths({"CDP_DATA_DIR": "/srv/kb"}).store == Path("/srv/kb/kundenbild.db")


def test_a_bad_region_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="two-letter"):
        config.default_region({"CDP_DEFAULT_REGION": "Germany"})


def test_match_thresholds_are_read_and_checked() -> None:
    assert config.match_thresholds({}) == (0.95, 0.5)
    assert config.match_thresholds({"CDP_MATCH_JOIN": "0.9", "CDP_MATCH_REVIEW": "0.6"}) == (0.9, 0.6)
    for wrong in ({"CDP_MATCH_JOIN": "0.4"}, {"CDP_MATCH_REVIEW": "0"}, {"CDP_MATCH_JOIN": "sehr"}):
        with pytest.raises(ConfigError, match="CDP_MATCH"):
            config.match_thresholds(wrong)
