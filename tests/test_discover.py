"""`sim discover`: PRIM finds the region where a summit is likely, on a scenario where
the answer is known (one parameter decides, the other has no effect)."""

from __future__ import annotations

import csv

import numpy as np
import pytest

pytest.importorskip("prim")

from sim.execution.backends import SerialBackend
from sim.analysis.discover import discover_region
from sim.scenario.loader import load_scenario
from sim.execution.runner import simulate


@pytest.fixture
def known(document, write):
    document["actors"]["trump"]["pressure"] = {"start": 1.0, "growth": 0.0, "cap": 3.0}
    document["uncertain"] = {
        "actors.trump.pressure.cap": {"uniform": [2.0, 5.0]},
        "actors.putin.readiness": {"uniform": [-6.0, 0.0]},
    }
    return write(document)


def test_finds_the_deciding_parameter_and_its_threshold(known):
    found = discover_region(str(known), threshold=0.5, samples=80, runs=2000, backend=SerialBackend())
    assert [limit.parameter for limit in found.limits] == ["actors.putin.readiness"]
    limit = found.limits[0]
    assert limit.low is not None and limit.high is None
    # The edge of the box is where P(summit) crosses 50%, to within the spacing of the points.
    below = simulate(load_scenario(known, [f"actors.putin.readiness={limit.low - 0.3}"]), runs=2000)
    above = simulate(load_scenario(known, [f"actors.putin.readiness={limit.low + 0.3}"]), runs=2000)
    assert below.summary.p_summit.value < 0.5 < above.summary.p_summit.value
    assert found.coverage > 0.9 and found.density > 0.9
    inside, y = found.inside(), found.interesting
    assert found.coverage == pytest.approx((inside & y).sum() / y.sum())
    assert found.density == pytest.approx((inside & y).sum() / inside.sum())
    assert found.rule().startswith("P(summit) > 50% when actors.putin.readiness > ")


def test_no_region_is_said_plainly(known, sim_cli):
    done = sim_cli("discover", known, "--threshold", 0.999, "--samples", 20, "--runs-per-point", 500)
    assert done.returncode == 0, done.stderr
    assert "No region found" in done.stdout


def test_cli_rule_and_points_csv(known, sim_cli, tmp_path):
    out = tmp_path / "points.csv"
    done = sim_cli("discover", known, "--samples", 40, "--runs-per-point", 1000, "--csv", out, "--workers", 2)
    assert done.returncode == 0, done.stderr
    assert "P(summit) > 50% when actors.putin.readiness >" in done.stdout and "coverage" in done.stdout
    rows = list(csv.DictReader(out.open()))
    assert len(rows) == 40 and set(rows[0]) >= {"actors.putin.readiness", "p_summit", "interesting", "in_box"}
    p = np.array([float(r["p_summit"]) for r in rows])
    assert ((p > 0.5) == np.array([r["interesting"] == "true" for r in rows])).all()


def test_runs_stop_once_a_point_is_clear_of_the_threshold(known):
    """Runs are added 1,000 at a time only where the 95% interval still straddles the
    threshold: most points stop at 1,000, and every point that stopped early is clear of it."""
    from sim.stats import Estimate

    found = discover_region(str(known), threshold=0.5, samples=60, runs=4000, backend=SerialBackend())
    assert set(found.runs.tolist()) <= {1000, 2000, 3000, 4000} and found.runs.min() == 1000
    assert found.runs.max() > 1000  # points near 50% exist on this scenario and get more runs
    estimates = [Estimate.of(round(p * n), int(n)) for p, n in zip(found.p, found.runs)]
    straddle = [e.low <= 0.5 <= e.high for e in estimates]
    assert all(not s for s, n in zip(straddle, found.runs) if n < 4000)
    assert found.unsettled == sum(straddle)
