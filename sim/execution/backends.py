"""Where batches run: in this process, in worker processes, or on a Dask cluster.

A backend has one job: apply a function to a sequence of jobs and yield the results in
the order of the jobs. Callers stop iterating when they have enough; a backend keeps only
a few jobs in flight, so memory stays flat however many batches a run has. Because every
batch draws from its own seed and results come back in job order, the answer does not
depend on the backend or the number of workers.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import re
import sys
import threading
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Callable, Iterable, Iterator, Protocol, TypeVar

from sim.errors import SimError, UsageError
from sim.execution.workers import call_while_parent_lives, die_with_parent

Job = TypeVar("Job")
Out = TypeVar("Out")


def available_cores() -> int:
    """Cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class Backend(Protocol):
    """Runs jobs somewhere and yields their results in job order."""

    workers: int

    def map(self, function: Callable[[Job], Out], jobs: Iterable[Job]) -> Iterator[Out]: ...

    def close(self) -> None: ...


class SerialBackend:
    """Runs every job in this process, one after another."""

    workers = 1

    def map(self, function: Callable[[Job], Out], jobs: Iterable[Job]) -> Iterator[Out]:
        return map(function, jobs)

    def close(self) -> None:
        pass


class WorkerDied(SimError):
    """Worker processes kept dying (killed, out of memory) and the job was abandoned."""

    exit_code = 1  # not the user's input


def in_job_order(
    submit: Callable[[Job], Any],
    jobs: Iterable[Job],
    limit: int,
    restart: Callable[[], None] | None = None,
    broken: tuple[type[BaseException], ...] = (),
    attempts: int = 3,
) -> Iterator[Any]:
    """Submit ``jobs`` with at most ``limit`` in flight; yield their results in job order.

    ``submit(job)`` returns a future. When a result raises one of ``broken`` (the pool
    lost a worker), ``restart()`` rebuilds the pool and every job still in flight is
    submitted again, up to ``attempts`` times: jobs are pure, so a retried job gives the
    same result and the output does not change. A submission the broken pool refuses is
    retried the same way.
    """
    in_flight: deque[tuple[Job, Any]] = deque()

    def submitted(job: Job) -> Any:
        # A worker can die between two results; the broken pool then refuses new work.
        # The refusal becomes that job's result, so it is retried like any other.
        try:
            return submit(job)
        except broken as error:
            refused: Future = Future()
            refused.set_exception(error)
            return refused

    def first_result() -> Any:
        for attempt in range(attempts + 1):
            job, future = in_flight[0]
            try:
                result = future.result()
            except broken as error:
                if restart is None or attempt == attempts:
                    raise WorkerDied(
                        f"a worker process died {attempt + 1} times (killed or out of memory?); "
                        "giving up"
                    ) from error
                restart()
                for k, (pending, _) in enumerate(in_flight):
                    in_flight[k] = (pending, submitted(pending))
                continue
            in_flight.popleft()
            return result
        raise AssertionError("unreachable")

    try:
        for job in jobs:
            in_flight.append((job, submitted(job)))
            if len(in_flight) >= limit:
                yield first_result()
        while in_flight:
            yield first_result()
    finally:
        for _, future in in_flight:
            future.cancel()


#: Modules a forkserver imports once, so that every worker it forks starts with the engine loaded.
PRELOAD = ("sim.execution.runner",)

#: A pool is started only for a job of at least this many jobs (batches of 10,000 runs);
#: smaller ones run in this process, where they finish sooner than a pool would start.
#: Measured with ``bench/start_methods.py`` (docs/performance.md, "Worker start method").
IN_PROCESS_BELOW = 6
#: ... unless the workers would fork and a core is spare: a forked worker starts in
#: milliseconds with everything imported, so two batches pay for a pool when a second
#: core can take them (a forkserver or spawned worker imports numpy, pydantic and the
#: engine again, about a second). Measured with ``bench/start_methods.py``
#: (docs/performance.md, "Start-up").
FORKED_POOL_FROM = 2


