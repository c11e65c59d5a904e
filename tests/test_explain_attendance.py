"""`sim explain` and `sim trace` tell who would be proposed and who would attend (eqs. 7, 9),
on the base scenario as it stood before issue 11 (one mediator, no track), whose numbers
the docstrings quote."""

from __future__ import annotations

import pytest

from sim.analysis.trace import trace_run
from sim.analysis.zone import analyse_zone
from sim.scenario.loader import load_scenario

from conftest import BASE_2026_01 as BASE


def test_explain_gives_round_one_proposal_chances_and_attendance():
    """Base's `best` mediator backs Istanbul in round 1 (the highest joint acceptance,
    1.2% against 0.73% and 0.28%); Washington brings Trump; Trump never joins by himself."""
    zone = analyse_zone(load_scenario(BASE))
    assert zone.proposals == {"trump": {"geneva": 0.0, "istanbul": 1.0, "washington": 0.0}}
    assert zone.joins == {"trump": 0.0}
    assert zone.venue_parties == {"washington": "trump"}
    assert zone.attendance() == "Who attends besides the principals: washington brings trump."


def test_explain_logit_chances_follow_the_joint_acceptance():
    """Logit (rationality 2): P(v) = J_v^2 / sum J^2 over the listed venues, with J the
    round-1 joint acceptance the same table shows."""
    scenario = load_scenario(BASE, ["actors.trump.strategy=logit", "actors.trump.join_probability=0.3"])
    zone = analyse_zone(scenario)
    joint = {s.venue: s.first_round_joint for s in zone.standings}
    listed = ("geneva", "istanbul", "washington")
    total = sum(joint[v] ** 2 for v in listed)
    assert zone.proposals["trump"] == pytest.approx({v: joint[v] ** 2 / total for v in listed}, rel=1e-9)
    assert zone.joins == {"trump": 0.3}


def test_trace_names_who_attended_and_the_drawn_chances():
    """Run 3 of base is a summit in Washington (see the runs CSV): Trump attends. With a
    logit mediator every negotiating round lists its first-pick chances, which add to 1."""
    held = trace_run(load_scenario(BASE), 3)
    assert (held.venue, held.format, held.parties) == ("washington", "with_trump", ["trump"])
    assert held.ending.endswith("format with_trump (trump attending).")
    assert all(not record.proposals for record in held.rounds)  # best: nothing is drawn
    drawn = trace_run(load_scenario(BASE, ["actors.trump.strategy=logit"]), 3)
    chances = [record.proposals["trump"] for record in drawn.rounds if record.proposals]
    assert chances and all(sum(c.values()) == pytest.approx(1.0) for c in chances)
