"""Results as data: the summary CSV, the per-run CSV, the compare CSV and JSON.

Numbers are written with fixed formats so that the same runs give byte-identical files.
Column sets are documented in ``docs/output-format.md`` and stay stable.
"""

from __future__ import annotations

import csv
import math
from typing import IO, Any, Callable, Iterator, Sequence

from sim.analysis.experiment import Arm, difference
from sim.analysis.sweep import Axis, Point, format_value
from sim.analysis.zone import Zone
from sim.engine.outcome import FIELDS, REASONS, BatchOutcome, format_names
from sim.execution.runner import Result
from sim.scenario.schema import Scenario
from sim.stats import Difference, Estimate

SUMMARY_COLUMNS = ("scenario", "metric", "key", "estimate", "ci_low", "ci_high", "count", "trials")
RUN_COLUMNS = ("run", "held", "venue", "round", "date", "format", "parties", "rejected", "collapses", "reason")
COMPARE_FIXED = (
    "scenario", "file", "runs", "seed", "horizon_end", "p_summit", "ci_low", "ci_high",
    "median_round", "median_date", "median_days",
)
COMPARE_DIFF = ("baseline", "diff_vs_baseline", "diff_low", "diff_high", "diff_method")
COMPARE_DEAL = ("p_deal", "p_deal_low", "p_deal_high")


def number(value: float | None) -> str:
    """A probability or mean as text with six decimals; empty when undefined."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return f"{value:.6f}"


def bounds(estimate: Estimate | Difference) -> list[str]:
    """An estimate or difference and its 95% interval: three cells."""
    return [number(estimate.value), number(estimate.low), number(estimate.high)]


def share_cells(result: Result, venues: Sequence[str]) -> list[str]:
    """Each venue's share of all runs; empty for a venue the scenario does not have."""
    shares = result.summary.venue_share
    return [number(shares[v].value) if v in shares else "" for v in venues]


def format_cells(result: Result, formats: Sequence[str]) -> list[str]:
    """P(summit in each format) of all runs; empty for a format the scenario cannot produce."""
    shares = result.summary.format_of_runs
    return [number(shares[f].value) if f in shares else "" for f in formats]


def estimate_cells(estimate: Estimate) -> list[str]:
    return [*bounds(estimate), str(estimate.count), str(estimate.trials)]


def summary_rows(result: Result) -> list[list[str]]:
    """The summary in long form: one row per metric and key, with its interval and counts."""
    name = result.scenario.name
    summary = result.summary
    rows: list[list[str]] = [[name, "p_summit", "", *estimate_cells(summary.p_summit)]]
    rows += [[name, "p_summit_by", day.isoformat(), *estimate_cells(e)] for day, e in summary.by_date]
    rows += [[name, "venue_share", v, *estimate_cells(e)] for v, e in summary.venue_share.items()]
    rows += [[name, "venue_share_given_summit", v, *estimate_cells(e)] for v, e in summary.venue_given_summit.items()]
    rows += [[name, "format_share_given_summit", f, *estimate_cells(e)] for f, e in summary.format_share.items()]
    rows += [[name, "p_summit_by_format", f, *estimate_cells(e)] for f, e in summary.format_of_runs.items()]
    rows += [[name, "reason_share", r, *estimate_cells(e)] for r, e in summary.reason_share.items()]
    rows.append([name, "p_any_collapse", "", *estimate_cells(summary.p_any_collapse)])
    if summary.p_deal is not None:  # eq. (11), only for scenarios with a track
        rows.append([name, "p_deal", "", *estimate_cells(summary.p_deal)])
        rows += [[name, "p_deal_by", day.isoformat(), *estimate_cells(e)] for day, e in summary.deal_by_date]
    time = result.scenario.time
    for key, value in summary.rounds_quantiles.items():
        rows.append([name, "summit_round_quantile", key, "" if value is None else str(value), "", "", "", str(summary.p_summit.count)])
        rows.append([name, "summit_date_quantile", key, "" if value is None else time.round_date(value).isoformat(), "", "", "", str(summary.p_summit.count)])
    rows.append([name, "mean_collapses", "", number(summary.mean_collapses), "", "", "", str(summary.runs)])
    rows.append([name, "mean_rejected_proposals", "", number(summary.mean_rejected), "", "", "", str(summary.runs)])
    return rows


def summary_records(result: Result) -> list[dict[str, str]]:
    """The summary CSV's rows (``sim run --csv``) as dicts keyed by its columns, for notebooks."""
    return [dict(zip(SUMMARY_COLUMNS, row)) for row in summary_rows(result)]


