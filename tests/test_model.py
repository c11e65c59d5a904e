"""The decision rules of docs/model.md, checked formula by formula and on the engine.

Users read the model's equations and calibrate scenarios against them; these tests make
sure the code computes exactly those equations: acceptance (eq. 2), venue utilities,
scheduled pressure (eq. 3), the mediator's ``best`` proposal (eq. 7), red lines,
preparation and collapse (eq. 4).
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from sim.errors import ScenarioError
from sim.engine.inputs import compile_inputs, scheduled_pressure, venue_utility
from sim.scenario.loader import scenario_from_document
from sim.engine.model import simulate_batch
from sim.engine.outcome import REASONS
from sim.execution.runner import batch_seed, simulate
from sim.engine.acceptance import acceptance_probability
from sim.engine.state import BatchState
from sim.engine.strategies import propose


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


# -- eq. (2): acceptance --------------------------------------------------------------


@pytest.mark.parametrize("sharpness", [0.3, 1.0, 2.5, 20.0])
def test_acceptance_is_the_logistic_of_sharpness_times_score(sharpness):
    """p = 1 / (1 + exp(-b x)) for ordinary scores, as the model documents."""
    scores = np.linspace(-8, 8, 33)
    expected = [1.0 / (1.0 + math.exp(-sharpness * x)) for x in scores]
    np.testing.assert_allclose(acceptance_probability(scores, sharpness), expected, rtol=1e-12, atol=0)


def test_acceptance_reference_values():
    """Score 0 is an even chance; +-2.2 is about 90% / 10%, as the scenario docs say."""
    p = acceptance_probability(np.array([0.0, 2.2, -2.2]), 1.0)
    assert p[0] == 0.5
    assert p[1] == pytest.approx(0.9002495, abs=1e-6)
    assert p[2] == pytest.approx(0.0997505, abs=1e-6)


def test_red_line_acceptance_is_exactly_zero():
    """A score of -inf (a red line) is never accepted, whatever the sharpness."""
    for sharpness in (0.01, 1.0, 20.0):
        assert acceptance_probability(np.array([-np.inf]), sharpness)[0] == 0.0
        assert acceptance_probability(-np.inf, sharpness) == 0.0


def test_acceptance_vectorises_over_principals():
    """Scores and sharpness broadcast element-wise (one sharpness per principal)."""
    p = acceptance_probability(np.array([-np.inf, 3.0]), np.array([2.0, 1.0]))
    assert p[0] == 0.0
    assert p[1] == pytest.approx(sigmoid(3.0), rel=1e-12)


@pytest.mark.parametrize("sharpness", [1e-3, 1.0, 20.0])
def test_acceptance_is_finite_and_silent_for_huge_scores(sharpness):
    """Huge scores give 0 or 1 (never NaN) without floating-point warnings."""
    scores = np.array([1e300, -1e300, 1e6, -1e6, 710.0, -710.0, np.inf, -np.inf])
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        p = acceptance_probability(scores, sharpness)
    assert not np.isnan(p).any()
    assert ((0.0 <= p) & (p <= 1.0)).all()
    assert p[0] == 1.0 and p[2] == 1.0 and p[6] == 1.0
    assert p[1] < 1e-300 and p[3] < 1e-300 and p[7] == 0.0


def test_acceptance_does_not_warn_at_the_largest_floats():
    """Even the largest finite score with the largest sharpness does not overflow-warn."""
    big = np.finfo(float).max
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        p = acceptance_probability(np.array([big, -big]), 20.0)
    assert p[0] == 1.0 and p[1] < 1e-300


def test_huge_leverage_is_refused_or_harmless(document):
    """A scenario that validates never simulates NaN: with zero pressure, leverage is moot."""
    results = []
    for leverage in (1.0, 1e308):
        document["actors"]["trump"]["leverage"] = {"zelensky": 1.0, "putin": leverage}
        document["actors"]["trump"]["pressure"] = {"start": 0.0, "cap": 0.0}
        document["actors"]["putin"]["pressure_sensitivity"] = 10.0
        try:
            scenario = scenario_from_document(document)
        except ScenarioError:
            return  # refusing it is a fine answer
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            results.append(simulate(scenario, runs=2000, seed=3).tally.summits)
    assert results[0] == results[1]


# -- venue utilities ------------------------------------------------------------------


def test_venue_utility_follows_attribute_weights(document):
    """u = own_ground*[host is me] + opponent_ground*[host is the other principal]
    + neutral*[neutral] + third_party*[third party]."""
    document["venues"]["washington"] = {
        "name": "Washington", "country": "US", "host": "trump", "third_party": True,
    }
    document["venues"]["paris"] = {"name": "Paris", "country": "FR", "neutral": True, "third_party": True}
    weights = {"own_ground": 3.0, "opponent_ground": -2.0, "neutral": 0.7, "third_party": -1.1}
    document["actors"]["putin"].update(venue_weights=weights, red_lines=[])
    scenario = scenario_from_document(document)
    putin = scenario.principals["putin"]
    u = {vid: venue_utility(scenario, "putin", putin, vid) for vid in scenario.venues}
    assert u == {
        "moscow": 3.0,  # own ground
        "kyiv": -2.0,  # the other principal's ground
        "geneva": 0.7,  # neutral
        "washington": -1.1,  # a mediator's ground is neither own nor opponent's
        "paris": pytest.approx(0.7 - 1.1),
    }


def test_explicit_venue_utility_overrides_weights(document):
    """An entry in ``venues`` replaces the weighted attributes for that venue only."""
    document["actors"]["putin"].update(
        venue_weights={"own_ground": 3.0, "neutral": -2.0}, venues={"geneva": 0.25}, red_lines=[]
    )
    scenario = scenario_from_document(document)
    putin = scenario.principals["putin"]
    assert venue_utility(scenario, "putin", putin, "geneva") == 0.25
    assert venue_utility(scenario, "putin", putin, "moscow") == 3.0


def test_red_line_beats_explicit_utility(document):
    """A red-lined venue is -inf even if a utility is also given for it."""
    document["actors"]["putin"].update(venues={"kyiv": 10.0}, red_lines=["kyiv"])
    scenario = scenario_from_document(document)
    inputs = compile_inputs(scenario)
    assert venue_utility(scenario, "putin", scenario.principals["putin"], "kyiv") == -np.inf
    assert not inputs.acceptable[inputs.venues.index("kyiv")]
    assert inputs.acceptable[inputs.venues.index("geneva")]


# -- eq. (3): scheduled pressure ------------------------------------------------------


def _pressure(document, **spec):
    document["actors"]["trump"]["pressure"] = spec
    document["time"]["horizon_rounds"] = 12
    scenario = scenario_from_document(document)
    return scheduled_pressure(scenario.mediators["trump"], scenario)


def test_pressure_ramps_linearly_to_its_cap(document):
    """P(t) = min(cap, start + growth*(t-1)) for rounds t = 1..T; column 0 is unused."""
    pressure = _pressure(document, start=1.0, growth=0.25, cap=2.0)
    expected = [0.0] + [min(2.0, 1.0 + 0.25 * (t - 1)) for t in range(1, 13)]
    np.testing.assert_allclose(pressure, expected)
    assert pressure[1] == 1.0 and pressure[5] == 2.0 and pressure[12] == 2.0


def test_constant_pressure_is_capped(document):
    """With no growth the pressure is min(cap, start) in every round."""
    np.testing.assert_allclose(_pressure(document, start=3.0, growth=0.0, cap=1.5)[1:], 1.5)
    np.testing.assert_allclose(_pressure(document, start=0.8, growth=0.0, cap=5.0)[1:], 0.8)


def test_deadline_ramps_up_then_falls_back(document):
    """A deadline adds boost*k/lead in the k-th of its lead rounds, boost on the due round,
    nothing afterwards."""
    deadline = {"date": "2026-03-08", "boost": 2.0, "lead_rounds": 4}  # round 6
    pressure = _pressure(document, start=1.0, growth=0.0, cap=5.0, deadlines=[deadline])
    expected = [0.0, 1, 1, 1.5, 2.0, 2.5, 3.0, 1, 1, 1, 1, 1, 1]
    np.testing.assert_allclose(pressure, expected)


def test_deadline_adds_above_the_cap(document):
    """The cap bounds the ramp, not a deadline's boost on top of it."""
    deadline = {"date": "2026-02-15", "boost": 1.0, "lead_rounds": 1}  # round 3
    pressure = _pressure(document, start=2.0, growth=0.0, cap=2.0, deadlines=[deadline])
    assert pressure[3] == 3.0 and pressure[2] == 2.0 and pressure[4] == 2.0


