"""Eq. (10): a venue standing for one not on the list takes a stated share of summits.

In a scenario whose every round is an independent trial (two venues on the table each
round, no preparation) a round agrees with q = 1 - (1 - J_g)(1 - J_h), so P(summit by T)
= 1 - (1 - q)^T whatever the unlisted share; given a summit, the unlisted venue's share is
exactly ``unlisted_share``. Tolerances are four binomial standard errors.
"""

from __future__ import annotations

import math

import pytest

from sim.analysis.zone import analyse_zone
from sim.engine.inputs import compile_inputs
from sim.errors import ScenarioError
from sim.execution.runner import simulate
from sim.scenario.loader import scenario_from_document

RUNS = 100_000
SHARE = 0.25


def sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


def document(share: float = SHARE) -> dict:
    """g and h on the table every round; e stands for a venue not on the list and is the
    venue a likes best (so a counter-proposal would pick it if it were listed)."""
    return dict(
        name="elsewhere", title="an unlisted venue",
        time=dict(start="2026-01-01", horizon_rounds=6),
        venues={"g": dict(name="G", country="X"), "h": dict(name="H", country="Y"),
                "e": dict(name="Elsewhere", country="-", unlisted_share=share)},
        actors={
            "a": dict(role="principal", name="A", readiness=-1.0, venues={"g": 0.5, "h": 0.0, "e": 3.0},
                      counter_propose=True),
            "b": dict(role="principal", name="B", readiness=-0.5, venues={"g": 0.0, "h": 0.5},
                      counter_propose=False),
            "k": dict(role="mediator", name="K", leverage={"a": 0.5, "b": 0.5}, proposes=["g", "h"],
                      strategy="rotate", proposals_per_round=2),
        },
        preparation=dict(rounds=0, collapse_risk=0.0),
    )


def test_unlisted_share_of_summits_matches_its_closed_form():
    j_g = sigmoid(-1.0 + 0.5 + 0.5) * sigmoid(-0.5 + 0.0 + 0.5)
    j_h = sigmoid(-1.0 + 0.0 + 0.5) * sigmoid(-0.5 + 0.5 + 0.5)
    q = 1 - (1 - j_g) * (1 - j_h)
    expected = 1 - (1 - q) ** 6
    summary = simulate(scenario_from_document(document()), runs=RUNS, seed=9).summary
    assert abs(summary.p_summit.value - expected) <= 4 * math.sqrt(expected * (1 - expected) / RUNS)
    given = summary.venue_given_summit["e"]
    assert abs(given.value - SHARE) <= 4 * math.sqrt(SHARE * (1 - SHARE) / given.trials)


def test_the_unlisted_venue_is_never_a_favourite_and_is_reported_as_such():
    scenario = scenario_from_document(document())
    inputs = compile_inputs(scenario)
    assert inputs.favourite[0] == inputs.venues.index("g")  # e's utility 3.0 does not count
    zone = analyse_zone(scenario)
    assert zone.reachable == ("g", "h")
    assert zone.explanation().endswith("Standing for a venue not on the list: e (25% of agreed summits).")
    listed = compile_inputs(scenario_from_document(document(0.0)))  # e an ordinary venue again
    assert listed.favourite[0] == listed.venues.index("e")


@pytest.mark.parametrize("change, message", [
    (lambda d: d["actors"]["k"]["proposes"].append("e"), r"actors\.k\.proposes\.2: 'e' stands for a venue not on the list"),
    (lambda d: d["actors"]["b"].update(red_lines=["e"]), r"actors\.b\.red_lines\.0: 'e' stands for a venue not"),
    (lambda d: d["venues"]["h"].update(unlisted_share=0.1), r"venues\.e\.unlisted_share: only one venue may stand for a venue not on the list; h already"),
])
def test_the_unlisted_venue_cannot_be_proposed_red_lined_or_doubled(change, message):
    doc = document()
    change(doc)
    with pytest.raises(ScenarioError, match=message):
        scenario_from_document(doc)
