"""Per-run outcomes: one flat record per run, stored column-wise for a whole batch."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

#: Reason codes; index = code. ``held`` is the only success.
REASONS = ("held", "no_acceptable_venue", "time_ran_out", "collapsed", "in_preparation")
REASON_TEXT = {
    "held": "summit held",
    "no_acceptable_venue": "no venue acceptable to every principal can reach the table",
    "time_ran_out": "no agreement before the horizon",
    "collapsed": "agreed, but every agreement collapsed in preparation",
    "in_preparation": "agreed, still in preparation at the horizon",
}
#: Format codes 0-2; code 3 + k is "with third party k" (eq. 9), named by format_names.
FORMATS = ("none", "bilateral", "multilateral")
WITH = len(FORMATS)


def format_names(parties: Sequence[str]) -> tuple[str, ...]:
    """Every format code's name, for the third parties ``parties`` (bit k is party k)."""
    return (*FORMATS, *(f"with_{party}" for party in parties))


def format_codes(parties: np.ndarray) -> np.ndarray:
    """The format code of each bit set of third parties (eq. 9): 1 for none, 3 + k for
    party k alone, 2 for two or more."""
    single = (parties & (parties - 1)) == 0
    _, exponent = np.frexp(parties.astype(float))  # 2^k has exponent k + 1
    codes = np.where(parties == 0, 1, np.where(single, WITH + exponent - 1, 2))
    return codes.astype(np.int8)


@dataclass(frozen=True)
class BatchOutcome:
    """Outcomes of the runs of one batch; element ``k`` of each array is one run."""

    held: np.ndarray  # bool
    venue: np.ndarray  # int, -1 when no summit
    round: np.ndarray  # int, summit round (1-based), 0 when no summit
    format: np.ndarray  # int code into format_names(parties): 0 none, 1 bilateral, ...
    parties: np.ndarray  # int bits: the third parties at the summit (bit k, eq. 9), 0 none
    rejected: np.ndarray  # int, table entries not accepted by every principal
    collapses: np.ndarray  # int, agreements that collapsed in preparation
    reason: np.ndarray  # int code into REASONS
    deal_round: np.ndarray  # int, round the negotiation track reached its deal (eq. 11), 0 never

    def __len__(self) -> int:
        return len(self.held)

    def head(self, count: int) -> "BatchOutcome":
        """The first ``count`` runs (the last batch of a job is cut to the run count)."""
        return self.section(0, count)

    def section(self, start: int, count: int) -> "BatchOutcome":
        """The ``count`` runs from lane ``start`` (one block of a stacked batch)."""
        return BatchOutcome(**{name: getattr(self, name)[start:start + count] for name in FIELDS})


FIELDS = tuple(BatchOutcome.__dataclass_fields__)
