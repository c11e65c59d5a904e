"""Eqs. (4a)-(4c): an announced summit, preparation lengths drawn or per venue, gatherings.

Each scenario is small enough for its law to be written down exactly: an announced summit
with R rounds to go and collapse risk rho is held in round R with probability
(1 - rho)^R and never before; uniform preparation lengths give the exact mixture; a
gathering with attendance chances a, b and a one-round window gives a b J. Tolerances
are four binomial standard errors of the run count, so a wrong law fails.
"""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest

from sim.analysis.zone import analyse_zone
from sim.engine.outcome import BatchOutcome
from sim.errors import ScenarioError
from sim.execution.runner import simulate
from sim.scenario.loader import scenario_from_document

RUNS = 40_000
RHO = 0.1


def sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


def within(count: int, trials: int, p: float) -> bool:
    """``count`` of ``trials`` is within four binomial standard errors of ``p``."""
    return abs(count / trials - p) <= 4 * math.sqrt(max(p * (1 - p), 1e-12) / trials) + 1e-12


def document(rounds: int = 8, *, readiness: float = 0.0, counter: bool = False, **extra) -> dict:
    """Two principals, two venues, no mediator. Without counter-proposals nothing is ever
    on the table, so only the announced summit or a gathering can be held."""
    doc = dict(
        name="announced", title="announced summits",
        time=dict(start="2026-01-05", horizon_rounds=rounds),  # Mondays: round t opens 2026-01-05 + 7 (t - 1)
        venues={"geneva": dict(name="Geneva", country="Switzerland", neutral=True),
                "rio": dict(name="Rio", country="Brazil", neutral=True)},
        actors={
            "a": dict(role="principal", name="A", readiness=readiness, counter_propose=counter,
                      venues={"rio": -0.5}),
            "b": dict(role="principal", name="B", readiness=readiness + 0.5, counter_propose=counter),
        },
        preparation=dict(rounds=0, collapse_risk=RHO),
    )
    doc.update(extra)
    return doc


def held_by_round(doc: dict, seed: int = 3) -> tuple[np.ndarray, object]:
    """Summits per round (index = round) and the summary."""
    result = simulate(scenario_from_document(doc), runs=RUNS, seed=seed)
    return result.tally.held.sum(axis=1), result.summary


def outcomes(doc: dict, seed: int = 3) -> BatchOutcome:
    found: list[BatchOutcome] = []
    simulate(scenario_from_document(doc), runs=RUNS, seed=seed, on_outcome=lambda _, o: found.append(o))
    return BatchOutcome(**{name: np.concatenate([getattr(o, name) for o in found]) for name in found[0].__dataclass_fields__})


# --- (4b) an announced summit ----------------------------------------------------------

def test_an_announced_summit_is_held_on_its_date_with_probability_one_minus_rho_to_the_r():
    # 2026-01-28 is a Wednesday in round 4: four collapse checks, held in round 4, nothing before.
    by_round, summary = held_by_round(document(announced={"venue": "geneva", "date": "2026-01-28"}))
    assert by_round[:4].sum() == 0 and by_round[5:].sum() == 0
    assert within(int(by_round[4]), RUNS, (1 - RHO) ** 4)
    assert summary.venue_share["geneva"].count == by_round[4]
    # Those that did not hold it collapsed, and nothing else was ever agreed.
    assert summary.reason_share["collapsed"].count == RUNS - by_round[4]


def test_after_a_collapse_the_run_negotiates_as_usual():
    # Geneva is accepted for sure once on the table (readiness 40, both counter-propose it).
    # A collapse in round c (c = 1..R) leaves round c's table empty; the run agrees again in
    # round c + 1 and, with no preparation, holds the summit then.
    r = 4
    doc = document(readiness=40.0, counter=True, announced={"venue": "geneva", "date": "2026-01-26"})
    by_round, _ = held_by_round(doc)
    expected = np.zeros(r + 2)
    expected[r] += (1 - RHO) ** r
    for c in range(1, r + 1):
        expected[c + 1] += (1 - RHO) ** (c - 1) * RHO
    for t in range(1, r + 2):
        assert within(int(by_round[t]), RUNS, expected[t]), t
    assert by_round.sum() == RUNS


