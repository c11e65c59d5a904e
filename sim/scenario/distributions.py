"""Uncertain inputs: the distributions a scenario may declare over its parameters.

A scenario may declare, under ``uncertain:``, distributions for some of its numeric
fields, keyed by the same dotted paths as ``--set`` (``actors.putin.readiness``)::

    uncertain:
      actors.putin.readiness: {normal: {mean: -3.5, sd: 0.5, low: -5, high: -2}}
      actors.trump.pressure.growth: {uniform: [0.0, 0.05]}
      preparation.collapse_risk: {triangular: [0.05, 0.15, 0.3]}
      preparation.rounds: {choice: [2, 3, 4]}

The value written in the scenario stays the one ``sim run`` uses; the distributions are
read by ``sim run --propagate``, ``sim sensitivity`` and ``sim discover``.

Every distribution is handled through its quantile function :meth:`Distribution.ppf`,
which maps a number in [0, 1) to a value; :mod:`sim.scenario.parameters` draws from them.
This module also checks each declared path against the schema (:func:`locate`). It is
imported by :mod:`sim.scenario.schema` and must not import it. scipy is optional: only
:meth:`Distribution.to_scipy` needs it, and imports it when called. numpy is imported by
the two methods that compute (:meth:`Distribution.ppf`, :meth:`Distribution.to_scipy`)
when first called, not here: ``sim validate`` reads the schema, which declares these
models, but never draws, and numpy is about a third of its start-up
(tests/test_startup_imports.py).
"""

from __future__ import annotations

import math
import re
import typing
from dataclasses import dataclass
from statistics import NormalDist
from typing import TYPE_CHECKING, Annotated, Any, Iterator, Sequence, Union

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from sim.errors import Problem, UsageError
from sim.scenario.fields import Number, not_a_boolean

if TYPE_CHECKING:
    import numpy as np

MAX_UNCERTAIN = 100
MAX_CHOICES = 1_000
#: Top-level fields whose values may not be drawn: the calendar fixes the shape of every
#: result (rounds, reporting dates) and the run settings are not part of the model.
NOT_PARAMETERS = ("time", "simulation", "uncertain", "name", "title", "evidence", "notes")
_PATH = re.compile(r"^[a-z_][a-z0-9_]*(\.([a-z0-9_]+))*$")
_TINY = 2.0**-53


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class NormalSpec(_Strict):
    """A normal distribution, optionally truncated to [low, high]."""

    mean: Number
    sd: Number = Field(ge=0.0, description="Standard deviation; 0 is a point mass at the mean.")
    low: Number | None = Field(None, description="Truncation: no value below this.")
    high: Number | None = Field(None, description="Truncation: no value above this.")

    @model_validator(mode="after")
    def _truncation(self) -> "NormalSpec":
        if self.low is not None and self.high is not None and self.low > self.high:
            raise ValueError(f"low ({self.low}) must not be above high ({self.high})")
        low = -math.inf if self.low is None else self.low
        high = math.inf if self.high is None else self.high
        if self.sd == 0 and not low <= self.mean <= high:
            raise ValueError("with sd 0 the mean must lie within low and high")
        return self


