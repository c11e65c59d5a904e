"""``sim report``: the self-contained HTML page of one or several scenarios.

The page shows what ``sim run`` (one file) or ``sim compare`` (several) would print, with
charts, every parameter's grounds and the command that makes it again; it is built by
:mod:`sim.report.html` and written, with its manifest, through the same frame as
``sim compare --html`` (:func:`sim.cli.core.compare_and_publish`).
"""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from sim.cli.shell import Overrides, Resume, Runs, Scheduler, Seed, Workers, command

__all__: list[str] = []


@command
def report(
    files: List[Path] = typer.Argument(..., help="Scenario files: one gives its report, several a comparison."),
    output: str = typer.Option(..., "--output", "-o", help="The HTML file to write ('-' for stdout)."),
    baseline_file: Optional[Path] = typer.Option(
        None, "--baseline", help="With several files, the scenario differences are taken from (default: the first)."
    ),
    overrides: Overrides = [],
    runs: Runs = None,
    seed: Seed = None,
    workers: Workers = None,
    scheduler: Scheduler = None,
    resume: Resume = False,
) -> None:
    """Write one self-contained HTML page: answer, uncertainty, assumptions and evidence."""
    from sim.cli.core import compare_and_publish

    compare_and_publish(files, baseline_file, overrides, {"--output": output}, runs=runs, seed=seed,
                        workers=workers, scheduler=scheduler, resume=resume)
