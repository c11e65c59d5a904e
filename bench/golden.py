"""Record every shipped command's output on every shipped scenario, or compare with a record.

A behaviour-preserving change (a redesign, a refactor) must leave what users see byte for
byte the same. This script runs each command of the CLI at a fixed width (`COLUMNS`) in a
scratch folder and keeps, per case, the exit code, standard output, standard error and
the SHA-256 of every file the command wrote (CSV, JSON, PNG, manifests).

    python bench/golden.py record golden.json      # at the old commit
    python bench/golden.py compare golden.json     # at the new one; exit 1 on any change

Run counts are small so the whole record takes about a minute; the engine is exercised
all the same, and any change in a random stream or a rounding rule changes the bytes.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "scenarios").glob("*.yaml"))
OUTCOMES = "question,key,outcome\nsummit_by,2026-03-31,no\nsummit_by,2026-06-30,no\nvenue,2026-06-30,none\n"


def cases() -> dict[str, list[str]]:
    """Every command with the options that change what it writes, named for the report."""
    found: dict[str, list[str]] = {}
    for scenario in SCENARIOS:
        name = Path(scenario).stem
        found[f"run {name}"] = ["run", scenario, "--runs", "3000", "-w", "1"]
        found[f"explain {name}"] = ["explain", scenario]
        found[f"trace {name}"] = ["trace", scenario, "--run", "3"]
        found[f"validate {name}"] = ["validate", scenario]
    base = "scenarios/base.yaml"
    found.update({
        "run json": ["run", base, "--runs", "3000", "--json", "-w", "1"],
        "run files": ["run", base, "--runs", "3000", "--csv", "out.csv", "--runs-csv", "runs.csv",
                      "--plot", "run.png", "-w", "1"],
        "run set": ["run", base, "--runs", "2000", "--set", "actors.putin.readiness=-2", "-w", "1"],
        "run precision": ["run", base, "--precision", "0.02", "-w", "1"],
        "run propagate": ["run", base, "--propagate", "--draws", "6", "--runs", "1000",
                          "--csv", "prop.csv", "-w", "1"],
        "run propagate json": ["run", base, "--propagate", "--draws", "4", "--runs", "1000", "--json", "-w", "1"],
        "trace json": ["trace", base, "--run", "7", "--json"],
        "compare": ["compare", *SCENARIOS, "--runs", "2000", "--csv", "compare.csv", "-w", "1"],
        "sweep": ["sweep", base, "--param", "actors.putin.readiness=-4:-2:3", "--runs", "2000",
                  "--csv", "sweep.csv", "--plot", "sweep.png", "-w", "1"],
        "sweep two": ["sweep", base, "--param", "actors.putin.readiness=-4,-3",
                      "--param", "actors.zelensky.readiness=-2,-1", "--runs", "1000", "-w", "1"],
        "sensitivity": ["sensitivity", base, "--method", "morris", "--samples", "4",
                        "--runs-per-point", "1000", "--csv", "sens.csv", "-w", "1"],
        "calibrate": ["calibrate", base, "--target", "0.10", "--by", "2026-06-30",
                      "--param", "actors.putin.readiness=-5:-2", "--runs", "2000",
                      "--out", "calibrated.yaml", "-w", "1"],
        "score": ["score", "-f", base, "-f", "scenarios/us-pressure.yaml", "--outcomes", "outcomes.csv",
                  "--runs", "2000", "--csv", "score.csv", "-w", "1"],
        "discover": ["discover", base, "--samples", "60", "--runs-per-point", "500",
                     "--csv", "discover.csv", "-w", "1"],
        "schema": ["schema"],
        "validate all": ["validate", *SCENARIOS],
        "error bad set": ["run", base, "--set", "actors.putin.readiness=abc"],
        "error bad runs": ["run", base, "--runs", "0"],
        "help": ["--help"],
        "run help": ["run", "--help"],
    })
    return found


def digest(path: Path) -> str:
    """SHA-256 of a file; a manifest is hashed without its working directory, which
    differs between checkouts while everything else in it must not."""
    data = path.read_bytes()
    if path.name.endswith(".manifest.json"):
        manifest = json.loads(data)
        manifest.pop("cwd", None)
        # a parent scenario is recorded by its path from the scratch folder, through the checkout
        data = json.dumps(manifest, sort_keys=True).replace(str(ROOT).lstrip("/"), "CHECKOUT").encode()
    return hashlib.sha256(data).hexdigest()


def run_case(argv: list[str]) -> dict:
    """Run one command in a fresh scratch folder holding links to the scenarios."""
    work = Path(tempfile.mkdtemp(prefix="sim-golden-"))
    try:
        (work / "scenarios").symlink_to(ROOT / "scenarios")
        (work / "seeds").symlink_to(ROOT / "seeds")
        (work / "outcomes.csv").write_text(OUTCOMES)
        env = {**os.environ, "COLUMNS": "100", "NO_COLOR": "1", "SIM_JOURNAL_DIR": str(work / ".journal"),
               "PYTHONHASHSEED": "0"}
        done = subprocess.run([sys.executable, "-m", "sim", *argv], cwd=work, env=env,
                              capture_output=True, text=True, timeout=600)
        files = {str(p.relative_to(work)): digest(p) for p in sorted(work.rglob("*"))
                 if p.is_file() and not p.is_symlink() and "scenarios" not in p.parts
                 and ".journal" not in p.parts and p.name != "outcomes.csv"}
        return {"code": done.returncode, "stdout": done.stdout, "stderr": done.stderr, "files": files}
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main() -> int:
    if len(sys.argv) != 3 or sys.argv[1] not in {"record", "compare"}:
        print(__doc__)
        return 2
    mode, record = sys.argv[1], Path(sys.argv[2])
    found = {name: run_case(argv) for name, argv in cases().items()}
    if mode == "record":
        record.write_text(json.dumps(found, indent=1, sort_keys=True))
        print(f"recorded {len(found)} cases in {record}")
        return 0
    expected = json.loads(record.read_text())
    changed = [name for name in expected if found.get(name) != expected[name]]
    for name in changed:
        old, new = expected[name], found.get(name, {})
        parts = [key for key in ("code", "stdout", "stderr", "files") if old.get(key) != new.get(key)]
        print(f"CHANGED {name}: {', '.join(parts)}")
    missing = sorted(set(found) - set(expected))
    for name in missing:
        print(f"NEW (not in the record) {name}")
    print(f"{len(expected) - len(changed)} of {len(expected)} cases identical")
    return 1 if changed else 0


if __name__ == "__main__":
    sys.exit(main())
