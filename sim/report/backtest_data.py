"""A backtest as data: one CSV row per case, the summary in long form (CSV) and as JSON.

Numbers have fixed formats (:func:`sim.report.export.number`), so the same casebook and
seeds give byte-identical files; the columns are listed in docs/backtest.md.
"""

from __future__ import annotations

from typing import Any

from sim.analysis.backtest import FORECASTERS, Backtest, CalibrationBin, CaseScore
from sim.analysis.bootstrap import Interval
from sim.report.export import estimate_json, number
from sim.stats import Estimate

CASE_COLUMNS = (
    "case", "file", "cut_off", "horizon_end", "runs", "seed", "p_summit", "ci_low", "ci_high",
    "met", "date", "venue", "format",
    "base_rate_loo", "brier", "log_score", "brier_base_rate_loo", "log_score_base_rate_loo",
    "brier_always_50", "log_score_always_50",
    "venue_probability", "venue_log_score", "uniform_log_score",
    "central_80_from", "central_80_to", "median_date", "in_central_80", "venues_given_summit", "source",
)
SUMMARY_COLUMNS = ("metric", "key", "value", "ci_low", "ci_high", "count", "cases")


def case_rows(result: Backtest) -> tuple[list[str], list[list[str]]]:
    """The per-case CSV: header and rows (``--csv``)."""
    return list(CASE_COLUMNS), [_case_row(score) for score in result.cases]


def _case_row(score: CaseScore) -> list[str]:
    case, outcome = score.case, score.case.outcome
    time = case.scenario.time
    dates = score.central_dates()
    median = "" if score.median_round is None else time.round_date(score.median_round).isoformat()
    shares = " ".join(f"{venue}={number(e.value)}" for venue, e in score.venues_given_summit if e.trials)
    return [
        case.name, case.file, time.start.isoformat(), time.horizon_end.isoformat(), str(score.runs), str(score.seed),
        number(score.p.value), number(score.p.low), number(score.p.high),
        "yes" if outcome.met else "no", outcome.date.isoformat() if outcome.date else "", outcome.venue or "",
        outcome.format or "",
        number(score.forecasts[1]), number(score.brier[0]), number(score.log[0]), number(score.brier[1]),
        number(score.log[1]), number(score.brier[2]), number(score.log[2]),
        number(score.venue_probability), number(score.venue_log), number(score.uniform_log),
        dates[0].isoformat() if dates else "", dates[1].isoformat() if dates else "", median,
        "" if score.in_central is None else ("yes" if score.in_central else "no"), shares, outcome.source,
    ]


def summary_rows(result: Backtest) -> tuple[list[str], list[list[str]]]:
    """The summary in long form, one row per metric and key (``--summary-csv``)."""
    rows = []
    for score in result.forecasters:
        rows.append(_interval_row("brier", score.name, score.brier))
        rows.append(_interval_row("log_score", score.name, score.log))
    for score in result.forecasters[1:]:
        rows.append(_interval_row("brier_difference", score.name, score.brier_difference))
        rows.append(_interval_row("log_score_difference", score.name, score.log_difference))
    rows.append(_interval_row("calibration_in_the_large", "", result.calibration_in_the_large))
    for entry in result.calibration:
        key = _bin_key(entry)
        rows.append(["calibration_mean_forecast", key, number(entry.mean_forecast if entry.count else None),
                     "", "", "", str(entry.count)])
        rows.append(_estimate_row("calibration_share_met", key, entry.observed))
    rows.append(_interval_row("venue_skill", "", result.venue_skill))
    rows.append(_interval_row("venue_log_score", "sim", result.venue_log))
    rows.append(_interval_row("venue_log_score", "uniform", result.uniform_log))
    rows.append(_estimate_row("timing_in_central_80", "", result.timing))
    return list(SUMMARY_COLUMNS), rows


def _interval_row(metric: str, key: str, value: Interval | None) -> list[str]:
    assert value is not None
    return [metric, key, number(value.value), number(value.low), number(value.high), "", str(value.cases)]


def _estimate_row(metric: str, key: str, value: Estimate) -> list[str]:
    return [metric, key, number(value.value if value.trials else None), number(value.low), number(value.high),
            str(value.count), str(value.trials)]


def _bin_key(entry: CalibrationBin) -> str:
    return f"{entry.low:.2f}-{entry.high:.2f}"


def backtest_json(result: Backtest) -> dict[str, Any]:
    """The summary and every case, as plain JSON-ready data (``--json``)."""
    return {
        "casebook": result.casebook.directory,
        "outcomes": result.casebook.outcomes_file,
        "cases": [_case_json(score) for score in result.cases],
        "met": result.met,
        "scores": {score.name: {"brier": _interval_json(score.brier), "log_score": _interval_json(score.log),
                                "brier_difference": _interval_json(score.brier_difference),
                                "log_score_difference": _interval_json(score.log_difference)}
                   for score in result.forecasters},
        "forecasters": list(FORECASTERS),
        "calibration": [{"bin": _bin_key(e), "cases": e.count,
                         "mean_forecast": e.mean_forecast if e.count else None,
                         "share_met": estimate_json(e.observed)} for e in result.calibration],
        "calibration_in_the_large": _interval_json(result.calibration_in_the_large),
        "venue_skill": _interval_json(result.venue_skill),
        "venue_log_score": {"sim": _interval_json(result.venue_log), "uniform": _interval_json(result.uniform_log)},
        "timing_in_central_80": estimate_json(result.timing),
        "bootstrap": {"resamples": result.resamples, "seed": result.bootstrap_seed},
    }


def _case_json(score: CaseScore) -> dict[str, Any]:
    case, outcome = score.case, score.case.outcome
    dates = score.central_dates()
    return {
        "case": case.name, "file": case.file, "cut_off": case.scenario.time.start.isoformat(),
        "horizon_end": case.scenario.time.horizon_end.isoformat(), "runs": score.runs, "seed": score.seed,
        "p_summit": estimate_json(score.p),
        "outcome": {"met": outcome.met, "date": outcome.date.isoformat() if outcome.date else None,
                    "venue": outcome.venue, "format": outcome.format, "source": outcome.source},
        "forecasts": dict(zip(FORECASTERS, score.forecasts)),
        "brier": dict(zip(FORECASTERS, score.brier)),
        "log_score": dict(zip(FORECASTERS, score.log)),
        "venue_probability": score.venue_probability, "venue_log_score": score.venue_log,
        "uniform_log_score": score.uniform_log,
        "venues_given_summit": {venue: estimate_json(e) for venue, e in score.venues_given_summit},
        "central_80_rounds": list(score.central) if score.central else None,
        "central_80_dates": [d.isoformat() for d in dates] if dates else None,
        "in_central_80": score.in_central,
    }


def _interval_json(value: Interval | None) -> dict[str, Any] | None:
    if value is None or not value.cases:
        return None
    return {"value": value.value, "ci_low": value.low, "ci_high": value.high, "cases": value.cases}
