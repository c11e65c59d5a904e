"""Events that change the structure (eq. 6''' of docs/model.md) against closed forms.

The scenario: one venue both principals could accept, put up every round by one mediator
with constant pressure and no counter-proposals, so a round in which the venue can be
agreed agrees with J = p_a p_b, and a round in which it cannot (a red line, closed)
agrees with probability 0. Tolerances are four binomial standard errors of the run
count, as in test_shock_gates.py.
"""

from __future__ import annotations

import copy
import datetime as dt
import math

import numpy as np
import pytest

from sim.engine.inputs import compile_inputs
from sim.engine.model import simulate_batch
from sim.errors import ScenarioError
from sim.scenario.loader import scenario_from_document

RUNS = 40_000
START = dt.date(2026, 2, 1)
A, B = -1.0, -1.5  # the principals' readiness: J = sigma(A) sigma(B) per round
OUTCOME_FIELDS = ("held", "venue", "round", "format", "parties", "rejected", "collapses", "reason")


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


J = sigmoid(A) * sigmoid(B)


def mid_round(r: int) -> str:
    """A date in the middle of round ``r``."""
    return (START + dt.timedelta(days=7 * (r - 1) + 3)).isoformat()


def document(scheduled: list[dict], *, rounds: int = 12, red_lines: tuple[str, ...] = (),
             prep_rounds: int = 0) -> dict:
    principal = {"role": "principal", "counter_propose": False, "pressure_sensitivity": 0.0}
    return {
        "name": "structure", "title": "Structure events",
        "time": {"start": START.isoformat(), "round_days": 7, "horizon_rounds": rounds},
        "venues": {
            "geneva": {"name": "Geneva", "country": "Switzerland", "neutral": True},
            "vienna": {"name": "Vienna", "country": "Austria", "neutral": True},
        },
        "actors": {
            "a": {**principal, "name": "A", "readiness": A, "red_lines": list(red_lines)},
            "b": {**principal, "name": "B", "readiness": B},
            "m": {"role": "mediator", "name": "M", "proposes": ["geneva"]},
        },
        "events": {"scheduled": scheduled},
        "preparation": {"rounds": prep_rounds, "collapse_risk": 0.0},
        "simulation": {"runs": RUNS, "seed": 7},
    }


def run(doc: dict, seed: int = 11):
    inputs = compile_inputs(scenario_from_document(copy.deepcopy(doc)))
    return simulate_batch(inputs, np.random.SeedSequence(seed), RUNS)


def band(p: float) -> float:
    bound = 4 * math.sqrt(p * (1 - p) / RUNS)
    assert 0 < bound < 0.02, "the test would pass vacuously"
    return bound


def held_by(outcome, t: int) -> float:
    return float((outcome.held & (outcome.round <= t)).mean())


def test_a_red_line_lifted_for_good_in_round_k_gives_one_minus_one_minus_j_to_the_t_minus_k_plus_1():
    """A red-lines the only venue until round k, then lifts it for good: nothing can be
    agreed before round k (exactly), and P(summit by t) = 1 - (1 - J)^(t - k + 1) after."""
    rounds, k = 12, 5
    lift = {"name": "ceasefire", "date": mid_round(k), "for_good": True, "red_lines": {"a": {"lift": ["geneva"]}}}
    outcome = run(document([lift], rounds=rounds, red_lines=("geneva",)))
    assert held_by(outcome, k - 1) == 0.0
    for t in (k, k + 3, rounds):
        p = 1 - (1 - J) ** (t - k + 1)
        assert abs(held_by(outcome, t) - p) <= band(p), t
    # Without the event the zone is empty and no run meets.
    assert compile_inputs(scenario_from_document(document([], red_lines=("geneva",)))).zone_empty
    assert not compile_inputs(scenario_from_document(document([lift], red_lines=("geneva",)))).zone_empty


