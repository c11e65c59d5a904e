"""The forecasters' commands: sensitivity, calibration, scoring and scenario discovery,
and ``sim run --propagate``.

Each command is a thin layer over its analysis (:mod:`sim.analysis.sensitivity`,
:mod:`sim.analysis.calibrate`, :mod:`sim.analysis.score`, :mod:`sim.analysis.discover`,
:mod:`sim.analysis.propagate`) inside the shared frame of :mod:`sim.cli.session`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Callable, List, Optional, Sequence

import typer

from sim.cli.shell import (
    FILE_HELP,
    Overrides,
    Resume,
    Runs,
    Scheduler,
    Seed,
    Workers,
    command,
    console,
    fail,
    load_all,
)

RunsPerPoint = Annotated[int, typer.Option("--runs-per-point", min=1, max=1_000_000_000,
                                           help="The most runs at any point: runs are added 1,000 at a time until the point's 95% interval for P(summit) is clear of --threshold.")]


@command
def sensitivity(
    file: Path = typer.Argument(..., help=FILE_HELP),
    method: str = typer.Option("sobol", "--method", help="sobol (first-order and total indices) or morris (screening)."),
    samples: int = typer.Option(128, "--samples", min=2, max=100_000, help="Base sample size N (a power of 2 for sobol): N(k+2) points for sobol, N(k+1) for morris."),
    runs_per_point: int = typer.Option(1_000, "--runs-per-point", min=1, max=1_000_000_000,
                                       help="Runs added at each point per stage (stages stop once --max-noise holds)."),
    max_noise: float = typer.Option(0.01, "--max-noise", help="Largest share of the variance of P(summit) across points left to Monte Carlo noise."),
    csv_path: Optional[str] = typer.Option(None, "--csv", help="Write one row per output and parameter here ('-' for stdout)."),
    overrides: Overrides = [],
    seed: Seed = None,
    workers: Workers = None,
    scheduler: Scheduler = None,
    resume: Resume = False,
) -> None:
    """Rank the uncertain parameters by their influence on P(summit) and on each venue's share."""
    from sim.analysis.sensitivity import analyse_sensitivity
    from sim.report.forecast_data import sensitivity_rows
    from sim.report.forecast_tables import render_sensitivity

    run_sampled(analyse_sensitivity, file, overrides, csv_path, workers, scheduler, resume, sensitivity_rows,
                render_sensitivity, method=method, samples=samples, runs=runs_per_point, max_noise=max_noise, seed=seed)


@command
def calibrate(
    file: Path = typer.Argument(..., help=FILE_HELP),
    target: float = typer.Option(..., "--target", min=0.0, max=1.0, help="The outside probability to match, e.g. 0.15."),
    by: str = typer.Option(..., "--by", help="The date of the question: P(summit by DATE), YYYY-MM-DD."),
    param: str = typer.Option(..., "--param", "-p", help="PATH=LO:HI, the field to calibrate and the range to search."),
    out: Optional[str] = typer.Option(None, "--out", help="Write the calibrated scenario here: a YAML file that extends FILE."),
    tolerance: float = typer.Option(0.0005, "--tolerance", min=1e-9, max=0.5, help="Stop when P is this close to the target."),
    overrides: Overrides = [],
    runs: Runs = None,
    seed: Seed = None,
    workers: Workers = None,
    scheduler: Scheduler = None,
    resume: Resume = False,
) -> None:
    """Find the value of a parameter at which P(summit by DATE) matches an outside probability."""
    from sim.analysis.calibrate import calibrate_parameter, parse_by, parse_param
    from sim.analysis.zone import analyse_zone
    from sim.cli.session import Session
    from sim.report.forecast_data import write_calibrated
    from sim.report.forecast_tables import render_calibration
    from sim.report.tables import render_overrides
    from sim.scenario.variants import ROOTS_VARIABLE, within_reach

    path, low, high = parse_param(param)
    day = parse_by(by)
    if out and out != "-" and not within_reach(file, out):
        fail(f"--out {out}: the calibrated scenario extends {file}, which is outside the folder of {out}; "
             f"write it in the folder of {file} or below, or set {ROOTS_VARIABLE}=DIR to allow parents under DIR")
    with Session({"--out": out}, inputs=[file], workers=workers, scheduler=scheduler, resume=resume) as session:
        with session.progress("calibrating") as advance:
            found = calibrate_parameter(str(file), overrides, path=path, low=low, high=high, target=target, by=day,
                                        runs=runs, seed=seed, tolerance=tolerance, backend=session.backend(),
                                        progress=advance, journal=session.journal)
        session.publish({str(file): found.result.scenario}, {"--out": lambda handle: write_calibrated(found, str(file), overrides, out, session.command,
                                                                      handle)})
    render_overrides(overrides, console())
    render_calibration(found, analyse_zone(found.result.scenario), console(), out)


