"""Pressure towards the mediator's proposals (eq. 3' of docs/model.md) against closed forms.

Two venues: Geneva, which the mediator proposes every round, and Moscow, the capital of
principal B, which B counter-proposes every round. The mediator pushes A with constant
pressure P (felt as s L P). Each round both venues are on the table, Geneva first, so a
round agrees with q = 1 - (1 - J_g)(1 - J_m), at Geneva with J_g and at Moscow with
(1 - J_g) J_m, where J_v = p_av p_bv by eq. (2). With ``pressure_on: all`` the pressure is in
A's score of both venues; with ``pressure_on: proposals`` only in its score of Geneva.
Preparation is 0 rounds, so P(summit by t) = 1 - (1 - q)^t. Tolerances are four binomial
standard errors, as in test_shock_gates.py.
"""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest

from sim.analysis.zone import analyse_zone
from sim.engine.inputs import compile_inputs
from sim.engine.model import simulate_batch
from sim.errors import ScenarioError
from sim.scenario.loader import load_scenario, scenario_from_document
from sim.scenario.safe_yaml import parse_yaml
from conftest import BASE
from test_shock_gates import RUNS, band, sigmoid

ROUNDS = 6
U = {"a": {"geneva": -1.0, "moscow": -2.5}, "b": {"geneva": -0.5, "moscow": 0.5}}  # utilities
READINESS = {"a": -0.5, "b": -0.5}
LEVERAGE = 0.8  # the mediator's on A; A's pressure_sensitivity is 1


def document(pressure: float, pressure_on: str | None) -> dict:
    mediator = {"role": "mediator", "name": "M", "proposes": ["geneva"], "strategy": "ordered",
                "leverage": {"a": LEVERAGE}, "pressure": {"start": pressure, "cap": max(pressure, 1.0)}}
    if pressure_on is not None:
        mediator["pressure_on"] = pressure_on
    return {
        "name": "pressure_on", "title": "Pressure towards the mediator's proposals",
        "time": {"start": "2026-02-01", "round_days": 7, "horizon_rounds": ROUNDS},
        "venues": {"geneva": {"name": "Geneva", "country": "Switzerland", "neutral": True},
                   "moscow": {"name": "Moscow", "country": "Russia", "host": "b"}},
        "actors": {
            "a": {"role": "principal", "name": "A", "readiness": READINESS["a"], "venues": U["a"],
                  "counter_propose": False},
            "b": {"role": "principal", "name": "B", "readiness": READINESS["b"], "venues": U["b"]},
            "m": mediator,
        },
        "preparation": {"rounds": 0, "collapse_risk": 0.0},
        "simulation": {"runs": RUNS, "seed": 7},
    }


def run(doc: dict, seed: int = 11):
    inputs = compile_inputs(scenario_from_document(copy.deepcopy(doc)))
    return simulate_batch(inputs, np.random.SeedSequence(seed), RUNS)


def joint(pressure: float, on_geneva: bool, on_moscow: bool) -> dict[str, float]:
    """J_v = p_av p_bv by eq. (2), A's score of v carrying the felt pressure where asked."""
    felt = LEVERAGE * pressure
    extra = {"geneva": felt * on_geneva, "moscow": felt * on_moscow}
    return {v: sigmoid(READINESS["a"] + extra[v] + U["a"][v]) * sigmoid(READINESS["b"] + U["b"][v])
            for v in ("geneva", "moscow")}


def closed_form(pressure: float, pressure_on: str) -> tuple[float, float]:
    """P(summit within the horizon) and the share of summits held in Moscow."""
    j = joint(pressure, True, pressure_on == "all")
    q = 1 - (1 - j["geneva"]) * (1 - j["moscow"])
    moscow = (1 - j["geneva"]) * j["moscow"] / q
    return 1 - (1 - q) ** ROUNDS, moscow


