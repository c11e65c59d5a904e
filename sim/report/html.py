"""The self-contained HTML report: one file with the answer, its uncertainty and its grounds.

:func:`run_page`, :func:`compare_page` and :func:`sweep_page` turn results into the text
of one HTML file. Every number comes from :func:`sim.report.export.result_json`, the
payload of ``sim run --json``, which the page also embeds whole; charts are inline SVG
(:mod:`sim.report.svg`); the layout is the Jinja template ``templates/report.html.j2``
with its stylesheet and script inlined. Nothing is fetched: no CDN, fonts or images from
elsewhere, and a Content-Security-Policy that forbids any request. Nothing depends on the
clock or on where the file is written, so the same inputs give the same bytes.
"""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence

import jinja2

from sim.analysis.experiment import Arm, difference
from sim.analysis.sweep import Axis, Point as SweepPoint, format_value
from sim.analysis.zone import Zone, analyse_zone
from sim.engine.outcome import REASON_TEXT
from sim.execution.aggregate import cumulative_curve
from sim.execution.runner import Result
from sim.report import manifest
from sim.report.export import result_json
from sim.report.svg import Bar, Point, Series, colour, interval_bars, line_chart
from sim.report.tables import difference_text
from sim.report.text import interval, percent
from sim.scenario.citations import FactBook, Parameter, cited, find_facts, parameters, read_facts
from sim.stats import Estimate

TEMPLATES = Path(__file__).resolve().parent / "templates"
_ENVIRONMENT = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                                  undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                                  keep_trailing_newline=True)


@dataclass(frozen=True)
class ScenarioSection:
    """One scenario's runs as the page shows them, with what its parameters rest on."""

    file: str
    result: Result
    zone: Zone
    overrides: tuple[str, ...]
    parameters: tuple[Parameter, ...]
    cited: tuple[str, ...]


@dataclass(frozen=True)
class Provenance:
    """What made the page: the command, versions and hashes, and the facts file."""

    command: tuple[str, ...]
    outputs: tuple[str, ...]
    hashes: Mapping[str, Any]
    facts: FactBook | None


def scenario_section(file: str, result: Result, zone: Zone, overrides: Sequence[str] = ()) -> ScenarioSection:
    """A scenario's result with its parameters' citations, read from ``file``'s comments."""
    found = parameters(file, result.scenario, overrides)
    return ScenarioSection(file, result, zone, tuple(overrides), found, cited(result.scenario, found))


def html_report(file: str, result: Result, overrides: Sequence[str] = ()) -> str:
    """The page of ``result``, simulated from ``file`` (with ``overrides``), for notebooks:
    what ``sim run FILE --html`` writes, its provenance saying it was made from Python."""
    found = provenance((), (), {file: result.scenario})
    return run_page(scenario_section(file, result, analyse_zone(result.scenario), overrides), found)


def run_page(item: ScenarioSection, provenance: Provenance) -> str:
    """The page of one scenario's runs (``sim run --html``, ``sim report FILE``)."""
    return _render([item], provenance, title=item.result.scenario.title)


def compare_page(items: Sequence[ScenarioSection], arms: Sequence[Arm], baseline: Arm, provenance: Provenance) -> str:
    """Several scenarios on common random numbers, their table and paired differences."""
    keys = [_key(k) for k in range(len(items))]
    rows, bars, bar_keys = [], [], []
    for key, item, arm in zip(keys, items, arms):
        summary, name = item.result.summary, item.result.scenario.name
        d = difference(arm, baseline)
        median = summary.rounds_quantiles["q50"]
        leading = sorted(summary.venue_share.items(), key=lambda kv: -kv[1].count)
        rows.append({
            "key": key, "name": name, "file": item.file, "p": _cell(summary.p_summit),
            "is_baseline": arm is baseline, "diff": difference_text(d), "diff_value": d.value,
            "method": "paired" if d.paired else "independent",
            "median": item.result.scenario.time.round_date(median).isoformat() if median else "",
            "leading": ", ".join(f"{v} {percent(e.value)}" for v, e in leading[:3] if e.count) or "-",
        })
        if arm is not baseline:
            bars.append(Bar(name, d.value, d.low, d.high,
                            f"{name} - {baseline.result.scenario.name}: {difference_text(d, labelled=True)}"))
            bar_keys.append(key)
    chart = interval_bars(bars, label="Paired difference in P(summit) from the baseline",
                          unit="percentage points vs baseline", keys=bar_keys) if bars else ""
    compare = {"rows": rows, "baseline": baseline.result.scenario.name, "chart": chart,
               "paired": len({(a.result.runs, a.result.seed) for a in arms}) == 1}
    return _render(items, provenance, title=f"{len(items)} scenarios compared", compare=compare)


