"""Several variants of one scenario simulated side by side in one batch.

An analysis that evaluates many variants of a scenario with the same seed (the sample
points of ``sim sensitivity``) gives each a small batch, and a batch's Python work per
round does not depend on its lanes: at 1,000 lanes it is most of the batch's cost
(``bench/batch_cost.py``). When the variants differ only in numbers the engine can hold
per lane (:data:`LANE_FIELDS`), ``P`` of them run as one batch of ``P`` blocks of lanes:

- :func:`stack_inputs` gives those fields a last axis of one value per lane (block ``b``
  holds variant ``b``'s value), and leaves the fields they agree on as they are;
- :class:`TiledGenerator` gives every block the random numbers a batch of that block's
  width draws from the same seed (common random numbers, as before).

Every lane does exactly the arithmetic it does in its own batch, so each block's outcomes
are bit for bit those of the variant simulated alone (``tests/test_stacked.py``).
:func:`stack_key` tells which variants may share a batch: those equal in every other
field, and alike in what decides which random numbers a batch draws or which branch of
an equation it takes (red lines, zero leverage, an unlisted share of 0, a special
rationality).
"""

from __future__ import annotations

import dataclasses
from typing import Any, Hashable, Iterator, Sequence

import numpy as np

from sim.engine.inputs import ModelInputs
from sim.engine.streams import skip_uniforms

#: The fields that may differ per lane, with their number of axes without the lane axis.
#: ``mediator.rationality`` is each mediator's; ``track.*`` the negotiation track's.
LANE_FIELDS: dict[str, int] = {
    "readiness": 1,
    "leverage": 2,
    "pressure": 2,
    "prep_collapse": 0,
    "shock_hazard": 1,
    "utility": 2,
    "unlisted_share": 0,
    "track.start": 0,
    "track.talks_step": 1,
    "mediator.rationality": 0,
}

#: Rationalities with a branch of their own in the logit strategy (eq. 7''), or a fast
#: path in numpy's power for a scalar exponent: a variant with one of them shares a batch
#: only with variants of the same value.
SPECIAL_RATIONALITY = (-1.0, 0.0, 0.5, 1.0, 2.0)


def per_lane(value: Any, axes: int) -> bool:
    """True when ``value``, a field with ``axes`` axes of its own, has a lane axis."""
    return np.ndim(value) > axes


def stack_key(inputs: ModelInputs) -> Hashable:
    """What variants must share to run in one batch: every field but :data:`LANE_FIELDS`,
    and of those, what changes the draws or the branches taken."""
    return (
        _fingerprint(inputs, ""),
        np.isfinite(inputs.utility).tobytes(),  # red lines
        (inputs.leverage != 0).tobytes(),  # which pressure a principal feels
        inputs.unlisted_share > 0,  # whether the unlisted venue's uniforms are drawn (10)
        tuple(_rationality_class(md.rationality) for md in inputs.mediator),
    )


def _rationality_class(rationality: float) -> float | None:
    return rationality if rationality in SPECIAL_RATIONALITY else None


def _fingerprint(value: Any, path: str) -> Hashable:
    """A hashable summary of ``value`` (a field at ``path``) that skips the lane fields."""
    if dataclasses.is_dataclass(value):
        prefix = f"{path}." if path else ""
        return tuple(
            (f.name, _fingerprint(getattr(value, f.name), prefix + f.name))
            for f in dataclasses.fields(value)
            if prefix + f.name not in LANE_FIELDS
        )
    if isinstance(value, tuple):
        return tuple(_fingerprint(item, path) for item in value)
    if isinstance(value, np.ndarray):
        return value.dtype.str, value.shape, value.tobytes()
    return value


def in_lanes(value: float | np.ndarray, lanes: np.ndarray) -> float | np.ndarray:
    """A field of one number (no axes of its own) in the runs ``lanes``: its values there
    when it has one per lane, else the number itself."""
    return value[lanes] if np.ndim(value) else value


