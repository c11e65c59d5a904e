"""Interruptions and crashes lose nothing: resume after kill -9, retry dead workers, Ctrl-C.

These tests run the real ``sim`` command in subprocesses and kill it (or one of its
workers) part-way; the final outputs must be byte-identical to an uninterrupted run.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import BASE_2026_01

ROOT = Path(__file__).resolve().parents[1]
#: A realistic scenario, lighter to simulate than the shipped base: what these tests check
#: (resumed and uninterrupted outputs are identical, exits, messages) does not depend on its numbers.
SCENARIO = str(BASE_2026_01)
SWEEP = ["sweep", SCENARIO, "-p", "actors.putin.readiness=-4:-3:4", "--runs", "60000", "--workers", "1"]


def sim_command() -> list[str]:
    script = Path(sys.executable).with_name("sim")
    return [str(script)] if script.exists() else [sys.executable, "-m", "sim"]


def run(args: list[str], env: dict[str, str], **options) -> subprocess.CompletedProcess:
    return subprocess.run([*sim_command(), *args], env=env, capture_output=True, text=True, timeout=300, **options)


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """The environment of a command whose journal lives in this test's folder."""
    return {**os.environ, "SIM_JOURNAL_DIR": str(tmp_path / "journal"), "NO_COLOR": "1"}


def journaled_batches(env: dict[str, str]) -> int:
    return len(list(Path(env["SIM_JOURNAL_DIR"]).rglob("*.npz")))


