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

from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np

from sim.execution.backends import Backend
from sim.errors import UsageError
from sim.execution.journal import JournalSession, journaled_tallies
from sim.scenario.loader import load_document, scenario_from_document
from sim.execution.runner import simulate
from sim.scenario.schema import Scenario
from sim.execution.aggregate import Tally
from sim.scenario.distributions import Distribution
from sim.scenario.parameters import derived_seed, effective, nominal_values, scenario_at

METHODS = ("sobol", "morris")
MAX_POINTS = 200_000
MORRIS_LEVELS = 4


@dataclass(frozen=True)
class PointJob:
    """One sample point: a scenario to simulate with the shared seed."""

    scenario: Scenario
    runs: int
    seed: int


def simulate_point(job: PointJob) -> Tally:
    """Simulate one point in this worker (module level, so process pools can send it)."""
    return simulate(job.scenario, runs=job.runs, seed=job.seed).tally


def evaluate_points(document: Any, file: str, scenario: Scenario, paths: Sequence[str], values: np.ndarray, *,
                    runs: int, seed: int, backend: Backend,
                    progress: Callable[[int, int], None] | None = None,
                    journal: JournalSession | None = None) -> list[Tally]:
    """The tally of each row of ``values`` (one column per path), all with the same seed.

    Each point's tally is journaled as it arrives, so an interrupted analysis resumes.
    """
    nominal = nominal_values(scenario)
    # Validate every point before simulating any, so a bad value fails in seconds.
    jobs = [PointJob(scenario_at(document, dict(zip(paths, row)), nominal, file), runs, seed) for row in values]
    identities = [f"point, {runs} runs, seed {seed}\n{job.scenario.model_dump_json()}" for job in jobs]
    shape = (scenario.time.rounds, len(scenario.venues))
    return journaled_tallies(backend, simulate_point, jobs, identities, journal, shape, progress)


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
    runs_per_point: int
    seed: int
    outputs: dict[str, list[Index]]  # output name -> one Index per parameter, in declared order
    constant: list[str] = field(default_factory=list)  # outputs that never vary (no indices)

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
    runs: int = 10_000,
    seed: int | None = None,
    backend: Backend,
    progress: Callable[[int, int], None] | None = None,
    resamples: int = 1000,
    journal: JournalSession | None = None,
) -> Sensitivity:
    """Sample, simulate every point with common random numbers, and compute the indices."""
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
    tallies = evaluate_points(document, file, scenario, list(parameters), values, runs=runs, seed=seed,
                              backend=backend, progress=progress, journal=journal)
    outputs, constant = {}, []
    venues = list(scenario.venues)
    columns = {"p_summit": np.array([t.summits / t.runs for t in tallies])}
    for v, vid in enumerate(venues):
        columns[f"share_{vid}"] = np.array([t.held[:, v].sum() / t.runs for t in tallies])
    for name, y in columns.items():
        if np.ptp(y) == 0:
            constant.append(name)
            continue
        if method == "sobol":
            found = sobol_analyze.analyze(problem, y, calc_second_order=False, num_resamples=resamples,
                                          conf_level=0.95, seed=analysis_seed)
            keys = ("S1", "S1_conf", "ST", "ST_conf")
        else:
            found = morris_analyze.analyze(problem, unit, y, num_resamples=resamples, conf_level=0.95,
                                           num_levels=MORRIS_LEVELS, seed=analysis_seed)
            keys = ("mu_star", "mu_star_conf", "mu", "sigma")
        outputs[name] = [Index(path, {key: float(found[key][j]) for key in keys}) for j, path in enumerate(parameters)]
    return Sensitivity(scenario, method, parameters, fixed, len(values), runs, seed, outputs, constant)


# -- output ----------------------------------------------------------------------------