def stacks(points: Sequence[ModelInputs], width: int, most: int) -> Iterator[tuple[list[int], ModelInputs]]:
    """The batches that ``points`` run in, ``width`` lanes each: groups of at most
    ``most`` points that share :func:`stack_key`, in the order of their first point, each
    with its batch's inputs (a point alone: its own)."""
    if len(points) == 1:
        yield [0], points[0]
        return
    groups: dict[Hashable, list[int]] = {}
    for k, inputs in enumerate(points):
        groups.setdefault(stack_key(inputs), []).append(k)
    for members in groups.values():
        for start in range(0, len(members), most):
            block = members[start:start + most]
            yield block, points[block[0]] if len(block) == 1 else _stacked([points[k] for k in block], width)


def stack_inputs(variants: Sequence[ModelInputs], width: int) -> ModelInputs:
    """The inputs of one batch of ``len(variants)`` blocks of ``width`` lanes, block ``b``
    variant ``b``: each lane field the variants disagree on gets a last axis of one value
    per lane; everything else is the first variant's. The variants must share
    :func:`stack_key` (ValueError otherwise)."""
    key = stack_key(variants[0])
    if any(stack_key(v) != key for v in variants[1:]):
        raise ValueError("these inputs differ in more than the per-lane fields: simulate them apart")
    return _stacked(variants, width)


def _stacked(variants: Sequence[ModelInputs], width: int) -> ModelInputs:
    """:func:`stack_inputs` of variants known to share :func:`stack_key`."""
    first = variants[0]
    changes: dict[str, Any] = {
        name: _lane_values([getattr(v, name) for v in variants], width) for name in LANE_FIELDS if "." not in name
    }
    if first.track is not None:
        changes["track"] = dataclasses.replace(
            first.track,
            start=_lane_values([v.track.start for v in variants], width),
            talks_step=_lane_values([v.track.talks_step for v in variants], width),
        )
    changes["mediator"] = tuple(
        dataclasses.replace(md, rationality=_lane_values([v.mediator[k].rationality for v in variants], width))
        for k, md in enumerate(first.mediator)
    )
    return dataclasses.replace(first, **changes)


def _lane_values(values: Sequence[Any], width: int) -> Any:
    """The first value when all are equal; else one per lane, ``width`` lanes each."""
    if all(np.array_equal(values[0], v) for v in values[1:]):
        return values[0]
    stacked = np.stack([np.asarray(v, dtype=float) for v in values], axis=-1)
    return np.repeat(stacked, width, axis=-1)


class TiledGenerator:
    """A random stream for ``copies`` blocks of lanes side by side.

    Every draw's last axis is the lanes; the stream draws it for one block, as a batch of
    that block's width would, and repeats it in every block. Only the calls the engine
    makes are offered.
    """

    def __init__(self, generator: np.random.Generator, copies: int) -> None:
        self._generator = generator
        self._copies = copies

    def _block(self, shape: tuple[int, ...]) -> tuple[int, ...]:
        lanes = shape[-1]
        if lanes % self._copies:
            raise ValueError(f"{lanes} lanes do not split into {self._copies} blocks")
        return (*shape[:-1], lanes // self._copies)

    def _tile(self, block: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        if out is None:
            out = np.empty((*block.shape[:-1], block.shape[-1] * self._copies), dtype=block.dtype)
        out.reshape(*block.shape[:-1], self._copies, block.shape[-1])[...] = block[..., None, :]
        return out

    def random(self, size: int | tuple[int, ...] | None = None, out: np.ndarray | None = None) -> np.ndarray:
        """Uniforms on [0, 1), shaped ``size`` or written into ``out``."""
        shape = out.shape if out is not None else tuple(np.atleast_1d(size))
        return self._tile(self._generator.random(self._block(shape)), out)

    def skip(self, size: int | tuple[int, ...]) -> None:
        """Pass over the uniforms ``random(size)`` would draw (:mod:`sim.engine.streams`)."""
        skip_uniforms(self._generator, int(np.prod(self._block(tuple(np.atleast_1d(size))))))

    def standard_normal(self, size: int | tuple[int, ...]) -> np.ndarray:
        """Standard normals shaped ``size``."""
        return self._tile(self._generator.standard_normal(self._block(tuple(np.atleast_1d(size)))))

    def integers(self, high: int, size: int | tuple[int, ...]) -> np.ndarray:
        """Whole numbers uniform on ``0 … high - 1`` shaped ``size``."""
        return self._tile(self._generator.integers(high, size=self._block(tuple(np.atleast_1d(size)))))
