"""`sim explain` tells every event's effects and when a shock may start at all (eqs. 6-6'', 11):
issue 15 asks that the starting state and any conditional events be visible before a run."""

from __future__ import annotations

from sim.analysis.zone import analyse_zone
from sim.scenario.loader import load_scenario

from conftest import BASE, REPO


def test_a_gated_shock_is_told_with_its_conditions():
    zone = analyse_zone(load_scenario(REPO / "docs" / "examples" / "reversal.yaml"))
    assert zone.events == (
        "Shock 'B calls the meeting off' starts with probability 0.15 a round, only while a summit is in "
        "preparation; lasts 1 round: collapse risk +1.",
        "Shock 'B says it will happen next week' happens with probability 0.5 in the round of 2026-04-20, "
        "only after the run's first collapse; lasts 4 rounds: b readiness +3.",
    )
    assert zone.start.startswith("Announced: istanbul on 2026-03-26 (round 4")


def test_base_tells_its_talks_round_and_its_escalation_with_the_track_effect():
    zone = analyse_zone(load_scenario(BASE))
    assert zone.events[0].startswith("Event 'US-brokered talks round (F3)' from 2026-02-01 (round 1) for 2 rounds: ")
    assert "trump pressure +0.5" in zone.events[0]
    assert zone.events[1] == ("Shock 'battlefield escalation' starts with probability 0.02 a round; lasts 4 rounds: "
                              "zelensky readiness -1, putin readiness -1, collapse risk +0.3, "
                              "track progress -0.05 a round.")


def test_every_trigger_condition_has_words(document):
    from sim.scenario.loader import scenario_from_document

    document["events"] = {"shocks": [{
        "name": "x", "hazard": 0.1, "when": {"collapsed_within": 3, "failed_rounds": 5, "failed_in_a_row": 2},
    }]}
    (sentence,) = analyse_zone(scenario_from_document(document)).events
    assert ("only within 3 rounds of a collapse and only after 5 failed rounds in all and "
            "only after 2 failed rounds in a row") in sentence