def spare_cores() -> float:
    """Cores this process may run on less the one-minute load average: how many stood
    idle lately (0 where the platform has no load average)."""
    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):  # not on this platform
        return 0.0
    return available_cores() - load


def start_method() -> str:
    """The quickest safe way to start worker processes from this process, decided now.

    ``fork`` copies the parent and starts a worker in milliseconds, but it is safe only
    while the process runs a single Python thread: a thread holding a lock at the moment
    of the fork (a progress bar's refresher, a Dask client, a notebook kernel's threads,
    an old pool's manager) leaves that lock held forever in the child, a hang nobody can
    diagnose. numpy's OpenBLAS threads are native and fork-safe (OpenBLAS registers its
    own fork handlers). So: ``fork`` while ``threading.active_count() == 1`` (never on
    macOS, whose system libraries are not fork-safe), else ``forkserver`` (a clean
    single-threaded server, started once, forks the workers; see :data:`PRELOAD`), else
    ``spawn``.
    """
    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and sys.platform != "darwin" and threading.active_count() == 1:
        return "fork"
    return "forkserver" if "forkserver" in methods else "spawn"


class ProcessBackend:
    """Runs jobs on a pool of worker processes on this machine.

    The pool starts only when a ``map`` brings at least ``in_process_below`` jobs (counting
    the ones already run here): by default :data:`IN_PROCESS_BELOW`, or
    :data:`FORKED_POOL_FROM` when the pool would fork now and a core is spare (a busy
    machine gets no more processes than it has cores for). Until then jobs run in this
    process, where a job of a few batches finishes before a pool would have started.
    Either way each job computes the same thing, so the results are the same. The start method is chosen when the pool
    starts (:func:`start_method`, or the one given). Workers die with this process
    (:mod:`sim.execution.workers`). A worker that dies (``kill -9``, out of memory) breaks
    the pool; the pool is rebuilt and the unfinished jobs run again, so the results are
    unchanged.
    """

    def __init__(self, workers: int, *, start_method: str | None = None,
                 in_process_below: int | None = None) -> None:
        self.workers = workers
        self.start_method = start_method
        self._in_process_below = in_process_below
        self._pool: ProcessPoolExecutor | None = None
        self._preload: tuple[str, ...] = PRELOAD
        self._ran_here = 0

    @property
    def in_process_below(self) -> int:
        """Jobs run in this process until a ``map`` brings this many (see the class docstring)."""
        if self._in_process_below is not None:
            return self._in_process_below
        if (self.start_method or start_method()) == "fork" and spare_cores() >= 1:
            return FORKED_POOL_FROM
        return IN_PROCESS_BELOW

    @property
    def started(self) -> bool:
        """Whether worker processes were started (False while every job ran here)."""
        return self._pool is not None

    def _start_pool(self) -> ProcessPoolExecutor:
        method = self.start_method or start_method()
        context = multiprocessing.get_context(method)
        if method == "forkserver":  # only the first call, before the server starts, counts
            context.set_forkserver_preload(list(self._preload))
        return ProcessPoolExecutor(self.workers, mp_context=context, initializer=die_with_parent,
                                   initargs=(os.getpid(),))

    def _restart(self) -> None:
        assert self._pool is not None
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._pool = self._start_pool()

    def map(self, function: Callable[[Job], Out], jobs: Iterable[Job]) -> Iterator[Out]:
        jobs = iter(jobs)
        if self._pool is None:
            wanted = max(0, self.in_process_below - self._ran_here)
            head = list(itertools.islice(jobs, wanted))
            if len(head) < wanted:  # the jobs ended before a pool would pay
                self._ran_here += len(head)
                return map(function, head)
            jobs = itertools.chain(head, jobs)
            self._preload = tuple(dict.fromkeys((*PRELOAD, function.__module__)))
            self._pool = self._start_pool()
        def submit(job: Job) -> Future:
            assert self._pool is not None  # started above; _restart replaces it
            return self._pool.submit(call_while_parent_lives, function, job)

        return in_job_order(submit, jobs, 2 * self.workers, restart=self._restart, broken=(BrokenProcessPool,))

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)


