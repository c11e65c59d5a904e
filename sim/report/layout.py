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
from typing import Iterator

from rich.console import Console
from rich.segment import Segment, Segments
from rich.table import Table


def show(table: Table, console: Console) -> None:
    """Print ``table`` within the console's width; no cell is ever truncated.

    Each layout is rendered once, with the console's own options: when every word stands
    whole in the rendering, those segments are what is printed (rendering a table is most
    of what a report costs, so it is not done again to print it)."""
    for candidate in _layouts(table):
        segments = _rendered(candidate, console)
        if _keeps_every_word(candidate, "".join(segment.text for segment in segments)):
            console.print(Segments(segments))
            return
    _print_stacked(table, console)


def _layouts(table: Table) -> Iterator[Table]:
    """The table as rich lays it out, then with wrapping cells (only when some column does
    not wrap), then with dotted headers broken too (only when some header has a dot).

    A layout is skipped when it would render as the one before: where every column wraps
    already, the wrapping copy gets the same widths and wraps at the same spaces, and a
    word wider than its column is cut in both (an ellipsis or a fold), so the same words
    stand whole."""
    yield table
    if any(column.no_wrap for column in table.columns):
        yield _wrapping(table, dotted_headers=False)
    if any(isinstance(column.header, str) and "." in column.header for column in table.columns):
        yield _wrapping(table, dotted_headers=True)


def _rendered(table: Table, console: Console) -> list[Segment]:
    """What ``console.print(table)`` would write, as segments (the same options as ``print``)."""
    options = console.options.update(justify=None, overflow=None, height=None, no_wrap=None, markup=None,
                                     highlight=None)
    return list(console.render(table, options))


def _keeps_every_word(table: Table, rendered: str) -> bool:
    """Whether every word of every cell and header stands whole in the ``rendered`` text."""
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
    lines = []
    for row in range(table.row_count):
        values = [str(column[row]) for column in cells]
        for k, (header, value) in enumerate(zip(headers, values)):
            indent = "  " if k else ""
            label = f"{header}: " if header else ""
            lines.append(f"{indent}{label}{' '.join(value.split())}")
    if lines:  # one print: each line still wraps on its own
        console.print("\n".join(lines), markup=False, overflow="fold")
    if table.caption:
        console.print(table.caption)