def test_a_venue_closed_for_r_rounds_cannot_be_agreed_then_and_only_then():
    """The host withdraws for r rounds from round k: no agreement in rounds k..k+r-1, and
    P(summit by T) = 1 - (1 - J)^(T - r)."""
    rounds, k, r = 12, 4, 3
    closed = {"name": "host withdraws", "date": mid_round(k), "rounds": r, "close": ["geneva"]}
    outcome = run(document([closed], rounds=rounds))
    assert not (outcome.held & (outcome.round >= k) & (outcome.round < k + r)).any()
    p = 1 - (1 - J) ** (rounds - r)
    assert abs(outcome.held.mean() - p) <= band(p)
    early = 1 - (1 - J) ** (k - 1)
    assert abs(held_by(outcome, k - 1) - early) <= band(early)
    # A closed venue is not proposed at all: only the open rounds count rejections.
    assert outcome.rejected.max() == rounds - r


def test_a_venue_opened_in_round_k_is_agreed_only_from_then():
    """Vienna is not on offer (available: false) until an event opens it for good in round k;
    the mediator proposes only Vienna: P(summit by t) = 1 - (1 - J)^(t - k + 1) for t >= k."""
    rounds, k = 12, 6
    doc = document([{"name": "Austria offers", "date": mid_round(k), "for_good": True, "open": ["vienna"]}],
                   rounds=rounds)
    doc["venues"]["vienna"]["available"] = False
    doc["actors"]["m"]["proposes"] = ["vienna"]
    outcome = run(doc)
    assert held_by(outcome, k - 1) == 0.0
    p = 1 - (1 - J) ** (rounds - k + 1)
    assert abs(outcome.held.mean() - p) <= band(p)
    assert set(np.unique(outcome.venue[outcome.held])) == {1}


def test_a_utility_shift_changes_j_from_round_k():
    """From round k A's utility for Geneva rises by d (logit, added): J becomes
    J1 = sigma(A + d) sigma(B), so P(summit by T) = 1 - (1 - J)^(k-1) (1 - J1)^(T-k+1)."""
    rounds, k, d = 12, 5, 2.0
    shift = {"name": "guarantees", "date": mid_round(k), "for_good": True, "utility": {"a": {"geneva": d}}}
    outcome = run(document([shift], rounds=rounds))
    j1 = sigmoid(A + d) * sigmoid(B)
    p = 1 - (1 - J) ** (k - 1) * (1 - j1) ** (rounds - k + 1)
    assert abs(outcome.held.mean() - p) <= band(p)
    constant = 1 - (1 - J) ** rounds
    assert abs(outcome.held.mean() - constant) > 5 * band(p)  # the shift does act


@pytest.mark.parametrize("for_good", [False, True])
def test_a_red_line_imposed_for_its_rounds_or_for_good(for_good):
    """A red line imposed in round k for r rounds stops agreement in those rounds only:
    P(by T) = 1 - (1 - J)^(T - r); for good, P(by T) = P(by k - 1) = 1 - (1 - J)^(k - 1)."""
    rounds, k, r = 12, 4, 3
    event = {"name": "strike", "date": mid_round(k), "red_lines": {"a": {"impose": ["geneva"]}}}
    event.update({"for_good": True} if for_good else {"rounds": r})
    outcome = run(document([event], rounds=rounds))
    blocked = rounds - k + 1 if for_good else r
    assert not (outcome.held & (outcome.round >= k) & (outcome.round < k + blocked)).any()
    p = 1 - (1 - J) ** (rounds - blocked)
    assert abs(outcome.held.mean() - p) <= band(p)


def test_a_counter_proposal_follows_the_red_lines_of_each_epoch():
    """A counter-proposes its favourite: Geneva, a red line until round k (no venue at all
    then), Geneva after; then a red line again from round k2 for good (its slot stays empty,
    never agreed). Nobody else proposes. Summits only in rounds k..k2-1, with
    P = 1 - (1 - J)^(k2 - k)."""
    rounds, k, k2 = 12, 3, 8
    doc = document([
        {"name": "thaw", "date": mid_round(k), "for_good": True, "red_lines": {"a": {"lift": ["geneva"]}}},
        {"name": "freeze", "date": mid_round(k2), "for_good": True, "red_lines": {"a": {"impose": ["geneva"]}}},
    ], rounds=rounds, red_lines=("geneva", "vienna"))
    doc["actors"]["a"]["counter_propose"] = True
    doc["actors"]["m"]["proposes"] = []
    inputs = compile_inputs(scenario_from_document(doc))
    assert inputs.favourite[0] == -1 and inputs.counter_proposers[0]
    outcome = run(doc)
    window = outcome.held & (outcome.round >= k) & (outcome.round < k2)
    assert np.array_equal(window, outcome.held)
    p = 1 - (1 - J) ** (k2 - k)
    assert abs(outcome.held.mean() - p) <= band(p)


