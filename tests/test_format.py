"""Eq. (9): who attends a summit, decided per agreement, checked against closed forms.

A mediator with ``join_probability`` j joins an agreed summit with probability
pi = sigma(logit(j) + sum_i w_i), the w_i being the principals' ``presence`` preferences
for it; a ``third_party`` venue brings its own party (its host if a mediator, else an
unnamed ``third_party``). Given a summit at a plain venue the format is ``with_k`` with
probability pi, else ``bilateral``; at a third-party venue with an unnamed party it is
``multilateral`` with probability pi, else ``with_third_party``. Tolerances are four
binomial standard errors of the counts they are shares of.
"""

from __future__ import annotations

import math

import pytest

from sim.errors import ScenarioError
from sim.execution.runner import simulate
from sim.scenario.loader import scenario_from_document
from sim.stats import Estimate

RUNS = 100_000


def sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


def document(**mediator) -> dict:
    """Two venues, g plain and h with an unnamed third party; k always engaged."""
    return dict(
        name="format", title="format as an outcome",
        time=dict(start="2026-01-01", horizon_rounds=6),
        venues={"g": dict(name="G", country="X"), "h": dict(name="H", country="Y", third_party=True)},
        actors={
            "a": dict(role="principal", name="A", readiness=-1.0, venues={"g": 0.5, "h": 0.0},
                      counter_propose=False, presence={"k": 1.0}),
            "b": dict(role="principal", name="B", readiness=-0.5, venues={"g": 0.0, "h": 0.5},
                      counter_propose=False, presence={"k": -2.0}),
            "k": dict(role="mediator", name="K", leverage={"a": 0.5, "b": 0.5}, proposes=["g", "h"],
                      strategy="rotate", proposals_per_round=2, **mediator),
        },
        preparation=dict(rounds=0, collapse_risk=0.0),
    )


def within(estimate, expected: float) -> bool:
    return abs(estimate.value - expected) <= 4 * math.sqrt(expected * (1 - expected) / estimate.trials)


def test_join_chance_with_presence_preferences_matches_its_closed_form():
    join = 0.4
    pi = sigmoid(math.log(join / (1 - join)) + 1.0 - 2.0)
    result = simulate(scenario_from_document(document(join_probability=join)), runs=RUNS, seed=3)
    summary = result.summary
    held_g = summary.venue_share["g"].count
    held_h = summary.venue_share["h"].count
    formats = summary.format_of_runs
    assert set(formats) == {"bilateral", "with_k", "with_third_party", "multilateral"}
    # Bilateral and with_k happen only at g, with_third_party and multilateral only at h.
    assert formats["bilateral"].count + formats["with_k"].count == held_g
    assert formats["with_third_party"].count + formats["multilateral"].count == held_h
    assert within(Estimate.of(formats["with_k"].count, held_g), pi)
    assert within(Estimate.of(formats["multilateral"].count, held_h), pi)
    shares = summary.format_share
    assert sum(e.count for e in shares.values()) == summary.p_summit.count


def test_attends_and_certain_joins_draw_nothing_and_cannot_be_refused():
    """``attends: true`` is join probability 1: presence preferences cannot keep it out,
    and no join is drawn, so the runs are those of ``join_probability: 1`` exactly."""
    always = simulate(scenario_from_document(document(attends=True)), runs=20_000, seed=4).summary
    certain = simulate(scenario_from_document(document(join_probability=1.0)), runs=20_000, seed=4).summary
    assert always == certain
    assert set(always.format_of_runs) == {"bilateral", "with_k", "with_third_party", "multilateral"}
    assert always.format_of_runs["bilateral"].count == 0
    assert always.format_of_runs["with_third_party"].count == 0
    never = simulate(scenario_from_document(document()), runs=20_000, seed=4).summary
    assert set(never.format_of_runs) == {"bilateral", "with_third_party"}


def test_attends_and_join_probability_are_exclusive_and_presence_names_mediators():
    with pytest.raises(ScenarioError, match=r"actors\.k\.join_probability: set either attends"):
        scenario_from_document(document(attends=True, join_probability=0.5))
    doc = document()
    doc["actors"]["a"]["presence"] = {"b": 1.0}
    with pytest.raises(ScenarioError, match=r"actors\.a\.presence\.b: unknown mediator 'b'"):
        scenario_from_document(doc)
