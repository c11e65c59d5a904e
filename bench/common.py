"""Helpers shared by the benchmark scripts: medians of repeated timings, peak memory."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
SIM = str(Path(sys.executable).parent / "sim")  # the console script of this environment


def median_time(function: Callable[[], object], repeat: int = 5, warmup: int = 1) -> tuple[float, list[float]]:
    """Median wall time of ``function()`` over ``repeat`` calls (after ``warmup`` calls)."""
    for _ in range(warmup):
        function()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times), times


def _tree_rss_kb(root: int) -> int:
    """Resident memory of ``root`` and all its descendants, in KB (Linux /proc)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            ppid, pages = int(fields[1]), int(fields[21])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry))
        rss[int(entry)] = pages * (os.sysconf("SC_PAGE_SIZE") // 1024)
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack.extend(children.get(pid, []))
    return total


def load_average() -> str:
    """The machine's 1-, 5- and 15-minute load averages, as the scripts print them."""
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def peak_memory(command: list[str], interval: float = 0.05) -> dict[str, float]:
    """Run ``command`` under ``/usr/bin/time``: its wall time, the largest peak RSS of any
    one of its processes (``%M``, as ``/usr/bin/time -v`` reports it) and the peak of the
    sum over its process tree, workers included (sampled from /proc)."""
    start = time.perf_counter()
    process = subprocess.Popen(["/usr/bin/time", "-f", "maxrss_kb=%M", *command],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    tree_peak = 0
    while process.poll() is None:
        tree_peak = max(tree_peak, _tree_rss_kb(process.pid))
        time.sleep(interval)
    wall = time.perf_counter() - start
    stderr = process.stderr.read()
    if process.returncode:
        raise RuntimeError(f"{command} failed: {stderr[-2000:]}")
    maxrss = int(stderr.rsplit("maxrss_kb=", 1)[1].split()[0])
    return {"wall_s": wall, "max_process_mb": maxrss / 1024, "tree_peak_mb": tree_peak / 1024}


#: Runs of the plain-numpy reference model (bench/reference.py) that issue 13's budgets are set against.
REFERENCE_RUNS = 1_000_000
#: Issue 13's quiet machine ran "a plain numpy vectorised model of comparable size" at ~55 ns
#: of CPU per run-round; the reference's pass at that speed (1M runs, the old base's 48 rounds)
#: takes this many seconds. Its wall-time targets hold at that speed, so a figure measured on a
#: slower or busier machine is scaled by (this / the same run's reference pass) to compare.
ISSUE_REFERENCE_PASS = 55e-9 * 48 * REFERENCE_RUNS
#: ``python -c`` text, run from a tree's root: the reference's 1M runs of the old base in a
#: fresh process; it prints the seconds of the pass itself (its imports excluded).
REFERENCE = ("import sys, time; sys.path.insert(0, 'bench'); from reference import reference; "
             "from sim.engine.inputs import compile_inputs; from sim.scenario.loader import load_scenario; "
             "inputs = compile_inputs(load_scenario('tests/fixtures/base_2026_01.yaml')); "
             f"start = time.perf_counter(); reference(inputs, {REFERENCE_RUNS}, 1); "
             "print(time.perf_counter() - start)")


def reference_pass(environment: dict[str, str] | None = None) -> float:
    """Wall seconds of the reference's 1M-run pass, timed now in a fresh process: the
    machine's speed at this moment, to scale the other figures of the same run by."""
    done = subprocess.run([sys.executable, "-c", REFERENCE], cwd=ROOT, env=environment, capture_output=True,
                          text=True, check=True)
    return float(done.stdout.split()[-1])