def sweep_page(item: ScenarioSection, axes: Sequence[Axis], points: Sequence[SweepPoint], provenance: Provenance) -> str:
    """A sweep over scenario fields: response curves (one numeric axis) and the grid's table."""
    venues = list(item.result.inputs.venues)
    rows = [{"values": [format_value(v) for v in p.values], "p": _cell(p.arm.result.summary.p_summit),
             "diff": difference_text(p.versus_baseline), "diff_value": p.versus_baseline.value,
             "shares": [_cell(p.arm.result.summary.venue_share[v]) for v in venues]} for p in points]
    charts = []
    if len(axes) == 1 and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in axes[0].values):
        path = axes[0].path
        xs = [float(p.values[0]) for p in points]
        ticks = [(x, format_value(p.values[0])) for x, p in zip(xs, points)]
        if len(ticks) > 11:
            ticks = ticks[:: -(-len(ticks) // 10)]
        p_series = Series("p", "P(summit)", tuple(_point(x, p.arm.result.summary.p_summit,
                                                         f"{path} = {format_value(p.values[0])}")
                                                  for x, p in zip(xs, points)))
        charts.append({"title": f"P(summit by {item.result.scenario.time.horizon_end}) against {path}", "legend": [],
                       "svg": line_chart([p_series], label=f"P(summit) against {path}", x_ticks=ticks, x_title=path,
                                         y_title="P(summit), %", step=False)})
        shown = [v for v in venues if any(p.arm.result.summary.venue_share[v].count for p in points)]
        venue_series = [Series(f"v-{v}", v, tuple(_point(x, p.arm.result.summary.venue_share[v],
                                                         f"{path} = {format_value(p.values[0])}")
                                                  for x, p in zip(xs, points))) for v in shown]
        if venue_series:
            charts.append({"title": "Venue shares (of all runs)",
                           "legend": [{"key": s.key, "name": s.name, "colour": colour(k)} for k, s in enumerate(venue_series)],
                           "svg": line_chart(venue_series, label=f"Venue shares against {path}", x_ticks=ticks,
                                             x_title=path, y_title="share of all runs, %", step=False)})
    sweep = {"axes": [a.path for a in axes], "venues": venues, "rows": rows, "charts": charts,
             "runs": points[0].arm.result.runs if points else 0}
    return _render([item], provenance, title=f"Sweep of {', '.join(a.path for a in axes)}: {item.result.scenario.name}",
                   sweep=sweep)


def shown_command(argv: Sequence[str], outputs: Sequence[str]) -> tuple[str, ...]:
    """The command as given, each output file named by its file name only: the page does
    not depend on the folder it was written to (``sim replay`` writes it elsewhere)."""
    names = {path: Path(path).name for path in outputs if path and path != "-"}
    shown = []
    for word in argv:
        option, equals, value = word.partition("=")
        if word in names:
            shown.append(names[word])
        elif equals and option.startswith("-") and value in names:
            shown.append(f"{option}={names[value]}")
        else:
            shown.append(word)
    return tuple(shown)


def _key(index: int) -> str:
    return f"s{index}"


def _cell(e: Estimate) -> dict[str, Any]:
    """An estimate as the page shows it, with the raw numbers of ``sim run --json`` beside."""
    return {"text": percent(e.value) if e.trials else "-", "interval": interval(e), "value": _raw(e.value if e.trials else None),
            "low": _raw(e.low), "high": _raw(e.high), "count": e.count, "trials": e.trials,
            "counts": f"{e.count:,} of {e.trials:,}"}


def _raw(value: float | None) -> str:
    return json.dumps(value)


def _point(x: float, e: Estimate, where: str) -> Point:
    return Point(x, e.value, e.low, e.high, f"{where}: {percent(e.value)} (95% interval {interval(e)}; "
                                            f"{e.count:,} of {e.trials:,} runs)")


def _curve(key: str, result: Result) -> Series:
    """P(summit held by each round) as a step series over calendar days (x: the day's
    ordinal, so scenarios with different calendars line up). Round t's value holds from
    its opening day, as a report's P(summit by date) counts the round containing the date;
    the last value is carried to the horizon's end."""
    time = result.scenario.time
    curve = cumulative_curve(result.tally)
    points = [_point(float(time.round_date(t).toordinal()), e, f"round {t}, week of {time.round_date(t)}")
              for t, e in curve]
    if curve:
        last = curve[-1][1]
        points.append(_point(float(time.horizon_end.toordinal()), last, f"by {time.horizon_end}"))
    return Series(key, result.scenario.name, tuple(points))


def _date_ticks(results: Sequence[Result]) -> list[tuple[float, str]]:
    """The first scenario's reporting dates (milestones, and the horizon's end)."""
    return [(float(day.toordinal()), day.isoformat()) for day, _ in results[0].scenario.time.reporting_dates()]


def _headline(item: ScenarioSection) -> str:
    scenario, p = item.result.scenario, item.result.summary.p_summit
    principals = " and ".join(a.name for a in scenario.actors.values() if a.role == "principal")
    horizon = scenario.time.horizon_end
    if item.zone.empty:
        return (f"{principals} cannot meet by {horizon} in this scenario: no venue can be agreed "
                f"(structurally impossible; {p.count:,} of {p.trials:,} runs).")
    text = (f"{principals} meet by {horizon} in {percent(p.value)} of {p.trials:,} simulated runs "
            f"(95% interval {interval(p)}).")
    given = item.result.summary.venue_given_summit
    if p.count:
        venue, share = max(given.items(), key=lambda kv: kv[1].count)
        median = item.result.summary.rounds_quantiles["q50"]
        text += (f" Given a summit, it is most often in {scenario.venues[venue].name} ({percent(share.value)}), "
                 f"and half of the summits happen by the week of {scenario.time.round_date(median)}.")
    deal = item.result.summary.p_deal
    if deal is not None:  # eq. (11)
        text += (f" Its negotiation track, {scenario.track.name}, reaches its deal by then in "
                 f"{percent(deal.value)} of runs (95% interval {interval(deal)}).")
    return text


def _section(key: str, item: ScenarioSection, facts: FactBook | None, index: int) -> dict[str, Any]:
    result, summary, zone = item.result, item.result.summary, item.zone
    time = result.scenario.time
    standings = {s.venue: s for s in zone.standings}
    venues = []
    for vid, e in sorted(summary.venue_share.items(), key=lambda kv: -kv[1].count):
        s = standings[vid]
        why = s.why_unreachable
        venues.append({"id": vid, "name": s.name, "share": _cell(e), "given": _cell(summary.venue_given_summit[vid]),
                       "why": why})
    reachable = [v for v in venues if not v["why"]]
    venue_svg = interval_bars([Bar(v["name"], summary.venue_share[v["id"]].value, summary.venue_share[v["id"]].low,
                                   summary.venue_share[v["id"]].high,
                                   f"{v['name']}: {v['share']['text']} of all runs (95% interval {v['share']['interval']})")
                               for v in reachable], label=f"Where the summit is held: {result.scenario.name}",
                              unit="% of all runs")
    known = facts.facts if facts else {}
    return {
        "key": key, "index": index, "colour": colour(index), "name": result.scenario.name, "title": result.scenario.title,
        "file": item.file, "overrides": list(item.overrides), "runs": result.runs, "seed": result.seed,
        "start": time.start.isoformat(), "horizon": time.horizon_end.isoformat(), "rounds": time.rounds,
        "round_days": time.round_days, "headline": _headline(item), "explanation": zone.explanation(),
        "empty": zone.empty, "p": _cell(summary.p_summit),
        "by_date": [{"date": day.isoformat(), "cell": _cell(e)} for day, e in summary.by_date],
        "track": result.scenario.track.name if result.scenario.track else None,  # eq. (11)
        "deal_by_date": [{"date": day.isoformat(), "cell": _cell(e)} for day, e in summary.deal_by_date],
        "venues": venues, "venue_svg": venue_svg if reachable else "",
        "quantiles": [{"key": k, "label": f"{k[1:]}%", "round": v, "date": time.round_date(v).isoformat()}
                      for k, v in summary.rounds_quantiles.items() if v is not None],
        "formats": [{"key": f, "label": f.replace("_", " "), "cell": _cell(e)} for f, e in summary.format_share.items()],
        "reasons": [{"key": r, "label": REASON_TEXT[r], "cell": _cell(e)} for r, e in summary.reason_share.items() if e.count],
        "collapses": f"{summary.mean_collapses:.3f}", "any_collapse": _cell(summary.p_any_collapse),
        "rejected": f"{summary.mean_rejected:.1f}",
        "parameters": [{"path": p.path, "value": _value_text(p.value), "status": p.status, "file": p.file,
                        "comment": p.comment, "facts": [{"id": f, "known": f in known} for f in p.facts]}
                       for p in item.parameters],
        "counts": _status_counts(item.parameters),
        "cited": [{"id": f, "known": f in known} for f in item.cited],
        "json": _script_json(result_json(result, zone, item.overrides)),
    }


def _status_counts(found: Sequence[Parameter]) -> list[tuple[str, int]]:
    counts: dict[str, int] = {}
    for p in found:
        counts[p.status] = counts.get(p.status, 0) + 1
    return sorted(counts.items())


def _value_text(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _script_json(payload: Any) -> str:
    """JSON safe inside ``<script type="application/json">`` (no ``</`` can close it)."""
    return json.dumps(payload, indent=1, ensure_ascii=False).replace("</", "<\\/")


def _render(items: Sequence[ScenarioSection], provenance: Provenance, *, title: str,
            compare: dict[str, Any] | None = None, sweep: dict[str, Any] | None = None) -> str:
    keys = [_key(k) for k in range(len(items))]
    sections = [_section(key, item, provenance.facts, k) for k, (key, item) in enumerate(zip(keys, items))]
    curve = line_chart([_curve(key, item.result) for key, item in zip(keys, items)],
                       label="P(summit by date) with its 95% band", x_ticks=_date_ticks([i.result for i in items]),
                       x_title="date", y_title="P(summit by date), %", step=True)
    cited_ids = list(dict.fromkeys(f for item in items for f in item.cited))
    facts = provenance.facts
    fact_rows = [{"id": f, "fact": facts.facts.get(f) if facts else None} for f in
                 sorted(cited_ids, key=lambda f: (f[0], int(f[1:])))]
    return _ENVIRONMENT.get_template("report.html.j2").render(
        title=title, sections=sections, compare=compare, sweep=sweep, curve=curve,
        facts=facts, fact_rows=fact_rows, command=shlex.join(["sim", *provenance.command]) if provenance.command else "",
        manifests=[f"{Path(o).name}.manifest.json" for o in provenance.outputs if o and o != "-"],
        hashes=provenance.hashes, style=(TEMPLATES / "report.css").read_text(encoding="utf-8"),
        script=(TEMPLATES / "report.js").read_text(encoding="utf-8"),
    )


def provenance(command: Sequence[str], outputs: Sequence[str], scenarios: Mapping[str, Any]) -> Provenance:
    """The page's provenance: the command (outputs by file name), versions, scenario hashes
    and the facts file found beside or above the first scenario (read now, so a broken
    facts file fails before any simulation)."""
    found = find_facts(next(iter(scenarios))) if scenarios else None
    return Provenance(shown_command(command, outputs), tuple(outputs), manifest.provenance(dict(scenarios)),
                      read_facts(found) if found else None)
