"""Wall time of whole commands, interpreter start included (like hyperfine).

    python bench/latency.py [--repeat 7]

Times ``sim --help`` and ``sim run scenarios/base.yaml`` (its default 50,000 runs, default
workers) as subprocesses; prints the median, min and max of ``--repeat`` runs after one
warm-up run each.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import time

from common import ROOT, SIM

COMMANDS = [
    ("sim --help", [SIM, "--help"], 0.3),
    ("sim run scenarios/base.yaml", [SIM, "run", str(ROOT / "scenarios" / "base.yaml")], 1.0),
    ("sim run scenarios/base.yaml --json", [SIM, "run", str(ROOT / "scenarios" / "base.yaml"), "--json"], 1.0),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    print(f"{'command':40s} {'median s':>9s} {'min':>7s} {'max':>7s}  target")
    for label, command, target in COMMANDS:
        times = []
        for k in range(args.repeat + 1):
            start = time.perf_counter()
            subprocess.run(command, check=True, stdout=subprocess.DEVNULL, cwd=ROOT)
            if k:  # the first run warms the file cache
                times.append(time.perf_counter() - start)
        median = statistics.median(times)
        print(f"{label:40s} {median:9.3f} {min(times):7.3f} {max(times):7.3f}  < {target} s: "
              f"{'OK' if median < target else 'MISSED'}")


if __name__ == "__main__":
    main()
