"""Worker processes start safely, and how they start never changes a byte of the output.

Each batch draws from its own seed, so the same job gives the same summary and per-run
CSVs in this process and on a pool started with any method the platform offers (fork,
forkserver, spawn). The pool is chosen as the backend would choose it: fork only while
the process runs one thread.
"""

from __future__ import annotations

import io
import multiprocessing
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from sim.execution import backends
from sim.execution.backends import FORKED_POOL_FROM, IN_PROCESS_BELOW, ProcessBackend, SerialBackend, start_method
from sim.execution.runner import BATCH_SIZE, simulate
from sim.report.export import runs_csv_sink, write_summary_csv
from sim.scenario.loader import load_scenario

RUNS = 3 * BATCH_SIZE + 1_234  # a cut last batch too
SEED = 20260201


def csv_bytes(scenario, backend) -> tuple[bytes, bytes]:
    """The summary CSV and the per-run CSV of one job on ``backend``."""
    runs, summary = io.StringIO(), io.StringIO()
    try:
        result = simulate(scenario, runs=RUNS, seed=SEED, backend=backend, on_outcome=runs_csv_sink(runs, scenario))
    finally:
        backend.close()
    write_summary_csv(result, summary)
    return summary.getvalue().encode(), runs.getvalue().encode()


@pytest.fixture(scope="module")
def scenario(base_yaml):
    return load_scenario(base_yaml)


@pytest.fixture(scope="module")
def in_process(scenario) -> tuple[bytes, bytes]:
    return csv_bytes(scenario, SerialBackend())


@pytest.mark.parametrize("method", multiprocessing.get_all_start_methods())
def test_every_start_method_gives_the_same_bytes(scenario, in_process, method):
    """A pool started with ``method`` writes exactly the CSVs one process writes."""
    pool = ProcessBackend(2, start_method=method, in_process_below=0)
    assert csv_bytes(scenario, pool) == in_process
    assert pool.started


def test_a_job_of_a_few_batches_runs_in_process_with_the_same_bytes(scenario, in_process):
    """Below the threshold no pool is started (none would pay), and nothing changes."""
    backend = ProcessBackend(2, in_process_below=5)
    assert csv_bytes(scenario, backend) == in_process
    assert not backend.started


@pytest.fixture
def spare(monkeypatch):
    """Set how many cores stood idle lately (the one-minute load average is the machine's)."""
    return lambda cores: monkeypatch.setattr(backends, "spare_cores", lambda: cores)


def test_a_forked_pool_pays_from_two_batches_when_a_core_is_spare(spare):
    """The threshold follows how the workers would start and whether a core is free: a
    forked worker has everything imported already, a forkserver or spawned one imports it
    all again, and on a busy machine a pool only competes with the others' work."""
    assert (FORKED_POOL_FROM, IN_PROCESS_BELOW) == (2, 6)
    spare(1.5)
    for method in multiprocessing.get_all_start_methods():
        expected = FORKED_POOL_FROM if method == "fork" else IN_PROCESS_BELOW
        assert ProcessBackend(2, start_method=method).in_process_below == expected
    spare(0.5)
    assert ProcessBackend(2, start_method="fork").in_process_below == IN_PROCESS_BELOW
    assert ProcessBackend(2, start_method="fork", in_process_below=4).in_process_below == 4


def test_spare_cores_are_the_cores_less_the_load(monkeypatch):
    monkeypatch.setattr(backends.os, "getloadavg", lambda: (0.25, 3.0, 3.0))
    assert backends.spare_cores() == backends.available_cores() - 0.25


def in_a_fresh_interpreter(code: str, *args: object) -> None:
    """Run ``code`` (with ``args`` as ``sys.argv[1:]``) in a new, single-threaded interpreter
    that imports this file, and fail with its output unless it exits 0; skip where fork is
    not the single-thread choice even there. The test process itself may run other threads
    by now (a Dask client leaves distributed's offload thread behind for good), which rules
    fork out in it."""
    prelude = ("import sys; sys.path.insert(0, sys.argv[1]); from test_start_methods import *\n"
               "if start_method() != 'fork':\n    print('no fork'); raise SystemExit(0)\n")
    done = subprocess.run([sys.executable, "-c", prelude + textwrap.dedent(code), str(Path(__file__).parent),
                           *map(str, args)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    if done.stdout.strip() == "no fork":
        pytest.skip("fork is not the single-thread choice on this platform")


def test_a_job_of_a_few_batches_forks_a_pool_with_the_same_bytes(base_yaml):
    """Four batches (the default run has five) go to a forked pool when a core is spare,
    and nothing changes."""
    in_a_fresh_interpreter("""
        scenario = load_scenario(sys.argv[2])
        in_process = csv_bytes(scenario, SerialBackend())
        backends.spare_cores = lambda: 1.0
        backend = ProcessBackend(2)
        assert csv_bytes(scenario, backend) == in_process
        assert backend.started
    """, base_yaml)


@pytest.mark.parametrize("busy", [True, False])
def test_busy_or_beside_a_thread_a_job_of_a_few_batches_stays_in_process(spare, busy):
    """No spare core, or a second thread (which rules fork out; a forkserver or spawned
    pool would not pay for five batches): five batches run here."""
    spare(0.0 if busy else 2.0)
    release = threading.Event()
    other = threading.Thread(target=release.wait)
    if not busy:
        other.start()
    backend = ProcessBackend(2)
    try:
        assert backend.in_process_below == IN_PROCESS_BELOW
        assert list(backend.map(abs, [-1, -2, -3, -4, -5])) == [1, 2, 3, 4, 5]
        assert not backend.started
    finally:
        release.set()
        if not busy:
            other.join()
        backend.close()


def test_fork_is_chosen_only_while_one_thread_runs():
    """A second thread (a progress refresher, a Dask client) rules fork out: a lock it
    holds at the fork would stay held forever in the worker."""
    in_a_fresh_interpreter("""
        release = threading.Event()
        other = threading.Thread(target=release.wait)
        other.start()
        try:
            assert start_method() in {"forkserver", "spawn"}
        finally:
            release.set()
            other.join()
        assert start_method() == "fork"
    """)


def test_a_pool_started_beside_a_thread_does_not_fork(scenario, in_process):
    """With another thread running, the pool starts without fork: on Python 3.12+ a
    fork here would raise the "multi-threaded, use of fork()" DeprecationWarning, which
    the suite's filterwarnings turns into an error; the bytes stay the same."""
    release = threading.Event()
    other = threading.Thread(target=release.wait)
    other.start()
    try:
        assert csv_bytes(scenario, ProcessBackend(2, in_process_below=0)) == in_process
    finally:
        release.set()
        other.join()
