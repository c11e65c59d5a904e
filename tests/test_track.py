"""The negotiation track (eq. 11 of docs/model.md) against closed forms.

The scenario: one venue, put up every round by one mediator that presses nobody, no
counter-proposals, no preparation, so a negotiating round agrees with J(t) = p_a(t) p_b(t).
Deterministic tracks are checked exactly, lane by lane, through the engine's observer;
random ones with tolerances of four standard errors of the run count.
"""

from __future__ import annotations

import copy
import datetime as dt
import math

import numpy as np
import pytest

from sim import simulate as run_scenario
from sim.engine.inputs import compile_inputs
from sim.engine.model import simulate_batch
from sim.errors import ScenarioError
from sim.scenario.loader import scenario_from_document

RUNS = 40_000
START = dt.date(2026, 2, 2)
A, B = -1.0, -1.5  # the principals' readiness


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def day(round_number: int) -> str:
    """A day in the middle of round ``round_number``."""
    return (START + dt.timedelta(days=7 * (round_number - 1) + 3)).isoformat()


def document(track: dict | None, *, rounds: int = 12, events: dict | None = None, patience: int | None = None) -> dict:
    principal = {"role": "principal", "counter_propose": False, "pressure_sensitivity": 0.0}
    doc = {
        "name": "track", "title": "Track",
        "time": {"start": START.isoformat(), "round_days": 7, "horizon_rounds": rounds},
        "venues": {"geneva": {"name": "Geneva", "country": "Switzerland", "neutral": True}},
        "actors": {
            "a": {**principal, "name": "A", "readiness": A},
            "b": {**principal, "name": "B", "readiness": B},
            "m": {"role": "mediator", "name": "M", "proposes": ["geneva"], **({"patience": patience} if patience else {})},
        },
        "preparation": {"rounds": 0, "collapse_risk": 0.0},
        "simulation": {"runs": RUNS, "seed": 7},
    }
    if track is not None:
        doc["track"] = track
    if events:
        doc["events"] = events
    return doc


def simulate(doc: dict, seed: int = 11, runs: int = RUNS, observe: bool = False):
    """The batch's outcome and, with ``observe``, every lane's progress after each round."""
    inputs = compile_inputs(scenario_from_document(copy.deepcopy(doc)))
    seen: list[np.ndarray] = []
    observer = (lambda t, state: seen.append(state.progress.copy())) if observe else None
    outcome = simulate_batch(inputs, np.random.SeedSequence(seed), runs, observer)
    return outcome, np.array(seen)


def band(p: float, runs: int = RUNS) -> float:
    bound = 4 * math.sqrt(p * (1 - p) / runs)
    assert 0 < bound < 0.02, "the test would pass vacuously"
    return bound


def test_deterministic_talks_reach_the_deal_in_round_ceil_one_over_step():
    """Talks every round from round 1, step 0.3: progress 0.3 t, the deal in round 4 in
    every run, and progress stays at 1 afterwards."""
    doc = document({"talks": [{"name": "rounds", "date": day(1), "every": 1, "step": 0.3}]})
    outcome, seen = simulate(doc, runs=500, observe=True)
    np.testing.assert_allclose(seen[:3, 0], [0.3, 0.6, 0.9])
    assert (outcome.deal_round == 4).all()
    assert (seen[3:] == 1.0).all()


def test_meets_only_to_sign_gives_zero_before_the_deal_and_the_closed_form_after():
    """B requires 1: P(summit by t) = 0 for t < d = 4, then 1 - (1 - J)^(t - d + 1)."""
    rounds, d = 12, 4
    doc = document({"talks": [{"name": "rounds", "date": day(1), "every": 1, "step": 0.3}],
                    "requires": {"b": 1.0}}, rounds=rounds)
    outcome, _ = simulate(doc)
    assert not (outcome.held & (outcome.round < d)).any()
    j = sigmoid(A) * sigmoid(B)
    for t in (d, 8, rounds):
        expected = 1 - (1 - j) ** (t - d + 1)
        observed = (outcome.held & (outcome.round <= t)).mean()
        assert abs(observed - expected) <= band(expected)


