"""One command's frame: the steps every long command takes, written once.

Every command that simulates reads the same way::

    with Session({"--csv": csv_path, "--plot": plot}, workers=workers, scheduler=scheduler,
                 resume=resume) as session:                       # outputs checked, journal opened
        with session.progress("sweep") as advance:
            result = analyse(..., backend=session.backend(), journal=session.journal, progress=advance)
        session.publish({file: scenario}, {"--csv": write_csv, "--plot": draw})   # files + manifest
    if session.shows_tables:
        render(result, console())

The session checks, before any work, that at most one output claims standard output and
that every output file can be written; keeps finished batches in a journal so that
``--resume`` continues an interrupted command; owns the backend (worker processes or a
Dask cluster) and closes it; writes each output atomically with its manifest; and deletes
the journal only once everything is written. An error anywhere leaves the journal for
``--resume`` and no half-written file.
"""

from __future__ import annotations

import contextlib
import json
import sys
from typing import IO, Any, Callable, ContextManager, Iterator, Mapping

import click

from sim.cli.shell import default_workers, progress_bar
from sim.errors import UsageError
from sim.execution.backends import Backend, make_backend
from sim.execution.journal import JournalSession
from sim.report import manifest
from sim.report.files import STDOUT, atomic_file, check_writable

#: Options whose output is a picture: written in binary and never to standard output.
PICTURES = frozenset({"--plot"})

Writer = Callable[[IO[Any]], None]


def command_line() -> list[str]:
    """The arguments the command was given (what a manifest records and ``sim replay`` reruns)."""
    context = click.get_current_context(silent=True)
    given = context.find_root().obj if context is not None else None
    return list(given) if given is not None else sys.argv[1:]


class Session:
    """The frame of one command: outputs, journal, backend, progress, publishing."""

    def __init__(
        self,
        outputs: Mapping[str, str | None],
        *,
        workers: int | None = None,
        scheduler: str | None = None,
        resume: bool = False,
        json_output: bool | None = None,
    ) -> None:
        """``outputs`` maps each output option to its path (None when not given), in the
        order the manifest lists them; ``json_output`` is None for a command without ``--json``."""
        self.outputs = {option: path for option, path in outputs.items() if path}
        self.json_output = bool(json_output)
        self._check_standard_output(outputs, json_output)
        for option, path in self.outputs.items():
            check_writable(path)
            if option in PICTURES:
                from sim.report.plots import require  # matplotlib is an optional extra

                require()
        self.workers = default_workers(workers)
        self.scheduler = scheduler
        self.journal = JournalSession(resume)
        self._closing = contextlib.ExitStack()

    @staticmethod
    def _check_standard_output(outputs: Mapping[str, str | None], json_output: bool | None) -> None:
        text_outputs = [option for option in outputs if option not in PICTURES]
        claims = [option for option in text_outputs if outputs[option] == STDOUT] + (["--json"] if json_output else [])
        if len(claims) > 1:
            choices = (["--json"] if json_output is not None else []) + [f"{option} -" for option in text_outputs]
            raise UsageError(f"only one of {', '.join(choices)} can use standard output")

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
        when the option was not given. The file appears only if the block succeeds."""
        path = self.outputs.get(option)
        if path is None:
            yield None
            return
        with atomic_file(path) as handle:
            yield handle

    def publish(self, scenarios: Mapping[str, Any], writers: Mapping[str, Writer]) -> None:
        """Write every given output atomically, then the manifests beside them, then
        finish the journal: the command's work is safely on disk."""
        for option, write in writers.items():
            path = self.outputs.get(option)
            if path is not None:
                with atomic_file(path, binary=option in PICTURES) as handle:
                    write(handle)
        manifest.write(self.command, dict(scenarios), list(self.outputs.values()))
        self.journal.finish()

    @property
    def shows_tables(self) -> bool:
        """Whether the terminal report is printed: not when JSON or a CSV takes standard output."""
        return not self.json_output and STDOUT not in self.outputs.values()

    def print_json(self, payload: dict[str, Any], scenarios: Mapping[str, Any]) -> None:
        """The JSON report on standard output, with its provenance (versions, scenario hashes)."""
        payload["provenance"] = manifest.provenance(dict(scenarios))
        sys.stdout.write(json.dumps(payload, indent=2) + "\n")

