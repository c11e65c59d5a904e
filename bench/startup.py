"""Start-up cost of the short commands: wall and CPU seconds of whole processes.

    python bench/startup.py [--repeat 7]

Times ``sim --help``, ``sim validate``, ``sim explain`` and the default ``sim run`` on
scenarios/base.yaml as subprocesses and prints, per command, the median wall time and the
median CPU time (user + system of the process and its children, as the kernel counts
them). On a loaded machine the CPU time is the figure to compare: wall time then mostly
measures the queue for a core. The targets are issue 13's (wall, on a quiet machine).

The commands run as after ``pip install``, with sim's modules compiled to bytecode once:
``PYTHONDONTWRITEBYTECODE`` is dropped and the bytecode goes to a temporary folder
(``PYTHONPYCACHEPREFIX``), so the working tree stays clean and each command's warm-up run
compiles what it imports. (With bytecode writing off, as in some development shells, every
run compiles sim's sources again, some 30-50 ms more.) The load average is printed before
and after.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import tempfile
import time

from common import ROOT, SIM

BASE = str(ROOT / "scenarios" / "base.yaml")
COMMANDS = [
    ("sim --help", [SIM, "--help"], 0.3),
    ("sim validate scenarios/base.yaml", [SIM, "validate", BASE], 0.3),
    ("sim explain scenarios/base.yaml", [SIM, "explain", BASE], 0.3),
    ("sim run scenarios/base.yaml", [SIM, "run", BASE], 0.5),
]


def installed_environment(bytecode: str) -> dict[str, str]:
    """This environment as an installed package sees it: bytecode written (to ``bytecode``)."""
    environment = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    environment["PYTHONPYCACHEPREFIX"] = bytecode
    return environment


def timed(command: list[str], environment: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds (user + system, children included) of one run of ``command``."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT,
                               env=environment)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        raise SystemExit(f"{' '.join(command)} exited with {process.returncode}")
    return wall, usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    print(f"load average: {load_average()}")
    print(f"{'command':36s} {'wall s':>7s} {'cpu s':>7s} {'cpu min':>8s} {'cpu max':>8s}  wall target")
    with tempfile.TemporaryDirectory(prefix="sim-bytecode-") as bytecode:
        environment = installed_environment(bytecode)
        for label, command, target in COMMANDS:
            timed(command, environment)  # compiles the bytecode, warms the file cache
            runs = [timed(command, environment) for _ in range(args.repeat)]
            cpu = [c for _, c in runs]
            print(f"{label:36s} {statistics.median(w for w, _ in runs):7.3f} {statistics.median(cpu):7.3f} "
                  f"{min(cpu):8.3f} {max(cpu):8.3f}  < {target} s")
    print(f"load average: {load_average()}")


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


if __name__ == "__main__":
    main()