def test_falling_pressure_never_goes_negative(document):
    """Negative growth lowers the pressure a mediator exerts down to 0, never below."""
    document["actors"]["trump"]["pressure"] = {"start": 1.0, "growth": -0.5, "cap": 5.0}
    document["time"]["horizon_rounds"] = 6
    inputs = compile_inputs(scenario_from_document(document))
    state = BatchState(inputs, 4, np.random.default_rng(0))
    exerted = []
    for t in range(1, 7):
        state.set_pressure(0, t)
        exerted.append(state.pressure[0].copy())
    np.testing.assert_allclose(np.array(exerted), np.repeat([[1.0], [0.5], [0.0], [0.0], [0.0], [0.0]], 4, axis=1))


# -- eq. (7): the mediator's "best" proposal -------------------------------------------


def _three_venue_document(document):
    """Zelensky likes a, Putin likes c, b is the compromise; nobody counter-proposes."""
    document["venues"] = {
        "a": {"name": "A", "country": "X"},
        "b": {"name": "B", "country": "X"},
        "c": {"name": "C", "country": "X"},
    }
    document["actors"]["zelensky"].update(
        readiness=0.0, venues={"a": 3.0, "b": 0.5, "c": -3.0}, red_lines=[], counter_propose=False
    )
    document["actors"]["putin"].update(
        readiness=0.0, venues={"a": -3.0, "b": 0.5, "c": 3.0}, red_lines=[], counter_propose=False
    )
    document["actors"]["trump"].update(proposes=["a", "c", "b"], strategy="best", leverage={})
    return document


