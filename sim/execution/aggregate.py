"""Aggregation: streaming tallies of the engine's outcomes and the summary reported to users.

A :class:`Tally` holds integer counts only, so tallies of batches add up exactly in any
order (results do not depend on how batches were spread over workers) and memory does not
grow with the run count. :func:`summarise` turns a tally into estimates with 95% Wilson
intervals. All functions here are pure.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from sim.engine.inputs import ModelInputs
from sim.engine.outcome import FORMATS, REASONS, WITH, BatchOutcome, format_names
from sim.stats import Estimate


@dataclass
class Tally:
    """Integer counts over runs; adding two tallies gives the tally of both."""

    rounds: int
    venues: int
    parties: int = 0  # possible third parties (eq. 9): format codes 3 ... 3 + parties - 1
    runs: int = 0
    held: np.ndarray = field(default=None)  # (rounds + 1, venues): summits by round, venue
    formats: np.ndarray = field(default=None)  # (len(FORMATS) + parties,): runs by format code
    reasons: np.ndarray = field(default=None)  # (len(REASONS),)
    collapses: int = 0
    runs_with_collapse: int = 0
    rejected: int = 0
    deals: np.ndarray = field(default=None)  # (rounds + 1,): runs whose track reached its deal, by round (eq. 11)

    def __post_init__(self) -> None:
        if self.deals is None:
            self.deals = np.zeros(self.rounds + 1, dtype=np.int64)
        if self.held is None:
            self.held = np.zeros((self.rounds + 1, self.venues), dtype=np.int64)
        if self.formats is None:
            self.formats = np.zeros(len(FORMATS) + self.parties, dtype=np.int64)
        if self.reasons is None:
            self.reasons = np.zeros(len(REASONS), dtype=np.int64)

    @classmethod
    def of(cls, outcome: BatchOutcome, rounds: int, venues: int, parties: int = 0) -> "Tally":
        """Count one batch's outcomes (``parties``: the scenario's possible third parties)."""
        held = outcome.held
        cells = outcome.round[held] * venues + outcome.venue[held]
        return cls(
            rounds=rounds,
            venues=venues,
            parties=parties,
            runs=len(outcome),
            held=np.bincount(cells, minlength=(rounds + 1) * venues).reshape(rounds + 1, venues),
            formats=np.bincount(outcome.format, minlength=len(FORMATS) + parties),
            reasons=np.bincount(outcome.reason, minlength=len(REASONS)),
            collapses=int(outcome.collapses.sum()),
            runs_with_collapse=int((outcome.collapses > 0).sum()),
            rejected=int(outcome.rejected.sum()),
            deals=np.bincount(outcome.deal_round[outcome.deal_round > 0], minlength=rounds + 1),
        )

    def add(self, other: "Tally") -> None:
        """Add ``other``'s counts to this tally, in place."""
        self.runs += other.runs
        self.held += other.held
        self.formats += other.formats
        self.reasons += other.reasons
        self.collapses += other.collapses
        self.runs_with_collapse += other.runs_with_collapse
        self.rejected += other.rejected
        self.deals += other.deals

    @property
    def summits(self) -> int:
        return int(self.held.sum())


@dataclass(frozen=True)
class Summary:
    """What a run of a scenario says: whether, by when, where, in which format, why not."""

    runs: int
    p_summit: Estimate
    by_date: tuple[tuple[dt.date, Estimate], ...]  # cumulative incidence at milestones
    venue_share: dict[str, Estimate]  # of all runs
    venue_given_summit: dict[str, Estimate]
    format_share: dict[str, Estimate]  # given a summit
    format_of_runs: dict[str, Estimate]  # P(summit in that format), of all runs
    reason_share: dict[str, Estimate]  # of all runs
    rounds_quantiles: dict[str, int | None]  # summit round, given a summit
    mean_collapses: float
    p_any_collapse: Estimate
    mean_rejected: float
    # Eq. (11), with a negotiation track: P(the track reaches its deal by the horizon) and
    # by each reporting date; None and () without one.
    p_deal: Estimate | None = None
    deal_by_date: tuple[tuple[dt.date, Estimate], ...] = ()


