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

from .errors import UsageError

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
def atomic_text(path: str) -> Iterator[IO[str]]:
    """Open ``path`` for writing text; it appears, complete, only if the block succeeds."""
    if path == STDOUT:
        yield sys.stdout
        sys.stdout.flush()
        return
    check_writable(path)
    target = Path(path)
    handle = tempfile.NamedTemporaryFile(
        "w", dir=target.parent if str(target.parent) else ".", prefix=f".{target.name}.",
        suffix=".tmp", delete=False, newline="", encoding="utf-8",
    )
    try:
        with handle:
            yield handle
        os.replace(handle.name, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(handle.name)
        raise