def start_and_kill(args: list[str], env: dict[str, str], after_batches: int, sig: int) -> tuple[int, str]:
    """Start a command, wait until it has journaled some batches, signal it; its exit and stderr."""
    process = subprocess.Popen([*sim_command(), *args], env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while journaled_batches(env) < after_batches:
        assert process.poll() is None, "the command finished before it could be interrupted"
        assert time.monotonic() < deadline, "no batches journaled in time"
        time.sleep(0.02)
    process.send_signal(sig)
    _, stderr = process.communicate(timeout=60)
    return process.returncode, stderr


@pytest.mark.slow
def test_sweep_killed_with_sigkill_resumes_to_identical_output(tmp_path: Path, env: dict[str, str]) -> None:
    """kill -9 mid-sweep, then --resume: the CSV equals an uninterrupted sweep's, byte for byte."""
    whole = tmp_path / "whole.csv"
    assert run([*SWEEP, "--csv", str(whole)], env).returncode == 0
    assert journaled_batches(env) == 0, "a finished command removes its journal"

    resumed = tmp_path / "resumed.csv"
    code, _ = start_and_kill([*SWEEP, "--csv", str(resumed)], env, after_batches=8, sig=signal.SIGKILL)
    assert code == -signal.SIGKILL
    assert not resumed.exists(), "no partial output after kill -9"
    saved = journaled_batches(env)
    assert saved >= 8

    done = run([*SWEEP, "--csv", str(resumed), "--resume"], env)
    assert done.returncode == 0, done.stderr
    assert resumed.read_bytes() == whole.read_bytes()
    assert journaled_batches(env) == 0


@pytest.mark.slow
def test_ctrl_c_exits_130_with_one_line_and_no_partial_file(tmp_path: Path, env: dict[str, str]) -> None:
    """SIGINT (Ctrl-C) ends the command with exit 130, one line, and no output file."""
    out = tmp_path / "runs.csv"
    args = ["run", SCENARIO, "--runs", "200000", "--workers", "1", "--runs-csv", str(out)]
    code, stderr = start_and_kill(args, env, after_batches=2, sig=signal.SIGINT)
    assert code == 130
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and "interrupted" in lines[0] and "--resume" in lines[0]
    assert not out.exists()
    assert not list(tmp_path.glob(".runs.csv.*")), "the temporary file is removed too"

    done = run([*args, "--resume"], env)
    assert done.returncode == 0, done.stderr
    fresh = tmp_path / "fresh.csv"
    assert run([*args[:-1], str(fresh)], env).returncode == 0
    assert out.read_bytes() == fresh.read_bytes()


@pytest.mark.slow
def test_a_killed_worker_is_replaced_and_results_do_not_change(tmp_path: Path, env: dict[str, str]) -> None:
    """kill -9 of one worker process: its batches are rerun and the summary is unchanged."""
    args = ["run", SCENARIO, "--runs", "400000", "--csv"]  # 40 batches: long enough to kill a worker mid-job
    serial = tmp_path / "serial.csv"
    assert run([*args, str(serial), "--workers", "1"], env).returncode == 0

    parallel = tmp_path / "parallel.csv"
    process = subprocess.Popen([*sim_command(), *args, str(parallel), "--workers", "2"], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while journaled_batches(env) < 2:
        assert process.poll() is None, "the command finished before a worker could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.02)
    workers = subprocess.run(["pgrep", "-P", str(process.pid)], capture_output=True, text=True).stdout.split()
    assert workers, "the pool has worker processes"
    os.kill(int(workers[0]), signal.SIGKILL)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 0, stderr
    assert parallel.read_bytes() == serial.read_bytes()


class FlakyPool:
    """A stand-in for a process pool whose worker dies: it breaks after ``breaks_after``
    submissions, refusing new work (as a broken ProcessPoolExecutor does) until rebuilt."""

    def __init__(self, breaks_after: int, refuse: bool) -> None:
        self.breaks_after, self.refuse = breaks_after, refuse
        self.submissions = self.restarts = 0

    def submit(self, job: int):
        from concurrent.futures import Future
        from concurrent.futures.process import BrokenProcessPool

        self.submissions += 1
        broken = self.restarts == 0 and self.submissions > self.breaks_after
        if broken and self.refuse:
            raise BrokenProcessPool("the pool is not usable anymore")
        future = Future()
        if broken:
            future.set_exception(BrokenProcessPool("a child process terminated abruptly"))
        else:
            future.set_result(job * job)
        return future

    def restart(self) -> None:
        self.restarts += 1


@pytest.mark.parametrize("refuse", [False, True], ids=["lost result", "refused submission"])
def test_jobs_of_a_broken_pool_are_rerun_in_order(refuse: bool) -> None:
    """Whether the pool loses a running job or refuses a new one, every job runs once more
    on a rebuilt pool and the results come back complete and in job order."""
    from concurrent.futures.process import BrokenProcessPool

    from sim.execution.backends import in_job_order

    pool = FlakyPool(breaks_after=3, refuse=refuse)
    results = list(in_job_order(pool.submit, range(10), limit=4, restart=pool.restart,
                                broken=(BrokenProcessPool,)))
    assert results == [job * job for job in range(10)]
    assert pool.restarts == 1


def test_a_pool_that_keeps_breaking_is_reported() -> None:
    """After the allowed retries the command stops with a clear WorkerDied error."""
    from concurrent.futures.process import BrokenProcessPool

    from sim.execution.backends import WorkerDied, in_job_order

    pool = FlakyPool(breaks_after=0, refuse=True)
    pool.restart = lambda: None  # the rebuilt pool breaks again
    with pytest.raises(WorkerDied, match="died 4 times"):
        list(in_job_order(pool.submit, range(5), limit=2, restart=pool.restart,
                          broken=(BrokenProcessPool,), attempts=3))


def test_output_is_plain_when_not_a_terminal(env: dict[str, str]) -> None:
    """Piped output carries no colour codes or progress bars; errors go to stderr only."""
    done = run(["sweep", SCENARIO, "-p", "actors.putin.readiness=-4,-3", "--runs", "2000"], env)
    assert done.returncode == 0
    assert "\x1b[" not in done.stdout and "\x1b[" not in done.stderr
    assert done.stderr == ""
    data = run(["run", SCENARIO, "--runs", "2000", "--csv", "-"], env)
    assert data.stdout.startswith("scenario,metric,key,") and data.stderr == ""
    bad = run(["run", str(ROOT / "no-such.yaml")], env)
    assert bad.returncode == 2 and bad.stdout == "" and bad.stderr.count("\n") == 1


def test_journaled_tallies_are_not_recomputed_on_resume(tmp_path: Path) -> None:
    """Point-by-point analyses (sensitivity, discovery, propagation) resume from their journal."""
    from sim.execution.backends import SerialBackend
    from sim.execution.journal import JournalSession, journaled_tallies
    from sim.execution.aggregate import Tally

    calls: list[int] = []

    def count(job: int) -> Tally:
        calls.append(job)
        return Tally(2, 3, runs=job)

    first = JournalSession(resume=False, root=tmp_path)
    journaled_tallies(SerialBackend(), count, [5, 6], ["a", "b"], first, (2, 3))
    assert calls == [5, 6]
    # The first command dies: its journal folders now belong to a process that is gone.
    for folder in [f for f in tmp_path.glob("*/*") if f.is_dir()]:
        folder.rename(folder.with_name("99999999-gone"))
    # A second command with --resume finds both and reruns neither; a new job still runs.
    again = JournalSession(resume=True, root=tmp_path)
    tallies = journaled_tallies(SerialBackend(), count, [5, 6, 7], ["a", "b", "c"], again, (2, 3))
    assert calls == [5, 6, 7]
    assert [t.runs for t in tallies] == [5, 6, 7]
    again.finish()
    assert not any(tmp_path.rglob("*.npz"))


@pytest.mark.slow
def test_a_killed_dask_worker_does_not_change_the_results() -> None:
    """On a Dask cluster, a worker process killed mid-job: its tasks rerun, results unchanged."""
    distributed = pytest.importorskip("distributed")
    from sim.execution.backends import DaskBackend
    from sim.scenario.loader import load_scenario
    from sim.execution.runner import simulate

    scenario = load_scenario(SCENARIO)
    local = simulate(scenario, runs=100_000, seed=3)
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, protocol="tcp", host="127.0.0.1",
        dashboard_address=None,
    ) as cluster, distributed.Client(cluster, set_as_default=False) as client:
        victim = next(iter(client.run(os.getpid).values()))
        killed: list[int] = []

        def kill_once(first_run: int, outcome) -> None:
            if not killed:
                os.kill(victim, signal.SIGKILL)
                killed.append(first_run)

        remote = simulate(scenario, runs=100_000, seed=3, backend=DaskBackend(client=client), on_outcome=kill_once)
    assert killed, "a worker was killed while batches were still running"
    assert remote.tally.runs == local.tally.runs
    assert (remote.tally.held == local.tally.held).all()
    assert (remote.tally.reasons == local.tally.reasons).all()
