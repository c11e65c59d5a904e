"""Tables that fit the terminal without cutting a number short.

rich shrinks a table that is wider than the console by cutting cells with an ellipsis,
so at 80 columns an interval could read ``20.1% [18.4-21.…``. :func:`show` prints a
table as rich lays it out when every word of every cell stays whole, and otherwise
changes the layout step by step until it does, never the content:

1. cells wrap at spaces (``20.1%`` over ``[18.4-21.9]``);
2. dotted headers break at their dots (``actors.`` / ``putin.`` / ``readiness``);
3. when even that is too wide, each row is printed as a block of ``header: value`` lines.
"""

from __future__ import annotations

import copy
import io

from rich.console import Console
from rich.table import Table


def show(table: Table, console: Console) -> None:
    """Print ``table`` within the console's width; no cell is ever truncated."""
    if _keeps_every_word(table, console.width):
        console.print(table)
        return
    for dotted_headers in (False, True):
        candidate = _wrapping(table, dotted_headers)
        if _keeps_every_word(candidate, console.width):
            console.print(candidate)
            return
    _print_stacked(table, console)


def _keeps_every_word(table: Table, width: int) -> bool:
    """Whether, rendered at ``width``, every word of every cell stands whole on a line."""
    sketch = Console(width=width, file=io.StringIO(), color_system=None, legacy_windows=False)
    sketch.print(table)
    rendered = sketch.file.getvalue()
    words = {word for column in table.columns for cell in column.cells for word in str(cell).split()}
    words |= {word for column in table.columns for word in str(column.header).split()}
    return all(word in rendered for word in words)


def _wrapping(table: Table, dotted_headers: bool) -> Table:
    """A copy whose cells wrap instead of being cut; optionally with headers broken at dots."""
    fitted = copy.deepcopy(table)
    for column in fitted.columns:
        column.no_wrap = False
        column.overflow = "fold"
        if dotted_headers and isinstance(column.header, str) and "." in column.header:
            column.header = column.header.replace(".", ".\n")
    return fitted


def _print_stacked(table: Table, console: Console) -> None:
    """Each row as a block of ``header: value`` lines, the first unindented as its heading."""
    if table.title:
        console.print(table.title)
    headers = [str(column.header) for column in table.columns]
    cells = [list(column.cells) for column in table.columns]
    for row in range(table.row_count):
        values = [str(column[row]) for column in cells]
        for k, (header, value) in enumerate(zip(headers, values)):
            indent = "  " if k else ""
            label = f"{header}: " if header else ""
            console.print(f"{indent}{label}{' '.join(value.split())}", markup=False, overflow="fold")
    if table.caption:
        console.print(table.caption)
