"""What the short commands load: start-up is mostly imports, so each command loads only
what it uses (issue 13's start-up goals; bench/startup.py times them).

Each check runs the real command in a fresh interpreter, since this test process has
imported everything already, and reads the interpreter's ``sys.modules`` once the command
has finished: a module a command does not need stays unloaded however the code changes
around it.
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
BASE = str(REPO / "scenarios" / "base.yaml")

#: Runs ``sim ARGS...`` in this interpreter, then writes the loaded modules' names as JSON
#: to the file named first, and the command's exit code.
_RUN_AND_LIST = """
import json, sys
listing, arguments = sys.argv[1], sys.argv[2:]
sys.argv = ["sim", *arguments]
from sim.cli import main
try:
    main()
    code = 0
except SystemExit as stop:
    code = stop.code
with open(listing, "w") as handle:
    json.dump({"code": code, "modules": sorted(sys.modules)}, handle)
"""

#: Rendering and plotting libraries: loaded only by a command that draws with them.
RENDERERS = ("rich", "matplotlib", "jinja2")


def fresh_environment(*dropped: str, **settings: str) -> dict[str, str]:
    """This process's environment for a fresh interpreter: this checkout's sim first on the
    path, the variables ``dropped`` unset and ``settings`` set."""
    environment = {k: v for k, v in os.environ.items() if k not in dropped}
    environment.update(settings, PYTHONPATH=os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]))
    return environment


@functools.lru_cache(maxsize=None)
def loaded_by(*arguments: str) -> frozenset[str]:
    """The modules loaded once ``sim ARGUMENTS...`` has run in a fresh interpreter (run
    once per argument list, however many tests ask)."""
    environment = fresh_environment("SIM_SCHEDULER")
    with tempfile.TemporaryDirectory() as folder:
        listing = Path(folder) / "modules.json"
        finished = subprocess.run([sys.executable, "-c", _RUN_AND_LIST, str(listing), *arguments], cwd=REPO,
                                  capture_output=True, text=True, env=environment, timeout=120)
        assert finished.returncode == 0, finished.stderr
        report = json.loads(listing.read_text())
    assert report["code"] == 0, finished.stderr
    return frozenset(report["modules"])


def packages(modules: frozenset[str]) -> set[str]:
    return {name.split(".")[0] for name in modules}


def test_validate_reads_a_scenario_without_numpy_or_any_renderer():
    """``sim validate`` parses and checks the file: numpy (a tenth of a second to import)
    is needed only to draw from a distribution, and nothing is rendered."""
    loaded = loaded_by("validate", BASE)
    assert "sim.scenario.schema" in loaded  # the check did run
    assert packages(loaded) & {"numpy", *RENDERERS} == set()


def test_validate_loads_nothing_above_the_scenario_layer():
    """Checking a file needs the scenario layer only: no engine, runner, analysis or report."""
    loaded = loaded_by("validate", BASE)
    above = {name for name in loaded if name.split(".")[:2] in
             (["sim", "engine"], ["sim", "execution"], ["sim", "analysis"], ["sim", "report"])}
    assert above == set()


def test_help_loads_no_scenario_code_nor_numpy():
    """``sim --help`` lists the commands; it reads no scenario and computes nothing."""
    loaded = loaded_by("--help")
    assert {name for name in loaded if name.startswith("sim.scenario")} == set()
    assert packages(loaded) & {"numpy", "pydantic", *RENDERERS} == set()


@pytest.mark.parametrize("arguments", [("explain", BASE), ("run", BASE, "--runs", "2000")])
def test_terminal_commands_load_no_plotting_or_page_templates(arguments):
    """Tables on the terminal need rich, not matplotlib (an extra, for --plot) nor jinja2
    (for --html)."""
    loaded = packages(loaded_by(*arguments))
    assert "rich" in loaded
    assert loaded & {"matplotlib", "jinja2"} == set()


def test_json_on_standard_output_loads_no_renderer():
    """``sim run --json`` prints data, not tables: no rich, plots or pages."""
    assert packages(loaded_by("run", BASE, "--runs", "2000", "--json")) & set(RENDERERS) == set()


def test_schema_loads_neither_numpy_nor_any_renderer():
    """``sim schema`` prints the scenario format from the models; it computes nothing."""
    assert packages(loaded_by("schema")) & {"numpy", *RENDERERS} == set()


def test_explain_loads_no_simulation_code():
    """``sim explain`` reads the zone of agreement off the scenario before any run: no
    runner, backend, journal or SimPy, nor the analyses that run (compare, sweep, trace),
    and none of the run, compare, sweep and trace tables (sim/report/zone_tables.py)."""
    loaded = loaded_by("explain", BASE)
    assert "sim.analysis.zone" in loaded  # the explanation did run
    simulating = {name for name in loaded if name.split(".")[:2] == ["sim", "execution"]}
    simulating |= loaded & {"sim.engine.model", "sim.analysis.experiment", "sim.analysis.sweep", "sim.analysis.trace",
                            "sim.report.tables", "sim.report.export"}
    assert simulating == set()
    assert "simpy" not in packages(loaded)


#: Imports the command line and numpy, then prints OPENBLAS_NUM_THREADS and the process's
#: thread count (Linux's /proc): OpenBLAS starts its threads when numpy is imported.
_THREADS_AFTER_IMPORT = """
import os
import sim.cli
import numpy
with open("/proc/self/status") as status:
    threads = next(line.split()[1] for line in status if line.startswith("Threads:"))
print(os.environ.get("OPENBLAS_NUM_THREADS"), threads)
"""


def _threads_after_import(**settings: str) -> list[str]:
    done = subprocess.run([sys.executable, "-c", _THREADS_AFTER_IMPORT], cwd=REPO, capture_output=True, text=True,
                          env=fresh_environment("OPENBLAS_NUM_THREADS", **settings), timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads the thread count from Linux's /proc")
def test_the_command_line_starts_numpy_with_one_blas_thread_unless_told_otherwise():
    assert _threads_after_import() == ["1", "1"]  # no idle OpenBLAS threads spinning at start-up
    assert _threads_after_import(OPENBLAS_NUM_THREADS="2")[0] == "2"  # the user's setting stands
