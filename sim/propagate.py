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
:mod:`sim.uncertainty`), so the results do not depend on the number of workers.
"""

from __future__ import annotations

import contextlib
import math
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Sequence

import numpy as np

from .backends import Backend
from .errors import UsageError
from .inputs import compile_inputs
from .loader import load_document, scenario_from_document
from .journal import JournalSession, journaled_tallies
from .runner import BATCH_SIZE, BatchJob, batch_tally
from .scenario import Scenario
from .stats import Estimate, Tally
from .uncertainty import Distribution, draw, effective, nominal_values, scenario_at

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
    parameters, fixed = effective(file, overrides, scenario)
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


# -- output --------------------------------------------------------------------------------


def _spread_text(spread: Spread) -> str:
    from .tables import percent

    return " / ".join(percent(v) for v in spread.percentiles)


def render(result: Propagation, console: Any) -> None:
    """Print the mixture and the spread across draws: P(summit), by date, by venue."""
    from rich.table import Table

    from .tables import interval as _interval, percent as _pct

    scenario = result.scenario
    time = scenario.time
    p = result.p_summit()
    console.print(f"[bold]{scenario.title}[/bold]  ({scenario.name})")
    console.print(
        f"Parameter uncertainty: {result.draws:,} draws of {len(result.parameters)} parameters, "
        f"{result.runs_per_draw:,} runs each ({result.draws * result.runs_per_draw:,} runs), seed {result.seed}; "
        f"{time.rounds} rounds from {time.start} to {time.horizon_end}"
    )
    for note in result.fixed:
        console.print(f"Fixed: {note}")
    console.print()
    console.print(
        f"[bold]P(summit by {time.horizon_end}) = {_pct(p.mixture.value)}[/bold] over all draws "
        f"(95% interval {_interval(p.mixture)} from the runs; +-{100 * 1.96 * p.draw_se:.1f} points from using "
        f"{result.draws:,} draws)"
    )
    console.print(
        f"If the parameters were known: 5th / 50th / 95th percentile over the draws = {_spread_text(p)}; "
        f"the parameters account for {_pct(p.parameter_share)} of the variance of a run's outcome, "
        f"chance for the rest."
    )
    dates = Table(title="Summit by date (cumulative)", title_justify="left")
    for name, justify in (("by", "left"), ("all draws", "right"), ("95% interval", "right"),
                          ("5th / 50th / 95th pct over draws", "right")):
        dates.add_column(name, justify=justify)
    for day, spread in result.by_date():
        dates.add_row(str(day), _pct(spread.mixture.value), _interval(spread.mixture), _spread_text(spread))
    venues = Table(title="Where (share of all runs)", title_justify="left")
    for name, justify in (("venue", "left"), ("all draws", "right"), ("95% interval", "right"),
                          ("5th / 50th / 95th pct over draws", "right")):
        venues.add_column(name, justify=justify)
    for vid, spread in sorted(result.venue_share().items(), key=lambda item: -item[1].mixture.count):
        if spread.mixture.count:
            venues.add_row(scenario.venues[vid].name, _pct(spread.mixture.value), _interval(spread.mixture),
                           _spread_text(spread))
    drawn = Table(title="Parameters drawn", title_justify="left")
    for name, justify in (("parameter", "left"), ("value", "right"), ("distribution", "left"),
                          ("5th / 50th / 95th pct of draws", "right")):
        drawn.add_column(name, justify=justify, no_wrap=name != "distribution")
    nominal = nominal_values(scenario)
    for k, (path, dist) in enumerate(result.parameters.items()):
        qs = np.percentile(result.values[:, k], PERCENTILES)
        drawn.add_row(path, f"{nominal[path]:.4g}", dist.describe(), " / ".join(f"{q:.3g}" for q in qs))
    console.print(dates)
    console.print(venues)
    console.print(drawn)


def _spread_json(spread: Spread) -> dict[str, Any]:
    m = spread.mixture
    return {
        "estimate": m.value, "ci_low": m.low, "ci_high": m.high, "count": m.count, "trials": m.trials,
        "draw_se": spread.draw_se, **{f"p{q:02d}": v for q, v in zip(PERCENTILES, spread.percentiles)},
        "parameter_share": spread.parameter_share,
    }


def as_json(result: Propagation) -> dict[str, Any]:
    """The propagation as a JSON-ready mapping (documented in docs/forecasting.md)."""
    nominal = nominal_values(result.scenario)
    return {
        "scenario": result.scenario.name,
        "seed": result.seed,
        "draws": result.draws,
        "runs_per_draw": result.runs_per_draw,
        "parameters": [
            {"path": path, "value": nominal[path], "distribution": dist.describe(),
             **{f"p{q:02d}": float(v) for q, v in zip(PERCENTILES, np.percentile(result.values[:, k], PERCENTILES))}}
            for k, (path, dist) in enumerate(result.parameters.items())
        ],
        "fixed": result.fixed,
        "p_summit": _spread_json(result.p_summit()),
        "p_summit_by": [{"date": str(day), **_spread_json(s)} for day, s in result.by_date()],
        "venue_share": {vid: _spread_json(s) for vid, s in result.venue_share().items()},
    }


def draw_rows(result: Propagation) -> Iterator[list[str]]:
    """The per-draw CSV: a header, then one row per draw (parameter values, P, shares)."""
    from .export import number

    dates = result.scenario.time.reporting_dates()
    yield ["draw", *result.parameters, "runs", "p_summit", *(f"p_by_{day}" for day, _ in dates),
           *(f"share_{v}" for v in result.venues)]
    by_date = [result.counts(last) for _, last in dates]
    by_venue = [result.counts(venue=k) for k in range(len(result.venues))]
    summits = result.counts()
    runs = result.runs_per_draw
    for d in range(result.draws):
        yield [str(d), *(repr(float(v)) for v in result.values[d]), str(runs), number(summits[d] / runs),
               *(number(c[d] / runs) for c in by_date), *(number(c[d] / runs) for c in by_venue)]



def run_command(file: Any, overrides: Sequence[str], *, runs: int | None, seed: int | None, workers: int,
                draws: int | None, csv_path: str | None, as_json: bool, refused: dict[str, Any],
                scheduler: str | None = None, resume: bool = False) -> None:
    """``sim run FILE --propagate``: the command behind the option (see :mod:`sim.cli`)."""
    import json
    import sys

    from . import manifest
    from .backends import make_backend
    from .shell import console, progress_bar
    from .export import write_rows
    from .output import atomic_file, check_writable

    for option, value in refused.items():
        if value:
            raise UsageError(f"{option} does not apply with --propagate")
    if csv_path == "-" and as_json:
        raise UsageError("only one of --json, --csv - can use standard output")
    if csv_path:
        check_writable(csv_path)
    draws = DEFAULT_DRAWS if draws is None else draws
    journal = JournalSession(resume)
    with contextlib.closing(make_backend(min(workers, draws), scheduler)) as backend:
        with progress_bar("draws") as advance:
            result = propagate(str(file), overrides, draws=draws, runs=runs, seed=seed, backend=backend,
                               progress=advance, journal=journal)
    if csv_path:
        with atomic_file(csv_path) as handle:
            rows = list(draw_rows(result))
            write_rows(handle, rows[0], rows[1:])
    manifest.write(sys.argv[1:], {str(file): result.scenario}, [csv_path])
    journal.finish()
    if as_json:
        payload = as_json_payload(result)
        payload["provenance"] = manifest.provenance({str(file): result.scenario})
        sys.stdout.write(json.dumps(payload, indent=2) + "\n")
    elif csv_path != "-":
        render(result, console())


as_json_payload = as_json
