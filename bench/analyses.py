"""CPU seconds of the analyses at their defaults (docs/performance.md, "Analyses at their defaults").

Each command runs as a whole process; its CPU time (user + system, workers included) comes
from the operating system's accounting of finished children, so other load on the machine
moves it far less than wall time. ``--old`` also times sensitivity at the former default of
10,000 runs per point, for the before/after ratio measured in the same run.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time

from common import SCENARIOS, SIM

COMMANDS = {
    "sensitivity": ["sensitivity", str(SCENARIOS / "base.yaml")],
    "sensitivity, 10,000 runs per point (old default)": ["sensitivity", str(SCENARIOS / "base.yaml"),
                                                         "--runs-per-point", "10000"],
}


def cpu_seconds(arguments: list[str]) -> tuple[float, float]:
    """CPU seconds (this command's process tree) and wall seconds of one ``sim`` command."""
    before = os.times()
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        subprocess.run([SIM, *arguments, "--csv", os.path.join(folder, "out.csv")], check=True,
                       stdout=subprocess.DEVNULL)
    after = os.times()
    return (after.children_user - before.children_user + after.children_system - before.children_system,
            time.perf_counter() - start)


def main() -> None:
    repeat = 3
    names = list(COMMANDS) if "--old" in sys.argv else [n for n in COMMANDS if "old" not in n]
    print(f"load average {os.getloadavg()}")
    for name in names:
        found = [cpu_seconds(COMMANDS[name]) for _ in range(repeat)]
        print(f"{name}: median {statistics.median(c for c, _ in found):.1f} CPU s, "
              f"{statistics.median(w for _, w in found):.1f} s wall (of {repeat})")


if __name__ == "__main__":
    main()
