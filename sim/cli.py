"""The ``sim`` command line: a thin shell over the Python API.

The core commands live here, the forecasting ones in :mod:`sim.cli_forecast`; what they
share (the app, the one-line error guard, common options) is in :mod:`sim.shell`. Heavy
modules are imported inside the commands so that ``sim --help`` starts fast.
"""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path
from typing import List, Optional

import typer

from .shell import (
    FILE_HELP, Overrides, Resume, Runs, Scheduler, Seed, Workers, app, command, console,
    default_workers, fail, progress_bar,
)

__all__ = ["app", "main"]


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
        from .propagate import run_command

        return run_command(file, overrides, runs=runs, seed=seed, workers=default_workers(workers), draws=draws,
                           csv_path=csv_path, as_json=as_json, refused={"--runs-csv": runs_csv, "--plot": plot,
                           "--precision": precision, "--max-runs": max_runs},
                           scheduler=scheduler, resume=resume)
    import json

    from . import export, manifest
    from .journal import JournalSession
    from .loader import load_scenario
    from .output import atomic_file, check_writable
    from .runner import simulate
    from .zone import analyse_zone

    if precision is not None and runs is not None:
        fail("give --runs or --precision, not both (--max-runs caps a --precision run)")
    if max_runs is not None and precision is None:
        fail("--max-runs only applies with --precision")
    scenario = load_scenario(file, overrides)
    targets = [path for path in (csv_path, runs_csv) if path]
    if len([path for path in targets if path == "-"]) + as_json > 1:
        fail("only one of --json, --csv -, --runs-csv - can use standard output")
    for path in targets:
        check_writable(path)
    if plot:
        from .plots import require

        check_writable(plot)
        require()
    workers = default_workers(workers)
    zone = analyse_zone(scenario)
    journal = JournalSession(resume)
    # The per-run rows stream into the file while the batches finish.
    with (atomic_file(runs_csv) if runs_csv else contextlib.nullcontext()) as handle:
        sink = export.runs_csv_sink(handle, scenario) if runs_csv else None
        result = simulate(scenario, runs=runs, seed=seed, workers=workers, precision=precision, max_runs=max_runs,
                          on_outcome=sink, scheduler=scheduler, journal=journal)
    if csv_path:
        with atomic_file(csv_path) as handle:
            export.write_summary_csv(result, handle)
    if plot:
        from .plots import plot_run

        with atomic_file(plot, binary=True) as handle:
            plot_run(result, handle)
    manifest.write(sys.argv[1:], {str(file): scenario}, [csv_path, runs_csv, plot])
    journal.finish()
    if as_json:
        payload = export.result_json(result, zone)
        payload["provenance"] = manifest.provenance({str(file): scenario})
        sys.stdout.write(json.dumps(payload, indent=2) + "\n")
    elif "-" not in targets:
        from .tables import render_run

        render_run(result, zone, console())


