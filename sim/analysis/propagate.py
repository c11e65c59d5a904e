"""Propagating parameter uncertainty: ``sim run FILE --propagate [--draws D]``.

The uncertain parameters (the scenario's ``uncertain:`` block) are drawn ``D`` times.
**Each draw is one batch of the engine**: draw ``d`` sets the parameters to their
``d``-th values and simulates batch ``d`` of the scenario's seed, the same random stream
that batch ``d`` of a plain run uses. So the batched engine is kept as it is, every
draw's runs are independent of every other draw's, and with a distribution of zero width
the pooled result is byte for byte the plain run of ``D`` whole batches.

Two kinds of uncertainty are then told apart:

* the **mixture**: all runs pooled, i.e. P(summit) with the parameters uncertain too. Its
  Wilson interval covers the Monte Carlo noise as if each run had its own draw; because
  ``D`` draws share their parameters over a batch, the honest uncertainty of the mixture
  also has a between-draw part, reported as its standard error;
* the **spread across draws**: the 5th, 50th and 95th percentiles of the per-draw
  P(summit), i.e. what the forecast would be if we knew the parameters.

Parameter values are drawn in this process from their own streams (see
:mod:`sim.scenario.parameters`), so the results do not depend on the number of workers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np

from sim.execution.backends import Backend
from sim.errors import UsageError
from sim.engine.inputs import compile_inputs
from sim.scenario.loader import load_document, scenario_from_document
from sim.execution.journal import JournalSession, journaled_tallies
from sim.execution.runner import BATCH_SIZE, BatchJob, batch_tally
from sim.scenario.schema import Scenario
from sim.stats import Estimate
from sim.execution.aggregate import Tally, reported_formats
from sim.scenario.distributions import Distribution
from sim.scenario.parameters import draw, effective, nominal_values, scenario_at

DEFAULT_DRAWS = 100
MAX_DRAWS = 10_000
PERCENTILES = (5, 50, 95)


@dataclass(frozen=True)
class Spread:
    """One probability: the mixture over draws and the spread of the per-draw values."""

    mixture: Estimate  # pooled runs, Wilson interval
    draw_se: float  # standard error of the mixture from the finite number of draws
    percentiles: tuple[float, ...]  # of the per-draw values, at PERCENTILES
    parameter_share: float  # share of a run's outcome variance due to the parameters

    @classmethod
    def of(cls, counts: np.ndarray, runs: int) -> "Spread":
        """From each draw's count of successes out of ``runs``."""
        per_draw = counts / runs
        mixture = Estimate.of(int(counts.sum()), runs * len(counts))
        spread = float(np.var(per_draw, ddof=1)) if len(counts) > 1 else 0.0
        noise = float(np.mean(per_draw * (1 - per_draw))) / max(runs - 1, 1)
        total = mixture.value * (1 - mixture.value)
        return cls(
            mixture=mixture,
            draw_se=math.sqrt(spread / len(counts)),
            percentiles=tuple(float(v) for v in np.percentile(per_draw, PERCENTILES)),
            parameter_share=max(0.0, spread - noise) / total if total > 0 else 0.0,
        )


@dataclass(frozen=True)
class Propagation:
    """The draws, each draw's tally, and the pooled tally."""

    scenario: Scenario
    parameters: dict[str, Distribution]
    fixed: list[str]  # notes on declared parameters left at their values
    values: np.ndarray  # (draws, parameters)
    runs_per_draw: int
    seed: int
    tallies: list[Tally]
    venues: tuple[str, ...]

    @property
    def draws(self) -> int:
        return len(self.tallies)

    def counts(self, last_round: int | None = None, venue: int | None = None) -> np.ndarray:
        """Per draw: summits held by ``last_round`` (default: the horizon), at ``venue``."""
        rounds = self.scenario.time.rounds if last_round is None else last_round
        out = []
        for tally in self.tallies:
            held = tally.held[1: rounds + 1]
            out.append(int(held.sum() if venue is None else held[:, venue].sum()))
        return np.asarray(out, dtype=np.int64)

    def p_summit(self) -> Spread:
        return Spread.of(self.counts(), self.runs_per_draw)

    def by_date(self) -> list[tuple[Any, Spread]]:
        return [(day, Spread.of(self.counts(last), self.runs_per_draw))
                for day, last in self.scenario.time.reporting_dates()]

    def venue_share(self) -> dict[str, Spread]:
        return {vid: Spread.of(self.counts(venue=k), self.runs_per_draw) for k, vid in enumerate(self.venues)}

    def format_share(self) -> dict[str, Spread]:
        """P(summit in each format the scenario can produce), of all runs (eq. 9)."""
        formats = reported_formats(compile_inputs(self.scenario))
        return {name: Spread.of(np.array([int(t.formats[code]) for t in self.tallies]), self.runs_per_draw)
                for code, name in formats}

    def p_deal(self) -> Spread | None:
        """P(the negotiation track reaches its deal by the horizon), eq. (11); None without a track."""
        if self.scenario.track is None:
            return None
        return Spread.of(np.array([int(t.deals.sum()) for t in self.tallies]), self.runs_per_draw)


def propagate(
    file: str,
    overrides: Sequence[str] = (),
    *,
    draws: int = DEFAULT_DRAWS,
    runs: int | None = None,
    seed: int | None = None,
    backend: Backend,
    progress: Callable[[int, int], None] | None = None,
    journal: JournalSession | None = None,
) -> Propagation:
    """Draw the uncertain parameters ``draws`` times and simulate one batch per draw."""
    document = load_document(file, overrides)
    scenario = scenario_from_document(document, file)
    if not 1 <= draws <= MAX_DRAWS:
        raise UsageError(f"--draws must be between 1 and {MAX_DRAWS:,}, got {draws:,}")
    runs = min(scenario.simulation.runs, BATCH_SIZE) if runs is None else runs
    if not 1 <= runs <= BATCH_SIZE:
        raise UsageError(f"with --propagate, --runs counts runs per draw (one batch): at most {BATCH_SIZE:,}, got {runs:,}")
    seed = scenario.simulation.seed if seed is None else seed
    uncertain = effective(file, overrides, scenario)
    parameters, fixed = uncertain.distributions, list(uncertain.fixed)
    if not scenario.uncertain:
        raise UsageError(f"{file}: declares no uncertain parameters; add an `uncertain:` block (docs/forecasting.md)")
    values = draw(parameters, seed, draws)
    nominal = nominal_values(scenario)
    # Validate every draw before simulating any, so a bad value fails in seconds.
    scenarios = [scenario_at(document, dict(zip(parameters, row)), nominal, file) for row in values]
    jobs = [BatchJob(compile_inputs(s), seed, d, runs, False) for d, s in enumerate(scenarios)]
    identities = [f"draw {d}, {runs} runs, seed {seed}\n{s.model_dump_json()}" for d, s in enumerate(scenarios)]
    shape = (scenario.time.rounds, len(scenario.venues))
    tallies = journaled_tallies(backend, batch_tally, jobs, identities, journal, shape, progress)
    return Propagation(scenario, parameters, fixed, values, runs, seed, tallies, tuple(scenario.venues))
