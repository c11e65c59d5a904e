"""``sim trace``: one run told round by round, and it must be *that* run.

Run K of ``sim trace`` is row K of ``sim run --runs-csv`` with the same seed (lane
K % 10,000 of batch K // 10,000), so an analyst can pick a surprising row from the CSV
and read its story. Checked here for summits and non-summits in both the first and the
second batch, for another seed, and with ``--set``.
"""

from __future__ import annotations

import csv
import io
import json

import pytest

from conftest import BASE

RUNS = 20_000  # two whole batches


def load_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture(scope="module")
def runs_csv(sim_cli_many):
    """Per-run rows of base.yaml: with its own seed, with seed 5, and with a --set."""
    done = sim_cli_many([
        ["run", BASE, "--runs", RUNS, "--runs-csv", "-"],
        ["run", BASE, "--runs", RUNS, "--seed", 5, "--runs-csv", "-"],
        ["run", BASE, "--runs", RUNS, "--set", "actors.putin.readiness=-2.5", "--runs-csv", "-"],
    ])
    for result in done:
        assert result.returncode == 0, result.stderr
    return [load_rows(result.stdout) for result in done]


def pick(rows: list[dict[str, str]]) -> list[int]:
    """Runs worth tracing: each kind of ending, in the first and the second batch."""
    chosen = {0, 10_000}
    first, second = range(0, 10_000), range(10_000, RUNS)
    wanted = [(first, "held"), (second, "held"), (second, "time_ran_out"), (second, "collapsed")]
    for batch, reason in wanted:
        chosen.add(next(k for k in batch if rows[k]["reason"] == reason))
    # a summit in the second batch that needed more than one agreement
    found = next((k for k in second if rows[k]["held"] == "1" and rows[k]["collapses"] != "0"), None)
    if found is not None:
        chosen.add(found)
    return sorted(chosen)


def assert_same_run(story: dict, row: dict[str, str]) -> None:
    assert story["run"] == int(row["run"])
    assert story["held"] == (row["held"] == "1"), (story["ending"], row)
    assert story["reason"] == row["reason"], (story["ending"], row)
    if story["held"]:
        assert story["venue"] == row["venue"]
        assert story["summit_round"] == int(row["round"])
        assert story["format"] == row["format"]
        assert story["rounds"][-1]["date"] == row["date"]
    else:
        assert story["venue"] is None and row["venue"] == ""


def traces(sim_cli_many, runs: list[int], *extra) -> list[dict]:
    done = sim_cli_many([["trace", BASE, "--run", k, "--json", *extra] for k in runs])
    stories = []
    for k, result in zip(runs, done):
        assert result.returncode == 0, (k, result.stderr)
        stories.append(json.loads(result.stdout))
    return stories


def test_trace_matches_runs_csv_rows_in_both_batches(runs_csv, sim_cli_many):
    rows = runs_csv[0]
    chosen = pick(rows)
    assert any(k >= 10_000 and rows[k]["held"] == "1" for k in chosen)  # a summit in batch 2
    assert {rows[k]["reason"] for k in chosen} >= {"held", "time_ran_out", "collapsed"}
    for k, story in zip(chosen, traces(sim_cli_many, chosen)):
        assert_same_run(story, rows[k])


def test_trace_follows_seed_and_set(runs_csv, sim_cli_many):
    """--seed and --set change the run exactly as they change `sim run`."""
    _, seeded, softer = runs_csv
    with_seed = [next(k for k in range(10_000, RUNS) if seeded[k]["held"] == "1"), 12_345]
    for k, story in zip(with_seed, traces(sim_cli_many, with_seed, "--seed", 5)):
        assert story["seed"] == 5
        assert_same_run(story, seeded[k])
    with_set = [next(k for k in range(10_000, RUNS) if softer[k]["held"] == "1"), 3]
    for k, story in zip(with_set, traces(sim_cli_many, with_set, "--set", "actors.putin.readiness=-2.5")):
        assert_same_run(story, softer[k])