def test_a_summit_in_preparation_at_a_venue_that_closes_collapses():
    """With J = 1 and 3 rounds of preparation the summit is agreed in round 1; Geneva closes
    in round 2 for one round: the preparation collapses at the start of round 2, the venue
    is agreed again in round 3 and the summit held in round 6, in every run."""
    doc = document([{"name": "host withdraws", "date": mid_round(2), "close": ["geneva"]}], prep_rounds=3)
    for actor in ("a", "b"):
        doc["actors"][actor]["readiness"] = 50.0  # accepts with probability 1 in floating point
    outcome = run(doc)
    assert outcome.held.all()
    assert (outcome.round == 6).all() and (outcome.collapses == 1).all()


def test_without_structural_events_the_engine_takes_no_new_path():
    """Scenarios without structural changes compile to no epochs (base.yaml included); and
    a venue nobody proposes, closed from the start, changes no run: the epoch machinery
    (an epoch with a closed venue) gives the same outcomes, run by run."""
    assert compile_inputs(scenario_from_document(document([]))).epochs == ()
    from sim.scenario.loader import load_scenario
    assert compile_inputs(load_scenario("scenarios/base.yaml")).epochs == ()
    open_doc = document([{"name": "talks", "date": mid_round(3), "readiness": {"a": 1.0}}])
    closed_doc = copy.deepcopy(open_doc)
    closed_doc["venues"]["vienna"]["available"] = False
    assert len(compile_inputs(scenario_from_document(closed_doc)).epochs) == 1
    first, second = run(open_doc), run(closed_doc)
    for field in OUTCOME_FIELDS:
        assert np.array_equal(getattr(first, field), getattr(second, field)), field


def test_an_event_after_the_horizon_or_changing_nothing_makes_no_epoch():
    """Epochs are cut only where the structure changes within the horizon."""
    late = {"name": "late", "date": mid_round(40), "for_good": True, "utility": {"a": {"geneva": 1.0}}}
    zero = {"name": "zero", "date": mid_round(3), "utility": {"a": {"geneva": 0.0}}}
    assert compile_inputs(scenario_from_document(document([late, zero]))).epochs == ()
    two = {"name": "two", "date": mid_round(3), "rounds": 2, "utility": {"a": {"geneva": 1.0}}}
    inputs = compile_inputs(scenario_from_document(document([two])))
    assert [e.first for e in inputs.epochs] == [1, 3, 5]
    assert inputs.epoch_of_round[1:].tolist() == [0, 0, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2]