def write_summary_csv(result: Result, handle: IO[str]) -> None:
    writer = csv.writer(handle, lineterminator="\n")
    writer.writerow(SUMMARY_COLUMNS)
    writer.writerows(summary_rows(result))


def run_cells(scenario: Scenario) -> dict[str, Callable[[dict[str, list[Any]]], list[Any]]]:
    """How each column of the runs CSV after ``run`` is made from a batch's outcome fields
    (:data:`sim.engine.outcome.FIELDS`, as Python lists): one converter per column, so a
    new outcome field is one more entry here and nothing is unpacked by position."""
    venues = list(scenario.venues) + [""]  # venue index -1: no summit
    parties = (*scenario.mediators, "third_party")
    formats = format_names(parties)
    dates = [""] + [scenario.time.round_date(t).isoformat() for t in range(1, scenario.time.rounds + 1)]
    return {
        "held": lambda f: [int(held) for held in f["held"]],
        "venue": lambda f: [venues[venue] for venue in f["venue"]],
        "round": lambda f: [rnd if held else "" for rnd, held in zip(f["round"], f["held"])],
        "date": lambda f: [dates[rnd] for rnd in f["round"]],
        "format": lambda f: [formats[code] if held else "" for code, held in zip(f["format"], f["held"])],
        "parties": lambda f: ["+".join(p for k, p in enumerate(parties) if bits >> k & 1) for bits in f["parties"]],
        "rejected": lambda f: f["rejected"],
        "collapses": lambda f: f["collapses"],
        "reason": lambda f: [REASONS[code] for code in f["reason"]],
        # Eq. (11), only for scenarios with a track (the others' runs CSV is unchanged).
        **({"deal_round": lambda f: [rnd or "" for rnd in f["deal_round"]]} if scenario.track else {}),
    }


def run_columns(scenario: Scenario) -> tuple[str, ...]:
    """The runs CSV's header for ``scenario``: ``run``, then one column per converter of
    :func:`run_cells` (:data:`RUN_COLUMNS`, and ``deal_round`` with a track, eq. 11)."""
    return ("run", *run_cells(scenario))


def runs_csv_sink(handle: IO[str], scenario: Scenario) -> Callable[[int, BatchOutcome], None]:
    """A callback for :func:`sim.execution.runner.simulate` that streams per-run rows to ``handle``."""
    writer = csv.writer(handle, lineterminator="\n")
    cells = run_cells(scenario)
    writer.writerow(("run", *cells))  # run_columns(scenario)

    def write(first_run: int, outcome: BatchOutcome) -> None:
        fields = {name: getattr(outcome, name).tolist() for name in FIELDS}
        columns = [range(first_run, first_run + len(outcome)), *(cell(fields) for cell in cells.values())]
        writer.writerows(zip(*columns))

    return write


def median_fields(result: Result) -> tuple[str, str, str]:
    """Median summit round, its date and days after the start (empty when no summit)."""
    median = result.summary.rounds_quantiles["q50"]
    if median is None:
        return "", "", ""
    time = result.scenario.time
    day = time.round_date(median)
    return str(median), day.isoformat(), str((day - time.start).days)


def compare_table(arms: Sequence[tuple[str, Arm]], baseline: Arm) -> tuple[list[str], list[list[str]]]:
    """One row per scenario; a ``share_<venue>`` column for every venue in any of them.

    ``diff_*`` columns give P(summit) minus the baseline's, with the paired interval when
    the runs correspond (same seed and run count), else the independent one. When some
    scenario has a track, ``p_deal`` and its interval follow (empty for those without).
    """
    venues: list[str] = []
    formats: list[str] = []
    for _, arm in arms:
        venues += [v for v in arm.result.inputs.venues if v not in venues]
        formats += [f for f in arm.result.summary.format_of_runs if f not in formats]
    tracks = any(arm.result.inputs.has_track for _, arm in arms)
    header = [*COMPARE_FIXED, *COMPARE_DIFF, *(f"share_{v}" for v in venues), *(f"format_{f}" for f in formats),
              *(COMPARE_DEAL if tracks else ())]
    rows = []
    for path, arm in arms:
        result = arm.result
        d = difference(arm, baseline)
        rows.append([
            result.scenario.name, path, str(result.runs), str(result.seed),
            result.scenario.time.horizon_end.isoformat(), *bounds(result.summary.p_summit),
            *median_fields(result),
            baseline.label, *bounds(d), "paired" if d.paired else "independent",
            *share_cells(result, venues), *format_cells(result, formats),
            *(deal_cells(result) if tracks else ()),
        ])
    return header, rows


