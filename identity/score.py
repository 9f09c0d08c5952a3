"""Scoring record pairs in Python with the stored model's weights, for one new record at a time.

A batch run scores millions of pairs in DuckDB through Splink. A record arriving by import or API
needs its few candidates scored at once, without starting DuckDB: this module evaluates the same
comparison levels (the model's own list, in its order) on the rows ``identity.model.row`` makes,
and adds up the same weights — log2(m/u) per level, the term-frequency adjustment for exact names,
and the prior. A test checks that it agrees with Splink pair for pair.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import jellyfish

from identity import compare
from identity.model import FLOOR_WEIGHT
from identity.store import Link

Row = dict[str, Any]
Test = Callable[[Row, Row, str], bool]


def _exact(left: Row, right: Row, column: str) -> bool:
    return left[column] == right[column]


def _jaro_winkler(threshold: float) -> Test:
    def test(left: Row, right: Row, column: str) -> bool:
        return jellyfish.jaro_winkler_similarity(left[column], right[column]) >= threshold

    return test


def _code(left: Row, right: Row, column: str) -> bool:
    code = "first_code" if column == "first_name" else "last_code"
    return left[code] is not None and left[code] == right[code]


def _swapped(left: Row, right: Row, column: str) -> bool:
    if None in (left["first_name"], left["last_name"], right["first_name"], right["last_name"]):
        return False
    similar = jellyfish.jaro_winkler_similarity
    return (similar(left["first_name"], right["last_name"]) >= compare.JW_MID
            and similar(left["last_name"], right["first_name"]) >= compare.JW_MID)  # fmt: skip


def _nickname(left: Row, right: Row, column: str) -> bool:
    return bool(set(left["first_groups"]) & set(right["first_groups"]))


def _day_month_swapped(left: Row, right: Row, column: str) -> bool:
    a, b = left[column], right[column]
    return a[:4] == b[:4] and a[5:7] == b[8:10] and a[8:10] == b[5:7]


def _one_digit_off(left: Row, right: Row, column: str) -> bool:
    return jellyfish.levenshtein_distance(left[column], right[column]) <= 1


def _transposed(left: Row, right: Row, column: str) -> bool:
    a, b = left[column], right[column]
    differing = [index for index, (x, y) in enumerate(zip(a, b, strict=False)) if x != y]
    return len(a) == len(b) and compare._transposed(a, b, differing)


def _same_day_month(left: Row, right: Row, column: str) -> bool:
    return left[column][4:] == right[column][4:]


def _same_year(left: Row, right: Row, column: str) -> bool:
    return left[column][:4] == right[column][:4]


def _alike(left: str | None, right: str | None) -> bool:
    return left is not None and right is not None and jellyfish.jaro_winkler_similarity(left, right) >= compare.JW_HIGH


def _same_postcode(left: Row, right: Row, column: str) -> bool:
    return left["postcode"] is not None and left["postcode"] == right["postcode"]


def _same_city(left: Row, right: Row, column: str) -> bool:
    return _alike(left["city"], right["city"])


def _same_street(left: Row, right: Row, column: str) -> bool:
    place = _same_postcode(left, right, column) or _same_city(left, right, column)
    return place and _alike(left["street_name"], right["street_name"])


def _same_house(left: Row, right: Row, column: str) -> bool:
    return _same_street(left, right, column) and left["house"] is not None and left["house"] == right["house"]


TESTS: dict[str, Test] = {
    "exact": _exact,
    "names_swapped": _swapped,
    "nickname": _nickname,
    "jw_high": _jaro_winkler(compare.JW_HIGH),
    "jw_mid": _jaro_winkler(compare.JW_MID),
    "phonetic": _code,
    "day_month_swapped": _day_month_swapped,
    "one_digit_off": _one_digit_off,
    "transposed": _transposed,
    "same_day_month": _same_day_month,
    "same_year": _same_year,
    "same_house": _same_house,
    "same_street": _same_street,
    "same_postcode": _same_postcode,
    "same_city": _same_city,
    compare.DIFFERENT: lambda left, right, column: True,
}


class Scorer:
    """The stored model, ready to score pairs of ``identity.model.row`` rows.

    ``frequency(column, value)`` gives how often a name occurs among all
    records (0 to 1), for the term-frequency adjustment of exact names.
    """

    def __init__(self, model: dict, frequency: Callable[[str, str], float]) -> None:
        self.frequency = frequency
        probability = model["probability_two_random_records_match"]
        self.prior = math.log2(probability / (1 - probability))
        self.comparisons = [
            (comparison["output_column_name"], _levels(comparison["comparison_levels"]))
            for comparison in model["comparisons"]
        ]

    def link(self, left: Row, right: Row) -> Link:
        """The pair scored as ``identity.model.predict`` scores it, evidence included."""
        found: dict[str, Any] = {}
        total = self.prior
        for column, levels in self.comparisons:
            label, weight = self._compare(levels, left, right, column)
            found[column] = label
            found[f"{column}_weight"] = round(weight, 2)
            total += weight
        found["total"] = round(total, 2)
        found["probability"] = round(_probability(total), 4)
        low, high = sorted((int(left["unique_id"]), int(right["unique_id"])))
        return Link(low, high, "model", total, found)

    def _compare(self, levels: list[dict], left: Row, right: Row, column: str) -> tuple[str, float]:
        if left[column] is None or right[column] is None:
            return compare.MISSING, 0.0
        for level in levels:
            if not level["test"](left, right, column):
                continue
            weight = level["weight"]
            if level["tf_column"]:
                weight += self._adjustment(level, left[level["tf_column"]])
            return level["label"], weight
        return compare.DIFFERENT, 0.0

    def _adjustment(self, level: dict, value: str) -> float:
        """Splink's term-frequency adjustment: a common name's exact match weighs less."""
        frequency = self.frequency(level["tf_column"], value)
        if not frequency or not level["u"]:
            return 0.0
        return level["tf_weight"] * math.log2(level["u"] / frequency)


def _levels(levels: list[dict]) -> list[dict]:
    """Each level with its test and weight; the levels without a value for m
    or u get Splink's defaults, numbered as Splink numbers them (gamma counts
    down from the strongest non-null level)."""
    real = [level for level in levels if not level.get("is_null_level")]
    default_m, default_u = _default_m(len(real)), _default_u(len(real))
    ready = []
    for index, level in enumerate(real):
        gamma = len(real) - 1 - index
        m = _probability_of(level.get("m_probability"), default_m[gamma])
        u = _probability_of(level.get("u_probability"), default_u[gamma])
        ready.append(
            {
                "label": level["label_for_charts"],
                "test": TESTS[level["label_for_charts"]],
                "weight": _weight(m, u),
                "u": u,
                "tf_column": level.get("tf_adjustment_column"),
                "tf_weight": level.get("tf_adjustment_weight", 1.0),
            }
        )
    return ready


NOT_OBSERVED = 1e-6  # Splink's stand-in for a level never observed in training


def _probability_of(value: float | str | None, default: float) -> float:
    if value is None:
        return default
    return NOT_OBSERVED if isinstance(value, str) else value


def _default_m(count: int) -> list[float]:
    """Splink's m before training: 0.95 for the strongest level, the rest shared."""
    return [0.05 / (count - 1)] * (count - 1) + [0.95]


def _default_u(count: int) -> list[float]:
    """Splink's u before training: what makes the weights run evenly from -5 to 3, and 10 for the strongest."""
    weights = [-5.0] if count == 2 else [-5 + index * 8 / (count - 2) for index in range(count - 1)]
    return [m / 2**weight for m, weight in zip(_default_m(count), [*weights, 10.0], strict=True)]


def _weight(m: float, u: float) -> float:
    """log2(m/u), kept finite (FLOOR_WEIGHT) for a level with m = 0."""
    if m == 0:
        return FLOOR_WEIGHT
    return math.log2(m / u)


def _probability(weight: float) -> float:
    if weight > 60:
        return 1.0
    odds = 2.0**weight
    return odds / (1 + odds)
