"""``cdp import`` and ``cdp resolve`` on dirty data shaped as record-linkage research measures with: people
with no email and no phone, names and birth dates mistyped, impossible dates, values missing
(``bench/identity_shapes.py``). Run as a user runs them; the links ``cdp export links`` writes are scored
against the truth. Floors, not the benchmark's figures: they fail when resolution breaks, not when it
moves by a point."""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import pytest

from tests.helpers import run_cdp

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import identity_dirty
import identity_shapes
from identity_data import score


@pytest.mark.parametrize("shape", ["dedupe", "linkage"])
def test_resolve_joins_dirty_duplicates_and_no_strangers(tmp_path: Path, shape: str) -> None:
    records, truth = identity_shapes.generate(shape, 1500, seed=7)
    folder = tmp_path / "data"
    assert run_cdp(folder, "init").returncode == 0
    for source in sorted({record["source"] for record in records}):
        path = tmp_path / f"{source}.csv"
        path.write_bytes(identity_dirty._csv([record for record in records if record["source"] == source]))
        imported = run_cdp(folder, "import", str(path), "--source", source)
        assert imported.returncode == 0, imported.stderr
    resolved = run_cdp(folder, "resolve")
    assert resolved.returncode == 0 and "Traceback" not in resolved.stderr, resolved.stderr
    assert run_cdp(folder, "export", "links", str(tmp_path / "links.csv")).returncode == 0
    with (tmp_path / "links.csv").open(encoding="utf-8", newline="") as handle:
        profile_of = {(row["source"], row["source_record_id"]): row["profile_id"] for row in csv.DictReader(handle)}
    labels = [profile_of.get((row["source"], row["record_id"]), f"left out {n}") for n, row in enumerate(records)]
    figures = score(labels, truth)
    assert figures["precision"] >= 0.99 and figures["recall"] >= 0.9, figures
