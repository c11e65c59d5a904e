"""``sim sweep``: a grid over scenario fields with common random numbers.

An analyst reads a sweep as a curve: it must have one CSV row per grid point in a fixed
order, rise where the model says it rises, be exactly zero-difference at the scenario's
own value, and agree run for run with ``sim run`` at that value (common random numbers:
every point uses the same seed and run count as the scenario as written).
"""

from __future__ import annotations

import csv
import io

import pytest

from conftest import BASE

FIXED = ["runs", "p_summit", "ci_low", "ci_high", "median_round", "median_date", "median_days",
         "diff_vs_baseline", "diff_low", "diff_high"]
VENUES = ["moscow", "kyiv", "istanbul", "abu_dhabi", "riyadh", "geneva", "vienna", "vatican", "washington", "miami",
          "elsewhere"]  # base.yaml's order


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture(scope="module")
def readiness_sweep(sim_cli_many):
    """Putin's readiness from -4.5 to -2.5 in steps of 0.5 (base: -3.5), and `sim run` at -3.5.

    Run count and seed differ from the scenario's, and 12,345 runs span two batches, so
    the comparison with `sim run` covers a partial second batch.
    """
    sweep, run = sim_cli_many([
        ["sweep", BASE, "-p", "actors.putin.readiness=-4.5:-2.5:5", "--runs", 12345, "--seed", 99, "--csv", "-"],
        ["run", BASE, "--runs", 12345, "--seed", 99, "--csv", "-"],
    ])
    assert sweep.returncode == 0, sweep.stderr
    assert run.returncode == 0, run.stderr
    return sweep.stdout, rows(run.stdout)


def test_csv_header_and_one_row_per_point(readiness_sweep):
    text, _ = readiness_sweep
    header = text.splitlines()[0].split(",")
    assert header == ["actors.putin.readiness", *FIXED, *(f"share_{v}" for v in VENUES)]
    points = rows(text)
    assert [p["actors.putin.readiness"] for p in points] == ["-4.5", "-4.0", "-3.5", "-3.0", "-2.5"]
    assert all(p["runs"] == "12345" for p in points)


def test_probability_rises_with_putins_readiness(readiness_sweep):
    text, _ = readiness_sweep
    p = [float(row["p_summit"]) for row in rows(text)]
    assert p == sorted(p) and len(set(p)) == len(p), p
    # and not by a hair: each half-logit step moves P(summit) by several points
    assert min(b - a for a, b in zip(p, p[1:])) > 0.02, p
    diffs = [float(row["diff_vs_baseline"]) for row in rows(text)]
    assert diffs == sorted(diffs)


def test_the_scenarios_own_value_has_zero_difference(readiness_sweep):
    text, _ = readiness_sweep
    own = next(row for row in rows(text) if row["actors.putin.readiness"] == "-3.5")
    assert float(own["diff_vs_baseline"]) == 0.0
    assert float(own["diff_low"]) <= 0.0 <= float(own["diff_high"])
    assert float(own["diff_high"]) - float(own["diff_low"]) < 0.001  # identical runs: a tiny interval
    others = [row for row in rows(text) if row is not own and row["actors.putin.readiness"] != "-3.5"]
    assert all(not float(r["diff_low"]) <= 0.0 <= float(r["diff_high"]) for r in others)


def test_common_random_numbers_reproduce_sim_run(readiness_sweep):
    """The point at the scenario's value is the same runs as `sim run` with that seed."""
    text, summary = readiness_sweep
    own = next(row for row in rows(text) if row["actors.putin.readiness"] == "-3.5")
    p = next(row for row in summary if row["metric"] == "p_summit")
    assert (own["p_summit"], own["ci_low"], own["ci_high"]) == (p["estimate"], p["ci_low"], p["ci_high"])
    median = next(row for row in summary if row["metric"] == "summit_round_quantile" and row["key"] == "q50")
    assert own["median_round"] == median["estimate"]
    for venue in VENUES:
        share = next(row for row in summary if row["metric"] == "venue_share" and row["key"] == venue)
        assert own[f"share_{venue}"] == share["estimate"], venue


