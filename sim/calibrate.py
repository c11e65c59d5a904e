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
import os
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np

from .journal import JournalSession
from .backends import Backend
from .errors import UsageError
from .loader import load_document, scenario_from_document
from .runner import Result, simulate
from .stats import Estimate
from .uncertainty import locate, python_value, scenario_at, with_values

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


def p_by(result: Result, day: dt.date) -> Estimate:
    """P(summit held by ``day``) with its Wilson interval, for any day in the horizon."""
    time = result.scenario.time
    last = min(max(time.round_of(day), 0), time.rounds)
    return Estimate.of(int(result.tally.held[1: last + 1].sum()), result.tally.runs)


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


def calibrate(
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
    found = locate(scenario, path)
    if isinstance(found, str):
        raise UsageError(f"--param {path}: {found}")
    nominal = found[0]
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
        return p_by(run_at(x), by)

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
    curve = sorted(((x, p_by(r, by)) for x, r in cache.items()), key=lambda item: item[0])
    return Calibration(path, python_value(nominal, best), python_value(nominal, lower), python_value(nominal, upper),
                       inside(low), inside(high), target, by, p(best), run_at(best), curve, (low, high), nominal,
                       tuple(grid))


def runs_text(result: Result) -> str:
    return f"{result.runs:,} runs per value, seed {result.seed}"


# -- output ----------------------------------------------------------------------------


def render(found: Calibration, zone: Any, console: Any, out: str | None) -> None:
    """The calibrated value with its Monte Carlo range, the curve, then the full report."""
    from rich.table import Table

    from .tables import interval, percent, render_run

    e = found.estimate
    low = f"{'at most ' if found.low_open else ''}{found.low:.6g}"
    high = f"{'at least ' if found.high_open else ''}{found.high:.6g}"
    console.print(
        f"[bold]{found.path} = {found.value:.6g}[/bold] gives P(summit by {found.by}) = {percent(e.value)} "
        f"(target {percent(found.target)}; 95% interval {interval(e)})"
    )
    console.print(
        f"Monte Carlo uncertainty of the value: {low} to {high} (the values whose 95% interval for "
        f"P(summit by {found.by}) contains the target; {runs_text(found.result)}, common random numbers). "
        f"The scenario as written has {found.nominal:.6g}."
    )
    if found.low_open or found.high_open:
        console.print("The range reaches the end of the search range: more runs (--runs) or a wider --param narrow it.")
    curve = Table(title=f"P(summit by {found.by}) along {found.path} ({len(found.curve)} values evaluated; "
                        "the grid, the value and its range shown)", title_justify="left")
    curve.add_column(found.path, justify="right")
    curve.add_column("P(summit by date)", justify="right")
    curve.add_column("95% interval", justify="right")
    keep = {*found.grid, found.value, found.low, found.high}
    shown = [item for item in found.curve if item[0] in keep]
    for x, estimate in shown:
        mark = "  <- calibrated" if x == found.value else "  <- range" if x in (found.low, found.high) else ""
        curve.add_row(f"{x:.6g}", percent(estimate.value) + mark, interval(estimate))
    console.print(curve)
    if out:
        console.print(f"Wrote {out}: it extends the scenario and sets {found.path} = {found.value:.6g}.")
    console.print()
    console.print("[bold]What the calibrated scenario says[/bold]")
    render_run(found.result, zone, console)


def write_calibrated(found: Calibration, file: str, overrides: Sequence[str], out: str, argv: Sequence[str]) -> None:
    """Write a scenario that ``extends`` ``file`` and sets the calibrated value (atomically)."""
    import yaml

    from .output import atomic_file
    from .variants import apply_overrides

    parent = load_document(file)
    changed = apply_overrides(parent, [*overrides])
    changed = with_values(changed, {found.path: found.value}, {found.path: found.nominal})
    layer = _difference(parent, changed)
    folder = os.path.dirname(os.path.abspath(out))
    reference = os.path.relpath(os.path.abspath(file), folder)
    name = f"{found.result.scenario.name}_calibrated"[:40]
    body = {
        "extends": reference,
        "name": name,
        "title": f"{found.result.scenario.title} - calibrated: P(summit by {found.by}) = {found.target:.1%}"[:200],
        **layer,
    }
    header = (
        f"# Calibrated by: sim {' '.join(argv)}\n"
        f"# {found.path} = {found.value:.6g} gives P(summit by {found.by}) = {found.estimate.value:.4f} "
        f"(target {found.target:.4f});\n"
        f"# Monte Carlo 95% range of the value: {found.low:.6g} to {found.high:.6g} "
        f"({runs_text(found.result)}).\n"
    )
    with atomic_file(out) as handle:
        handle.write(header)
        handle.write(yaml.safe_dump(body, sort_keys=False, allow_unicode=True))


def _difference(parent: Any, child: Any) -> dict[str, Any]:
    """The smallest mapping that, merged over ``parent`` by ``extends``, gives ``child``.

    Mappings are compared key by key; anything else that differs (a list included, since
    lists are replaced whole) is taken whole from the child.
    """
    out: dict[str, Any] = {}
    for key, value in child.items():
        if key not in parent:
            out[key] = value
        elif isinstance(value, dict) and isinstance(parent[key], dict):
            inner = _difference(parent[key], value)
            if inner:
                out[key] = inner
        elif value != parent[key]:
            out[key] = value
    return out