SCHEDULER_ENV = "SIM_SCHEDULER"

#: Futures kept in flight on a Dask cluster, per worker thread and at least; measured with
#: ``bench/dask_throughput.py`` (docs/performance.md, "A Dask cluster").
DASK_IN_FLIGHT_PER_WORKER = 8
DASK_MIN_IN_FLIGHT = 8


class DaskBackend:
    """Runs jobs on a Dask cluster through its scheduler (``tcp://HOST:PORT``).

    Needs the ``cluster`` extra (``pip install '.[cluster]'`` in sim's folder); dask is imported only
    here, when a scheduler is given. ``in_flight`` futures (default
    :data:`DASK_IN_FLIGHT_PER_WORKER` per worker thread, at least :data:`DASK_MIN_IN_FLIGHT`)
    are submitted in job order and collected in job order, so the results do not depend
    on the cluster's size and the memory used stays bounded. A worker's next batch must
    already wait on it when its last one ends, or it idles for a scheduler round trip.
    Batches are pure functions of their job, so ``pure=False`` only stops Dask from
    merging equal jobs.
    """

    def __init__(self, scheduler: str | None = None, *, client: object | None = None,
                 in_flight: int | None = None) -> None:
        try:
            from distributed import Client
        except ImportError as error:  # the cluster extra is not installed
            raise UsageError(
                "a Dask scheduler needs the cluster extra: pip install '.[cluster]' in sim's folder (or dask[distributed])"
            ) from error
        self._own_client = client is None
        try:
            self._client = client if client is not None else Client(scheduler, set_as_default=False, timeout=15)
        except (OSError, TimeoutError, ValueError) as error:  # unreachable or malformed address
            raise UsageError(f"cannot reach the Dask scheduler at {scheduler}: {error}") from None
        cores = sum(self._client.nthreads().values())
        self.workers = max(1, cores)
        self.in_flight = in_flight or max(DASK_MIN_IN_FLIGHT, DASK_IN_FLIGHT_PER_WORKER * self.workers)

    def map(self, function: Callable[[Job], Out], jobs: Iterable[Job]) -> Iterator[Out]:
        # Dask itself reruns the tasks of a worker that dies (up to its allowed-failures
        # setting); what still fails is reported as a WorkerDied error.
        from distributed import KilledWorker

        return in_job_order(lambda job: self._client.submit(function, job, pure=False), jobs,
                            self.in_flight, broken=(KilledWorker,))

    def close(self) -> None:
        if self._own_client:
            self._client.close()


SCHEDULER_ADDRESS = re.compile(r"(tcp|tls)://(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+):\d{1,5}")


def scheduler_address(scheduler: str | None) -> str | None:
    """The scheduler given, else ``$SIM_SCHEDULER``; None (run locally) when neither is set.

    The address must look like ``tcp://HOST:PORT`` (or ``tls://``), checked before any
    connection is tried.
    """
    address = scheduler or os.environ.get(SCHEDULER_ENV) or None
    if address is not None and not SCHEDULER_ADDRESS.fullmatch(address):
        raise UsageError(f"scheduler address '{address}' is not of the form tcp://HOST:PORT")
    return address


def make_backend(workers: int, scheduler: str | None = None) -> Backend:
    """A Dask backend when a scheduler address is given (or ``$SIM_SCHEDULER`` is set),
    else a serial backend for one worker, else a process pool of ``workers``."""
    address = scheduler_address(scheduler)
    if address is not None:
        return DaskBackend(address)
    if workers <= 1:
        return SerialBackend()
    return ProcessBackend(workers)
