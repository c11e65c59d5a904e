"""Shared helpers: a minimal valid scenario document, YAML files on disk, the real CLI.

Tests reach these through fixtures, so every test gets its own fresh document and
cannot leak changes into another test.
"""

from __future__ import annotations

import copy
import os
import shutil
import subprocess
import sys
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


@pytest.fixture(scope="session")
def sim_cli() -> Callable[..., subprocess.CompletedProcess]:
    """``sim_cli(*args, cwd=...)`` runs the real command line and captures its output."""
    command = sim_command()

    def _run(*args: Any, cwd: Path | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
        return subprocess.run(
            [*command, *map(str, args)],
            cwd=cwd or REPO,
            capture_output=True,
            text=True,
            timeout=timeout,
            env=cli_environment(),
        )

    return _run


def cli_environment() -> dict[str, str]:
    """Wide, colourless terminal output so tests can search it for whole lines."""
    return dict(os.environ, COLUMNS="200", NO_COLOR="1", PYTHONIOENCODING="utf-8")


@pytest.fixture(scope="session")
def sim_cli_many() -> Callable[..., list[subprocess.CompletedProcess]]:
    """``sim_cli_many([args, ...])`` runs several CLI commands at once and waits for all."""
    command = sim_command()

    def _run_all(argument_lists: list[list[Any]], timeout: float = 300) -> list[subprocess.CompletedProcess]:
        processes = [
            subprocess.Popen(
                [*command, *map(str, args)], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                text=True, env=cli_environment(),
            )
            for args in argument_lists
        ]
        done = []
        for args, process in zip(argument_lists, processes):
            stdout, stderr = process.communicate(timeout=timeout)
            done.append(subprocess.CompletedProcess(args, process.returncode, stdout, stderr))
        return done

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
