"""Hash the per-run outcomes of every shipped scenario, or compare with a record.

    python bench/identity.py record before.json     # at the old commit
    python bench/identity.py compare before.json    # at the new one; exit 1 on any change

An engine change meant for speed only must leave every run's outcome byte for byte the
same. For every scenario file that ships (scenarios/, scenarios/history/, the old base
fixture in tests/fixtures/ and docs/examples/) this simulates a few batches with
:func:`sim.engine.model.simulate_batch`, each with its own seed and lane count (a full
batch and small ones, so the paths taken for few runs are exercised too), and keeps the
SHA-256 of each outcome array. Any change in a random stream, a draw's order or a
comparison changes a hash.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

import numpy as np

from sim.engine.inputs import compile_inputs
from sim.engine.model import simulate_batch
from sim.engine.outcome import FIELDS
from sim.scenario.loader import load_scenario

ROOT = Path(__file__).resolve().parents[1]
FILES = ("scenarios/*.yaml", "scenarios/history/*.yaml", "tests/fixtures/base_2026_01.yaml", "docs/examples/*.yaml")
#: (seed, lanes) per scenario: a whole batch, a small one, one of a prime size.
BATCHES = ((20260128, 10_000), (7, 1_000), (123_456_789, 613))


def scenario_files() -> list[Path]:
    """Every shipped scenario file, in a fixed order."""
    return [path for pattern in FILES for path in sorted(ROOT.glob(pattern))]


def outcome_hashes(path: Path) -> dict[str, str]:
    """``"seed/lanes/field"`` -> SHA-256 of that outcome array, for each batch of :data:`BATCHES`."""
    inputs = compile_inputs(load_scenario(path))
    hashes = {}
    for seed, lanes in BATCHES:
        outcome = simulate_batch(inputs, np.random.SeedSequence(seed, spawn_key=(0,)), lanes)
        for field in FIELDS:
            array = np.ascontiguousarray(getattr(outcome, field))
            digest = hashlib.sha256(array.dtype.str.encode() + array.tobytes()).hexdigest()
            hashes[f"{seed}/{lanes}/{field}"] = digest
    return hashes


def record() -> dict[str, dict[str, str]]:
    """The hashes of every shipped scenario, keyed by its path from the repository root."""
    return {str(path.relative_to(ROOT)): outcome_hashes(path) for path in scenario_files()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=("record", "compare"))
    parser.add_argument("file", type=Path)
    args = parser.parse_args()
    now = record()
    if args.action == "record":
        args.file.write_text(json.dumps(now, indent=1, sort_keys=True) + "\n")
        print(f"recorded {sum(len(h) for h in now.values())} hashes of {len(now)} scenarios in {args.file}")
        return 0
    before = json.loads(args.file.read_text())
    changed = [f"{name}: {key}" for name, hashes in before.items() for key, digest in hashes.items()
               if now.get(name, {}).get(key) != digest]
    missing = sorted(set(now) ^ set(before))
    for line in changed:
        print("CHANGED", line)
    for name in missing:
        print("NOT IN BOTH", name)
    print(f"{len(before)} scenarios compared: {len(changed)} arrays changed, {len(missing)} files not in both")
    return 1 if changed or missing else 0


if __name__ == "__main__":
    sys.exit(main())
