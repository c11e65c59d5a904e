"""Scenario input through the real command line: every way of writing a bad scenario ends
in one clear line and exit code 2, never a traceback or an internal error (issue 10).

The families covered: dates (impossible ones anywhere a date is accepted, and horizons
that run past the calendar's last day), the reader's limits on values from any source
(a file, ``--set``, ``--param``, ``extends``, ``with_values``), how far ``extends`` may
reach and what its errors show, and actors whose ``role`` is missing or wrong.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import BASE, write_yaml
from sim import ScenarioError, load_scenario, with_values
from sim.cli import app

RUNNER = CliRunner()
INTERNAL = "internal error"


def refused(args: list[str], *expected: str) -> str:
    """Run ``sim ARGS``; it must exit 2 with one line on stderr holding each expected text."""
    result = RUNNER.invoke(app, [str(a) for a in args])
    lines = result.stderr.strip().splitlines()
    assert result.exit_code == 2, (args, result.exit_code, result.stderr)
    assert INTERNAL not in result.stderr and "Traceback" not in result.stderr, result.stderr
    assert len(lines) == 1, result.stderr
    for text in expected:
        assert text in lines[0], (text, lines[0])
    return lines[0]


def accepted(args: list[str]) -> str:
    result = RUNNER.invoke(app, [str(a) for a in args])
    assert result.exit_code == 0, (args, result.exit_code, result.stderr)
    return result.stdout


# --- dates -------------------------------------------------------------------------------

NOT_A_DATE = "is not a date in the calendar"
DATE_RULE = "expected a date YYYY-MM-DD from 0001-01-01 to 9999-12-31"


@pytest.mark.parametrize("field, value", [
    ("start", "2026-02-30"),
    ("start", "0000-01-01"),
    ("end", "2026-13-01"),
    ("milestones", ["2026-04-31"]),
])
def test_an_impossible_date_in_a_file_is_one_line(write, document, field, value):
    """YAML cannot build 2026-02-30; the file is refused naming the field, not with a crash."""
    document["time"][field] = value
    if field == "end":
        del document["time"]["horizon_rounds"]
    file = write(document)
    path = f"time.{field}" + (".0" if isinstance(value, list) else "")
    shown = value[0] if isinstance(value, list) else value
    refused(["run", file, "--runs", "10"], f"{file}: {path}: {shown} {NOT_A_DATE}", DATE_RULE)


@pytest.mark.parametrize("override, path", [
    ("time.start=2026-02-30", "time.start"),
    ("time.start=0000-01-01", "time.start"),
    ("events.scheduled.0.date=2026-02-29", "events.scheduled.0.date"),
    ("actors.trump.pressure.deadlines=[{date: 2026-06-31, boost: 1}]", "actors.trump.pressure.deadlines.0.date"),
    ("time.milestones=[2026-09-31]", "time.milestones.0"),
])
def test_an_impossible_date_through_set_is_one_line(override, path):
    """Every date field of the schema, reached by --set, refuses a day the calendar lacks."""
    refused(["run", BASE, "--runs", "10", "--set", override], f"{path}: ", NOT_A_DATE)


def test_a_date_and_time_is_not_a_date():
    refused(["validate", BASE, "--set", "time.start=2026-02-01 10:00:00"], "time.start", "not a date and time")


def test_an_impossible_date_as_a_sweep_value_is_one_line():
    refused(["sweep", BASE, "--runs", "10", "--param", "time.start=2026-02-30,2026-03-01"],
            "time.start: 2026-02-30", NOT_A_DATE)


def test_an_impossible_date_as_a_command_option_is_one_line(tmp_path):
    """--by, --start and the dates of an outcomes file go through the same date type."""
    refused(["calibrate", BASE, "--target", "0.3", "--by", "2026-02-30", "--param", "actors.putin.readiness=-4:-2"],
            "--by 2026-02-30", NOT_A_DATE)
    refused(["init", tmp_path / "new.yaml", "--principals", "a,b", "--venues", "geneva", "--start", "0000-01-01"],
            "--start 0000-01-01", NOT_A_DATE)
    outcomes = tmp_path / "outcomes.csv"
    outcomes.write_text("question,key,outcome\nsummit_by,2026-02-30,no\n")
    refused(["score", "--forecasts", BASE, "--outcomes", outcomes], "line 2", NOT_A_DATE)
    assert not (tmp_path / "new.yaml").exists()


def test_a_horizon_past_the_last_date_is_caught_by_validate(write, document):
    """start 9999-12-01 with 10 weekly rounds would end in year 10000: validate says so."""
    document["time"] = {"start": "9999-12-01", "round_days": 7, "horizon_rounds": 10}
    file = write(document)
    refused(["validate", file], f"{file}: time: 10 rounds of 7 days from 9999-12-01 would end after 9999-12-31")
    refused(["run", file, "--runs", "10"], "would end after 9999-12-31")


@pytest.mark.parametrize("time", [
    {"start": "9999-12-25", "round_days": 7, "horizon_rounds": 1},
    {"start": "9999-10-01", "end": "9999-12-31"},
], ids=["rounds-to-the-last-day", "end-on-the-last-day"])
def test_a_horizon_ending_on_the_last_date_runs(write, document, time):
    """The check is exact: a horizon that ends on 9999-12-31 runs, month ends and all."""
    document["time"] = time
    file = write(document)
    accepted(["validate", file])
    assert "9999-12-31" in accepted(["run", file, "--runs", "20", "--workers", "1", "--json"])
    accepted(["run", file, "--runs", "20", "--workers", "1"])


# --- the reader's limits, whatever the value's source ----------------------------------------

DEEP = "[" * 5000 + "]" * 5000
BOMB = ("{a: &a [x, x, x, x, x, x, x, x, x, x], " + ", ".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 10)}]" for i in range(8)) + "}")


@pytest.mark.parametrize("value, expected", [
    (DEEP, "the value is nested too deeply (limit 40 levels)"),
    (BOMB, "the value expands to more than 100,000 nodes"),
    ("{a: 1, a: 2}", "duplicate key 'a'"),
    ("x" * 1_000_001, "longer than the 1,000,000 characters allowed"),
], ids=["deep", "alias-bomb", "duplicate-key", "huge"])
def test_set_values_meet_the_file_readers_limits(value, expected):
    """A --set value is read with the file reader's limits: one line naming the option,
    cut short when the value is long."""
    line = refused(["validate", BASE, "--set", f"actors.putin.readiness={value}"],
                   "--set actors.putin.readiness=", expected)
    assert len(line) < 400


def test_sweep_values_meet_the_file_readers_limits():
    refused(["sweep", BASE, "--runs", "10", "--param", f"actors.putin.readiness={DEEP}"],
            "--param actors.putin.readiness=", "nested too deeply")


def test_a_parent_file_meets_the_limits(write, document):
    parent = write("notes: " + "[" * 60 + "]" * 60 + "\n", "parent.yaml")
    child = write({"extends": parent.name, **document})
    refused(["validate", child], "parent.yaml", "nested too deeply")


def test_with_values_meets_the_limits():
    """The API's with_values: a deep or self-containing value is refused by the same limits."""
    scenario = load_scenario(BASE)
    deep: list = []
    for _ in range(5000):
        deep = [deep]
    looped: list = []
    looped.append(looped)
    for value in (deep, looped):
        with pytest.raises(ScenarioError) as caught:
            with_values(scenario, {"actors.putin.readiness": value})
        assert len(str(caught.value)) < 400
        assert "actors.putin.readiness" in str(caught.value)
