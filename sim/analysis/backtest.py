"""Backtesting: forecasts of past standoffs scored against what happened (``sim backtest``).

Each case of a casebook (:mod:`sim.analysis.casebook`) is simulated as written, as of its
cut-off, and its forecast P(summit by the horizon) is scored against whether the leaders
met, next to two baselines that know nothing of the case: the casebook's base rate
left-one-out (the share of the *other* cases that met) and a constant 50%. The method,
and how to read it, is in docs/backtest.md:

* **Brier** ``(p - o)^2``: 0 is perfect, lower is better; 0.25 is the constant 50%.
* **log score** ``o ln p + (1 - o) ln(1 - p)``: 0 is perfect, higher is better. A
  forecast from ``n`` runs cannot tell a probability below half a run from zero, so
  ``p`` is clipped to ``[1/(2n), 1 - 1/(2n)]``; the base rate of ``N - 1`` other cases
  likewise to ``[1/(2(N-1)), 1 - 1/(2(N-1))]``.
* **calibration**: the cases binned by forecast, each bin's mean forecast against the
  share that met (a Wilson interval: a bin is a binomial sample of its cases), and the
  calibration in the large, mean forecast minus the share that met.
* **venue skill**, over the cases that met: ``ln q(venue) - ln(1/(K+1))``, the model's
  log score of the venue that hosted the summit against a uniform choice among the
  scenario's ``K`` venues and ``elsewhere``. The model gives a venue it never simulated,
  ``elsewhere`` included, no runs, so its shares given a summit are smoothed with half a
  run per category: ``q(v) = (n_v + 1/2) / (S + (K+1)/2)`` for ``n_v`` of ``S`` summits
  (the posterior mean under Jeffreys' prior). Positive is better than uniform.
* **timing**, over the cases that met: was the meeting's round within the central 80%
  (10th to 90th percentile rounds) of the forecast's round given a summit?

Means over cases carry 95% bootstrap intervals (:mod:`sim.analysis.bootstrap`); the
differences from the baselines are paired, case by case.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from sim.analysis.bootstrap import RESAMPLES, SEED, Interval, Resampler
from sim.analysis.casebook import ELSEWHERE, Case, Casebook
from sim.execution.backends import Backend
from sim.execution.journal import JournalSession
from sim.execution.runner import Result, simulate
from sim.stats import Estimate

#: The forecasters scored, the model first; the differences are the model minus each baseline.
FORECASTERS = ("sim", "base_rate_loo", "always_50")
LABELS = {"sim": "sim", "base_rate_loo": "base rate, leave-one-out", "always_50": "always 50%"}
BINS = 5


@dataclass(frozen=True)
class CaseScore:
    """One case: its forecast from the runs, what happened, and every score (a flat record)."""

    case: Case
    runs: int
    seed: int
    p: Estimate  # P(summit by the horizon)
    venues_given_summit: tuple[tuple[str, Estimate], ...]  # the scenario's venues, in order
    central: tuple[int, int] | None  # rounds of the central 80% given a summit; None with no summit
    median_round: int | None
    forecasts: tuple[float, ...]  # P(summit) of each of FORECASTERS
    brier: tuple[float, ...]
    log: tuple[float, ...]
    venue_probability: float | None  # smoothed q(venue that hosted), when they met
    venue_log: float | None
    uniform_log: float | None
    in_central: bool | None  # None when they did not meet or no run held a summit

    @property
    def name(self) -> str:
        return self.case.name

    def central_dates(self) -> tuple[dt.date, dt.date] | None:
        """The first and last day of the central 80% rounds."""
        if self.central is None:
            return None
        time = self.case.scenario.time
        last = time.round_date(self.central[1]) + dt.timedelta(days=time.round_days - 1)
        return time.round_date(self.central[0]), min(last, time.horizon_end)


@dataclass(frozen=True)
class ForecasterScore:
    """A forecaster's mean scores over the casebook, and the model's paired difference from it."""

    name: str
    brier: Interval
    log: Interval
    brier_difference: Interval | None  # sim minus this forecaster; None for sim itself
    log_difference: Interval | None


@dataclass(frozen=True)
class CalibrationBin:
    """Cases whose forecast lies in [low, high): their mean forecast and the share that met."""

    low: float
    high: float
    count: int
    mean_forecast: float  # nan for an empty bin
    observed: Estimate


@dataclass(frozen=True)
class Backtest:
    """Every case's forecast and scores, and the casebook's scores with their intervals."""

    casebook: Casebook
    cases: tuple[CaseScore, ...]
    forecasters: tuple[ForecasterScore, ...]
    calibration: tuple[CalibrationBin, ...]
    calibration_in_the_large: Interval  # mean forecast minus the share that met
    venue_skill: Interval  # over the cases that met: mean of venue_log - uniform_log
    venue_log: Interval
    uniform_log: Interval
    timing: Estimate  # cases that met within the central 80%, of those that met with a forecast timing
    resamples: int = RESAMPLES
    bootstrap_seed: int = SEED

    @property
    def met(self) -> int:
        return sum(score.case.outcome.met for score in self.cases)


def run_backtest(
    casebook: Casebook,
    *,
    runs: int | None = None,
    seed: int | None = None,
    bins: int = BINS,
    backend: Backend | None = None,
    journal: JournalSession | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Backtest:
    """Simulate every case (``runs`` and ``seed`` default to each scenario's own) and score it."""
    results = []
    for case in casebook.cases:
        results.append(simulate(case.scenario, runs=runs, seed=seed, backend=backend, journal=journal))
        if progress is not None:
            progress(len(results), len(casebook.cases))
    return score_backtest(casebook, results, bins=bins)


def score_backtest(casebook: Casebook, results: Sequence[Result], *, bins: int = BINS) -> Backtest:
    """The scores of the cases' runs (``results[i]`` of ``casebook.cases[i]``)."""
    cases = casebook.cases
    if len(results) != len(cases) or len(cases) < 2:
        raise ValueError("a backtest needs at least two cases, each with its runs")
    met = np.array([case.outcome.met for case in cases], dtype=float)
    others = len(cases) - 1
    base_rates = (met.sum() - met) / others
    scores = tuple(_case_score(case, result, float(base), 0.5 / others)
                   for case, result, base in zip(cases, results, base_rates))
    every = Resampler(len(scores), stream=0)
    forecasters = tuple(_forecaster(k, name, scores, every) for k, name in enumerate(FORECASTERS))
    forecasts = [s.forecasts[0] for s in scores]
    venue_cases = [s for s in scores if s.venue_log is not None]
    venues = Resampler(len(venue_cases), stream=1)
    timed = [s.in_central for s in scores if s.in_central is not None]
    return Backtest(
        casebook=casebook,
        cases=scores,
        forecasters=forecasters,
        calibration=calibration_table(forecasts, list(met), bins),
        calibration_in_the_large=every.difference(forecasts, list(met)),
        venue_skill=venues.difference([s.venue_log for s in venue_cases], [s.uniform_log for s in venue_cases]),
        venue_log=venues.mean([s.venue_log for s in venue_cases]),
        uniform_log=venues.mean([s.uniform_log for s in venue_cases]),
        timing=Estimate.of(sum(timed), len(timed)),
    )


def brier(p: float, met: bool) -> float:
    """The Brier score of a forecast ``p`` of a yes/no outcome: 0 is perfect."""
    return (p - float(met)) ** 2


def log_score(p: float, met: bool, clip: float) -> float:
    """The natural log of the probability given to what happened, ``p`` clipped to
    ``[clip, 1 - clip]``: 0 is perfect, higher is better."""
    p = min(max(p, clip), 1 - clip)
    return math.log(p if met else 1 - p)


def calibration_table(forecasts: Sequence[float], met: Sequence[float], bins: int = BINS) -> tuple[CalibrationBin, ...]:
    """The cases in ``bins`` equal bins of the forecast: bin ``k`` holds ``k/B <= p < (k+1)/B``
    (the last includes 1)."""
    index = [min(math.floor(p * bins), bins - 1) for p in forecasts]
    table = []
    for k in range(bins):
        inside = [i for i in range(len(forecasts)) if index[i] == k]
        count = len(inside)
        table.append(CalibrationBin(
            k / bins, (k + 1) / bins, count,
            float(np.mean([forecasts[i] for i in inside])) if count else math.nan,
            Estimate.of(int(sum(met[i] for i in inside)), count),
        ))
    return tuple(table)


def _case_score(case: Case, result: Result, base_rate: float, base_clip: float) -> CaseScore:
    outcome = case.outcome
    summary = result.summary
    p = summary.p_summit
    forecasts = (p.value, base_rate, 0.5)
    clips = (0.5 / result.runs, base_clip, 0.0)
    quantiles = summary.rounds_quantiles
    central = None if quantiles["q10"] is None else (quantiles["q10"], quantiles["q90"])
    venue_probability = venue_log = uniform_log = None
    in_central = None
    if outcome.met:
        venue_probability = smoothed_venue_probability(result, outcome.venue)
        venue_log = math.log(venue_probability)
        uniform_log = -math.log(len(result.inputs.venues) + 1)
        if central is not None and outcome.date is not None:
            meeting_round = case.scenario.time.round_of(outcome.date)
            in_central = central[0] <= meeting_round <= central[1]
    return CaseScore(
        case=case, runs=result.runs, seed=result.seed, p=p,
        venues_given_summit=tuple(summary.venue_given_summit.items()),
        central=central, median_round=quantiles["q50"],
        forecasts=forecasts,
        brier=tuple(brier(f, outcome.met) for f in forecasts),
        log=tuple(log_score(f, outcome.met, clip) for f, clip in zip(forecasts, clips)),
        venue_probability=venue_probability, venue_log=venue_log, uniform_log=uniform_log,
        in_central=in_central,
    )


def smoothed_venue_probability(result: Result, venue: str | None) -> float:
    """``q(venue)`` given a summit with half a run added to each of the scenario's venues
    and ``elsewhere`` (see the module docstring)."""
    venues = list(result.inputs.venues)
    summits = result.tally.summits
    held = 0 if venue == ELSEWHERE or venue not in venues else int(result.tally.held[:, venues.index(venue)].sum())
    return (held + 0.5) / (summits + 0.5 * (len(venues) + 1))


def _forecaster(k: int, name: str, scores: Sequence[CaseScore], resampler: Resampler) -> ForecasterScore:
    brier_k = [s.brier[k] for s in scores]
    log_k = [s.log[k] for s in scores]
    if k == 0:
        return ForecasterScore(name, resampler.mean(brier_k), resampler.mean(log_k), None, None)
    return ForecasterScore(
        name, resampler.mean(brier_k), resampler.mean(log_k),
        resampler.difference([s.brier[0] for s in scores], brier_k),
        resampler.difference([s.log[0] for s in scores], log_k),
    )
