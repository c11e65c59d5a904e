"""A drawn counter-proposal (eq. 8' of docs/model.md) against its closed form and its limits.

The scenario: no mediator proposes anything; principal A counter-proposes, B does not, so
the table holds A's counter-proposal only, and a round agrees with probability
sum_v P_v J_v, P_v = exp(lambda u_Av) / sum_w exp(lambda u_Aw), J_v = p_Av p_Bv.
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
from sim.scenario.loader import scenario_from_document

RUNS = 40_000
ROUNDS = 6
A_UTILITY = {"vienna": 1.0, "geneva": 0.2, "oslo": -0.5}
B_UTILITY = {"vienna": -1.5, "geneva": 0.5, "oslo": 0.0}
READINESS = -1.0


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def document(rationality: float | None, **principal_a) -> dict:
    venue = {"country": "X", "neutral": True}
    a = {"role": "principal", "name": "A", "readiness": READINESS, "pressure_sensitivity": 0.0,
         "venues": dict(A_UTILITY), **principal_a}
    if rationality is not None:
        a["counter_rationality"] = rationality
    return {
        "name": "counter", "title": "Counter-proposals",
        "time": {"start": "2026-02-02", "round_days": 7, "horizon_rounds": ROUNDS},
        "venues": {vid: {"name": vid.title(), **venue} for vid in A_UTILITY},
        "actors": {
            "a": a,
            "b": {"role": "principal", "name": "B", "readiness": READINESS, "pressure_sensitivity": 0.0,
                  "counter_propose": False, "venues": dict(B_UTILITY)},
            "m": {"role": "mediator", "name": "M", "proposes": []},
        },
        "preparation": {"rounds": 0, "collapse_risk": 0.0},
    }


def per_round_agreement(rationality: float) -> float:
    weights = {v: math.exp(rationality * u) for v, u in A_UTILITY.items()}
    total = sum(weights.values())
    return sum(weights[v] / total * sigmoid(READINESS + A_UTILITY[v]) * sigmoid(READINESS + B_UTILITY[v])
               for v in A_UTILITY)


def simulate(doc: dict, seed: int = 3):
    inputs = compile_inputs(scenario_from_document(copy.deepcopy(doc)))
    return inputs, simulate_batch(inputs, np.random.SeedSequence(seed), RUNS)


def band(p: float) -> float:
    bound = 4 * math.sqrt(p * (1 - p) / RUNS)
    assert 0 < bound < 0.02, "the test would pass vacuously"
    return bound


@pytest.mark.parametrize("rationality", [0.0, 1.0, 3.0])
def test_a_drawn_counter_proposal_agrees_with_the_closed_form(rationality):
    inputs, outcome = simulate(document(rationality))
    expected = 1 - (1 - per_round_agreement(rationality)) ** ROUNDS
    assert abs(outcome.held.mean() - expected) <= band(expected)
    # Where: P(summit at v) = sum over rounds of survival * P_v J_v, shares proportional to P_v J_v.
    weights = {v: math.exp(rationality * u) for v, u in A_UTILITY.items()}
    joint = {v: weights[v] * sigmoid(READINESS + A_UTILITY[v]) * sigmoid(READINESS + B_UTILITY[v]) for v in weights}
    for v, share in joint.items():
        given = share / sum(joint.values())
        observed = (outcome.venue[outcome.held] == inputs.venues.index(v)).mean()
        assert abs(observed - given) <= 4 * math.sqrt(given * (1 - given) / outcome.held.sum())


def test_a_large_rationality_is_the_favourite_and_none_keeps_the_old_stream():
    _, favourite = simulate(document(None))
    _, sharp = simulate(document(50.0))
    vienna = sigmoid(READINESS + 1.0) * sigmoid(READINESS - 1.5)
    expected = 1 - (1 - vienna) ** ROUNDS
    assert abs(favourite.held.mean() - expected) <= band(expected)
    assert abs(sharp.held.mean() - expected) <= band(expected)


def test_a_small_change_of_a_utility_moves_every_counter_share_by_a_bounded_amount():
    """Continuity (the bound of model.md (8')): the explain chances move by at most
    lambda * delta / 4 when one utility moves by delta."""
    rationality, delta = 2.0, 0.05
    before = analyse_zone(scenario_from_document(document(rationality))).proposals["a"]
    moved = document(rationality)
    moved["actors"]["a"]["venues"]["geneva"] += delta
    after = analyse_zone(scenario_from_document(moved)).proposals["a"]
    assert max(abs(after[v] - before[v]) for v in before) <= rationality * delta / 4 + 1e-12
    assert after["geneva"] > before["geneva"]


@pytest.mark.parametrize(("extra", "message"), [
    ({"counter_propose": False}, "needs counter_propose"),
    ({"concede": {"after": 2}}, "not both"),
])
def test_counter_rationality_conflicts_are_one_clear_problem(extra, message):
    with pytest.raises(ScenarioError) as caught:
        scenario_from_document(document(1.0, **extra))
    problems = [p for p in caught.value.problems if p.path == "actors.a.counter_rationality"]
    assert problems and message in problems[0].message