def test_json_story_is_consistent(runs_csv, sim_cli_many):
    """Every answer is `draw < p(accept)`, a venue is agreed when all accept, and the table
    stops at the summit round (or runs to the horizon, 48 rounds)."""
    rows = runs_csv[0]
    held = next(k for k in range(RUNS) if rows[k]["held"] == "1")
    not_held = next(k for k in range(RUNS) if rows[k]["reason"] == "time_ran_out")
    for story in traces(sim_cli_many, [held, not_held]):
        assert set(story) >= {"scenario", "run", "seed", "held", "venue", "summit_round", "format",
                              "reason", "ending", "rounds"}
        assert story["scenario"] == "base" and story["seed"] == 20260128
        assert [r["round"] for r in story["rounds"]] == list(range(1, len(story["rounds"]) + 1))
        assert len(story["rounds"]) == (story["summit_round"] if story["held"] else 48)
        for record in story["rounds"]:
            assert set(record) >= {"round", "date", "pressure", "engaged", "shocks", "situation", "table", "status"}
            for offer in record["table"]:
                assert set(offer["acceptance"]) == {"zelensky", "putin"}
                for who, p in offer["acceptance"].items():
                    assert 0.0 <= p <= 1.0 and 0.0 <= offer["draw"][who] < 1.0
                    assert offer["accepted"][who] == (offer["draw"][who] < p)
                assert offer["agreed"] == all(offer["accepted"].values())
                if offer["venue"] == "moscow":
                    assert offer["acceptance"]["zelensky"] == 0.0  # a red line
        if story["held"]:
            assert story["rounds"][-1]["status"] == f"summit held in {story['venue']}"
            assert story["ending"].startswith(f"Summit held in {story['venue']} in round {story['summit_round']}")
        else:
            assert story["ending"].startswith("No summit:")


def test_text_trace_ends_with_the_ending(runs_csv, sim_cli):
    rows = runs_csv[0]
    k = next(k for k in range(10_000, RUNS) if rows[k]["held"] == "1")
    done = sim_cli("trace", BASE, "--run", k)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == f"Run {k} of base (seed 20260128)"
    assert lines[-1].startswith(f"Summit held in {rows[k]['venue']} in round {rows[k]['round']} "
                                f"(week of {rows[k]['date']}), format {rows[k]['format']}")
    assert any(line.startswith("Track (peace framework (the 20-point plan)): deal in round") for line in lines[-4:-1])


@pytest.mark.parametrize("value, fragment", [
    ("-1", "--run must be between 0 and"),
    ("1000000000", "--run must be between 0 and"),
    ("abc", "--run"),
    ("2.5", "--run"),
])
def test_invalid_run_is_exit_2(sim_cli, value, fragment):
    done = sim_cli("trace", BASE, "--run", value)
    assert done.returncode == 2, (done.stdout, done.stderr)
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("sim: error: "), lines
    assert fragment in lines[0]
    assert done.stdout == ""


def test_trace_tells_this_runs_patience_and_pause(document):
    """With spreads every run has its own patience and pause; the trace states them and
    its rounds show the mediator away for exactly that pause after that many failures."""
    from sim.scenario.loader import scenario_from_document
    from sim.analysis.trace import trace_run

    document["time"]["horizon_rounds"] = 30
    document["actors"]["zelensky"]["readiness"] = -50.0  # nothing is ever agreed
    document["actors"]["trump"].update(patience=8, patience_spread=4, pause_rounds=6, pause_spread=3)
    scenario = scenario_from_document(document)
    seen = set()
    for run in range(12):
        story = trace_run(scenario, run)
        span = story.attention["trump"]
        assert 4 <= span["patience"] <= 12 and 3 <= span["pause_rounds"] <= 9
        seen.add((span["patience"], span["pause_rounds"]))
        engaged = [record.engaged["trump"] for record in story.rounds]
        away = span["patience"]  # 0-based index of the first round away
        assert engaged[:away] == [True] * away
        assert engaged[away:away + span["pause_rounds"]] == [False] * span["pause_rounds"]
        assert engaged[away + span["pause_rounds"]] is True
    assert len(seen) > 3, "runs draw different spans"


def test_trace_states_a_principals_concessions(sim_cli_many):
    """A conceding principal's plan is stated under the title and in the JSON, and its
    counter-proposals in the rounds follow it."""
    plan = "actors.putin.concede={after: 4, to: [istanbul, geneva]}"
    text, data = sim_cli_many([
        ["trace", BASE, "--run", 0, "--set", plan],
        ["trace", BASE, "--run", 0, "--set", plan, "--json"],
    ])
    assert text.returncode == data.returncode == 0, (text.stderr, data.stderr)
    assert "putin concedes every 4 failed rounds: moscow > istanbul > geneva" in text.stdout.splitlines()[:4]
    story = json.loads(data.stdout)
    assert story["concessions"] == {"putin": {"after": 4, "venues": ["moscow", "istanbul", "geneva"]}}
    putins = [[o["venue"] for o in r["table"] if o["proposed_by"] == "putin"] for r in story["rounds"]]
    assert putins[0] == ["moscow"] and "geneva" not in sum(putins[:4], [])
