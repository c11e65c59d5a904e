"""`sim score`: Brier and log scores against hand-computed values, questions outside a
scenario's horizon, scenarios written at different dates, and the outcomes file."""

from __future__ import annotations

import datetime as dt
import math

import pytest

from sim.errors import UsageError
from sim.engine.inputs import compile_inputs
from sim.scenario.loader import scenario_from_document
from sim.execution.runner import Result
from sim.analysis.score import Question, forecast, read_outcomes, score_all
from sim.execution.aggregate import Tally


@pytest.fixture
def known(document) -> Result:
    """100 runs: 20 summits at Geneva in round 2, 10 in round 8, none elsewhere."""
    scenario = scenario_from_document(document)
    inputs = compile_inputs(scenario)
    tally = Tally(inputs.rounds, len(inputs.venues), runs=100)
    geneva = inputs.venues.index("geneva")
    tally.held[2, geneva], tally.held[8, geneva] = 20, 10
    return Result(scenario=scenario, inputs=inputs, seed=0, tally=tally)


def q(question: str, key: str, outcome: str) -> Question:
    return Question(question, dt.date.fromisoformat(key) if key else None, outcome, 2)


@pytest.mark.parametrize("question, p, brier, log", [
    # round 2 opens 2026-02-08: P(summit by 02-10) = 0.2; it did not happen
    (q("summit_by", "2026-02-10", "no"), 0.8, 0.2 ** 2, math.log(0.8)),
    # by 03-31 (round 9): 0.3; it happened
    (q("summit_by", "2026-03-31", "yes"), 0.3, 0.7 ** 2, math.log(0.3)),
    # where by the horizon: geneva 0.3, moscow 0, kyiv 0, none 0.7
    (q("venue", "", "none"), 0.7, 0.3 ** 2 + 0.3 ** 2, math.log(0.7)),
    (q("venue", "", "geneva"), 0.3, 0.7 ** 2 + 0.7 ** 2, math.log(0.3)),
    # by 02-10 only round 2 counts: geneva 0.2, none 0.8
    (q("venue", "2026-02-10", "geneva"), 0.2, 0.8 ** 2 + 0.8 ** 2, math.log(0.2)),
    # a venue the scenario never considered: probability 0, floored at half a run
    (q("venue", "", "paris"), 0.0, 0.3 ** 2 + 0.7 ** 2 + 1.0, math.log(0.5 / 100)),
    # a red-lined venue: probability exactly 0 as well
    (q("venue", "", "moscow"), 0.0, 0.3 ** 2 + 1.0 + 0.7 ** 2, math.log(0.5 / 100)),
])
def test_scores_by_hand(known, question, p, brier, log):
    scored = forecast(known, question)
    assert scored.status == "scored"
    assert scored.forecast == pytest.approx(p)
    assert scored.brier == pytest.approx(brier)
    assert scored.log == pytest.approx(log)


def test_questions_outside_the_horizon_are_not_scored(known):
    assert forecast(known, q("summit_by", "2026-01-15", "no")).status.startswith("before the scenario's start")
    assert forecast(known, q("summit_by", "2026-12-31", "no")).status.startswith("after the scenario's horizon")


def test_scenarios_written_at_different_dates(known, document):
    later = dict(document, name="later", time={"start": "2026-03-01", "round_days": 7, "horizon_rounds": 10})
    scenario = scenario_from_document(later)
    inputs = compile_inputs(scenario)
    tally = Tally(inputs.rounds, len(inputs.venues), runs=10)
    tally.held[1, 0] = 5
    late = Result(scenario=scenario, inputs=inputs, seed=0, tally=tally)
    questions = [q("summit_by", "2026-02-10", "no"), q("summit_by", "2026-03-31", "no")]
    table = score_all([("a.yaml", known), ("b.yaml", late)], questions)
    assert table.common() == [1]  # only the second question lies within both horizons
    assert table.scored[1][0].status.startswith("before the scenario's start")
    assert table.scored[1][1].forecast == pytest.approx(0.5)


def test_reading_outcomes(write, tmp_path):
    good = tmp_path / "o.csv"
    good.write_text("question,key,outcome\nsummit_by,2026-06-30,No\n\nvenue,,none\n# note,,\n", encoding="utf-8")
    assert [x.label for x in read_outcomes(str(good))] == ["summit_by,2026-06-30,no", "venue,,none"]
    for body, fragment in [
        ("q,k,o\n", "line 1: expected the header question,key,outcome"),
        ("question,key,outcome\nsummit,2026-06-30,no\n", "line 2: unknown question 'summit'"),
        ("question,key,outcome\nsummit_by,,no\n", "needs a date"),
        ("question,key,outcome\nsummit_by,2026-06-30,maybe\n", "must be yes or no"),
        ("question,key,outcome\nvenue,June,none\n", "the key must be a date"),
        ("question,key,outcome\n", "no questions"),
    ]:
        bad = tmp_path / "bad.csv"
        bad.write_text(body, encoding="utf-8")
        with pytest.raises(UsageError, match=fragment):
            read_outcomes(str(bad))


def test_cli_scores_each_scenario(sim_cli, write, document, tmp_path):
    first = write(document, "a.yaml")
    second = write(dict(document, name="other", actors=dict(document["actors"], putin=dict(
        document["actors"]["putin"], readiness=-3.0))), "b.yaml")
    outcomes = tmp_path / "outcomes.csv"
    outcomes.write_text("question,key,outcome\nsummit_by,2026-03-01,no\nvenue,,none\n", encoding="utf-8")
    out = tmp_path / "scores.csv"
    done = sim_cli("score", "--forecasts", first, "--forecasts", second, "--outcomes", outcomes,
                   "--runs", 2000, "--csv", out)
    assert done.returncode == 0, done.stderr
    assert "mean Brier" in done.stdout and "other" in done.stdout
    lines = out.read_text().splitlines()
    assert lines[0] == "scenario,file,question,key,outcome,date,forecast,brier,log_score,status" and len(lines) == 5
    missing = sim_cli("score", "--forecasts", first, "--outcomes", tmp_path / "none.csv")
    assert missing.returncode == 2 and "cannot read" in missing.stderr