def _state_after_proposals(inputs, size, seed=1):
    """A batch state after round 1's assessments and the mediator's proposals."""
    state = BatchState(inputs, size, np.random.default_rng(seed))
    state.set_pressure(0, 1)
    for i in range(len(inputs.principals)):
        state.assess(i, 1)
    propose(state, 0, 1)
    return state


def test_best_strategy_proposes_highest_joint_acceptance(document):
    """``best`` puts forward the venue maximising prod_i p_iv, not anyone's favourite."""
    inputs = compile_inputs(scenario_from_document(_three_venue_document(document)))
    state = _state_after_proposals(inputs, 50)
    assert (state.slots[0] == inputs.venues.index("b")).all()


def test_best_strategy_ranks_several_proposals(document):
    """With two proposals per round, the two best venues go on the table, best first."""
    doc = _three_venue_document(document)
    doc["actors"]["zelensky"]["venues"]["a"] = 2.0  # now c beats a for second place
    doc["actors"]["trump"]["proposals_per_round"] = 2
    inputs = compile_inputs(scenario_from_document(doc))
    joint = {
        vid: sigmoid(inputs.utility[0, v]) * sigmoid(inputs.utility[1, v])
        for v, vid in enumerate(inputs.venues)
    }
    assert sorted(joint, key=joint.get, reverse=True)[:2] == ["b", "c"]
    state = _state_after_proposals(inputs, 10)
    assert (state.slots[0] == inputs.venues.index("b")).all()
    assert (state.slots[1] == inputs.venues.index("c")).all()


