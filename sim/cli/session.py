"""One command's frame: the steps every long command takes, written once.

Every command that simulates reads the same way::

    with Session({"--csv": csv_path, "--plot": plot}, inputs=[file], workers=workers,
                 scheduler=scheduler, resume=resume) as session:  # outputs checked, journal opened
        with session.progress("sweep") as advance:
            result = analyse(..., backend=session.backend(), journal=session.journal, progress=advance)
        session.publish({file: scenario}, {"--csv": write_csv, "--plot": draw})   # files + manifest
    if session.shows_tables:
        render(result, console())

The session checks, before any work, that every output and its manifest can be written
(:mod:`sim.report.targets`), that no two of them and no input file are the same file, and
that at most one output claims standard output; keeps finished batches in a journal so
that ``--resume`` continues an interrupted command; owns the backend (worker processes or
a Dask cluster) and closes it; writes every output and manifest to a temporary file and
renames them all only once all are complete (:mod:`sim.report.files`); and deletes the
journal only once everything is written. An error anywhere leaves the journal for
``--resume``, every old output file as it was, and no temporary file.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from typing import IO, Any, Callable, ContextManager, Iterator, Mapping, Sequence

from sim.cli.shell import default_workers, progress_bar
from sim.errors import UsageError
from sim.execution.backends import Backend, make_backend
from sim.execution.journal import JournalSession
from sim.report import manifest
from sim.report.files import Staging
from sim.report.targets import Kind, companion, plan, refuse_shared
from sim.scenario.loader import scenario_files

#: Options whose output is a picture: written in binary.
PICTURES = frozenset({"--plot"})
#: Options whose output gets no manifest: a calibrated scenario records its command in its
#: header, and its ``extends:`` path depends on its folder, so no replay into a scratch
#: folder could reproduce it byte for byte.
UNRECORDED = frozenset({"--out"})

Writer = Callable[[IO[Any]], None]


def command_line() -> list[str]:
    """The arguments the command was given (what a manifest records and ``sim replay`` reruns)."""
    return sys.argv[1:]


class Session:
    """The frame of one command: outputs, journal, backend, progress, publishing."""

    def __init__(
        self,
        outputs: Mapping[str, str | None],
        *,
        inputs: Sequence[str | os.PathLike[str]],
        reads: Sequence[str | os.PathLike[str]] = (),
        workers: int | None = None,
        scheduler: str | None = None,
        resume: bool = False,
        json_output: bool | None = None,
    ) -> None:
        """``outputs`` maps each output option to its path (None when not given), in the
        order the manifest lists them; ``inputs`` the scenario files the command reads
        (their ``extends`` parents are added here) and ``reads`` any other file it reads:
        no output may overwrite one of them; ``json_output`` is None for a command without ``--json``."""
        self.targets = {option: plan(option, path) for option, path in outputs.items() if path is not None}
        recorded = {option: target for option, target in self.targets.items()
                    if target.kind is Kind.FILE and option not in UNRECORDED}
        self.manifests = {option: companion(target, manifest.SUFFIX) for option, target in recorded.items()}
        refuse_shared([*self.targets.values(), *self.manifests.values()],
                      [*_with_parents(inputs), *map(str, reads)])
        self.json_output = bool(json_output)
        self._check_standard_output(json_output)
        if any(option in PICTURES for option in self.targets):
            from sim.report.plots import require  # matplotlib is an optional extra

            require()
        self.workers = default_workers(workers)
        self.scheduler = scheduler
        self.journal = JournalSession(resume)
        self._closing = contextlib.ExitStack()
        self._staging = self._closing.enter_context(Staging())

    def _check_standard_output(self, json_output: bool | None) -> None:
        claims = [target.label for target in self.targets.values() if target.kind is Kind.STDOUT]
        claims += ["--json"] if json_output else []
        if len(claims) > 1:
            raise UsageError(f"only one output can use standard output; given: {', '.join(claims)}")

    def __enter__(self) -> "Session":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._closing.close()

    @property
    def command(self) -> list[str]:
        return command_line()

    def backend(self, limit: int | None = None) -> Backend:
        """Where the batches run, closed with the session; ``limit`` caps the worker
        processes at the number of jobs there are (no idle pool)."""
        workers = self.workers if limit is None else max(1, min(self.workers, limit))
        backend = make_backend(workers, self.scheduler)
        self._closing.callback(backend.close)
        return backend

    def progress(self, what: str) -> ContextManager[Callable[[int, int], None]]:
        """A progress bar on a terminal; silent in pipes (see :func:`sim.cli.shell.progress_bar`)."""
        return progress_bar(what)

    @contextlib.contextmanager
    def stream(self, option: str) -> Iterator[IO[Any] | None]:
        """An output written while the work runs (the per-run CSV): its handle, or None
        when the option was not given. A file is replaced only by :meth:`publish`, with
        the others."""
        target = self.targets.get(option)
        if target is None:
            yield None
            return
        with self._staging.staged(target) as handle:
            yield handle

    @property
    def output_paths(self) -> list[str]:
        """The output paths as the user gave them, in the order of ``outputs``."""
        return [target.path for target in self.targets.values()]

    def publish(self, scenarios: Mapping[str, Any], writers: Mapping[str, Writer]) -> None:
        """Write every output: the files to temporary files first, then standard output
        and streams, then the manifests (hashing the staged files) to temporary files, then
        rename all the files over their targets; then finish the journal: the command's
        work is safely on disk."""
        given = [(self.targets[option], option, write) for option, write in writers.items() if option in self.targets]
        for target, option, write in sorted(given, key=lambda item: item[0].kind is not Kind.FILE):
            with self._staging.staged(target, binary=option in PICTURES) as handle:
                write(handle)
        if self.manifests:
            hashes = {self.targets[option].path: manifest.file_hash(self._staging.temporary(self.targets[option]))
                      for option in self.manifests}
            content = manifest.text(manifest.build(self.command, dict(scenarios), hashes))
            for companion_target in self.manifests.values():
                with self._staging.staged(companion_target) as handle:
                    handle.write(content)
        self._staging.commit()
        self.journal.finish()

    @property
    def shows_tables(self) -> bool:
        """Whether the terminal report is printed: not when JSON or a CSV takes standard output."""
        return not self.json_output and all(target.kind is not Kind.STDOUT for target in self.targets.values())

    def print_json(self, payload: dict[str, Any], scenarios: Mapping[str, Any]) -> None:
        """The JSON report on standard output, with its provenance (versions, scenario hashes)."""
        payload["provenance"] = manifest.provenance(dict(scenarios))
        sys.stdout.write(json.dumps(payload, indent=2) + "\n")



def _with_parents(scenarios: Sequence[str | os.PathLike[str]]) -> list[str]:
    """The scenario files and every file they extend."""
    return [part for name in scenarios for part in scenario_files(name)]
