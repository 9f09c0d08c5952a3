"""Statistics for a campaign report: what a campaign brought in, compared with a random holdout group.

A campaign is sent to a treated group; a random control group of the same audience is held out. The
difference between the two is what the campaign caused, and finance wants it with an honest margin:

* ``minimum_detectable_effect`` says before the campaign whether the groups are big enough to see an effect;
* ``rate_difference`` compares conversion rates (Newcombe's hybrid score interval, which stays within
  [-1, 1] and behaves at 0 and at all conversions, where the textbook Wald interval fails);
* ``mean_difference`` compares revenue per person (Welch's t interval: no equal-variance assumption);
* ``bootstrap_mean_difference`` does the same without assuming normal means, for heavy-tailed revenue;
* ``return_on_investment`` turns a revenue difference per person into ROI with its interval.

Only the standard library and numpy: the Student t distribution is computed here from the regularised
incomplete beta function (a continued fraction, as in Numerical Recipes, section 6.4).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

_STANDARD_NORMAL = NormalDist()
_CONTINUED_FRACTION_TOLERANCE = 1e-15
_CONTINUED_FRACTION_STEPS = 100_000
_QUANTILE_TOLERANCE = 1e-12
_QUANTILE_STEPS = 200
_BOOTSTRAP_CELLS_PER_BATCH = 1 << 20
# Beyond this many degrees of freedom the continued fraction loses digits (x is within 1e-8 of 1) while the
# t distribution is within about 1e-8 of the normal in probability and 4e-7 in quantiles; the normal is used.
_NORMAL_BEYOND_DEGREES = 1e8


@dataclass(frozen=True)
class Interval:
    """An estimate with the low and high ends of its confidence interval."""

    estimate: float
    low: float
    high: float


def minimum_detectable_effect(
    treated: int, control: int, base_rate: float, alpha: float = 0.05, power: float = 0.8
) -> float:
    """The smallest absolute difference in conversion rate these groups can detect.

    For a two-sided two-proportion z-test at level ``alpha`` with the given ``power``, using the normal
    approximation with the variance of the baseline rate in both groups. Raises ValueError for an empty
    group or a rate, level or power outside (0, 1).
    """
    _require_positive_size(treated, "treated")
    _require_positive_size(control, "control")
    _require_open_unit(base_rate, "base_rate")
    _require_open_unit(alpha, "alpha")
    _require_open_unit(power, "power")
    z_sum = _STANDARD_NORMAL.inv_cdf(1 - alpha / 2) + _STANDARD_NORMAL.inv_cdf(power)
    return z_sum * math.sqrt(base_rate * (1 - base_rate) * (1 / treated + 1 / control))


def rate_difference(
    treated_successes: int,
    treated_total: int,
    control_successes: int,
    control_total: int,
    confidence: float = 0.95,
) -> Interval:
    """The difference of conversion rates, treated minus control, with Newcombe's hybrid score interval.

    Newcombe (1998), method 10: each end combines the two groups' Wilson score intervals, so the interval
    stays within [-1, 1] and is sensible when a group has no or only successes. Raises ValueError for an
    empty group, successes outside 0..total or a confidence outside (0, 1).
    """
    _require_open_unit(confidence, "confidence")
    treated_rate, treated_low, treated_high = _wilson(treated_successes, treated_total, confidence, "treated")
    control_rate, control_low, control_high = _wilson(control_successes, control_total, confidence, "control")
    estimate = treated_rate - control_rate
    below = math.hypot(treated_rate - treated_low, control_high - control_rate)
    above = math.hypot(treated_high - treated_rate, control_rate - control_low)
    return Interval(estimate, max(-1.0, estimate - below), min(1.0, estimate + above))


def mean_difference(treated: Sequence[float], control: Sequence[float], confidence: float = 0.95) -> Interval:
    """The difference of means (e.g. revenue per person), treated minus control, with Welch's t interval.

    Welch's interval does not assume equal variances; its degrees of freedom come from the
    Welch–Satterthwaite equation. When both groups have no spread the interval is the estimate itself.
    Raises ValueError for groups with fewer than 2 values, non-finite values or a confidence outside (0, 1).
    """
    _require_open_unit(confidence, "confidence")
    treated_values = _values(treated, "treated")
    control_values = _values(control, "control")
    estimate = float(treated_values.mean() - control_values.mean())
    treated_share = _variance(treated_values) / treated_values.size
    control_share = _variance(control_values) / control_values.size
    standard_error = math.sqrt(treated_share + control_share)
    if standard_error == 0:
        return Interval(estimate, estimate, estimate)
    degrees_of_freedom = _welch_degrees_of_freedom(
        treated_share, treated_values.size, control_share, control_values.size
    )
    margin = student_t_quantile((1 + confidence) / 2, degrees_of_freedom) * standard_error
    return Interval(estimate, estimate - margin, estimate + margin)


def bootstrap_mean_difference(
    treated: Sequence[float],
    control: Sequence[float],
    confidence: float = 0.95,
    draws: int = 2000,
    seed: int = 0,
) -> Interval:
    """The difference of means, treated minus control, with a percentile bootstrap interval.

    Each draw resamples both groups with replacement; the interval is the central ``confidence`` share of
    the drawn differences. It assumes no normality, which suits heavy-tailed revenue, and the same seed
    gives the same interval. Raises ValueError for groups with fewer than 2 values, non-finite values,
    fewer than 1 draw or a confidence outside (0, 1).
    """
    _require_open_unit(confidence, "confidence")
    if draws < 1:
        raise ValueError(f"draws must be at least 1, not {draws}")
    treated_values = _values(treated, "treated")
    control_values = _values(control, "control")
    generator = np.random.default_rng(seed)
    treated_means = _resampled_means(treated_values, draws, generator)
    differences = treated_means - _resampled_means(control_values, draws, generator)
    tail = (1 - confidence) / 2
    low, high = np.quantile(differences, [tail, 1 - tail])
    return Interval(float(treated_values.mean() - control_values.mean()), float(low), float(high))


def return_on_investment(revenue_difference: Interval, people_treated: int, cost: float) -> Interval:
    """The return on a campaign's cost, (incremental revenue − cost) / cost, with its interval.

    Incremental revenue is the revenue difference per person times the people treated. ROI rises with the
    revenue difference, so the ends of its interval are the ROI of the ends of ``revenue_difference``.
    Raises ValueError when cost is not positive or nobody was treated.
    """
    if not cost > 0:
        raise ValueError(f"cost must be positive, not {cost}")
    _require_positive_size(people_treated, "people_treated")

    def roi(difference_per_person: float) -> float:
        return (difference_per_person * people_treated - cost) / cost

    return Interval(roi(revenue_difference.estimate), roi(revenue_difference.low), roi(revenue_difference.high))


def student_t_cdf(value: float, degrees_of_freedom: float) -> float:
    """The probability that a Student t variable with these (possibly fractional) degrees is at most ``value``.

    Raises ValueError when the degrees of freedom are not positive.
    """
    _require_positive_degrees(degrees_of_freedom)
    tail = _student_t_upper_tail(abs(value), degrees_of_freedom)
    return tail if value < 0 else 1 - tail


def student_t_quantile(probability: float, degrees_of_freedom: float) -> float:
    """The value a Student t variable with these (possibly fractional) degrees stays below with ``probability``.

    Found by Newton's method on the t distribution, kept inside a bracket by bisection, to a relative
    accuracy of about 1e-12. Raises ValueError for a probability outside (0, 1) or non-positive degrees.
    """
    _require_open_unit(probability, "probability")
    _require_positive_degrees(degrees_of_freedom)
    if probability < 0.5:
        return -_upper_quantile(probability, degrees_of_freedom)
    if probability > 0.5:
        return _upper_quantile(1 - probability, degrees_of_freedom)
    return 0.0


def _upper_quantile(tail: float, degrees_of_freedom: float) -> float:
    """The positive value whose upper tail probability is ``tail`` (below 0.5)."""
    low, high = 0.0, _upper_bracket(tail, degrees_of_freedom)
    guess = min(high, _STANDARD_NORMAL.inv_cdf(1 - tail))
    for _ in range(_QUANTILE_STEPS):
        excess = _student_t_upper_tail(guess, degrees_of_freedom) - tail
        if excess > 0:
            low = guess
        else:
            high = guess
        density = _student_t_density(guess, degrees_of_freedom)
        following = guess + excess / density if density > 0 else high
        if not low < following < high:
            following = (low + high) / 2
        if abs(following - guess) <= _QUANTILE_TOLERANCE * max(1.0, abs(following)):
            return following
        guess = following
    raise ArithmeticError(f"the t quantile for tail {tail} and {degrees_of_freedom} degrees did not converge")


def _upper_bracket(tail: float, degrees_of_freedom: float) -> float:
    """A value whose upper tail is below ``tail``, found by doubling, so the quantile lies between 0 and it."""
    high = 1.0
    while _student_t_upper_tail(high, degrees_of_freedom) > tail:
        high *= 2
    return high


def _student_t_upper_tail(value: float, degrees_of_freedom: float) -> float:
    """P(T > value) for value ≥ 0, which is half the regularised incomplete beta I_x(ν/2, 1/2), x = ν/(ν+t²)."""
    if degrees_of_freedom > _NORMAL_BEYOND_DEGREES:
        return _STANDARD_NORMAL.cdf(-value)
    squared = value * value
    x = degrees_of_freedom / (degrees_of_freedom + squared)
    complement = squared / (degrees_of_freedom + squared)
    return _regularised_incomplete_beta(x, complement, degrees_of_freedom / 2, 0.5) / 2


def _student_t_density(value: float, degrees_of_freedom: float) -> float:
    """The density of the Student t distribution, computed in logarithms so large degrees do not overflow."""
    if degrees_of_freedom > _NORMAL_BEYOND_DEGREES:
        return _STANDARD_NORMAL.pdf(value)
    half = degrees_of_freedom / 2
    log_scale = _log_gamma_ratio(half, 0.5) - 0.5 * math.log(degrees_of_freedom * math.pi)
    return math.exp(log_scale - (half + 0.5) * math.log1p(value * value / degrees_of_freedom))


def _regularised_incomplete_beta(x: float, complement: float, a: float, b: float) -> float:
    """I_x(a, b), given x and 1 − x separately so neither loses digits near 0 or 1.

    The continued fraction converges fast only for x below (a + 1) / (a + b + 2); above it the symmetry
    I_x(a, b) = 1 − I_{1−x}(b, a) is used.
    """
    if x <= 0:
        return 0.0
    if complement <= 0:
        return 1.0
    log_front = _log_inverse_beta(a, b) + a * _log_near_one(x, complement) + b * _log_near_one(complement, x)
    if x < (a + 1) / (a + b + 2):
        return math.exp(log_front) * _beta_continued_fraction(x, a, b) / a
    return 1 - math.exp(log_front) * _beta_continued_fraction(complement, b, a) / b


def _log_inverse_beta(a: float, b: float) -> float:
    """log(Γ(a + b) / (Γ(a) Γ(b))), the logarithm of 1 / B(a, b)."""
    small, large = sorted((a, b))
    return _log_gamma_ratio(large, small) - math.lgamma(small)


def _log_gamma_ratio(a: float, b: float) -> float:
    """log(Γ(a + b) / Γ(a)).

    For large ``a`` the difference of two huge log-gamma values would lose the digits that matter, so
    Stirling's series is subtracted term by term instead, its leading terms rewritten with log1p.
    """
    if a < 100:
        return math.lgamma(a + b) - math.lgamma(a)
    leading = (a - 0.5) * math.log1p(b / a) + b * math.log(a + b) - b
    return leading + _stirling_correction(a + b) - _stirling_correction(a)


def _stirling_correction(x: float) -> float:
    """log Γ(x) minus its Stirling approximation (x − ½) log x − x + ½ log 2π; exact to double precision for x ≥ 100."""
    return 1 / (12 * x) - 1 / (360 * x**3) + 1 / (1260 * x**5)


def _log_near_one(x: float, complement: float) -> float:
    """log(x), computed from 1 − x when x is near 1, where log(x) itself would lose digits."""
    return math.log1p(-complement) if complement < 0.5 else math.log(x)


def _beta_continued_fraction(x: float, a: float, b: float) -> float:
    """The continued fraction of the incomplete beta function, by the modified Lentz method."""
    tiny = 1e-300
    c = 1.0
    d = _nonzero(1 - (a + b) * x / (a + 1), tiny)
    d = 1 / d
    result = d
    for m in range(1, _CONTINUED_FRACTION_STEPS + 1):
        even = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m))
        d = 1 / _nonzero(1 + even * d, tiny)
        c = _nonzero(1 + even / c, tiny)
        result *= d * c
        odd = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))
        d = 1 / _nonzero(1 + odd * d, tiny)
        c = _nonzero(1 + odd / c, tiny)
        change = d * c
        result *= change
        if abs(change - 1) < _CONTINUED_FRACTION_TOLERANCE:
            return result
    raise ArithmeticError(f"the incomplete beta fraction for x={x}, a={a}, b={b} did not converge")


def _nonzero(value: float, tiny: float) -> float:
    """The value, or ``tiny`` in its place when it is so close to 0 that dividing by it would overflow."""
    return tiny if abs(value) < tiny else value


def _wilson(successes: int, total: int, confidence: float, group: str) -> tuple[float, float, float]:
    """A group's rate and the ends of its Wilson score interval, which stay within [0, 1]."""
    _require_positive_size(total, f"{group} total")
    if not 0 <= successes <= total:
        raise ValueError(f"{group} successes must be between 0 and {total}, not {successes}")
    z = _STANDARD_NORMAL.inv_cdf((1 + confidence) / 2)
    rate = successes / total
    shrink = 1 + z * z / total
    centre = (rate + z * z / (2 * total)) / shrink
    half_width = z / shrink * math.sqrt(rate * (1 - rate) / total + z * z / (4 * total * total))
    return rate, max(0.0, centre - half_width), min(1.0, centre + half_width)


