"""Shared helpers: a minimal valid scenario document, YAML files on disk, the CLI (in this process or its own).

Tests reach these through fixtures, so every test gets its own fresh document and
cannot leak changes into another test.
"""

from __future__ import annotations

import copy
import os
import shutil
import subprocess
import sys
import traceback
from pathlib import Path
from typing import Any, Callable

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
SCENARIOS = REPO / "scenarios"
BASE = SCENARIOS / "base.yaml"
#: The base scenario before issue 11 (one `best` mediator, no track), for tests of its knife edge.
BASE_2026_01 = REPO / "tests" / "fixtures" / "base_2026_01.yaml"

_MINIMAL: dict[str, Any] = {
    "name": "mini",
    "title": "Minimal scenario",
    "time": {"start": "2026-02-01", "round_days": 7, "horizon_rounds": 10},
    "venues": {
        "geneva": {"name": "Geneva", "country": "Switzerland", "neutral": True},
        "moscow": {"name": "Moscow", "country": "Russia", "host": "putin"},
        "kyiv": {"name": "Kyiv", "country": "Ukraine", "host": "zelensky"},
    },
    "actors": {
        "zelensky": {"role": "principal", "name": "Zelensky", "readiness": 0.0, "red_lines": ["moscow"]},
        "putin": {"role": "principal", "name": "Putin", "readiness": -1.0, "red_lines": ["kyiv"]},
        "trump": {
            "role": "mediator",
            "name": "Trump",
            "leverage": {"zelensky": 1.0, "putin": 0.5},
            "proposes": ["geneva"],
        },
    },
    "preparation": {"rounds": 0, "collapse_risk": 0.0},
    "simulation": {"runs": 1000, "seed": 7},
}


def minimal_document() -> dict[str, Any]:
    """A fresh, small, valid scenario document (nested dicts and lists)."""
    return copy.deepcopy(_MINIMAL)


