"""The terminal report: results as rich tables, readable at a glance."""

from __future__ import annotations

from typing import Sequence

from rich.console import Console
from rich.table import Table

from sim.analysis.experiment import Arm, difference
from sim.analysis.sweep import Axis, Point, format_value
from sim.analysis.trace import Trace
from sim.analysis.zone import Zone
from sim.engine.outcome import REASON_TEXT
from sim.report.layout import show
from sim.execution.aggregate import Summary
from sim.execution.runner import Result
from sim.scenario.schema import Time
from sim.report.text import interval, percent, render_overrides
from sim.stats import Difference


def titled_table(title: str, columns: Sequence[tuple[str, str]]) -> Table:
    """An empty table with a left-aligned title and ``(header, justify)`` columns."""
    table = Table(title=title, title_justify="left")
    for header, justify in columns:
        table.add_column(header, justify=justify)
    return table


def render_run(result: Result, zone: Zone, console: Console) -> None:
    """Print the report of one scenario's runs: the headline, then by date, where, when,
    in which format and how the runs ended."""
    _render_headline(result, zone, console)
    if zone.empty:
        return
    summary = result.summary
    show(_by_date_table(summary), console)
    show(_venue_table(summary, zone), console)
    if summary.p_summit.count:
        show(_timing_table(summary, result.scenario.time), console)
        show(_format_table(summary), console)
    show(_endings_table(summary), console)
    console.print(
        f"Agreements that collapsed in preparation: {summary.mean_collapses:.3f} per run "
        f"(at least one in {percent(summary.p_any_collapse.value)} of runs); "
        f"proposals rejected: {summary.mean_rejected:.1f} per run."
    )


def _render_headline(result: Result, zone: Zone, console: Console) -> None:
    scenario, time, p = result.scenario, result.scenario.time, result.summary.p_summit
    console.print(f"[bold]{scenario.title}[/bold]  ({scenario.name})")
    console.print(
        f"{result.runs:,} runs, seed {result.seed}; {time.rounds} rounds of {time.round_days} days "
        f"from {time.start} to {time.horizon_end}"
    )
    console.print(f"Zone of agreement: {zone.explanation()}")
    console.print()
    if zone.empty:  # certain, not estimated: say so rather than print a Monte Carlo interval
        console.print(
            f"[bold]P(summit by {time.horizon_end}) = 0: structurally impossible[/bold] "
            f"(no venue can be agreed, see the zone above; {p.count:,} of {p.trials:,} runs)"
        )
        return
    console.print(
        f"[bold]P(summit by {time.horizon_end}) = {percent(p.value)}[/bold]  "
        f"(95% interval {interval(p)}; {p.count:,} of {p.trials:,} runs)"
    )
    deal = result.summary.p_deal
    if deal is not None:  # eq. (11)
        console.print(
            f"P(track deal by {time.horizon_end}) = {percent(deal.value)}  ({scenario.track.name}; "
            f"95% interval {interval(deal)}; {deal.count:,} of {deal.trials:,} runs)", markup=False,
        )


def _by_date_table(summary: Summary) -> Table:
    """P(summit) by date, and beside it, with a track, P(the track's deal) by date (eq. 11)."""
    deal = [("P(track deal)", "right"), ("95% interval", "right")] if summary.p_deal is not None else []
    table = titled_table("Summit by date (cumulative)",
                         [("by", "left"), ("P(summit)", "right"), ("95% interval", "right"), *deal])
    deals = dict(summary.deal_by_date)
    for day, estimate in summary.by_date:
        cells = [percent(deals[day].value), interval(deals[day])] if deal else []
        table.add_row(str(day), percent(estimate.value), interval(estimate), *cells)
    return table