def test_two_parameter_grid(sim_cli):
    """Two --param options: every combination, the first varying slowest."""
    done = sim_cli("sweep", BASE, "-p", "actors.putin.readiness=-4:-3:3", "-p", "actors.trump.strategy=logit,rotate",
                   "--runs", 2000, "--csv", "-")
    assert done.returncode == 0, done.stderr
    points = rows(done.stdout)
    assert len(points) == 6
    assert [(p["actors.putin.readiness"], p["actors.trump.strategy"]) for p in points] == [
        ("-4.0", "logit"), ("-4.0", "rotate"), ("-3.5", "logit"), ("-3.5", "rotate"), ("-3.0", "logit"), ("-3.0", "rotate"),
    ]
    own = points[2]  # the scenario as written: -3.5 and logit
    assert float(own["diff_vs_baseline"]) == 0.0


def test_csv_file_table_and_manifest(sim_cli, tmp_path):
    out = tmp_path / "sweep.csv"
    done = sim_cli("sweep", BASE, "-p", "actors.trump.leverage.putin=0.3,0.6", "--runs", 2000, "--csv", out)
    assert done.returncode == 0, done.stderr
    assert len(rows(out.read_text())) == 2
    assert "Sweep (2,000 runs per point, common random numbers)" in done.stdout
    assert "Scenario as written: P(summit) =" in done.stdout
    assert (tmp_path / "sweep.csv.manifest.json").is_file()


BAD_PARAMS = [
    (["-p", "actors.putin.readiness=-4:-3:1"], "2 <= STEPS <= 10000"),
    (["-p", "actors.putin.readiness=-4:-3"], "START and STOP must be numbers"),
    (["-p", "actors.putin.readiness"], "expected PATH=START:STOP:STEPS"),
    (["-p", "actors.putin.readiness=-60:-3:3"], "actors.putin.readiness: input should be greater than or equal to -50"),
    (["-p", "actors.putin.readiness=-4:-3:200", "-p", "actors.trump.leverage.putin=0:1:100"],
     "the grid has 20,000 points; at most 10,000"),
    (["-p", "actors.trump.strategy=best,sideways"], "actors.trump.strategy"),
]


def test_bad_params_fail_before_simulating(sim_cli_many):
    """Each mistake is one line with exit 2, and it comes before any simulation (fast)."""
    done = sim_cli_many([["sweep", BASE, *params, "--runs", 1_000_000_000] for params, _ in BAD_PARAMS])
    for (params, fragment), result in zip(BAD_PARAMS, done):
        assert result.returncode == 2, (params, result.stderr)
        lines = result.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith("sim: error: "), lines
        assert fragment in lines[0], (fragment, lines[0])
        assert result.stdout == ""


def test_bad_param_path_names_the_param(sim_cli):
    done = sim_cli("sweep", BASE, "-p", "actors.putn.readiness=-4:-3:3", "--runs", 100)
    assert done.returncode == 2
    assert "no 'putn' at actors" in done.stderr
    assert "--param" in done.stderr and "--set" not in done.stderr, done.stderr


def test_a_range_over_an_integer_field_gives_whole_numbers(sim_cli_many):
    """Sweeping a whole-number field (patience) writes 8, 10, 12, not 8.0, 10.0, 12.0; a
    number field keeps its decimals even where the values are whole; and 12 is the
    scenario's own value, so its row matches the scenario as written exactly."""
    patience, leverage = sim_cli_many([
        ["sweep", BASE, "-p", "actors.trump.patience=8:12:3", "--runs", 2000, "--csv", "-"],
        ["sweep", BASE, "-p", "actors.trump.leverage.putin=0:1:2", "--runs", 2000, "--csv", "-"],
    ])
    assert patience.returncode == 0, patience.stderr
    found = rows(patience.stdout)
    assert [row["actors.trump.patience"] for row in found] == ["8", "10", "12"]
    assert float(found[-1]["diff_vs_baseline"]) == 0.0
    assert leverage.returncode == 0, leverage.stderr
    assert [row["actors.trump.leverage.putin"] for row in rows(leverage.stdout)] == ["0.0", "1.0"]
