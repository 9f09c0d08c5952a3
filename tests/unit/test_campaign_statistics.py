"""Campaign statistics agree with published and hand-computed values and cover the true effect as often as promised."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from marketing.statistics import (
    Interval,
    bootstrap_mean_difference,
    mean_difference,
    minimum_detectable_effect,
    rate_difference,
    return_on_investment,
    student_t_cdf,
    student_t_quantile,
)

Z_975 = 1.959963984540054
Z_80 = 0.8416212335729143


@st.composite
def group_counts(draw: st.DrawFn) -> tuple[int, int]:
    total = draw(st.integers(min_value=1, max_value=5000))
    return draw(st.integers(min_value=0, max_value=total)), total


GROUP_VALUES = st.lists(
    st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False), min_size=2, max_size=30
)
CONFIDENCE = st.floats(min_value=0.5, max_value=0.999)


def covered_share(intervals: list[Interval], truth: float) -> float:
    return sum(interval.low <= truth <= interval.high for interval in intervals) / len(intervals)


def assert_interval(interval: Interval, estimate: float, low: float, high: float, tolerance: float) -> None:
    assert interval.estimate == pytest.approx(estimate, abs=tolerance)
    assert interval.low == pytest.approx(low, abs=tolerance)
    assert interval.high == pytest.approx(high, abs=tolerance)


def test_minimum_detectable_effect_matches_the_hand_computation() -> None:
    expected = (Z_975 + Z_80) * math.sqrt(0.1 * 0.9 * (1 / 1000 + 1 / 1000))
    assert minimum_detectable_effect(1000, 1000, 0.1) == pytest.approx(expected, rel=1e-12)
    assert minimum_detectable_effect(1000, 1000, 0.1) == pytest.approx(0.037587, abs=1e-6)


def test_minimum_detectable_effect_uses_the_level_and_power_given() -> None:
    z_995, z_90 = 2.5758293035489004, 1.2815515655446004
    expected = (z_995 + z_90) * math.sqrt(0.03 * 0.97 * (1 / 20_000 + 1 / 5_000))
    assert minimum_detectable_effect(20_000, 5_000, 0.03, alpha=0.01, power=0.9) == pytest.approx(expected)


@given(st.integers(1, 10**6), st.integers(1, 10**6), st.floats(0.001, 0.999))
def test_minimum_detectable_effect_is_symmetric_and_halves_with_four_times_the_people(
    treated: int, control: int, base_rate: float
) -> None:
    effect = minimum_detectable_effect(treated, control, base_rate)
    assert minimum_detectable_effect(control, treated, base_rate) == pytest.approx(effect)
    assert minimum_detectable_effect(4 * treated, 4 * control, base_rate) == pytest.approx(effect / 2)


@pytest.mark.parametrize(
    "arguments",
    [
        {"treated": 0, "control": 100, "base_rate": 0.1},
        {"treated": 100, "control": 0, "base_rate": 0.1},
        {"treated": 100, "control": 100, "base_rate": 0.0},
        {"treated": 100, "control": 100, "base_rate": 1.0},
        {"treated": 100, "control": 100, "base_rate": 1.5},
        {"treated": 100, "control": 100, "base_rate": 0.1, "alpha": 0.0},
        {"treated": 100, "control": 100, "base_rate": 0.1, "power": 1.0},
    ],
)
def test_minimum_detectable_effect_rejects_empty_groups_and_rates_outside_the_unit_interval(arguments: dict) -> None:
    with pytest.raises(ValueError, match="must"):
        minimum_detectable_effect(**arguments)


def test_an_interval_cannot_be_changed() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        Interval(0.1, 0.0, 0.2).low = 0.05  # type: ignore[misc]


@pytest.mark.parametrize(
    ("counts", "low", "high"),
    [
        ((56, 70, 48, 80), 0.0524, 0.3339),
        ((9, 10, 3, 10), 0.1705, 0.8090),
        ((6, 7, 2, 7), 0.0582, 0.8062),
        ((5, 56, 0, 29), -0.0381, 0.1926),
        ((0, 10, 0, 20), -0.1611, 0.2775),
        ((0, 10, 0, 10), -0.2775, 0.2775),
        ((10, 10, 0, 20), 0.6791, 1.0000),
        ((10, 10, 0, 10), 0.6075, 1.0000),
    ],
)
def test_rate_difference_gives_newcombes_worked_examples(
    counts: tuple[int, int, int, int], low: float, high: float
) -> None:
    treated_successes, treated_total, control_successes, control_total = counts
    estimate = treated_successes / treated_total - control_successes / control_total
    assert_interval(rate_difference(*counts), estimate, low, high, tolerance=5e-5)


def test_rate_difference_stays_within_bounds_when_every_or_no_one_converts() -> None:
    everyone = rate_difference(200, 200, 0, 200)
    assert everyone.estimate == everyone.high == 1.0
    assert 0.9 < everyone.low < 1.0
    no_one = rate_difference(0, 200, 200, 200)
    assert no_one.estimate == no_one.low == -1.0
    assert -1.0 < no_one.high < -0.9


def test_rate_difference_of_equal_groups_is_zero_and_symmetric() -> None:
    interval = rate_difference(30, 300, 30, 300)
    assert interval.estimate == 0.0
    assert interval.low == pytest.approx(-interval.high)


def test_rate_difference_narrows_with_lower_confidence() -> None:
    wide = rate_difference(56, 70, 48, 80, confidence=0.99)
    narrow = rate_difference(56, 70, 48, 80, confidence=0.90)
    assert wide.low < narrow.low < narrow.high < wide.high


@pytest.mark.parametrize(
    "counts",
    [(0, 0, 5, 10), (5, 10, 0, 0), (11, 10, 5, 10), (-1, 10, 5, 10), (5, 10, 5, -3)],
)
def test_rate_difference_rejects_empty_groups_and_impossible_counts(counts: tuple[int, int, int, int]) -> None:
    with pytest.raises(ValueError, match="must be"):
        rate_difference(*counts)


@given(group_counts(), group_counts(), CONFIDENCE)
def test_rate_difference_lies_within_minus_one_and_one_around_its_estimate(
    treated: tuple[int, int], control: tuple[int, int], confidence: float
) -> None:
    interval = rate_difference(*treated, *control, confidence=confidence)
    assert -1.0 <= interval.low <= interval.estimate <= interval.high <= 1.0


@given(group_counts(), group_counts(), CONFIDENCE)
def test_swapping_the_groups_negates_and_swaps_the_rate_interval(
    treated: tuple[int, int], control: tuple[int, int], confidence: float
) -> None:
    forward = rate_difference(*treated, *control, confidence=confidence)
    backward = rate_difference(*control, *treated, confidence=confidence)
    assert_interval(backward, -forward.estimate, -forward.high, -forward.low, tolerance=1e-12)


def test_rate_difference_covers_a_known_true_difference_about_95_percent_of_the_time() -> None:
    generator = np.random.default_rng(20240601)
    treated = generator.binomial(500, 0.13, size=400)
    control = generator.binomial(500, 0.10, size=400)
    intervals = [rate_difference(int(t), 500, int(c), 500) for t, c in zip(treated, control, strict=True)]
    assert 0.92 <= covered_share(intervals, 0.13 - 0.10) <= 0.98


@pytest.mark.parametrize(
    ("probability", "degrees", "table_value"),
    [
        (0.975, 1, 12.7062),
        (0.975, 2, 4.3027),
        (0.975, 5, 2.5706),
        (0.975, 8, 2.3060),
        (0.975, 10, 2.2281),
        (0.975, 30, 2.0423),
        (0.975, 1000, 1.9623),
        (0.95, 10, 1.8125),
        (0.995, 3, 5.8409),
        (0.9995, 20, 3.8495),
        (0.90, 60, 1.2958),
    ],
)
def test_student_t_quantile_matches_the_table(probability: float, degrees: float, table_value: float) -> None:
    assert student_t_quantile(probability, degrees) == pytest.approx(table_value, abs=5e-5)
    assert student_t_quantile(1 - probability, degrees) == pytest.approx(-table_value, abs=5e-5)


@given(st.floats(min_value=1e-6, max_value=1 - 1e-6))
def test_student_t_quantile_matches_the_closed_forms_for_one_and_two_degrees(probability: float) -> None:
    cauchy = math.tan(math.pi * (probability - 0.5))
    two_degrees = (2 * probability - 1) / math.sqrt(2 * probability * (1 - probability))
    assert student_t_quantile(probability, 1) == pytest.approx(cauchy, rel=1e-9, abs=1e-9)
    assert student_t_quantile(probability, 2) == pytest.approx(two_degrees, rel=1e-9, abs=1e-9)


def test_student_t_quantile_approaches_the_normal_for_many_degrees() -> None:
    assert student_t_quantile(0.975, 10**6) == pytest.approx(Z_975 + (Z_975**3 + Z_975) / (4 * 10**6), abs=1e-9)
    assert student_t_quantile(0.975, 10**10) == pytest.approx(Z_975, abs=1e-8)
    assert student_t_quantile(0.975, math.inf) == pytest.approx(Z_975, abs=1e-12)


@given(st.floats(min_value=1e-6, max_value=1 - 1e-6), st.floats(min_value=1, max_value=1e6))
def test_student_t_cdf_undoes_the_quantile(probability: float, degrees: float) -> None:
    quantile = student_t_quantile(probability, degrees)
    assert student_t_cdf(quantile, degrees) == pytest.approx(probability, abs=1e-10)
    assert student_t_quantile(1 - probability, degrees) == pytest.approx(-quantile, rel=1e-9, abs=1e-9)


@pytest.mark.parametrize(("probability", "degrees"), [(0.0, 5), (1.0, 5), (0.5, 0), (0.5, -2), (0.5, math.nan)])
def test_student_t_quantile_rejects_impossible_arguments(probability: float, degrees: float) -> None:
    with pytest.raises(ValueError, match="must"):
        student_t_quantile(probability, degrees)


def test_mean_difference_matches_welch_by_hand_for_equal_spreads() -> None:
    # Both variances 2.5 over 5 people: standard error sqrt(0.5 + 0.5) = 1, Welch degrees 8, t(0.975, 8) = 2.3060.
    interval = mean_difference([1, 2, 3, 4, 5], [3, 4, 5, 6, 7])
    assert_interval(interval, -2.0, -2.0 - 2.3060, -2.0 + 2.3060, tolerance=5e-5)


def test_mean_difference_matches_welch_by_hand_when_one_group_has_no_spread() -> None:
    # Only the treated group varies: standard error sqrt(2.5 / 5), Welch degrees 5 - 1 = 4, t(0.975, 4) = 2.7764.
    interval = mean_difference([1, 2, 3, 4, 5], [2, 2, 2])
    margin = 2.7764 * math.sqrt(0.5)
    assert_interval(interval, 1.0, 1.0 - margin, 1.0 + margin, tolerance=5e-5)


def test_mean_difference_matches_welch_by_hand_for_unequal_groups() -> None:
    # Means 13.5 and 9.5; variances 14.7 and 5/3, so variances of the means 2.45 and 5/12; standard error
    # sqrt(2.45 + 5/12) = 1.6931; Welch degrees (2.45 + 5/12)² / (2.45² / 5 + (5/12)² / 3) = 6.5305;
    # t(0.975, 6.5305) = 2.4001, interpolated on 1/df between the tables' 2.4469 (6) and 2.3646 (7).
    interval = mean_difference([12.0, 15.0, 9.0, 20.0, 14.0, 11.0], [8.0, 10.0, 9.0, 11.0])
    margin = 2.4001 * 1.6931
    assert_interval(interval, 4.0, 4.0 - margin, 4.0 + margin, tolerance=2e-3)


def test_mean_difference_collapses_to_the_estimate_without_spread() -> None:
    interval = mean_difference([25.0, 25.0, 25.0], [20.0, 20.0])
    assert interval == Interval(5.0, 5.0, 5.0)


@pytest.mark.parametrize(
    ("treated", "control"), [([], [1.0, 2.0]), ([1.0], [1.0, 2.0]), ([1.0, 2.0], [3.0]), ([1.0, math.nan], [1.0, 2.0])]
)
def test_mean_difference_needs_two_finite_values_per_group(treated: list[float], control: list[float]) -> None:
    with pytest.raises(ValueError, match=r"treated|control"):
        mean_difference(treated, control)


@given(GROUP_VALUES, GROUP_VALUES, CONFIDENCE)
def test_mean_difference_lies_around_its_estimate_and_negates_when_swapped(
    treated: list[float], control: list[float], confidence: float
) -> None:
    forward = mean_difference(treated, control, confidence)
    assert forward.low <= forward.estimate <= forward.high
    backward = mean_difference(control, treated, confidence)
    assert_interval(backward, -forward.estimate, -forward.high, -forward.low, tolerance=1e-6)


def test_mean_difference_covers_a_known_true_difference_about_95_percent_of_the_time() -> None:
    generator = np.random.default_rng(7)
    intervals = [
        mean_difference(generator.normal(52.0, 4.0, size=12), generator.normal(50.0, 12.0, size=40)) for _ in range(400)
    ]
    assert 0.92 <= covered_share(intervals, 2.0) <= 0.98


def test_bootstrap_gives_the_same_interval_for_the_same_seed() -> None:
    generator = np.random.default_rng(3)
    treated, control = generator.lognormal(3.0, 1.2, size=80), generator.lognormal(2.8, 1.2, size=90)
    first = bootstrap_mean_difference(treated, control, seed=11)
    assert bootstrap_mean_difference(treated, control, seed=11) == first
    assert bootstrap_mean_difference(treated, control, seed=12) != first
    assert first.low < first.estimate < first.high
    assert first.estimate == pytest.approx(treated.mean() - control.mean())


def test_bootstrap_agrees_with_welch_for_large_normal_groups() -> None:
    generator = np.random.default_rng(5)
    treated, control = generator.normal(30.0, 6.0, size=600), generator.normal(28.0, 5.0, size=500)
    bootstrap = bootstrap_mean_difference(treated, control)
    welch = mean_difference(treated, control)
    width = welch.high - welch.low
    assert bootstrap.estimate == pytest.approx(welch.estimate)
    assert bootstrap.low == pytest.approx(welch.low, abs=0.05 * width)
    assert bootstrap.high == pytest.approx(welch.high, abs=0.05 * width)


def test_bootstrap_handles_groups_too_big_to_resample_at_once() -> None:
    generator = np.random.default_rng(9)
    treated, control = generator.exponential(10.0, size=400_000), generator.exponential(10.0, size=3)
    interval = bootstrap_mean_difference(treated, control, draws=5)
    assert interval.low <= interval.high
    assert interval.estimate == pytest.approx(treated.mean() - control.mean())


def test_bootstrap_collapses_without_spread() -> None:
    assert bootstrap_mean_difference([4.0, 4.0], [1.0, 1.0, 1.0]) == Interval(3.0, 3.0, 3.0)


@pytest.mark.parametrize(("treated", "control", "draws"), [([1.0], [1.0, 2.0], 100), ([1.0, 2.0], [1.0, 2.0], 0)])
def test_bootstrap_rejects_tiny_groups_and_no_draws(treated: list[float], control: list[float], draws: int) -> None:
    with pytest.raises(ValueError, match="at least"):
        bootstrap_mean_difference(treated, control, draws=draws)


def test_return_on_investment_maps_the_revenue_interval() -> None:
    # 2 € more per person over 1,000 people is 2,000 € on a cost of 1,500 €: (2,000 − 1,500) / 1,500.
    roi = return_on_investment(Interval(2.0, 1.0, 3.0), people_treated=1000, cost=1500.0)
    assert_interval(roi, 1 / 3, -1 / 3, 1.0, tolerance=1e-12)


def test_return_on_investment_is_zero_at_break_even() -> None:
    roi = return_on_investment(Interval(1.5, 1.5, 1.5), people_treated=1000, cost=1500.0)
    assert roi == Interval(0.0, 0.0, 0.0)


@given(
    st.lists(st.floats(-1e4, 1e4), min_size=3, max_size=3).map(sorted),
    st.integers(1, 10**6),
    st.floats(0.01, 1e7),
)
def test_return_on_investment_keeps_the_interval_in_order(ends: list[float], people_treated: int, cost: float) -> None:
    low, estimate, high = ends
    roi = return_on_investment(Interval(estimate, low, high), people_treated, cost)
    assert roi.low <= roi.estimate <= roi.high


@pytest.mark.parametrize(("people_treated", "cost"), [(1000, 0.0), (1000, -5.0), (0, 100.0)])
def test_return_on_investment_needs_a_positive_cost_and_people(people_treated: int, cost: float) -> None:
    with pytest.raises(ValueError, match="must be"):
        return_on_investment(Interval(1.0, 0.5, 1.5), people_treated, cost)
