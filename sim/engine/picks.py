"""Inverse-CDF picks: which of a few options each run's uniform falls on.

Drawn choices (a logit mediator's venue, eq. 7''; a principal's counter-proposal, eq. 8')
turn a uniform scaled by the total weight into the first option whose running total
exceeds it. ``np.searchsorted`` does that with a binary search per run; for a handful of
options one comparison per option, counted in bytes, is several times faster and gives
the same index.
"""

from __future__ import annotations

import numpy as np


def running_totals(weights: np.ndarray) -> np.ndarray:
    """``np.cumsum(weights, axis=0)`` for weights ``(options, runs)``, one row added at a
    time: the same sums in the same order, several times faster than numpy's accumulate
    along the first axis for a few options."""
    totals = np.empty_like(weights)
    totals[0] = weights[0]
    for j in range(1, len(weights)):
        np.add(totals[j - 1], weights[j], out=totals[j])
    return totals


def pick(cumulative: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Per run, the number of running totals ``cumulative[j]`` (options first, shape
    ``(options, runs)`` or ``(options, 1)``) at or below ``target``, at most
    ``options - 1``: ``minimum(searchsorted(cumulative, target, side="right"), options - 1)``
    for non-decreasing totals (running sums of weights >= 0)."""
    below = np.less_equal(cumulative[:-1], target)
    counts = np.uint8 if len(cumulative) <= 256 else np.intp  # the count never exceeds options - 1
    return np.add.reduce(below.view(np.uint8), axis=0, dtype=counts)
