"""Eq. (7): the joint cost of a venue, cost_v = prod_i (1 + odds_i odds_iv) = 1 / prod_i p_iv,
per run and round, computed at most once per venue and round and only for venues that
need it.

The cost is the reciprocal of the probability that every principal accepts the venue;
strategies rank venues by it and phase 5 draws agreement from it. Principals' odds
against acceptance (``group_odds``, shape ``(G, N, runs)``, one ``(N, runs)`` layer per
pressure group of venues, eq. 3'; a single layer, ``odds``, without targeted pressure)
are the batch state's own array, updated in place each round; this module reads them,
each venue with its group's layer.

A principal that meets only from a level of the negotiation track (eq. 11) has infinite
odds below it, and then every venue's cost is +inf in that run (odds and venue odds are
positive, so the product is never 0 x inf): nothing can be agreed there. When such runs
are most of the batch, costs are computed only in the others, the *live* runs, and are
+inf elsewhere: exactly the numbers the full computation gives, for a fraction of the work.
"""

from __future__ import annotations

import numpy as np

from sim.engine.acceptance import odds_against
from sim.engine.inputs import MediatorInputs, ModelInputs
from sim.engine.stacked import per_lane

CACHE_FLOATS = 1 << 16  # float64s per row chunk that stay in a core's cache (512 KB)
SPARSE_BELOW = 4  # costs are computed run by run when fewer than 1 / SPARSE_BELOW of the runs are live


