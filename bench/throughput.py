"""Runs per second on one core for every shipped scenario (and the reference table).

    python bench/throughput.py [--runs 200000] [--repeat 5]

One worker (the serial backend), in this process: interpreter start, imports and scenario
loading are excluded; the first call warms up. Prints the median of ``--repeat`` timings.
"""

from __future__ import annotations

import argparse
import statistics

from common import SCENARIOS, median_time

from sim.scenario.loader import load_scenario
from sim.execution.runner import simulate

TARGET = 200_000  # runs/s for scenarios/base.yaml


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(f"{'scenario':28s} {'rounds':>6s} {'P(summit)':>9s} {'median runs/s':>14s} {'min':>10s} {'max':>10s}")
    for path in sorted(SCENARIOS.glob("*.yaml")):
        scenario = load_scenario(path)
        result = simulate(scenario, runs=args.runs, workers=1)
        _, times = median_time(lambda: simulate(scenario, runs=args.runs, workers=1), repeat=args.repeat, warmup=0)
        rates = [args.runs / t for t in times]
        note = ""
        if path.name == "base.yaml":
            note = f"  target >= {TARGET:,}: {'OK' if statistics.median(rates) >= TARGET else 'MISSED'}"
        print(f"{path.stem:28s} {scenario.time.rounds:6d} {result.summary.p_summit.value:9.4f} "
              f"{statistics.median(rates):14,.0f} {min(rates):10,.0f} {max(rates):10,.0f}{note}")
    print("\nreference (other designs, runs/s on one core): numpy-vectorised ~600,000; SimPy per-run "
          "one-event-per-round ~13,000-20,000; SimPy actors-as-processes ~1,300; NegMAS ~80")


if __name__ == "__main__":
    main()
