"""`sim sensitivity`: Sobol and Morris indices on a scenario built so that one declared
parameter has no effect at all and another dominates."""

from __future__ import annotations

import csv

import numpy as np

import pytest

pytest.importorskip("SALib")

from sim.execution.backends import ProcessBackend, SerialBackend
from sim.errors import UsageError
from sim.analysis.sensitivity import MAX_STAGES, analyse_sensitivity, noise_share


@pytest.fixture
def known(document, write):
    """Putin's readiness decides; the pressure cap never binds (growth 0, start 1 < cap)."""
    document["actors"]["trump"]["pressure"] = {"start": 1.0, "growth": 0.0, "cap": 3.0}
    document["uncertain"] = {
        "actors.trump.pressure.cap": {"uniform": [2.0, 5.0]},
        "actors.putin.readiness": {"uniform": [-5.0, 0.0]},
    }
    return write(document)


def by_name(result, output="p_summit"):
    return {index.parameter: index.values for index in result.outputs[output]}


def test_sobol_finds_the_dominant_and_the_idle_parameter(known):
    found = analyse_sensitivity(str(known), samples=32, runs=2000, backend=SerialBackend())
    assert found.points == 32 * 4
    idx = by_name(found)
    idle, main = idx["actors.trump.pressure.cap"], idx["actors.putin.readiness"]
    # No effect: with common random numbers every point that differs only in the cap gives
    # the same runs, so both indices are 0 and their intervals contain 0.
    for key in ("S1", "ST"):
        assert idle[key] - idle[f"{key}_conf"] <= 0 <= idle[key] + idle[f"{key}_conf"]
        assert abs(idle[key]) < 1e-9
    # Dominant: the only thing that matters, so both its indices are 1 in truth; each
    # interval contains 1 and is well clear of 0.
    for key in ("S1", "ST"):
        assert main[key] - main[f"{key}_conf"] <= 1 <= main[key] + main[f"{key}_conf"], main
        assert main[key] - main[f"{key}_conf"] > 0.4, main
    assert [i.parameter for i in found.ranked("p_summit")] == ["actors.putin.readiness", "actors.trump.pressure.cap"]
    assert "share_geneva" in found.outputs and "share_moscow" in found.constant  # red-lined: never varies


def test_morris_ranks_the_same_way(known):
    found = analyse_sensitivity(str(known), method="morris", samples=10, runs=2000, backend=SerialBackend())
    idx = by_name(found)
    assert idx["actors.trump.pressure.cap"]["mu_star"] == 0
    assert idx["actors.putin.readiness"]["mu_star"] > 0.3


def test_results_do_not_depend_on_the_workers(known):
    one = analyse_sensitivity(str(known), samples=8, runs=1000, backend=SerialBackend())
    pool = ProcessBackend(2)
    try:
        two = analyse_sensitivity(str(known), samples=8, runs=1000, backend=pool)
    finally:
        pool.close()
    assert one.outputs == two.outputs


def test_sobol_samples_must_be_a_power_of_two(known):
    with pytest.raises(UsageError, match="power of 2"):
        analyse_sensitivity(str(known), samples=30, runs=100, backend=SerialBackend())


def test_cli_writes_a_csv_and_ranks(sim_cli, known, tmp_path):
    out = tmp_path / "s.csv"
    done = sim_cli("sensitivity", known, "--samples", 8, "--runs-per-point", 500, "--csv", out, "--workers", 2)
    assert done.returncode == 0, done.stderr
    assert "Influence on P(summit" in done.stdout
    rows = list(csv.DictReader(out.open()))
    assert list(rows[0]) == ["output", "parameter", "rank", "S1", "S1_conf", "ST", "ST_conf",
                             "runs_per_point", "noise_share"]
    assert "Monte Carlo noise: at most" in done.stdout
    first = next(r for r in rows if r["output"] == "p_summit" and r["rank"] == "1")
    assert first["parameter"] == "actors.putin.readiness"
    bad = sim_cli("sensitivity", known, "--method", "fast")
    assert bad.returncode == 2 and "--method must be one of sobol, morris" in bad.stderr


def test_runs_are_added_in_stages_until_the_noise_share_is_as_small_as_asked(known):
    """The adaptive rule: each stage adds the same runs at every point until Monte Carlo
    noise (at most p(1-p)/runs per point) explains no more than --max-noise of the spread
    of P(summit) across points; a looser bound stops no later, and the reported share is
    the bound the counts satisfy."""
    loose = analyse_sensitivity(str(known), samples=8, runs=100, max_noise=0.5, backend=SerialBackend())
    tight = analyse_sensitivity(str(known), samples=8, runs=100, max_noise=0.002, backend=SerialBackend())
    assert loose.stages <= tight.stages
    assert tight.runs_per_point == 100 * tight.stages
    assert loose.noise["p_summit"] <= 0.5
    assert tight.stages == MAX_STAGES or tight.noise["p_summit"] <= 0.002
    assert tight.noise["p_summit"] < loose.noise["p_summit"]


def test_noise_share_is_the_binomial_variance_over_the_spread():
    y = np.array([0.2, 0.4, 0.6])
    assert noise_share(y, 100) == pytest.approx(np.mean(y * (1 - y)) / 100 / np.var(y, ddof=1))
    assert noise_share(np.array([0.0, 0.0]), 10) == 0.0
