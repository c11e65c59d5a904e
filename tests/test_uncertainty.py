"""Uncertain inputs: validation of the `uncertain:` block, the distributions, the draws,
and `sim run --propagate` (mixture vs spread across draws)."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from sim.execution.backends import SerialBackend
from sim.errors import ScenarioError
from sim.scenario.loader import load_scenario, scenario_from_document
from sim.analysis.propagate import Spread, propagate
from sim.execution.runner import simulate
from sim.scenario.distributions import Distribution
from sim.scenario.parameters import draw, effective

from conftest import SCENARIOS


def problems(document) -> list[str]:
    with pytest.raises(ScenarioError) as caught:
        scenario_from_document(document, "s.yaml")
    return caught.value.lines()


def test_base_declares_uncertain_parameters_and_variants_still_load():
    base = load_scenario(SCENARIOS / "base.yaml")
    assert "actors.putin.readiness" in base.uncertain
    for path in SCENARIOS.glob("*.yaml"):
        assert load_scenario(path).uncertain  # inherited through extends


@pytest.mark.parametrize("path, spec, fragment", [
    ("actors.putin.readines", {"uniform": [0, 1]}, "no field 'readines' at actors.putin; it has: role, name, readiness"),
    ("actors.putin.readiness", {"normal": {"mean": -1, "sd": 1}}, "truncate it with low and high"),
    ("preparation.rounds", {"uniform": [0, 2]}, "whole number; give choice"),
    ("preparation.collapse_risk", {"uniform": [0.5, 1.5]}, "reaches 1.5 but preparation.collapse_risk must be from 0 to 1"),
    ("actors.trump.attends", {"choice": [0, 1]}, "not a number"),
    ("time.round_days", {"choice": [7, 14]}, "'time' is not a model parameter"),
    ("actors.putin.drift_limit", {"uniform": [0, 1]}, "not set in the scenario"),
    ("actors.putin.sharpness", {"uniform": [0, 1]}, "must be above 0 and at most 20"),
    ("actors.putin.readiness", {"uniform": [1, 0]}, "needs lo <= hi"),
    ("actors.putin.readiness", {"uniform": [0, 1], "choice": [1]}, "give exactly one of uniform, normal, triangular, choice"),
])
def test_bad_uncertain_entries_name_the_path_and_what_is_allowed(document, path, spec, fragment):
    document["uncertain"] = {path: spec}
    lines = problems(document)
    assert len(lines) == 1 and lines[0].startswith(f"s.yaml: uncertain.{path}"), lines
    assert fragment in lines[0], lines


def test_unknown_distribution_key_lists_the_allowed_ones(document):
    document["uncertain"] = {"actors.putin.readiness": {"unifrom": [0, 1]}}
    assert problems(document) == [
        "s.yaml: uncertain.actors.putin.readiness.unifrom: unknown field; allowed: uniform, normal, triangular, choice"
    ]


def test_null_entries_remove_inherited_uncertainty(document):
    document["uncertain"] = {"actors.putin.readiness": None, "actors.zelensky.readiness": {"uniform": [-1, 1]}}
    assert list(scenario_from_document(document).uncertain) == ["actors.zelensky.readiness"]


def test_quantile_functions_against_known_values():
    u = (np.arange(100_000) + 0.5) / 100_000  # an even grid: sample means are exact to ~1e-5
    uniform = Distribution(uniform=(2.0, 4.0))
    assert uniform.ppf([0.0, 0.25, 1.0]).tolist() == [2.0, 2.5, 4.0]
    triangle = Distribution(triangular=(0.0, 1.0, 4.0))
    assert triangle.ppf(u).mean() == pytest.approx(5 / 3, abs=1e-4)  # (lo + mode + hi) / 3
    assert triangle.ppf([0.25])[0] == pytest.approx(1.0)  # P(X <= mode) = (mode - lo) / (hi - lo)
    normal = Distribution(normal={"mean": 1.0, "sd": 2.0})
    assert normal.ppf([0.5])[0] == pytest.approx(1.0)
    assert normal.ppf([0.975])[0] == pytest.approx(1.0 + 2.0 * 1.959964, abs=1e-5)
    truncated = Distribution(normal={"mean": 0.0, "sd": 1.0, "low": 0.0})
    values = truncated.ppf(u)
    assert values.min() >= 0 and values.mean() == pytest.approx(math.sqrt(2 / math.pi), abs=1e-3)  # half-normal
    choice = Distribution(choice=[2, 3, 5])
    values, counts = np.unique(choice.ppf(u), return_counts=True)
    assert values.tolist() == [2, 3, 5] and all(abs(c - 100_000 / 3) <= 1 for c in counts)


def test_draws_are_reproducible_and_each_parameter_has_its_own_stream():
    a = {"x.a": Distribution(uniform=(0, 1)), "x.b": Distribution(uniform=(0, 1))}
    both = draw(a, seed=5, count=50)
    assert np.array_equal(both, draw(a, seed=5, count=50))
    assert np.array_equal(both[:, 1], draw({"x.b": a["x.b"]}, seed=5, count=50)[:, 0])  # independent of x.a
    assert np.array_equal(both[:20], draw(a, seed=5, count=20))  # more draws keep the first ones
    assert not np.array_equal(both, draw(a, seed=6, count=50))
    state = np.random.get_state()[1].copy()
    draw(a, seed=5, count=10)
    assert np.array_equal(state, np.random.get_state()[1])  # global random state untouched


def test_spread_statistics_by_hand():
    spread = Spread.of(np.array([10, 30]), 100)
    assert spread.mixture.value == pytest.approx(0.2) and spread.mixture.trials == 200
    assert spread.draw_se == pytest.approx(0.1)  # sqrt(var([0.1, 0.3], ddof=1) / 2)
    assert spread.percentiles == pytest.approx((0.11, 0.2, 0.29))
    # parameter share: (0.02 - mean(0.09, 0.21) / 99) / (0.2 * 0.8)
    assert spread.parameter_share == pytest.approx((0.02 - 0.15 / 99) / 0.16)


def test_zero_width_propagation_is_the_plain_run(document, write):
    document["uncertain"] = {"actors.putin.readiness": {"uniform": [-1.0, -1.0]},
                             "actors.trump.leverage.putin": {"normal": {"mean": 0.5, "sd": 0.0, "low": 0, "high": 1}}}
    file = write(document)
    found = propagate(str(file), draws=3, runs=10_000, backend=SerialBackend())
    plain = simulate(load_scenario(file), runs=30_000)
    pooled = sum(t.held for t in found.tallies)
    assert np.array_equal(pooled, plain.tally.held)
    assert found.p_summit().mixture == plain.summary.p_summit


def test_variant_values_win_over_inherited_ranges(document, write, tmp_path):
    document["uncertain"] = {"actors.putin.readiness": {"uniform": [-2, 0]},
                             "actors.zelensky.readiness": {"uniform": [-1, 1]}}
    write(document, "parent.yaml")
    child = write({"extends": "parent.yaml", "name": "child", "actors": {"putin": {"readiness": -0.5}}}, "child.yaml")
    found = effective(str(child), [], load_scenario(child))
    kept, notes = found.distributions, found.fixed
    assert list(kept) == ["actors.zelensky.readiness"]
    assert "actors.putin.readiness is fixed by" in notes[0] and "child.yaml" in notes[0]
    restated = write({"extends": "parent.yaml", "name": "child", "actors": {"putin": {"readiness": -0.5}},
                      "uncertain": {"actors.putin.readiness": {"uniform": [-1, 0]}}}, "restated.yaml")
    assert len(effective(str(restated), [], load_scenario(restated)).distributions) == 2
    pinned = effective(str(child), ["actors.zelensky.readiness=0.3"], load_scenario(child))
    assert pinned.distributions == {} and "--set actors.zelensky.readiness=0.3" in pinned.fixed[1]
    # A range stated on the command line is the most specific statement: it is drawn.
    stated = ['uncertain."actors.putin.readiness"={uniform: [-1, 0]}']
    found = effective(str(child), stated, load_scenario(child, stated))
    assert found.paths == ("actors.putin.readiness", "actors.zelensky.readiness") and found.fixed == ()


def test_propagate_cli_is_identical_whatever_the_workers(sim_cli_many, tmp_path):
    args = ["run", SCENARIOS / "base.yaml", "--propagate", "--draws", 4, "--runs", 2000, "--json"]
    one, two, csv_run = sim_cli_many([[*args, "--workers", 1], [*args, "--workers", 2],
                                      [*args[:-1], "--csv", tmp_path / "draws.csv", "--workers", 2]])
    assert one.returncode == two.returncode == csv_run.returncode == 0, (one.stderr, two.stderr, csv_run.stderr)
    assert one.stdout == two.stdout
    data = json.loads(one.stdout)
    p = data["p_summit"]
    assert data["draws"] == 4 and data["runs_per_draw"] == 2000 and p["trials"] == 8000
    assert p["ci_low"] <= p["estimate"] <= p["ci_high"] and p["p05"] <= p["p50"] <= p["p95"]
    lines = (tmp_path / "draws.csv").read_text().splitlines()
    assert lines[0].startswith("draw,actors.putin.readiness,") and len(lines) == 5
    assert "P(summit" in csv_run.stdout and "5th / 50th / 95th" in csv_run.stdout


def test_propagate_refuses_options_that_do_not_apply(sim_cli):
    done = sim_cli("run", SCENARIOS / "base.yaml", "--draws", 3)
    assert done.returncode == 2 and done.stderr.strip() == "sim: error: --draws only applies with --propagate"
    done = sim_cli("run", SCENARIOS / "base.yaml", "--propagate", "--runs", 20_000)
    assert done.returncode == 2 and "at most 10,000" in done.stderr and len(done.stderr.splitlines()) == 1


def test_a_draw_that_breaks_a_rule_between_fields_names_the_drawn_value(sim_cli):
    """Each range is valid on its own, but a drawn spread of 20 is not below base's
    patience of 12: one line naming the drawn value, exit 2, before anything runs."""
    done = sim_cli("run", SCENARIOS / "base.yaml", "--propagate", "--draws", 20,
                   "--set", 'uncertain."actors.trump.patience_spread"={choice: [0, 20]}')
    assert done.returncode == 2, done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("sim: error: ")
    assert "base.yaml (with actors.trump.patience_spread=20): actors.trump.patience_spread: must be less than" \
        in lines[0]
    assert done.stdout == ""


def test_zero_width_propagation_reports_the_plain_runs_deal_and_formats(document, write):
    """With a track and a mediator that may join, the propagation's P(deal) and P(summit by
    format) are the pooled counts of its draws, and at zero width those of the plain run."""
    document["track"] = {"talks": [{"name": "rounds", "date": "2026-02-01", "every": 1, "step": 0.1, "sd": 0.1}]}
    document["actors"]["trump"]["join_probability"] = 0.5
    document["uncertain"] = {"actors.putin.readiness": {"uniform": [-1.0, -1.0]}}
    file = write(document)
    found = propagate(str(file), draws=3, runs=10_000, backend=SerialBackend())
    plain = simulate(load_scenario(file), runs=30_000)
    assert found.p_deal().mixture == plain.summary.p_deal
    assert {name: s.mixture for name, s in found.format_share().items()} == plain.summary.format_of_runs
    assert sum(s.mixture.count for s in found.format_share().values()) == found.p_summit().mixture.count


def test_a_propagation_without_a_track_has_no_deal(document, write):
    document["uncertain"] = {"actors.putin.readiness": {"uniform": [-1.5, -0.5]}}
    found = propagate(str(write(document)), draws=2, runs=1000, backend=SerialBackend())
    assert found.p_deal() is None


def test_the_per_draw_csv_has_each_draws_deal_share(document, write):
    """`--csv` of a propagation with a track ends each draw's row with its P(deal)."""
    from sim.report.forecast_data import propagation_rows

    document["track"] = {"talks": [{"name": "rounds", "date": "2026-02-01", "every": 1, "step": 0.1, "sd": 0.1}]}
    document["uncertain"] = {"track.talks.0.step": {"uniform": [0.0, 0.2]}}
    found = propagate(str(write(document)), draws=4, runs=2000, backend=SerialBackend())
    header, *rows = list(propagation_rows(found))
    assert header[-1] == "p_deal"
    assert [float(row[-1]) for row in rows] == [round(t.deals.sum() / 2000, 6) for t in found.tallies]
    assert len({row[-1] for row in rows}) > 1  # the drawn step moves the deal
