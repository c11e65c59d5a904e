"""Calibration: the parameter value at which P(summit by DATE) matches an outside probability.

``sim calibrate FILE --target P --by DATE --param PATH=LO:HI [--out F.yaml]``

Every evaluation simulates the scenario with the parameter set and the scenario's seed,
so all evaluations share their random numbers and P(summit by DATE) is a deterministic,
nearly monotone step curve of the parameter (the CRN curve). The search:

1. evaluates the curve at 9 evenly spaced values from LO to HI, and stops with an error
   if the target lies outside the values seen (no value in the range reaches it);
2. bisects the first interval in which the curve crosses the target, until P is within
   ``--tolerance`` of it (or the interval is a millionth of the range);
3. inverts the Wilson interval to give the Monte Carlo uncertainty of the value: the
   parameter values whose 95% interval for P(summit by DATE) contains the target, found
   by bisecting for where the interval's upper and lower bounds cross it. This is about
   ``1.96 x (standard error of P) / (slope of the curve)`` on each side.

The calibrated scenario is written as a small YAML file that ``extends`` the original
(by a path relative to the new file) and sets only the parameter (and any ``--set``).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np

from sim.execution.journal import JournalSession
from sim.execution.backends import Backend
from sim.errors import UsageError
from sim.scenario.loader import load_document, scenario_from_document
from sim.execution.runner import Result, simulate
from sim.stats import Estimate
from sim.scenario.distributions import UnusablePath, locate
from sim.scenario.parameters import python_value, scenario_at

GRID = 9
MAX_STEPS = 60


def parse_param(text: str) -> tuple[str, float, float]:
    """``PATH=LO:HI`` as (path, lo, hi)."""
    path, sep, spec = text.partition("=")
    parts = spec.split(":")
    try:
        low, high = float(parts[0]), float(parts[1])
    except (ValueError, IndexError):
        low = high = math.nan
    if not sep or not path.strip() or len(parts) != 2 or not (math.isfinite(low) and math.isfinite(high)):
        raise UsageError(f"--param {text}: expected PATH=LO:HI, e.g. actors.putin.readiness=-5:-2")
    if low >= high:
        raise UsageError(f"--param {text}: LO must be below HI")
    return path.strip(), low, high


def parse_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(f"--by {text}: expected a date YYYY-MM-DD") from None


@dataclass(frozen=True)
class Calibration:
    path: str
    value: float
    low: float  # Monte Carlo 95% range of the value
    high: float
    low_open: bool  # the range reaches the end of the search range there
    high_open: bool
    target: float
    by: dt.date
    estimate: Estimate  # P(summit by DATE) at the value
    result: Result  # the calibrated scenario's runs
    curve: list[tuple[float, Estimate]]  # every evaluation, sorted by value
    search: tuple[float, float]
    nominal: Any
    grid: tuple[float, ...]  # the evenly spaced first evaluations


def calibrate_parameter(
    file: str,
    overrides: Sequence[str] = (),
    *,
    path: str,
    low: float,
    high: float,
    target: float,
    by: dt.date,
    runs: int | None = None,
    seed: int | None = None,
    tolerance: float = 0.0005,
    backend: Backend | None = None,
    progress: Callable[[int, int], None] | None = None,
    journal: JournalSession | None = None,
) -> Calibration:
    """Find the value of ``path`` in [low, high] with P(summit by ``by``) = ``target``."""
    document = load_document(file, overrides)
    scenario = scenario_from_document(document, file)
    try:
        nominal = locate(scenario, path).value
    except UnusablePath as error:
        raise UsageError(f"--param {path}: {error}") from None
    whole = isinstance(nominal, int)
    time = scenario.time
    if not time.start <= by <= time.horizon_end:
        raise UsageError(f"--by {by}: outside the scenario's horizon ({time.start} to {time.horizon_end})")
    seed = scenario.simulation.seed if seed is None else seed
    cache: dict[float, Result] = {}
    budget = GRID + 3 * MAX_STEPS

    def run_at(x: float) -> Result:
        x = float(python_value(nominal, x))
        if x not in cache:
            s = scenario_at(document, {path: x}, {path: nominal}, file)
            cache[x] = simulate(s, runs=runs, seed=seed, backend=backend, journal=journal)
            if progress is not None:
                progress(len(cache), budget)
        return cache[x]

    def p(x: float) -> Estimate:
        return run_at(x).p_by(by)

    grid = sorted({float(python_value(nominal, x)) for x in np.linspace(low, high, GRID)})
    values = [p(x).value for x in grid]
    bracket = next(((a, b) for a, b, fa, fb in zip(grid, grid[1:], values, values[1:])
                    if (fa - target) * (fb - target) <= 0), None)
    if bracket is None:
        raise UsageError(
            f"no value of {path} from {low:g} to {high:g} gives P(summit by {by}) = {target:.1%}: over that range "
            f"it goes from {min(values):.1%} to {max(values):.1%} ({runs_text(run_at(grid[0]))}); widen --param "
            f"or calibrate another field"
        )
    a, b = bracket
    rising = p(b).value >= p(a).value
    best = min((a, b), key=lambda x: abs(p(x).value - target))
    xtol = (high - low) * 1e-6
    for _ in range(MAX_STEPS):
        if abs(p(best).value - target) <= tolerance or b - a <= max(xtol, 1.0 if whole else 0.0):
            break
        mid = (a + b) / 2
        if whole:
            mid = float(math.floor(mid))
            if mid in (a, b):
                break
        value = p(mid).value
        if (value < target) == rising:
            a = mid
        else:
            b = mid
        best = min((best, mid), key=lambda x: abs(p(x).value - target))

    def inside(x: float) -> bool:
        e = p(x)
        return e.low <= target <= e.high

    def edge(outside: float, within: float) -> float:
        """The boundary of the values whose interval contains the target, between two points."""
        ctol = (high - low) * 1e-4
        for _ in range(MAX_STEPS):
            if abs(within - outside) <= max(ctol, 1.0 if whole else 0.0):
                break
            mid = (outside + within) / 2
            if whole:
                mid = float(math.floor(mid) if mid > within else math.ceil(mid))
                if mid in (outside, within):
                    break
            if inside(mid):
                within = mid
            else:
                outside = mid
        return within

    lower = low if inside(low) else edge(low, best)
    upper = high if inside(high) else edge(high, best)
    curve = sorted(((x, r.p_by(by)) for x, r in cache.items()), key=lambda item: item[0])
    return Calibration(path, python_value(nominal, best), python_value(nominal, lower), python_value(nominal, upper),
                       inside(low), inside(high), target, by, p(best), run_at(best), curve, (low, high), nominal,
                       tuple(grid))


# -- output ----------------------------------------------------------------------------


def runs_text(result: Result) -> str:
    return f"{result.runs:,} runs per value, seed {result.seed}"
