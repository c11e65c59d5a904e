"""Statistics: Wilson intervals, exact integer tallies, summaries and round quantiles.

Users read every reported probability with its 95% interval and rely on results not
depending on how runs were split into batches or spread over workers.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest

from sim.engine.outcome import FORMATS, REASONS, BatchOutcome
from sim.stats import Z95, wilson_half_width, wilson_interval
from sim.execution.aggregate import Tally, quantile_round, summarise

# -- Wilson interval --------------------------------------------------------------------


def test_z95_is_the_normal_quantile():
    """The default z is the 97.5% normal quantile (a two-sided 95% interval)."""
    assert 0.5 * math.erfc(-Z95 / math.sqrt(2)) == pytest.approx(0.975, abs=1e-12)


def test_wilson_known_values():
    """Published values: 0 of 10, 10 of 10 and 5 of 10 at 95%."""
    z2 = Z95**2
    low, high = wilson_interval(0, 10)
    assert low == 0.0
    assert high == pytest.approx(z2 / (10 + z2), abs=1e-12)  # closed form at 0 successes
    assert high == pytest.approx(0.2775, abs=1e-4)
    low, high = wilson_interval(10, 10)
    assert high == 1.0
    assert low == pytest.approx(10 / (10 + z2), abs=1e-12)
    assert low == pytest.approx(0.7225, abs=1e-4)
    low, high = wilson_interval(5, 10)
    assert low == pytest.approx(0.2366, abs=1e-4)
    assert high == pytest.approx(0.7634, abs=1e-4)
    assert low + high == pytest.approx(1.0, abs=1e-12)  # symmetric at p = 1/2


def test_wilson_value_computed_by_hand():
    """30 of 100: centre (0.3 + z^2/200) / (1 + z^2/100), half-width
    z sqrt(0.3*0.7/100 + z^2/40000) / (1 + z^2/100): centre 0.307399, half 0.088450."""
    low, high = wilson_interval(30, 100)
    assert low == pytest.approx(0.218949, abs=2e-6)
    assert high == pytest.approx(0.395849, abs=2e-6)


@pytest.mark.parametrize("k, n", [(1, 4), (3, 10), (30, 100), (999, 1000), (123, 45_678), (7, 7_000_000)])
def test_wilson_bounds_solve_the_score_equation(k, n):
    """Wilson's bounds are the proportions pi where the score test is exactly at z:
    n (p_hat - pi)^2 = z^2 pi (1 - pi). Checked independently of the implementation."""
    p_hat = k / n
    for pi in wilson_interval(k, n):
        assert n * (p_hat - pi) ** 2 == pytest.approx(Z95**2 * pi * (1 - pi), rel=1e-9)


def test_wilson_bounds_stay_in_unit_interval_and_contain_the_estimate():
    """For every count the interval is inside [0, 1] and contains k/n."""
    for n in (1, 2, 3, 5, 10, 37, 100, 1000):
        for k in range(n + 1):
            low, high = wilson_interval(k, n)
            assert 0.0 <= low <= k / n <= high <= 1.0
    for n in (10**6, 10**9):
        for k in (0, 1, n // 2, n - 1, n):
            low, high = wilson_interval(k, n)
            assert 0.0 <= low <= k / n <= high <= 1.0


def test_wilson_without_trials_is_uninformative():
    """With no runs at all nothing is known: the interval is [0, 1]."""
    assert wilson_interval(0, 0) == (0.0, 1.0)


def test_wilson_width_shrinks_as_one_over_root_n():
    """Quadrupling the runs halves the interval; width * sqrt(n) tends to 2 z sqrt(p(1-p))."""
    p = 0.3
    widths = {n: 2 * wilson_half_width(round(p * n), n) for n in (10_000, 40_000, 160_000, 640_000)}
    ns = sorted(widths)
    for small, large in zip(ns, ns[1:]):
        assert widths[small] / widths[large] == pytest.approx(2.0, rel=2e-3)
    assert widths[640_000] * math.sqrt(640_000) == pytest.approx(2 * Z95 * math.sqrt(p * (1 - p)), rel=1e-3)


def test_wilson_custom_z():
    """A wider z gives a wider interval around the same point."""
    narrow = wilson_interval(40, 100)
    wide = wilson_interval(40, 100, z=3.0)
    assert wide[0] < narrow[0] < 0.4 < narrow[1] < wide[1]


# -- tallies --------------------------------------------------------------------------

ROUNDS, VENUES = 6, 3


def fake_outcome(size: int, seed: int) -> BatchOutcome:
    """Random but self-consistent per-run records."""
    rng = np.random.default_rng(seed)
    held = rng.random(size) < 0.4
    venue = np.where(held, rng.integers(0, VENUES, size), -1)
    rounds = np.where(held, rng.integers(1, ROUNDS + 1, size), 0)
    fmt = np.where(held, rng.integers(1, len(FORMATS), size), 0).astype(np.int8)
    reason = np.where(held, 0, rng.integers(1, len(REASONS), size)).astype(np.int8)
    return BatchOutcome(
        held=held, venue=venue, round=rounds, format=fmt, parties=np.where(fmt == 2, 3, 0),
        rejected=rng.integers(0, 20, size), collapses=rng.integers(0, 3, size), reason=reason,
        deal_round=np.where(rng.random(size) < 0.3, rng.integers(1, ROUNDS + 1, size), 0),
    )


def concat(*outcomes: BatchOutcome) -> BatchOutcome:
    return BatchOutcome(**{
        name: np.concatenate([getattr(o, name) for o in outcomes])
        for name in BatchOutcome.__dataclass_fields__
    })


def assert_same_tally(a: Tally, b: Tally) -> None:
    assert a.runs == b.runs
    np.testing.assert_array_equal(a.held, b.held)
    np.testing.assert_array_equal(a.formats, b.formats)
    np.testing.assert_array_equal(a.reasons, b.reasons)
    np.testing.assert_array_equal(a.deals, b.deals)
    assert (a.collapses, a.runs_with_collapse, a.rejected) == (b.collapses, b.runs_with_collapse, b.rejected)


def test_tally_counts_one_batch():
    """A tally counts runs, summits per (round, venue), formats, reasons and collapses."""
    outcome = fake_outcome(1000, seed=1)
    tally = Tally.of(outcome, ROUNDS, VENUES)
    assert tally.runs == 1000
    assert tally.summits == int(outcome.held.sum())
    assert tally.held.shape == (ROUNDS + 1, VENUES)
    assert tally.held[0].sum() == 0  # no summit in round 0
    for t in range(1, ROUNDS + 1):
        for v in range(VENUES):
            assert tally.held[t, v] == int((outcome.held & (outcome.round == t) & (outcome.venue == v)).sum())
    assert tally.reasons.sum() == 1000 and tally.formats.sum() == 1000
    assert tally.collapses == int(outcome.collapses.sum())
    assert tally.runs_with_collapse == int((outcome.collapses > 0).sum())
    assert tally.rejected == int(outcome.rejected.sum())
    assert tally.held.dtype.kind == "i"


def test_tally_of_two_batches_is_their_sum():
    """Adding tallies is exact: two batches tallied apart and added equal the tally of both."""
    a, b = fake_outcome(700, seed=2), fake_outcome(1300, seed=3)
    added = Tally.of(a, ROUNDS, VENUES)
    added.add(Tally.of(b, ROUNDS, VENUES))
    assert_same_tally(added, Tally.of(concat(a, b), ROUNDS, VENUES))


def test_tally_addition_order_does_not_matter():
    """Batches may come back from workers in any order; the sum is the same."""
    parts = [fake_outcome(500, seed=s) for s in range(5)]
    forward, backward = Tally(ROUNDS, VENUES), Tally(ROUNDS, VENUES)
    for part in parts:
        forward.add(Tally.of(part, ROUNDS, VENUES))
    for part in reversed(parts):
        backward.add(Tally.of(part, ROUNDS, VENUES))
    assert_same_tally(forward, backward)
    assert forward.runs == 2500


def test_empty_tally_adds_as_zero():
    """A fresh tally is the identity for addition."""
    tally = Tally.of(fake_outcome(100, seed=4), ROUNDS, VENUES)
    total = Tally(ROUNDS, VENUES)
    total.add(tally)
    assert_same_tally(total, tally)


def test_summarise_reports_counts_and_intervals():
    """The summary's estimates are counts over runs (or over summits) with Wilson intervals."""
    outcome = fake_outcome(2000, seed=5)
    tally = Tally.of(outcome, ROUNDS, VENUES)
    start = dt.date(2026, 1, 1)
    milestones = [(start + dt.timedelta(days=20), 3), (start + dt.timedelta(days=41), ROUNDS)]
    summary = summarise(tally, ("a", "b", "c"), milestones)
    held = outcome.held
    assert summary.runs == 2000
    assert summary.p_summit.count == held.sum() and summary.p_summit.trials == 2000
    assert (summary.p_summit.low, summary.p_summit.high) == wilson_interval(int(held.sum()), 2000)
    (d1, by3), (d2, by_end) = summary.by_date
    assert d1 == start + dt.timedelta(days=20)
    assert by3.count == int((held & (outcome.round <= 3)).sum())
    assert by_end.count == summary.p_summit.count
    assert summary.venue_share["b"].count == int((outcome.venue == 1).sum())
    assert summary.venue_given_summit["b"].trials == summary.p_summit.count
    assert sum(e.count for e in summary.venue_given_summit.values()) == summary.p_summit.count
    assert set(summary.format_share) == set(FORMATS[1:])
    assert sum(e.count for e in summary.reason_share.values()) == 2000
    assert summary.mean_collapses == pytest.approx(outcome.collapses.mean())
    assert summary.mean_rejected == pytest.approx(outcome.rejected.mean())
    assert summary.p_any_collapse.count == int((outcome.collapses > 0).sum())


