"""Statistics: streaming tallies of outcomes and the summary reported to users.

A :class:`Tally` holds integer counts only, so tallies of batches add up exactly in any
order (results do not depend on how batches were spread over workers) and memory does not
grow with the run count. :func:`summarise` turns a tally into estimates with 95% Wilson
intervals. All functions here are pure.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

import numpy as np

from .outcome import FORMATS, REASONS, BatchOutcome

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


@dataclass
class Tally:
    """Integer counts over runs; adding two tallies gives the tally of both."""

    rounds: int
    venues: int
    runs: int = 0
    held: np.ndarray = field(default=None)  # (rounds + 1, venues): summits by round, venue
    formats: np.ndarray = field(default=None)  # (len(FORMATS),)
    reasons: np.ndarray = field(default=None)  # (len(REASONS),)
    collapses: int = 0
    runs_with_collapse: int = 0
    rejected: int = 0

    def __post_init__(self) -> None:
        if self.held is None:
            self.held = np.zeros((self.rounds + 1, self.venues), dtype=np.int64)
        if self.formats is None:
            self.formats = np.zeros(len(FORMATS), dtype=np.int64)
        if self.reasons is None:
            self.reasons = np.zeros(len(REASONS), dtype=np.int64)

    @classmethod
    def of(cls, outcome: BatchOutcome, rounds: int, venues: int) -> "Tally":
        """Count one batch's outcomes."""
        held = outcome.held
        cells = outcome.round[held] * venues + outcome.venue[held]
        return cls(
            rounds=rounds,
            venues=venues,
            runs=len(outcome),
            held=np.bincount(cells, minlength=(rounds + 1) * venues).reshape(rounds + 1, venues),
            formats=np.bincount(outcome.format, minlength=len(FORMATS)),
            reasons=np.bincount(outcome.reason, minlength=len(REASONS)),
            collapses=int(outcome.collapses.sum()),
            runs_with_collapse=int((outcome.collapses > 0).sum()),
            rejected=int(outcome.rejected.sum()),
        )

    def add(self, other: "Tally") -> None:
        """Add ``other``'s counts to this tally, in place."""
        self.runs += other.runs
        self.held += other.held
        self.formats += other.formats
        self.reasons += other.reasons
        self.collapses += other.collapses
        self.runs_with_collapse += other.runs_with_collapse
        self.rejected += other.rejected

    @property
    def summits(self) -> int:
        return int(self.held.sum())


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
class Summary:
    """What a run of a scenario says: whether, by when, where, in which format, why not."""

    runs: int
    p_summit: Estimate
    by_date: tuple[tuple[dt.date, Estimate], ...]  # cumulative incidence at milestones
    venue_share: dict[str, Estimate]  # of all runs
    venue_given_summit: dict[str, Estimate]
    format_share: dict[str, Estimate]  # given a summit
    reason_share: dict[str, Estimate]  # of all runs
    rounds_quantiles: dict[str, int | None]  # summit round, given a summit
    mean_collapses: float
    p_any_collapse: Estimate
    mean_rejected: float


QUANTILES = (0.10, 0.25, 0.50, 0.75, 0.90)


def summarise(tally: Tally, venue_ids: tuple[str, ...], milestones: list[tuple[dt.date, int]]) -> Summary:
    """Estimates with intervals from a tally.

    ``milestones`` pairs each reporting date with the last round that opens on or before
    it; P(summit by date) counts summits held in rounds up to that one.
    """
    n = tally.runs
    summits = tally.summits
    by_round = tally.held.sum(axis=1)
    cumulative = np.cumsum(by_round)
    by_venue = tally.held.sum(axis=0)
    by_date = tuple(
        (day, Estimate.of(int(cumulative[min(max(last, 0), tally.rounds)]), n)) for day, last in milestones
    )
    return Summary(
        runs=n,
        p_summit=Estimate.of(summits, n),
        by_date=by_date,
        venue_share={vid: Estimate.of(int(by_venue[k]), n) for k, vid in enumerate(venue_ids)},
        venue_given_summit={vid: Estimate.of(int(by_venue[k]), summits) for k, vid in enumerate(venue_ids)},
        format_share={name: Estimate.of(int(tally.formats[k]), summits) for k, name in enumerate(FORMATS) if k},
        reason_share={name: Estimate.of(int(tally.reasons[k]), n) for k, name in enumerate(REASONS)},
        rounds_quantiles={f"q{round(q * 100):02d}": quantile_round(by_round, q) for q in QUANTILES},
        mean_collapses=tally.collapses / n if n else math.nan,
        p_any_collapse=Estimate.of(tally.runs_with_collapse, n),
        mean_rejected=tally.rejected / n if n else math.nan,
    )


def quantile_round(counts_by_round: np.ndarray, q: float) -> int | None:
    """The smallest round r with at least a fraction q of summits held by r (None if none)."""
    total = int(counts_by_round.sum())
    if total == 0:
        return None
    target = math.ceil(q * total - 1e-9)
    return int(np.searchsorted(np.cumsum(counts_by_round), max(target, 1)))


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


def cumulative_curve(tally: Tally) -> list[tuple[int, Estimate]]:
    """P(summit held by round t) for every round t, each with its Wilson interval."""
    cumulative = np.cumsum(tally.held.sum(axis=1))
    return [(t, Estimate.of(int(cumulative[t]), tally.runs)) for t in range(1, tally.rounds + 1)]
