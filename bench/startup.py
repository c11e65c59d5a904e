"""Start-up cost of the short commands: wall and CPU seconds of whole processes.

    python bench/startup.py [--repeat 7] [--against TREE]

Times ``sim --help``, ``sim validate``, ``sim explain`` and the default ``sim run`` on
scenarios/base.yaml as subprocesses and prints, per command, the median wall time and the
median CPU time (user + system of the process and its children, as the kernel counts
them). On a loaded machine the CPU time is the figure to compare: wall time then mostly
measures the queue for a core. The targets are issue 13's (wall, on a quiet machine).

The commands run as after ``pip install``, with sim's modules compiled to bytecode once:
``PYTHONDONTWRITEBYTECODE`` is dropped and the bytecode goes to a temporary folder
(``PYTHONPYCACHEPREFIX``), so the working tree stays clean and each command's warm-up run
compiles what it imports. (With bytecode writing off, as in some development shells, every
run compiles sim's sources again, some 30-50 ms more.) Each command imports the sim of the
tree it runs in (``PYTHONPATH``), whatever is installed. The load average is printed
before and after.

``--against TREE`` times another checkout too (``git worktree add /tmp/old COMMIT``), each
command alternating between the two trees so that both meet the same load, and prints the
median of the paired CPU differences (this tree minus TREE): the figure to quote for a
change when the machine is busy.

Before each command's timings and after the last, the plain-numpy reference's 1M-run pass
(``bench/reference.py``) is timed in a fresh process, the machine's speed at that moment
(``--no-reference`` skips it). The targets are wall times at the speed of issue 13's quiet
machine, whose comparable numpy model took ~55 ns per run-round (the pass would take 2.64 s
there); the same-run ratio of each command's median wall time to the median pass is printed,
with the wall time it means at that speed (ratio x 2.64 s). This machine's CPU speed swung
4-5x within one day at the same low load average, so this scaled figure, not the raw one,
is what meets a target or not.

Run it with the Python of an environment installed as the README installs sim
(``python3 -m venv /tmp/user && /tmp/user/bin/pip install .``, then
``/tmp/user/bin/python bench/startup.py``): a development install (``pip install -e``)
adds an import finder to every interpreter's start-up, about 10 ms here, which no user's
``sim`` pays. The script says so when it finds one.
"""

from __future__ import annotations

import argparse
import os
import site
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from common import ISSUE_REFERENCE_PASS, ROOT, SIM, load_average, reference_pass

COMMANDS = [
    ("sim --help", ["--help"], 0.3),
    ("sim validate scenarios/base.yaml", ["validate", "scenarios/base.yaml"], 0.3),
    ("sim explain scenarios/base.yaml", ["explain", "scenarios/base.yaml"], 0.3),
    ("sim run scenarios/base.yaml", ["run", "scenarios/base.yaml"], 0.5),
]


def installed_environment(tree: Path, bytecode: str) -> dict[str, str]:
    """The environment of a command run in ``tree``: that tree's sim, bytecode written (to
    ``bytecode``) as an installed package has it."""
    environment = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    environment["PYTHONPATH"] = os.pathsep.join(filter(None, [str(tree), os.environ.get("PYTHONPATH")]))
    environment["PYTHONPYCACHEPREFIX"] = bytecode
    return environment


def timed(arguments: list[str], tree: Path, environment: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds (user + system, children included) of one ``sim ARGUMENTS`` in ``tree``."""
    start = time.perf_counter()
    process = subprocess.Popen([SIM, *arguments], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=tree,
                               env=environment)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        raise SystemExit(f"sim {' '.join(arguments)} (in {tree}) exited with {process.returncode}")
    return wall, usage.ru_utime + usage.ru_stime


def editable_install() -> bool:
    """Whether this interpreter's site-packages hold a development install's import finder
    (setuptools names it ``__editable___*_finder.py``): the commands' interpreters load it too."""
    return any(any(Path(folder).glob("__editable__*finder.py")) for folder in site.getsitepackages())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--against", metavar="TREE", help="another checkout of sim, timed alternately with this one")
    parser.add_argument("--no-reference", action="store_true", help="do not time the reference pass (no scaled figures)")
    args = parser.parse_args()
    trees = [ROOT] + ([Path(args.against).resolve()] if args.against else [])
    print(f"load average: {load_average()}")
    if editable_install():
        print("note: sim is installed here in development (editable) mode, whose import finder adds about 10 ms "
              "to every command; run this with an environment installed by `pip install .` for a user's figures")
    print(f"{'command':36s} {'wall s':>7s} {'cpu s':>7s} {'cpu min':>8s} {'cpu max':>8s}  wall target  tree")
    passes: list[float] = []
    walls: dict[tuple[str, Path], float] = {}
    with tempfile.TemporaryDirectory(prefix="sim-bytecode-") as bytecode:
        environments = {tree: installed_environment(tree, bytecode) for tree in trees}
        for label, arguments, target in COMMANDS:
            if not args.no_reference:
                passes.append(reference_pass(environments[ROOT]))
            for tree in trees:
                timed(arguments, tree, environments[tree])  # compiles the bytecode, warms the file cache
            runs: dict[Path, list[tuple[float, float]]] = {tree: [] for tree in trees}
            for _ in range(args.repeat):
                for tree in trees:
                    runs[tree].append(timed(arguments, tree, environments[tree]))
            for tree in trees:
                cpu = [c for _, c in runs[tree]]
                walls[(label, tree)] = statistics.median(w for w, _ in runs[tree])
                print(f"{label:36s} {walls[(label, tree)]:7.3f} {statistics.median(cpu):7.3f} "
                      f"{min(cpu):8.3f} {max(cpu):8.3f}  < {target} s     {tree}")
            if len(trees) == 2:
                paired = [mine[1] - theirs[1] for mine, theirs in zip(runs[trees[0]], runs[trees[1]])]
                print(f"{'':36s} paired CPU difference, this tree minus the other: median {statistics.median(paired):+.3f} s")
        if not args.no_reference:
            passes.append(reference_pass(environments[ROOT]))
    if passes:
        scale = statistics.median(passes)
        print(f"reference pass, 1M runs: median {scale:.2f} s wall of {len(passes)} "
              f"({min(passes):.2f}-{max(passes):.2f}); at issue 13's speed: {ISSUE_REFERENCE_PASS:.2f} s")
        print(f"{'command':36s} {'wall / pass':>11s} {'scaled':>9s}  wall target  tree")
        for label, _, target in COMMANDS:
            for tree in trees:
                ratio = walls[(label, tree)] / scale
                print(f"{label:36s} {ratio:11.3f} {ratio * ISSUE_REFERENCE_PASS:8.3f}s  < {target} s     {tree}")
    print(f"load average: {load_average()}")


if __name__ == "__main__":
    main()
