"""A journal of finished batches, so an interrupted job can resume where it stopped.

Each finished batch is written to its own file (to a temporary name, then renamed, so a
``kill -9`` never leaves half a batch). The folder is named by a hash of everything that
determines a batch's result — the validated scenario, the seed, the batch size, and the
sim and numpy versions — so a journal is only ever reused for exactly the same batches.
Re-running a command with ``--resume`` loads the batches found and simulates the rest;
since batches are pure functions of their seed, the final output is byte-identical to an
uninterrupted run. A job that finishes removes its journal.

Journals live in ``$SIM_JOURNAL_DIR``, else ``$XDG_CACHE_HOME/sim/journal``, else
``~/.cache/sim/journal``.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
import shutil
import tempfile
from pathlib import Path
from typing import Callable, Sequence, TypeVar

import numpy as np

from sim.version import __version__
from sim.engine.outcome import FIELDS, FORMATS, BatchOutcome
from sim.execution.aggregate import Tally
from sim.execution.backends import Backend

Job = TypeVar("Job")
JOURNAL_ENV = "SIM_JOURNAL_DIR"
TALLY_COUNTS = ("runs", "collapses", "runs_with_collapse", "rejected")


def journal_root() -> Path:
    """Where journals are kept (see the module docstring)."""
    if os.environ.get(JOURNAL_ENV):
        return Path(os.environ[JOURNAL_ENV])
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(cache) / "sim" / "journal"


class Journal:
    """The finished batches of one job (one scenario and seed) on disk.

    Each process writes to its own folder ``<job hash>/<pid>-<token>``, so commands
    running side by side never touch each other's batches. Resuming adopts the fullest
    folder left by a process that is gone (renaming it is an atomic claim); starting
    afresh discards such leftovers.
    """

    def __init__(self, identity: str, resume: bool, root: Path | None = None) -> None:
        job = (root or journal_root()) / hashlib.sha256(identity.encode()).hexdigest()[:32]
        job.mkdir(parents=True, exist_ok=True)
        self.folder = job / f"{os.getpid()}-{secrets.token_hex(4)}"
        leftovers = sorted(
            (folder for folder in job.iterdir() if folder.is_dir() and not _alive(folder.name)),
            key=lambda folder: -len(list(folder.glob("*.npz"))),
        )
        if resume and leftovers:
            with contextlib.suppress(OSError):  # another process claimed it first
                leftovers.pop(0).rename(self.folder)
        for folder in leftovers:
            shutil.rmtree(folder, ignore_errors=True)
        self.folder.mkdir(exist_ok=True)

    def _file(self, index: int | str) -> Path:
        return self.folder / f"{index}.npz"

    def finished(self, index: int | str, count: int | None = None, with_outcome: bool = False) -> bool:
        """Whether batch ``index`` was saved (with ``count`` runs, and outcomes if needed)."""
        file = self._file(index)
        if not file.is_file():
            return False
        try:
            with np.load(file) as saved:
                runs_match = count is None or int(saved["tally_runs"]) == count
                return runs_match and (not with_outcome or "held" in saved.files)
        except (OSError, ValueError, KeyError):
            return False

    def load(self, index: int | str, rounds: int, venues: int) -> tuple[Tally, BatchOutcome | None]:
        """A saved batch's tally, and its per-run outcomes when they were saved."""
        with np.load(self._file(index)) as saved:
            tally = Tally(
                rounds, venues, len(saved["tally_formats"]) - len(FORMATS),
                held=saved["tally_held"], formats=saved["tally_formats"], reasons=saved["tally_reasons"],
                deals=saved["tally_deals"] if "tally_deals" in saved.files else None,  # saved before eq. (11)
                **{name: int(saved[f"tally_{name}"]) for name in TALLY_COUNTS},
            )
            outcome = BatchOutcome(**{f: saved[f] for f in FIELDS}) if "held" in saved.files else None
        return tally, outcome

    def save(self, index: int | str, tally: Tally, outcome: BatchOutcome | None) -> None:
        """Write one finished batch, atomically."""
        arrays = {"tally_held": tally.held, "tally_formats": tally.formats, "tally_reasons": tally.reasons,
                  "tally_deals": tally.deals,
                  **{f"tally_{name}": np.array(getattr(tally, name)) for name in TALLY_COUNTS}}
        if outcome is not None:
            arrays.update({f: getattr(outcome, f) for f in FIELDS})
        handle = tempfile.NamedTemporaryFile(dir=self.folder, suffix=".tmp", delete=False)
        try:
            with handle:
                np.savez_compressed(handle, **arrays)
            os.replace(handle.name, self._file(index))
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(handle.name)
            raise

    def finish(self) -> None:
        """The job is done: remove its journal."""
        shutil.rmtree(self.folder, ignore_errors=True)
        with contextlib.suppress(OSError):  # still used by another process
            self.folder.parent.rmdir()


