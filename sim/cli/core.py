"""The ``sim`` command line: a thin shell over the Python API.

The core commands live here, the forecasting ones in :mod:`sim.cli.forecast`; what they
share (the app, the one-line error guard, common options) is in :mod:`sim.cli.shell`. Heavy
modules are imported inside the commands so that ``sim --help`` starts fast.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any, List, Mapping, Optional, Sequence

import typer

from sim.cli.shell import (
    FILE_HELP,
    Overrides,
    Resume,
    Runs,
    Scheduler,
    Seed,
    Workers,
    app,
    command,
    console,
    fail,
    load_all,
)

__all__ = ["main"]


@command
def run(
    file: Path = typer.Argument(..., help=FILE_HELP),
    overrides: Overrides = [],
    runs: Runs = None,
    seed: Seed = None,
    workers: Workers = None,
    csv_path: Optional[str] = typer.Option(None, "--csv", help="Write the summary CSV here ('-' for stdout)."),
    runs_csv: Optional[str] = typer.Option(None, "--runs-csv", help="Write one CSV row per run here (streamed)."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON instead of tables."),
    precision: Optional[float] = typer.Option(
        None, "--precision", help="Run batches until the 95% half-width of P(summit) is at most this."
    ),
    max_runs: Optional[int] = typer.Option(
        None, "--max-runs", min=1, max=1_000_000_000, help="Cap on runs with --precision (default 10,000,000)."
    ),
    plot: Optional[str] = typer.Option(None, "--plot", help="Draw P(summit by date) and venue shares to this PNG."),
    html: Optional[str] = typer.Option(None, "--html", help="Write the self-contained HTML report here."),
    propagate: bool = typer.Option(
        False, "--propagate", help="Draw the scenario's uncertain parameters, one draw per batch of runs; "
        "report the mixture and the spread across draws (--runs then counts runs per draw, at most 10,000)."
    ),
    draws: Optional[int] = typer.Option(None, "--draws", min=1, max=10_000, help="Parameter draws with --propagate (default 100)."),
    resume: Resume = False,
    scheduler: Scheduler = None,
) -> None:
    """Simulate a scenario and report how often, when and where a summit happens."""
    if propagate or draws is not None:
        if not propagate:
            fail("--draws only applies with --propagate")
        from sim.cli.forecast import run_propagated

        return run_propagated(file, overrides, runs=runs, seed=seed, workers=workers, draws=draws,
                              csv_path=csv_path, as_json=as_json, scheduler=scheduler, resume=resume,
                              refused={"--runs-csv": runs_csv, "--plot": plot, "--html": html,
                                       "--precision": precision, "--max-runs": max_runs})
    from sim.analysis.zone import analyse_zone
    from sim.cli.session import Session
    from sim.execution.runner import simulate
    from sim.report import export
    from sim.scenario.loader import load_scenario

    if precision is not None and runs is not None:
        fail("give --runs or --precision, not both (--max-runs caps a --precision run)")
    if max_runs is not None and precision is None:
        fail("--max-runs only applies with --precision")
    scenario = load_scenario(file, overrides)
    outputs = {"--csv": csv_path, "--runs-csv": runs_csv, "--plot": plot, "--html": html}
    with Session(outputs, inputs=[file], workers=workers, scheduler=scheduler, resume=resume, json_output=as_json) as session:
        grounds = page_provenance(session, {str(file): scenario}) if html else None
        zone = analyse_zone(scenario)
        with session.stream("--runs-csv") as handle, session.progress("batches") as advance:
            sink = export.runs_csv_sink(handle, scenario) if handle else None  # rows stream in as batches finish
            result = simulate(scenario, runs=runs, seed=seed, workers=session.workers, precision=precision,
                              max_runs=max_runs, on_outcome=sink, scheduler=scheduler, journal=session.journal,
                              progress=advance)
        session.publish({str(file): scenario}, {
            "--csv": lambda out: export.write_summary_csv(result, out),
            "--plot": lambda out: _plots().plot_run(result, out),
            "--html": lambda out: out.write(_pages().run_page(_pages().scenario_section(str(file), result, zone, overrides), grounds)),
        })
    if as_json:
        session.print_json(export.result_json(result, zone, overrides), {str(file): scenario})
    elif session.shows_tables:
        from sim.report.tables import render_overrides, render_run

        render_overrides(overrides, console())
        render_run(result, zone, console())


@command
def compare(
    files: List[Path] = typer.Argument(..., help="Scenario files to compare."),
    csv_path: Optional[str] = typer.Option(None, "--csv", help="Write the comparison CSV here ('-' for stdout)."),
    baseline_file: Optional[Path] = typer.Option(
        None, "--baseline", help="Scenario the differences are taken from (default: the first file)."
    ),
    html: Optional[str] = typer.Option(None, "--html", help="Write the self-contained HTML report here."),
    overrides: Overrides = [],
    runs: Runs = None,
    seed: Seed = None,
    workers: Workers = None,
    scheduler: Scheduler = None,
    resume: Resume = False,
) -> None:
    """Run several scenarios side by side, with each one's difference from a baseline."""
    session, arms, baseline = compare_and_publish(files, baseline_file, overrides, {"--csv": csv_path, "--html": html},
                                                  runs=runs, seed=seed, workers=workers, scheduler=scheduler,
                                                  resume=resume)
    if session.shows_tables:
        from sim.report.tables import render_compare, render_overrides

        render_overrides(overrides, console())
        render_compare(arms, baseline, console(), chosen=baseline_file is not None)


