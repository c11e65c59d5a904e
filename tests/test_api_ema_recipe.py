"""The EMA Workbench recipe in docs/notebook.md, run as written with a stand-in for EMA.

EMA is not installed with sim, so a small stand-in module takes its place: it records the
parameters and outcomes the recipe declares and, instead of sampling 200 experiments,
calls the model function at two points (every parameter at its lowest value, then at its
highest), as EMA would, with each parameter as a keyword argument.
"""

from __future__ import annotations

import re
import sys
import types
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
MARKER = "<!-- recipe: ema -->"


def recipe() -> str:
    text = (REPO / "docs" / "notebook.md").read_text(encoding="utf-8")
    found = re.search(re.escape(MARKER) + r"\s*```python\n(.*?)```", text, re.DOTALL)
    assert found, f"docs/notebook.md has no python block after {MARKER}"
    return found.group(1)


def stand_in() -> types.ModuleType:
    """The five names the recipe takes from ema_workbench, doing what EMA does with them."""
    ema = types.ModuleType("ema_workbench")

    class Parameter:
        def __init__(self, name, *values):
            self.name, self.values = name, values

    class RealParameter(Parameter):
        def __init__(self, name, lower_bound, upper_bound):
            super().__init__(name, lower_bound, upper_bound)

    class CategoricalParameter(Parameter):
        def __init__(self, name, categories):
            super().__init__(name, *categories)

    class ScalarOutcome:
        def __init__(self, name):
            self.name = name

    class Model:
        def __init__(self, name, function):
            assert name.isalnum()  # EMA's rule for model names
            self.name, self.function = name, function
            self.uncertainties, self.outcomes = [], []

    def perform_experiments(model, scenarios):
        points = [{p.name: p.values[0] for p in model.uncertainties},
                  {p.name: p.values[-1] for p in model.uncertainties}]
        outputs = [model.function(**point) for point in points]
        return points, {o.name: [output[o.name] for output in outputs] for o in model.outcomes}

    for item in (RealParameter, CategoricalParameter, ScalarOutcome, Model, perform_experiments):
        setattr(ema, item.__name__, item)
    return ema


def test_the_recipe_runs_and_the_outcomes_follow_the_parameters(monkeypatch):
    monkeypatch.setitem(sys.modules, "ema_workbench", stand_in())
    monkeypatch.chdir(REPO)  # the recipe is run from the repository root, as the docs say
    names: dict = {}
    exec(compile(recipe(), "docs/notebook.md (EMA recipe)", "exec"), names)
    model, experiments, outcomes = names["model"], names["experiments"], names["outcomes"]
    assert [p.name for p in model.uncertainties] == list(names["uncertain"].paths)
    assert set(outcomes) == {"p_by", "p_summit"}
    base = names["base"]
    for point, p_by, p_summit in zip(experiments, outcomes["p_by"], outcomes["p_summit"]):
        again = names["sim"].simulate(names["sim"].with_values(base, point), runs=5_000)
        assert (p_by, p_summit) == (again.p_by("2026-06-30").value, again.p_summit.value)
        assert 0 <= p_by <= p_summit <= 1
    assert outcomes["p_summit"][0] != outcomes["p_summit"][1]  # the values reach the model


def test_the_recipe_bounds_are_the_distributions_supports(monkeypatch):
    """RealParameter(path, *support): the ranges EMA samples are where sim draws."""
    monkeypatch.setitem(sys.modules, "ema_workbench", stand_in())
    monkeypatch.chdir(REPO)
    names: dict = {}
    source = recipe().replace("experiments, outcomes = perform_experiments(model, scenarios=200)", "")
    exec(compile(source, "docs/notebook.md (EMA recipe)", "exec"), names)
    for parameter in names["model"].uncertainties:
        distribution = names["uncertain"].distributions[parameter.name]
        assert parameter.values == distribution.support
        assert distribution.bounded, f"{parameter.name}: an unbounded range needs bounds of your own"
