"""The probabilistic match model: trained on a small invented data set, it links obvious duplicates
and keeps members of one household apart."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from cdp.records import Record
from identity import model

FIRST = ("Anna", "Bernd", "Clara", "Dieter", "Eva", "Frank", "Greta", "Hans", "Ilse", "Jonas", "Karin", "Lukas",
         "Maria", "Niklas", "Olga", "Paul", "Rita", "Stefan", "Tanja", "Uwe")  # fmt: skip
LAST = ("Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Wagner", "Becker", "Hoffmann", "Schäfer",
        "Koch", "Richter", "Klein", "Wolf", "Neumann", "Schwarz", "Zimmermann", "Braun", "Krüger", "Hofmann",
        "Hartmann")  # fmt: skip
STREETS = ("Hauptstraße", "Bahnhofstraße", "Gartenweg", "Lindenallee", "Schulstraße")


def _person(rng: random.Random, number: int) -> dict[str, str]:
    return {
        "first_name": rng.choice(FIRST),
        "last_name": rng.choice(LAST),
        "birth_date": f"{rng.randint(1940, 2000)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
        "email": f"kunde{number}@example.com",
        "phone": f"+4930{number:07d}",
        "street": f"{rng.choice(STREETS)} {rng.randint(1, 90)}",
        "postcode": f"{rng.randint(10000, 99999)}",
        "city": rng.choice(("Berlin", "Hamburg", "Köln", "München")),
    }


def _copy(rng: random.Random, person: dict[str, str]) -> dict[str, str]:
    """Another source's record of the same person: some fields missing, sometimes a typo in the surname."""
    fields = {key: value for key, value in person.items() if key in ("first_name", "last_name") or rng.random() > 0.3}
    if rng.random() < 0.3:
        last = fields["last_name"]
        fields["last_name"] = last[:2] + last[3] + last[2] + last[4:]
    return fields


def _dataset() -> dict[int, Record]:
    rng = random.Random(7)
    rows: list[dict[str, str]] = []
    for number in range(150):
        person = _person(rng, number)
        rows.append(person)
        rows.append(_copy(rng, person))
    rows += [HOUSEHOLD_A, HOUSEHOLD_B, DUPLICATE_A, DUPLICATE_B]
    return {i: Record(i, i, "test", str(i), fields) for i, fields in enumerate(rows)}


HOUSEHOLD_A = {"first_name": "Sabine", "last_name": "Lehmann", "birth_date": "1971-04-02",
               "street": "Ahornweg 5", "postcode": "50667", "city": "Köln"}  # fmt: skip
HOUSEHOLD_B = {"first_name": "Thomas", "last_name": "Lehmann", "birth_date": "1968-11-23",
               "street": "Ahornweg 5", "postcode": "50667", "city": "Köln"}  # fmt: skip
DUPLICATE_A = {"first_name": "Jürgen", "last_name": "Özdemir", "birth_date": "1980-03-07",
               "street": "Ringstraße 12", "postcode": "20095", "city": "Hamburg"}  # fmt: skip
DUPLICATE_B = {"first_name": "Juergen", "last_name": "Oezdemir", "birth_date": "1980-07-03",
               "street": "Ringstr. 12", "postcode": "20095"}  # fmt: skip


@pytest.fixture(scope="module")
def trained() -> tuple[dict[int, Record], dict]:
    records = _dataset()
    return records, model.train(model.records_table(records), seed=1, memory_limit="1GB")[0]


def test_model_is_json(trained: tuple[dict[int, Record], dict]) -> None:
    _, settings = trained
    assert json.loads(json.dumps(settings))["link_type"] == "dedupe_only"


def test_obvious_duplicates_are_linked(trained: tuple[dict[int, Record], dict]) -> None:
    records, settings = trained
    links = {
        (link.left, link.right): link
        for link in model.predict(model.records_table(records), settings, 0.95, memory_limit="1GB")
    }
    copies = [(i, i + 1) for i in range(0, 300, 2)]
    assert sum(pair in links for pair in copies) >= 0.9 * len(copies)
    ids = {fields["first_name"]: i for i, fields in ((i, r.fields) for i, r in records.items()) if i >= 300}
    pair = (ids["Jürgen"], ids["Juergen"])
    assert pair in links
    evidence = links[pair].evidence
    assert evidence["first_name"] == "exact"
    assert evidence["birth_date"] == "day_month_swapped"
    assert evidence["total"] == pytest.approx(links[pair].score, abs=0.01)


def test_household_is_not_linked(trained: tuple[dict[int, Record], dict]) -> None:
    records, settings = trained
    ids = {fields["first_name"]: i for i, fields in ((i, r.fields) for i, r in records.items()) if i >= 300}
    pairs = {
        (link.left, link.right)
        for link in model.predict(model.records_table(records), settings, 0.5, memory_limit="1GB")
    }
    assert tuple(sorted((ids["Sabine"], ids["Thomas"]))) not in pairs


SCRIPT = """
import sys
sys.path.insert(0, {tests!r})
from test_model import _dataset
from identity import model
records = _dataset()
for record in records.values():
    record.fields["last_name"] = "Zqxmarker" + record.fields["last_name"]
table = model.records_table(records)
model.predict(table, model.train(table, seed=1, memory_limit="1GB")[0], 0.5, memory_limit="1GB")
print("done")
"""


def test_training_and_prediction_write_no_personal_data_to_disk(tmp_path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    environ = {**os.environ, "TMPDIR": str(work), "HOME": str(work)}
    script = SCRIPT.format(tests=str(Path(__file__).parent))
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=work, env=environ, capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0 and "done" in result.stdout, result.stderr[-2000:]
    for path in work.rglob("*"):
        if path.is_file():
            assert b"zqxmarker" not in path.read_bytes().lower(), path
