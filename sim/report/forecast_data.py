"""CSV rows, JSON payloads and files of the forecasting analyses' results.

One function per result: :func:`propagation_rows` and :func:`propagation_json` for
``sim run --propagate``, :func:`sensitivity_rows`, :func:`discovery_rows`,
:func:`score_rows`, and :func:`write_calibrated` for the scenario ``sim calibrate --out``
writes. Numbers are written with :func:`sim.report.export.number`, the one rule of every CSV.
"""

from __future__ import annotations

import os
from typing import IO, Any, Iterator, Sequence

import numpy as np
import yaml

from sim.analysis.calibrate import Calibration, runs_text
from sim.analysis.discover import Discovery
from sim.analysis.propagate import PERCENTILES, Propagation, Spread
from sim.analysis.score import ScoreTable
from sim.analysis.sensitivity import Sensitivity
from sim.report.export import number
from sim.scenario.loader import load_document
from sim.scenario.parameters import document_with_values, nominal_values
from sim.scenario.variants import apply_overrides


def _spread_json(spread: Spread) -> dict[str, Any]:
    m = spread.mixture
    return {
        "estimate": m.value, "ci_low": m.low, "ci_high": m.high, "count": m.count, "trials": m.trials,
        "draw_se": spread.draw_se, **{f"p{q:02d}": v for q, v in zip(PERCENTILES, spread.percentiles)},
        "parameter_share": spread.parameter_share,
    }


def propagation_json(result: Propagation, overrides: Sequence[str] = ()) -> dict[str, Any]:
    """The propagation as a JSON-ready mapping (documented in docs/forecasting.md)."""
    nominal = nominal_values(result.scenario)
    return {
        "scenario": result.scenario.name,
        "overrides": list(overrides),
        "seed": result.seed,
        "draws": result.draws,
        "runs_per_draw": result.runs_per_draw,
        "parameters": [
            {"path": path, "value": nominal[path], "distribution": dist.describe(),
             **{f"p{q:02d}": float(v) for q, v in zip(PERCENTILES, np.percentile(result.values[:, k], PERCENTILES))}}
            for k, (path, dist) in enumerate(result.parameters.items())
        ],
        "fixed": result.fixed,
        "p_summit": _spread_json(result.p_summit()),
        "p_summit_by": [{"date": str(day), **_spread_json(s)} for day, s in result.by_date()],
        "venue_share": {vid: _spread_json(s) for vid, s in result.venue_share().items()},
        "p_summit_by_format": {name: _spread_json(s) for name, s in result.format_share().items()},
        # Eq. (11), only for scenarios with a track (the others' JSON is unchanged apart from formats).
        **({"p_deal": _spread_json(deal)} if (deal := result.p_deal()) is not None else {}),
    }


def propagation_rows(result: Propagation) -> Iterator[list[str]]:
    """The per-draw CSV: a header, then one row per draw (parameter values, P, shares, and
    with a track P(deal), eq. 11)."""
    dates = result.scenario.time.reporting_dates()
    track = result.scenario.track is not None
    yield ["draw", *result.parameters, "runs", "p_summit", *(f"p_by_{day}" for day, _ in dates),
           *(f"share_{v}" for v in result.venues), *(["p_deal"] if track else [])]
    by_date = [result.counts(last) for _, last in dates]
    by_venue = [result.counts(venue=k) for k in range(len(result.venues))]
    summits = result.counts()
    deals = [int(t.deals.sum()) for t in result.tallies]
    runs = result.runs_per_draw
    for d in range(result.draws):
        yield [str(d), *(repr(float(v)) for v in result.values[d]), str(runs), number(summits[d] / runs),
               *(number(c[d] / runs) for c in by_date), *(number(c[d] / runs) for c in by_venue),
               *([number(deals[d] / runs)] if track else [])]


def sensitivity_rows(result: Sensitivity) -> tuple[list[str], list[list[str]]]:
    """The CSV: one row per output and parameter."""
    keys = ("S1", "S1_conf", "ST", "ST_conf") if result.method == "sobol" else ("mu_star", "mu_star_conf", "mu", "sigma")
    header = ["output", "parameter", "rank", *keys, "runs_per_point", "noise_share"]
    out = []
    for name in result.outputs:
        for rank, index in enumerate(result.ranked(name), start=1):
            out.append([name, index.parameter, str(rank), *(number(index.values[key]) for key in keys),
                        str(result.runs_per_point), number(result.noise[name])])
    return header, out


def discovery_rows(found: Discovery) -> tuple[list[str], list[list[str]]]:
    header = ["point", *found.parameters, "runs", "p_summit", "interesting", "in_box"]
    inside = found.inside()
    out = [[str(k), *(repr(float(v)) for v in found.values[k]), str(int(found.runs[k])), number(float(found.p[k])),
            str(bool(found.interesting[k])).lower(), str(bool(inside[k])).lower()] for k in range(len(found.p))]
    return header, out


def write_calibrated(found: Calibration, file: str, overrides: Sequence[str], out: str, argv: Sequence[str],
                     handle: IO[str]) -> None:
    """Write to ``handle`` the scenario, to be saved as ``out``, that ``extends`` ``file``
    and sets the calibrated value; its header says how it was found."""
    parent = load_document(file)
    changed = apply_overrides(parent, [*overrides])
    changed = document_with_values(changed, {found.path: found.value}, {found.path: found.nominal})
    layer = _difference(parent, changed)
    folder = os.path.dirname(os.path.abspath(out))
    reference = os.path.relpath(os.path.abspath(file), folder)
    name = f"{found.result.scenario.name}_calibrated"[:40]
    body = {
        "extends": reference,
        "name": name,
        "title": f"{found.result.scenario.title} - calibrated: P(summit by {found.by}) = {found.target:.1%}"[:200],
        **layer,
    }
    header = (
        f"# Calibrated by: sim {' '.join(argv)}\n"
        f"# {found.path} = {found.value:.6g} gives P(summit by {found.by}) = {found.estimate.value:.4f} "
        f"(target {found.target:.4f});\n"
        f"# Monte Carlo 95% range of the value: {found.low:.6g} to {found.high:.6g} "
        f"({runs_text(found.result)}).\n"
    )
    handle.write(header)
    handle.write(yaml.safe_dump(body, sort_keys=False, allow_unicode=True))


def score_rows(table: ScoreTable) -> tuple[list[str], list[list[str]]]:
    header = ["scenario", "file", "question", "key", "outcome", "date", "forecast", "brier", "log_score", "status"]
    out = []
    for row in table.scored:
        for s in row:
            out.append([s.scenario, s.file, s.question.question, str(s.question.day or ""), s.question.outcome,
                        str(s.day or ""), number(s.forecast), number(s.brier), number(s.log), s.status])
    return header, out


def _difference(parent: Any, child: Any) -> dict[str, Any]:
    """The smallest mapping that, merged over ``parent`` by ``extends``, gives ``child``.

    Mappings are compared key by key; anything else that differs (a list included, since
    lists are replaced whole) is taken whole from the child.
    """
    out: dict[str, Any] = {}
    for key, value in child.items():
        if key not in parent:
            out[key] = value
        elif isinstance(value, dict) and isinstance(parent[key], dict):
            inner = _difference(parent[key], value)
            if inner:
                out[key] = inner
        elif value != parent[key]:
            out[key] = value
    return out