@command
def compare(
    files: List[Path] = typer.Argument(..., help="Scenario files to compare."),
    csv_path: Optional[str] = typer.Option(None, "--csv", help="Write the comparison CSV here ('-' for stdout)."),
    baseline_file: Optional[Path] = typer.Option(
        None, "--baseline", help="Scenario the differences are taken from (default: the first file)."
    ),
    overrides: Overrides = [],
    runs: Runs = None,
    seed: Seed = None,
    workers: Workers = None,
    scheduler: Scheduler = None,
    resume: Resume = False,
) -> None:
    """Run several scenarios side by side, with each one's difference from a baseline."""
    from . import export, manifest
    from .backends import make_backend
    from .errors import ScenarioError
    from .experiment import run_arm
    from .journal import JournalSession
    from .loader import load_scenario
    from .output import atomic_file, check_writable

    paths = [str(f) for f in files]
    if baseline_file is not None and str(baseline_file) not in paths:
        paths.insert(0, str(baseline_file))
    base_path = str(baseline_file) if baseline_file is not None else paths[0]
    scenarios, problems = [], []
    for path in paths:
        try:
            scenarios.append((path, load_scenario(path, overrides)))
        except ScenarioError as error:
            problems.append(error)
    if problems:
        for error in problems[:-1]:
            sys.stderr.write(f"sim: error: {error}\n")
        raise problems[-1]
    if csv_path:
        check_writable(csv_path)
    journal = JournalSession(resume)
    with contextlib.closing(make_backend(default_workers(workers), scheduler)) as backend:
        arms = [(path, run_arm(path, s, runs=runs, seed=seed, backend=backend, journal=journal))
                for path, s in scenarios]
    baseline = dict(arms)[base_path]
    header, rows = export.compare_table(arms, baseline)
    if csv_path:
        with atomic_file(csv_path) as handle:
            export.write_rows(handle, header, rows)
        manifest.write(sys.argv[1:], dict(scenarios), [csv_path])
    journal.finish()
    if csv_path != "-":
        from .tables import render_compare

        render_compare(arms, baseline, console())


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
    scheduler: Scheduler = None,
    resume: Resume = False,
) -> None:
    """Sweep scenario fields over a grid with common random numbers."""
    from . import export, manifest
    from .backends import make_backend
    from .journal import JournalSession
    from .output import atomic_file, check_writable
    from .sweep import iter_rows, parse_axis, sweep as run_sweep, sweep_header

    axes = [parse_axis(p) for p in params]
    if csv_path:
        check_writable(csv_path)
    if plot:
        from .plots import require

        if len(axes) != 1 or not all(isinstance(v, (int, float)) for v in axes[0].values):
            fail("--plot draws a sweep over one numeric parameter")
        check_writable(plot)
        require()
    journal = JournalSession(resume)
    with contextlib.closing(make_backend(default_workers(workers), scheduler)) as backend:
        with progress_bar("sweep") as advance:
            baseline, points = run_sweep(str(file), axes, overrides=overrides, runs=runs, seed=seed,
                                         backend=backend, progress=advance, journal=journal)
    venues = list(baseline.result.inputs.venues)
    header, rows = sweep_header(axes, venues), list(iter_rows(axes, points, venues))
    if csv_path:
        with atomic_file(csv_path) as handle:
            export.write_rows(handle, header, rows)
    if plot:
        from .plots import plot_sweep

        with atomic_file(plot, binary=True) as handle:
            plot_sweep(axes[0].path, list(axes[0].values), [p.arm.result for p in points], handle)
    manifest.write(sys.argv[1:], {str(file): baseline.result.scenario}, [csv_path, plot])
    journal.finish()
    if csv_path != "-":
        from .tables import render_sweep

        render_sweep(axes, baseline, points, console())


@command
def validate(
    files: List[Path] = typer.Argument(..., help="Scenario files to check."),
    overrides: Overrides = [],
) -> None:
    """Check scenario files: OK, or each problem on its own line."""
    from .errors import ScenarioError
    from .loader import load_scenario

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
def explain(
    file: Path = typer.Argument(..., help=FILE_HELP),
    overrides: Overrides = [],
) -> None:
    """Show the zone of agreement before any simulation: red lines, proposals, odds."""
    from .loader import load_scenario
    from .tables import render_zone
    from .zone import analyse_zone

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

    from .loader import load_scenario
    from .trace import trace_run

    story = trace_run(load_scenario(file, overrides), run_index, seed)
    if as_json:
        sys.stdout.write(json.dumps(story.as_dict(), indent=2) + "\n")
    else:
        from .tables import render_trace

        render_trace(story, console())


@command
def replay(manifest_file: Path = typer.Argument(..., help="A NAME.manifest.json written beside an output.")) -> None:
    """Re-run the command that made an output and check it is reproduced byte for byte."""
    from .manifest import replay as run_replay

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

    from .scenario import json_schema

    sys.stdout.write(json.dumps(json_schema(), indent=2) + "\n")


from . import cli_forecast  # noqa: E402,F401  (registers the forecasting commands after the core ones)


def main() -> None:
    """Entry point of the ``sim`` console script.

    Runs the app without Typer's standalone handling so that usage errors (a bad option
    value, a missing argument) are reported like every other error: one line, exit 2.
    """
    try:
        code = app(standalone_mode=False)
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
