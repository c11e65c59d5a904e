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
from sim.engine.state import BatchState
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


def grouped_document() -> dict:
    """Three venues in three pressure groups: g (t1's), h (t1's and t2's), x (nobody's
    targeted), a `best` mediator on all venues listing all three (its block spans the
    groups), and per-run readiness so that every run's odds differ."""
    doc = document(1.5, "proposals")
    doc["venues"]["x"] = {"name": "X", "country": "Y"}
    doc["actors"]["a"].update(readiness_sd=1.0, venues={"geneva": -1.0, "moscow": -2.5, "x": 0.3})
    doc["actors"]["b"].update(readiness_sd=1.0, venues={"geneva": -0.5, "moscow": 0.5, "x": -0.2})
    doc["actors"]["m"].update(proposes=["geneva", "moscow"], leverage={"a": 0.8, "b": 0.3})
    doc["actors"]["t"] = {"role": "mediator", "name": "T", "proposes": ["moscow"], "pressure_on": "proposals",
                          "leverage": {"b": 1.2}, "pressure": {"start": 2.0, "cap": 2.0}}
    doc["actors"]["k"] = {"role": "mediator", "name": "K", "proposes": ["geneva", "moscow", "x"],
                          "leverage": {"a": 0.4, "b": 0.4}, "pressure": {"start": 1.0}}
    return doc


def test_each_venue_costs_what_its_pressure_group_feels():
    """JointCosts.row, open_block (a block across groups), of_venues and the state's
    acceptance are eq. (2) with the score of (3'), venue by venue and run by run."""
    inputs = compile_inputs(scenario_from_document(grouped_document()))
    groups = inputs.pressure_groups
    assert len(set(groups.venue_group[:-1].tolist())) == 3  # x alone, geneva {m}, moscow {m, t}
    size = 64
    state = BatchState(inputs, size, np.random.default_rng(5))
    for k in range(len(inputs.mediators)):
        state.set_pressure(k, 1)
    for i in range(len(inputs.principals)):
        state.assess(i, 1)
    pressure = np.maximum(inputs.pressure[:, 1], 0.0)
    targeted = {0: ("geneva", "moscow"), 1: ("moscow",)}  # mediator index: its proposals
    score = np.empty((len(inputs.principals), len(inputs.venues), size))
    for i in range(len(inputs.principals)):
        on_all = inputs.sensitivity[i] * inputs.leverage[2, i] * pressure[2]
        for v, vid in enumerate(inputs.venues):
            towards = sum(inputs.sensitivity[i] * inputs.leverage[k, i] * pressure[k]
                          for k, listed in targeted.items() if vid in listed)
            score[i, v] = state.readiness[i] + on_all + towards + inputs.utility[i, v]
    accept = 1.0 / (1.0 + np.exp(-inputs.sharpness[:, None, None] * score))
    cost = 1.0 / accept.prod(axis=0)  # (V, runs)
    for v in range(len(inputs.venues)):
        np.testing.assert_allclose(state.cost_row(v), cost[v], rtol=1e-12)
    state.costs.clear()
    block = state.open_costs(2)  # k's best block: venues in all three groups
    np.testing.assert_allclose(block, cost[inputs.mediator[2].proposes], rtol=1e-12)
    venues = np.arange(size) % (len(inputs.venues) + 1) - 1  # every venue and the empty slot
    out = np.empty(size)
    state.costs.of_venues(venues, out)
    lanes = np.arange(size)
    expected = np.where(venues < 0, np.inf, cost[venues, lanes])
    np.testing.assert_allclose(out, expected, rtol=1e-12)
    state.slots[0] = venues
    for i in range(len(inputs.principals)):
        shown = state.acceptance(i)[0]
        np.testing.assert_allclose(shown, np.where(venues < 0, 0.0, accept[i, venues, lanes]), rtol=1e-12)
    lane = 3
    np.testing.assert_allclose(state.venue_acceptance(lane), accept[:, :, lane], rtol=1e-12)
