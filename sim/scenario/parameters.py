"""Uncertain parameters at work: drawing their values and setting them in a scenario.

:mod:`sim.scenario.distributions` says what an ``uncertain:`` entry may be; this module
draws from those distributions and builds the scenario at a point of parameter space.

Draws are quantiles of uniform numbers from a stream of their own
(:func:`parameter_stream`), derived from the scenario's seed and the parameter's path, so
they never touch global random state, do not depend on the number of workers, and adding
a parameter leaves the draws of the others unchanged. Sensitivity analysis samples the
unit cube with SALib and maps it through the same quantile functions.

Values are set with the same path rules as ``--set``, as numbers rather than text, so a
notebook or another tool (EMA Workbench) can evaluate the model at exact values
(:func:`with_values`, on a validated scenario, without reading its files again).
"""

from __future__ import annotations

import copy
import hashlib
import os
import reprlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np
from pydantic import BaseModel

from sim.errors import Problem, ScenarioError
from sim.scenario.distributions import Distribution, UnusablePath, locate
from sim.scenario.loader import load_scenario, read_document, scenario_from_document
from sim.scenario.safe_yaml import check_value
from sim.scenario.schema import Scenario
from sim.scenario.variants import EXTENDS, MAX_CHAIN, override_path, set_path, split_path

#: ``SeedSequence(seed, spawn_key=(UNCERTAIN_STREAM, ...))`` streams are the parameters'.
#: Batches use ``spawn_key=(k,)`` with k below 100,000, so the two never meet.
UNCERTAIN_STREAM = 0x756E63  # "unc"
#: What a path must look like; the words of ``--set``'s own message (sim.scenario.variants).
PATH_RULE = ("the path must be dotted field names, e.g. actors.putin.readiness "
             '(a key that contains dots in double quotes: uncertain."actors.putin.readiness")')


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


def with_values(scenario: Scenario, values: Mapping[str, Any]) -> Scenario:
    """A new validated scenario with each ``--set`` path set to its value; the file is not re-read.

    Paths follow the ``--set`` rules (dotted field names and list indices, a quoted part
    for a key with dots) and every path is checked as ``--set`` checks it, so the
    problems reported are the ones ``load_scenario(file, ["PATH=VALUE"])`` reports.
    Values are numbers rather than text, so they are exact: numpy scalars become Python
    numbers, and a whole number (``3.0``) set in an integer field becomes an integer
    (validation does that, as it does for ``--set``); ``2.5`` there is refused.
    It is quick enough to call once per point of an experiment: about half a millisecond
    for ``scenarios/base.yaml``, some 20 to 80 times faster than ``load_scenario`` with
    the same ``--set`` (which reads, merges and checks the files again).
    """
    document = scenario.model_dump(mode="json", exclude_unset=True)  # as written (extends merged), as YAML reads it
    given = {path: _python(value) for path, value in values.items()}
    try:
        for path, value in given.items():
            parts = split_path(path)
            if parts is None:
                raise ScenarioError([Problem(path, PATH_RULE)])
            check_value(value, path)  # the file reader's limits, for values built in Python
            set_path(document, parts, value, path)
        return scenario_from_document(document, scenario.name)
    except ScenarioError as error:
        raise _blame(error, given, scenario.name) from None


def document_with_values(document: Any, values: Mapping[str, float], nominal: Mapping[str, Any] | None = None) -> Any:
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
        return scenario_from_document(document_with_values(document, values, nominal), file)
    except ScenarioError as error:
        shown = {path: python_value(nominal.get(path, 0.0), value) for path, value in values.items()}
        raise _blame(error, shown, file) from None


def _blame(error: ScenarioError, values: Mapping[str, Any], source: str) -> ScenarioError:
    """``error`` attributed to ``source`` with the values it names (all of them when it names none)."""
    named = {path: value for path, value in values.items()
             if any(problem.path == path or problem.path.startswith(path + ".") for problem in error.problems)}
    shown = ", ".join(f"{path}={reprlib.repr(value)}" for path, value in (named or values).items())
    return error.with_source(f"{source} (with {shown})")


def _python(value: Any) -> Any:
    """A numpy scalar as the Python number it holds (``repr`` and YAML then read it back)."""
    return value.item() if isinstance(value, np.generic) else value


def nominal_values(scenario: BaseModel) -> dict[str, Any]:
    """The value the scenario itself gives each uncertain path."""
    out = {}
    for path in getattr(scenario, "uncertain", {}):
        try:
            out[path] = locate(scenario, path).value
        except UnusablePath:
            out[path] = None
    return out


@dataclass(frozen=True)
class UncertainParameters:
    """The parameters a file (or variant) leaves uncertain: what ``sim run --propagate``,
    ``sim sensitivity`` and ``sim discover`` draw, and why the others declared are not drawn."""

    distributions: dict[str, Distribution]  # path -> distribution, in the order declared
    fixed: tuple[str, ...]  # one note per declared parameter a variant or --set gives a value

    @property
    def paths(self) -> tuple[str, ...]:
        return tuple(self.distributions)


def uncertain_parameters(file: str | os.PathLike[str], overrides: Sequence[str] = ()) -> UncertainParameters:
    """The uncertain parameters of the scenario file at ``file``, with ``--set`` ``overrides``.

    A parameter that a variant (a file that ``extends`` another) or an override gives a
    value is left at that value, with a note in ``fixed`` (see :func:`effective`).
    """
    return effective(str(file), overrides, load_scenario(file, overrides))


def effective(file: str, overrides: Sequence[str], scenario: BaseModel) -> UncertainParameters:
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
    return UncertainParameters(kept, tuple(notes))


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