def _welch_degrees_of_freedom(
    treated_share: float, treated_size: int, control_share: float, control_size: int
) -> float:
    """Welch–Satterthwaite degrees of freedom from each group's variance of the mean (variance / size).

    Written with each group's share of the total so very small or large variances neither underflow nor
    overflow when squared.
    """
    total = treated_share + control_share
    treated_fraction = treated_share / total
    control_fraction = control_share / total
    return 1 / (treated_fraction**2 / (treated_size - 1) + control_fraction**2 / (control_size - 1))


def _variance(values: np.ndarray) -> float:
    """The sample variance; exactly 0 when all values are equal, which floating-point means may miss."""
    if values.min() == values.max():
        return 0.0
    return float(values.var(ddof=1))


def _resampled_means(values: np.ndarray, draws: int, generator: np.random.Generator) -> np.ndarray:
    """The means of ``draws`` resamples with replacement, drawn in batches to bound memory for big groups."""
    rows_per_batch = max(1, _BOOTSTRAP_CELLS_PER_BATCH // values.size)
    means = []
    for start in range(0, draws, rows_per_batch):
        picks = generator.integers(0, values.size, size=(min(rows_per_batch, draws - start), values.size))
        means.append(values[picks].mean(axis=1))
    return np.concatenate(means)


def _values(values: Sequence[float], group: str) -> np.ndarray:
    """A group's values as an array, checked: at least 2 of them, all finite."""
    array = np.asarray(values, dtype=float)
    if array.ndim != 1 or array.size < 2:
        raise ValueError(f"{group} needs at least 2 values")
    if not np.isfinite(array).all():
        raise ValueError(f"{group} values must all be finite numbers")
    return array


def _require_positive_size(size: int, name: str) -> None:
    """Raise ValueError unless ``size`` is a positive count."""
    if size < 1:
        raise ValueError(f"{name} must be at least 1, not {size}")


def _require_open_unit(value: float, name: str) -> None:
    """Raise ValueError unless ``value`` lies strictly between 0 and 1."""
    if not 0 < value < 1:
        raise ValueError(f"{name} must lie strictly between 0 and 1, not {value}")


def _require_positive_degrees(degrees_of_freedom: float) -> None:
    """Raise ValueError unless the degrees of freedom are positive."""
    if not degrees_of_freedom > 0:
        raise ValueError(f"degrees of freedom must be positive, not {degrees_of_freedom}")