@command
def sweep(
    file: Path = typer.Argument(..., help=FILE_HELP),
    params: List[str] = typer.Option(..., "--param", "-p", help="PATH=START:STOP:STEPS or PATH=v1,v2,... (repeatable: a grid)."),
    csv_path: Optional[str] = typer.Option(None, "--csv", help="Write one row per grid point here ('-' for stdout)."),
    overrides: Overrides = [],
    runs: Runs = None,
    seed: Seed = None,
    workers: Workers = None,
    plot: Optional[str] = typer.Option(None, "--plot", help="Draw P(summit) and venue shares against the parameter."),
    html: Optional[str] = typer.Option(None, "--html", help="Write the self-contained HTML report here."),
    scheduler: Scheduler = None,
    resume: Resume = False,
) -> None:
    """Sweep scenario fields over a grid with common random numbers."""
    from sim.analysis.sweep import parse_axis, sweep_grid
    from sim.analysis.zone import analyse_zone
    from sim.cli.session import Session
    from sim.report import export
    from sim.scenario.loader import load_scenario

    axes = [parse_axis(p) for p in params]
    if plot and (len(axes) != 1 or not all(isinstance(v, (int, float)) for v in axes[0].values)):
        fail("--plot draws a sweep over one numeric parameter")
    with Session({"--csv": csv_path, "--plot": plot, "--html": html}, inputs=[file], workers=workers,
                 scheduler=scheduler, resume=resume) as session:
        grounds = page_provenance(session, {str(file): load_scenario(file, overrides)}) if html else None
        with session.progress("sweep") as advance:
            baseline, points = sweep_grid(str(file), axes, overrides=overrides, runs=runs, seed=seed,
                                          backend=session.backend(), progress=advance, journal=session.journal)
        venues = list(baseline.result.inputs.venues)
        rows = list(export.sweep_rows(points, venues))
        session.publish({str(file): baseline.result.scenario}, {
            "--csv": export.table_writer(export.sweep_header(axes, venues), rows),
            "--plot": lambda out: _plots().plot_sweep(axes[0].path, list(axes[0].values),
                                                      [p.arm.result for p in points], out),
            "--html": lambda out: out.write(_pages().sweep_page(
                _pages().scenario_section(str(file), baseline.result, analyse_zone(baseline.result.scenario), overrides),
                axes, points, grounds)),
        })
    if session.shows_tables:
        from sim.report.tables import render_overrides, render_sweep

        render_overrides(overrides, console())
        render_sweep(axes, baseline, points, console())


def with_baseline(files: Sequence[Path], baseline_file: Path | None) -> tuple[list[str], str]:
    """The scenario files to run, the baseline first when it is not among them, and the baseline's."""
    paths = [str(f) for f in files]
    if baseline_file is not None and str(baseline_file) not in paths:
        paths.insert(0, str(baseline_file))
    return paths, str(baseline_file) if baseline_file is not None else paths[0]


