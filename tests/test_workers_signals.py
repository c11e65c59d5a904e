"""Signals to the main process: SIGTERM stops like Ctrl-C, and workers never outlive it.

These run the real ``sim`` command in a subprocess with two worker processes, signal the
main process part-way, and look at what is left: its exit code and message, the journal
that ``--resume`` continues from, and (through ``/proc``) the worker processes.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from test_reliability import SCENARIO, env, journaled_batches, run, sim_command  # noqa: F401 (env is a fixture)

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="finds workers through /proc")

ARGS = ["run", SCENARIO, "--runs", "300000", "--workers", "2"]  # 30 batches: long enough to signal mid-job


def children(pid: int) -> list[int]:
    """The live (non-zombie) processes whose parent is ``pid``."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                state, ppid = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[:2]
            except (OSError, ValueError):
                continue
            if int(ppid) == pid and state != "Z":
                found.append(int(entry))
    return found


def running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def start_with_workers(args: list[str], env: dict[str, str]) -> tuple[subprocess.Popen, list[int]]:
    """Start a command and wait until it has journaled a batch; it and its worker pids."""
    process = subprocess.Popen([*sim_command(), *args], env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while journaled_batches(env) < 2:
        assert process.poll() is None, "the command finished before it could be signalled"
        assert time.monotonic() < deadline, "no batches journaled in time"
        time.sleep(0.02)
    workers = children(process.pid)
    assert len(workers) == 2, "a pool of two worker processes runs the batches"
    return process, workers


@pytest.mark.slow
def test_sigterm_exits_143_keeps_the_journal_and_resumes(tmp_path: Path, env: dict[str, str]) -> None:
    """SIGTERM: one line, exit 143, no output file, the journal kept; --resume then
    writes what an uninterrupted run writes, and no worker is left behind."""
    out = tmp_path / "summary.csv"
    process, workers = start_with_workers([*ARGS, "--csv", str(out)], env)
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 143
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and "terminated" in lines[0] and "--resume" in lines[0], stderr
    assert not out.exists()
    assert journaled_batches(env) >= 2, "the finished batches are kept for --resume"
    assert not [pid for pid in workers if running(pid)]

    done = run([*ARGS, "--csv", str(out), "--resume"], env)
    assert done.returncode == 0, done.stderr
    assert journaled_batches(env) == 0
    fresh = tmp_path / "fresh.csv"
    assert run([*ARGS, "--csv", str(fresh)], env).returncode == 0
    assert out.read_bytes() == fresh.read_bytes()


def test_workers_die_with_a_main_process_killed_by_sigkill(env: dict[str, str]) -> None:
    """kill -9 of the main process: its workers are gone within a few seconds, not left
    burning CPU on batches nobody will collect."""
    process, workers = start_with_workers(ARGS, env)
    process.kill()
    process.wait(timeout=60)  # not communicate(): orphans would hold its stderr open
    deadline = time.monotonic() + 5
    while any(running(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    orphans = [pid for pid in workers if running(pid)]
    for pid in orphans:  # leave no process behind when the test fails
        os.kill(pid, signal.SIGKILL)
    assert not orphans, "orphaned workers still run"


def test_a_worker_started_for_a_dead_parent_leaves_at_once(tmp_path: Path) -> None:
    """The race the kernel cannot close: a worker whose main process died before the
    worker set itself up exits instead of waiting for work (checked by pid)."""
    code = (
        "import os, sys\n"
        "from sim.execution.workers import die_with_parent\n"
        "pid = os.fork()\n"
        "if pid == 0:\n"
        "    dead = int(sys.argv[1])\n"
        "    die_with_parent(dead)\n"
        "    os._exit(0)\n"
        "print(os.waitpid(pid, 0)[1] >> 8)\n"
    )
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()  # a pid that no longer runs (reuse within this test is vanishingly rare)
    out = subprocess.run([sys.executable, "-c", code, str(gone.pid)], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "1", out.stderr
