"""`sim.Distribution` and `sim.uncertain_parameters`: the uncertain inputs, for other tools.

An experiment framework needs the parameters a file leaves to draw, the range of each
(``support``), and often the distribution as a ``scipy.stats`` object; the scipy version
must be the distribution sim itself draws from, quantile for quantile.
"""

from __future__ import annotations

import dataclasses
import sys

import numpy as np
import pytest

import sim
from sim.errors import UsageError
from sim.scenario.loader import load_scenario

LEVELS = np.linspace(0.01, 0.99, 25)
CONTINUOUS = [
    {"uniform": [0.0, 0.05]},
    {"triangular": [0.05, 0.15, 0.3]},
    {"triangular": [0.0, 0.0, 1.0]},
    {"normal": {"mean": -3.5, "sd": 0.5}},
    {"normal": {"mean": -3.5, "sd": 0.5, "low": -5.0, "high": -2.0}},
    {"normal": {"mean": 0.0, "sd": 1.0, "low": 0.0}},
]


@pytest.mark.parametrize("spec", CONTINUOUS, ids=lambda spec: next(iter(spec)))
def test_to_scipy_has_the_quantiles_sim_draws_with(spec):
    """sim draws a value as ppf(u); scipy's frozen distribution gives the same ppf(u)."""
    distributions = pytest.importorskip("scipy.stats.distributions")
    distribution = sim.Distribution.model_validate(spec)
    frozen = distribution.to_scipy()
    assert isinstance(frozen, distributions.rv_frozen)
    assert np.allclose(frozen.ppf(LEVELS), distribution.ppf(LEVELS), rtol=1e-9, atol=1e-9)
    assert np.allclose(frozen.support(), distribution.support)


def test_a_choice_and_a_point_become_discrete_distributions():
    """Values listed more than once weigh more; a range of zero width is a point mass."""
    distributions = pytest.importorskip("scipy.stats.distributions")
    choice = sim.Distribution.model_validate({"choice": [4, 2, 3, 3]}).to_scipy()
    assert isinstance(choice, distributions.rv_frozen)
    assert choice.pmf(3) == pytest.approx(0.5) and choice.pmf(2) == pytest.approx(0.25)
    assert choice.support() == (2.0, 4.0)
    point = sim.Distribution.model_validate({"normal": {"mean": 1.5, "sd": 0}}).to_scipy()
    assert point.pmf(1.5) == 1.0 and point.ppf(0.5) == 1.5


def test_to_scipy_without_scipy_says_how_to_get_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "scipy.stats", None)  # as if scipy were not installed
    with pytest.raises(UsageError, match="needs scipy: pip install scipy"):
        sim.Distribution.model_validate({"uniform": [0, 1]}).to_scipy()


def test_uncertain_parameters_of_a_file_are_its_declared_ones(base_yaml):
    found = sim.uncertain_parameters(base_yaml)
    assert found.paths == tuple(load_scenario(base_yaml).uncertain) and found.fixed == ()
    assert all(isinstance(d, sim.Distribution) for d in found.distributions.values())
    with pytest.raises(dataclasses.FrozenInstanceError):
        found.fixed = ()


def test_a_variant_keeps_the_values_it_sets(base_yaml):
    """us-pressure.yaml sets Washington's leverage and pressure itself: those are not drawn."""
    variant = base_yaml.parent / "us-pressure.yaml"
    found = sim.uncertain_parameters(variant)
    assert "actors.trump.leverage.putin" not in found.paths
    assert any(note.startswith("actors.trump.leverage.putin is fixed by") for note in found.fixed)
    pinned = sim.uncertain_parameters(base_yaml, ["actors.putin.readiness=-3"])
    assert "actors.putin.readiness" not in pinned.paths
    assert "--set actors.putin.readiness=-3" in pinned.fixed[0]