def test_summary_by_date_is_cumulative_and_monotone():
    """P(summit by date) never decreases along the milestones."""
    tally = Tally.of(fake_outcome(5000, seed=6), ROUNDS, VENUES)
    start = dt.date(2026, 1, 1)
    milestones = [(start + dt.timedelta(days=7 * t), t) for t in range(0, ROUNDS + 1)]
    counts = [e.count for _, e in summarise(tally, ("a", "b", "c"), milestones).by_date]
    assert counts[0] == 0
    assert counts == sorted(counts)
    assert counts[-1] == tally.summits


# -- quantiles of the summit round --------------------------------------------------------


def test_quantile_round_is_the_smallest_round_reaching_the_fraction():
    """q-quantile = the first round by which at least a fraction q of summits happened."""
    counts = np.array([0, 2, 3, 5])  # rounds 0..3; 10 summits
    assert quantile_round(counts, 0.10) == 1
    assert quantile_round(counts, 0.20) == 1  # exactly 2 of 10 by round 1
    assert quantile_round(counts, 0.25) == 2
    assert quantile_round(counts, 0.50) == 2  # exactly 5 of 10 by round 2
    assert quantile_round(counts, 0.51) == 3
    assert quantile_round(counts, 0.90) == 3
    assert quantile_round(counts, 1.00) == 3


def test_quantile_round_is_robust_to_float_rounding():
    """0.07 * 100 is 7.000000000000001 in floating point; the 7% quantile is still round 1."""
    assert 0.07 * 100 > 7
    assert quantile_round(np.array([0, 7, 93]), 0.07) == 1


def test_quantile_round_without_summits_is_none():
    """No summit, no quantile (reported as empty, not as round 0)."""
    assert quantile_round(np.zeros(5, dtype=np.int64), 0.5) is None


def test_quantile_round_tiny_q_is_first_summit_round():
    """A very small q gives the first round with any summit."""
    assert quantile_round(np.array([0, 0, 0, 4, 1]), 1e-12) == 3
