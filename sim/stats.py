"""Statistics: proportions with honest intervals, and differences between two of them.

Wilson score intervals for one proportion, Newcombe's hybrid score intervals for the
difference of two (paired or independent). All functions are pure and know nothing of
scenarios or runs: every layer above may use them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass



Z95 = 1.959963984540054


def wilson_interval(successes: int, trials: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval for a binomial proportion (95% by default).

    Unlike the normal approximation it stays inside [0, 1] and is honest at 0 or n
    successes. With no trials it is the whole of [0, 1].
    """
    if trials <= 0:
        return 0.0, 1.0
    p = successes / trials
    z2 = z * z
    denominator = 1 + z2 / trials
    centre = (p + z2 / (2 * trials)) / denominator
    half = z * math.sqrt(p * (1 - p) / trials + z2 / (4 * trials * trials)) / denominator
    # Exact at the edges: with 0 successes the lower bound is 0, with all, the upper is 1.
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == trials else min(1.0, centre + half)
    return low, high


def wilson_half_width(successes: int, trials: int) -> float:
    low, high = wilson_interval(successes, trials)
    return (high - low) / 2


@dataclass(frozen=True)
class Estimate:
    """A proportion with its 95% Wilson interval and the counts behind it."""

    count: int
    trials: int
    value: float
    low: float
    high: float

    @classmethod
    def of(cls, count: int, trials: int) -> "Estimate":
        low, high = wilson_interval(count, trials)
        return cls(int(count), int(trials), count / trials if trials else math.nan, low, high)


@dataclass(frozen=True)
class Difference:
    """A difference of two proportions (variant minus baseline) with its 95% interval."""

    value: float
    low: float
    high: float
    paired: bool


def paired_difference(both: int, only_variant: int, only_baseline: int, neither: int) -> Difference:
    """Variant minus baseline proportion for paired runs, with Newcombe's hybrid score interval.

    The runs are paired: run ``r`` of both arms used the same random numbers, so their
    outcomes are correlated and the difference is far more precise than two independent
    estimates suggest. The interval (Newcombe 1998, method 10) combines the two Wilson
    intervals with the phi correlation of the 2x2 table; it stays honest when the counts
    are small or zero.
    """
    n = both + only_variant + only_baseline + neither
    if n == 0:
        return Difference(math.nan, -1.0, 1.0, True)
    a, b, c, d = both, only_variant, only_baseline, neither
    spread = (a + b) * (c + d) * (a + c) * (b + d)
    phi = (a * d - b * c) / math.sqrt(spread) if spread else 0.0
    return _newcombe(a + b, a + c, n, n, phi, paired=True)


def independent_difference(variant: int, variant_trials: int, baseline: int, baseline_trials: int) -> Difference:
    """Difference of two independent proportions with Newcombe's hybrid score interval."""
    if not variant_trials or not baseline_trials:
        return Difference(math.nan, -1.0, 1.0, False)
    return _newcombe(variant, baseline, variant_trials, baseline_trials, 0.0, paired=False)


def _newcombe(x1: int, x2: int, n1: int, n2: int, phi: float, paired: bool) -> Difference:
    p1, p2 = x1 / n1, x2 / n2
    l1, u1 = wilson_interval(x1, n1)
    l2, u2 = wilson_interval(x2, n2)
    delta = p1 - p2
    below = (p1 - l1) ** 2 - 2 * phi * (p1 - l1) * (u2 - p2) + (u2 - p2) ** 2
    above = (u1 - p1) ** 2 - 2 * phi * (u1 - p1) * (p2 - l2) + (p2 - l2) ** 2
    return Difference(delta, max(-1.0, delta - math.sqrt(max(below, 0.0))),
                      min(1.0, delta + math.sqrt(max(above, 0.0))), paired)