QUANTILES = (0.10, 0.25, 0.50, 0.75, 0.90)


def summarise(
    tally: Tally,
    venue_ids: tuple[str, ...],
    milestones: list[tuple[dt.date, int]],
    formats: Sequence[tuple[int, str]] = ((1, "bilateral"), (2, "multilateral")),
    track: bool = False,
) -> Summary:
    """Estimates with intervals from a tally.

    ``milestones`` pairs each reporting date with the last round that opens on or before
    it; P(summit by date) counts summits held in rounds up to that one. ``formats`` are
    the (code, name) pairs to report, those the scenario can produce
    (:func:`reported_formats`). With ``track``, the deal's probabilities too (eq. 11).
    """
    n = tally.runs
    summits = tally.summits
    by_round = tally.held.sum(axis=1)
    cumulative = np.cumsum(by_round)
    by_venue = tally.held.sum(axis=0)
    by_date = by_dates(cumulative, tally.rounds, n, milestones)
    deals = np.cumsum(tally.deals)
    return Summary(
        runs=n,
        p_summit=Estimate.of(summits, n),
        by_date=by_date,
        venue_share={vid: Estimate.of(int(by_venue[k]), n) for k, vid in enumerate(venue_ids)},
        venue_given_summit={vid: Estimate.of(int(by_venue[k]), summits) for k, vid in enumerate(venue_ids)},
        format_share={name: Estimate.of(int(tally.formats[k]), summits) for k, name in formats},
        format_of_runs={name: Estimate.of(int(tally.formats[k]), n) for k, name in formats},
        reason_share={name: Estimate.of(int(tally.reasons[k]), n) for k, name in enumerate(REASONS)},
        rounds_quantiles={f"q{round(q * 100):02d}": quantile_round(by_round, q) for q in QUANTILES},
        mean_collapses=tally.collapses / n if n else math.nan,
        p_any_collapse=Estimate.of(tally.runs_with_collapse, n),
        mean_rejected=tally.rejected / n if n else math.nan,
        p_deal=Estimate.of(int(deals[-1]), n) if track else None,
        deal_by_date=by_dates(deals, tally.rounds, n, milestones) if track else (),
    )


def by_dates(
    cumulative: np.ndarray, rounds: int, n: int, milestones: list[tuple[dt.date, int]]
) -> tuple[tuple[dt.date, Estimate], ...]:
    """A cumulative count by round read at each reporting date, as estimates of ``n`` runs."""
    return tuple((day, Estimate.of(int(cumulative[min(max(last, 0), rounds)]), n)) for day, last in milestones)


def reported_formats(inputs: ModelInputs) -> tuple[tuple[int, str], ...]:
    """The formats (code, name) a scenario can produce (eq. 9), in report order: bilateral,
    with each possible third party, multilateral when two parties can meet together."""
    names = format_names(inputs.parties)
    possible = inputs.possible_parties
    joiners = [k for k, chance in enumerate(inputs.join) if chance > 0]
    singles = [k for k in range(len(inputs.parties)) if possible >> k & 1]
    together = len(joiners) >= 2 or any(j != k for j in joiners for k in singles)
    return ((1, names[1]), *((WITH + k, names[WITH + k]) for k in singles), *(((2, names[2]),) if together else ()))


def quantile_round(counts_by_round: np.ndarray, q: float) -> int | None:
    """The smallest round r with at least a fraction q of summits held by r (None if none)."""
    total = int(counts_by_round.sum())
    if total == 0:
        return None
    target = math.ceil(q * total - 1e-9)
    return int(np.searchsorted(np.cumsum(counts_by_round), max(target, 1)))


def cumulative_curve(tally: Tally) -> list[tuple[int, Estimate]]:
    """P(summit held by round t) for every round t, each with its Wilson interval."""
    cumulative = np.cumsum(tally.held.sum(axis=1))
    return [(t, Estimate.of(int(cumulative[t]), tally.runs)) for t in range(1, tally.rounds + 1)]
