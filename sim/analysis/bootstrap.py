"""Bootstrap intervals over cases: how much a casebook's mean score could differ with
other cases like these.

The cases are the sample, so the intervals resample cases with replacement (the runs of
each case are fixed): :data:`RESAMPLES` resamples drawn from one numpy Generator seeded
by a fixed :class:`~numpy.random.SeedSequence`, so the same scores always give the same
interval. Every score of one casebook is resampled with the *same* draws, so a
difference of two forecasters' mean scores is a paired difference and its interval is
that of the per-case differences. The interval is the percentile interval, 2.5% to
97.5%.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

RESAMPLES = 2000
SEED = 20260128  # fixed: the interval is a property of the casebook, not of a run


@dataclass(frozen=True)
class Interval:
    """A mean over cases with its 95% bootstrap interval, and the number of cases."""

    value: float
    low: float
    high: float
    cases: int


class Resampler:
    """Resamples of ``n`` cases, drawn once and used for every score of the casebook."""

    def __init__(self, n: int, stream: int = 0, resamples: int = RESAMPLES, seed: int = SEED) -> None:
        generator = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(stream,)))
        self.n = n
        self.indices = generator.integers(0, n, size=(resamples, n)) if n else np.zeros((resamples, 0), dtype=int)

    def mean(self, values: Sequence[float]) -> Interval:
        """The mean of the per-case ``values`` and its bootstrap interval."""
        data = np.asarray(values, dtype=float)
        if len(data) != self.n:
            raise ValueError(f"expected {self.n} values, one per case, got {len(data)}")
        if not self.n:
            return Interval(float("nan"), float("nan"), float("nan"), 0)
        means = data[self.indices].mean(axis=1)
        low, high = np.percentile(means, [2.5, 97.5])
        return Interval(float(data.mean()), float(low), float(high), self.n)

    def difference(self, first: Sequence[float], second: Sequence[float]) -> Interval:
        """The mean of ``first - second`` case by case (a paired difference) and its interval."""
        return self.mean(np.asarray(first, dtype=float) - np.asarray(second, dtype=float))
