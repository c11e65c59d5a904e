"""Dated and triggered shocks (eq. 6'' of docs/model.md) against closed forms.

The scenario: one venue both principals accept, put up every round by one mediator with
constant pressure and no counter-proposals, so a negotiating round agrees with J = p_a p_b.
Tolerances are four binomial standard errors of the run count, as in test_closed_form.py.
"""

from __future__ import annotations

import copy
import datetime as dt
import math

import numpy as np
import pytest

from sim.engine.inputs import compile_inputs
from sim.engine.model import simulate_batch
from sim.engine.state import BatchState
from sim.errors import ScenarioError
from sim.scenario.loader import scenario_from_document

RUNS = 40_000
START = dt.date(2026, 2, 1)
A, B = -1.0, -1.5  # the principals' readiness: J = sigma(A) sigma(B) per round


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


J = sigmoid(A) * sigmoid(B)


def document(shocks: list[dict], *, rounds: int = 10, prep_rounds: int = 0, collapse_risk: float = 0.0) -> dict:
    principal = {"role": "principal", "counter_propose": False, "pressure_sensitivity": 0.0}
    return {
        "name": "gates", "title": "Shock gates",
        "time": {"start": START.isoformat(), "round_days": 7, "horizon_rounds": rounds},
        "venues": {"geneva": {"name": "Geneva", "country": "Switzerland", "neutral": True}},
        "actors": {
            "a": {**principal, "name": "A", "readiness": A},
            "b": {**principal, "name": "B", "readiness": B},
            "m": {"role": "mediator", "name": "M", "proposes": ["geneva"]},
        },
        "events": {"shocks": shocks},
        "preparation": {"rounds": prep_rounds, "collapse_risk": collapse_risk},
        "simulation": {"runs": RUNS, "seed": 7},
    }


def run(doc: dict, seed: int = 11):
    inputs = compile_inputs(scenario_from_document(copy.deepcopy(doc)))
    return simulate_batch(inputs, np.random.SeedSequence(seed), RUNS)


def band(p: float) -> float:
    bound = 4 * math.sqrt(p * (1 - p) / RUNS)
    assert 0 < bound < 0.02, "the test would pass vacuously"
    return bound


def test_a_dated_shock_with_probability_q_gives_the_closed_form_mixture():
    """Round r's shock happens with probability q and then lifts A to +3 for the rest of
    the horizon: P(summit by T) = q P1 + (1 - q) P0 with P0 = 1 - (1 - J)^T and
    P1 = 1 - (1 - J)^(r-1) (1 - J1)^(T-r+1)."""
    rounds, r, q = 10, 4, 0.35
    at = (START + dt.timedelta(days=7 * (r - 1) + 3)).isoformat()  # mid-round r
    shock = {"name": "statement", "hazard": q, "at": at, "rounds": rounds, "readiness": {"a": 4.0}}
    outcome = run(document([shock], rounds=rounds))
    j1 = sigmoid(A + 4.0) * sigmoid(B)
    p0 = 1 - (1 - J) ** rounds
    p1 = 1 - (1 - J) ** (r - 1) * (1 - j1) ** (rounds - r + 1)
    p = q * p1 + (1 - q) * p0
    assert abs(outcome.held.mean() - p) <= band(p)
    # Before round r nothing differs: P(summit in rounds 1..r-1) = 1 - (1 - J)^(r-1).
    early = 1 - (1 - J) ** (r - 1)
    assert abs(((outcome.round >= 1) & (outcome.round < r) & outcome.held).mean() - early) <= band(early)
    # And the shock can start only in round r: as an undated shock it would differ.
    undated = run(document([{**shock, "at": None}], rounds=rounds))
    assert abs(undated.held.mean() - p) > 5 * band(p)


