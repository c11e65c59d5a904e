"""The logit proposal choice (eq. 7'') as a forecast should be: continuous and monotone.

Two properties a user relies on when reading venue shares and sweeping a utility, checked
on the base scenario (its mediator switched to ``logit``) and on random scenarios:

- a small change ``delta`` in one principal's utility of one venue moves every venue's
  share of all runs by a small, bounded amount: at most ``rationality * sharpness *
  delta / 4``, the bound (7'') puts on each round's choice probabilities, plus Monte
  Carlo noise;
- raising a principal's utility for a venue never lowers P(summit) beyond Monte Carlo
  noise.

The same checks fail for ``best`` at base's knife edge, which is why they are worth
running. Every scenario pair runs on the same seed (common random numbers); the
tolerances are four standard errors of an unpaired difference, so they hold with room.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.execution.runner import simulate
from sim.scenario.loader import load_document, scenario_from_document
from sim.scenario.parameters import with_values

from conftest import BASE, BASE_2026_01

RUNS = 20_000
RATIONALITY = 2.0


def noise(p: float, runs: int = RUNS) -> float:
    """Four standard errors of the difference of two proportions near ``p``."""
    return 4 * math.sqrt(2 * max(p * (1 - p), 1 / runs) / runs)


def shares(scenario) -> tuple[float, dict[str, float]]:
    summary = simulate(scenario, runs=RUNS, seed=11, workers=1).summary
    return summary.p_summit.value, {v: e.value for v, e in summary.venue_share.items()}


def base_with(strategy: str):
    document = load_document(BASE)
    document["actors"]["trump"].update(strategy=strategy, rationality=RATIONALITY)
    return scenario_from_document(document)


def random_scenario(seed: int):
    """Two principals, five venues with random utilities (one red line each side), one
    logit mediator proposing four of them, random leverage; one principal counter-proposes."""
    rng = np.random.default_rng(seed)
    venues = [f"v{j}" for j in range(5)]
    actors = {}
    for name, red in (("a", "v0"), ("b", "v1")):
        actors[name] = dict(
            role="principal", name=name.upper(), readiness=float(rng.uniform(-3.0, -1.0)),
            venues={v: round(float(rng.uniform(-2.5, 1.0)), 3) for v in venues if v != red},
            red_lines=[red], counter_propose=name == "a", sharpness=round(float(rng.uniform(0.7, 1.3)), 3),
        )
    actors["m"] = dict(
        role="mediator", name="M", leverage={"a": float(rng.uniform(0, 1)), "b": float(rng.uniform(0, 1))},
        proposes=list(rng.permutation(venues)[:4]), strategy="logit", rationality=RATIONALITY,
    )
    return scenario_from_document(dict(
        name=f"random{seed}", title="random", time=dict(start="2026-01-01", horizon_rounds=30),
        venues={v: dict(name=v, country=v) for v in venues}, actors=actors,
        preparation=dict(rounds=1, collapse_risk=0.1),
    ))


def perturbations(scenario, delta: float):
    """(path, sharpness, before, after): one finite utility of each principal, moved by delta."""
    for pid, principal in scenario.principals.items():
        vid, value = sorted(principal.venues.items())[-1]
        yield f"actors.{pid}.venues.{vid}", principal.sharpness, value, min(value + delta, 50.0)


CASES = [pytest.param(lambda: base_with("logit"), id="base")] + [
    pytest.param(lambda seed=seed: random_scenario(seed), id=f"random{seed}") for seed in range(4)
]


@pytest.mark.parametrize("make", CASES)
def test_small_utility_change_moves_every_share_a_little(make):
    scenario = make()
    delta = 0.1
    p, before = shares(scenario)
    for path, sharpness, value, new in perturbations(scenario, delta):
        _, after = shares(with_values(scenario, {path: new}))
        bound = RATIONALITY * sharpness * (new - value) / 4
        for venue in before:
            assert abs(after[venue] - before[venue]) <= bound + noise(before[venue]), (path, venue)


@pytest.mark.parametrize("make", CASES)
def test_liking_a_venue_more_never_lowers_p_summit(make):
    scenario = make()
    p, _ = shares(scenario)
    for path, _, value, new in perturbations(scenario, 0.5):
        higher, _ = shares(with_values(scenario, {path: new}))
        assert higher >= p - noise(p), path


def test_best_fails_both_properties_at_the_knife_edge():
    """Moscow's utility for Washington from -1.6 to -1.5 moves base's `best` mediator
    from Istanbul to Washington in every run: shares jump, P(summit) falls (on base as it
    stood before issue 11, whose single `best` mediator had exactly this knife edge)."""
    document = load_document(BASE_2026_01)
    document["actors"]["trump"].update(strategy="best")
    scenario = scenario_from_document(document)
    low = with_values(scenario, {"actors.putin.venues.washington": -1.6})
    high = with_values(scenario, {"actors.putin.venues.washington": -1.5})
    (p_low, s_low), (p_high, s_high) = shares(low), shares(high)
    assert abs(s_high["istanbul"] - s_low["istanbul"]) > RATIONALITY * 0.1 / 4 + noise(s_low["istanbul"])
    assert p_high < p_low - noise(p_low)
