"""Commands that can take more than a second show progress on a terminal and stay quiet
in pipes: run, compare and run --propagate as much as sweep and sensitivity."""

from __future__ import annotations

import os
import pty
import subprocess

import pytest

from conftest import BASE, SCENARIOS, cli_environment, sim_command

LONG = {
    "run": ["run", str(BASE), "--runs", "40000", "-w", "1"],
    "compare": ["compare", str(BASE), str(SCENARIOS / "us-pressure.yaml"), "--runs", "30000", "-w", "1"],
    "propagate": ["run", str(BASE), "--propagate", "--draws", "4", "--runs", "5000", "-w", "1"],
}


def environment() -> dict[str, str]:
    env = cli_environment()
    env.pop("NO_COLOR", None)
    return env


def stderr_on_a_terminal(argv: list[str]) -> str:
    leader, follower = pty.openpty()
    try:
        done = subprocess.run([*sim_command(), *argv], stdout=subprocess.DEVNULL, stderr=follower,
                              env=environment(), timeout=300)
        os.close(follower)
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:
                break
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(leader)
    assert done.returncode == 0
    return b"".join(chunks).decode("utf-8", "replace")


@pytest.mark.parametrize("name", sorted(LONG))
def test_progress_is_drawn_on_a_terminal(name):
    drawn = stderr_on_a_terminal(LONG[name])
    assert drawn.strip(), f"sim {name} drew no progress on a terminal"


@pytest.mark.parametrize("name", sorted(LONG))
def test_pipes_stay_quiet(name):
    done = subprocess.run([*sim_command(), *LONG[name]], capture_output=True, text=True, env=environment(),
                          timeout=300)
    assert done.returncode == 0 and done.stderr == ""