def test_a_collapse_triggered_shock_changes_nothing_in_runs_that_never_collapse():
    """Run by run: the same seed with the shock's effect and without it (hazard 0, so
    the same uniforms are drawn) agree in every run that never collapsed."""
    shock = {"name": "blame", "hazard": 0.8, "rounds": 5, "readiness": {"a": -4.0, "b": -2.0},
             "when": {"collapsed_within": 3}}
    base = document([{**shock, "hazard": 0.0}], rounds=20, prep_rounds=2, collapse_risk=0.3)
    with_shock = document([shock], rounds=20, prep_rounds=2, collapse_risk=0.3)
    quiet, loud = run(base), run(with_shock)
    calm = quiet.collapses == 0
    assert 0.2 < calm.mean() < 0.9  # both kinds of run are common
    for field in ("held", "venue", "round", "format", "rejected", "collapses", "reason"):
        assert np.array_equal(getattr(quiet, field)[calm], getattr(loud, field)[calm]), field
    assert not np.array_equal(quiet.round[~calm], loud.round[~calm])  # the shock does act


def test_a_called_off_meeting_is_a_shock_triggered_by_preparation():
    """'The announced meeting is called off with probability q' each round of R rounds of
    preparation: with J = 1 the summit is agreed in round 1 and held in round R + 1 with
    probability (1 - q)^R exactly (no other collapse risk)."""
    q, prep = 0.15, 3
    doc = document([{"name": "called off", "hazard": q, "collapse_risk": 1.0, "when": {"preparing": True}}],
                   rounds=10, prep_rounds=prep)
    for actor in ("a", "b"):
        doc["actors"][actor]["readiness"] = 50.0  # accepts with probability 1 in floating point
    outcome = run(doc)
    p = (1 - q) ** prep
    assert abs((outcome.round == prep + 1).mean() - p) <= band(p)
    assert outcome.collapses.max() >= 1


@pytest.mark.parametrize("condition", ["failed_rounds", "failed_in_a_row"])
def test_a_shock_after_n_failed_rounds_starts_in_round_n_plus_1(condition):
    """With hazard 1 and J = 1 once active, every run still negotiating after N failed
    rounds agrees in round N + 1: P(round = k) = J (1 - J)^(k-1) for k <= N, and the rest,
    (1 - J)^N, in round N + 1. Without preparation every failure is in a row."""
    n = 3
    doc = document([{"name": "breakthrough", "hazard": 1.0, "rounds": 10, "readiness": {"a": 50.0, "b": 50.0},
                     "when": {condition: n}}], rounds=10)
    outcome = run(doc)
    assert outcome.held.all() and outcome.round.max() == n + 1
    for k in range(1, n + 2):
        p = J * (1 - J) ** (k - 1) if k <= n else (1 - J) ** n
        assert abs((outcome.round == k).mean() - p) <= band(p)


def test_failed_in_a_row_restarts_after_an_agreement_that_collapsed():
    """After a collapse the count in a row restarts while the total does not: with every
    round failing but one agreement that collapses, only failed_rounds fires early."""
    doc = document([], rounds=12, prep_rounds=1, collapse_risk=1.0)
    gate = {"name": "x", "hazard": 1.0, "rounds": 12, "pressure": {"m": 1.0}}
    counts = {}
    for condition in ("failed_rounds", "failed_in_a_row"):
        doc["events"]["shocks"] = [{**gate, "when": {condition: 4}}]
        inputs = compile_inputs(scenario_from_document(copy.deepcopy(doc)))
        state = BatchState(inputs, RUNS, np.random.default_rng(3))
        state.failed_total[:] = 5
        state.failed_run[:] = 2
        state.update_shocks(1)
        counts[condition] = int(state.shocks.left[0].sum())
    assert counts == {"failed_rounds": 12 * RUNS, "failed_in_a_row": 0}


@pytest.mark.parametrize("when, message", [
    ({}, "at least one condition"),
    ({"collapsed_within": 0}, "greater than or equal to 1"),
    ({"soon": True}, "unknown field"),
])
def test_a_bad_trigger_is_refused(when, message):
    with pytest.raises(Exception, match=message):
        scenario_from_document(document([{"name": "s", "hazard": 0.1, "when": when}]))


def test_a_date_before_the_start_is_refused():
    with pytest.raises(ScenarioError, match="before time.start"):
        scenario_from_document(document([{"name": "s", "hazard": 0.1, "at": "2026-01-01"}]))
