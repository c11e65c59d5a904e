"""``sim report``: the self-contained HTML page of one or several scenarios.

The page shows what ``sim run`` (one file) or ``sim compare`` (several) would print, with
charts, every parameter's grounds and the command that makes it again; it is built by
:mod:`sim.report.html` and written, with its manifest, through the common command frame.
"""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from sim.cli.shell import Overrides, Resume, Runs, Scheduler, Seed, Workers, command, load_all

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
    from sim.cli.core import page_provenance, compare_html, run_arms, with_baseline
    from sim.cli.session import Session

    paths, base_path = with_baseline(files, baseline_file)
    scenarios = load_all(paths, overrides)
    with Session({"--output": output}, inputs=paths, workers=workers, scheduler=scheduler, resume=resume) as session:
        grounds = page_provenance(session, scenarios)
        arms = run_arms(session, scenarios, runs=runs, seed=seed)
        baseline = dict(arms)[base_path]
        session.publish(scenarios, {"--output": lambda out: out.write(compare_html(scenarios, arms, baseline,
                                                                                   overrides, grounds))})
