"""Reading a small CSV of user input (outcomes files): its rows, each with its line
number, or one :class:`~sim.errors.UsageError` naming the file and what is wrong."""

from __future__ import annotations

import csv
import os
from typing import Sequence

from sim.errors import UsageError


def read_rows(path: str | os.PathLike[str], header: Sequence[str]) -> list[tuple[int, list[str]]]:
    """The rows after the header, each with its line number; blank rows are skipped.

    The first row must be ``header`` (case and spaces aside): an unknown, missing or
    misspelt column is an error rather than a column silently ignored.
    """
    try:
        with open(path, newline="", encoding="utf-8") as handle:
            rows = list(csv.reader(handle))
    except OSError as error:
        raise UsageError(f"{path}: cannot read: {error.strerror or error}") from None
    except (UnicodeDecodeError, csv.Error) as error:
        raise UsageError(f"{path}: not a CSV text file ({error})") from None
    if not rows or [cell.strip().lower() for cell in rows[0]] != list(header):
        raise UsageError(f"{path}: line 1: expected the header {','.join(header)}")
    return [(number, row) for number, row in enumerate(rows[1:], start=2)
            if row and any(cell.strip() for cell in row)]