def test_best_strategy_is_chosen_per_run(document):
    """With run-to-run readiness, each run gets the venue best for its own principals."""
    doc = _three_venue_document(document)
    doc["actors"]["zelensky"].update(readiness_sd=3.0, venues={"a": 2.0, "b": 0.0, "c": -1.0})
    doc["actors"]["putin"].update(readiness_sd=3.0, venues={"a": -1.0, "b": 0.0, "c": 2.0})
    inputs = compile_inputs(scenario_from_document(doc))
    state = _state_after_proposals(inputs, 2000, seed=11)
    joint = np.ones((len(inputs.venues), state.size))
    for i in range(len(inputs.principals)):
        score = state.situation[i][None, :] + inputs.utility[i][:, None]
        joint *= acceptance_probability(score, inputs.sharpness[i])
    expected = np.argmax(joint, axis=0)
    assert len(set(expected.tolist())) > 1  # the test covers runs with different answers
    np.testing.assert_array_equal(state.slots[0], expected)


def test_best_strategy_end_to_end(document):
    """Without counter-proposals every summit is held at the compromise venue."""
    doc = _three_venue_document(document)
    result = simulate(scenario_from_document(doc), runs=3000, seed=5)
    assert result.summary.venue_share["b"].count == result.tally.summits > 0


# -- red lines, preparation and collapse ------------------------------------------------


def _outcomes(document, runs=10_000, seed=0, observer=None):
    inputs = compile_inputs(scenario_from_document(document))
    return inputs, simulate_batch(inputs, batch_seed(seed, 0), runs, observer)


def test_red_lined_venue_is_never_held_even_when_proposed(document):
    """A venue on any principal's red line never hosts a summit, however eager everyone is."""
    document["venues"]["istanbul"] = {"name": "Istanbul", "country": "TR", "neutral": True}
    document["actors"]["zelensky"].update(readiness=50.0, red_lines=["geneva"], venues={"geneva": 50.0})
    document["actors"]["putin"].update(readiness=50.0, red_lines=[], venues={"geneva": 50.0})
    document["actors"]["trump"].update(proposes=["geneva", "istanbul"], strategy="ordered", proposals_per_round=2)
    inputs, outcome = _outcomes(document, runs=2000)
    assert outcome.held.all()
    assert (outcome.venue == inputs.venues.index("istanbul")).all()


def test_base_scenario_never_meets_behind_a_red_line(base_result):
    """In the shipped base scenario no summit is held at a venue someone has ruled out
    (Moscow, Kyiv), although those venues are counter-proposed every round."""
    result, outcomes = base_result
    scenario = result.scenario
    red_lined = {vid for p in scenario.principals.values() for vid in p.red_lines}
    assert red_lined
    assert red_lined == {vid for k, vid in enumerate(result.inputs.venues) if not result.inputs.acceptable[k]}
    held_venues = {result.inputs.venues[v] for o in outcomes for v in o.venue[o.held].tolist()}
    assert held_venues and not held_venues & red_lined
    for vid in red_lined:
        assert result.summary.venue_share[vid].count == 0


def test_outcome_records_are_consistent(base_result):
    """Each run record agrees with itself: a venue and round iff held, reason 'held' iff held."""
    _, outcomes = base_result
    for o in outcomes:
        assert ((o.venue >= 0) == o.held).all()
        assert ((o.round > 0) == o.held).all()
        assert ((o.reason == REASONS.index("held")) == o.held).all()
        assert ((o.format > 0) == o.held).all()


@pytest.fixture(scope="module")
def base_result(base_yaml):
    from sim.scenario.loader import load_scenario

    outcomes = []
    result = simulate(load_scenario(base_yaml), runs=20_000, seed=1, on_outcome=lambda first, o: outcomes.append(o))
    return result, outcomes


