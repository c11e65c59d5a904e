"""The forecasters' commands: sensitivity, calibration, scoring and scenario discovery.

``sim run --propagate`` lives with ``sim run`` in :mod:`sim.cli`. Each command here is a
thin layer over its module (:mod:`sim.sensitivity`, :mod:`sim.calibrate`,
:mod:`sim.score`, :mod:`sim.discover`).
"""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Callable, List, Optional

import typer

from .shell import (
    FILE_HELP, Overrides, Resume, Runs, Scheduler, Seed, Workers, command, console, default_workers, progress_bar,
)

if TYPE_CHECKING:
    from rich.console import Console

RunsPerPoint = Annotated[int, typer.Option("--runs-per-point", min=1, max=1_000_000_000,
                                           help="Runs at each point (10,000 is one batch).")]


@command
def sensitivity(
    file: Path = typer.Argument(..., help=FILE_HELP),
    method: str = typer.Option("sobol", "--method", help="sobol (first-order and total indices) or morris (screening)."),
    samples: int = typer.Option(128, "--samples", min=2, max=100_000, help="Base sample size N (a power of 2 for sobol): N(k+2) points for sobol, N(k+1) for morris."),
    runs_per_point: RunsPerPoint = 10_000,
    csv_path: Optional[str] = typer.Option(None, "--csv", help="Write one row per output and parameter here ('-' for stdout)."),
    overrides: Overrides = [],
    seed: Seed = None,
    workers: Workers = None,
    scheduler: Scheduler = None,
    resume: Resume = False,
) -> None:
    """Rank the uncertain parameters by their influence on P(summit) and on each venue's share."""
    from .sensitivity import render, rows, sensitivity as analyse

    run_sampled(analyse, file, overrides, csv_path, workers, scheduler, resume, rows, render,
                method=method, samples=samples, runs=runs_per_point, seed=seed)


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
    from .backends import make_backend
    from .calibrate import calibrate as find, parse_param, parse_date, render, write_calibrated
    from .journal import JournalSession
    from .output import check_writable
    from .zone import analyse_zone

    path, low, high = parse_param(param)
    day = parse_date(by)
    if out:
        check_writable(out)
    journal = JournalSession(resume)
    with contextlib.closing(make_backend(default_workers(workers), scheduler)) as backend:
        with progress_bar("calibrating") as advance:
            found = find(str(file), overrides, path=path, low=low, high=high, target=target, by=day, runs=runs,
                         seed=seed, tolerance=tolerance, backend=backend, progress=advance, journal=journal)
    if out:
        write_calibrated(found, str(file), overrides, out, sys.argv[1:])
    journal.finish()
    render(found, analyse_zone(found.result.scenario), console(), out)


@command
def score(
    forecasts: List[Path] = typer.Option(..., "--forecasts", "-f", help="Scenario files whose forecasts are scored (repeatable)."),
    outcomes: Path = typer.Option(..., "--outcomes", help="CSV of resolved questions: question,key,outcome."),
    csv_path: Optional[str] = typer.Option(None, "--csv", help="Write one row per scenario and question here ('-' for stdout)."),
    overrides: Overrides = [],
    runs: Runs = None,
    seed: Seed = None,
    workers: Workers = None,
) -> None:
    """Brier and log scores of each scenario's forecasts against resolved questions."""
    from . import manifest
    from .backends import make_backend
    from .export import write_rows
    from .loader import load_scenario
    from .output import atomic_file, check_writable
    from .runner import simulate
    from .score import read_outcomes, render, rows, score_all

    questions = read_outcomes(str(outcomes))
    scenarios = [(str(f), load_scenario(f, overrides)) for f in forecasts]
    if csv_path:
        check_writable(csv_path)
    with contextlib.closing(make_backend(default_workers(workers))) as backend:
        results = [(name, simulate(s, runs=runs, seed=seed, backend=backend)) for name, s in scenarios]
    scored = score_all(results, questions)
    if csv_path:
        header, body = rows(scored)
        with atomic_file(csv_path) as handle:
            write_rows(handle, header, body)
        manifest.write(sys.argv[1:], dict(scenarios), [csv_path])
    if csv_path != "-":
        render(scored, console())


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
    from .discover import discover as find, point_rows, render

    run_sampled(find, file, overrides, csv_path, workers, scheduler, resume, point_rows, render,
                threshold=threshold, samples=samples, runs=runs_per_point, seed=seed)


def run_sampled(
    analysis: Callable[..., Any], file: Path, overrides: list[str], csv_path: Optional[str],
    workers: Optional[int], scheduler: Optional[str], resume: bool,
    rows_of: Callable[[Any], tuple[list[str], list[list[str]]]],
    render: Callable[[Any, "Console"], None], **options: Any,
) -> None:
    """The shell of the sample-based analyses: backend, progress, CSV with manifest, report."""
    from . import manifest
    from .backends import make_backend
    from .export import write_rows
    from .journal import JournalSession
    from .output import atomic_file, check_writable

    if csv_path:
        check_writable(csv_path)
    journal = JournalSession(resume)
    with contextlib.closing(make_backend(default_workers(workers), scheduler)) as backend:
        with progress_bar("sample points") as advance:
            result = analysis(str(file), overrides, backend=backend, progress=advance, journal=journal, **options)
    if csv_path:
        header, body = rows_of(result)
        with atomic_file(csv_path) as handle:
            write_rows(handle, header, body)
        manifest.write(sys.argv[1:], {str(file): result.scenario}, [csv_path])
    journal.finish()
    if csv_path != "-":
        render(result, console())