@pytest.mark.parametrize("event, path, words", [
    ({"red_lines": {"zed": {"lift": ["geneva"]}}}, "events.scheduled.0.red_lines.zed", "unknown principal 'zed'"),
    ({"red_lines": {"m": {"lift": ["geneva"]}}}, "events.scheduled.0.red_lines.m", "unknown principal 'm'"),
    ({"red_lines": {"a": {"lift": ["paris"]}}}, "events.scheduled.0.red_lines.a.lift.0", "unknown venue 'paris'"),
    ({"red_lines": {"a": {"lift": ["vienna"]}}}, "events.scheduled.0.red_lines.a.lift.0", "nothing to lift"),
    ({"red_lines": {"a": {"impose": ["geneva"]}}}, "events.scheduled.0.red_lines.a.impose.0", "already one of"),
    ({"utility": {"a": {"paris": 1.0}}}, "events.scheduled.0.utility.a.paris", "unknown venue 'paris'"),
    ({"utility": {"zed": {"geneva": 1.0}}}, "events.scheduled.0.utility.zed", "unknown principal 'zed'"),
    ({"close": ["paris"]}, "events.scheduled.0.close.0", "unknown venue 'paris'"),
    ({"open": ["vienna"]}, "events.scheduled.0.open.0", "nothing to open"),
    ({"close": ["vienna", "vienna"]}, "events.scheduled.0.close", "more than once"),
    ({"for_good": True, "rounds": 3, "close": ["vienna"]}, "events.scheduled.0.for_good", "not both"),
    ({"closes": ["vienna"]}, "events.scheduled.0.closes", "unknown field"),
    ({"red_lines": {"a": {"remove": ["geneva"]}}}, "events.scheduled.0.red_lines.a.remove", "unknown field"),
    ({"utility": {"a": {"geneva": 99.0}}}, "events.scheduled.0.utility.a.geneva", "less than or equal to 50"),
])
def test_a_bad_structural_change_is_one_clear_problem(event, path, words):
    """Every bad value is one problem line naming its field. Lifting a red line that the
    principal does not have (in red_lines or imposed by some event) is an error: it would
    change nothing, which is almost always a typo."""
    doc = document([{"name": "bad", "date": mid_round(2), **event}], red_lines=("geneva",))
    with pytest.raises(ScenarioError) as error:
        scenario_from_document(doc)
    problems = [p for p in error.value.problems if p.path == path]
    assert len(problems) == 1, error.value.problems
    assert words in problems[0].message


def test_a_red_line_imposed_by_one_event_may_be_lifted_by_another():
    """Lifting is allowed when some event imposes the red line (and imposing one of the
    principal's own when some event lifts it)."""
    doc = document([
        {"name": "crisis", "date": mid_round(2), "rounds": 5, "red_lines": {"b": {"impose": ["geneva"]}}},
        {"name": "deal", "date": mid_round(4), "red_lines": {"b": {"lift": ["geneva"]}}},
    ])
    inputs = compile_inputs(scenario_from_document(doc))
    # Later events override earlier ones: round 4 lifts what round 2 imposed.
    acceptable = {e.first: bool(e.acceptable[0]) for e in inputs.epochs}
    assert acceptable == {1: True, 2: False, 4: True, 5: False, 7: True}


def test_explain_lists_the_changes_with_their_dates_and_counts_later_venues_as_reachable():
    """The zone counts a venue reachable in some epoch; explain says when each change
    happens and for how long."""
    from sim.analysis.zone import analyse_zone

    doc = document([
        {"name": "ceasefire", "date": "2026-03-01", "for_good": True, "red_lines": {"a": {"lift": ["geneva"]}}},
        {"name": "host withdraws", "date": mid_round(10), "rounds": 2, "close": ["geneva"]},
    ], red_lines=("geneva",))
    zone = analyse_zone(scenario_from_document(doc))
    assert zone.reachable == ("geneva",) and not zone.empty
    assert zone.changes == (
        "From 2026-03-01 (round 5) for good, ceasefire: A lifts the red line on Geneva.",
        "From 2026-04-08 (round 10) for 2 rounds (to 2026-04-18), host withdraws: "
        "Geneva closed (nobody can propose or agree it).",
    )
    assert "only after a change of structure (6''')" in zone.explanation()
    closed = document([], red_lines=("geneva",))
    closed["venues"]["vienna"]["available"] = False
    explanation = analyse_zone(scenario_from_document(closed)).explanation()
    assert "geneva: red line of a; vienna: not on offer" in explanation


def test_trace_tells_the_round_a_change_of_structure_begins_and_ends():
    """sim trace marks the rounds from which the structure changes."""
    from sim.analysis.trace import trace_run

    doc = document([{"name": "host withdraws", "date": mid_round(3), "rounds": 2, "close": ["geneva"]}], rounds=6)
    doc["actors"]["a"]["readiness"] = -20.0  # no run agrees, so the story runs to the horizon
    trace = trace_run(scenario_from_document(doc), run=0)
    assert {r.round: r.structure for r in trace.rounds if r.structure} == {
        3: ["host withdraws begins"], 5: ["host withdraws is over"]}
    assert [len(r.table) for r in trace.rounds] == [1, 1, 0, 0, 1, 1]  # Geneva is not on the table while closed