class Distribution(_Strict):
    """Exactly one of ``uniform``, ``normal``, ``triangular`` or ``choice``."""

    uniform: tuple[Number, Number] | None = Field(None, description="[lo, hi]: every value equally likely.")
    normal: NormalSpec | None = Field(None, description="{mean, sd}, optionally truncated with low and high.")
    triangular: tuple[Number, Number, Number] | None = Field(None, description="[lo, mode, hi].")
    choice: list[Annotated[Union[int, float], BeforeValidator(not_a_boolean)]] | None = Field(
        None, min_length=1, max_length=MAX_CHOICES, description="[v1, v2, ...]: each value equally likely."
    )

    @model_validator(mode="after")
    def _one_kind(self) -> "Distribution":
        given = [name for name in KINDS if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError(f"give exactly one of {', '.join(KINDS)} (got {', '.join(given) or 'none'})")
        if self.uniform is not None and self.uniform[0] > self.uniform[1]:
            raise ValueError(f"uniform: [lo, hi] needs lo <= hi (got {list(self.uniform)})")
        if self.triangular is not None and not self.triangular[0] <= self.triangular[1] <= self.triangular[2]:
            raise ValueError(f"triangular: [lo, mode, hi] needs lo <= mode <= hi (got {list(self.triangular)})")
        return self

    @property
    def kind(self) -> str:
        return next(name for name in KINDS if getattr(self, name) is not None)

    @property
    def support(self) -> tuple[float, float]:
        """The smallest and largest values a draw can take (infinite for a plain normal)."""
        if self.uniform is not None:
            return self.uniform
        if self.triangular is not None:
            return self.triangular[0], self.triangular[2]
        if self.choice is not None:
            return float(min(self.choice)), float(max(self.choice))
        normal = self.normal
        assert normal is not None
        if normal.sd == 0:
            return normal.mean, normal.mean
        low = -math.inf if normal.low is None else normal.low
        high = math.inf if normal.high is None else normal.high
        return low, high

    @property
    def bounded(self) -> bool:
        return all(math.isfinite(v) for v in self.support)

    def ppf(self, u: np.ndarray | Sequence[float]) -> np.ndarray:
        """The quantile function: the value at each probability level ``u`` in [0, 1]."""
        import numpy as np  # deferred for start-up (module docstring)

        u = np.clip(np.asarray(u, dtype=float), 0.0, 1.0)
        if self.uniform is not None:
            lo, hi = self.uniform
            return lo + u * (hi - lo)
        if self.triangular is not None:
            lo, mode, hi = self.triangular
            if hi == lo:
                return np.full_like(u, lo)
            cut = (mode - lo) / (hi - lo)
            left = lo + np.sqrt(u * (hi - lo) * (mode - lo))
            right = hi - np.sqrt((1 - u) * (hi - lo) * (hi - mode))
            return np.where(u < cut, left, right)
        if self.choice is not None:
            values = np.asarray(self.choice, dtype=float)
            return values[np.minimum((u * len(values)).astype(int), len(values) - 1)]
        normal = self.normal
        assert normal is not None
        if normal.sd == 0:
            return np.full_like(u, normal.mean)
        dist = NormalDist(normal.mean, normal.sd)
        first = 0.0 if normal.low is None else dist.cdf(normal.low)
        last = 1.0 if normal.high is None else dist.cdf(normal.high)
        levels = np.clip(first + u * (last - first), _TINY, 1 - _TINY)
        values = np.array([dist.inv_cdf(float(p)) for p in levels.ravel()]).reshape(u.shape)
        low, high = self.support
        return np.clip(values, low, high)

    def to_scipy(self) -> Any:
        """The same distribution as a frozen ``scipy.stats`` one, for tools that take those.

        A uniform, triangular or normal becomes ``uniform``, ``triang``, ``norm`` or (with
        ``low``/``high``) ``truncnorm``; a ``choice``, and a range of zero width, become an
        ``rv_discrete`` on the values. Every one is frozen (an ``rv_frozen``), which is
        what EMA Workbench's ``Parameter.from_dist`` asks for. scipy is optional: without it this raises
        :class:`~sim.errors.UsageError` saying how to install it.
        """
        try:
            import scipy.stats as stats  # an optional extra, loaded only when asked for
        except ImportError:
            raise UsageError("Distribution.to_scipy needs scipy: pip install scipy") from None
        import numpy as np  # deferred for start-up (module docstring)

        low, high = self.support
        if self.choice is not None or low == high:
            values, counts = np.unique(np.asarray(self.choice if self.choice is not None else [low], dtype=float),
                                       return_counts=True)
            return stats.rv_discrete(values=(values, counts / counts.sum()))()  # called: frozen, as the others
        if self.uniform is not None:
            return stats.uniform(loc=low, scale=high - low)
        if self.triangular is not None:
            mode = self.triangular[1]
            return stats.triang((mode - low) / (high - low), loc=low, scale=high - low)
        normal = self.normal
        assert normal is not None
        if normal.low is None and normal.high is None:
            return stats.norm(loc=normal.mean, scale=normal.sd)
        return stats.truncnorm((low - normal.mean) / normal.sd, (high - normal.mean) / normal.sd,
                               loc=normal.mean, scale=normal.sd)

    def describe(self) -> str:
        """The distribution in words, e.g. ``uniform 0 to 0.05``."""
        if self.uniform is not None:
            return f"uniform {_g(self.uniform[0])} to {_g(self.uniform[1])}"
        if self.triangular is not None:
            lo, mode, hi = self.triangular
            return f"triangular {_g(lo)} to {_g(hi)}, mode {_g(mode)}"
        if self.choice is not None:
            return "one of " + ", ".join(_g(v) for v in self.choice)
        normal = self.normal
        assert normal is not None
        text = f"normal mean {_g(normal.mean)}, sd {_g(normal.sd)}"
        if normal.low is not None or normal.high is not None:
            text += f", within [{_g(normal.low) if normal.low is not None else '-inf'}, " \
                    f"{_g(normal.high) if normal.high is not None else 'inf'}]"
        return text


KINDS = ("uniform", "normal", "triangular", "choice")


def _g(value: float | None) -> str:
    return "" if value is None else f"{value:.6g}"


# -- checking paths against the scenario ------------------------------------------------


class UnusablePath(ValueError):
    """A path that names no numeric field of the scenario; the message says why."""


@dataclass(frozen=True)
class Located:
    """The numeric field at a path: its value in the scenario and the range its type allows."""

    value: int | float
    low: float
    high: float
    low_open: bool  # the value must be above ``low``, not merely at least
    high_open: bool


def uncertain_problems(scenario: BaseModel) -> Iterator[Problem]:
    """Yield a problem for each ``uncertain`` path that names no numeric field, or whose
    distribution can take values the field does not allow."""
    for path, distribution in getattr(scenario, "uncertain", {}).items():
        where = f"uncertain.{path}"
        try:
            found = locate(scenario, path)
        except UnusablePath as error:
            yield Problem(where, str(error))
            continue
        low, high, low_open, high_open = found.low, found.high, found.low_open, found.high_open
        if isinstance(found.value, int):
            whole = distribution.choice is not None and all(float(v).is_integer() for v in distribution.choice)
            if not whole:
                yield Problem(where, f"{path} is a whole number; give choice: [whole numbers] (got {distribution.kind})")
                continue
        lo, hi = distribution.support
        below = lo < low or (low_open and lo <= low)
        above = hi > high or (high_open and hi >= high)
        if below or above:
            allowed = _range_text(low, high, low_open, high_open)
            if distribution.normal is not None and not distribution.bounded:
                yield Problem(where, f"a normal reaches every value but {path} must be {allowed}; "
                                     "truncate it with low and high")
            else:
                reach = lo if below else hi
                yield Problem(where, f"the distribution reaches {_g(reach)} but {path} must be {allowed}")


def _range_text(low: float, high: float, low_open: bool, high_open: bool) -> str:
    if math.isinf(low) and math.isinf(high):
        return "finite"
    start = f"{'above' if low_open else 'at least'} {_g(low)}" if not math.isinf(low) else ""
    end = f"{'below' if high_open else 'at most'} {_g(high)}" if not math.isinf(high) else ""
    if start and end and not low_open and not high_open:
        return f"from {_g(low)} to {_g(high)}"
    return " and ".join(part for part in (start, end) if part)


def locate(scenario: BaseModel, path: str) -> Located:
    """The current value at ``path`` and the range the field's constraints allow.

    Raises :class:`UnusablePath` saying why when the path names no numeric field.
    """
    if not _PATH.match(path):
        raise UnusablePath("expected a dotted path of field names and list indices, as in --set "
                           "(e.g. actors.putin.readiness)")
    parts = path.split(".")
    if parts[0] in NOT_PARAMETERS:
        raise UnusablePath(f"'{parts[0]}' is not a model parameter; "
                           "uncertain paths lie under actors, events or preparation")
    node: Any = scenario
    constraints: list[Any] = []
    annotation: Any = None
    for depth, part in enumerate(parts):
        here = ".".join(parts[:depth]) or "the top level"
        if isinstance(node, BaseModel):
            fields = type(node).model_fields
            if part not in fields:
                raise UnusablePath(f"no field '{part}' at {here}; it has: {', '.join(fields)}")
            info = fields[part]
            annotation = info.annotation
            constraints = list(info.metadata) + _annotated_constraints(_optional(annotation))
            node = getattr(node, part)
        elif isinstance(node, dict):
            if part not in node:
                raise UnusablePath(f"no '{part}' at {here}; it has: {', '.join(map(str, node)) or 'nothing'}")
            annotation = _element(annotation, 1)
            constraints = _annotated_constraints(annotation)
            node = node[part]
        elif isinstance(node, list):
            if not part.isdigit() or int(part) >= len(node):
                raise UnusablePath(f"{here} is a list of {len(node)}; use an index 0-{len(node) - 1}"
                                   if node else f"{here} is empty")
            annotation = _element(annotation, 0)
            constraints = _annotated_constraints(annotation)
            node = node[int(part)]
        else:
            raise UnusablePath(f"{here} is a value, not a mapping or list")
    if node is None:
        raise UnusablePath(f"{path} is not set in the scenario; give it a value first")
    if isinstance(node, bool) or not isinstance(node, (int, float)):
        raise UnusablePath(f"{path} is not a number (it is {type(node).__name__}); "
                           "only numeric fields can be uncertain")
    return Located(node, *_bounds(constraints))


def _unwrap(annotation: Any) -> Any:
    """The type inside Annotated and ``X | None`` wrappers (a wider union is returned as is)."""
    while True:
        if typing.get_origin(annotation) is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
            continue
        inner = _optional(annotation)
        if inner is annotation:
            return annotation
        annotation = inner


def _optional(annotation: Any) -> Any:
    """``X`` of ``X | None`` (whose bounds live inside ``X``); anything else as it is."""
    if typing.get_origin(annotation) is Union or type(annotation).__name__ == "UnionType":
        members = [a for a in typing.get_args(annotation) if a is not type(None)]
        return members[0] if len(members) == 1 else annotation
    return annotation


def _element(annotation: Any, index: int) -> Any:
    args = typing.get_args(_unwrap(annotation))
    return args[index] if len(args) > index else None


def _annotated_constraints(annotation: Any) -> list[Any]:
    found: list[Any] = []
    while typing.get_origin(annotation) is typing.Annotated:
        extras = typing.get_args(annotation)[1:]
        for extra in extras:
            found.extend(getattr(extra, "metadata", [extra]))
        annotation = typing.get_args(annotation)[0]
    return found


def _bounds(constraints: list[Any]) -> tuple[float, float, bool, bool]:
    low, high, low_open, high_open = -math.inf, math.inf, False, False
    for item in constraints:
        if getattr(item, "ge", None) is not None:
            low = max(low, float(item.ge))
        if getattr(item, "gt", None) is not None:
            low, low_open = max(low, float(item.gt)), True
        if getattr(item, "le", None) is not None:
            high = min(high, float(item.le))
        if getattr(item, "lt", None) is not None:
            high, high_open = min(high, float(item.lt)), True
    return low, high, low_open, high_open
