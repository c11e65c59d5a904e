"""Manifests: what made an output file, so that ``sim replay`` can make it again.

Beside every CSV (and PNG) a command writes, ``NAME.manifest.json`` records the sim and
numpy versions, the command line, the working directory, the hash of each scenario file
named and of each validated scenario's content (after ``extends`` and ``--set``), and the
hash of every output. ``sim replay`` re-runs the command into a scratch folder and either
confirms the outputs are byte-identical or says exactly what changed.
"""

from __future__ import annotations

import hashlib
from importlib import metadata
import json
import os
import platform
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy

from sim.version import __version__
from sim.errors import UsageError
from sim.scenario.loader import scenario_files

SUFFIX = ".manifest.json"
#: Options whose value is an output file (rewritten to a scratch folder on replay).
OUTPUT_OPTIONS = ("--csv", "--runs-csv", "--plot", "--out", "--html", "--output", "-o")


def file_hash(path: str | os.PathLike[str]) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def content_hash(scenario: Any) -> str:
    """Hash of a validated scenario's content, independent of formatting and comments."""
    return hashlib.sha256(scenario.model_dump_json().encode()).hexdigest()


def versions() -> dict[str, str]:
    """Versions that decide whether an output can be reproduced byte for byte."""
    found = {"sim": __version__, "numpy": numpy.__version__, "python": platform.python_version()}
    try:  # pictures depend on it; read from the metadata, not imported
        found["matplotlib"] = metadata.version("matplotlib")
    except metadata.PackageNotFoundError:
        pass
    return found


def build(command: Sequence[str], scenarios: dict[str, Any], outputs: Mapping[str, str]) -> dict[str, Any]:
    """The manifest of a finished command: ``scenarios`` maps file names to Scenarios,
    ``outputs`` each output file's name to the SHA-256 of its content."""
    return {
        "versions": versions(),
        "command": list(command),
        "cwd": os.getcwd(),
        **provenance(scenarios),
        "outputs": dict(outputs),
    }


def provenance(scenarios: dict[str, Any]) -> dict[str, Any]:
    """Versions and scenario hashes only: what JSON output embeds. It leaves out the
    command line, so the JSON stays byte-identical whatever ``--workers`` was given."""
    return {
        "versions": versions(),
        "scenario_files": {name: file_hash(name) for name in _with_parents(scenarios)},
        "scenario_content": {name: content_hash(s) for name, s in scenarios.items()},
    }


def _with_parents(names: Any) -> list[str]:
    """The scenario files named and every file they extend, each once."""
    return list(dict.fromkeys(part for name in names for part in scenario_files(name)))


def text(manifest: dict[str, Any]) -> str:
    """A manifest as it is written to ``OUTPUT.manifest.json``."""
    return json.dumps(manifest, indent=2) + "\n"


@dataclass(frozen=True)
class Replay:
    """What a replay found: changes in inputs and versions, and whether outputs match."""

    changes: list[str]
    mismatched: list[str]
    matched: list[str]

    @property
    def reproduced(self) -> bool:
        return not self.mismatched


def replay(manifest_path: str) -> Replay:
    """Re-run the command in ``manifest_path`` into a scratch folder and compare outputs."""
    try:
        manifest = json.loads(Path(manifest_path).read_text(encoding="utf-8"))
        command, cwd, outputs = manifest["command"], manifest["cwd"], manifest["outputs"]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise UsageError(f"{manifest_path}: not a sim manifest ({error})") from None
    changes = [
        f"{name} was {old}, now {new}" for name, old in manifest.get("versions", {}).items()
        if (new := versions().get(name)) != old
    ]
    for name in manifest.get("scenario_files", {}):
        if not (Path(cwd) / name).is_file():
            changes.append(f"scenario file {name} is missing")
    with tempfile.TemporaryDirectory(prefix="sim-replay-") as scratch:
        rerun, fresh = _redirect(command, scratch)
        finished = subprocess.run([sys.executable, "-m", "sim", *rerun], cwd=cwd, capture_output=True, text=True)
        if finished.returncode != 0:
            detail = (finished.stderr.strip().splitlines() or ["no message"])[-1]
            raise UsageError(f"{manifest_path}: the command failed on replay: {detail}")
        now = json.loads(Path(next(iter(fresh.values())) + SUFFIX).read_text(encoding="utf-8")) if fresh else {}
        changes += _scenario_changes(manifest, now)
        mismatched, matched = [], []
        for original, copy in fresh.items():
            same = Path(copy).is_file() and file_hash(copy) == outputs.get(original)
            (matched if same else mismatched).append(original)
    return Replay(changes, mismatched, matched)


def _scenario_changes(before: dict[str, Any], now: dict[str, Any]) -> list[str]:
    """How each scenario file changed: in content, or only in comments and layout."""
    changes = []
    content_before, content_now = before.get("scenario_content", {}), now.get("scenario_content", {})
    same_content = all(content_before.get(name) == content_now.get(name) for name in content_before)
    for name, old in before.get("scenario_files", {}).items():
        if name not in now.get("scenario_files", {}) or now["scenario_files"][name] == old:
            continue
        if same_content:
            changes.append(f"scenario file {name} changed only in comments or layout; its content is the same")
        else:
            changes.append(f"scenario file {name} changed: the validated scenario differs")
    return changes


def _redirect(command: Sequence[str], scratch: str) -> tuple[list[str], dict[str, str]]:
    """The command with each output option pointed into ``scratch``; original -> new path."""
    rerun, fresh = list(command), {}

    def scratch_copy(original: str) -> str:
        # a folder per output keeps its file name, which an HTML page shows in its command
        folder = os.path.join(scratch, str(len(fresh)))
        os.mkdir(folder)
        fresh[original] = os.path.join(folder, Path(original).name)
        return fresh[original]

    for k, word in enumerate(rerun):
        option, equals, value = word.partition("=")
        if option not in OUTPUT_OPTIONS:
            continue
        if equals and value != "-":
            rerun[k] = f"{option}={scratch_copy(value)}"
        elif not equals and k + 1 < len(rerun) and rerun[k + 1] != "-":
            rerun[k + 1] = scratch_copy(rerun[k + 1])
    return rerun, fresh