def _venue_table(summary: Summary, zone: Zone) -> Table:
    """Each venue's share; a venue that cannot be agreed says why instead of "0.0%"."""
    table = titled_table("Where", [("venue", "left"), ("of all runs", "right"), ("95% interval", "right"),
                                   ("given a summit", "right"), ("95% interval", "right")])
    standings = {s.venue: s for s in zone.standings}
    for vid, estimate in sorted(summary.venue_share.items(), key=lambda item: -item[1].count):
        given = summary.venue_given_summit[vid]
        standing = standings[vid]
        if not standing.reachable:
            table.add_row(standing.name, "0", standing.why_unreachable, "0", "")
            continue
        table.add_row(standing.name, percent(estimate.value), interval(estimate),
                      percent(given.value) if given.trials else "-", interval(given))
    return table


def _timing_table(summary: Summary, time: Time) -> Table:
    table = titled_table("When, given a summit", [("quantile", "left"), ("round", "right"), ("week of", "right")])
    for key, value in summary.rounds_quantiles.items():
        table.add_row(f"{key[1:]}%", str(value), str(time.round_date(value)))
    return table


def _format_table(summary: Summary) -> Table:
    table = titled_table("Format: who attends (eq. 9)", [
        ("format", "left"), ("of all runs", "right"), ("95% interval", "right"),
        ("given a summit", "right"), ("95% interval", "right"),
    ])
    for name, estimate in summary.format_of_runs.items():
        given = summary.format_share[name]
        table.add_row(name.replace("_", " "), percent(estimate.value), interval(estimate),
                      percent(given.value), interval(given))
    return table


def _endings_table(summary: Summary) -> Table:
    table = titled_table("How runs ended", [("outcome", "left"), ("share of runs", "right"), ("95% interval", "right")])
    for name, estimate in summary.reason_share.items():
        if estimate.count:
            table.add_row(REASON_TEXT[name], percent(estimate.value), interval(estimate))
    return table


def difference_text(d: "Difference", labelled: bool = False) -> str:
    """A difference in percentage points with its interval, e.g. '+4.1 pp [3.6, 4.6]'.

    ``labelled`` adds how the interval was computed (paired or independent runs).
    """
    text = f"{100 * d.value:+.1f} pp [{100 * d.low:+.1f}, {100 * d.high:+.1f}]"
    return f"{text} {'paired' if d.paired else 'independent'}" if labelled else text


def render_compare(arms: Sequence[tuple[str, Arm]], baseline: Arm, console: Console, chosen: bool = False) -> None:
    """Print one line per scenario: P(summit) and interval, difference, median, venues,
    the summits with a third party by format (eq. 9), and, when some scenario has a
    track, P(its deal by the horizon) with its interval (eq. 11).

    The title names the baseline and why it is the one: given with ``--baseline``
    (``chosen``) or, by default, the first file on the command line."""
    why = "--baseline" if chosen else "the first file given; choose another with --baseline"
    table = Table(title=f"Scenarios compared (P = summit by the horizon's end; baseline {baseline.result.scenario.name}, "
                        f"{why})", title_justify="left")
    table.add_column("scenario", no_wrap=True)
    table.add_column("P [95% interval]", justify="right", no_wrap=True)
    table.add_column("vs baseline", justify="right", no_wrap=True)
    table.add_column("median", no_wrap=True)
    table.add_column("leading venues (share of all runs)")
    table.add_column("third parties (of all runs)")
    tracks = any(arm.result.summary.p_deal is not None for _, arm in arms)
    if tracks:
        table.add_column("P(track deal) [95%]", justify="right", no_wrap=True)
    for _, arm in arms:
        result = arm.result
        summary = result.summary
        p = summary.p_summit
        median = summary.rounds_quantiles["q50"]
        shares = sorted(summary.venue_share.items(), key=lambda item: -item[1].count)
        leading = ", ".join(f"{vid} {percent(e.value)}" for vid, e in shares[:3] if e.count)
        formats = ", ".join(f"{name.replace('_', ' ')} {percent(e.value)}"
                            for name, e in summary.format_of_runs.items() if e.count and name != "bilateral")
        deal = summary.p_deal
        table.add_row(
            result.scenario.name, f"{percent(p.value)} [{100 * p.low:.1f}-{100 * p.high:.1f}]",
            "-" if arm is baseline else difference_text(difference(arm, baseline), labelled=True),
            str(result.scenario.time.round_date(median)) if median else "-", leading or "-", formats or "-",
            *([f"{percent(deal.value)} [{100 * deal.low:.1f}-{100 * deal.high:.1f}]" if deal else "-"] if tracks else []),
        )
    show(table, console)
    settings = {(arm.result.runs, arm.result.seed) for _, arm in arms}
    if len(settings) == 1:
        console.print(f"{settings.pop()[0]:,} runs each on common random numbers: differences are paired.")
    else:
        console.print("Runs or seeds differ between scenarios: differences are independent, not paired.")