@pytest.mark.parametrize("pressure_on", ["all", "proposals"])
def test_summit_and_venue_split_follow_the_closed_form(pressure_on):
    pressure = 2.5
    outcome = run(document(pressure, pressure_on))
    p_summit, moscow_share = closed_form(pressure, pressure_on)
    assert abs(outcome.held.mean() - p_summit) <= band(p_summit)
    moscow = compile_inputs(scenario_from_document(document(pressure, pressure_on))).venues.index("moscow")
    held = int(outcome.held.sum())
    share = float((outcome.venue[outcome.held] == moscow).mean())
    assert abs(share - moscow_share) <= 4 * math.sqrt(moscow_share * (1 - moscow_share) / held)


def test_targeted_pressure_moves_summits_to_the_mediators_venue():
    """The two meanings differ by far more than noise: pushing A with pressure on all venues
    makes B's capital acceptable too; on the proposals only, Geneva gains."""
    pressure = 2.5
    _, moscow_all = closed_form(pressure, "all")
    _, moscow_targeted = closed_form(pressure, "proposals")
    assert moscow_all - moscow_targeted > 0.1
    moscow = 1  # venues in file order
    shares = [float((o.venue[o.held] == moscow).mean()) for o in
              (run(document(pressure, "all")), run(document(pressure, "proposals")))]
    assert shares[0] - shares[1] > 0.1


@pytest.mark.parametrize("pressure_on", ["all", "proposals"])
def test_round_one_acceptance_in_explain_carries_the_pressure_where_it_is_felt(pressure_on):
    """sim explain's first-round acceptance (zone) is eq. (2) with the felt pressure on A's
    score of Geneva, and of Moscow only with pressure_on: all."""
    pressure = 2.5
    zone = analyse_zone(scenario_from_document(document(pressure, pressure_on)))
    expected = joint(pressure, True, pressure_on == "all")
    for standing in zone.standings:
        assert standing.first_round_joint == pytest.approx(expected[standing.venue], rel=1e-12)


def test_more_targeted_pressure_never_raises_the_share_of_an_unproposed_venue():
    """With pressure_on: proposals, raising the mediator's pressure makes only Geneva more
    acceptable, so Moscow's share of summits never rises beyond noise (common random numbers,
    the same seed for every level)."""
    moscow = 1
    shares = []
    for pressure in (0.0, 1.0, 2.0, 4.0, 8.0):
        outcome = run(document(pressure, "proposals"))
        held = int(outcome.held.sum())
        share = float((outcome.venue[outcome.held] == moscow).mean())
        shares.append((share, 4 * math.sqrt(share * (1 - share) / held)))
    for (before, noise), (after, _) in zip(shares, shares[1:]):
        assert after <= before + noise, shares
    assert shares[-1][0] < shares[0][0] - 0.1  # and it does fall: the test can fail


def test_pressure_on_all_written_or_omitted_is_the_same_run_by_run():
    """pressure_on: all is today's eq. (3), so writing it changes nothing, run by run."""
    scenario = load_scenario(BASE)
    document_ = parse_yaml(BASE.read_text(encoding="utf-8"))
    mediators = [actor for actor in document_["actors"].values() if actor["role"] == "mediator"]
    assert mediators
    for actor in mediators:
        actor["pressure_on"] = "all"
    explicit = scenario_from_document(document_)
    outcomes = [simulate_batch(compile_inputs(s), np.random.SeedSequence(3), 5_000) for s in (scenario, explicit)]
    assert compile_inputs(explicit).pressure_groups is None
    for name in ("held", "venue", "round", "format", "rejected"):
        assert np.array_equal(getattr(outcomes[0], name), getattr(outcomes[1], name)), name


def test_an_unknown_value_is_one_clear_problem():
    doc = document(1.0, "venues")
    with pytest.raises(ScenarioError) as caught:
        scenario_from_document(doc)
    problems = caught.value.problems
    assert len(problems) == 1 and problems[0].path == "actors.m.pressure_on"
    assert "'all'" in problems[0].message and "'proposals'" in problems[0].message


def test_pressure_on_proposals_needs_proposals():
    doc = document(1.0, "proposals")
    doc["actors"]["m"]["proposes"] = []
    with pytest.raises(ScenarioError) as caught:
        scenario_from_document(doc)
    assert [p.path for p in caught.value.problems] == ["actors.m.pressure_on"]