@command
def score(
    forecasts: List[Path] = typer.Option(..., "--forecasts", "-f", help="Scenario files whose forecasts are scored (repeatable)."),
    outcomes: Path = typer.Option(..., "--outcomes", help="CSV of resolved questions: question,key,outcome."),
    csv_path: Optional[str] = typer.Option(None, "--csv", help="Write one row per scenario and question here ('-' for stdout)."),
    overrides: Overrides = [],
    runs: Runs = None,
    seed: Seed = None,
    workers: Workers = None,
    scheduler: Scheduler = None,
    resume: Resume = False,
) -> None:
    """Brier and log scores of each scenario's forecasts against resolved questions."""
    from sim.analysis.score import read_outcomes, score_all
    from sim.cli.session import Session
    from sim.execution.runner import simulate
    from sim.report.export import table_writer
    from sim.report.forecast_data import score_rows
    from sim.report.forecast_tables import render_scores
    from sim.report.tables import render_overrides

    questions = read_outcomes(str(outcomes))
    scenarios = load_all([str(f) for f in forecasts], overrides)
    with Session({"--csv": csv_path}, inputs=list(scenarios), reads=[outcomes], workers=workers, scheduler=scheduler,
                 resume=resume) as session:
        backend = session.backend()
        with session.progress("scenarios") as advance:
            results = []
            for name, scenario in scenarios.items():
                results.append((name, simulate(scenario, runs=runs, seed=seed, backend=backend,
                                               journal=session.journal)))
                advance(len(results), len(scenarios))
        scored = score_all(results, questions)
        session.publish(scenarios, {"--csv": table_writer(*score_rows(scored))})
    if session.shows_tables:
        render_overrides(overrides, console())
        render_scores(scored, console())


@command
def discover(
    file: Path = typer.Argument(..., help=FILE_HELP),
    threshold: float = typer.Option(0.5, "--threshold", min=0.0, max=1.0, help="A point counts as 'summit likely' when its P(summit) exceeds this."),
    samples: int = typer.Option(400, "--samples", min=10, max=100_000, help="Points drawn from the uncertain parameters."),
    runs_per_point: RunsPerPoint = 10_000,
    csv_path: Optional[str] = typer.Option(None, "--csv", help="Write the points (parameters, P(summit), in box) here ('-' for stdout)."),
    overrides: Overrides = [],
    seed: Seed = None,
    workers: Workers = None,
    scheduler: Scheduler = None,
    resume: Resume = False,
) -> None:
    """Find the region of the uncertain parameters where a summit is likely (PRIM)."""
    from sim.analysis.discover import discover_region
    from sim.report.forecast_data import discovery_rows
    from sim.report.forecast_tables import render_discovery

    run_sampled(discover_region, file, overrides, csv_path, workers, scheduler, resume, discovery_rows,
                render_discovery, threshold=threshold, samples=samples, runs=runs_per_point, seed=seed)


def run_sampled(
    analysis: Callable[..., Any], file: Path, overrides: list[str], csv_path: Optional[str],
    workers: Optional[int], scheduler: Optional[str], resume: bool,
    rows_of: Callable[[Any], tuple[list[str], list[list[str]]]],
    render: Callable[[Any, Any], None], **options: Any,
) -> None:
    """The sample-based analyses (sensitivity, discover): one frame, their own rows and tables."""
    from sim.cli.session import Session
    from sim.report.export import table_writer
    from sim.report.tables import render_overrides

    with Session({"--csv": csv_path}, inputs=[file], workers=workers, scheduler=scheduler, resume=resume) as session:
        with session.progress("sample points") as advance:
            result = analysis(str(file), overrides, backend=session.backend(), progress=advance,
                              journal=session.journal, **options)
        session.publish({str(file): result.scenario}, {"--csv": table_writer(*rows_of(result))})
    if session.shows_tables:
        render_overrides(overrides, console())
        render(result, console())


def run_propagated(file: Path, overrides: Sequence[str], *, runs: int | None, seed: int | None,
                   workers: int | None, draws: int | None, csv_path: str | None, as_json: bool,
                   refused: dict[str, Any], scheduler: str | None = None, resume: bool = False) -> None:
    """``sim run FILE --propagate``: the mixture over parameter draws and the spread across them."""
    from sim.analysis.propagate import DEFAULT_DRAWS, propagate
    from sim.cli.session import Session
    from sim.errors import UsageError
    from sim.report.export import table_writer
    from sim.report.forecast_data import propagation_json, propagation_rows
    from sim.report.forecast_tables import render_propagation
    from sim.report.tables import render_overrides

    for option, value in refused.items():
        if value:
            raise UsageError(f"{option} does not apply with --propagate")
    draws = DEFAULT_DRAWS if draws is None else draws
    with Session({"--csv": csv_path}, inputs=[file], workers=workers, scheduler=scheduler, resume=resume,
                 json_output=as_json) as session:
        with session.progress("draws") as advance:
            result = propagate(str(file), overrides, draws=draws, runs=runs, seed=seed,
                               backend=session.backend(limit=draws), progress=advance, journal=session.journal)
        rows = list(propagation_rows(result))
        session.publish({str(file): result.scenario}, {"--csv": table_writer(rows[0], rows[1:])})
    if as_json:
        session.print_json(propagation_json(result, overrides), {str(file): result.scenario})
    elif session.shows_tables:
        render_overrides(overrides, console())
        render_propagation(result, console())
