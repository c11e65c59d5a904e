"""Two engines in one process, batch by batch: a speed-up that the machine's swings do not blur.

    python bench/interleaved.py --against TREE [--repeat 21] [--only base,us-pressure]

`bench/throughput.py --against` times each engine in a process of its own, alternately,
50,000 runs a timing; on this shared machine the speed moves by a third within seconds, so
single pairs range from 0.7x to 1.5x and a median of 9 pairs still moves by a few percent
between runs. This script loads both engines into one interpreter instead: each tree's
``sim`` package is copied into a temporary directory under a name of its own (``sim_this``,
``sim_that``, the imports inside rewritten to match; the trees themselves are not touched),
and one 10,000-lane batch of each is timed in turn (CPU seconds), the order alternating,
``--repeat`` times per scenario with a new seed each time, after a warm-up batch. The
speed-up is the median of the per-pair ratios (that tree's CPU time over this tree's), with
the quartiles of the ratios. Two copies of the same tree (``--against .``) give a median
within a percent or two of 1.000 (0.98-0.99 on 2026-12-08, quartiles 0.89-1.04 with another
tenant's load on the host): the check to run before trusting a difference. Each engine
simulates its own tree's scenario files.
"""

from __future__ import annotations

import argparse
import importlib
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from common import ROOT, load_average

LANES = 10_000
IMPORT = re.compile(r"\b(from|import) sim(?=[. ])")


def copy_package(tree: Path, name: str, into: Path) -> None:
    """``tree``'s ``sim`` package as package ``name`` in ``into``, its imports renamed."""
    target = into / name
    shutil.copytree(tree / "sim", target, ignore=shutil.ignore_patterns("__pycache__"))
    for path in target.rglob("*.py"):
        text = IMPORT.sub(rf"\1 {name}", path.read_text(encoding="utf-8"))
        text = text.replace('"sim.', f'"{name}.').replace("'sim.", f"'{name}.")  # lazy imports by module name
        path.write_text(text, encoding="utf-8")


def engine(name: str):
    """(simulate_batch, compile a scenario file) of the copied package ``name``."""
    model = importlib.import_module(f"{name}.engine.model")
    inputs = importlib.import_module(f"{name}.engine.inputs")
    loader = importlib.import_module(f"{name}.scenario.loader")
    return model.simulate_batch, lambda path: inputs.compile_inputs(loader.load_scenario(path))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", required=True, help="another checkout of sim")
    parser.add_argument("--repeat", type=int, default=21, help="batch pairs per scenario")
    parser.add_argument("--only", help="comma-separated scenario names (file stems); all shipped ones by default")
    args = parser.parse_args()
    that_tree = Path(args.against).resolve()
    if args.only:
        names = args.only.split(",")
    else:
        names = sorted(p.stem for p in (ROOT / "scenarios").glob("*.yaml")) + ["base_2026_01"]
    with tempfile.TemporaryDirectory() as scratch:
        copy_package(ROOT, "sim_this", Path(scratch))
        copy_package(that_tree, "sim_that", Path(scratch))
        sys.path.insert(0, scratch)
        engines = {"this": engine("sim_this"), "that": engine("sim_that")}
        print(f"load average before: {load_average()}; one batch of {LANES:,} lanes a timing, "
              f"{args.repeat} pairs per scenario, this tree {ROOT} against {that_tree}")
        print(f"{'scenario':<16} {'this: ms':>9} {'that: ms':>9}  speed-up (median of pairs, quartiles)")
        for name in names:
            fixture = Path("tests/fixtures/base_2026_01.yaml") if name == "base_2026_01" else Path("scenarios") / f"{name}.yaml"
            batch = {key: (simulate, compile_(tree / fixture))
                     for (key, (simulate, compile_)), tree in zip(engines.items(), (ROOT, that_tree))}
            times: dict[str, list[float]] = {"this": [], "that": []}
            for key, (simulate, inputs) in batch.items():
                simulate(inputs, np.random.SeedSequence(12_345), LANES)
            for pair in range(args.repeat):
                for key in (("this", "that") if pair % 2 == 0 else ("that", "this")):
                    simulate, inputs = batch[key]
                    start = time.process_time()
                    simulate(inputs, np.random.SeedSequence(pair), LANES)
                    times[key].append(time.process_time() - start)
            ratios = sorted(b / a for a, b in zip(times["this"], times["that"]))
            low, mid, high = statistics.quantiles(ratios, n=4)
            print(f"{name:<16} {1e3 * statistics.median(times['this']):9.1f} {1e3 * statistics.median(times['that']):9.1f}"
                  f"  {mid:.3f}x ({low:.3f}-{high:.3f})")
    print(f"load average after: {load_average()}")


if __name__ == "__main__":
    main()
