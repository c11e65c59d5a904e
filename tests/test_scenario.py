"""The scenario schema: what a valid scenario is, and what the validated model offers."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from conftest import BASE
from sim.errors import ScenarioError
from sim.scenario.loader import load_scenario, scenario_from_document
from sim.scenario.schema import Mediator, Principal, Scenario

SHIPPED = sorted((Path(__file__).resolve().parents[1] / "scenarios").glob("*.yaml"))


def test_scenarios_are_shipped():
    """The repository ships at least the base scenario, so the next test checks something."""
    assert any(path.name == "base.yaml" for path in SHIPPED)


@pytest.mark.parametrize("path", SHIPPED, ids=[p.name for p in SHIPPED])
def test_shipped_scenarios_validate(path):
    """Every scenario in scenarios/ loads and validates as it is shipped."""
    scenario = load_scenario(path)
    assert isinstance(scenario, Scenario)
    assert len(scenario.principals) >= 2
    assert scenario.time.rounds >= 1


def test_minimal_document_validates(document):
    """A small document with only the required fields is a scenario, defaults filled in."""
    scenario = scenario_from_document(document, "mini.yaml")
    assert scenario.name == "mini"
    assert list(scenario.principals) == ["zelensky", "putin"]
    assert list(scenario.mediators) == ["trump"]
    assert isinstance(scenario.actors["putin"], Principal)
    assert isinstance(scenario.actors["trump"], Mediator)
    assert scenario.time.start == dt.date(2026, 2, 1)
    assert scenario.time.rounds == 10
    # Defaults documented in the schema.
    putin = scenario.principals["putin"]
    assert putin.sharpness == 1.0 and putin.pressure_sensitivity == 1.0 and putin.counter_propose
    assert scenario.mediators["trump"].strategy == "best"
    assert scenario.events.shocks == [] and scenario.events.scheduled == []


def test_minimal_document_without_optional_blocks(document):
    """preparation, simulation and events may be left out entirely."""
    for key in ("preparation", "simulation"):
        del document[key]
    scenario = scenario_from_document(document)
    assert scenario.preparation.rounds == 2
    assert scenario.simulation.runs == 50_000


def test_scenario_is_immutable(document):
    """A validated scenario cannot be changed by accident after validation."""
    scenario = scenario_from_document(document)
    with pytest.raises(ValidationError):
        scenario.name = "other"  # type: ignore[misc]


def test_horizon_from_end_date(document):
    """With time.end, rounds are those opening on or before the end date."""
    document["time"] = {"start": "2026-02-01", "round_days": 7, "end": "2026-02-15"}
    time = scenario_from_document(document).time
    assert time.rounds == 3  # Feb 1, Feb 8, Feb 15
    assert time.horizon_end == dt.date(2026, 2, 15)
    assert time.round_date(3) == dt.date(2026, 2, 15)
    document["time"]["end"] = "2026-02-14"
    assert scenario_from_document(document).time.rounds == 2


def test_horizon_from_rounds(document):
    """With time.horizon_rounds the horizon ends on the last day of the last round."""
    time = scenario_from_document(document).time
    assert time.rounds == 10
    assert time.horizon_end == dt.date(2026, 2, 1) + dt.timedelta(days=10 * 7 - 1)
    assert time.round_of(dt.date(2026, 2, 1)) == 1
    assert time.round_of(dt.date(2026, 2, 7)) == 1
    assert time.round_of(dt.date(2026, 2, 8)) == 2


def test_reporting_dates_pair_each_milestone_with_its_last_round(document):
    """P(summit by date) counts rounds opening on or before the date; the end is always reported."""
    document["time"]["milestones"] = ["2026-03-01", "2026-02-14"]
    time = scenario_from_document(document).time
    dates = time.reporting_dates()
    assert dates[0] == (dt.date(2026, 2, 14), 2)  # sorted
    assert dates[1] == (dt.date(2026, 3, 1), 5)
    assert dates[-1] == (time.horizon_end, 10)
    assert len(dates) == 3


def test_milestone_outside_horizon_is_dropped_or_refused(document):
    """A milestone after the horizon never shows up as a reporting date: it is either
    dropped (as docs/scenario-format.md says) or refused with an error naming it."""
    from sim.errors import ScenarioError

    document["time"]["milestones"] = ["2026-03-01", "2030-01-01"]
    try:
        time = scenario_from_document(document, "m.yaml").time
    except ScenarioError as error:
        assert error.problems[0].path.startswith("time")
        assert "2030-01-01" in str(error)
    else:
        assert dt.date(2030, 1, 1) not in [d for d, _ in time.reporting_dates()]


def test_default_reporting_dates_are_month_ends(document):
    """Without milestones, reports are at month ends within the horizon, then the horizon end."""
    time = scenario_from_document(document).time  # 2026-02-01 .. 2026-04-11
    assert [d for d, _ in time.reporting_dates()] == [
        dt.date(2026, 2, 28), dt.date(2026, 3, 31), time.horizon_end,
    ]


@pytest.mark.parametrize("override, message", [
    ("actors.putin.readiness=yes", "actors.putin.readiness: input should be a number, not true/false"),
    ("actors.trump.leverage.putin=on", "actors.trump.leverage.putin: input should be a number, not true/false"),
    ("simulation.runs=true", "simulation.runs: input should be a number, not true/false"),
    ("actors.trump.patience=false", "actors.trump.patience: input should be a number, not true/false"),
    ("venues.geneva.neutral=1", "venues.geneva.neutral: input should be a valid boolean, true or false (got 1)"),
    ('uncertain."actors.trump.patience"={choice: [8, yes]}',
     "uncertain.actors.trump.patience.choice.1: input should be a number, not true/false"),
])
def test_booleans_and_numbers_do_not_stand_in_for_each_other(override, message):
    """YAML reads yes/on/true as true; a number field must not take that as 1, nor a
    true/false field take 1 as true: one clear error each."""
    with pytest.raises(ScenarioError, match=re.escape(message)):
        load_scenario(BASE, [override])


def test_bounds_of_optional_fields_reach_the_uncertain_check():
    """patience is optional with bounds 1-5,200; a range reaching 0 is refused up front."""
    with pytest.raises(ScenarioError, match="the distribution reaches 0 but actors.trump.patience must be from 1"):
        load_scenario(BASE, ['uncertain."actors.trump.patience"={choice: [0, 4]}'])


def test_a_later_start_reports_every_date_it_leaves_behind():
    """Re-dating base to June names, in one go, the March milestone and the February talks
    round that now lie before the start, each with its own field path."""
    from sim.cli.core import app
    from typer.testing import CliRunner

    result = CliRunner().invoke(app, ["validate", str(BASE), "--set", "time.start=2026-06-01"])
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert any("time.milestones.0: 2026-03-31 is outside the horizon (2026-06-01 to 2026-12-31)" in line for line in lines)
    assert any("events.scheduled.0.date: 2026-02-01 is before time.start (2026-06-01)" in line for line in lines)
