"""Calibration: the parameter value at which P(summit by DATE) matches an outside probability.

``sim calibrate FILE --target P --by DATE --param PATH=LO:HI [--out F.yaml]``

Every evaluation simulates the scenario with the parameter set and the scenario's seed,
so all evaluations share their random numbers and P(summit by DATE) is a deterministic,
nearly monotone step curve of the parameter (the CRN curve). The search:

1. evaluates the curve at 9 evenly spaced values from LO to HI, and stops with an error
   if the target lies outside the values seen (no value in the range reaches it);
2. narrows the first interval in which the curve crosses the target, until P is within
   ``--tolerance`` of it (or the interval is a millionth of the range);
3. inverts the Wilson interval to give the Monte Carlo uncertainty of the value: the
   parameter values whose 95% interval for P(summit by DATE) contains the target, found
   by narrowing down where the interval's upper and lower bounds cross it, to a
   ten-thousandth of the range. This is about ``1.96 x (standard error of P) / (slope of
   the curve)`` on each side.

Each narrowing interpolates the curve between the ends of its bracket (regula falsi,
:func:`narrow`) and starts from the tightest bracket the values already simulated give,
so on base.yaml the search simulates 19 values where bisection simulated 38.

The calibrated scenario is written as a small YAML file that ``extends`` the original
(by a path relative to the new file) and sets only the parameter (and any ``--set``).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np

from sim.execution.journal import JournalSession
from sim.execution.backends import Backend
from sim.errors import UsageError
from sim.scenario.loader import load_document, scenario_from_document
from sim.execution.runner import Result, simulate
from sim.stats import Estimate
from sim.scenario.distributions import UnusablePath, locate
from sim.scenario.fields import parse_date
from sim.scenario.parameters import python_value, scenario_at

GRID = 9
MAX_STEPS = 60
BUDGET = GRID + 3 * MAX_STEPS  # evaluations at most, for progress bars


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


def parse_by(text: str) -> dt.date:
    """The --by option as a date, or a usage error saying what is allowed."""
    try:
        return parse_date(text)
    except ValueError as error:
        raise UsageError(f"--by {text}: {error}") from None


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
    time = scenario.time
    if not time.start <= by <= time.horizon_end:
        raise UsageError(f"--by {by}: outside the scenario's horizon ({time.start} to {time.horizon_end})")
    curve = CrnCurve(document, file, path, nominal, by, runs, scenario.simulation.seed if seed is None else seed,
                     backend, journal, progress)
    grid = sorted({float(python_value(nominal, x)) for x in np.linspace(low, high, GRID)})
    a, b = bracket(curve, grid, target, low, high)
    best = nearest_to_target(curve, a, b, target, tolerance, xtol=(high - low) * 1e-6)
    lower, upper = monte_carlo_range(curve, best, target, low, high)
    return Calibration(path, python_value(nominal, best), python_value(nominal, lower), python_value(nominal, upper),
                       curve.covers(low, target), curve.covers(high, target), target, by, curve.p(best),
                       curve.result(best), curve.evaluated(), (low, high), nominal, tuple(grid))


@dataclass
class CrnCurve:
    """P(summit by ``by``) as a function of the value at ``path``, each value simulated once.

    Every value is simulated with the same seed, so all share their random numbers and
    the curve is a deterministic step function of the value; values are kept whole for
    an integer field, and each simulated one is remembered (and reported to ``progress``).
    """

    document: Any
    file: str
    path: str
    nominal: Any
    by: dt.date
    runs: int | None
    seed: int
    backend: Backend | None
    journal: JournalSession | None
    progress: Callable[[int, int], None] | None
    cache: dict[float, Result] = field(default_factory=dict)

    @property
    def whole(self) -> bool:
        return isinstance(self.nominal, int)

    def result(self, x: float) -> Result:
        x = float(python_value(self.nominal, x))
        if x not in self.cache:
            s = scenario_at(self.document, {self.path: x}, {self.path: self.nominal}, self.file)
            self.cache[x] = simulate(s, runs=self.runs, seed=self.seed, backend=self.backend, journal=self.journal)
            if self.progress is not None:
                self.progress(len(self.cache), BUDGET)
        return self.cache[x]

    def p(self, x: float) -> Estimate:
        return self.result(x).p_by(self.by)

    def covers(self, x: float, target: float) -> bool:
        """True when the 95% interval of P at ``x`` contains the target."""
        e = self.p(x)
        return e.low <= target <= e.high

    def evaluated(self) -> list[tuple[float, Estimate]]:
        """Every value simulated so far with its P, sorted by value."""
        return sorted(((x, r.p_by(self.by)) for x, r in self.cache.items()), key=lambda item: item[0])


def bracket(curve: CrnCurve, grid: Sequence[float], target: float, low: float, high: float) -> tuple[float, float]:
    """The first two neighbouring grid values between which the curve crosses the target
    (step 1); an error when no value of the grid reaches it."""
    values = [curve.p(x).value for x in grid]
    found = next(((a, b) for a, b, fa, fb in zip(grid, grid[1:], values, values[1:])
                  if (fa - target) * (fb - target) <= 0), None)
    if found is None:
        raise UsageError(
            f"no value of {curve.path} from {low:g} to {high:g} gives P(summit by {curve.by}) = {target:.1%}: over "
            f"that range it goes from {min(values):.1%} to {max(values):.1%} ({runs_text(curve.result(grid[0]))}); "
            f"widen --param or calibrate another field"
        )
    return found


def nearest_to_target(curve: CrnCurve, a: float, b: float, target: float, tolerance: float, xtol: float) -> float:
    """The value whose P is nearest the target, narrowing [a, b] (between which the curve
    crosses the target) until P is within ``tolerance`` of it or the interval is ``xtol``
    wide (one, for an integer field) (step 2). Each step interpolates the curve
    (:func:`narrow`), so a nearly straight stretch takes a few evaluations, not dozens."""
    ends = (min(a, b), max(a, b))
    rising = curve.p(b).value >= curve.p(a).value

    def gap(x: float) -> float:  # below 0 on a's side of the target, 0 or more on b's
        return (curve.p(x).value - target) * (1.0 if rising else -1.0) * (1.0 if a < b else -1.0)

    def distance(x: float) -> float:
        return abs(curve.p(x).value - target)

    if min(distance(a), distance(b)) > tolerance and gap(ends[0]) < 0 <= gap(ends[1]):
        narrow(curve, ends[0], ends[1], gap, lambda x: gap(x) >= 0, xtol,
               done=lambda: distance(_nearest(curve, ends, distance)) <= tolerance)
    return _nearest(curve, ends, distance)


def _nearest(curve: CrnCurve, ends: Sequence[float], distance: Callable[[float], float]) -> float:
    """The value evaluated in [ends] with the smallest ``distance`` (the lowest such value on
    a tie), so the answer depends only on which values were evaluated."""
    return min(sorted(x for x in curve.cache if ends[0] <= x <= ends[1]), key=distance)


def narrow(curve: CrnCurve, outside: float, within: float, gap: Callable[[float], float],
           inside: Callable[[float], bool], xtol: float, done: Callable[[], bool] = lambda: False) -> tuple[float, float]:
    """Shrink the bracket (``outside``, ``within``) of the point where ``inside`` starts to
    hold, until it is ``xtol`` wide or ``done()``; returns the last (outside, within).

    ``gap`` is a number that changes sign there (below 0 outside): the next value is where
    the straight line through the two ends crosses 0 (regula falsi), at least ``xtol / 2``
    inside the bracket, and an end kept twice in a row has its gap halved for the next
    line (the Illinois rule), so that both ends move and a curved stretch costs a few more
    evaluations, not many. For an integer field the values are whole and the bracket stops
    at one.
    Each value is simulated once (:class:`CrnCurve` remembers it), and values evaluated
    earlier inside the bracket tighten it before any new one is simulated.
    """
    xtol = max(xtol, 1.0 if curve.whole else 0.0)
    outside, within = tighten(curve, outside, within, inside)
    g_out, g_in, last = min(gap(outside), -1e-300), max(gap(within), 0.0), None
    for _ in range(MAX_STEPS):
        if abs(within - outside) <= xtol or done():
            break
        mid = outside + (within - outside) * g_out / (g_out - g_in)
        low, high = min(outside, within), max(outside, within)
        mid = min(max(mid, low + xtol / 2), high - xtol / 2)  # a step of at least xtol / 2
        if not low < mid < high:
            mid = (outside + within) / 2
        if curve.whole:
            mid = float(math.floor(mid) if within > outside else math.ceil(mid))
            if not low < mid < high:
                mid = float(math.floor((outside + within) / 2) if within > outside else math.ceil((outside + within) / 2))
                if mid in (outside, within):
                    break
        side = inside(mid)
        if side:
            within, g_in = mid, max(gap(mid), 0.0)
            if last is True:
                g_out /= 2  # Illinois: the end kept twice counts half, so that it moves too
        else:
            outside, g_out = mid, min(gap(mid), -1e-300)
            if last is False:
                g_in /= 2
        last = side
    return outside, within


def tighten(curve: CrnCurve, outside: float, within: float, inside: Callable[[float], bool]) -> tuple[float, float]:
    """The bracket (``outside``, ``within``) made as narrow as the values already evaluated
    allow: the evaluated value nearest ``within`` where ``inside`` fails, then the evaluated
    value nearest it, towards ``within``, where it holds."""
    lo, hi = min(outside, within), max(outside, within)
    between = sorted((x for x in curve.cache if lo < x < hi), key=lambda x: abs(x - within))
    outside = next((x for x in between if not inside(x)), outside)
    nearer = sorted((x for x in between if abs(x - within) < abs(outside - within)), key=lambda x: abs(x - outside))
    within = next((x for x in nearer if inside(x)), within)
    return outside, within


def monte_carlo_range(curve: CrnCurve, best: float, target: float, low: float, high: float) -> tuple[float, float]:
    """The values around ``best`` whose 95% interval for P contains the target (step 3),
    each end the search range's when the interval there still contains it."""
    ctol = (high - low) * 1e-4
    lower = low if curve.covers(low, target) else interval_edge(curve, low, best, target, ctol)
    upper = high if curve.covers(high, target) else interval_edge(curve, high, best, target, ctol)
    return lower, upper


def interval_edge(curve: CrnCurve, outside: float, within: float, target: float, ctol: float) -> float:
    """The boundary between a value whose interval misses the target and one whose interval
    contains it, narrowed to ``ctol`` (to one, for an integer field) by :func:`narrow` on
    the bound of the interval that misses the target at ``outside``."""
    below = curve.p(outside).high < target  # the interval at ``outside`` lies below the target

    def gap(x: float) -> float:
        e = curve.p(x)
        return e.high - target if below else target - e.low

    return narrow(curve, outside, within, gap, lambda x: curve.covers(x, target), ctol)[1]


# -- output ----------------------------------------------------------------------------


def runs_text(result: Result) -> str:
    return f"{result.runs:,} runs per value, seed {result.seed}"
