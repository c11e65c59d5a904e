"""Writing output files atomically: all of the file or none of it.

Data is written to a temporary file beside the target and renamed over it only when
complete, so a failed or interrupted command never leaves a half-written file and never
clobbers a good one. The path ``-`` means standard output.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from pathlib import Path
from typing import IO, Iterator

from sim.errors import UsageError

STDOUT = "-"


def check_writable(path: str) -> None:
    """Fail early, before any work, if ``path`` cannot be written."""
    if path == STDOUT:
        return
    target = Path(path)
    if target.is_dir():
        raise UsageError(f"{path}: is a directory, expected a file name")
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise UsageError(f"{path}: folder {folder} does not exist")
    if not os.access(folder, os.W_OK):
        raise UsageError(f"{path}: folder {folder} is not writable")


@contextlib.contextmanager
def atomic_file(path: str, binary: bool = False) -> Iterator[IO]:
    """Open ``path`` for writing; it appears, complete, only if the block succeeds.

    Text files are UTF-8 with ``\\n`` line ends. ``-`` writes to standard output.
    """
    if path == STDOUT:
        stream = sys.stdout.buffer if binary else sys.stdout
        yield stream
        stream.flush()
        return
    check_writable(path)
    target = Path(path)
    options = {} if binary else {"newline": "", "encoding": "utf-8"}
    handle = tempfile.NamedTemporaryFile(
        "wb" if binary else "w", dir=target.parent if str(target.parent) else ".",
        prefix=f".{target.name}.", suffix=".tmp", delete=False, **options,
    )
    try:
        with handle:
            yield handle
        os.chmod(handle.name, 0o666 & ~_umask())  # as if created normally, not 0600
        os.replace(handle.name, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(handle.name)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