def compare_and_publish(files: Sequence[Path], baseline_file: Path | None, overrides: Sequence[str],
                        outputs: Mapping[str, str | None], *, runs: int | None, seed: int | None,
                        workers: int | None, scheduler: str | None, resume: bool) -> tuple[Any, list[tuple[str, Any]], Any]:
    """Run the scenarios on common random numbers and write the outputs asked for: the
    compare CSV (``--csv``) and the HTML page (``--html`` or ``sim report``'s ``--output``).
    Returns the finished session, the arms and the baseline's arm, for the tables."""
    from sim.cli.session import Session
    from sim.report import export

    paths, base_path = with_baseline(files, baseline_file)
    scenarios = load_all(paths, overrides)
    page_option = next((option for option in ("--html", "--output") if outputs.get(option)), None)
    with Session(outputs, inputs=paths, workers=workers, scheduler=scheduler, resume=resume) as session:
        grounds = page_provenance(session, scenarios) if page_option else None
        arms = run_arms(session, scenarios, runs=runs, seed=seed)
        baseline = dict(arms)[base_path]
        writers = {"--csv": export.table_writer(*export.compare_table(arms, baseline))}
        if page_option:
            writers[page_option] = lambda out: out.write(compare_html(arms, baseline, overrides, grounds))
        session.publish(scenarios, writers)
    return session, arms, baseline


