"""Every analysis command at its defaults, timed against 1M runs of the plain-numpy reference.

    python bench/analyses.py [--repeat 3] [--only sensitivity,discover] [--against TREE]

Issue 13 asks for every command at its defaults within 5x the time of 1M runs of
``bench/reference.py``'s model (docs/performance.md, "Analyses at their defaults"). Each
command, and the reference, runs as a whole process in the tree it is timed in
(``PYTHONPATH``); its CPU seconds are the user + system time of its process tree (workers
included, as the kernel accounts for reaped children) and its wall seconds the time until
it exits. Commands and the reference alternate, so a change of load hits all alike; the
ratio printed is the median over repeats of (command's wall / the same repeat's reference
wall), i.e. a same-run ratio. The load average is printed before and after.

``--against TREE`` (a ``git worktree add /tmp/before COMMIT`` or a ``git archive`` of an
older commit) also times each command in that tree, alternating with this one, for the
before/after figures.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import REFERENCE, REFERENCE_RUNS, ROOT, load_average

CALIBRATE = ["calibrate", "scenarios/base.yaml", "--target", "0.20", "--by", "2026-12-31",
             "--param", "actors.putin.readiness=-5:-2"]
#: name -> arguments of ``sim`` (run from the tree's root); ``{out}`` is a scratch folder.
COMMANDS: dict[str, list[str]] = {
    "sensitivity": ["sensitivity", "scenarios/base.yaml", "--csv", "{out}/s.csv"],
    "discover": ["discover", "scenarios/base.yaml", "--csv", "{out}/d.csv"],
    "calibrate": CALIBRATE,
    "propagate": ["run", "scenarios/base.yaml", "--propagate", "--csv", "{out}/p.csv"],
    "compare": ["compare", *sorted(f"scenarios/{p.name}" for p in (ROOT / "scenarios").glob("*.yaml")),
                "--csv", "{out}/c.csv"],
    "backtest": ["backtest", "scenarios/history", "--csv", "{out}/b.csv"],
    "sweep": ["sweep", "scenarios/base.yaml", "-p", "actors.trump.leverage.putin=0:1:3",
              "-p", "actors.trump.strategy=best,rotate", "--csv", "{out}/w.csv"],
}


def timed(arguments: list[str], tree: Path) -> tuple[float, float]:
    """CPU seconds (the process tree's user + system) and wall seconds of one process in ``tree``."""
    environment = {**os.environ, "PYTHONPATH": str(tree)}
    with tempfile.TemporaryDirectory() as folder:
        command = [sys.executable, *[a.replace("{out}", folder) for a in arguments]]
        start = time.perf_counter()
        process = subprocess.Popen(command, cwd=tree, env=environment, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.PIPE)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        error = process.stderr.read().decode(errors="replace") if process.stderr else ""
        process.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{' '.join(command)} failed in {tree}: {error[-2000:]}")
    return usage.ru_utime + usage.ru_stime, wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", default=",".join(COMMANDS), help="comma-separated names of " + ", ".join(COMMANDS))
    parser.add_argument("--against", type=Path, help="an older tree to time alternately (before)")
    args = parser.parse_args()
    names = [n.strip() for n in args.only.split(",") if n.strip()]
    unknown = [n for n in names if n not in COMMANDS]
    if unknown:
        parser.error(f"unknown command(s) {', '.join(unknown)}; known: {', '.join(COMMANDS)}")
    trees = {"now": ROOT} if args.against is None else {"before": args.against.resolve(), "now": ROOT}
    print(f"load average before: {load_average()}")
    reference: list[tuple[float, float]] = []
    found: dict[tuple[str, str], list[tuple[float, float]]] = {}
    for _ in range(args.repeat):
        reference.append(timed(["-c", REFERENCE], ROOT))
        for name in names:
            for label, tree in trees.items():
                found.setdefault((name, label), []).append(timed(["-m", "sim", *COMMANDS[name]], tree))
        print(f"  repeat done, load average {load_average()}", flush=True)
    ref_cpu = statistics.median(c for c, _ in reference)
    ref_wall = statistics.median(w for _, w in reference)
    print(f"reference, {REFERENCE_RUNS:,} runs (whole process): median {ref_cpu:.1f} CPU s, {ref_wall:.1f} s wall "
          f"(of {args.repeat}); budget 5x = {5 * ref_wall:.1f} s wall")
    for name in names:
        for label in trees:
            times = found[(name, label)]
            ratios = [w / r for (_, w), (_, r) in zip(times, reference)]
            cpu_ratios = [c / r for (c, _), (r, _) in zip(times, reference)]
            print(f"{name} [{label}]: median {statistics.median(c for c, _ in times):.1f} CPU s, "
                  f"{statistics.median(w for _, w in times):.1f} s wall (of {args.repeat}); wall / reference wall "
                  f"{statistics.median(ratios):.2f}x (range {min(ratios):.2f}-{max(ratios):.2f}); CPU / reference CPU "
                  f"{statistics.median(cpu_ratios):.2f}x")
        print(f"  sim {' '.join(COMMANDS[name]).replace('{out}', 'OUT')}")
    print(f"load average after: {load_average()}")


if __name__ == "__main__":
    main()
