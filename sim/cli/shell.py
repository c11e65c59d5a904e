"""What every ``sim`` command shares: the Typer app, the error guard, common options.

Exit codes: 0 success, 1 an internal error (a bug), 2 bad input or usage, 130 interrupted
(Ctrl-C), 143 terminated (SIGTERM).
Errors are one line on standard error (see :func:`command`); data goes to standard
output or to files written atomically.
"""

from __future__ import annotations

import contextlib
import functools
import os
import signal
import sys
from typing import TYPE_CHECKING, Annotated, Any, Callable, Iterator, List, Optional, Sequence

import typer

if TYPE_CHECKING:
    from rich.console import Console

app = typer.Typer(
    name="sim",
    help="Simulate whether, when and where a summit between adversaries happens.",
    add_completion=True,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)



def _print_version(asked: bool) -> None:
    if asked:
        from sim.version import __version__

        sys.stdout.write(f"sim {__version__}\n")
        raise typer.Exit(0)


@app.callback()
def _options(
    version: bool = typer.Option(False, "--version", callback=_print_version, is_eager=True,
                                 help="Print the version of sim and exit."),
) -> None:
    """Simulate whether, when and where a summit between adversaries happens."""


FILE_HELP = "Scenario file (YAML)."
RUNS_HELP = "Number of runs (default: the scenario's simulation.runs)."
SEED_HELP = "Random seed (default: the scenario's simulation.seed)."
WORKERS_HELP = "Worker processes (default: all cores). Results do not depend on it."
SCHEDULER_HELP = (
    "Run batches on a Dask cluster: its scheduler address, tcp://HOST:PORT (default: "
    "$SIM_SCHEDULER; needs the cluster extra). Results do not depend on it."
)
SET_HELP = "Override a field, e.g. --set actors.putin.readiness=-3 (repeatable; VALUE is YAML)."
MAX_SEED = 2**63 - 1

# Options shared by several commands, declared once.
Runs = Annotated[Optional[int], typer.Option("--runs", "-n", help=RUNS_HELP, min=1, max=1_000_000_000)]
Seed = Annotated[Optional[int], typer.Option("--seed", "-s", help=SEED_HELP, min=0, max=MAX_SEED)]
Workers = Annotated[Optional[int], typer.Option("--workers", "-w", help=WORKERS_HELP, min=1, max=1024)]
Overrides = Annotated[List[str], typer.Option("--set", help=SET_HELP)]
Resume = Annotated[bool, typer.Option("--resume", help="Continue an interrupted run of the same command from its journal.")]
Scheduler = Annotated[Optional[str], typer.Option("--scheduler", help=SCHEDULER_HELP)]


def console(stderr: bool = False) -> "Console":
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=False)


def fail(message: str, code: int = 2) -> None:
    """Print one line on standard error and exit with ``code``."""
    sys.stderr.write(f"sim: error: {message}\n")
    raise typer.Exit(code)


class Terminated(BaseException):
    """SIGTERM arrived. A BaseException, like KeyboardInterrupt, so that no ``except
    Exception`` swallows it and every ``finally`` (pool shut down, journal kept) runs."""


def _terminate(signum: int, frame: object) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # a second SIGTERM ends the process at once
    raise Terminated


@contextlib.contextmanager
def sigterm_stops_cleanly() -> Iterator[None]:
    """While the block runs, SIGTERM raises :class:`Terminated` in the main thread: the
    same clean stop as Ctrl-C. (Outside the main thread, e.g. an embedding app's worker
    thread, the handler cannot be installed and the process default stays.)"""
    try:
        previous = signal.signal(signal.SIGTERM, _terminate)
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


RESUME_HINT = "rerun the same command with --resume to continue where it stopped"


def command(function: Callable[..., None]) -> Callable[..., None]:
    """Register a command whose user errors end in one line and a documented exit code."""

    @functools.wraps(function)
    def guarded(*args: Any, **kwargs: Any) -> None:
        from sim.errors import SimError

        try:
            with sigterm_stops_cleanly():
                function(*args, **kwargs)
        except typer.Exit:
            raise
        except SimError as error:
            fail(str(error), error.exit_code)
        except KeyboardInterrupt:
            fail(f"interrupted; {RESUME_HINT}", 130)
        except Terminated:
            fail(f"terminated (SIGTERM); {RESUME_HINT}", 143)
        except BrokenPipeError:  # the reader went away (e.g. `| head`): not an error
            sys.stderr.close()
            raise typer.Exit(0)
        except Exception as error:  # a bug: one line, the traceback on request
            if os.environ.get("SIM_DEBUG"):
                raise
            fail(f"internal error ({type(error).__name__}: {error}); rerun with SIM_DEBUG=1 to see where", 1)

    return app.command()(guarded)


@contextlib.contextmanager
def progress_bar(what: str) -> Iterator[Callable[[int, int], None]]:
    """A progress callback: a bar on a terminal, silent when stderr is not one or NO_COLOR is set."""
    if not sys.stderr.isatty() or os.environ.get("NO_COLOR"):
        yield lambda done, total: None
        return
    from rich.progress import Progress

    # Refreshed by each update rather than by rich's refresher thread: with no thread
    # running, worker processes can still be forked (sim.execution.backends.start_method).
    with Progress(console=console(stderr=True), transient=True, auto_refresh=False) as bar:
        task = bar.add_task(what, total=None)
        yield lambda done, total: bar.update(task, completed=done, total=total, refresh=True)


def default_workers(workers: Optional[int]) -> int:
    from sim.execution.backends import available_cores

    return available_cores() if workers is None else workers


def load_all(files: Sequence[str], overrides: Sequence[str]) -> dict[str, Any]:
    """Every scenario, validated; when several are invalid, each one's problem is reported
    (the last as the command's error), so one run of the command lists them all."""
    from sim.errors import ScenarioError
    from sim.scenario.loader import load_scenario

    scenarios, problems = {}, []
    for path in files:
        try:
            scenarios[path] = load_scenario(path, overrides)
        except ScenarioError as error:
            problems.append(error)
    if problems:
        for error in problems[:-1]:
            sys.stderr.write(f"sim: error: {error}\n")
        raise problems[-1]
    return scenarios
