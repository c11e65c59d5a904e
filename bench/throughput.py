"""Runs per CPU-second on one core for every shipped scenario, the old base fixture included.

    python bench/throughput.py [--runs 200000] [--repeat 5]
    python bench/throughput.py --against TREE [--runs 50000] [--repeat 9] [--only base,escalation]

One worker (the serial backend): interpreter start, imports and scenario loading are
excluded; the first call warms up. Times are CPU seconds of the process
(``time.process_time``), which other work on the machine disturbs far less than wall time.
Prints per scenario the median of ``--repeat`` timings in runs per CPU-second and in
nanoseconds per run-round (rounds simulated: a batch stops early only when every run is
done, so this is runs x the scenario's rounds, an upper bound on the rounds stepped).

``--against TREE`` times another checkout of sim (its ``sim`` package imported from TREE)
alternately with this one, each in a process of its own kept for the whole script, so
that both see the same load; it prints each side's median and the median of the paired
ratios (TREE's CPU time / this tree's), the figure to quote for a speed-up.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from pathlib import Path

from common import ROOT

#: The shipped scenarios, and the base scenario as it was before it was re-derived.
SCENARIO_FILES = (*sorted((ROOT / "scenarios").glob("*.yaml")), ROOT / "tests" / "fixtures" / "base_2026_01.yaml")

#: A timing process: reads "PATH RUNS" lines, answers each with the CPU seconds of one
#: ``simulate(..., workers=1)`` (after one warm-up per scenario), its rounds and P(summit).
WORKER = """
import sys, time
import sim
print(sim.__file__, flush=True)
from sim.scenario.loader import load_scenario
from sim.execution.runner import simulate
loaded = {}
for line in sys.stdin:
    path, runs = line.split()
    if path not in loaded:
        loaded[path] = load_scenario(path)
        simulate(loaded[path], runs=10_000, workers=1)
    scenario = loaded[path]
    start = time.process_time()
    result = simulate(scenario, runs=int(runs), workers=1)
    print(time.process_time() - start, scenario.time.rounds, result.summary.p_summit.value, flush=True)
"""


class Timer:
    """A process that times simulations with the ``sim`` package of one source tree."""

    def __init__(self, tree: Path) -> None:
        env = {**os.environ, "PYTHONPATH": str(tree)}
        # ``python -c`` puts its working folder first on the path: the tree's own.
        self.process = subprocess.Popen([sys.executable, "-c", WORKER], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, text=True, env=env, cwd=tree)
        imported = Path(self.process.stdout.readline().strip()).resolve()
        if not imported.is_relative_to(tree.resolve()):
            raise SystemExit(f"{tree}: the timing process imported sim from {imported}")

    def time(self, path: Path, runs: int) -> tuple[float, int, float]:
        """CPU seconds, rounds and P(summit) of one simulation of ``runs`` runs of ``path``."""
        self.process.stdin.write(f"{path} {runs}\n")
        self.process.stdin.flush()
        seconds, rounds, p = self.process.stdout.readline().split()
        return float(seconds), int(rounds), float(p)

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait()


def rates(runs: int, rounds: int, seconds: list[float]) -> str:
    """Median runs per CPU-second and ns per run-round, with the range of runs/s."""
    middle = statistics.median(seconds)
    return (f"{runs / middle:12,.0f} {1e9 * middle / (runs * rounds):8.0f} "
            f"{runs / max(seconds):10,.0f} {runs / min(seconds):10,.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=None, help="runs per timing (200,000; 50,000 with --against)")
    parser.add_argument("--repeat", type=int, default=None, help="timings per scenario (5; 9 with --against)")
    parser.add_argument("--against", type=Path, default=None, help="another checkout to time alternately")
    parser.add_argument("--only", default=None, help="comma-separated scenario names (file stems) to time; all by default")
    args = parser.parse_args()
    only = None if args.only is None else set(args.only.split(","))
    runs = args.runs or (50_000 if args.against else 200_000)
    repeat = args.repeat or (9 if args.against else 5)
    here = Timer(ROOT)
    there = Timer(args.against.resolve()) if args.against else None
    print(f"load average before: {os.getloadavg()[0]:.2f}; {runs:,} runs per timing, median of {repeat}")
    head = f"{'scenario':16s} {'rounds':>6s} {'P(summit)':>9s} {'runs/CPU-s':>12s} {'ns/r-r':>8s} {'min':>10s} {'max':>10s}"
    print(head + ("   against: runs/CPU-s   ns/r-r  speed-up (median of pairs, range)" if there else ""))
    for path in SCENARIO_FILES:
        if only is not None and path.stem not in only:
            continue
        mine, theirs, ratios = [], [], []
        for _ in range(repeat):
            seconds, rounds, p = here.time(path, runs)
            mine.append(seconds)
            if there is not None:
                other, _, _ = there.time(path, runs)
                theirs.append(other)
                ratios.append(other / seconds)
        line = f"{path.stem:16s} {rounds:6d} {p:9.4f} {rates(runs, rounds, mine)}"
        if there is not None:
            middle = statistics.median(theirs)
            line += (f"   {runs / middle:12,.0f} {1e9 * middle / (runs * rounds):8.0f}  "
                     f"{statistics.median(ratios):.2f}x ({min(ratios):.2f}-{max(ratios):.2f})")
        print(line, flush=True)
    here.close()
    if there is not None:
        there.close()
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
