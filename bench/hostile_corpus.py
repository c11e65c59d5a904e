"""Run a hostile-input corpus through the installed ``sim`` command and count the answers.

For every shipped scenario, CASES mutations (a value replaced by a hostile one, a key
deleted or misspelt, a value wrapped in a list, the file truncated or spliced with random
bytes) are written to files and run with ``sim run FILE --runs 50 --json``; CASES / 4
runs of the scenario itself get a hostile ``--set`` value (deep nesting, alias bombs,
impossible dates, actors without a role); and files whose ``extends`` names a system
file, a device or a folder above are run once each. Every answer
must be exit 0, or exit 2 with one line on stderr; no traceback, no other exit code, no
hang (a case taking over TIMEOUT seconds counts as a hang).

    python bench/hostile_corpus.py [CASES]      # default 200 per scenario
"""

from __future__ import annotations

import collections
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Sequence

import numpy as np
import yaml

from sim.scenario.fuzz import ACTIONS, HOSTILE_EXTENDS, HOSTILE_TEXTS, HOSTILE_VALUES, mutate, paths_of

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT = 20.0


def cases(scenario: Path, count: int, rng: np.random.Generator) -> list[bytes]:
    """``count`` hostile variants of one scenario file, as bytes."""
    raw = scenario.read_bytes()
    document = yaml.safe_load(raw)
    paths = list(paths_of(document))
    made = []
    for k in range(count):
        if k % 4 == 3:  # byte-level damage
            cut = int(rng.integers(0, len(raw) + 1))
            junk = rng.integers(0, 256, size=int(rng.integers(0, 40)), dtype=np.uint8).tobytes()
            where = int(rng.integers(0, cut + 1))
            made.append(raw[:where] + junk + raw[where:cut])
            continue
        path = paths[int(rng.integers(len(paths)))]
        value = HOSTILE_VALUES[int(rng.integers(len(HOSTILE_VALUES)))]
        mutated = mutate(document, path, ACTIONS[int(rng.integers(len(ACTIONS)))], value)
        made.append(yaml.safe_dump(mutated, allow_unicode=True).encode("utf-8", "surrogatepass"))
    return made


def set_cases(scenario: Path, count: int, rng: np.random.Generator) -> list[list[str]]:
    """``count`` hostile ``--set PATH=TEXT`` options for one scenario (fuzz.HOSTILE_TEXTS)."""
    document = yaml.safe_load(scenario.read_bytes())
    paths = [".".join(map(str, path)) for path in paths_of(document) if path]
    return [["--set", f"{paths[int(rng.integers(len(paths)))]}={HOSTILE_TEXTS[int(rng.integers(len(HOSTILE_TEXTS)))]}"]
            for _ in range(count)]


def judge(sim: str, file: Path, extra: Sequence[str] = ()) -> str:
    """Run one case; return 'ok-0', 'ok-2' or what went wrong."""
    try:
        done = subprocess.run([sim, "run", str(file), "--runs", "50", "--workers", "1", "--json", *extra],
                              capture_output=True, text=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        return "hang"
    if "Traceback" in done.stderr:
        return "traceback"
    if done.returncode == 0:
        return "ok-0"
    if done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1:
        return "ok-2"
    return f"exit-{done.returncode}"


def main() -> int:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    sim = shutil.which("sim") or sys.exit("the sim command is not installed")
    rng = np.random.default_rng(20260128)
    totals: collections.Counter[str] = collections.Counter()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as scratch, ThreadPoolExecutor(2) as pool:
        shutil.copy(ROOT / "scenarios" / "base.yaml", scratch)  # so that variants' extends resolves
        for scenario in sorted((ROOT / "scenarios").glob("*.yaml")):
            files = []
            for k, data in enumerate(cases(scenario, count, rng)):
                files.append(Path(scratch) / f"{scenario.stem}-{k}.yaml")
                files[-1].write_bytes(data)
            verdicts = collections.Counter(pool.map(lambda f: judge(sim, f), files))
            options = set_cases(scenario, max(1, count // 4), rng)
            verdicts.update(pool.map(lambda extra: judge(sim, scenario, extra), options))
            totals.update(verdicts)
            print(f"{scenario.name:28} {dict(sorted(verdicts.items()))}")
        for k, target in enumerate(HOSTILE_EXTENDS):  # refused before anything outside is read
            child = Path(scratch) / f"extends-{k}.yaml"
            child.write_text(f"extends: {target}\nname: x\n", encoding="utf-8")
            totals.update([judge(sim, child)])
    bad = sum(n for verdict, n in totals.items() if not verdict.startswith("ok"))
    print(f"total {sum(totals.values())} cases in {time.perf_counter() - started:.0f} s: "
          f"{dict(sorted(totals.items()))}; {bad} bad")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