def test_without_preparation_summit_round_is_agreement_round(document):
    """preparation.rounds = 0: the summit is held in the round it is agreed."""
    document["preparation"] = {"rounds": 0, "collapse_risk": 0.5}
    agreed_in = np.zeros(5000, dtype=np.int64)

    def observe(t, state):
        new = state.agreed_now & (agreed_in == 0)
        agreed_in[new] = t

    _, outcome = _outcomes(document, runs=5000, observer=observe)
    assert outcome.held.any() and not outcome.held.all()
    np.testing.assert_array_equal(outcome.round, agreed_in)
    assert (outcome.collapses == 0).all()  # nothing to collapse without preparation


def test_preparation_delays_summit_by_its_rounds(document):
    """With R preparation rounds and no collapse risk, the summit is R rounds after agreement."""
    document["preparation"] = {"rounds": 3, "collapse_risk": 0.0}
    agreed_in = np.zeros(5000, dtype=np.int64)

    def observe(t, state):
        new = state.agreed_now & (agreed_in == 0)
        agreed_in[new] = t

    _, outcome = _outcomes(document, runs=5000, observer=observe)
    held = outcome.held
    assert held.any()
    np.testing.assert_array_equal(outcome.round[held], agreed_in[held] + 3)
    late = (agreed_in > 10 - 3)  # agreed too late to be held within 10 rounds
    assert (outcome.reason[late] == REASONS.index("in_preparation")).all()


@pytest.mark.parametrize("rounds, collapses, reason", [(10, 5, "collapsed"), (9, 4, "in_preparation")])
def test_certain_collapse_means_no_summit(document, rounds, collapses, reason):
    """collapse_risk = 1: every agreement collapses; runs end 'collapsed' or 'in_preparation'."""
    document["time"]["horizon_rounds"] = rounds
    document["actors"]["zelensky"]["readiness"] = 50.0
    document["actors"]["putin"]["readiness"] = 50.0
    document["preparation"] = {"rounds": 2, "collapse_risk": 1.0}
    _, outcome = _outcomes(document, runs=2000)
    assert not outcome.held.any()
    # Agreed in rounds 1, 3, 5, 7, 9; each collapses in the next round, which is lost to
    # negotiation (nothing was on the table for a run in preparation). An agreement in
    # the last round is still in preparation at the horizon.
    assert (outcome.collapses == collapses).all()
    assert (outcome.reason == REASONS.index(reason)).all()


def test_collapses_happen_at_the_configured_rate(document):
    """With certain agreement in round 1 and one preparation round, P(collapse) = h."""
    h = 0.3
    document["time"]["horizon_rounds"] = 2
    document["actors"]["zelensky"]["readiness"] = 50.0
    document["actors"]["putin"]["readiness"] = 50.0
    document["preparation"] = {"rounds": 1, "collapse_risk": h}
    result = simulate(scenario_from_document(document), runs=100_000, seed=9)
    n = result.runs
    tolerance = 4 * math.sqrt(h * (1 - h) / n)
    assert tolerance < 0.01
    collapsed = result.summary.reason_share["collapsed"]
    assert abs(collapsed.value - h) <= tolerance
    assert result.summary.p_summit.count + collapsed.count == n  # held in round 2 or collapsed
    assert result.summary.rounds_quantiles["q50"] == 2
    assert result.summary.p_any_collapse.count == collapsed.count


def test_empty_zone_gives_no_acceptable_venue(document):
    """When every venue is someone's red line, P = 0 and every run says why."""
    document["actors"]["zelensky"]["red_lines"] = ["moscow", "geneva"]
    inputs, outcome = _outcomes(document, runs=1000)
    assert inputs.zone_empty
    assert not outcome.held.any()
    assert (outcome.reason == REASONS.index("no_acceptable_venue")).all()


