"""``cdp demo`` as ``make run`` runs it: a new store with invented customers, their consent, two past
campaigns, and a user per role whose password is printed once."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import run_cdp


def test_the_demo_fills_a_new_store_and_refuses_an_existing_one(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    made = run_cdp(folder, "demo", "--people", "150")
    assert made.returncode == 0, made.stderr
    assert "Newsletter consent from newsletter-anmeldungen.csv" in made.stdout
    assert "Campaign Frühlingsaktion" in made.stdout and "demo-marketing" in made.stdout
    again = run_cdp(folder, "demo")
    assert again.returncode != 0 and "already exists" in again.stderr and "Traceback" not in again.stderr