def test_readiness_grows_with_progress_as_the_product_of_per_round_hazards():
    """Talks of step 0.1 every round and w_a = 3: c_a(t) = A + 0.3 t, so
    P(no summit by T) = prod_t (1 - sigma(A + 0.3 t) sigma(B))."""
    rounds = 10
    doc = document({"talks": [{"name": "rounds", "date": day(1), "every": 1, "step": 0.1}],
                    "readiness": {"a": 3.0}}, rounds=rounds)
    outcome, _ = simulate(doc)
    survive = math.prod(1 - sigmoid(A + 0.3 * t) * sigmoid(B) for t in range(1, rounds + 1))
    assert abs(outcome.held.mean() - (1 - survive)) <= band(1 - survive)


def test_decay_pulls_progress_towards_the_floor_geometrically():
    """No steps: x(t) = floor + (start - floor) (1 - decay)^(t - 1), exactly."""
    doc = document({"start": 0.8, "floor": 0.2, "decay": 0.25}, rounds=6)
    _, seen = simulate(doc, runs=100, observe=True)
    expected = 0.2 + 0.6 * 0.75 ** np.arange(6)
    np.testing.assert_allclose(seen[:, 0], expected, rtol=1e-12)
    assert (seen == seen[:, :1]).all()  # the same in every run


def test_setbacks_stop_at_the_floor_and_recurring_talks_follow_every_and_until():
    """Talks every 3 rounds from round 2 until round 8 (rounds 2, 5, 8) of step 0.2; a
    scheduled setback of -0.5 in round 6 stops at the floor 0.1."""
    track = {"floor": 0.1, "start": 0.1,
             "talks": [{"name": "rounds", "date": day(2), "every": 3, "until": day(8), "step": 0.2}]}
    events = {"scheduled": [{"name": "setback", "date": day(6), "progress": -0.5}]}
    _, seen = simulate(document(track, rounds=10, events=events), runs=50, observe=True)
    np.testing.assert_allclose(seen[:, 0], [0.1, 0.3, 0.3, 0.3, 0.5, 0.1, 0.1, 0.3, 0.3, 0.3], atol=1e-12)


def test_a_mediators_effort_counts_only_while_it_is_engaged():
    """Effort 0.05 per engaged round; the mediator gives up after 3 failed rounds (for
    good). Runs that failed rounds 1-3 have progress 0.15 from then on."""
    doc = document({"effort": {"m": {"step": 0.05}}}, rounds=8, patience=3)
    outcome, seen = simulate(doc, runs=4000, observe=True)
    gave_up = ~outcome.held | (outcome.round > 3)
    np.testing.assert_allclose(seen[:3, gave_up], np.array([[0.05], [0.10], [0.15]]) * np.ones(gave_up.sum()))
    assert np.allclose(seen[3:, gave_up], 0.15)


def test_noisy_talks_have_the_stated_mean_and_spread():
    """One round of talks, step 0.1, sd 0.05, from start 0.5 (far from 0 and 1): the
    progress after it is normal with that mean and sd."""
    doc = document({"start": 0.5, "talks": [{"name": "round", "date": day(1), "step": 0.1, "sd": 0.05}]}, rounds=2)
    _, seen = simulate(doc, observe=True)
    after = seen[0]
    assert abs(after.mean() - 0.6) <= 4 * 0.05 / math.sqrt(RUNS)
    assert abs(after.std() - 0.05) <= 4 * 0.05 / math.sqrt(2 * RUNS)
    np.testing.assert_array_equal(seen[1], after)  # held once: nothing moves it afterwards


def test_a_shock_gated_on_progress_starts_only_once_the_level_was_reached():
    """A shock with hazard 1 once progress >= 0.5 (as it stood after the round before)
    lifts A by 4: with talks of 0.25 every round, progress is 0.5 after round 2, so the
    shock is active from round 3 and J changes from there."""
    rounds = 8
    track = {"talks": [{"name": "rounds", "date": day(1), "every": 1, "step": 0.25}], "start": 0.0}
    # Cap at 0.75 by stopping the talks after round 3, so the deal (1.0) never comes.
    track["talks"][0]["until"] = day(3)
    shock = {"name": "momentum", "hazard": 1.0, "rounds": rounds, "readiness": {"a": 4.0},
             "when": {"progress_at_least": 0.5}}
    outcome, _ = simulate(document(track, rounds=rounds, events={"shocks": [shock]}))
    j0, j1 = sigmoid(A) * sigmoid(B), sigmoid(A + 4.0) * sigmoid(B)
    expected = 1 - (1 - j0) ** 2 * (1 - j1) ** (rounds - 2)
    assert abs(outcome.held.mean() - expected) <= band(expected)
    before = 1 - (1 - j0) ** 2
    assert abs((outcome.held & (outcome.round <= 2)).mean() - before) <= band(before)


