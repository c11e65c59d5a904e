"""Passing over random numbers a round does not need, without drawing them.

Every round draws the same random numbers whatever happened (common random numbers:
scenarios that differ in a parameter meet the same numbers). Some of them cannot matter:
the uniforms of a table slot in which nothing can be agreed in any run (probability 0,
eq. 2), the picks of a mediator none of whose venues can be accepted (eqs. 7', 7''), the
preparation draw when no summit is in preparation (eq. 4). Drawing a uniform costs more
than most of what a round does with it, so these are skipped: the batch's bit generator
jumps ahead by as many numbers (PCG64's ``advance``, a few steps of its 128-bit
arithmetic), and every later number is the one a draw would have left. Results are bit
for bit those of drawing them (``bench/identity.py``, ``tests/test_streams.py``).
"""

from __future__ import annotations

import numpy as np


def skip_uniforms(generator: np.random.Generator, count: int) -> None:
    """Move ``generator`` past the ``count`` float64 uniforms ``generator.random`` would
    draw next, without drawing them.

    A uniform takes one 64-bit output of the bit generator, so the state jumps ahead by
    ``count`` outputs. The jump clears the half of a 64-bit output that 32-bit draws
    (``integers`` over a small range) keep for the next one, which drawing uniforms leaves
    alone, so a pending half is put back. A bit generator that cannot jump draws and
    discards them.
    """
    if count <= 0:
        return
    bits = generator.bit_generator
    advance = getattr(bits, "advance", None)
    if advance is None:
        generator.random(count)
        return
    before = bits.state
    advance(count)
    if before.get("has_uint32"):
        after = bits.state
        after["has_uint32"], after["uinteger"] = before["has_uint32"], before["uinteger"]
        bits.state = after


def pass_over(rng: object, size: int | tuple[int, ...]) -> None:
    """Move a batch's stream ``rng`` past the uniforms ``rng.random(size)`` would draw:
    a numpy ``Generator``, or a :class:`~sim.engine.stacked.TiledGenerator`, which passes
    over the numbers of one block of lanes."""
    if isinstance(rng, np.random.Generator):
        skip_uniforms(rng, int(np.prod(size)))
    else:
        rng.skip(size)  # type: ignore[attr-defined]
