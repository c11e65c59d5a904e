"""Writing a command's outputs so that a failure loses nothing: all of them or none.

Outputs are written in two steps. First every output file is written completely to a
temporary file beside its target (:meth:`Staging.staged`); then, once all of them are
complete, they are renamed over their targets one after another (:meth:`Staging.commit`).
A command that fails or is interrupted before the renames leaves every old file as it
was and no temporary file. The renames themselves cannot be made one atomic step on a
POSIX file system: a crash between two of them (a window of microseconds) leaves the
first outputs new and the rest old. Standard output and streams (devices, FIFOs; see
:mod:`sim.report.targets`) are written directly, before any file is renamed.

A write that the system refuses (a full disk, a quota, a read-only file system, no
permission) is the user's condition, not a bug: it ends in a :class:`UsageError` that
names the output.
"""

from __future__ import annotations

import contextlib
import os
import sys
from typing import IO, Any, Iterator

from sim.errors import UsageError
from sim.report.targets import Kind, Target, plan, temporary_name


class Staging:
    """The outputs of one command: files staged beside their targets, renamed together."""

    def __init__(self) -> None:
        self._pending: list[tuple[Target, str]] = []

    def __enter__(self) -> "Staging":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.discard()

    @contextlib.contextmanager
    def staged(self, target: Target, binary: bool = False) -> Iterator[IO[Any]]:
        """A handle to write ``target`` through. A file is written to a temporary name and
        waits for :meth:`commit`; standard output and streams are written as it goes.
        Text is UTF-8 with ``\\n`` line ends."""
        if target.kind is Kind.STDOUT:
            stream = sys.stdout.buffer if binary else sys.stdout
            yield stream
            stream.flush()
            return
        options: dict[str, Any] = {} if binary else {"newline": "", "encoding": "utf-8"}
        with _refused(target, "cannot write"):
            name = target.path if target.kind is Kind.STREAM else temporary_name(target)
        try:
            with _refused(target, "cannot write"), open(name, "wb" if binary else "w", **options) as handle:
                yield handle
            if target.kind is Kind.FILE:
                os.chmod(name, 0o666 & ~_umask())  # as if created normally, not 0600
        except BaseException:
            if target.kind is Kind.FILE:
                _remove(name)
            raise
        if target.kind is Kind.FILE:
            self._pending.append((target, name))

    def temporary(self, target: Target) -> str:
        """Where the staged content of ``target`` is until :meth:`commit` (to hash it)."""
        return next(name for staged, name in self._pending if staged == target)

    def commit(self) -> None:
        """Rename every staged file over its target, in the order they were staged."""
        done: list[str] = []
        while self._pending:
            target, name = self._pending[0]
            try:
                os.replace(name, target.real)
            except OSError as error:
                replaced = f"; already replaced: {', '.join(done)}" if done else "; nothing was replaced"
                raise UsageError(f"{target.label}: cannot replace the file ({error.strerror}){replaced}") from None
            self._pending.pop(0)
            done.append(target.path)

    def discard(self) -> None:
        """Delete the staged files not yet renamed: their targets stay as they were."""
        for _, name in self._pending:
            _remove(name)
        self._pending.clear()


@contextlib.contextmanager
def atomic_file(option: str, path: str, binary: bool = False) -> Iterator[IO[Any]]:
    """Write one output ``path`` (given as ``option``): it appears, complete, only if the
    block succeeds. For commands with a single output and no manifest (``sim init``)."""
    with Staging() as staging:
        with staging.staged(plan(option, path), binary) as handle:
            yield handle
        staging.commit()


@contextlib.contextmanager
def _refused(target: Target, doing: str) -> Iterator[None]:
    """A system error while writing ``target`` as one line naming it (a broken pipe is
    left alone: the reader went away, which the command frame treats as success)."""
    try:
        yield
    except BrokenPipeError:
        raise
    except OSError as error:
        raise UsageError(f"{target.label}: {doing} ({error.strerror or error}); nothing was replaced") from None


def _remove(name: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(name)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
