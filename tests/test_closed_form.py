"""The engine against closed forms: the statistical heart of the test suite.

In a stripped-down scenario — constant pressure, one venue every principal can accept, no
events, no run-to-run spread, a mediator that never loses patience — every negotiating
round is an independent trial: both principals accept the venue with

    p_i = 1 / (1 + exp(-sharpness_i * (readiness_i + u_i + sensitivity_i * leverage_i * P)))

so a summit is agreed with q = p_a * p_b per round and, without preparation,

    P(summit by round t) = 1 - (1 - q)^t.

With preparation (R rounds, collapse risk h per round) the answer follows a small Markov
chain, computed exactly below. A user relies on these numbers: a scenario's parameters
mean what the model documentation says they mean, and the Monte Carlo converges to them.

Tolerances. Each check compares an estimate p_hat from n runs with the exact p and allows
|p_hat - p| <= 4 * sqrt(p (1 - p) / n), four binomial standard errors. The seeds are fixed,
so every test is deterministic (it passes or fails the same way on every machine); four
sigma makes it very unlikely that a *correct* engine with some other seed would fail
(chance about 6e-5 per check), while n is large enough that the bound stays below 0.01,
so an engine that is off by a percentage point — a dropped pressure term, a sharpness
applied twice, a venue counted twice — fails. Each test asserts that the bound is below
0.01 so it cannot pass vacuously.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest

from sim.engine.inputs import compile_inputs
from sim.scenario.loader import scenario_from_document
from sim.execution.runner import simulate
from sim.analysis.zone import analyse_zone

RUNS = 200_000
SEED = 20260128
MAX_TOLERANCE = 0.01
START = dt.date(2026, 2, 1)


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def tolerance(p: float, n: int) -> float:
    """Four binomial standard errors (see the module docstring)."""
    bound = 4 * math.sqrt(p * (1 - p) / n)
    assert bound < MAX_TOLERANCE, "the test would pass vacuously: use more runs"
    return bound


def last_day_of_round(t: int, round_days: int = 7) -> dt.date:
    return START + dt.timedelta(days=t * round_days - 1)


# Parameters chosen so that every term of the formula matters: sharpness, utility from an
# explicit value and from weights, sensitivity, leverage and pressure all differ from 1.
ZELENSKY = dict(readiness=-1.0, sharpness=1.3, sensitivity=0.8, leverage=1.2, utility=0.5)
PUTIN = dict(readiness=-3.0, sharpness=0.9, sensitivity=1.5, leverage=0.4, utility=0.3)
PRESSURE = 1.5


def acceptance(actor: dict, pressure: float = PRESSURE) -> float:
    score = actor["readiness"] + actor["utility"] + actor["sensitivity"] * actor["leverage"] * pressure
    return sigmoid(actor["sharpness"] * score)


def closed_form_document(rounds: int, milestones: list[int], *, prep_rounds: int = 0,
                         collapse_risk: float = 0.0) -> dict:
    """The stripped-down scenario. Geneva is the only venue acceptable to both; each
    principal counter-proposes its own capital, which the other has as a red line, so
    those table entries can never be agreed and must not change the answer."""
    return {
        "name": "closed_form",
        "title": "Closed-form check",
        "time": {
            "start": START.isoformat(),
            "round_days": 7,
            "horizon_rounds": rounds,
            "milestones": [last_day_of_round(t).isoformat() for t in milestones],
        },
        "venues": {
            "geneva": {"name": "Geneva", "country": "Switzerland", "neutral": True},
            "moscow": {"name": "Moscow", "country": "Russia", "host": "putin"},
            "kyiv": {"name": "Kyiv", "country": "Ukraine", "host": "zelensky"},
        },
        "actors": {
            "zelensky": {
                "role": "principal", "name": "Zelensky",
                "readiness": ZELENSKY["readiness"], "sharpness": ZELENSKY["sharpness"],
                "pressure_sensitivity": ZELENSKY["sensitivity"],
                "venue_weights": {"own_ground": 2.0},
                "venues": {"geneva": ZELENSKY["utility"]},  # explicit utility
                "red_lines": ["moscow"],
                "counter_propose": True,  # favourite: kyiv (own ground, 2.0)
            },
            "putin": {
                "role": "principal", "name": "Putin",
                "readiness": PUTIN["readiness"], "sharpness": PUTIN["sharpness"],
                "pressure_sensitivity": PUTIN["sensitivity"],
                "venue_weights": {"own_ground": 1.0, "neutral": PUTIN["utility"]},  # from weights
                "red_lines": ["kyiv"],
                "counter_propose": True,  # favourite: moscow
            },
            "trump": {
                "role": "mediator", "name": "Trump",
                "pressure": {"start": PRESSURE, "growth": 0.0, "cap": 5.0},
                "leverage": {"zelensky": ZELENSKY["leverage"], "putin": PUTIN["leverage"]},
                "proposes": ["geneva"],
                "strategy": "best",
            },
        },
        "preparation": {"rounds": prep_rounds, "collapse_risk": collapse_risk},
        "simulation": {"runs": RUNS, "seed": SEED},
    }


def check(estimate, p: float, what: str) -> None:
    bound = tolerance(p, estimate.trials)
    assert abs(estimate.value - p) <= bound, (
        f"{what}: simulated {estimate.value:.5f} vs exact {p:.5f} (allowed +-{bound:.5f})"
    )


def test_per_round_acceptance_matches_the_formula():
    """The model's own round-1 acceptance (as `sim explain` shows it) is the formula's p_i."""
    scenario = scenario_from_document(closed_form_document(12, []))
    zone = analyse_zone(scenario)
    geneva = next(s for s in zone.standings if s.venue == "geneva")
    assert geneva.first_round_acceptance["zelensky"] == pytest.approx(acceptance(ZELENSKY), rel=1e-12)
    assert geneva.first_round_acceptance["putin"] == pytest.approx(acceptance(PUTIN), rel=1e-12)
    assert zone.reachable == ("geneva",)


def test_probability_of_summit_and_its_curve_match_the_closed_form():
    """P(summit by round t) = 1 - (1 - p_a p_b)^t at several rounds and at the horizon."""
    rounds, milestones = 12, [1, 3, 6, 9]
    scenario = scenario_from_document(closed_form_document(rounds, milestones))
    result = simulate(scenario, workers=1)
    summary = result.summary
    q = acceptance(ZELENSKY) * acceptance(PUTIN)
    assert 0.05 < q < 0.3  # a curve that actually rises over the horizon

    assert summary.runs == RUNS
    check(summary.p_summit, 1 - (1 - q) ** rounds, "P(summit by horizon)")
    reported = dict(summary.by_date)
    for t in milestones + [rounds]:
        check(reported[last_day_of_round(t)], 1 - (1 - q) ** t, f"P(summit by round {t})")
    # Every summit is at Geneva; the red-lined counter-proposals are never agreed.
    assert summary.venue_share["geneva"].count == summary.p_summit.count
    # The distribution of the summit round is geometric: check each round's share too.
    by_round = result.tally.held.sum(axis=1)
    for t in (1, 2, 5):
        p_t = (1 - q) ** (t - 1) * q
        observed = by_round[t] / RUNS
        assert abs(observed - p_t) <= tolerance(p_t, RUNS), f"P(summit in round {t})"


def test_milestones_translate_dates_to_rounds():
    """A milestone in the middle of a round counts every round that opened by that date."""
    doc = closed_form_document(12, [])
    doc["time"]["milestones"] = [(START + dt.timedelta(days=17)).isoformat()]  # in round 3
    scenario = scenario_from_document(doc)
    result = simulate(scenario, runs=50_000, seed=SEED, workers=1)
    q = acceptance(ZELENSKY) * acceptance(PUTIN)
    (day, estimate), *_ = result.summary.by_date
    assert day == START + dt.timedelta(days=17)
    check(estimate, 1 - (1 - q) ** 3, "P(summit by a date inside round 3)")


@pytest.mark.parametrize("with_mediator", [True, False], ids=["mediator-too", "principals-only"])
def test_same_venue_on_the_table_twice_counts_once(with_mediator):
    """When several actors put the same venue forward it is one table entry, decided once
    per round: the closed form is unchanged (a double count would be 1 - (1 - q)^(kT))."""
    rounds = 8
    doc = closed_form_document(rounds, [2, 4])
    doc["actors"]["zelensky"]["venues"] = {"geneva": 1.0, "kyiv": 0.5}  # favourite: geneva
    doc["actors"]["putin"]["venues"] = {"geneva": 1.0, "moscow": 0.5}  # favourite: geneva
    pressure = PRESSURE
    if not with_mediator:
        del doc["actors"]["trump"]
        pressure = 0.0
    scenario = scenario_from_document(doc)
    inputs = compile_inputs(scenario)
    assert (inputs.favourite == inputs.venues.index("geneva")).all()

    p_z = acceptance({**ZELENSKY, "utility": 1.0}, pressure)
    p_p = acceptance({**PUTIN, "utility": 1.0}, pressure)
    q = p_z * p_p
    outcomes = []
    result = simulate(scenario, runs=100_000, seed=SEED, workers=1,
                      on_outcome=lambda first, outcome: outcomes.append(outcome))
    check(result.summary.p_summit, 1 - (1 - q) ** rounds, "P(summit) with a deduplicated venue")
    for day, estimate in result.summary.by_date:
        t = (day - START).days // 7 + 1
        check(estimate, 1 - (1 - q) ** t, f"P(summit by round {t})")
    # One table entry per negotiating round: at most one rejection per round.
    rejected = np.concatenate([o.rejected for o in outcomes])
    assert rejected.max() <= rounds


def held_curve(q: float, prep_rounds: int, risk: float, rounds: int) -> tuple[list[float], float]:
    """Exact P(summit held by round t), t = 0..rounds, and P(in preparation at the horizon).

    The chain the model documents: a negotiating run agrees with probability q per round.
    An agreement in round t puts the run in preparation; in each of rounds t+1..t+R it
    collapses with probability h, else the summit is held in round t+R. A run that
    collapses negotiates again from the next round (the collapse round itself had no
    proposals for it, since it was in preparation when the venues were put forward).
    """
    negotiating = 1.0
    preparing = [0.0] * (prep_rounds + 1)  # preparing[k]: k preparation rounds left
    held = 0.0
    curve = [0.0]
    for _ in range(rounds):
        collapsed = 0.0
        after = [0.0] * (prep_rounds + 1)
        for left in range(1, prep_rounds + 1):
            collapsed += preparing[left] * risk
            survive = preparing[left] * (1 - risk)
            if left == 1:
                held += survive
            else:
                after[left - 1] += survive
        agreed = negotiating * q
        if prep_rounds == 0:
            held += agreed
        else:
            after[prep_rounds] += agreed
        negotiating = negotiating - agreed + collapsed
        preparing = after
        curve.append(held)
    return curve, sum(preparing)


def test_held_curve_reduces_to_the_simple_closed_forms():
    """Sanity of the exact chain: no preparation gives 1-(1-q)^t; no collapse shifts it by R."""
    q = 0.13
    curve, pending = held_curve(q, 0, 0.4, 10)
    assert curve == pytest.approx([1 - (1 - q) ** t for t in range(11)], abs=1e-15)
    assert pending == 0.0
    curve, pending = held_curve(q, 3, 0.0, 10)
    assert curve == pytest.approx([0, 0, 0] + [1 - (1 - q) ** (t - 3) for t in range(3, 11)], abs=1e-15)
    assert pending == pytest.approx((1 - q) ** 7 - (1 - q) ** 10)


def test_preparation_and_collapse_match_the_exact_chain():
    """With R preparation rounds and collapse risk h, P(held by t) follows the renewal chain;
    it is at least P(agreed by t - R) * (1 - h)^R, the chance the first agreement survives."""
    rounds, prep, risk = 15, 2, 0.2
    milestones = [3, 6, 10]
    scenario = scenario_from_document(
        closed_form_document(rounds, milestones, prep_rounds=prep, collapse_risk=risk)
    )
    result = simulate(scenario, workers=1)
    summary = result.summary
    q = acceptance(ZELENSKY) * acceptance(PUTIN)
    curve, pending = held_curve(q, prep, risk, rounds)

    check(summary.p_summit, curve[rounds], "P(held by horizon)")
    reported = dict(summary.by_date)
    for t in milestones:
        check(reported[last_day_of_round(t)], curve[t], f"P(held by round {t})")
        first_survives = (1 - (1 - q) ** (t - prep)) * (1 - risk) ** prep
        assert curve[t] >= first_survives - 1e-15
    # The exact chain is measurably above the first-agreement bound, and the engine agrees:
    # collapsed agreements are renegotiated.
    lower = (1 - (1 - q) ** (rounds - prep)) * (1 - risk) ** prep
    assert curve[rounds] - lower > 3 * tolerance(curve[rounds], RUNS)
    check(summary.reason_share["in_preparation"], pending, "P(in preparation at the horizon)")
    assert summary.by_date[0][1].count == result.tally.held[: 3 + 1].sum()
    assert result.tally.held[1:prep + 1].sum() == 0  # nothing can be held before round R+1


def test_two_venues_on_the_table_follow_table_order():
    """With two venues on the table every round, h = 1 - (1 - J1)(1 - J2), and the first
    slot wins when both are accepted: P(at v1 by T) = J1/h * (1 - (1 - h)^T),
    P(at v2 by T) = (1 - J1) J2/h * (1 - (1 - h)^T)."""
    rounds = 6
    doc = closed_form_document(rounds, [])
    doc["venues"]["istanbul"] = {"name": "Istanbul", "country": "Turkey", "neutral": True}
    doc["actors"]["zelensky"]["venues"] = {"geneva": 0.5, "istanbul": -0.5}
    doc["actors"]["trump"].update(proposes=["istanbul", "geneva"], strategy="ordered", proposals_per_round=2)
    doc["actors"]["zelensky"]["counter_propose"] = False
    doc["actors"]["putin"]["counter_propose"] = False
    scenario = scenario_from_document(doc)
    j_istanbul = acceptance({**ZELENSKY, "utility": -0.5}) * acceptance(PUTIN)
    j_geneva = acceptance(ZELENSKY) * acceptance(PUTIN)
    h = 1 - (1 - j_istanbul) * (1 - j_geneva)
    reached = 1 - (1 - h) ** rounds
    summary = simulate(scenario, runs=RUNS, seed=SEED, workers=1).summary
    check(summary.p_summit, reached, "P(summit) with two venues on the table")
    check(summary.venue_share["istanbul"], j_istanbul / h * reached, "P(summit at the first slot's venue)")
    check(summary.venue_share["geneva"], (1 - j_istanbul) * j_geneva / h * reached, "P(summit at the second)")


def test_impatient_mediator_closed_form():
    """A mediator with patience P pushes for P failed rounds, then disengages for good; the
    principals' counter-proposals keep the venue on the table. So
    P(summit by T) = 1 - (1 - q_pushed)^P (1 - q_alone)^(T - P)."""
    rounds, patience = 10, 3
    doc = closed_form_document(rounds, [patience, 6])
    doc["actors"]["zelensky"]["venues"] = {"geneva": 1.0, "kyiv": 0.5}  # favourite: geneva
    doc["actors"]["putin"]["venues"] = {"geneva": 1.0, "moscow": 0.5}  # favourite: geneva
    doc["actors"]["trump"]["patience"] = patience
    scenario = scenario_from_document(doc)
    pushed = acceptance({**ZELENSKY, "utility": 1.0}) * acceptance({**PUTIN, "utility": 1.0})
    alone = acceptance({**ZELENSKY, "utility": 1.0}, 0.0) * acceptance({**PUTIN, "utility": 1.0}, 0.0)
    assert pushed - alone > 0.05

    def expected(t: int) -> float:
        return 1 - (1 - pushed) ** min(t, patience) * (1 - alone) ** max(t - patience, 0)

    summary = simulate(scenario, runs=RUNS, seed=SEED, workers=1).summary
    check(summary.p_summit, expected(rounds), "P(summit) with an impatient mediator")
    for day, estimate in summary.by_date:
        t = (day - START).days // 7 + 1
        check(estimate, expected(t), f"P(summit by round {t}) with an impatient mediator")
