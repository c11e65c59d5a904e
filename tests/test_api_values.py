"""`sim.with_values`: a scenario at exact parameter values, without reading its files again.

It must give the scenario ``load_scenario(file, ["PATH=VALUE"])`` gives, refuse what
``--set`` refuses with the same problem, and take the numbers other tools hand over
(numpy scalars), since that is what an experiment framework calls it with.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

import sim
from sim.errors import ScenarioError
from sim.scenario.loader import load_document, load_scenario, scenario_from_document
from sim.scenario.variants import apply_overrides, join_path

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"


def test_numpy_and_python_numbers_give_the_scenario_set_gives(base_yaml):
    """Setting numbers is `--set` without the text: the same validated, frozen scenario."""
    scenario = load_scenario(base_yaml)
    changed = sim.with_values(scenario, {"actors.putin.readiness": np.float64(-3.2), "preparation.rounds": np.int64(4),
                                         "preparation.collapse_risk": 0.2})
    assert changed == load_scenario(base_yaml, ["actors.putin.readiness=-3.2", "preparation.rounds=4",
                                                "preparation.collapse_risk=0.2"])
    assert scenario.actors["putin"].readiness == -3.5  # the original is untouched
    assert type(changed.preparation.rounds) is int


def test_a_whole_float_in_an_integer_field_stays_an_integer(base_yaml):
    """Samplers hand over floats (3.0); an integer field keeps a whole value whole."""
    changed = sim.with_values(load_scenario(base_yaml), {"preparation.rounds": np.float64(3.0)})
    assert changed.preparation.rounds == 3 and type(changed.preparation.rounds) is int


@pytest.mark.parametrize("name", sorted(p.name for p in SCENARIOS.glob("*.yaml")))
def test_no_values_give_an_equal_scenario(name):
    """The document with_values starts from is the scenario as written, variants merged."""
    scenario = load_scenario(SCENARIOS / name)
    assert sim.with_values(scenario, {}) == scenario


@pytest.mark.parametrize("path, value", [
    ("actors.putin.readines", 1.0),  # unknown field
    ("actors.putn.readiness", 1.0),  # no such actor: the path itself is refused
    ("actors.putin.readiness", 99.0),  # out of range
    ("preparation.rounds", 2.5),  # not whole
    ("actors.putin.readiness", True),  # a boolean is not a number
    ("a..b", 1.0),  # not a path
])
def test_refuses_what_set_refuses_with_the_same_problem(base_yaml, path, value):
    """The problem message is the one `--set PATH=VALUE` gives; the source names the values."""
    with pytest.raises(ScenarioError) as by_set:
        load_scenario(base_yaml, [f"{path}={value}"])
    with pytest.raises(ScenarioError) as by_value:
        sim.with_values(load_scenario(base_yaml), {path: value})
    assert [p.message for p in by_value.value.problems] == [p.message for p in by_set.value.problems]
    assert f"(with {path}={value!r})" in str(by_value.value)


def test_quoted_parts_reach_keys_that_contain_dots(base_yaml):
    """The same path rules as --set: a quoted part is one key, e.g. an uncertain entry."""
    scenario = load_scenario(base_yaml)
    assert "actors.putin.readiness" in scenario.uncertain
    changed = sim.with_values(scenario, {'uncertain."actors.putin.readiness".normal.high': -2.5})
    assert changed.uncertain["actors.putin.readiness"].support[1] == -2.5


def test_is_much_faster_than_loading_with_an_override(base_yaml):
    """The point of with_values: an experiment sets values thousands of times."""
    scenario = load_scenario(base_yaml)

    def best(call, repeat: int = 5) -> float:
        times = []
        for _ in range(repeat):
            start = time.perf_counter()
            call()
            times.append(time.perf_counter() - start)
        return min(times)

    by_value = best(lambda: sim.with_values(scenario, {"actors.putin.readiness": -3.0}))
    by_set = best(lambda: load_scenario(base_yaml, ["actors.putin.readiness=-3.0"]))
    assert by_value * 5 < by_set


def numeric_leaves(node, prefix=()):
    """Every path to a number in a document, as the parts of a --set path."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield from numeric_leaves(value, (*prefix, str(key)))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from numeric_leaves(value, (*prefix, str(index)))
    elif isinstance(node, (int, float)) and not isinstance(node, bool):
        yield prefix, node


@pytest.mark.parametrize("name", ["base.yaml", "us-pressure.yaml"])
def test_every_number_of_a_scenario_set_both_ways_gives_the_same_answer(base_yaml, name):
    """For each number in the file, halved: with_values and --set agree, scenario or problem."""
    file = base_yaml.parent / name
    document, scenario = load_document(file), load_scenario(file)
    leaves = list(numeric_leaves(document))
    assert len(leaves) > 50
    for parts, value in leaves:
        path, changed = join_path(parts), value / 2 if isinstance(value, float) else value + 1
        try:
            expected = scenario_from_document(apply_overrides(document, [f"{path}={changed!r}"]), str(file))
        except ScenarioError as error:
            with pytest.raises(ScenarioError) as refused:
                sim.with_values(scenario, {path: changed})
            assert [p.message for p in refused.value.problems] == [p.message for p in error.problems], path
        else:
            assert sim.with_values(scenario, {path: changed}) == expected, path