def render_sweep(axes: Sequence[Axis], baseline: Arm, points: Sequence[Point], console: Console) -> None:
    """Print one line per grid point with P(summit), its interval and the paired difference."""
    p0 = baseline.result.summary.p_summit
    table = Table(title=f"Sweep ({points[0].arm.result.runs:,} runs per point, common random numbers)",
                  title_justify="left")
    for axis in axes:
        table.add_column(axis.path, justify="right")
    table.add_column("P(summit) [95%]", justify="right", no_wrap=True)
    table.add_column("vs scenario as written", justify="right", no_wrap=True)
    table.add_column("leading venue")
    for point in points:
        summary = point.arm.result.summary
        p = summary.p_summit
        top = max(summary.venue_share.items(), key=lambda item: item[1].count)
        table.add_row(
            *(format_value(v) for v in point.values),
            f"{percent(p.value)} [{100 * p.low:.1f}-{100 * p.high:.1f}]",
            difference_text(point.versus_baseline),
            f"{top[0]} {percent(top[1].value)}" if top[1].count else "-",
        )
    show(table, console)
    console.print(f"Scenario as written: P(summit) = {percent(p0.value)} [{100 * p0.low:.1f}-{100 * p0.high:.1f}].")


def render_trace(trace: Trace, console: Console) -> None:
    """Print one run round by round: pressure, the table and each answer, the status."""
    console.print(f"[bold]Run {trace.run}[/bold] of {trace.scenario} (seed {trace.seed})")
    for mediator, span in trace.attention.items():
        pause = "for good" if span["pause_rounds"] is None else f"for {span['pause_rounds']} rounds"
        console.print(f"{mediator} leaves after {span['patience']} failed rounds, {pause}")
    for principal, plan in trace.concessions.items():
        console.print(f"{principal} concedes every {plan['after']} failed rounds: {' > '.join(plan['venues'])}")
    table = Table(show_lines=True)
    table.add_column("round", justify="right")
    table.add_column("week of", no_wrap=True)
    table.add_column("pressure")
    table.add_column("on the table: p(accept) / draw per principal")
    table.add_column("outcome")
    for record in trace.rounds:
        pressure = ", ".join(
            f"{m} {value:.2f}" if record.engaged[m] else f"{m} disengaged" for m, value in record.pressure.items()
        )
        if record.shocks:
            pressure += "\n" + ", ".join(record.shocks)
        if record.structure:  # eq. (6''')
            pressure += "\n" + ", ".join(record.structure)
        if record.progress is not None:  # eq. (11)
            pressure += f"\ntrack {record.progress:.2f}"
        offers = "\n".join(
            f"{offer.venue} ({offer.proposed_by}): "
            + ", ".join(
                f"{p} {offer.acceptance[p]:.3f}/{offer.draw[p]:.3f} {'yes' if offer.accepted[p] else 'no'}"
                for p in offer.acceptance
            )
            for offer in record.table
        )
        drawn = "\n".join(
            f"{m} draws: " + ", ".join(f"{v} {percent(p)}" for v, p in chances.items())
            for m, chances in record.proposals.items()
        )
        if drawn:
            offers = f"{drawn}\n{offers}" if offers else drawn
        table.add_row(str(record.round), record.date, pressure or "-", offers or "-", record.status)
    show(table, console)
    if trace.track_ending:
        console.print(trace.track_ending, markup=False)
    console.print(trace.ending)
