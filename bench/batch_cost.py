"""What one engine batch costs as a function of its lanes: the fixed cost behind sensitivity.

    python bench/batch_cost.py [--lanes 10,100,1000,10000] [--repeat 7] [--scenario scenarios/base.yaml]

Times ``stage_tally`` (one batch of ``lanes`` runs, as ``sim sensitivity`` simulates each
sample point) in this process, CPU seconds, median of ``--repeat`` after a warm-up, the lane
counts alternating so that a change of load hits all alike. A straight line through the
first and last lane counts splits the cost into a fixed part per batch (Python work per
round that does not depend on the lanes) and a part per run. The shares are what to quote:
the machine's speed swings several-fold between days and cancels in them.
docs/performance.md, "Analyses at their defaults", quotes them.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from common import ROOT, load_average

from sim.engine.inputs import compile_inputs
from sim.execution.runner import stage_tally
from sim.scenario.loader import load_scenario


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lanes", default="10,100,1000,10000", help="comma-separated lane counts")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--scenario", default=str(ROOT / "scenarios" / "base.yaml"))
    args = parser.parse_args()
    lanes = sorted(int(n) for n in args.lanes.split(","))
    inputs = compile_inputs(load_scenario(Path(args.scenario)))
    print(f"load average before: {load_average()}")
    for n in lanes:  # warm-up
        stage_tally(inputs, 1, n, 0)
    times: dict[int, list[float]] = {n: [] for n in lanes}
    for _ in range(args.repeat):
        for n in lanes:
            start = time.process_time()
            stage_tally(inputs, 1, n, 0)
            times[n].append(time.process_time() - start)
    medians = {n: statistics.median(t) for n, t in times.items()}
    print(f"{Path(args.scenario).name}: one batch, CPU ms, median of {args.repeat}")
    for n in lanes:
        print(f"  {n:>6,} lanes: {1e3 * medians[n]:8.1f} ms  ({1e6 * medians[n] / n:8.1f} us per run)")
    low, high = lanes[0], lanes[-1]
    per_run = (medians[high] - medians[low]) / (high - low)
    fixed = medians[low] - per_run * low
    print(f"fixed per batch {1e3 * fixed:.1f} ms, per run {1e6 * per_run:.2f} us "
          f"(line through {low:,} and {high:,} lanes)")
    for n in lanes:
        print(f"  fixed share of a {n:,}-lane batch: {fixed / medians[n]:.0%}")
    print(f"load average after: {load_average()}")


if __name__ == "__main__":
    main()
