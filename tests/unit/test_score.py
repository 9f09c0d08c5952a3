"""The Python scorer used for one new record agrees with Splink's batch prediction, pair for pair."""

from __future__ import annotations

import math
from collections import Counter

import pytest

from identity import model
from identity.score import Scorer
from tests.unit.test_model import _dataset


@pytest.fixture(scope="module")
def trained() -> tuple[dict, dict]:
    records = _dataset()
    return records, model.train(model.records_table(records))[0]


def _rows(records: dict) -> dict[int, dict]:
    rows = {record_id: model.row(record) for record_id, record in records.items()}
    for row in rows.values():
        assert not any(isinstance(value, float) and math.isnan(value) for value in row.values())
    return rows


def test_scorer_gives_the_levels_and_weights_splink_gives(trained: tuple[dict, dict]) -> None:
    records, trained_model = trained
    rows = _rows(records)
    names = {column: Counter(row[column] for row in rows.values() if row[column]) for column in model.COUNTED}
    scorer = Scorer(trained_model, lambda column, value: names[column][value] / sum(names[column].values()))
    batch = model.predict(model.records_table(records), trained_model, 0.0)
    assert len(batch) > 200
    for link in batch:
        mine = scorer.link(rows[link.left], rows[link.right])
        assert (mine.left, mine.right) == (link.left, link.right)
        assert mine.score == pytest.approx(link.score, abs=0.01)
        labels = {key: value for key, value in link.evidence.items() if not key.endswith("_weight")}
        assert {key: mine.evidence[key] for key in labels} == pytest.approx(labels, abs=0.001)


def test_untrained_levels_get_splinks_default_weights() -> None:
    levels = [
        {"label_for_charts": "missing", "is_null_level": True},
        {"label_for_charts": "exact"},
        {"label_for_charts": "different"},
    ]
    scorer = Scorer({"probability_two_random_records_match": 0.5, "comparisons": [
        {"output_column_name": "email", "comparison_levels": levels}]}, lambda column, value: 0.0)  # fmt: skip
    same = scorer.link({"unique_id": 1, "email": "a"}, {"unique_id": 2, "email": "a"})
    other = scorer.link({"unique_id": 1, "email": "a"}, {"unique_id": 2, "email": "b"})
    missing = scorer.link({"unique_id": 1, "email": None}, {"unique_id": 2, "email": "b"})
    assert (same.score, other.score, missing.score) == pytest.approx((10.0, -5.0, 0.0))
    assert (same.evidence["email"], other.evidence["email"], missing.evidence["email"]) == (
        "exact", "different", "missing")  # fmt: skip


def test_blocking_keys_need_every_value_of_a_rule() -> None:
    row = model.row(_dataset()[0])
    row_without_birth = {**row, "birth_date": None, "birth_year": None}
    rules = {number for number, _ in model.blocking_keys(row)}
    assert rules - {number for number, _ in model.blocking_keys(row_without_birth)} == {1, 5}
