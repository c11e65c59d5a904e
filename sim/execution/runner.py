"""Many runs of a scenario: batching, seeding, execution and streaming aggregation.

Runs are simulated in batches of :data:`BATCH_SIZE`. Batch ``k`` draws from
``SeedSequence(seed).spawn(...)[k]`` (built directly as ``SeedSequence(seed,
spawn_key=(k,))``), and the last batch is simulated whole and cut to the run count, so
run ``r`` is always lane ``r % BATCH_SIZE`` of batch ``r // BATCH_SIZE`` and results are
byte-identical whatever the number of workers.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Sequence

import numpy as np

from sim.execution.backends import Backend, make_backend
from sim.errors import UsageError
from sim.engine.inputs import ModelInputs, compile_inputs
from sim.execution.journal import JournalSession
from sim.engine.model import simulate_batch
from sim.engine.outcome import BatchOutcome
from sim.engine.stacked import stacks
from sim.scenario.fields import parse_date
from sim.scenario.schema import MAX_RUNS, Scenario
from sim.stats import Estimate, wilson_half_width
from sim.execution.aggregate import Summary, Tally, cumulative_curve, reported_formats, summarise

BATCH_SIZE = 10_000
DEFAULT_MAX_RUNS = 10_000_000

OutcomeSink = Callable[[int, BatchOutcome], None]


def batch_seed(seed: int, index: int) -> np.random.SeedSequence:
    """The random stream of batch ``index``: child ``index`` of ``SeedSequence(seed)``."""
    return np.random.SeedSequence(seed, spawn_key=(index,))


@dataclass(frozen=True)
class BatchJob:
    """One batch to simulate: what, with which stream, and how many of its runs count."""

    inputs: ModelInputs
    seed: int
    index: int
    count: int
    keep_outcome: bool
    lanes: int = BATCH_SIZE  # lanes simulated; a plain run's batches always have BATCH_SIZE


def tally_shape(inputs: ModelInputs) -> tuple[int, int, int]:
    """Rounds, venues and third parties: the shape every tally of these inputs has, so that
    tallies of one job (batches, stages, journaled counts) always add up."""
    return inputs.rounds, len(inputs.venues), len(inputs.parties)


def batch_tally(job: BatchJob) -> Tally:
    """Simulate one batch and return only its counts."""
    return run_batch(job)[0]


def run_batch(job: BatchJob) -> tuple[Tally, BatchOutcome | None]:
    """Simulate one batch and count it; the per-run records only when asked for."""
    inputs = job.inputs
    outcome = simulate_batch(inputs, batch_seed(job.seed, job.index), job.lanes).head(job.count)
    tally = Tally.of(outcome, *tally_shape(inputs))
    return tally, (outcome if job.keep_outcome else None)


def stage_tally(inputs: ModelInputs, seed: int, runs: int, stage: int) -> Tally:
    """The counts of ``runs`` fresh runs of ``inputs``: stage ``stage`` of ``seed``'s streams.

    For analyses that evaluate many points and add runs to all of them in stages (common
    random numbers across points, independent runs across stages). The runs go in
    ``n = ceil(runs / lanes)`` batches of ``lanes = min(runs, BATCH_SIZE)`` lanes, so a
    point of 1,000 runs costs a batch of 1,000 lanes, not a whole one; stage ``s`` uses
    batches ``s n`` to ``s n + n - 1``. Stage 0 of ``runs >= BATCH_SIZE`` is therefore
    exactly :func:`simulate` with that many runs.
    """
    return stage_tallies([inputs], seed, runs, stage)[0]


def stage_tallies(points: Sequence[ModelInputs], seed: int, runs: int, stage: int) -> list[Tally]:
    """:func:`stage_tally` of every point, the same counts, for less: points that differ
    only in numbers the engine holds per lane (:func:`~sim.engine.stacked.stack_key`) run
    side by side, up to :data:`BATCH_SIZE` lanes to a batch, each point a block of lanes
    with its own random numbers (:mod:`sim.engine.stacked`). A sensitivity analysis's
    points of 1,000 runs thus share batches ten at a time, and the Python work of a round
    is paid once for ten of them."""
    lanes = min(runs, BATCH_SIZE)
    batches = -(-runs // lanes)
    tallies = [Tally(*tally_shape(p)) for p in points]
    for block, inputs in stacks(points, lanes, max(1, BATCH_SIZE // lanes)):
        for j in range(batches):
            count = min(lanes, runs - j * lanes)
            outcome = simulate_batch(inputs, batch_seed(seed, stage * batches + j), lanes * len(block),
                                     copies=len(block))
            for b, k in enumerate(block):
                tallies[k].add(Tally.of(outcome.section(b * lanes, count), *tally_shape(points[k])))
    return tallies


@dataclass(frozen=True)
class Result:
    """The runs of one scenario: their settings, counts and summary."""

    scenario: Scenario
    inputs: ModelInputs
    seed: int
    tally: Tally

    @property
    def runs(self) -> int:
        return self.tally.runs

    @functools.cached_property
    def summary(self) -> Summary:
        return summarise(self.tally, self.inputs.venues, self.scenario.time.reporting_dates(),
                         reported_formats(self.inputs), track=self.inputs.has_track)

    @property
    def p_summit(self) -> Estimate:
        """P(summit within the horizon) with its 95% Wilson interval."""
        return self.summary.p_summit

    def p_by(self, day: dt.date | str) -> Estimate:
        """P(summit held by ``day``) with its 95% Wilson interval, counted as the report counts.

        A summit in the round whose days include ``day`` counts (as in the report's
        P(summit by date) and :meth:`curve`), so any day of round ``t`` gives the curve's
        value at ``t``; a day before the start gives 0 of the runs. A day after the
        horizon is a :class:`~sim.errors.UsageError`: the runs stop there, so they would
        give only a lower bound. ``day`` is a date or an ISO text such as ``"2026-06-30"``.
        """
        return self._by(day, self.tally.held.sum(axis=1))

    def p_deal_by(self, day: dt.date | str) -> Estimate:
        """P(the negotiation track reached its deal by ``day``), eq. (11), counted as
        :meth:`p_by` counts summits; a :class:`~sim.errors.UsageError` without a track."""
        if not self.inputs.has_track:
            raise UsageError(f"scenario '{self.scenario.name}' has no track: section, so no deal to count")
        return self._by(day, self.tally.deals)

    def _by(self, day: dt.date | str, by_round: np.ndarray) -> Estimate:
        """The runs counted in ``by_round`` (per round) up to the round including ``day``."""
        day = _as_date(day)
        time = self.scenario.time
        if day > time.horizon_end:
            raise UsageError(f"{day} is after the scenario's horizon ({time.start} to {time.horizon_end}); "
                             "the runs say nothing about later dates")
        last = max(time.round_of(day), 0)
        return Estimate.of(int(by_round[1: last + 1].sum()), self.tally.runs)

    def curve(self) -> list[dict[str, Any]]:
        """P(summit by round t) for every round: one plain dict per round, CSV-ready."""
        return [
            {"round": t, "date": self.scenario.time.round_date(t), "p_summit": e.value,
             "ci_low": e.low, "ci_high": e.high, "summits": e.count, "runs": e.trials}
            for t, e in cumulative_curve(self.tally)
        ]

    def venue_table(self) -> list[dict[str, Any]]:
        """Each venue's share of all runs and of summits, with intervals, as plain dicts."""
        summary = self.summary
        return [
            {"venue": vid, "name": self.scenario.venues[vid].name,
             "share": e.value, "ci_low": e.low, "ci_high": e.high,
             "share_given_summit": summary.venue_given_summit[vid].value,
             "given_ci_low": summary.venue_given_summit[vid].low,
             "given_ci_high": summary.venue_given_summit[vid].high, "summits": e.count}
            for vid, e in summary.venue_share.items()
        ]