def _alive(folder_name: str) -> bool:
    """Whether the process that named a journal folder ``<pid>-<token>`` still runs."""
    try:
        pid = int(folder_name.split("-", 1)[0])
        os.kill(pid, 0)
    except (ValueError, ProcessLookupError):
        return False
    except PermissionError:  # someone else's live process
        return True
    return True


class JournalSession:
    """The journals of one command (a sweep has one per point), removed when it succeeds.

    Finished jobs keep their journals until :meth:`finish`, so a sweep interrupted at
    its tenth point resumes at the tenth point, not at the first.
    """

    def __init__(self, resume: bool = False, root: Path | None = None) -> None:
        self.resume = resume
        self.root = root or journal_root()
        self._journals: dict[Path, Journal] = {}

    def job(self, *identity: object) -> Journal:
        """The journal of one job, named by everything that decides its result
        (e.g. the validated scenario, the seed and the batch size)."""
        journal = Journal("\n".join(map(str, (__version__, np.__version__, *identity))), self.resume, self.root)
        return self._journals.setdefault(journal.folder, journal)

    def finish(self) -> None:
        """The command succeeded: remove every journal it kept."""
        for journal in self._journals.values():
            journal.finish()
        self._journals.clear()


def journaled_tallies(
    backend: "Backend",
    function: Callable[[Job], Tally | list[Tally]],
    jobs: Sequence[Job],
    identities: Sequence[str | tuple[str, ...]],
    journal: JournalSession | None,
    shape: tuple[int, int],
    progress: Callable[[int, int], None] | None = None,
) -> list[Tally]:
    """``function(job)`` for every job, in order, each result journaled as it arrives.

    For commands made of many independent simulations (sensitivity and discovery points,
    propagation draws): on resume, jobs whose tallies were journaled are not run again.
    ``identities[k]`` names job ``k``'s result: a string for a job that gives one tally, a
    tuple of strings for one that gives a list of as many (several points simulated
    together); the tallies come back flat, in order. ``shape`` is (rounds, venues). The jobs
    share one journal folder (named by the first identity, so the same command finds it
    again), each tally an entry named by a hash of its identity: a folder per job cost a
    sensitivity analysis of 1,664 points some 20 ms of file-system work per point in this
    process (creating, listing and removing them).
    """
    if not jobs:
        return []
    names = [(identity,) if isinstance(identity, str) else identity for identity in identities]
    saved = journal.job("tallies", names[0][0]) if journal else None
    keys = [[hashlib.sha256(name.encode()).hexdigest()[:32] for name in job_names] for job_names in names]
    tallies: list[list[Tally] | None] = [None] * len(jobs)
    if saved is not None:
        for k, job_keys in enumerate(keys):
            if all(saved.finished(key) for key in job_keys):
                tallies[k] = [saved.load(key, *shape)[0] for key in job_keys]
    pending = [k for k, found in enumerate(tallies) if found is None]
    total = sum(map(len, names))
    done = total - sum(len(names[k]) for k in pending)
    if progress is not None and done:
        progress(done, total)
    for k, result in zip(pending, backend.map(function, (jobs[k] for k in pending))):
        tallies[k] = result if isinstance(identities[k], tuple) else [result]
        if saved is not None:
            for key, tally in zip(keys[k], tallies[k]):
                saved.save(key, tally, None)
        done += len(names[k])
        if progress is not None:
            progress(done, total)
    return [tally for found in tallies for tally in found]  # type: ignore[union-attr]  # every job is done now
