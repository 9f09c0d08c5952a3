"""``cdp resolve`` as a user runs it on stores the match model cannot learn from: it finishes, says in
one line what it fell back to, and never crashes."""

from __future__ import annotations

import random
import string
from pathlib import Path

import pytest

from tests.helpers import run_cdp, write_file

HEADER = "ID;Vorname;Nachname;Geburtsdatum;Straße;PLZ;Ort\n"


def _unique_people(count: int) -> str:
    """One source, nobody twice (one file of a linkage benchmark): names of random letters, so no two look alike."""
    rng = random.Random(3)

    def name() -> str:
        return "".join(rng.choices(string.ascii_lowercase, k=rng.randint(5, 9))).capitalize()

    rows = [
        f"K{number};{name()};{name()};{rng.randint(1, 28):02d}.{rng.randint(1, 12):02d}.{rng.randint(1940, 2000)};"
        f"{name()}weg {rng.randint(1, 99)};{rng.randint(10000, 99999)};{name()}\n"
        for number in range(count)
    ]
    return HEADER + "".join(rows)


def _all_equal(count: int) -> str:
    return HEADER + "".join(f"K{number};Anna;Meier;01.01.1980;Hauptstraße 1;10115;Berlin\n" for number in range(count))


@pytest.mark.parametrize("contacts", [_unique_people, _all_equal], ids=["nobody twice", "all fields equal"])
def test_resolve_finishes_on_a_store_the_model_cannot_learn_from(tmp_path: Path, contacts) -> None:
    folder = tmp_path / "data"
    assert run_cdp(folder, "init").returncode == 0
    imported = run_cdp(folder, "import", str(write_file(tmp_path, "kunden.csv", contacts(1200))), "--source", "shop")
    assert imported.returncode == 0, imported.stderr
    resolved = run_cdp(folder, "resolve")
    assert resolved.returncode == 0, resolved.stderr
    assert "Resolved 1200 records into" in resolved.stdout
    assert "Traceback" not in resolved.stderr and "unexpected problem" not in resolved.stderr
    if contacts is _unique_people:
        assert "Match model: No pair of records was near-certain" in resolved.stderr
        assert "into 1200 profiles" in resolved.stdout
