"""``sim backtest DIR``: forecast every case of a casebook and score the forecasts
against what happened, next to a base rate and a constant 50% (docs/backtest.md).

A thin layer over :mod:`sim.analysis.casebook` and :mod:`sim.analysis.backtest`, in the
shared frame of :mod:`sim.cli.session` (so it has ``--resume``, ``--workers``,
``--scheduler`` and manifests like every long command).
"""

from __future__ import annotations

from pathlib import Path
from typing import IO, Any, Optional

import typer

from sim.cli.shell import Resume, Runs, Scheduler, Seed, Workers, command, console, load_all


@command
def backtest(
    directory: Path = typer.Argument(..., help="The casebook: a directory of scenario files, one per case."),
    outcomes: Optional[Path] = typer.Option(
        None, "--outcomes", help="CSV case,met,date,venue,format,source (default: the first "
        "seeds/history/outcomes.csv in DIR or above it, else DIR/outcomes.csv)."),
    csv_path: Optional[str] = typer.Option(None, "--csv", help="Write one row per case here ('-' for stdout)."),
    summary_csv: Optional[str] = typer.Option(None, "--summary-csv", help="Write the scores, one row per metric, here ('-' for stdout)."),
    as_json: bool = typer.Option(False, "--json", help="Print the scores and cases as JSON instead of tables."),
    plot: Optional[str] = typer.Option(None, "--plot", help="Draw the reliability diagram to this PNG."),
    bins: int = typer.Option(5, "--bins", min=1, max=20, help="Equal-width forecast bins of the calibration table."),
    runs: Runs = None,
    seed: Seed = None,
    workers: Workers = None,
    scheduler: Scheduler = None,
    resume: Resume = False,
) -> None:
    """Forecast every case of a casebook and score the forecasts against what happened."""
    from sim.analysis.backtest import run_backtest
    from sim.analysis.casebook import Casebook, case_files, find_outcomes, match_cases, read_outcomes
    from sim.cli.session import Session
    from sim.report.backtest_data import backtest_json, case_rows, summary_rows
    from sim.report.backtest_tables import render_backtest
    from sim.report.export import table_writer

    files = [str(file) for file in case_files(directory)]
    outcomes_file = str(outcomes if outcomes is not None else find_outcomes(directory))
    read = read_outcomes(outcomes_file)
    scenarios = load_all(files, [])
    casebook = Casebook(str(directory), outcomes_file, tuple(match_cases(scenarios, read, outcomes_file)))
    outputs = {"--csv": csv_path, "--summary-csv": summary_csv, "--plot": plot}
    with Session(outputs, inputs=files, reads=[outcomes_file], workers=workers, scheduler=scheduler,
                 resume=resume, json_output=as_json) as session:
        with session.progress("cases") as advance:
            result = run_backtest(casebook, runs=runs, seed=seed, bins=bins, backend=session.backend(),
                                  journal=session.journal, progress=advance)
        session.publish(scenarios, {
            "--csv": table_writer(*case_rows(result)),
            "--summary-csv": table_writer(*summary_rows(result)),
            "--plot": lambda handle: draw_reliability(result, handle),
        })
    if as_json:
        session.print_json(backtest_json(result), scenarios)
    elif session.shows_tables:
        render_backtest(result, console())


def draw_reliability(result: Any, handle: IO[bytes]) -> None:
    """The reliability diagram; matplotlib (an optional extra) is imported only when asked for."""
    from sim.report.plots import plot_reliability

    plot_reliability(result, handle)