def test_best_strategy_breaks_ties_by_list_order(document):
    """Venues with equal joint acceptance go to the one listed first in ``proposes``."""
    doc = _three_venue_document(document)
    for pid in ("zelensky", "putin"):
        doc["actors"][pid]["venues"] = {"a": 0.0, "b": 0.0, "c": 0.0}
    doc["actors"]["trump"]["proposes"] = ["c", "a", "b"]
    inputs = compile_inputs(scenario_from_document(doc))
    state = _state_after_proposals(inputs, 10)
    assert (state.slots[0] == inputs.venues.index("c")).all()


def test_best_strategy_ranks_red_lined_venues_last(document):
    """A red-lined venue has joint acceptance 0: put up only when nothing else is left."""
    doc = _three_venue_document(document)
    doc["actors"]["putin"]["red_lines"] = ["b"]
    doc["actors"]["trump"]["proposals_per_round"] = 3
    inputs = compile_inputs(scenario_from_document(doc))
    state = _state_after_proposals(inputs, 10)
    assert (state.slots[2] == inputs.venues.index("b")).all()


@pytest.mark.parametrize("width", [1, 2])
def test_best_strategy_with_every_listed_venue_red_lined_puts_up_the_first_listed(document, width):
    """When no listed venue can be accepted, all tie at probability 0 and the first
    ``width`` listed go on the table, where they are never agreed."""
    doc = _three_venue_document(document)
    doc["actors"]["putin"]["red_lines"] = ["a", "b", "c"]
    doc["actors"]["trump"].update(proposes=["c", "b", "a"], proposals_per_round=width)
    inputs = compile_inputs(scenario_from_document(doc))
    state = _state_after_proposals(inputs, 10)
    for slot, venue in enumerate(["c", "b"][:width]):
        assert (state.slots[slot] == inputs.venues.index(venue)).all()
        assert np.isinf(state.probability[slot]).all()


def _engagement(document, patience, pause, rounds):
    """Rounds in which the mediator is engaged, in a scenario where nothing is ever agreed."""
    document["time"]["horizon_rounds"] = rounds
    document["actors"]["zelensky"]["readiness"] = -50.0
    document["actors"]["trump"].update(patience=patience, pause_rounds=pause)
    engaged = []

    def observe(t, state):
        if state.engaged[0].all():
            engaged.append(t)
        else:
            assert not state.engaged[0].any()  # every run fails alike here

    _, outcome = _outcomes(document, runs=100, observer=observe)
    assert not outcome.held.any()
    return engaged


def test_patience_without_pause_disengages_for_good(document):
    """After ``patience`` failed rounds the mediator is gone for the rest of the run."""
    assert _engagement(document, patience=3, pause=None, rounds=10) == [1, 2, 3]


def test_pause_lasts_pause_rounds(document):
    """pause_rounds = Q means Q rounds without the mediator, as the schema describes it."""
    assert _engagement(document, patience=2, pause=3, rounds=12) == [1, 2, 6, 7, 11, 12]
    assert _engagement(document, patience=2, pause=1, rounds=6) == [1, 2, 4, 5]


def _first_rounds(document, runs, rounds, **mediator):
    """Per run: the first round the mediator is away, and the first round it is back."""
    document["time"]["horizon_rounds"] = rounds
    document["actors"]["zelensky"]["readiness"] = -50.0  # nothing is ever agreed
    document["actors"]["trump"].update(mediator)
    away = np.zeros(runs, dtype=int)
    back = np.zeros(runs, dtype=int)

    def observe(t, state):
        # The observer runs before phase 7, so round t shows the engagement of round t.
        away[(away == 0) & ~state.engaged[0]] = t
        back[(away > 0) & (away < t) & (back == 0) & state.engaged[0]] = t

    _outcomes(document, runs=runs, observer=observe)
    return away, back


