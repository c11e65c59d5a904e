"""Worker processes start safely, and how they start never changes a byte of the output.

Each batch draws from its own seed, so the same job gives the same summary and per-run
CSVs in this process and on a pool started with any method the platform offers (fork,
forkserver, spawn). The pool is chosen as the backend would choose it: fork only while
the process runs one thread.
"""

from __future__ import annotations

import io
import multiprocessing
import threading

import pytest

from sim.execution.backends import IN_PROCESS_BELOW, ProcessBackend, SerialBackend, start_method
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


def test_a_forked_pool_pays_from_two_batches_a_fresh_interpreter_from_six():
    """The threshold follows how the workers would start: a forked worker has everything
    imported already, a forkserver or spawned one imports it all again."""
    assert IN_PROCESS_BELOW == {"fork": 2, "forkserver": 6, "spawn": 6}
    for method in multiprocessing.get_all_start_methods():
        assert ProcessBackend(2, start_method=method).in_process_below == IN_PROCESS_BELOW[method]
    assert ProcessBackend(2, start_method="fork", in_process_below=4).in_process_below == 4
    assert ProcessBackend(2).in_process_below == IN_PROCESS_BELOW[start_method()]


def test_a_job_of_a_few_batches_forks_a_pool_with_the_same_bytes(scenario, in_process):
    """Four batches (the default run has five) go to a forked pool by default, and nothing changes."""
    if start_method() != "fork":
        pytest.skip("fork is not the single-thread choice on this platform")
    backend = ProcessBackend(2)
    assert csv_bytes(scenario, backend) == in_process
    assert backend.started


def test_beside_a_thread_a_job_of_a_few_batches_stays_in_process():
    """With a second thread fork is ruled out, and a forkserver or spawned pool would not pay for five batches."""
    release = threading.Event()
    other = threading.Thread(target=release.wait)
    other.start()
    try:
        backend = ProcessBackend(2)
        assert backend.in_process_below == 6
        assert list(backend.map(abs, [-1, -2, -3, -4, -5])) == [1, 2, 3, 4, 5]
        assert not backend.started
    finally:
        release.set()
        other.join()
        backend.close()


def test_fork_is_chosen_only_while_one_thread_runs():
    """A second thread (a progress refresher, a Dask client) rules fork out: a lock it
    holds at the fork would stay held forever in the worker."""
    if "fork" not in multiprocessing.get_all_start_methods() or start_method() != "fork":
        pytest.skip("fork is not the single-thread choice on this platform")
    release = threading.Event()
    other = threading.Thread(target=release.wait)
    other.start()
    try:
        assert start_method() in {"forkserver", "spawn"}
    finally:
        release.set()
        other.join()
    assert start_method() == "fork"


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
