"""Output paths, checked before any work: what each one names and whether it can be written.

A command that runs for an hour must not fail at the end because of a typo in an output
path, and must never destroy what a path names. So every output path is classified, and
refused with one line if it cannot be written, before anything is simulated:

- **standard output**: ``-``, or a path that is this process's open standard output when
  that is a pipe or a file (``/dev/stdout``, ``/dev/fd/1``, ``/proc/self/fd/1`` or a
  symlink to one of them); written like ``-``;
- **a stream**: an existing character device (``/dev/null``, a terminal), FIFO or socket;
  opened and written directly, never renamed over and never given a manifest;
- **a file**: a regular file or a new name; written to a temporary file beside it and
  renamed over it. A symlink is followed deliberately: the file it points to is replaced
  and the link stays a link.

Two outputs (or an output and a manifest, or an output and an input scenario file) that
name the same file are refused: one of them would silently be lost.
"""

from __future__ import annotations

import enum
import errno
import os
import stat
import sys
import tempfile
from dataclasses import dataclass
from typing import Iterable, Sequence

from sim.errors import UsageError

STDOUT = "-"
#: Name length allowed when the file system does not say (every common Linux one: 255).
DEFAULT_NAME_MAX = 255


class Kind(enum.Enum):
    """How an output is written."""

    STDOUT = "standard output"
    STREAM = "stream"
    FILE = "file"


@dataclass(frozen=True)
class Target:
    """One output, checked: ``label`` names it in messages (option and path as given),
    ``real`` is the file replaced (symlinks resolved), ``identity`` what it is on disk."""

    label: str
    path: str
    kind: Kind
    real: str
    identity: tuple[object, ...] | None

    @property
    def folder(self) -> str:
        return os.path.dirname(self.real)


def plan(option: str, path: str, label: str | None = None) -> Target:
    """Classify and check the output ``path`` of ``option``; a :class:`UsageError` (one
    line naming the option and path) when it cannot be written."""
    label = label or f"{option} {path}"
    if path == "":
        raise UsageError(f"{option}: empty path; expected a file name, or - for standard output")
    if path == STDOUT:
        return Target(label, path, Kind.STDOUT, path, None)
    try:
        node = os.stat(path)
    except OSError as error:
        if error.errno not in (errno.ENOENT, errno.ENAMETOOLONG):  # a new name, or too long: said below
            raise UsageError(f"{label}: cannot use this path ({error.strerror})") from None
        node = None
    if node is not None and _is_standard_output(node):
        return Target(label, path, Kind.STDOUT, path, None)
    if node is not None and (stat.S_ISCHR(node.st_mode) or stat.S_ISFIFO(node.st_mode) or stat.S_ISSOCK(node.st_mode)):
        if not os.access(path, os.W_OK):
            raise UsageError(f"{label}: not writable")
        shared = None if stat.S_ISCHR(node.st_mode) else (node.st_dev, node.st_ino)  # /dev/null may take many
        return Target(label, path, Kind.STREAM, path, shared)
    if path.endswith(os.sep) or os.path.basename(path) in ("", ".", ".."):
        raise UsageError(f"{label}: names a folder; expected a file name")
    if node is not None and stat.S_ISDIR(node.st_mode):
        raise UsageError(f"{label}: is a directory; expected a file name")
    if node is not None and not stat.S_ISREG(node.st_mode):
        raise UsageError(f"{label}: is a {_what(node.st_mode)}; expected a file, a FIFO, a character device or -")
    real = os.path.realpath(path)
    _check_folder(label, path, real)
    identity = (node.st_dev, node.st_ino) if node is not None else ("new", real)
    return Target(label, path, Kind.FILE, real, identity)


def companion(target: Target, suffix: str) -> Target:
    """The file written beside ``target`` (its manifest), checked the same way."""
    path = target.path + suffix
    return plan("", path, label=f"{target.label}: its manifest {path}")


def refuse_shared(targets: Sequence[Target], inputs: Iterable[str]) -> None:
    """Refuse two outputs naming the same file, or an output naming an input file."""
    seen: dict[tuple[object, ...], str] = {}
    for name in inputs:
        try:
            node = os.stat(name)
        except OSError:
            continue
        seen.setdefault((node.st_dev, node.st_ino), f"the input file {name}")
    for target in targets:
        if target.identity is None:
            continue
        other = seen.get(target.identity)
        if other is not None:
            raise UsageError(f"{target.label}: is the same file as {other}; give each output its own file")
        seen[target.identity] = target.label


def temporary_name(target: Target) -> str:
    """A fresh temporary file beside ``target``, created empty; its name is short (a
    prefix of the target's name) so that it fits the file system however long the target's is."""
    handle, name = tempfile.mkstemp(dir=target.folder, prefix=f".{os.path.basename(target.real)[:40]}.", suffix=".tmp")
    os.close(handle)
    return name


def _check_folder(label: str, path: str, real: str) -> None:
    """The folder must exist, accept a new file, and allow the target's name length."""
    folder = os.path.dirname(real)
    shown = folder if os.path.islink(path) else (os.path.dirname(path) or ".")
    if not os.path.isdir(folder):
        reason = "is not a folder" if os.path.exists(folder) else "does not exist"
        raise UsageError(f"{label}: folder {shown} {reason}")
    name = os.fsencode(os.path.basename(real))
    limit = _name_max(folder)
    if len(name) > limit:
        raise UsageError(f"{label}: the file name is {len(name)} bytes long; this file system allows at most {limit}")
    try:  # the only honest test of EACCES, EROFS, EDQUOT...: create a file there
        os.unlink(temporary_name(Target(label, path, Kind.FILE, real, None)))
    except OSError as error:
        raise UsageError(f"{label}: cannot create a file in folder {shown} ({error.strerror})") from None


def _name_max(folder: str) -> int:
    try:
        return os.pathconf(folder, "PC_NAME_MAX")
    except (OSError, ValueError):
        return DEFAULT_NAME_MAX


def _is_standard_output(node: os.stat_result) -> bool:
    """Whether ``node`` is this process's standard output, and that is a pipe or a file
    (a terminal or /dev/null is a device like any other)."""
    try:
        ours = os.fstat(sys.stdout.fileno())
    except (AttributeError, OSError, ValueError):  # replaced by a test harness, or closed
        return False
    return os.path.samestat(node, ours) and not stat.S_ISCHR(ours.st_mode)


def _what(mode: int) -> str:
    return "block device" if stat.S_ISBLK(mode) else "special file"
