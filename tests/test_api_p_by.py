"""`Result.p_by(date)`: P(summit held by a date), counted as the report and the curve count.

A summit in the round that contains the date counts, so every day of round t gives the
cumulative curve's value at t; the report's P(summit by date) lines are the same numbers.
"""

from __future__ import annotations

import datetime as dt

import pytest

from sim import load_scenario, simulate
from sim.errors import UsageError


@pytest.fixture(scope="module")
def result(base_yaml):
    return simulate(load_scenario(base_yaml), runs=10_000, seed=11)


def test_every_day_of_a_round_gives_the_curve_at_that_round(result):
    time = result.scenario.time
    for point in result.curve():
        first = point["date"]
        last = min(first + dt.timedelta(days=time.round_days - 1), time.horizon_end)  # `end:` may cut the last round
        for day in (first, last):
            estimate = result.p_by(day)
            assert (estimate.count, estimate.trials) == (point["summits"], point["runs"])
            assert estimate.value == point["p_summit"]


def test_agrees_with_the_reported_dates(result):
    assert [(day, result.p_by(day)) for day, _ in result.summary.by_date] == list(result.summary.by_date)
    assert result.p_by(result.scenario.time.horizon_end) == result.p_summit


def test_before_the_start_no_summit_is_held(result):
    before = result.p_by(result.scenario.time.start - dt.timedelta(days=1))
    assert (before.count, before.trials) == (0, result.runs)


def test_after_the_horizon_is_an_error(result):
    """The runs stop at the horizon: a later date would only have a lower bound."""
    with pytest.raises(UsageError, match="after the scenario's horizon"):
        result.p_by(result.scenario.time.horizon_end + dt.timedelta(days=1))


def test_takes_iso_text_and_datetimes(result):
    day = result.scenario.time.start + dt.timedelta(days=60)
    assert result.p_by(day.isoformat()) == result.p_by(day) == result.p_by(dt.datetime.combine(day, dt.time(12)))
    with pytest.raises(UsageError, match="expected a date"):
        result.p_by("June")