class JointCosts:
    """This round's joint costs of the venues, for ``size`` runs."""

    def __init__(self, inputs: ModelInputs, size: int, group_odds: np.ndarray) -> None:
        n, v = len(inputs.principals), len(inputs.venues)
        self.odds = group_odds[0]
        self._group_odds = group_odds
        groups = inputs.pressure_groups
        # (V + 1,) each venue's layer of group_odds (the empty slot's: 0); None: one layer.
        self._venue_group = None if groups is None else groups.venue_group
        self._lanes = np.arange(size)
        self._size = size
        self._mediators = inputs.mediator
        # exp(-b_i u_iv) per venue, with a last column for the empty slot (-1): never. With
        # utilities per lane (sim.engine.stacked), (N, V + 1, runs): one column per run.
        self.lanes_vary = per_lane(inputs.utility, 2)
        self._sharpness = inputs.sharpness[:, None, None] if self.lanes_vary else inputs.sharpness[:, None]
        empty = np.full((n, 1, size) if self.lanes_vary else (n, 1), np.inf)
        self.venue_odds = np.concatenate([odds_against(inputs.utility, self._sharpness), empty], axis=1)
        self._cost = np.empty((v, size))
        self._rows: dict[int, np.ndarray] = {}  # this round's rows, by venue
        self._factor = np.empty(size)
        self._proposes = [md.proposes for md in inputs.mediator]
        self._block_rows = max(1, CACHE_FLOATS // size)  # venues per chunk
        # Eq. (11): with a principal whose odds are infinite below a track level, every
        # principal's odds are checked for it (any of them may be the one in an epoch).
        track = inputs.track
        self._gated = list(range(n)) if track is not None and (track.requires > 0).any() else []
        self._finite = np.empty(size, dtype=bool)
        self._live: np.ndarray | None = None
        self._live_odds: dict[int, np.ndarray] = {}  # per layer of group_odds: its odds in the live runs
        self._live_known = False
        self._derive()

    def _derive(self) -> None:
        """What follows from the venues' odds: the blocked venues (some red line, or closed),
        and per "best" mediator its listed venues that are not blocked, their principals'
        odds (N, L), and a block for their costs (L, runs)."""
        size, mediators = self._size, self._mediators
        # Each venue (in each run, with per-lane venue odds): does every principal have finite odds?
        acceptable = np.isfinite(self.venue_odds[:, :-1]).all(axis=0)
        self.blocked = ~(acceptable.all(axis=1) if self.lanes_vary else acceptable)
        self.open_venues = [np.flatnonzero(~self.blocked[md.proposes]) for md in mediators]
        # Per mediator: whether none of its venues can be accepted in any run (each has
        # some principal's infinite odds everywhere), so that any choice is the first listed
        # at an infinite cost. Without per-lane venue odds, exactly "no open venue".
        anywhere = acceptable.any(axis=1) if self.lanes_vary else acceptable
        self.hopeless = [not anywhere[md.proposes].any() for md in mediators]
        self._open_odds = [self.venue_odds[:, md.proposes[o]] for md, o in zip(mediators, self.open_venues)]
        self._blocks = [
            np.empty((len(o), size)) if md.strategy == "best" and md.per_round and len(o) else None
            for md, o in zip(mediators, self.open_venues)
        ]
        # Per mediator, the pressure group of all its open venues, or -1 when they span
        # several (eq. 3'): its block is then filled row by row.
        self._block_group = [self._common_group(md.proposes[o]) for md, o in zip(mediators, self.open_venues)]
        longest = max([len(o) for o in self.open_venues], default=0)
        self._block_factor = np.empty((min(self._block_rows, longest), size))

    def _common_group(self, venues: np.ndarray) -> int:
        """The pressure group the ``venues`` share, -1 if they are in several (3')."""
        if self._venue_group is None:
            return 0
        groups = np.unique(self._venue_group[venues])
        return int(groups[0]) if len(groups) == 1 else -1

    def restructure(self, utility: np.ndarray, available: np.ndarray, mediators: tuple[MediatorInputs, ...]) -> None:
        """Eq. (6'''): a new structure epoch: the venues' odds from its utilities, a closed
        venue's infinite (nobody accepts it, so no strategy ranks or draws it), written in
        place (the batch state reads the same array), the mediators' lists of venues on
        offer, and all that follows from them."""
        odds = odds_against(utility, self._sharpness)
        odds[:, ~available] = np.inf
        self.venue_odds[:, :-1] = odds  # an epoch's utilities are the same in every lane
        self._mediators = mediators
        self._proposes = [md.proposes for md in mediators]
        self._derive()
        self._rows.clear()

    def live_lanes(self) -> np.ndarray | None:
        """The runs in which some venue may still be accepted this round (no principal below
        the track level it requires, eq. 11), when they are few enough that computing
        costs only there pays; None when costs are computed in every run. Read from this
        round's odds, so only after every principal has assessed (phase 2)."""
        if self._live_known:
            return self._live
        self._live_known = True
        self._live = None
        if not self._gated:
            return None
        finite = np.isfinite(self._group_odds[0, self._gated[0]], out=self._finite)
        for i in self._gated[1:]:
            finite &= np.isfinite(self._group_odds[0, i])
        lanes = finite.nonzero()[0]
        if len(lanes) * SPARSE_BELOW < self._size:
            self._live = lanes
        return self._live

    def _odds_in(self, layer: int, lanes: np.ndarray) -> np.ndarray:
        """The principals' odds of ``group_odds`` layer ``layer`` in the live runs ``lanes``."""
        odds = self._live_odds.get(layer)
        if odds is None:
            odds = self._live_odds[layer] = np.take(self._group_odds[layer], lanes, axis=1)
        return odds

    def row(self, v: int) -> np.ndarray:
        """This round's joint cost of venue ``v`` in every run (computed once per round)."""
        row = self._rows.get(v)
        if row is not None:
            return row
        row = self._cost[v]
        live = None if self.blocked[v] else self.live_lanes()
        if self.blocked[v]:
            row.fill(np.inf)
        elif live is not None:
            row.fill(np.inf)
            if len(live):
                odds = self._odds_in(0 if self._venue_group is None else int(self._venue_group[v]), live)
                row[live] = self._venue_cost(odds, self._in_lanes(self.venue_odds[:, v], live))
        else:
            odds = self.odds if self._venue_group is None else self._group_odds[self._venue_group[v]]
            self._venue_cost(odds, self.venue_odds[:, v], out=row, factor=self._factor)
        self._rows[v] = row
        return row

    def at_lanes(self, venues: np.ndarray, lanes: np.ndarray) -> np.ndarray:
        """The joint costs of ``venues`` in the runs ``lanes`` only, ``(venues, lanes)``: what
        :meth:`row` gives there (the same arithmetic; a blocked venue's odds are +inf, so
        its cost is too), without computing or keeping whole rows."""
        layer = 0
        if self._venue_group is not None:  # eq. (3'): each venue with its group's odds
            groups = self._venue_group[venues]
            if groups.min() != groups.max():
                return np.stack([self.row(int(v))[lanes] for v in venues])
            layer = int(groups[0])
        live = self.live_lanes()
        odds = self._odds_in(layer, live) if lanes is live else np.take(self._group_odds[layer], lanes, axis=1)
        return self._venue_cost(odds[:, None, :], self._in_lanes(self.venue_odds[:, venues], lanes))

    def _in_lanes(self, venue_odds: np.ndarray, lanes: np.ndarray | None = None) -> np.ndarray:
        """Venue odds (a slice of ``venue_odds``) shaped to multiply principals' odds in the
        runs ``lanes`` (None: every run): their columns there when they are per lane, else
        with an axis of one for the runs."""
        if not self.lanes_vary:
            return venue_odds[..., None]
        return venue_odds if lanes is None else venue_odds[..., lanes]

    @staticmethod
    def _venue_cost(odds: np.ndarray, venue_odds: np.ndarray, out: np.ndarray | None = None,
                    factor: np.ndarray | None = None) -> np.ndarray:
        """prod_i (1 + odds_i venue_odds_i), principals first: odds ``(N, runs)`` with venue
        odds ``(N,)``, or ``(N, 1, runs)`` with ``(N, venues, 1)`` for a block (venue odds per
        lane: ``(N, runs)``, ``(N, venues, runs)``). The one order
        of multiplication every cost is computed in; into ``out`` (with scratch ``factor``)
        if given."""
        with np.errstate(over="ignore"):
            cost = np.multiply(odds[0], venue_odds[0], out=out)
            cost += 1.0
            for i in range(1, len(venue_odds)):
                term = np.multiply(odds[i], venue_odds[i], out=factor)
                term += 1.0
                cost *= term
        return cost

    def open_block(self, k: int) -> np.ndarray | None:
        """The costs of mediator ``k``'s open venues, ``(open, runs)``, or None when it
        keeps no block (its strategy does not rank, or it has no open venue). The rows
        also serve :meth:`row` for the rest of the round."""
        block = self._blocks[k]
        if block is None:
            return None
        listed_odds = self._open_odds[k]
        open_ = self.open_venues[k]
        listed = self._proposes[k]
        group = self._block_group[k]
        if group < 0:  # eq. (3'): open venues in several pressure groups, each row its group's
            for row, j in enumerate(open_):
                block[row] = self.row(int(listed[j]))
            return block
        live = self.live_lanes()
        if live is not None:
            block.fill(np.inf)
            if len(live):
                block[:, live] = self._venue_cost(self._odds_in(group, live)[:, None, :], self._in_lanes(listed_odds, live))
            for row, j in enumerate(open_):
                self._rows.setdefault(int(listed[j]), block[row])
            return block
        odds = self._group_odds[group]
        # A few venues at a time, so that the rows being multiplied stay in the CPU's
        # cache across principals (twice as fast for 40 venues; the same arithmetic).
        step = self._block_rows
        for start in range(0, len(open_), step):
            part = block[start:start + step]
            self._venue_cost(odds[:, None, :], self._in_lanes(listed_odds[:, start:start + step]), out=part,
                             factor=self._block_factor[: len(part)])
        for row, j in enumerate(open_):
            self._rows.setdefault(int(listed[j]), block[row])
        return block

    def of_venues(self, venues: np.ndarray, out: np.ndarray) -> None:
        """Each run's cost of its own venue ``venues[run]`` (-1, empty: +inf) into ``out``."""
        live = self.live_lanes()
        if live is None:
            self._own_venue_cost(venues, self._lanes, self.odds, out, self._factor)
            return
        out.fill(np.inf)
        if len(live):
            part = np.empty(len(live))
            self._own_venue_cost(venues[live], live, self._odds_in(0, live), part, np.empty(len(live)))
            out[live] = part

    def _own_venue_cost(self, venues: np.ndarray, lanes: np.ndarray, odds: np.ndarray, out: np.ndarray,
                        factor: np.ndarray) -> None:
        """:meth:`of_venues` in the runs ``lanes``, each with its venue ``venues``, given the
        principals' odds there (``odds``, layer 0), into ``out`` (scratch ``factor``)."""
        groups = None if self._venue_group is None else self._venue_group[venues]  # eq. (3')
        with np.errstate(over="ignore"):
            for i in range(len(self.venue_odds)):
                target = out if i == 0 else factor
                if self.lanes_vary:  # each run's own column
                    target[:] = self.venue_odds[i, venues, lanes]
                else:
                    np.take(self.venue_odds[i], venues, out=target)  # -1, empty: +inf
                target *= odds[i] if groups is None else self._group_odds[groups, i, lanes]
                target += 1.0
                if i:
                    out *= factor

    def clear(self) -> None:
        """Forget this round's rows and live runs: the principals' odds change next round."""
        self._rows.clear()
        self._live_known = False
        self._live_odds.clear()