def simulate(
    scenario: Scenario,
    *,
    runs: int | None = None,
    seed: int | None = None,
    workers: int = 1,
    precision: float | None = None,
    max_runs: int | None = None,
    on_outcome: OutcomeSink | None = None,
    backend: Backend | None = None,
    scheduler: str | None = None,
    journal: JournalSession | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Result:
    """Simulate ``scenario`` and return the tally and summary of its runs.

    ``runs`` and ``seed`` default to the scenario's ``simulation`` block. With
    ``precision``, whole batches run until the 95% interval half-width of P(summit) is at
    most ``precision`` or ``max_runs`` is reached. ``on_outcome(first_run, outcome)``
    receives every batch's per-run records in run order (for streaming them to disk).
    ``scheduler`` (or ``$SIM_SCHEDULER``), a Dask scheduler address, runs the batches on
    that cluster instead of ``workers`` local processes; the results are the same.
    With a ``journal`` session, finished batches are saved as they come and, when the
    session resumes, batches saved by an interrupted run of the same job are reused
    (see :mod:`sim.execution.journal`); the caller finishes the session when its command succeeds.
    ``progress(done, total)`` is told after each batch.
    """
    seed = scenario.simulation.seed if seed is None else seed
    runs = scenario.simulation.runs if runs is None else runs
    if precision is not None:
        if not 0 < precision < 0.5:
            raise UsageError(f"--precision must be between 0 and 0.5, got {precision}")
        runs = DEFAULT_MAX_RUNS if max_runs is None else max_runs
    if not 1 <= runs <= MAX_RUNS:
        raise UsageError(f"runs must be between 1 and {MAX_RUNS:,}, got {runs:,}")
    inputs = compile_inputs(scenario)
    tally = Tally(*tally_shape(inputs))
    own_backend = backend is None
    batches = -(-runs // BATCH_SIZE)
    backend = backend or make_backend(min(workers, batches), scheduler)
    keep = on_outcome is not None
    saved = journal.job("batches", BATCH_SIZE, seed, scenario.model_dump_json()) if journal and batches > 1 else None
    done = {job.index for job in _jobs(inputs, seed, runs, keep) if saved and saved.finished(job.index, job.count, keep)}
    try:
        fresh = backend.map(run_batch, (job for job in _jobs(inputs, seed, runs, keep) if job.index not in done))
        for index in range(batches):
            if index in done:
                batch_tally, outcome = saved.load(index, inputs.rounds, len(inputs.venues))
            else:
                batch_tally, outcome = next(fresh)
                if saved is not None:
                    saved.save(index, batch_tally, outcome)
            tally.add(batch_tally)
            if on_outcome is not None and outcome is not None:
                on_outcome(index * BATCH_SIZE, outcome)
            if progress is not None:
                progress(index + 1, batches)
            if precision is not None and wilson_half_width(tally.summits, tally.runs) <= precision:
                break
    finally:
        if own_backend:
            backend.close()
    return Result(scenario=scenario, inputs=inputs, seed=seed, tally=tally)


def _as_date(day: dt.date | str) -> dt.date:
    if isinstance(day, dt.datetime):
        return day.date()
    try:
        return parse_date(day)
    except ValueError as error:
        raise UsageError(str(error)) from None


def _jobs(inputs: ModelInputs, seed: int, runs: int, keep: bool) -> Iterator[BatchJob]:
    for index, first in enumerate(range(0, runs, BATCH_SIZE)):
        yield BatchJob(inputs, seed, index, min(BATCH_SIZE, runs - first), keep)
