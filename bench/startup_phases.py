"""Where the short commands' start-up goes: each step timed in a fresh interpreter.

    python bench/startup_phases.py [--repeat 7]

A fresh interpreter (bytecode written once, as bench/startup.py runs the commands) takes
the steps of ``sim validate``, ``sim explain`` and ``sim run`` on scenarios/base.yaml in
order, each import or call timed once; the table gives each step's median wall and CPU
milliseconds over ``--repeat`` interpreters. An import's time is what it adds to the
steps before it (a module they loaded already costs nothing again); the first row is a
bare interpreter (``python -c pass``), which every step runs inside. Then one
interpreter times the parse of scenarios/base.yaml by libyaml and by the pure-Python
parser (sim.scenario.safe_yaml, median of 20 parses each).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

from common import ROOT, load_average

#: Run in a fresh interpreter: the steps, each timed, printed as JSON {step: [wall, cpu]}.
STEPS = r'''
import io, json, time
times = {}
def step(name, action):
    wall, cpu = time.perf_counter(), time.process_time()
    result = action()
    times[name] = [time.perf_counter() - wall, time.process_time() - cpu]
    return result
step("import sim.cli (typer, the commands)", lambda: __import__("sim.cli"))
step("import pydantic", lambda: __import__("pydantic").BaseModel)
step("pydantic's first model (typer's option parsers)", lambda: __import__("pydantic").TypeAdapter(int))
step("import sim.scenario.schema (the models)", lambda: __import__("sim.scenario.schema"))
step("import sim.scenario.loader (PyYAML, the rest)", lambda: __import__("sim.scenario.loader"))
from sim.scenario.loader import load_scenario
scenario = step("load_scenario(base.yaml)", lambda: load_scenario("scenarios/base.yaml"))
step("import numpy", lambda: __import__("numpy"))
step("import sim.analysis.zone (the engine)", lambda: __import__("sim.analysis.zone"))
from sim.analysis.zone import analyse_zone
zone = step("analyse_zone", lambda: analyse_zone(scenario))
step("import rich.console, rich.table", lambda: (__import__("rich.console"), __import__("rich.table")))
step("import sim.report.tables (beyond these)", lambda: __import__("sim.report.tables"))
from rich.console import Console
from sim.report.tables import render_run
from sim.report.zone_tables import render_zone
console = Console(file=io.StringIO(), width=80, highlight=False, soft_wrap=False)
step("render_zone", lambda: render_zone(zone, console))
step("import sim.execution.runner", lambda: __import__("sim.execution.runner"))
from sim.execution.runner import simulate
result = step("simulate (50,000 runs, this process)", lambda: simulate(scenario))
step("render_run", lambda: render_run(result, zone, console))
print(json.dumps(times))
'''

PARSES = r'''
import json, statistics, time
from sim.scenario import safe_yaml
text = open("scenarios/base.yaml", encoding="utf-8").read()
def median_ms():
    times = []
    for _ in range(20):
        start = time.perf_counter()
        safe_yaml.parse_yaml(text)
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)
fast = median_ms() if safe_yaml.LIBYAML_LOADER is not None else None
safe_yaml.LIBYAML_LOADER = None
print(json.dumps({"libyaml": fast, "pure-Python": median_ms()}))
'''


def fresh(code: str, bytecode: str) -> dict[str, object]:
    """Run ``code`` in a fresh interpreter in the repository; its JSON answer."""
    environment = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    environment["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    environment["PYTHONPYCACHEPREFIX"] = bytecode
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True,
                          check=True)
    return json.loads(done.stdout.splitlines()[-1])


def bare_interpreter(repeat: int) -> tuple[float, float]:
    """Median wall and CPU seconds of ``python -c pass`` in this environment (site and .pth files included)."""
    runs = []
    for _ in range(repeat + 1):
        start = time.perf_counter()
        process = subprocess.Popen([sys.executable, "-c", "pass"])
        _, _, usage = os.wait4(process.pid, 0)
        runs.append((time.perf_counter() - start, usage.ru_utime + usage.ru_stime))
    return statistics.median(w for w, _ in runs[1:]), statistics.median(c for _, c in runs[1:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    print(f"load average: {load_average()}")
    with tempfile.TemporaryDirectory(prefix="sim-bytecode-") as bytecode:
        fresh(STEPS, bytecode)  # compiles the bytecode, warms the file cache
        runs = [fresh(STEPS, bytecode) for _ in range(args.repeat)]
        print(f"{'step':46s} {'wall ms':>8s} {'cpu ms':>8s}")
        wall, cpu = bare_interpreter(args.repeat)
        print(f"{'the interpreter itself (python -c pass)':46s} {1000 * wall:8.1f} {1000 * cpu:8.1f}")
        for name in runs[0]:
            wall = statistics.median(run[name][0] for run in runs)
            cpu = statistics.median(run[name][1] for run in runs)
            print(f"{name:46s} {1000 * wall:8.1f} {1000 * cpu:8.1f}")
        parses = fresh(PARSES, bytecode)
    print("parse scenarios/base.yaml, median of 20: "
          + ", ".join(f"{name} {ms:.1f} ms" for name, ms in parses.items() if ms is not None))
    print(f"load average: {load_average()}")


if __name__ == "__main__":
    main()
