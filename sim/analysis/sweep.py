"""Parameter sweeps: a grid over one or more scenario fields, with common random numbers.

``--param PATH=START:STOP:STEPS`` sweeps ``STEPS`` evenly spaced numbers from START to
STOP inclusive; ``--param PATH=a,b,c`` sweeps listed values (read as YAML, so venues,
booleans and dates work too). Several ``--param`` options make the Cartesian product.
Every point runs with the scenario's seed, so differences between points reflect the
parameter, not Monte Carlo noise, and each point's difference from the baseline (the
scenario as written) comes from paired runs.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np
import yaml

from sim.execution.backends import Backend
from sim.errors import ScenarioError, UsageError
from sim.analysis.experiment import Arm, difference, run_arm
from sim.execution.journal import JournalSession
from sim.scenario.loader import load_document, scenario_from_document
from sim.stats import Difference
from sim.scenario.safe_yaml import parse_value
from sim.scenario.variants import apply_overrides, naming, split_path

MAX_POINTS = 10_000


@dataclass(frozen=True)
class Axis:
    """One swept field and its values."""

    path: str
    values: tuple[Any, ...]


@dataclass(frozen=True)
class Point:
    """One grid point: the values set, its runs and its difference from the baseline."""

    values: tuple[Any, ...]
    arm: Arm
    versus_baseline: Difference


def parse_axis(text: str) -> Axis:
    """``PATH=START:STOP:STEPS`` or ``PATH=v1,v2,...`` as an :class:`Axis`."""
    path, sep, spec = text.partition("=")
    if not sep or not path.strip() or not spec.strip():
        raise UsageError(f"--param {text}: expected PATH=START:STOP:STEPS or PATH=v1,v2,...")
    path = path.strip()
    if ":" in spec and "," not in spec:
        parts = spec.split(":")
        try:
            start, stop, steps = float(parts[0]), float(parts[1]), int(parts[2])
        except (ValueError, IndexError):
            raise UsageError(f"--param {text}: START and STOP must be numbers and STEPS a whole number") from None
        if len(parts) != 3 or not 2 <= steps <= MAX_POINTS or not (np.isfinite(start) and np.isfinite(stop)):
            raise UsageError(f"--param {text}: expected START:STOP:STEPS with 2 <= STEPS <= {MAX_POINTS}")
        return Axis(path, tuple(float(round(v, 12)) for v in np.linspace(start, stop, steps)))
    return Axis(path, tuple(parse_value(item, naming("--param", text)) for item in spec.split(",")))


def whole_where_integer(axis: Axis, scenario: dict[str, Any]) -> Axis:
    """A START:STOP:STEPS range over an integer field (``patience``, ``preparation.rounds``)
    as whole numbers, so points and CSV cells read ``3``, not ``3.0``. ``scenario`` is the
    validated scenario as a dict (defaults included); other axes are returned as they are,
    and a fractional value for an integer field is left for validation to refuse."""
    node: Any = scenario
    for part in split_path(axis.path) or []:
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return axis
    whole = all(isinstance(v, float) and v.is_integer() for v in axis.values)
    if isinstance(node, bool) or not isinstance(node, int) or not whole:
        return axis
    return Axis(axis.path, tuple(int(v) for v in axis.values))


def grid(axes: Sequence[Axis]) -> list[tuple[Any, ...]]:
    """Every combination of the axes' values, first axis slowest."""
    size = int(np.prod([len(axis.values) for axis in axes]))
    if size > MAX_POINTS:
        raise UsageError(f"the grid has {size:,} points; at most {MAX_POINTS:,} are allowed")
    return list(itertools.product(*(axis.values for axis in axes)))


def format_value(value: Any) -> str:
    """A swept value as it is written in ``--set`` and in the CSV."""
    if isinstance(value, float):
        text = repr(value)
        # YAML 1.1 reads "1e-05" as text: give the mantissa a dot so it stays a number.
        return text.replace("e", ".0e") if "e" in text and "." not in text else text
    return yaml.safe_dump(value, default_flow_style=True).strip().removesuffix("...").strip()


def sweep_grid(
    file: str,
    axes: Sequence[Axis],
    *,
    overrides: Sequence[str] = (),
    runs: int | None = None,
    seed: int | None = None,
    backend: Backend | None = None,
    progress: Callable[[int, int], None] | None = None,
    journal: JournalSession | None = None,
) -> tuple[Arm, list[Point]]:
    """Run the baseline and every grid point; ``progress(done, total)`` after each."""
    document = load_document(file, overrides)
    as_written = scenario_from_document(document, file)
    axes = [whole_where_integer(axis, as_written.model_dump()) for axis in axes]
    points = grid(axes)
    # Validate every point before simulating any, so a bad value fails in seconds.
    scenarios = [scenario_from_document(_with(document, axes, values, file), file) for values in points]
    baseline = run_arm("baseline", as_written, runs=runs, seed=seed, backend=backend, journal=journal)
    results = []
    for done, (values, scenario) in enumerate(zip(points, scenarios), start=1):
        arm = run_arm(_label(axes, values), scenario, runs=runs, seed=seed, backend=backend, journal=journal)
        results.append(Point(values, arm, difference(arm, baseline)))
        if progress is not None:
            progress(done, len(points))
    return baseline, results


def _with(document: Any, axes: Sequence[Axis], values: Sequence[Any], file: str) -> Any:
    try:
        return apply_overrides(document, [f"{axis.path}={format_value(v)}" for axis, v in zip(axes, values)],
                               option="--param")
    except ScenarioError as error:
        raise error.with_source(file) from None


def _label(axes: Sequence[Axis], values: Sequence[Any]) -> str:
    return ", ".join(f"{axis.path}={format_value(v)}" for axis, v in zip(axes, values))