def run_arms(session: Any, scenarios: Mapping[str, Any], *, runs: int | None, seed: int | None) -> list[tuple[str, Any]]:
    """Every scenario's runs on common random numbers, with one progress bar over all batches."""
    from sim.analysis.experiment import run_arm
    from sim.execution.runner import BATCH_SIZE

    backend = session.backend()
    batches = {path: -(-(runs or s.simulation.runs) // BATCH_SIZE) for path, s in scenarios.items()}
    arms: list[tuple[str, Any]] = []
    with session.progress("scenarios") as advance:
        for path, s in scenarios.items():
            before = sum(batches[p] for p, _ in arms)
            arms.append((path, run_arm(path, s, runs=runs, seed=seed, backend=backend, journal=session.journal,
                                       progress=lambda done, _, b=before: advance(b + done, sum(batches.values())))))
    return arms


def compare_html(arms: Sequence[tuple[str, Any]], baseline: Any, overrides: Sequence[str], grounds: Any) -> str:
    """The HTML page of several scenarios' arms (``compare --html``, ``sim report``)."""
    from sim.analysis.zone import analyse_zone

    pages = _pages()
    items = [pages.scenario_section(path, arm.result, analyse_zone(arm.result.scenario), overrides) for path, arm in arms]
    if len(items) == 1:
        return pages.run_page(items[0], grounds)
    return pages.compare_page(items, [arm for _, arm in arms], baseline, grounds)


def page_provenance(session: Any, scenarios: Mapping[str, Any]) -> Any:
    """What the HTML page says made it; read before simulating, so a bad facts file fails fast."""
    return _pages().provenance(session.command, session.output_paths, scenarios)


def _pages():  # type: ignore[no-untyped-def]
    """The HTML report module, imported only when a page is asked for."""
    from sim.report import html

    return html


def _plots():  # type: ignore[no-untyped-def]
    """The plotting module, imported only when a picture is asked for (matplotlib is an extra)."""
    from sim.report import plots

    return plots


@command
def validate(
    files: List[Path] = typer.Argument(..., help="Scenario files to check."),
    overrides: Overrides = [],
) -> None:
    """Check scenario files: OK, or each problem on its own line."""
    from sim.errors import ScenarioError
    from sim.scenario.loader import load_scenario

    bad = False
    for file in files:
        try:
            load_scenario(file, overrides)
        except ScenarioError as error:
            bad = True
            for line in error.lines():
                sys.stderr.write(f"{line}\n")
        else:
            sys.stdout.write(f"{file}: OK\n")
    if bad:
        raise typer.Exit(2)


@command
def init(
    file: str = typer.Argument(..., help="The new scenario file to write (YAML)."),  # str: keeps a trailing /
    principals: str = typer.Option(..., "--principals", help="The two leaders, e.g. zelensky,putin."),
    venues: str = typer.Option(..., "--venues", help="Places they might meet, NAME[:COUNTRY], e.g. geneva:Switzerland,istanbul:Turkey."),
    mediator: Optional[str] = typer.Option(None, "--mediator", help="A mediator who proposes the venues, e.g. trump."),
    start: Optional[str] = typer.Option(None, "--start", help="The day the forecast is made, YYYY-MM-DD (default: today)."),
    force: bool = typer.Option(False, "--force", help="Replace FILE if it exists."),
) -> None:
    """Write a commented, valid scenario skeleton with your leaders, venues and mediator."""
    from sim.report.files import atomic_file
    from sim.report.targets import plan
    from sim.scenario.skeleton import skeleton

    if os.path.lexists(file) and not force:
        fail(f"{file}: exists; give --force to replace it")
    plan("FILE", file)  # before anything else: a path that cannot be written
    from sim.scenario.fields import parse_date

    try:
        day = parse_date(start) if start else None
    except ValueError as error:
        fail(f"--start {start}: {error}")
    text = skeleton(Path(file).stem, principals.split(","), [v for v in venues.split(",") if v.strip()], mediator, day)
    with atomic_file("FILE", file) as handle:
        handle.write(text)
    sys.stdout.write(f"wrote {file}; next: sim explain {file}\n")


@command
def explain(
    file: Path = typer.Argument(..., help=FILE_HELP),
    overrides: Overrides = [],
) -> None:
    """Show the zone of agreement before any simulation: red lines, proposals, odds."""
    from sim.scenario.loader import load_scenario
    from sim.report.text import render_overrides
    from sim.report.zone_tables import render_zone
    from sim.analysis.zone import analyse_zone

    render_overrides(overrides, console())
    render_zone(analyse_zone(load_scenario(file, overrides)), console())


@command
def trace(
    file: Path = typer.Argument(..., help=FILE_HELP),
    run_index: int = typer.Option(0, "--run", "-k", help="Which run (0-based), as numbered by --runs-csv."),
    seed: Seed = None,
    overrides: Overrides = [],
    as_json: bool = typer.Option(False, "--json", help="Print the trace as JSON."),
) -> None:
    """Tell one run round by round and say why it ended the way it did."""
    import json

    from sim.scenario.loader import load_scenario
    from sim.analysis.trace import trace_run

    story = trace_run(load_scenario(file, overrides), run_index, seed)
    if as_json:
        sys.stdout.write(json.dumps({**story.as_dict(), "overrides": list(overrides)}, indent=2) + "\n")
    else:
        from sim.report.tables import render_overrides, render_trace

        render_overrides(overrides, console())
        render_trace(story, console())


@command
def replay(manifest_file: Path = typer.Argument(..., help="A NAME.manifest.json written beside an output.")) -> None:
    """Re-run the command that made an output and check it is reproduced byte for byte."""
    from sim.report.manifest import replay as run_replay

    found = run_replay(str(manifest_file))
    for change in found.changes:
        sys.stdout.write(f"changed: {change}\n")
    for name in found.matched:
        sys.stdout.write(f"reproduced byte for byte: {name}\n")
    for name in found.mismatched:
        sys.stdout.write(f"NOT reproduced: {name} differs from the original\n")
    if not found.reproduced:
        raise typer.Exit(1)


@command
def schema() -> None:
    """Print the JSON Schema of scenario files, for editors' YAML language servers."""
    import json

    from sim.scenario.schema import json_schema

    sys.stdout.write(json.dumps(json_schema(), indent=2) + "\n")


def main() -> None:
    """Entry point of the ``sim`` console script.

    Runs the app without Typer's standalone handling so that usage errors (a bad option
    value, a missing argument) are reported like every other error: one line, exit 2.
    """
    argv = sys.argv[1:]
    try:
        code = app(args=argv, standalone_mode=False)
    except Exception as error:
        format_message, code = getattr(error, "format_message", None), getattr(error, "exit_code", None)
        if format_message is None or not isinstance(code, int):
            raise
        if type(error).__name__ == "NoArgsIsHelpError":  # bare `sim`: show the help
            sys.stdout.write(format_message() + "\n")
            sys.exit(0)
        sys.stderr.write(f"sim: error: {' '.join(format_message().split())}\n")
        sys.exit(code)
    sys.exit(code if isinstance(code, int) else 0)
