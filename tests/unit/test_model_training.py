"""Training the match model never fails: on stores whose records cannot teach it anything it falls back
to sound defaults, says so, and the model it gives still scores pairs."""

from __future__ import annotations

import math
import random

import pytest

from cdp.records import Record
from identity import model

SIZE = 1000  # the smallest store that gets a model (identity.resolve.MODEL_MIN_RECORDS)


def _table(fields_of):
    records = {number: Record(number, number, "test", str(number), fields_of(number)) for number in range(SIZE)}
    return model.records_table(records)


def _unique_people(number: int) -> dict[str, str]:
    """One source, nobody twice: no pair is near-certain, so no share of duplicates can be estimated."""
    rng = random.Random(number)
    return {
        "first_name": f"Vorname{number}",
        "last_name": f"Nachname{number % 500}",
        "birth_date": f"{1940 + number % 60}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
        "street": f"Weg{number % 97} {number % 13 + 1}",
        "postcode": f"{10000 + number:05d}",
        "city": f"Ort{number % 31}",
    }


SHAPES = {
    "nobody twice": _unique_people,
    "every field equal": lambda number: {
        "first_name": "Anna", "last_name": "Meier", "birth_date": "1980-01-01", "postcode": "10115", "city": "Berlin"
    },
    "only a surname": lambda number: {"last_name": f"Name{number % 7}"},
    "only emails": lambda number: {"email": f"kunde{number}@example.com"},
    "names all empty": lambda number: {"email": f"kunde{number % 10}@example.com", "phone": f"+49301234{number:04d}"},
}


@pytest.mark.parametrize("shape", SHAPES)
def test_training_falls_back_to_sound_defaults(shape: str) -> None:
    table = _table(SHAPES[shape])
    trained, notes = model.train(table, seed=1, memory_limit="1GB")
    prior = trained["probability_two_random_records_match"]
    assert 0 < prior < 1
    for comparison in trained["comparisons"]:
        for level in comparison["comparison_levels"]:
            for name in ("m_probability", "u_probability"):
                value = level.get(name)
                assert value is None or isinstance(value, str) or (math.isfinite(value) and 0 <= value <= 1)
    links = model.predict(table, trained, 0.5, memory_limit="1GB")
    assert all(0 <= link.evidence["probability"] <= 1 for link in links)
    assert all(isinstance(note, str) and "\n" not in note for note in notes)


def test_a_store_without_duplicates_is_told_why_the_model_assumes_few() -> None:
    _, notes = model.train(_table(_unique_people), seed=1, memory_limit="1GB")
    assert model.PRIOR_DEFAULT in notes


def test_unusable_numbers_are_dropped_so_defaults_apply() -> None:
    broken = {
        "probability_two_random_records_match": 0.0,
        "comparisons": [{"output_column_name": "city",
                         "comparison_levels": [{"m_probability": float("nan"), "u_probability": 0.2},
                                               {"m_probability": 1.5, "u_probability": float("inf")}]}],
    }  # fmt: skip
    notes: list[str] = []
    fixed = model.sound(broken, 2000, notes)
    assert fixed["probability_two_random_records_match"] == model.default_prior(2000)
    assert fixed["comparisons"][0]["comparison_levels"] == [{"u_probability": 0.2}, {}]
    assert notes == [model.UNSOUND]
