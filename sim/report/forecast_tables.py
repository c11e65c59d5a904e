"""Terminal tables of the forecasting analyses' results (rich).

One function per result, each printing to the console it is given:
:func:`render_propagation`, :func:`render_sensitivity`, :func:`render_discovery`,
:func:`render_calibration` and :func:`render_scores`. The numbers' formats are those of
:mod:`sim.report.tables`, so every report reads alike.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from rich.table import Table

from sim.analysis.calibrate import Calibration, runs_text
from sim.analysis.discover import Discovery
from sim.analysis.propagate import PERCENTILES, Propagation, Spread
from sim.analysis.score import ScoreTable, mean
from sim.analysis.sensitivity import Sensitivity
from sim.report.layout import show
from sim.report.tables import render_run
from sim.report.text import interval, percent
from sim.scenario.parameters import nominal_values


def _spread_text(spread: Spread) -> str:
    return " / ".join(percent(v) for v in spread.percentiles)


def render_propagation(result: Propagation, console: Any) -> None:
    """Print the mixture and the spread across draws: P(summit), by date, by venue."""
    scenario = result.scenario
    time = scenario.time
    p = result.p_summit()
    console.print(f"[bold]{scenario.title}[/bold]  ({scenario.name})")
    console.print(
        f"Parameter uncertainty: {result.draws:,} draws of {len(result.parameters)} parameters, "
        f"{result.runs_per_draw:,} runs each ({result.draws * result.runs_per_draw:,} runs), seed {result.seed}; "
        f"{time.rounds} rounds from {time.start} to {time.horizon_end}"
    )
    for note in result.fixed:
        console.print(f"Fixed: {note}")
    console.print()
    console.print(
        f"[bold]P(summit by {time.horizon_end}) = {percent(p.mixture.value)}[/bold] over all draws "
        f"(95% interval {interval(p.mixture)} from the runs; +-{100 * 1.96 * p.draw_se:.1f} points from using "
        f"{result.draws:,} draws)"
    )
    console.print(
        f"If the parameters were known: 5th / 50th / 95th percentile over the draws = {_spread_text(p)}; "
        f"the parameters account for {percent(p.parameter_share)} of the variance of a run's outcome, "
        f"chance for the rest."
    )
    deal = result.p_deal()
    if deal is not None:  # eq. (11)
        console.print(
            f"P(track deal by {time.horizon_end}) = {percent(deal.mixture.value)} over all draws "
            f"({scenario.track.name}; 95% interval {interval(deal.mixture)} from the runs); "
            f"5th / 50th / 95th percentile over the draws = {_spread_text(deal)}.", markup=False,
        )
    dates = Table(title="Summit by date (cumulative)", title_justify="left")
    for name, justify in (("by", "left"), ("all draws", "right"), ("95% interval", "right"),
                          ("5th / 50th / 95th pct over draws", "right")):
        dates.add_column(name, justify=justify)
    for day, spread in result.by_date():
        dates.add_row(str(day), percent(spread.mixture.value), interval(spread.mixture), _spread_text(spread))
    venues = Table(title="Where (share of all runs)", title_justify="left")
    for name, justify in (("venue", "left"), ("all draws", "right"), ("95% interval", "right"),
                          ("5th / 50th / 95th pct over draws", "right")):
        venues.add_column(name, justify=justify)
    for vid, spread in sorted(result.venue_share().items(), key=lambda item: -item[1].mixture.count):
        if spread.mixture.count:
            venues.add_row(scenario.venues[vid].name, percent(spread.mixture.value), interval(spread.mixture),
                           _spread_text(spread))
    formats = Table(title="Format (share of all runs, eq. 9)", title_justify="left")
    for name, justify in (("format", "left"), ("all draws", "right"), ("95% interval", "right"),
                          ("5th / 50th / 95th pct over draws", "right")):
        formats.add_column(name, justify=justify)
    for name, spread in result.format_share().items():
        formats.add_row(name.replace("_", " "), percent(spread.mixture.value), interval(spread.mixture),
                        _spread_text(spread))
    drawn = Table(title="Parameters drawn", title_justify="left")
    for name, justify in (("parameter", "left"), ("value", "right"), ("distribution", "left"),
                          ("5th / 50th / 95th pct of draws", "right")):
        drawn.add_column(name, justify=justify, no_wrap=name != "distribution")
    nominal = nominal_values(scenario)
    for k, (path, dist) in enumerate(result.parameters.items()):
        qs = np.percentile(result.values[:, k], PERCENTILES)
        drawn.add_row(path, f"{nominal[path]:.4g}", dist.describe(), " / ".join(f"{q:.3g}" for q in qs))
    show(dates, console)
    show(venues, console)
    show(formats, console)
    show(drawn, console)


def _with_conf(value: float, conf: float) -> str:
    return f"{value:.3f} [{value - conf:.3f}, {value + conf:.3f}]"


def render_sensitivity(result: Sensitivity, console: Any) -> None:
    scenario = result.scenario
    console.print(f"[bold]{scenario.title}[/bold]  ({scenario.name})")
    console.print(
        f"{result.method.capitalize()} sensitivity of {len(result.parameters)} uncertain parameters: "
        f"{result.points:,} points x {result.runs_per_point:,} runs, common random numbers (seed {result.seed})"
    )
    if "p_summit" in result.noise:
        console.print(
            f"Monte Carlo noise: at most {result.noise['p_summit']:.2%} of the variance of P(summit) across points "
            f"(asked: {result.max_noise:.2%}; {result.stages} stage(s) of runs)")
    for note in result.fixed:
        console.print(f"Fixed: {note}")
    if "p_summit" not in result.outputs:
        console.print("P(summit) is the same at every point: no parameter has any influence on it.")
    else:
        table = Table(title=f"Influence on P(summit by {scenario.time.horizon_end}), most influential first",
                      title_justify="left")
        table.add_column("rank", justify="right")
        table.add_column("parameter", no_wrap=True)
        if result.method == "sobol":
            table.add_column("first-order S1 [95%]", justify="right", no_wrap=True)
            table.add_column("total ST [95%]", justify="right", no_wrap=True)
        else:
            table.add_column("mu* [95%]", justify="right", no_wrap=True)
            table.add_column("mu", justify="right")
            table.add_column("sigma", justify="right")
        for rank, index in enumerate(result.ranked("p_summit"), start=1):
            v = index.values
            if result.method == "sobol":
                table.add_row(str(rank), index.parameter, _with_conf(v["S1"], v["S1_conf"]),
                              _with_conf(v["ST"], v["ST_conf"]))
            else:
                table.add_row(str(rank), index.parameter, _with_conf(v["mu_star"], v["mu_star_conf"]),
                              f"{v['mu']:+.3f}", f"{v['sigma']:.3f}")
        show(table, console)
    venues = [name for name in result.outputs if name != "p_summit"]
    if venues:
        label = "total index ST" if result.method == "sobol" else "mu*"
        table = Table(title=f"Influence on each venue's share of all runs ({label} +- its 95% half-width)",
                      title_justify="left")
        table.add_column("parameter", no_wrap=True)
        for name in venues:
            table.add_column(scenario.venues[name.removeprefix("share_")].name, justify="right", no_wrap=True)
        conf = f"{result.key}_conf"
        order = [index.parameter for index in result.ranked("p_summit")] if "p_summit" in result.outputs \
            else list(result.parameters)
        for path in order:
            cells = []
            for name in venues:
                index = next(i for i in result.outputs[name] if i.parameter == path)
                cells.append(f"{index.values[result.key]:.2f} +-{index.values[conf]:.2f}")
            table.add_row(path, *cells)
        show(table, console)
    if result.constant:
        never = [name.removeprefix("share_") for name in result.constant if name != "p_summit"]
        if never:
            console.print(f"Never varies (no indices): {', '.join(never)}.")


def runs_range(found: Discovery) -> str:
    """The runs each point of a discovery got: one number, or the fewest to the most."""
    low, high = int(found.runs.min()), int(found.runs.max())
    return f"{low:,}" if low == high else f"{low:,} to {high:,}"


def render_discovery(found: Discovery, console: Any) -> None:
    scenario = found.scenario
    y = found.interesting
    console.print(f"[bold]{scenario.title}[/bold]  ({scenario.name})")
    console.print(
        f"{len(found.p):,} points drawn from {len(found.parameters)} uncertain parameters, "
        f"{runs_range(found)} runs each, common random numbers (seed {found.seed}); "
        f"P(summit by {scenario.time.horizon_end}) > {found.threshold:.0%} at {int(y.sum())} of them "
        f"({y.mean():.0%}); P ranges from {found.p.min():.1%} to {found.p.max():.1%}."
    )
    console.print(
        f"Runs until each point's 95% interval for P(summit) is clear of {found.threshold:.0%}, at most "
        f"{found.runs_per_point:,}: {int(found.runs.sum()):,} runs in all; "
        + ("every point is clear of it." if not found.unsettled else
           f"{found.unsettled:,} point(s) still straddle it and are counted by their estimate.")
    )
    for note in found.fixed:
        console.print(f"Fixed: {note}")
    if not y.any():
        console.print(f"[bold]No region found[/bold]: P(summit) exceeds {found.threshold:.0%} at none of the points "
                      f"(highest {found.p.max():.1%}); try a lower --threshold or wider ranges.")
        return
    if y.all():
        console.print(f"[bold]Everywhere[/bold]: P(summit) exceeds {found.threshold:.0%} at every point.")
        return
    console.print()
    console.print(f"[bold]{found.rule()}[/bold]")
    console.print(
        f"The box holds {found.mass:.0%} of the points; coverage is the share of all points with "
        f"P(summit) > {found.threshold:.0%} that fall in it, density the share of the points in it that have it."
    )
    limits = Table(title="The box (PRIM)", title_justify="left")
    for name, justify in (("parameter", "left"), ("from", "right"), ("to", "right"), ("sampled range", "right"),
                          ("quasi-p", "right")):
        limits.add_column(name, justify=justify, no_wrap=True)
    paths = list(found.parameters)
    for limit in found.limits:
        column = found.values[:, paths.index(limit.parameter)]
        limits.add_row(limit.parameter, "-" if limit.low is None else f"{limit.low:.4g}",
                       "-" if limit.high is None else f"{limit.high:.4g}",
                       f"{column.min():.4g} to {column.max():.4g}",
                       "-" if limit.quasi_p is None else f"{limit.quasi_p:.2g}")
    show(limits, console)
    if found.dropped:
        console.print("Dropped as indistinguishable from chance (quasi-p > 0.05): "
                      + "; ".join(f"{d.words()} (quasi-p {d.quasi_p:.2g})" for d in found.dropped) + ".")
    if found.trajectory:
        steps = Table(title="Peeling trajectory: coverage against density (every few steps)", title_justify="left")
        for name in ("step", "coverage", "density", "mass", "restricted"):
            steps.add_column(name, justify="right")
        every = max(1, len(found.trajectory) // 8)
        for k, (c, d, m, r) in enumerate(found.trajectory):
            if k % every == 0 or k == len(found.trajectory) - 1:
                steps.add_row(str(k), f"{c:.0%}", f"{d:.0%}", f"{m:.0%}", str(r))
        show(steps, console)


def render_calibration(found: Calibration, zone: Any, console: Any, out: str | None) -> None:
    """The calibrated value with its Monte Carlo range, the curve, then the full report."""
    e = found.estimate
    low = f"{'at most ' if found.low_open else ''}{found.low:.6g}"
    high = f"{'at least ' if found.high_open else ''}{found.high:.6g}"
    console.print(
        f"[bold]{found.path} = {found.value:.6g}[/bold] gives P(summit by {found.by}) = {percent(e.value)} "
        f"(target {percent(found.target)}; 95% interval {interval(e)})"
    )
    console.print(
        f"Monte Carlo uncertainty of the value: {low} to {high} (the values whose 95% interval for "
        f"P(summit by {found.by}) contains the target; {runs_text(found.result)}, common random numbers). "
        f"The scenario as written has {found.nominal:.6g}."
    )
    if found.low_open or found.high_open:
        console.print("The range reaches the end of the search range: more runs (--runs) or a wider --param narrow it.")
    curve = Table(title=f"P(summit by {found.by}) along {found.path} ({len(found.curve)} values evaluated; "
                        "the grid, the value and its range shown)", title_justify="left")
    curve.add_column(found.path, justify="right")
    curve.add_column("P(summit by date)", justify="right")
    curve.add_column("95% interval", justify="right")
    keep = {*found.grid, found.value, found.low, found.high}
    shown = [item for item in found.curve if item[0] in keep]
    for x, estimate in shown:
        mark = "  <- calibrated" if x == found.value else "  <- range" if x in (found.low, found.high) else ""
        curve.add_row(f"{x:.6g}", percent(estimate.value) + mark, interval(estimate))
    show(curve, console)
    if out:
        console.print(f"Wrote {out}: it extends the scenario and sets {found.path} = {found.value:.6g}.")
    console.print()
    console.print("[bold]What the calibrated scenario says[/bold]")
    render_run(found.result, zone, console)


def render_scores(table: ScoreTable, console: Any) -> None:
    common = table.common()
    summary = Table(title=f"Scores ({len(table.questions)} resolved questions; Brier: lower is better, "
                          "log: higher is better)", title_justify="left")
    for name, justify in (("scenario", "left"), ("start", "left"), ("runs", "right"), ("scored", "right"),
                          ("mean Brier", "right"), ("mean log", "right"),
                          (f"Brier, {len(common)} common", "right"), (f"log, {len(common)} common", "right")):
        summary.add_column(name, justify=justify, no_wrap=True)
    for (file, result), row in zip(table.files, table.scored):
        done = [s for s in row if s.status == "scored"]
        summary.add_row(
            result.scenario.name, str(result.scenario.time.start), f"{result.runs:,}", str(len(done)),
            _num(mean([s.brier for s in done])), _num(mean([s.log for s in done])),
            _num(mean([row[q].brier for q in common])), _num(mean([row[q].log for q in common])),
        )
    show(summary, console)
    detail = Table(title="Per question: probability given to what happened, Brier, log", title_justify="left")
    detail.add_column("question", no_wrap=True)
    for file, result in table.files:
        detail.add_column(result.scenario.name, justify="right", no_wrap=True)
    for q, question in enumerate(table.questions):
        cells = []
        for row in table.scored:
            s = row[q]
            cells.append(f"{s.forecast:.3f}  {s.brier:.3f}  {s.log:.2f}" if s.status == "scored" else "-")
        detail.add_row(question.label, *cells)
    show(detail, console)
    skipped = [(row[q].scenario, table.questions[q].label, row[q].status)
               for row in table.scored for q in range(len(table.questions)) if row[q].status != "scored"]
    for scenario, label, why in skipped:
        console.print(f"Not scored for {scenario}: {label} ({why}).")


def _num(value: float) -> str:
    return "-" if math.isnan(value) else f"{value:.4f}"
