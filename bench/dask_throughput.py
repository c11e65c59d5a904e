"""A 2-worker Dask cluster against ``--workers 2`` locally, for one 2M-run job.

A local Dask cluster (2 worker processes x 1 thread, scheduler in this process) and a
local 2-process pool simulate the same 2M runs of base.yaml, alternately, ``--repeat``
times each; for each number of futures the Dask backend keeps in flight (``--in-flight``,
default: the backend's own choice) it prints the median wall time and the median ratio
of local to Dask time over the pairs (1.0 = as fast as local; the goal is >= 0.9). The
answers are checked equal. Needs the ``cluster`` extra.

    python bench/dask_throughput.py [--runs 2000000] [--repeat 3] [--in-flight 4,8,16]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

from distributed import Client, LocalCluster

from common import SCENARIOS
from sim.execution.backends import DaskBackend, ProcessBackend
from sim.execution.runner import simulate
from sim.scenario.loader import load_scenario


def timed(scenario, runs: int, backend) -> tuple[float, object]:
    start = time.perf_counter()
    try:
        result = simulate(scenario, runs=runs, seed=1, backend=backend)
    finally:
        backend.close()
    return time.perf_counter() - start, result.tally


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--in-flight", default="", help="comma-separated futures in flight; default: the backend's")
    args = parser.parse_args()
    scenario = load_scenario(str(SCENARIOS / "base.yaml"))
    limits = [int(n) for n in args.in_flight.split(",") if n] or [None]
    print(f"load before: {os.getloadavg()}")
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster, set_as_default=False) as client:
        client.run(lambda: __import__("sim.execution.runner"))  # workers import the engine before timing
        for limit in limits:
            local_times, dask_times = [], []
            for _ in range(args.repeat):
                seconds, local = timed(scenario, args.runs, ProcessBackend(2))
                local_times.append(seconds)
                seconds, remote = timed(scenario, args.runs, DaskBackend(client=client, in_flight=limit))
                dask_times.append(seconds)
                assert (local.held == remote.held).all() and local.rejected == remote.rejected
            ratios = [lo / da for lo, da in zip(local_times, dask_times)]
            shown = limit or DaskBackend(client=client).in_flight
            print(f"in flight {shown}: local {statistics.median(local_times):.2f} s, "
                  f"dask {statistics.median(dask_times):.2f} s, local/dask {statistics.median(ratios):.2f} "
                  f"(pairs: {', '.join(f'{r:.2f}' for r in ratios)})")
    print(f"load after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
