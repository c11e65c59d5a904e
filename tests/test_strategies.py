"""The mediator strategies: the registry, and `proportional` and `logit` against their
closed forms."""

from __future__ import annotations

import math
import typing

import numpy as np
import pytest

from sim.analysis.trace import trace_run
from sim.analysis.zone import analyse_zone
from sim.engine.costs import JointCosts
from sim.engine.inputs import compile_inputs
from sim.engine.model import simulate_batch
from sim.engine.outcome import FIELDS
from sim.engine.strategies import FIRST_PICK, STRATEGIES
from sim.scenario.loader import scenario_from_document
from sim.scenario.schema import Mediator
from sim.execution.runner import simulate

RUNS = 200_000


def sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


def document() -> dict:
    """One mediator choosing among g, h and a red-lined m; no counter-proposals, no events."""
    return dict(
        name="proportional", title="proportional strategy",
        time=dict(start="2026-01-01", horizon_rounds=8),
        venues={"g": dict(name="G", country="X"), "h": dict(name="H", country="Y"), "m": dict(name="M", country="Z")},
        actors={
            "a": dict(role="principal", name="A", readiness=-1.0, venues={"g": 0.5, "h": 1.5}, red_lines=["m"],
                      counter_propose=False),
            "b": dict(role="principal", name="B", readiness=-0.5, venues={"g": -1.0, "h": -2.0}, sharpness=1.5,
                      counter_propose=False),
            "k": dict(role="mediator", name="K", pressure=dict(start=1.0, growth=0.0, cap=5.0),
                      leverage={"a": 0.5, "b": 0.2}, proposes=["g", "h", "m"], strategy="proportional"),
        },
        preparation=dict(rounds=0, collapse_risk=0.0),
    )


def test_proportional_strategy_matches_its_closed_form():
    """Venue v is proposed with probability p_v / sum(p) (p_v its joint acceptance, 0 for a
    red-lined venue), so each round ends in agreement with q = sum(p_v^2) / sum(p_v), and
    P(summit by T) = 1 - (1 - q)^T; given a summit, v's share is p_v^2 / sum(p_v^2).
    Tolerances are 4 standard errors of the run count (and are checked to be small)."""
    p_g = sigmoid(-1.0 + 0.5 + 0.5 * 1.0) * sigmoid(1.5 * (-0.5 - 1.0 + 0.2 * 1.0))
    p_h = sigmoid(-1.0 + 1.5 + 0.5 * 1.0) * sigmoid(1.5 * (-0.5 - 2.0 + 0.2 * 1.0))
    q = (p_g**2 + p_h**2) / (p_g + p_h)
    expected = 1.0 - (1.0 - q) ** 8
    result = simulate(scenario_from_document(document()), runs=RUNS, seed=5)
    tolerance = 4 * math.sqrt(expected * (1 - expected) / RUNS)
    assert tolerance < 0.01
    assert abs(result.p_summit.value - expected) <= tolerance
    share_g = p_g**2 / (p_g**2 + p_h**2)
    summits = result.p_summit.count
    share_tolerance = 4 * math.sqrt(share_g * (1 - share_g) / summits)
    assert abs(result.summary.venue_given_summit["g"].value - share_g) <= share_tolerance
    assert result.summary.venue_given_summit["m"].count == 0


def test_registry_names_equal_the_schema_allowed_strategies():
    """Every strategy a scenario may name has a function, and every function a name."""
    allowed = set(typing.get_args(Mediator.model_fields["strategy"].annotation))
    assert set(STRATEGIES) == allowed
    assert set(FIRST_PICK) == allowed


def _joint_acceptances() -> tuple[float, float]:
    """Round-1 joint acceptance of g and h in :func:`document` (constant every round)."""
    p_g = sigmoid(-1.0 + 0.5 + 0.5 * 1.0) * sigmoid(1.5 * (-0.5 - 1.0 + 0.2 * 1.0))
    p_h = sigmoid(-1.0 + 1.5 + 0.5 * 1.0) * sigmoid(1.5 * (-0.5 - 2.0 + 0.2 * 1.0))
    return p_g, p_h


