"""Would-be hosts: a mediator's offer hazard (eq. 7a of docs/model.md) against closed forms.

One venue both principals accept with J = p_a p_b per round, proposed only by a host that
offers it with probability h per round: a round agrees with probability h J, so
P(summit by t) = 1 - (1 - h J)^t. Tolerances are four binomial standard errors.
"""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest

from sim.engine.inputs import compile_inputs
from sim.engine.model import simulate_batch
from sim.scenario.loader import scenario_from_document
from test_shock_gates import J, RUNS, band, document


def run(doc: dict, seed: int = 5):
    inputs = compile_inputs(scenario_from_document(copy.deepcopy(doc)))
    return simulate_batch(inputs, np.random.SeedSequence(seed), RUNS)


def hosted(h: float | None, rounds: int = 8) -> dict:
    doc = document([], rounds=rounds)
    host = {"role": "mediator", "name": "Host", "proposes": ["geneva"], "pressure": {"start": 0.0, "cap": 0.0}}
    if h is not None:
        host["offer_hazard"] = h
    doc["actors"]["m"] = host
    return doc


@pytest.mark.parametrize("h", [0.25, 0.6])
def test_offer_hazard_h_with_one_venue_gives_hazard_h_times_j(h):
    rounds = 8
    outcome = run(hosted(h, rounds))
    for t in (1, 3, rounds):
        p = 1 - (1 - h * J) ** t
        by_t = (outcome.held & (outcome.round <= t)).mean()
        assert abs(by_t - p) <= band(p), (t, by_t, p)


def test_offer_hazard_1_is_the_default_draw_for_draw():
    """h = 1 draws nothing, so it is the scenario without the field, run by run."""
    default, explicit = run(hosted(None)), run(hosted(1.0))
    assert np.array_equal(default.round, explicit.round) and np.array_equal(default.held, explicit.held)


def test_offer_hazard_0_never_offers():
    assert not run(hosted(0.0)).held.any()