@pytest.mark.parametrize("strategy, per_round", [("ordered", 1), ("rotate", 1), ("ordered", 2), ("random", 2)])
def test_a_mediator_proposes_from_its_venues_on_offer(strategy, per_round):
    """Geneva and Vienna are worth the same to both; while Geneva is closed (rounds k..k+r-1)
    the mediator proposes from what is left, Vienna, with one proposal fewer if it made
    two: every round still agrees with J, so P(summit by T) = 1 - (1 - J)^T, and only
    Vienna is agreed in those rounds (an emptied slot is never agreed)."""
    rounds, k, r = 12, 3, 4
    doc = document([{"name": "host withdraws", "date": mid_round(k), "rounds": r, "close": ["geneva"]}],
                   rounds=rounds)
    doc["actors"]["m"].update(proposes=["geneva", "vienna"], strategy=strategy, proposals_per_round=per_round)
    outcome = run(doc)
    p = 1 - (1 - J) ** rounds if per_round == 1 else None
    if p is not None:
        assert abs(outcome.held.mean() - p) <= band(p)
    during = outcome.held & (outcome.round >= k) & (outcome.round < k + r)
    assert during.any() and (outcome.venue[during] == 1).all()
    assert (outcome.venue[outcome.held] >= 0).all()
    # With two a round the closed rounds offer one venue, the others two.
    if per_round == 2:
        two = 1 - (1 - J) ** 2
        p = 1 - (1 - two) ** (rounds - r) * (1 - J) ** r
        assert abs(outcome.held.mean() - p) <= band(p)


def test_a_scenario_without_mediators_or_with_no_venue_left_still_runs():
    """Every listed venue closed: the mediator's slot stays empty; no mediators at all: the
    counter-proposals alone (A counter-proposes Geneva; every venue closed for good from
    round k, so it has nothing left to put forward)."""
    rounds, k = 8, 4
    doc = document([{"name": "all closed", "date": mid_round(k), "for_good": True, "close": ["geneva", "vienna"]}],
                   rounds=rounds)
    outcome = run(doc)
    assert not (outcome.held & (outcome.round >= k)).any()
    del doc["actors"]["m"]
    doc["actors"]["a"]["counter_propose"] = True
    doc["actors"]["a"]["venues"] = {"geneva": 1.0}
    outcome = run(doc)
    assert not (outcome.held & (outcome.round >= k)).any() and outcome.held.any()


def test_the_json_zone_lists_the_changes_only_for_scenarios_that_have_them():
    from sim.analysis.zone import analyse_zone
    from sim.report.export import result_json
    from sim.execution.runner import simulate

    doc = document([{"name": "ceasefire", "date": mid_round(3), "for_good": True,
                     "red_lines": {"a": {"lift": ["geneva"]}}}], red_lines=("geneva",))
    doc["simulation"]["runs"] = 200
    for scheduled, expected in ((doc["events"]["scheduled"], 1), ([], 0)):
        scenario = scenario_from_document({**doc, "events": {"scheduled": scheduled}})
        payload = result_json(simulate(scenario), analyse_zone(scenario), [])
        assert len(payload["zone"].get("structure_changes", [])) == expected


def test_a_conceding_principal_skips_the_venues_it_refuses_or_that_are_closed():
    """Concession lists (eq. 8) are per epoch: a venue of ``concede.to`` that the principal
    red-lines then, or that is closed, is left out of that epoch's list."""
    doc = document([
        {"name": "freeze", "date": mid_round(3), "rounds": 2, "red_lines": {"a": {"impose": ["vienna"]}}},
        {"name": "strike", "date": mid_round(6), "rounds": 2, "close": ["vienna"]},
    ])
    doc["actors"]["a"].update(counter_propose=True, venues={"geneva": 1.0}, concede={"after": 2, "to": ["vienna"]})
    inputs = compile_inputs(scenario_from_document(doc))
    lists = {e.first: e.counter_venues[0].tolist() for e in inputs.epochs}
    assert lists == {1: [0, 1], 3: [0], 5: [0, 1], 6: [0], 8: [0, 1]}