def test_announced_parties_attend_and_otherwise_eq_9_draws_them_at_the_start():
    broker = {"k": dict(role="mediator", name="K", join_probability=0.3)}
    doc = document(announced={"venue": "geneva", "date": "2026-01-05", "parties": ["k"]})
    doc["actors"].update(broker)
    given = outcomes(doc)
    held = given.held
    assert held.any() and (given.parties[held] == 1).all()  # bit 0: k
    doc["announced"].pop("parties")
    drawn = outcomes(doc)
    held = drawn.held
    assert within(int((drawn.parties[held] == 1).sum()), int(held.sum()), 0.3)
    assert within(int(held.sum()), RUNS, 1 - RHO)  # one check: the date is in round 1


def test_a_date_set_with_the_venue_open_holds_what_is_agreed_by_then_on_that_date():
    # Geneva is on the table every round (b counter-proposes it) with joint acceptance J;
    # whatever is agreed in rounds 1..d is held in round d; later, the usual 0 rounds.
    d, rounds = 3, 6
    doc = document(rounds, readiness=-0.5, announced={"date": "2026-01-19"})
    doc["actors"]["b"]["counter_propose"] = True
    doc["preparation"]["collapse_risk"] = 0.0
    joint = sigmoid(-0.5) * sigmoid(0.0)
    by_round, _ = held_by_round(doc)
    assert by_round[1:d].sum() == 0
    assert within(int(by_round[d]), RUNS, 1 - (1 - joint) ** d)
    for t in range(d + 1, rounds + 1):
        assert within(int(by_round[t]), RUNS, (1 - joint) ** (t - 1) * joint), t


# --- (4a) preparation lengths ------------------------------------------------------------

def sure_thing(**preparation) -> dict:
    """Geneva agreed in round 1 in every run (readiness 40), then prepared."""
    doc = document(12, readiness=40.0, counter=True)
    doc["preparation"] = dict(collapse_risk=0.0, **preparation)
    return doc


def test_uniform_preparation_lengths_give_the_exact_mixture():
    by_round, _ = held_by_round(sure_thing(rounds=1, rounds_max=4))
    for r in range(1, 5):
        assert within(int(by_round[1 + r]), RUNS, 1 / 4), r
    assert by_round[1] == 0 and by_round[6:].sum() == 0
    # With a collapse risk, the first agreement survives with the mixture of (1 - rho)^r.
    doc = sure_thing(rounds=0, rounds_max=3)
    doc["preparation"]["collapse_risk"] = 0.2
    collapsed = outcomes(doc).collapses > 0
    survives = np.mean([(1 - 0.2) ** r for r in range(0, 4)])
    assert within(int((~collapsed).sum()), RUNS, survives)


def test_a_venue_s_own_preparation_replaces_the_scenario_s():
    doc = sure_thing(rounds=3)
    doc["venues"]["geneva"]["preparation"] = {"rounds": 0}
    by_round, _ = held_by_round(doc)
    assert by_round[1] == RUNS
    doc["venues"]["geneva"]["preparation"] = {"rounds": 2, "rounds_max": 2}
    assert held_by_round(doc)[0][3] == RUNS


def test_without_a_range_no_length_is_drawn():
    from sim.engine.inputs import compile_inputs

    assert not compile_inputs(scenario_from_document(sure_thing(rounds=2, rounds_max=2))).prep_varies
    assert compile_inputs(scenario_from_document(sure_thing(rounds=2, rounds_max=3))).prep_varies


# --- (4c) gatherings -----------------------------------------------------------------------

def gathering(**fields) -> dict:
    """A one-round G20 at Rio in round 5 (2026-02-02 to 02-08)."""
    return {"name": "G20", "venue": "rio", "start": "2026-02-04", **fields}


def test_a_sideline_summit_happens_with_probability_a_b_j_and_only_while_the_gathering_runs():
    doc = document(gatherings=[gathering(attendance={"a": 0.8, "b": 0.6})])
    joint = sigmoid(0.0 - 0.5) * sigmoid(0.5)  # round 5, no pressure: a values Rio at -0.5
    by_round, summary = held_by_round(doc)
    assert by_round.sum() == by_round[5]
    assert within(int(by_round[5]), RUNS, 0.8 * 0.6 * joint)
    assert summary.venue_share["rio"].count == by_round[5]