def test_a_scenario_without_a_track_draws_no_track_numbers():
    """Adding a track whose means are all 0 and without spreads changes no outcome."""
    plain, _ = simulate(document(None), runs=5000)
    inert, _ = simulate(document({"talks": [{"name": "idle", "date": day(2), "step": 0.0}]}), runs=5000)
    for name in ("held", "venue", "round", "reason"):
        np.testing.assert_array_equal(getattr(plain, name), getattr(inert, name))
    assert (plain.deal_round == 0).all()


def test_a_larger_talks_step_never_makes_a_summit_less_likely():
    """Monotone where the story is: with B meeting only from progress 0.6 and readiness
    growing with progress, a larger mean step (on common random numbers) gives at least
    as many summits, beyond nothing more than Monte Carlo noise."""
    def p(step: float) -> float:
        doc = document({"talks": [{"name": "rounds", "date": day(1), "every": 2, "step": step, "sd": 0.1}],
                        "requires": {"b": 0.6}, "readiness": {"a": 1.0}}, rounds=16)
        outcome, _ = simulate(doc, runs=20_000)
        return float(outcome.held.mean())
    shares = [p(step) for step in (0.05, 0.1, 0.15, 0.2)]
    assert all(later >= earlier - band(0.5, 20_000) for earlier, later in zip(shares, shares[1:]))
    assert shares[-1] > shares[0] + 0.1


def test_the_api_reports_p_deal_by_date():
    doc = document({"talks": [{"name": "rounds", "date": day(1), "every": 1, "step": 0.3}]}, rounds=6)
    result = run_scenario(scenario_from_document(doc), runs=2000)
    assert result.p_deal_by(day(3)).value == 0.0
    assert result.p_deal_by(day(4)).value == 1.0
    assert result.summary.p_deal.value == 1.0
    plain = run_scenario(scenario_from_document(document(None, rounds=6)), runs=2000)
    assert plain.summary.p_deal is None


def test_p_deal_counts_only_the_runs_that_reached_the_deal():
    """Noisy talks that reach the deal in some runs only: the summary's P(deal by date) is
    the share of runs whose deal_round is at most that date's round (none before any deal)."""
    doc = document({"talks": [{"name": "rounds", "date": day(1), "every": 2, "step": 0.2, "sd": 0.2}]}, rounds=10)
    scenario = scenario_from_document(doc)
    result = run_scenario(scenario, runs=10_000)
    outcome, _ = simulate(doc, runs=10_000)
    assert 0.05 < result.summary.p_deal.value < 0.95
    assert result.p_deal_by(day(1)).value == 0.0
    for t in (4, 7, 10):
        share = result.p_deal_by(day(t)).value
        assert abs(share - ((outcome.deal_round > 0) & (outcome.deal_round <= t)).mean()) <= band(share, 10_000)


@pytest.mark.parametrize(("change", "path"), [
    (lambda d: d["track"].update(requires={"zed": 1.0}), "track.requires.zed"),
    (lambda d: d["track"].update(effort={"zed": {"step": 0.1}}), "track.effort.zed"),
    (lambda d: d["track"]["talks"][0].update(until=day(3)), "track.talks.0.until"),
    (lambda d: d["track"].update(start=0.1, floor=0.3), "track"),
    (lambda d: d["track"]["talks"][0].update(date="2030-01-01"), "track.talks.0.date"),
    (lambda d: (d.pop("track"), d.update(events={"scheduled": [{"name": "x", "date": day(2), "progress": 0.1}]})),
     "events.scheduled.0.progress"),
    (lambda d: (d.pop("track"), d.update(events={"shocks": [{"name": "x", "hazard": 0.1,
                                                             "when": {"progress_below": 0.5}}]})),
     "events.shocks.0.when.progress_below"),
])
def test_a_bad_track_is_one_clear_problem(change, path):
    doc = document({"talks": [{"name": "rounds", "date": day(1), "step": 0.3}]})
    change(doc)
    with pytest.raises(ScenarioError) as caught:
        scenario_from_document(doc)
    assert path in [problem.path for problem in caught.value.problems]