def deal_cells(result: Result) -> list[str]:
    """P(the track reaches its deal by the horizon) and its interval (eq. 11); empty cells
    for a scenario without a track."""
    deal = result.summary.p_deal
    return bounds(deal) if deal is not None else ["", "", ""]


def write_rows(handle: IO[str], header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    writer = csv.writer(handle, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)


def table_writer(header: Sequence[str], rows: Sequence[Sequence[str]]) -> Callable[[IO[str]], None]:
    """A function that writes this table as CSV to the handle it is given (for output files)."""
    return lambda handle: write_rows(handle, header, rows)


def estimate_json(estimate: Estimate) -> dict[str, Any]:
    return {"estimate": estimate.value if estimate.trials else None, "ci_low": estimate.low,
            "ci_high": estimate.high, "count": estimate.count, "trials": estimate.trials}


def result_json(result: Result, zone: Zone, overrides: Sequence[str] = ()) -> dict[str, Any]:
    """Everything the terminal report shows, as plain JSON-ready data; ``overrides`` are
    the ``--set`` changes that made this variant of the scenario."""
    scenario = result.scenario
    summary = result.summary
    time = scenario.time
    return {
        "scenario": scenario.name,
        "title": scenario.title,
        "overrides": list(overrides),
        "runs": result.runs,
        "seed": result.seed,
        "start": time.start.isoformat(),
        "round_days": time.round_days,
        "rounds": time.rounds,
        "horizon_end": time.horizon_end.isoformat(),
        "zone": {
            "reachable": list(zone.reachable),
            "explanation": zone.explanation(),
            "venues": {s.venue: {"blocked_by": list(s.blocked_by), "proposed_by": list(s.proposed_by),
                                 "first_round_acceptance": s.first_round_acceptance} for s in zone.standings},
            # Eqs. (4b) and (4c), only for scenarios that use them (the others' JSON is unchanged).
            **({"start": zone.start} if scenario.announced else {}),
            **({"gatherings": [dict(g.__dict__, all_attend=g.all_attend) for g in zone.gatherings]}
               if zone.gatherings else {}),
            **({"structure_changes": list(zone.changes)} if zone.changes else {}),  # eq. (6''')
            **({"events": list(zone.events)} if zone.events else {}),  # eqs. (6)-(6''), in words
            **({"track": list(zone.track.sentences())} if zone.track is not None else {}),  # eq. (11)
        },
        "p_summit": estimate_json(summary.p_summit),
        "p_summit_by": {day.isoformat(): estimate_json(e) for day, e in summary.by_date},
        "venue_share": {v: estimate_json(e) for v, e in summary.venue_share.items()},
        "venue_share_given_summit": {v: estimate_json(e) for v, e in summary.venue_given_summit.items()},
        "format_share_given_summit": {f: estimate_json(e) for f, e in summary.format_share.items()},
        "p_summit_by_format": {f: estimate_json(e) for f, e in summary.format_of_runs.items()},
        "reason_share": {r: estimate_json(e) for r, e in summary.reason_share.items()},
        "summit_round_quantiles": summary.rounds_quantiles,
        "summit_date_quantiles": {k: (time.round_date(v).isoformat() if v else None)
                                  for k, v in summary.rounds_quantiles.items()},
        "p_any_collapse": estimate_json(summary.p_any_collapse),
        "mean_collapses": summary.mean_collapses,
        "mean_rejected_proposals": summary.mean_rejected,
        # Eq. (11), only for scenarios with a track (the others' JSON is unchanged).
        **({"track": {"name": scenario.track.name, "p_deal": estimate_json(summary.p_deal),
                      "p_deal_by": {day.isoformat(): estimate_json(e) for day, e in summary.deal_by_date}}}
           if summary.p_deal is not None else {}),
    }


def sweep_rows(points: Sequence[Point], venues: Sequence[str]) -> Iterator[list[str]]:
    """Rows of the sweep CSV (see ``sweep_header``)."""
    for point in points:
        result = point.arm.result
        yield [
            *(format_value(v) for v in point.values),
            str(result.runs), *bounds(result.summary.p_summit), *median_fields(result),
            *bounds(point.versus_baseline), *share_cells(result, venues),
        ]


def sweep_header(axes: Sequence[Axis], venues: Sequence[str]) -> list[str]:
    return [
        *(axis.path for axis in axes), "runs", "p_summit", "ci_low", "ci_high",
        "median_round", "median_date", "median_days", "diff_vs_baseline", "diff_low", "diff_high",
        *(f"share_{v}" for v in venues),
    ]
