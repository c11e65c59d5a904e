"""Per-run outcomes: one flat record per run, stored column-wise for a whole batch."""

from __future__ import annotations

from dataclasses import dataclass

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
#: Format codes; index = code.
FORMATS = ("none", "bilateral", "with_mediator")


@dataclass(frozen=True)
class BatchOutcome:
    """Outcomes of the runs of one batch; element ``k`` of each array is one run."""

    held: np.ndarray  # bool
    venue: np.ndarray  # int, -1 when no summit
    round: np.ndarray  # int, summit round (1-based), 0 when no summit
    format: np.ndarray  # int code into FORMATS
    rejected: np.ndarray  # int, table entries not accepted by every principal
    collapses: np.ndarray  # int, agreements that collapsed in preparation
    reason: np.ndarray  # int code into REASONS

    def __len__(self) -> int:
        return len(self.held)

    def head(self, count: int) -> "BatchOutcome":
        """The first ``count`` runs (the last batch of a job is cut to the run count)."""
        return BatchOutcome(**{name: getattr(self, name)[:count] for name in FIELDS})


FIELDS = tuple(BatchOutcome.__dataclass_fields__)
