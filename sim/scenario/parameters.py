"""Uncertain parameters at work: drawing their values and setting them in a scenario.

:mod:`sim.scenario.distributions` says what an ``uncertain:`` entry may be; this module
draws from those distributions and builds the scenario at a point of parameter space.

Draws are quantiles of uniform numbers from a stream of their own
(:func:`parameter_stream`), derived from the scenario's seed and the parameter's path, so
they never touch global random state, do not depend on the number of workers, and adding
a parameter leaves the draws of the others unchanged. Sensitivity analysis samples the
unit cube with SALib and maps it through the same quantile functions.

Values are set with the same path rules as ``--set``, as numbers rather than text, so a
notebook or another tool (EMA Workbench) can evaluate the model at exact values.
"""

from __future__ import annotations

import copy
import hashlib
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np
from pydantic import BaseModel

from sim.errors import ScenarioError
from sim.scenario.distributions import Distribution, UnusablePath, locate
from sim.scenario.loader import read_document, scenario_from_document
from sim.scenario.variants import EXTENDS, MAX_CHAIN, override_path, set_path

#: ``SeedSequence(seed, spawn_key=(UNCERTAIN_STREAM, ...))`` streams are the parameters'.
#: Batches use ``spawn_key=(k,)`` with k below 100,000, so the two never meet.
UNCERTAIN_STREAM = 0x756E63  # "unc"


def parameter_stream(seed: int, path: str) -> np.random.Generator:
    """The random stream of one parameter: ``SeedSequence(seed)`` keyed by the path."""
    key = int.from_bytes(hashlib.sha256(path.encode("utf-8")).digest()[:4], "big")
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(UNCERTAIN_STREAM, key)))


def derived_seed(seed: int, purpose: int) -> int:
    """A positive 32-bit seed for a library (SALib) that takes an int, from the scenario seed."""
    state = np.random.SeedSequence(seed, spawn_key=(UNCERTAIN_STREAM, 2**32 + purpose)).generate_state(1)
    return int(state[0]) or 1


def draw(uncertain: Mapping[str, Distribution], seed: int, count: int) -> np.ndarray:
    """``count`` independent draws of every parameter: an array (count, parameters).

    Draw ``d`` of a parameter is the ``d``-th number of its own stream, so asking for more
    draws keeps the first ones, and the draws do not depend on the other parameters.
    """
    columns = [dist.ppf(parameter_stream(seed, path).random(count)) for path, dist in uncertain.items()]
    return np.column_stack(columns) if columns else np.zeros((count, 0))


def python_value(nominal: Any, value: float) -> int | float:
    """``value`` as the field's type: whole numbers for integer fields."""
    return int(round(value)) if isinstance(nominal, int) and not isinstance(nominal, bool) else float(value)


def with_values(document: Any, values: Mapping[str, float], nominal: Mapping[str, Any] | None = None) -> Any:
    """A copy of the scenario document with each path set to its value (as ``--set`` does).

    Values are set as numbers, not re-read from text, so they are exact. ``nominal``
    maps paths to the scenario's own values, to keep integer fields whole.
    """
    result = copy.deepcopy(document)
    for path, value in values.items():
        number = python_value((nominal or {}).get(path, 0.0), value)
        set_path(result, path.split("."), number, f"{path}={number!r}")
    return result


def scenario_at(document: Any, values: Mapping[str, float], nominal: Mapping[str, Any], file: str) -> Any:
    """The validated scenario with each path set to its value. A drawn or searched value
    that breaks a rule between fields (e.g. a spread not below its centre) is reported
    with the values that broke it, since the file itself is fine."""
    try:
        return scenario_from_document(with_values(document, values, nominal), file)
    except ScenarioError as error:
        named = {path: value for path, value in values.items()
                 if any(problem.path == path or problem.path.startswith(path + ".") for problem in error.problems)}
        shown = ", ".join(f"{path}={python_value(nominal.get(path, 0.0), value)!r}"
                          for path, value in (named or values).items())
        raise error.with_source(f"{file} (with {shown})") from None


def nominal_values(scenario: BaseModel) -> dict[str, Any]:
    """The value the scenario itself gives each uncertain path."""
    out = {}
    for path in getattr(scenario, "uncertain", {}):
        try:
            out[path] = locate(scenario, path).value
        except UnusablePath:
            out[path] = None
    return out


def effective(file: str, overrides: Sequence[str], scenario: BaseModel) -> tuple[dict[str, Distribution], list[str]]:
    """The distributions to draw from, and a note for each declared one left fixed.

    The most specific statement wins: a parameter declared uncertain in a parent file but
    given a value by a variant that ``extends`` it (or by ``--set``) keeps that value, since
    drawing from the parent's range would undo the variant. Restating ``uncertain.PATH``
    in the variant makes it uncertain again.
    """
    declared: dict[str, Distribution] = dict(getattr(scenario, "uncertain", {}))
    layers = _layers(file)  # most derived first
    set_paths = [(o, override_path(o) or []) for o in overrides]
    kept, notes = {}, []
    for path, distribution in declared.items():
        parts = path.split(".")
        where_declared = next((k for k, layer in enumerate(layers)
                               if isinstance(layer.get("uncertain"), dict) and path in layer["uncertain"]), len(layers))
        if any(_covers(set_path, ["uncertain", path]) for _, set_path in set_paths):
            where_declared = -1  # declared on the command line: the most specific statement
        by_set = next((o for o, set_path in set_paths if _covers(set_path, parts)), None)
        where_valued = next((k for k, layer in enumerate(layers) if _sets(layer, parts)), len(layers))
        if by_set is not None:
            notes.append(f"{path} is fixed by --set {by_set}; its declared uncertainty ({distribution.describe()}) is not drawn")
        elif where_valued < where_declared:
            notes.append(f"{path} is fixed by {layers[where_valued]['__file__']}, which changes a value its parent "
                         f"declared uncertain ({distribution.describe()}); restate uncertain.{path} there to draw it")
        else:
            kept[path] = distribution
    return kept, notes


def _covers(override: list[str], parts: list[str]) -> bool:
    return parts[: len(override)] == override


def _sets(layer: Any, parts: list[str]) -> bool:
    """True when this file's document gives a value at ``parts`` (or replaces a list above it)."""
    node = layer
    for part in parts:
        if isinstance(node, dict):
            if part not in node:
                return False
            node = node[part]
        elif isinstance(node, list):
            return True  # a list is replaced whole by the file that states it
        else:
            return False
    return True


def _layers(file: str) -> list[dict[str, Any]]:
    """The documents of ``file`` and of its ``extends`` chain, most derived first."""
    layers: list[dict[str, Any]] = []
    path = Path(file)
    while len(layers) < MAX_CHAIN:
        document = read_document(path)
        if not isinstance(document, dict):
            break
        layers.append({**document, "__file__": str(path)})
        reference = document.get(EXTENDS)
        if not isinstance(reference, str):
            break
        path = path.parent / reference
    return layers
