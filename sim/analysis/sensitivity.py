"""Global sensitivity of P(summit) and the venue shares to the uncertain parameters.

``sim sensitivity FILE [--method sobol|morris] [--samples N] [--runs-per-point R]``

SALib samples the unit cube, one dimension per uncertain parameter; each coordinate is
mapped through the parameter's quantile function (:meth:`Distribution.ppf`), so the
indices are those of the declared distributions, whatever their shape. Every sample
point is the scenario with those values set (as ``--set`` would), simulated with the
scenario's seed (common random numbers), so differences between points come from the
parameters and hardly at all from Monte Carlo noise. Points are spread over the backend
(``make_backend(workers)``), one point per job, each one simulated by :func:`simulate`.

Sobol (Saltelli's scheme, first-order and total indices, no second order) needs
``N (k + 2)`` points for ``k`` parameters; its confidence intervals are SALib's bootstrap
ones. Morris (elementary effects on a 4-level grid, ``N (k + 1)`` points) ranks by
``mu*``, the mean absolute elementary effect: the change of the output per whole
quantile range of the parameter, measured over steps of 2/3 of it; untruncated normals are cut at their 0.5%
and 99.5% quantiles there, since the grid includes the ends of the unit interval.

SALib is imported only here (``pip install '.[sensitivity]'`` in sim's folder).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np

from sim.execution.backends import Backend
from sim.errors import UsageError
from sim.execution.journal import JournalSession, journaled_tallies
from sim.scenario.loader import load_document, scenario_from_document
from sim.engine.inputs import compile_inputs
from sim.execution.runner import BATCH_SIZE, stage_tallies
from sim.scenario.schema import Scenario
from sim.execution.aggregate import Tally
from sim.scenario.distributions import Distribution
from sim.scenario.parameters import derived_seed, effective, nominal_values, scenario_at

METHODS = ("sobol", "morris")
MAX_POINTS = 200_000
MORRIS_LEVELS = 4
DEFAULT_RUNS = 1_000
DEFAULT_MAX_NOISE = 0.01
MAX_STAGES = 10


@dataclass(frozen=True)
class PointsJob:
    """Consecutive sample points: scenarios to simulate with the shared seed, at one stage."""

    scenarios: tuple[Scenario, ...]
    runs: int
    seed: int
    stage: int = 0


def simulate_points(job: PointsJob) -> list[Tally]:
    """Simulate the job's points in this worker (module level, so process pools can send
    it), side by side in shared batches where they differ only in per-lane numbers
    (:func:`~sim.execution.runner.stage_tallies`): each point's counts are those of its
    own batches."""
    return stage_tallies([compile_inputs(s) for s in job.scenarios], job.seed, job.runs, job.stage)


def points_per_job(runs: int) -> int:
    """How many points a job simulates: as many as fill one batch (10 of 1,000 runs)."""
    return max(1, BATCH_SIZE // min(runs, BATCH_SIZE))


def point_scenarios(document: Any, file: str, scenario: Scenario, paths: Sequence[str],
                    values: np.ndarray) -> list[Scenario]:
    """The validated scenario of each row of ``values`` (one column per path).

    Every point is validated before any is simulated, so a bad value fails in seconds.
    """
    nominal = nominal_values(scenario)
    return [scenario_at(document, dict(zip(paths, row)), nominal, file) for row in values]


def evaluate_points(scenarios: Sequence[Scenario], *, runs: int, seed: int, stage: int = 0, backend: Backend,
                    progress: Callable[[int, int], None] | None = None,
                    journal: JournalSession | None = None) -> list[Tally]:
    """The tally of ``runs`` runs at each point, all from stage ``stage`` of the same seed.

    The same seed at every point gives common random numbers; another stage gives fresh
    runs to add (:func:`~sim.execution.runner.stage_tally`). The points go to the workers
    :func:`points_per_job` at a time; each point's tally is journaled as it arrives, so an
    interrupted analysis resumes.
    """
    names = [f"point, {runs} runs, seed {seed}, stage {stage}\n{s.model_dump_json()}" for s in scenarios]
    step = points_per_job(runs)
    jobs = [PointsJob(tuple(scenarios[k:k + step]), runs, seed, stage) for k in range(0, len(scenarios), step)]
    identities = [tuple(names[k:k + step]) for k in range(0, len(scenarios), step)]
    first = scenarios[0]
    shape = (first.time.rounds, len(first.venues))
    return journaled_tallies(backend, simulate_points, jobs, identities, journal, shape, progress)


def noise_share(y: np.ndarray, runs: int) -> float:
    """The share of the variance of ``y`` across points that Monte Carlo noise can explain.

    ``y`` holds proportions, each out of ``runs`` runs: the noise variance of one is at
    most ``y (1 - y) / runs`` (independent runs; common random numbers across points make
    the noise in the differences smaller still), averaged over points and divided by the
    variance of ``y`` across them. 0 means no noise at all; inf, an output that never varies.
    """
    spread = float(np.var(y, ddof=1)) if len(y) > 1 else 0.0
    noise = float(np.mean(y * (1 - y))) / runs
    if spread == 0:
        return 0.0 if noise == 0 else math.inf
    return noise / spread


def adaptive_tallies(scenarios: Sequence[Scenario], output: Callable[[list[Tally]], np.ndarray], *,
                     runs: int, seed: int, max_noise: float, backend: Backend,
                     progress: Callable[[int, int], None] | None = None,
                     journal: JournalSession | None = None) -> tuple[list[Tally], int]:
    """Every point's tally, adding ``runs`` runs per point in stages until the noise share
    of ``output(tallies)`` is at most ``max_noise`` (or after :data:`MAX_STAGES`).

    Returns the tallies and the number of stages run. Each stage reuses all earlier runs,
    and the stopping rule sees only counts, so the result does not depend on the workers.
    """
    def unsettled(tallies: list[Tally]) -> range:
        noisy = noise_share(output(tallies), tallies[0].runs) > max_noise
        return range(len(tallies)) if noisy else range(0)

    return staged_tallies(scenarios, unsettled, [runs] * MAX_STAGES, seed=seed, backend=backend, progress=progress,
                          journal=journal)


def staged_tallies(scenarios: Sequence[Scenario], unsettled: Callable[[list[Tally]], Sequence[int]],
                   stage_runs: Sequence[int], *, seed: int, backend: Backend,
                   progress: Callable[[int, int], None] | None = None,
                   journal: JournalSession | None = None) -> tuple[list[Tally], int]:
    """Every point's tally, built in stages: stage 0 simulates ``stage_runs[0]`` runs at
    every point, each later stage ``s`` adds ``stage_runs[s]`` fresh runs (stage ``s`` of
    the seed's streams, :func:`evaluate_points`) at the points ``unsettled(tallies)``
    names, until it names none or the stages run out.

    Returns the tallies and the number of stages run. The rule sees only counts, and every
    point's stage ``s`` is the same runs whichever points are still open, so the result
    does not depend on the workers or the order in which points finish.
    """
    tallies = evaluate_points(scenarios, runs=stage_runs[0], seed=seed, stage=0, backend=backend,
                              progress=progress, journal=journal)
    for stage, runs in enumerate(stage_runs[1:], start=1):
        open_points = list(unsettled(tallies))
        if not open_points:
            return tallies, stage
        fresh = evaluate_points([scenarios[k] for k in open_points], runs=runs, seed=seed, stage=stage,
                                backend=backend, progress=progress, journal=journal)
        for k, more in zip(open_points, fresh):
            tallies[k].add(more)
    return tallies, len(stage_runs)


@dataclass(frozen=True)
class Index:
    """One parameter's influence on one output."""

    parameter: str
    values: dict[str, float]  # S1, S1_conf, ST, ST_conf  or  mu_star, mu_star_conf, mu, sigma


@dataclass(frozen=True)
class Sensitivity:
    scenario: Scenario
    method: str
    parameters: dict[str, Distribution]
    fixed: list[str]
    points: int
    runs_per_point: int  # in all stages together
    seed: int
    outputs: dict[str, list[Index]]  # output name -> one Index per parameter, in declared order
    constant: list[str] = field(default_factory=list)  # outputs that never vary (no indices)
    noise: dict[str, float] = field(default_factory=dict)  # output -> noise_share at the end
    stages: int = 1  # stages of runs per point the adaptive rule took
    max_noise: float = DEFAULT_MAX_NOISE  # the stopping rule's bound on noise_share of p_summit

    @property
    def key(self) -> str:
        return "ST" if self.method == "sobol" else "mu_star"

    def ranked(self, output: str) -> list[Index]:
        return sorted(self.outputs[output], key=lambda index: -np.nan_to_num(index.values[self.key], nan=-1.0))


def _unit_to_values(parameters: dict[str, Distribution], unit: np.ndarray, method: str) -> np.ndarray:
    columns = []
    for k, dist in enumerate(parameters.values()):
        u = unit[:, k]
        if method == "morris" and not dist.bounded:
            u = 0.005 + 0.99 * u
        columns.append(dist.ppf(u))
    return np.column_stack(columns)


def analyse_sensitivity(
    file: str,
    overrides: Sequence[str] = (),
    *,
    method: str = "sobol",
    samples: int = 128,
    runs: int = DEFAULT_RUNS,
    max_noise: float = DEFAULT_MAX_NOISE,
    seed: int | None = None,
    backend: Backend,
    progress: Callable[[int, int], None] | None = None,
    resamples: int = 1000,
    journal: JournalSession | None = None,
) -> Sensitivity:
    """Sample, simulate every point with common random numbers, and compute the indices.

    Each point gets ``runs`` runs, then ``runs`` more at every point, until Monte Carlo
    noise explains at most ``max_noise`` of the variance of P(summit) across points
    (:func:`noise_share`; at most :data:`MAX_STAGES` stages).
    """
    if method not in METHODS:
        raise UsageError(f"--method must be one of {', '.join(METHODS)}, got {method!r}")
    try:
        from SALib.analyze import morris as morris_analyze
        from SALib.analyze import sobol as sobol_analyze
        from SALib.sample import morris as morris_sample
        from SALib.sample import sobol as sobol_sample
    except ImportError:
        raise UsageError("sim sensitivity needs SALib: pip install '.[sensitivity]' in sim's folder (or SALib)") from None
    document = load_document(file, overrides)
    scenario = scenario_from_document(document, file)
    seed = scenario.simulation.seed if seed is None else seed
    uncertain = effective(file, overrides, scenario)
    parameters, fixed = uncertain.distributions, list(uncertain.fixed)
    if len(parameters) < 2:
        raise UsageError(f"{file}: sensitivity needs at least 2 uncertain parameters, "
                         f"found {len(parameters)} (add them under `uncertain:`; see docs/forecasting.md)")
    if not 0 < max_noise < 1:
        raise UsageError(f"--max-noise must be between 0 and 1 (a share of the variance), got {max_noise}")
    if method == "sobol" and (samples < 2 or samples & (samples - 1)):
        raise UsageError(f"--samples must be a power of 2 for Sobol sampling (e.g. 64, 128, 256), got {samples}")
    k = len(parameters)
    size = samples * (k + 2 if method == "sobol" else k + 1)
    if size > MAX_POINTS:
        raise UsageError(f"{size:,} sample points asked for; at most {MAX_POINTS:,}")
    problem = {"num_vars": k, "names": list(parameters), "bounds": [[0.0, 1.0]] * k}
    sample_seed, analysis_seed = derived_seed(seed, 1), derived_seed(seed, 2)
    if method == "sobol":
        unit = sobol_sample.sample(problem, samples, calc_second_order=False, seed=sample_seed)
    else:
        unit = morris_sample.sample(problem, samples, num_levels=MORRIS_LEVELS, seed=sample_seed)
    values = _unit_to_values(parameters, unit, method)
    scenarios = point_scenarios(document, file, scenario, list(parameters), values)
    tallies, stages = adaptive_tallies(scenarios, p_summits, runs=runs, seed=seed, max_noise=max_noise,
                                       backend=backend, progress=progress, journal=journal)
    outputs, constant, noise = {}, [], {}
    columns = {"p_summit": p_summits(tallies)}
    for v, vid in enumerate(scenario.venues):
        columns[f"share_{vid}"] = np.array([t.held[:, v].sum() / t.runs for t in tallies])
    for name, y in columns.items():
        if np.ptp(y) == 0:
            constant.append(name)
            continue
        noise[name] = noise_share(y, tallies[0].runs)
        if method == "sobol":
            found = sobol_analyze.analyze(problem, y, calc_second_order=False, num_resamples=resamples,
                                          conf_level=0.95, seed=analysis_seed)
            keys = ("S1", "S1_conf", "ST", "ST_conf")
        else:
            found = morris_analyze.analyze(problem, unit, y, num_resamples=resamples, conf_level=0.95,
                                           num_levels=MORRIS_LEVELS, seed=analysis_seed)
            keys = ("mu_star", "mu_star_conf", "mu", "sigma")
        outputs[name] = [Index(path, {key: float(found[key][j]) for key in keys}) for j, path in enumerate(parameters)]
    return Sensitivity(scenario, method, parameters, fixed, len(values), tallies[0].runs, seed, outputs, constant,
                       noise, stages, max_noise)


def p_summits(tallies: Sequence[Tally]) -> np.ndarray:
    """P(summit within the horizon) at each point."""
    return np.array([t.summits / t.runs for t in tallies])


# -- output ----------------------------------------------------------------------------