def assert_uniform_on(values, low, high, runs):
    """Every whole number low..high occurs with frequency 1/(high - low + 1), within five
    binomial standard deviations; nothing else occurs."""
    support = np.arange(low, high + 1)
    assert set(np.unique(values)) == set(support)
    share = 1 / len(support)
    tolerance = 5 * math.sqrt(share * (1 - share) / runs)
    for value in support:
        assert abs(np.mean(values == value) - share) < tolerance, value


def test_patience_spread_draws_each_runs_patience_uniformly(document):
    """patience 6 with spread 2: each run's mediator leaves after 4..8 failed rounds,
    equally often, so runs no longer all lose their mediator in the same week."""
    runs = 20_000
    away, _ = _first_rounds(document, runs, rounds=12, patience=6, patience_spread=2)
    assert_uniform_on(away - 1, 4, 8, runs)


def test_pause_spread_draws_each_runs_pause_uniformly(document):
    """pause_rounds 5 with spread 3: the mediator sits out 2..8 rounds, equally often."""
    runs = 20_000
    away, back = _first_rounds(document, runs, rounds=16, patience=2, pause_rounds=5, pause_spread=3)
    assert (away == 3).all(), "no patience spread: every run's mediator leaves after round 2"
    assert_uniform_on(back - away, 2, 8, runs)


def test_a_scenario_without_spreads_draws_nothing_more(document):
    """The spreads draw from a stream of their own: a scenario without them gives the
    same runs with or without that stream, and a zero spread is no spread."""
    document["actors"]["trump"].update(patience=3, pause_rounds=2)
    inputs = compile_inputs(scenario_from_document(document))
    document["actors"]["trump"].update(patience_spread=0, pause_spread=0)
    assert compile_inputs(scenario_from_document(document)).mediator == inputs.mediator
    plain = BatchState(inputs, 100, np.random.default_rng(7))
    assert plain.patience == [3] and plain.pause_length == [2]
    with pytest.raises(ValueError, match="attention stream"):
        document["actors"]["trump"]["patience_spread"] = 1
        BatchState(compile_inputs(scenario_from_document(document)), 100, np.random.default_rng(7))


@pytest.mark.parametrize(
    "mediator, message",
    [
        ({"patience": 4, "patience_spread": 4}, "patience_spread: must be less than patience (4)"),
        ({"patience_spread": 1}, "patience_spread: needs patience"),
        ({"patience": 4, "pause_spread": 1}, "pause_spread: needs pause_rounds"),
        ({"patience": 4, "pause_rounds": 2, "pause_spread": 3}, "pause_spread: must be less than pause_rounds (2)"),
    ],
)
def test_a_spread_must_leave_every_run_at_least_one_round(document, mediator, message):
    document["actors"]["trump"].update(mediator)
    with pytest.raises(ScenarioError, match=message.replace("(", r"\(").replace(")", r"\)")):
        scenario_from_document(document)


def test_lasting_readiness_accumulates_with_every_start(document):
    """Eq. (6'): each start of a shock adds its lasting readiness for the rest of the run,
    so a principal's score is its readiness plus delta times the starts so far, exactly,
    and the starts follow the hazard (mean rounds x hazard for one-round shocks)."""
    runs, rounds, hazard, delta = 10_000, 30, 0.2, 0.25
    document["time"]["horizon_rounds"] = rounds
    document["actors"]["trump"]["leverage"] = {}  # no pressure felt
    document["actors"]["zelensky"]["readiness"] = -50.0  # no summit ends a run early
    document["events"] = {"shocks": [
        {"name": "strike", "hazard": hazard, "rounds": 1, "lasting_readiness": {"putin": delta}},
    ]}
    inputs = compile_inputs(scenario_from_document(document))
    putin = inputs.principals.index("putin")
    starts = np.zeros(runs)

    def observe(t, state):
        starts[:] += state.shocks.left[0] > 0  # a one-round shock is active only as it starts
        np.testing.assert_allclose(state.situation[putin] - state.readiness[putin], delta * starts)

    simulate_batch(inputs, batch_seed(3, 0), runs, observe)
    expected = rounds * hazard
    assert abs(starts.mean() - expected) < 5 * math.sqrt(rounds * hazard * (1 - hazard) / runs)
    assert starts.max() > expected  # it accumulates beyond a single start


