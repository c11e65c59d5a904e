"""Terminal tables of a backtest (:class:`~sim.analysis.backtest.Backtest`): the cases,
the scores against the baselines, the calibration table, venue skill and timing."""

from __future__ import annotations

import math
from typing import Any

from rich.table import Table

from sim.analysis.backtest import LABELS, Backtest
from sim.analysis.bootstrap import Interval
from sim.report.layout import show
from sim.report.tables import titled_table
from sim.report.text import interval, percent


def render_backtest(result: Backtest, console: Any) -> None:
    """Print the whole backtest report."""
    book = result.casebook
    runs = sorted({score.runs for score in result.cases})
    console.print(f"[bold]Backtest of {book.directory}[/bold]: {len(result.cases)} cases, {result.met} met "
                  f"(outcomes {book.outcomes_file}); {' or '.join(f'{n:,}' for n in runs)} runs per case")
    show(_cases_table(result), console)
    show(_where_and_when_table(result), console)
    show(_scores_table(result), console)
    show(_calibration_table(result), console)
    console.print(f"Calibration in the large (mean forecast minus share met): "
                  f"{_signed(result.calibration_in_the_large)}.")
    _render_venues_and_timing(result, console)
    console.print(f"Intervals: 95% bootstrap over cases ({result.resamples:,} resamples, seed "
                  f"{result.bootstrap_seed}); differences are paired, case by case.")


def _cases_table(result: Backtest) -> Table:
    table = titled_table("Cases: forecast P(summit by the horizon) and what happened", [
        ("case", "left"), ("horizon", "left"), ("P(summit) [95%]", "right"), ("runs", "right"),
        ("met", "left"), ("Brier", "right"), ("log", "right"),
    ])
    for score in result.cases:
        outcome, time = score.case.outcome, score.case.scenario.time
        table.add_row(
            score.name, f"{time.start} to {time.horizon_end}", f"{percent(score.p.value)} [{interval(score.p)}]",
            f"{score.runs:,}", str(outcome.date) if outcome.met else "no", f"{score.brier[0]:.3f}",
            f"{score.log[0]:.3f}",
        )
    return table


def _where_and_when_table(result: Backtest) -> Table:
    table = titled_table("Where and when, given a summit: the forecast and the meeting", [
        ("case", "left"), ("leading venues (share of summits)", "left"), ("met at: q(venue)", "left"),
        ("10% / 50% / 90% (week of)", "left"), ("met in the central 80%", "left"),
    ])
    for score in result.cases:
        outcome, time = score.case.outcome, score.case.scenario.time
        leading = sorted((item for item in score.venues_given_summit if item[1].count), key=lambda item: -item[1].count)
        weeks = "-" if score.central is None else " / ".join(
            str(time.round_date(r)) for r in (score.central[0], score.median_round, score.central[1]))
        table.add_row(
            score.name, ", ".join(f"{venue} {percent(e.value)}" for venue, e in leading[:3]) or "-",
            f"{outcome.venue}: {percent(score.venue_probability)}" if score.venue_probability is not None else "-",
            weeks, "-" if score.in_central is None else ("yes" if score.in_central else "no"),
        )
    return table


def _scores_table(result: Backtest) -> Table:
    table = titled_table("Scores (Brier: lower is better; log: higher is better); sim minus each baseline", [
        ("forecaster", "left"), ("Brier [95%]", "right"), ("sim - it", "right"),
        ("log score [95%]", "right"), ("sim - it", "right"),
    ])
    for score in result.forecasters:
        table.add_row(LABELS[score.name], _bounded(score.brier), _signed(score.brier_difference),
                      _bounded(score.log), _signed(score.log_difference))
    return table


def _calibration_table(result: Backtest) -> Table:
    table = titled_table("Calibration: cases by forecast", [
        ("forecast", "left"), ("cases", "right"), ("mean forecast", "right"),
        ("share met", "right"), ("95% interval", "right"),
    ])
    for entry in result.calibration:
        closing = "]" if entry.high >= 1 else ")"
        table.add_row(f"[{percent(entry.low)}, {percent(entry.high)}{closing}", str(entry.count),
                      "-" if not entry.count else percent(entry.mean_forecast),
                      "-" if not entry.count else percent(entry.observed.value), interval(entry.observed))
    return table


def _render_venues_and_timing(result: Backtest, console: Any) -> None:
    if not result.venue_skill.cases:
        console.print("Venue skill and timing: no case met, so there is nothing to score.")
        return
    console.print(
        f"Venue skill over the {result.venue_skill.cases} cases that met (log score of the venue that hosted, "
        f"sim minus a uniform choice among the listed venues and elsewhere): {_signed(result.venue_skill)} "
        f"(sim {_bounded(result.venue_log)}, uniform {_bounded(result.uniform_log)})."
    )
    timing = result.timing
    if timing.trials:
        console.print(f"Timing: the meeting fell within the forecast's central 80% in {timing.count} of "
                      f"{timing.trials} cases ({percent(timing.value)}, 95% interval {interval(timing)}; "
                      "80% if the timing is calibrated).")


def _bounded(value: Interval) -> str:
    if math.isnan(value.value):
        return "-"
    return f"{value.value:.3f} [{value.low:.3f}, {value.high:.3f}]"


def _signed(value: Interval | None) -> str:
    if value is None or math.isnan(value.value):
        return "-"
    return f"{value.value:+.3f} [{value.low:+.3f}, {value.high:+.3f}]"