def test_a_gathering_s_readiness_effect_applies_while_it_runs_to_those_attending():
    doc = document(gatherings=[gathering(attendance={"a": 0.5}, readiness={"a": 1.5, "b": 0.5})])
    joint = sigmoid(0.0 - 0.5 + 1.5) * sigmoid(0.5 + 0.5)
    by_round, _ = held_by_round(doc)
    assert within(int(by_round[5]), RUNS, 0.5 * joint)


def test_a_gathering_s_preparation_agrees_the_meeting_ahead_and_holds_it_at_the_gathering():
    # Preparation 2: agreed in round 3 (the only open round), two collapse checks, held in round 5.
    doc = document(gatherings=[gathering(preparation=2, readiness={"a": 2.0})])
    doc["preparation"]["collapse_risk"] = 0.25
    joint = sigmoid(-0.5) * sigmoid(0.5)  # the readiness effect is for round 5, not round 3
    by_round, _ = held_by_round(doc)
    assert by_round.sum() == by_round[5]
    assert within(int(by_round[5]), RUNS, joint * 0.75 ** 2)


def test_outside_its_window_the_gathering_venue_is_an_ordinary_venue():
    # A mediator proposing Rio every round makes it an ordinary venue, agreed in any round.
    doc = document(gatherings=[gathering()])
    doc["actors"]["k"] = dict(role="mediator", name="K", proposes=["rio"], strategy="ordered")
    by_round, _ = held_by_round(doc)
    joint = sigmoid(-0.5) * sigmoid(0.5)
    for t in (1, 2, 6):
        assert within(int(by_round[t]), RUNS, (1 - joint) ** (t - 1) * joint), t


# --- explain and validation ---------------------------------------------------------------

def test_explain_states_the_start_and_each_gathering_s_window():
    doc = document(announced={"venue": "geneva", "date": "2026-01-28"},
                   gatherings=[gathering(attendance={"a": 0.8, "b": 0.5}, preparation=1)])
    zone = analyse_zone(scenario_from_document(doc))
    assert zone.start.startswith("Announced: geneva on 2026-01-28 (round 4, week of 2026-01-26).")
    assert "held in 65.6% of runs without them" in zone.start
    assert zone.gatherings[0].sentence() == (
        "G20 at rio, 2026-02-02 to 2026-02-08 (round 5); every principal attends in 40% of runs; "
        "a sideline meeting is agreed in round 4, 1 round(s) ahead.")
    assert not zone.empty and zone.reachable == ("rio",)


@pytest.mark.parametrize("change, message", [
    (lambda d: d.update(announced={"venue": "geneva", "date": "2027-01-01"}),
     r"announced\.date: 2027-01-01 is outside the horizon"),
    (lambda d: (d.update(announced={"venue": "geneva", "date": "2026-01-05"}),
                d["actors"]["a"].update(red_lines=["geneva"])),
     r"announced\.venue: 'geneva' is a red line of a"),
    (lambda d: d.update(announced={"date": "2026-01-05", "parties": []}), r"announced\.parties: needs announced\.venue"),
    (lambda d: d.update(announced={"venue": "geneva", "date": "2026-01-05", "parties": ["a"]}),
     r"announced\.parties\.0: unknown mediator 'a'"),
    (lambda d: d.update(gatherings=[gathering(venue="paris")]), r"gatherings\.0\.venue: unknown venue 'paris'"),
    (lambda d: d.update(gatherings=[gathering(attendance={"k": 0.5})]), r"gatherings\.0\.attendance\.k: unknown principal"),
    (lambda d: d.update(gatherings=[gathering(start="2025-12-01")]), r"gatherings\.0\.start: 2025-12-01 is before"),
    (lambda d: d["preparation"].update(rounds=3, rounds_max=2), r"rounds_max \(2\) must be at least rounds \(3\)"),
])
def test_bad_announcements_and_gatherings_are_refused_with_one_clear_line(change, message):
    doc = copy.deepcopy(document())
    change(doc)
    with pytest.raises(ScenarioError, match=message):
        scenario_from_document(doc)