def test_lasting_readiness_names_principals(document):
    document["events"] = {"shocks": [{"name": "s", "hazard": 0.1, "lasting_readiness": {"trump": 0.5}}]}
    with pytest.raises(ScenarioError, match=r"events\.shocks\.0\.lasting_readiness\.trump: unknown principal"):
        scenario_from_document(document)


# -- eq. (8): concessions ---------------------------------------------------------------


def _conceding_document(document, **concede):
    """Putin demands Moscow; Geneva and Vienna are in the zone, Geneva better for him.
    Nothing is ever agreed (Zelensky's readiness), nobody else proposes anything."""
    document["venues"]["vienna"] = {"name": "Vienna", "country": "Austria", "neutral": True}
    document["time"]["horizon_rounds"] = 8
    document["actors"]["zelensky"].update(readiness=-50.0, counter_propose=False)
    document["actors"]["putin"].update(venues={"moscow": 3.0, "geneva": -1.0, "vienna": -2.0}, concede=concede)
    document["actors"]["trump"]["proposes"] = []
    return document


def _putins_proposals(document):
    inputs = compile_inputs(scenario_from_document(document))
    putin = inputs.principals.index("putin")
    seen = []

    def observe(t, state):
        slot = state.slots[state.counter_slot[putin]]
        assert (slot == slot[0]).all()  # every run fails alike here
        seen.append(inputs.venues[slot[0]])

    simulate_batch(inputs, batch_seed(0, 0), 50, observe)
    return seen


def test_a_conceding_principal_walks_down_its_zone_venues(document):
    """concede.after = 3: its favourite for three failed rounds, then its next best venue
    in the zone for three, then the last one for good."""
    seen = _putins_proposals(_conceding_document(document, after=3))
    assert seen == ["moscow"] * 3 + ["geneva"] * 3 + ["vienna"] * 2


def test_concede_to_sets_the_order(document):
    seen = _putins_proposals(_conceding_document(document, after=2, to=["vienna"]))
    assert seen == ["moscow"] * 2 + ["vienna"] * 6


def test_a_concession_venue_makes_the_zone_reachable(document):
    """With nobody proposing Geneva the zone is empty; a principal that concedes to it
    makes it reachable, and summits happen there."""
    document["actors"]["trump"]["proposes"] = []
    document["actors"]["zelensky"]["counter_propose"] = False
    document["actors"]["putin"]["venues"] = {"moscow": 3.0}
    assert compile_inputs(scenario_from_document(document)).zone_empty
    document["actors"]["putin"]["concede"] = {"after": 2, "to": ["geneva"]}
    inputs, outcome = _outcomes(document)
    assert not inputs.zone_empty
    assert outcome.held.any() and (outcome.venue[outcome.held] == inputs.venues.index("geneva")).all()


@pytest.mark.parametrize(
    "putin, message",
    [
        ({"concede": {"after": 2}, "counter_propose": False}, r"actors\.putin\.concede: needs counter_propose"),
        ({"concede": {"after": 2, "to": ["kyiv"]}}, r"actors\.putin\.concede\.to\.0: 'kyiv' is one of putin's own red lines"),
        ({"concede": {"after": 2, "to": ["oslo"]}}, r"actors\.putin\.concede\.to\.0: unknown venue 'oslo'"),
        ({"concede": {"after": 0}}, r"actors\.putin\.concede\.after"),
    ],
)
def test_concessions_are_validated(document, putin, message):
    document["actors"]["putin"].update(putin)
    with pytest.raises(ScenarioError, match=message):
        scenario_from_document(document)