def test_logit_strategy_matches_its_closed_form():
    """Eq. (7''): venue v is proposed with probability J_v^l / sum(J^l) (0 for the
    red-lined m), so a round agrees with q = sum(J^(l+1)) / sum(J^l), P(summit by T) =
    1 - (1 - q)^T, and v's share of summits is J_v^(l+1) / sum(J^(l+1))."""
    rationality = 2.5
    doc = document()
    doc["actors"]["k"].update(strategy="logit", rationality=rationality)
    p_g, p_h = _joint_acceptances()
    q = (p_g ** (rationality + 1) + p_h ** (rationality + 1)) / (p_g**rationality + p_h**rationality)
    expected = 1.0 - (1.0 - q) ** 8
    result = simulate(scenario_from_document(doc), runs=RUNS, seed=6)
    tolerance = 4 * math.sqrt(expected * (1 - expected) / RUNS)
    assert abs(result.p_summit.value - expected) <= tolerance
    share_g = p_g ** (rationality + 1) / (p_g ** (rationality + 1) + p_h ** (rationality + 1))
    share_tolerance = 4 * math.sqrt(share_g * (1 - share_g) / result.p_summit.count)
    assert abs(result.summary.venue_given_summit["g"].value - share_g) <= share_tolerance
    assert result.summary.venue_given_summit["m"].count == 0


def test_logit_limits_are_uniform_proportional_and_best():
    """Rationality 1 is `proportional` draw for draw; 0 a uniform choice among the open
    venues (g and h, never the red-lined m); a large rationality is `best`'s choice of the
    better venue every time, and its closed form 1 - (1 - max J)^T."""
    def run(**mediator):
        doc = document()
        doc["actors"]["k"].update(**mediator)
        return simulate(scenario_from_document(doc), runs=20_000, seed=7).summary

    assert run(strategy="logit", rationality=1.0) == run(strategy="proportional")
    p_g, p_h = _joint_acceptances()
    sharp = run(strategy="logit", rationality=1000.0)  # draws uniforms that best does not
    assert sharp.venue_given_summit["h" if p_h > p_g else "g"].value == 1.0
    for summary, q in ((sharp, max(p_g, p_h)), (run(strategy="logit", rationality=0.0), (p_g + p_h) / 2)):
        expected = 1.0 - (1.0 - q) ** 8
        assert abs(summary.p_summit.value - expected) <= 4 * math.sqrt(expected * (1 - expected) / 20_000)
        assert summary.venue_given_summit["m"].count == 0


def test_first_pick_chances_match_the_simulated_round_one_picks():
    """`sim explain`'s round-1 proposal chances are the engine's: with the logit mediator,
    the share of runs whose round-1 summit is at g equals J_g * P(g) / sum_v J_v * P(v)."""
    doc = document()
    doc["actors"]["k"].update(strategy="logit", rationality=2.5)
    doc["time"]["horizon_rounds"] = 1
    scenario = scenario_from_document(doc)
    chances = analyse_zone(scenario).proposals["k"]
    p_g, p_h = _joint_acceptances()
    weights = {"g": p_g**2.5, "h": p_h**2.5, "m": 0.0}
    assert chances == pytest.approx({v: w / sum(weights.values()) for v, w in weights.items()}, rel=1e-12)
    result = simulate(scenario, runs=RUNS, seed=8)
    expected = p_g * chances["g"] / (p_g * chances["g"] + p_h * chances["h"])
    share = result.summary.venue_given_summit["g"]
    assert abs(share.value - expected) <= 4 * math.sqrt(expected * (1 - expected) / share.trials)


def test_a_host_none_of_whose_venues_can_be_accepted_places_the_first_listed_as_the_full_choice_would(monkeypatch):
    """A drawn choice among venues every one of which some principal red-lines is the first
    listed at an infinite cost in every run: the engine places that without working out a
    cost, and the runs come out exactly as from the choice worked out in full."""
    doc = document()
    doc["venues"]["n"] = dict(name="N", country="W")
    doc["actors"]["b"]["red_lines"] = ["n"]
    doc["actors"]["j"] = dict(role="mediator", name="J", pressure=dict(start=0.5, growth=0.0, cap=5.0),
                              proposes=["m", "n"], strategy="logit", rationality=2.0, proposals_per_round=2,
                              offer_hazard=0.5)
    scenario = scenario_from_document(doc)
    inputs = compile_inputs(scenario)
    assert JointCosts(inputs, 10, np.zeros((1, 2, 10))).hopeless == [False, True]

    def outcomes():
        batch = simulate_batch(inputs, np.random.SeedSequence(3, spawn_key=(0,)), 4_000)
        told = [trace_run(scenario, run, seed=3).as_dict() for run in range(12)]  # every offer, round by round
        return {"traces": told, **{field: np.array(getattr(batch, field)) for field in FIELDS}}

    skipped = outcomes()
    derive = JointCosts._derive

    def worked_out_in_full(self):
        derive(self)
        self.hopeless = [False] * len(self.hopeless)

    monkeypatch.setattr(JointCosts, "_derive", worked_out_in_full)
    full = outcomes()
    assert skipped["held"].any()  # summits happen: k's proposals are accepted
    assert skipped["traces"] == full["traces"]
    for field in FIELDS:
        np.testing.assert_array_equal(skipped[field], full[field], err_msg=field)
