"""Scenario discovery: where in the uncertain parameters is a summit likely?

``sim discover FILE [--threshold 0.5] [--samples N] [--runs-per-point R]``

``N`` points are drawn from the declared distributions (the same draws as ``sim run
--propagate``, from the parameters' own streams), each simulated with the scenario's seed
(common random numbers). A point is a *case of interest* when its P(summit) exceeds the
threshold. PRIM sees only which points are cases of interest, so each point gets runs in
stages of :data:`STAGE_RUNS` (stage ``s`` of the seed's streams at every point) until its
95% Wilson interval for P(summit) lies on one side of the threshold, or ``R`` runs in all:
a point at 5% is settled by its first 1,000 runs, one near the threshold gets all ``R``. PRIM (the Patient Rule Induction Method, Friedman and Fisher 1999, as used in
scenario discovery by Bryant and Lempert 2010; the ``PRIM`` package, ``pip install
'sim[discover]'``) then peels a box off the parameter space, step by step, trading
*coverage* (the share of all cases of interest that fall in the box) for *density* (the
share of the points in the box that are cases of interest). Of the boxes along that
trajectory, the one with the best balance is reported: the highest harmonic mean of
coverage and density. Its limits are stated as a rule in plain words.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np

from sim.execution.backends import Backend
from sim.errors import UsageError
from sim.scenario.loader import load_document, scenario_from_document
from sim.scenario.schema import Scenario
from sim.execution.journal import JournalSession
from sim.analysis.sensitivity import point_scenarios, staged_tallies
from sim.execution.aggregate import Tally
from sim.stats import Estimate
from sim.scenario.distributions import Distribution
from sim.scenario.parameters import draw, effective

MAX_QUASI_P = 0.05
STAGE_RUNS = 1_000


@dataclass(frozen=True)
class Limit:
    parameter: str
    low: float | None  # None: not restricted below
    high: float | None
    quasi_p: float | None

    def words(self) -> str:
        if self.low is not None and self.high is not None:
            return f"{self.parameter} is between {self.low:.3g} and {self.high:.3g}"
        if self.low is not None:
            return f"{self.parameter} > {self.low:.3g}"
        return f"{self.parameter} < {self.high:.3g}"


@dataclass(frozen=True)
class Discovery:
    scenario: Scenario
    parameters: dict[str, Distribution]
    fixed: list[str]
    threshold: float
    values: np.ndarray  # (points, parameters)
    p: np.ndarray  # P(summit) at each point
    runs_per_point: int  # the most runs a point may get (--runs-per-point)
    seed: int
    limits: list[Limit]
    coverage: float
    density: float
    mass: float  # share of the points inside the box
    trajectory: list[tuple[float, float, float, int]]  # coverage, density, mass, restricted dims
    dropped: list[Limit] = field(default_factory=list)  # restrictions PRIM found but could not tell from chance
    runs: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # runs simulated at each point
    unsettled: int = 0  # points whose 95% interval still contains the threshold after runs_per_point runs

    @property
    def interesting(self) -> np.ndarray:
        return self.p > self.threshold

    def inside(self) -> np.ndarray:
        keep = np.ones(len(self.p), dtype=bool)
        names = list(self.parameters)
        for limit in self.limits:
            column = self.values[:, names.index(limit.parameter)]
            if limit.low is not None:
                keep &= column >= limit.low
            if limit.high is not None:
                keep &= column <= limit.high
        return keep

    def rule(self) -> str:
        if not self.limits:
            return f"P(summit) > {self.threshold:.0%} with no restriction found"
        return (f"P(summit) > {self.threshold:.0%} when " + " and ".join(limit.words() for limit in self.limits)
                + f" (coverage {self.coverage:.0%}, density {self.density:.0%})")


def open_points(tallies: Sequence[Tally], threshold: float) -> list[int]:
    """The points whose 95% Wilson interval for P(summit) still contains ``threshold``."""
    estimates = [Estimate.of(t.summits, t.runs) for t in tallies]
    return [k for k, e in enumerate(estimates) if e.low <= threshold <= e.high]


def settled_tallies(scenarios: Sequence[Scenario], threshold: float, *, runs: int, seed: int, backend: Backend,
                    progress: Callable[[int, int], None] | None = None,
                    journal: JournalSession | None = None) -> list[Tally]:
    """Each point's tally: stages of :data:`STAGE_RUNS` runs (the last one shorter, so that
    no point gets more than ``runs``) at the points still :func:`open_points`."""
    step = min(STAGE_RUNS, runs)
    stages = [step] * (runs // step) + ([runs % step] if runs % step else [])
    return staged_tallies(scenarios, lambda tallies: open_points(tallies, threshold), stages, seed=seed,
                          backend=backend, progress=progress, journal=journal)[0]


def discover_region(
    file: str,
    overrides: Sequence[str] = (),
    *,
    threshold: float = 0.5,
    samples: int = 400,
    runs: int = 10_000,  # the most at any point
    seed: int | None = None,
    backend: Backend,
    progress: Callable[[int, int], None] | None = None,
    journal: JournalSession | None = None,
) -> Discovery:
    """Sample the uncertain parameters, simulate each point until it is clear which side of
    ``threshold`` it lies (at most ``runs`` runs), and find the PRIM box."""
    try:
        import pandas as pd
        import prim
    except ImportError:
        raise UsageError("sim discover needs PRIM: pip install '.[discover]' in sim's folder (or PRIM)") from None
    if not 0 < threshold < 1:
        raise UsageError(f"--threshold must be between 0 and 1 (exclusive), got {threshold}")
    document = load_document(file, overrides)
    scenario = scenario_from_document(document, file)
    seed = scenario.simulation.seed if seed is None else seed
    uncertain = effective(file, overrides, scenario)
    parameters, fixed = uncertain.distributions, list(uncertain.fixed)
    if not parameters:
        raise UsageError(f"{file}: no uncertain parameters to explore (add an `uncertain:` block; docs/forecasting.md)")
    values = draw(parameters, seed, samples)
    scenarios = point_scenarios(document, file, scenario, list(parameters), values)
    tallies = settled_tallies(scenarios, threshold, runs=runs, seed=seed, backend=backend, progress=progress,
                              journal=journal)
    p = np.array([t.summits / t.runs for t in tallies])
    base = dict(scenario=scenario, parameters=parameters, fixed=fixed, threshold=threshold, values=values, p=p,
                runs_per_point=runs, seed=seed, runs=np.array([t.runs for t in tallies], dtype=np.int64),
                unsettled=len(open_points(tallies, threshold)))
    y = p > threshold
    if not y.any() or y.all():
        share = float(y.mean())
        return Discovery(**base, limits=[], coverage=1.0 if y.any() else 0.0, density=share, mass=1.0, trajectory=[])
    names = [f"x{k}" for k in range(len(parameters))]  # PRIM's record arrays want plain names
    frame = pd.DataFrame(values, columns=names)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        finder = prim.Prim(frame, y, peel_alpha=0.05, paste_alpha=0.05, mass_min=0.05)
        box = finder.find_box()
        steps = box.peeling_trajectory
        coverage, density = steps["coverage"].to_numpy(), steps["density"].to_numpy()
        balance = np.where(coverage + density > 0, 2 * coverage * density / np.maximum(coverage + density, 1e-12), 0)
        chosen = int(np.argmax(balance))
        box.select(chosen)
        table = box.limits
    lows, highs = values.min(axis=0), values.max(axis=0)
    paths = list(parameters)
    limits = []
    for name, row in table.iterrows():
        k = names.index(str(name))
        low = float(row["min"]) if float(row["min"]) > lows[k] else None
        high = float(row["max"]) if float(row["max"]) < highs[k] else None
        if low is None and high is None:
            continue
        qp = row.get("qp values")
        quasi = float(qp) if isinstance(qp, (int, float)) and math.isfinite(qp) else None
        limits.append(Limit(paths[k], low, high, quasi))
    trajectory = [(float(c), float(d), float(m), int(r)) for c, d, m, r in
                  zip(coverage, density, steps["mass"], steps["res dim"])]
    # Restrictions PRIM cannot tell from chance (quasi-p above 0.05) are dropped.
    dropped = [limit for limit in limits if limit.quasi_p is not None and limit.quasi_p > MAX_QUASI_P]
    limits = [limit for limit in limits if limit not in dropped] or limits[:1]
    found = Discovery(**base, limits=limits, coverage=0.0, density=0.0, mass=0.0, trajectory=trajectory)
    inside = found.inside()
    # Coverage and density of the reported rule, counted on the points themselves.
    return Discovery(**base, limits=limits, coverage=float((inside & y).sum() / y.sum()),
                     density=float((inside & y).sum() / max(inside.sum(), 1)), mass=float(inside.mean()),
                     trajectory=trajectory, dropped=[limit for limit in dropped if limit not in limits])