def write_yaml(path: Path, content: Any) -> Path:
    """Write ``content`` to ``path``: text and bytes as they are, anything else as YAML."""
    path = Path(path)
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_text(yaml.safe_dump(content, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def base_yaml() -> Path:
    """The shipped base scenario file."""
    return BASE


@pytest.fixture
def document() -> dict[str, Any]:
    """A minimal valid scenario document this test may change freely."""
    return minimal_document()


@pytest.fixture
def write(tmp_path: Path) -> Callable[..., Path]:
    """``write(content, name="scenario.yaml")`` writes a scenario file into tmp_path."""

    def _write(content: Any, name: str = "scenario.yaml") -> Path:
        return write_yaml(tmp_path / name, content)

    return _write


def sim_command() -> list[str]:
    """The installed ``sim`` console script, as a user would run it.

    The script beside this interpreter comes first (the virtualenv the tests run in, even
    when it is not on PATH), then ``sim`` on PATH, then the entry point function itself.
    """
    beside = Path(sys.executable).with_name("sim")
    if beside.is_file() and os.access(beside, os.X_OK):
        return [str(beside)]
    found = shutil.which("sim")
    if found:
        return [found]
    return [sys.executable, "-c", "from sim.cli import main; main()"]


def cli_environment() -> dict[str, str]:
    """Wide, colourless terminal output so tests can search it for whole lines."""
    return dict(os.environ, **CLI_SETTINGS)


#: What :func:`cli_environment` sets on top of the test's own environment.
CLI_SETTINGS = {"COLUMNS": "200", "NO_COLOR": "1", "PYTHONIOENCODING": "utf-8"}


def run_process(args: list[Any], cwd: Path | None = None, timeout: float = 120,
                env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """The installed ``sim`` command in a process of its own, its output captured."""
    return subprocess.run([*sim_command(), *map(str, args)], cwd=cwd or REPO, capture_output=True, text=True,
                          timeout=timeout, env=env or cli_environment())


def run_in_process(args: list[Any], cwd: Path | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """``sim ARGS`` through the console script's own entry point (:func:`sim.cli.core.main`),
    in this process: the same argument handling, one-line errors, exit codes and bytes on
    standard output and error as the installed command, without a fresh interpreter's
    second or so of start-up. ``env`` replaces the environment for the call (default
    :func:`cli_environment`); ``cwd`` is the working directory during it. An exception that
    escapes ``main`` is printed as Python would print it and gives exit code 1, as in a
    process of its own. Tests about the process itself (signals, start-up imports, the
    terminal) use :func:`run_process` instead."""
    from click.testing import CliRunner

    from sim.cli.core import main

    argv = ["sim", *map(str, args)]
    changes = {name: value for name, value in (env or cli_environment()).items() if os.environ.get(name) != value}
    gone = {name: None for name in os.environ if env is not None and name not in env}
    before, saved_argv = Path.cwd(), sys.argv
    with CliRunner().isolation(env={**changes, **gone}) as (out, err, _):
        try:
            os.chdir(cwd or REPO)
            sys.argv = argv
            main()
            code = 0
        except SystemExit as stop:
            code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
            if not isinstance(stop.code, (int, type(None))):
                sys.stderr.write(f"{stop.code}\n")
        except Exception:  # what an uncaught exception does to a real process
            traceback.print_exc(file=sys.stderr)
            code = 1
        finally:
            sys.argv = saved_argv
            os.chdir(before)
        sys.stdout.flush(), sys.stderr.flush()
        stdout, stderr = _as_text(out.getvalue()), _as_text(err.getvalue())
    return subprocess.CompletedProcess(argv[1:], code, stdout, stderr)


def _as_text(data: bytes) -> str:
    """Bytes read as ``subprocess.run(text=True)`` reads them: UTF-8, universal newlines."""
    return data.decode("utf-8", "replace").replace("\r\n", "\n").replace("\r", "\n")


@pytest.fixture(scope="session")
def sim_cli() -> Callable[..., subprocess.CompletedProcess]:
    """``sim_cli(*args, cwd=...)`` runs the command line in this process (:func:`run_in_process`)."""

    def _run(*args: Any, cwd: Path | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
        return run_in_process(list(args), cwd=cwd)

    return _run


@pytest.fixture(scope="session")
def sim_process() -> Callable[..., subprocess.CompletedProcess]:
    """``sim_process(*args, cwd=...)`` runs the installed ``sim`` command in a process of its own."""

    def _run(*args: Any, cwd: Path | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
        return run_process(list(args), cwd=cwd, timeout=timeout)

    return _run


@pytest.fixture(scope="session")
def sim_cli_many() -> Callable[..., list[subprocess.CompletedProcess]]:
    """``sim_cli_many([args, ...])`` runs several commands (in this process, one after another)."""

    def _run_all(argument_lists: list[list[Any]], timeout: float = 300) -> list[subprocess.CompletedProcess]:
        return [run_in_process(list(args)) for args in argument_lists]

    return _run_all


# A fork of a multi-threaded process can deadlock the child. Python 3.12+ warns then
# ("This process ... is multi-threaded, use of fork() may lead to deadlocks"), but it
# discards that warning when a filter turns it into an error, so pyproject.toml shows it
# ("always", from multiprocessing.popen_fork) and the session fails here if any test saw it.
UNSAFE_FORK = "use of fork() may lead to deadlocks"
unsafe_forks: list[str] = []


def pytest_warning_recorded(warning_message, when, nodeid, location) -> None:
    if issubclass(warning_message.category, DeprecationWarning) and UNSAFE_FORK in str(warning_message.message):
        unsafe_forks.append(nodeid or when)


def pytest_sessionfinish(session, exitstatus) -> None:
    # Under pytest-xdist each worker's warnings are also recorded in the controller, which
    # fails the run and names the tests; a worker saying it again would repeat the line.
    if unsafe_forks and not hasattr(session.config, "workerinput"):
        sys.stderr.write(f"\nforked a multi-threaded process (unsafe) in: {', '.join(sorted(set(unsafe_forks)))}\n")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
