"""`sim calibrate`: recovering a planted parameter value, the Monte Carlo range of the
value, a target out of reach, and the calibrated scenario file."""

from __future__ import annotations

import datetime as dt

import pytest
import yaml

from sim.execution.backends import SerialBackend
from sim.analysis.calibrate import calibrate_parameter
from sim.report.forecast_data import _difference
from sim.errors import UsageError
from sim.scenario.loader import load_scenario
from sim.execution.runner import simulate

BY = dt.date(2026, 3, 1)  # round 5 of the minimal scenario's 10 weekly rounds


@pytest.fixture
def planted(document, write):
    return write(document)


def test_recovers_a_planted_value_within_its_reported_range(planted):
    truth = -2.0
    reference = simulate(load_scenario(planted, [f"actors.putin.readiness={truth}"]), runs=400_000, seed=99)
    target = reference.p_by(BY).value
    found = calibrate_parameter(str(planted), path="actors.putin.readiness", low=-5.0, high=1.0, target=target, by=BY,
                      runs=40_000, seed=3, backend=SerialBackend())
    assert found.low <= truth <= found.high, (found.low, found.value, found.high)
    assert found.low < found.value < found.high
    assert abs(found.estimate.value - target) <= 0.0005
    # The range is the Monte Carlo noise turned into parameter units: about 1.96 standard
    # errors of P over the slope of the curve on each side, so it shrinks like 1/sqrt(runs).
    wider = calibrate_parameter(str(planted), path="actors.putin.readiness", low=-5.0, high=1.0, target=target, by=BY,
                      runs=10_000, seed=3, backend=SerialBackend())
    ratio = (wider.high - wider.low) / (found.high - found.low)
    assert 1.4 < ratio < 3.0  # sqrt(4) = 2 in the limit


def test_with_the_same_runs_the_value_is_recovered_exactly(planted):
    reference = simulate(load_scenario(planted, ["actors.putin.readiness=-1.5"]), runs=20_000, seed=3)
    found = calibrate_parameter(str(planted), path="actors.putin.readiness", low=-5.0, high=1.0,
                      target=reference.p_by(BY).value, by=BY, runs=20_000, seed=3, tolerance=1e-9,
                      backend=SerialBackend())
    assert found.estimate.count == reference.p_by(BY).count
    assert found.low <= -1.5 <= found.high


def test_a_target_out_of_reach_is_one_clear_error(planted, sim_cli):
    with pytest.raises(UsageError, match=r"no value of actors.putin.readiness from -5 to -4 gives"):
        calibrate_parameter(str(planted), path="actors.putin.readiness", low=-5.0, high=-4.0, target=0.9, by=BY,
                  runs=1000, backend=SerialBackend())
    done = sim_cli("calibrate", planted, "--target", 0.99, "--by", "2026-03-01", "--param",
                   "actors.putin.readiness=-5:-4", "--runs", 1000)
    assert done.returncode == 2 and len(done.stderr.splitlines()) == 1 and "no value of" in done.stderr


def test_writes_a_scenario_that_extends_the_original(planted, sim_cli, tmp_path, monkeypatch):
    monkeypatch.setenv("SIM_EXTENDS_ROOT", str(tmp_path))  # the parent is outside out/, so allowed explicitly
    (tmp_path / "out").mkdir()
    out = tmp_path / "out" / "calibrated.yaml"
    done = sim_cli("calibrate", planted, "--target", 0.3, "--by", "2026-03-01", "--param",
                   "actors.putin.readiness=-5:1", "--runs", 5000, "--out", out)
    assert done.returncode == 0, done.stderr
    assert "What the calibrated scenario says" in done.stdout and "P(summit by" in done.stdout
    written = yaml.safe_load(out.read_text())
    assert written["extends"] == "../scenario.yaml"
    value = written["actors"]["putin"]["readiness"]
    assert set(written) == {"extends", "name", "title", "actors"} and -5 < value < 1
    again = simulate(load_scenario(out), runs=5000)
    assert abs(again.p_by(BY).value - 0.3) <= 0.0005


def test_a_list_element_is_written_as_the_whole_list():
    parent = {"events": {"shocks": [{"name": "a", "hazard": 0.1}, {"name": "b", "hazard": 0.2}]}, "x": {"y": 1}}
    child = {"events": {"shocks": [{"name": "a", "hazard": 0.3}, {"name": "b", "hazard": 0.2}]}, "x": {"y": 1}}
    assert _difference(parent, child) == {"events": {"shocks": child["events"]["shocks"]}}


def test_bad_param_and_date(planted, sim_cli):
    done = sim_cli("calibrate", planted, "--target", 0.3, "--by", "2027-01-01", "--param", "actors.putin.readiness=-5:1")
    assert done.returncode == 2 and "outside the scenario's horizon" in done.stderr
    done = sim_cli("calibrate", planted, "--target", 0.3, "--by", "2026-03-01", "--param", "actors.putin.readiness=1")
    assert done.returncode == 2 and "expected PATH=LO:HI" in done.stderr


class _Line:
    """A stand-in for the CRN curve in :func:`narrow`: remembers every value asked for."""

    whole = False

    def __init__(self, root: float, bend: float = 0.0) -> None:
        self.root, self.bend, self.cache = root, bend, {}

    def gap(self, x: float) -> float:
        self.cache[x] = None
        return (x - self.root) + self.bend * (x - self.root) ** 2


@pytest.mark.parametrize("root,bend,most", [(0.3217, 0.0, 6), (0.3217, 0.5, 6), (0.9, -0.8, 6), (0.3217, 3.0, 14),
                                             (0.05, 5.0, 14)])
def test_narrowing_brackets_the_crossing_in_fewer_steps_than_bisection(root, bend, most):
    """Bisection of [0, 1] to 1e-4 takes 14 evaluations; interpolating takes a handful on
    a nearly straight curve and no more than bisection on a strongly bent one, and the
    bracket it returns holds the crossing."""
    from sim.analysis.calibrate import narrow

    line = _Line(root, bend)
    outside, within = narrow(line, 0.0, 1.0, line.gap, lambda x: line.gap(x) >= 0, 1e-4)
    assert abs(within - outside) <= 1e-4 and min(outside, within) <= root <= max(outside, within)
    assert len(line.cache) - 2 <= most, sorted(line.cache)  # the two ends were given
