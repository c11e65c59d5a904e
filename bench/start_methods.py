"""Start-up cost of each worker start method, and from how many batches a pool pays.

Each measurement runs in a fresh interpreter (so a forkserver is started from nothing, as
in one `sim` command): the base scenario is loaded and compiled, then the clock times
``simulate`` of N batches of 10,000 runs, either in this process ("in-process") or on a
2-worker pool started with each method the platform offers. Trials of all methods are
interleaved; the medians are printed, with the machine's load.

    python bench/start_methods.py [--repeat 7] [--batches 1,2,3,4,6,8] [--methods in-process,fork]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import statistics
import subprocess
import sys

from common import SCENARIOS

CHILD = """
import json, sys, time
from sim.execution.backends import ProcessBackend, SerialBackend
from sim.execution.runner import BATCH_SIZE, simulate
from sim.scenario.loader import load_scenario
method, batches = sys.argv[1], int(sys.argv[2])
scenario = load_scenario(sys.argv[3])
start = time.perf_counter()
backend = SerialBackend() if method == "in-process" else ProcessBackend(2, start_method=method, in_process_below=0)
try:
    simulate(scenario, runs=batches * BATCH_SIZE, seed=1, backend=backend)
finally:
    backend.close()
print(json.dumps(time.perf_counter() - start))
"""


def trial(method: str, batches: int) -> tuple[float, float]:
    """Wall seconds to simulate ``batches`` batches of base.yaml with ``method`` in a fresh
    process, and the CPU seconds of that whole process with its workers (user + system)."""
    process = subprocess.Popen([sys.executable, "-c", CHILD, method, str(batches), str(SCENARIOS / "base.yaml")],
                               stdout=subprocess.PIPE, text=True)
    out = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    if os.waitstatus_to_exitcode(status):
        raise SystemExit(f"the {method} trial of {batches} batches failed")
    return json.loads(out), usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--batches", default="1,2,3,4,6,8")
    parser.add_argument("--methods", help="comma-separated, in-process first (default: in-process and every start method)")
    args = parser.parse_args()
    methods = args.methods.split(",") if args.methods else ["in-process", *multiprocessing.get_all_start_methods()]
    sizes = [int(n) for n in args.batches.split(",")]
    times: dict[tuple[str, int], list[float]] = {(m, n): [] for m in methods for n in sizes}
    cpu: dict[tuple[str, int], list[float]] = {(m, n): [] for m in methods for n in sizes}
    print(f"load before: {os.getloadavg()}")
    for _ in range(args.repeat):
        for n in sizes:
            for method in methods:
                wall, seconds = trial(method, n)
                times[method, n].append(wall)
                cpu[method, n].append(seconds)
    print(f"load after: {os.getloadavg()}")
    print("median wall seconds for N batches of 10,000 runs of base.yaml, 2 workers, and in brackets the "
          f"median CPU seconds of the whole process (median of {args.repeat}; same script run)")
    print("| batches | " + " | ".join(methods) + " |")
    print("| ---: | " + " | ".join("---:" for _ in methods) + " |")
    for n in sizes:
        cells = [f"{statistics.median(times[m, n]):.3f} ({statistics.median(cpu[m, n]):.2f})" for m in methods]
        print(f"| {n} | " + " | ".join(cells) + " |")
    print("wall against in-process, median of the paired ratios (same round of trials):")
    for n in sizes:
        ratios = [statistics.median(p / s for p, s in zip(times[m, n], times[methods[0], n])) for m in methods[1:]]
        print(f"  {n} batches: " + ", ".join(f"{m} {r:.2f}x" for m, r in zip(methods[1:], ratios)))
    print("start-up over in-process at the first size (median of paired differences):")
    for method in methods[1:]:
        extra = [p - s for p, s in zip(times[method, sizes[0]], times[methods[0], sizes[0]])]
        print(f"  {method}: {statistics.median(extra):+.3f} s")


if __name__ == "__main__":
    main()
