"""The state of a batch of runs and the numpy operations the model's processes apply.

Every attribute is an array with one element (the last axis) per run, so each method is
a handful of vectorised operations whatever the batch size. Indices: principal ``i``,
mediator ``k``, venue ``v``, table slot ``s``, shock ``j``. Equation numbers refer to
``docs/model.md``. The mechanisms with state of their own live beside this module:
shocks (``shocks.py``), joint costs (``costs.py``), mediator strategies
(``strategies.py``, which fill the table through :meth:`BatchState.place_venue`).

Performance notes (``docs/performance.md``): every array, including scratch space, is
allocated once per batch and the round's operations write into it (``out=``); masked
stores use ``np.putmask`` (masked ufuncs, ``where=``, are several times slower in numpy);
work that no lane needs in a round (no shock active, no summit in preparation, no paused
mediator) is skipped. The random draws are exactly those of the straightforward
implementation, in the same order, so results do not depend on these optimisations.
"""

from __future__ import annotations

from typing import Iterable

import numpy as np

from sim.engine.acceptance import EXP_LIMIT
from sim.engine.costs import JointCosts
from sim.engine.inputs import ModelInputs, ShockGate
from sim.engine.outcome import REASONS, BatchOutcome, format_codes
from sim.engine.picks import pick
from sim.engine.shocks import ShockState
from sim.engine.stacked import in_lanes, per_lane
from sim.engine.streams import pass_over

NEGOTIATING, PREPARING, HELD = 0, 1, 2
NEVER = np.iinfo(np.int64).max // 2
SPARSE_ODDS = 4  # odds are exponentiated run by run when fewer than 1 / SPARSE_ODDS of the runs may meet


def uniform_whole(shortest: int | np.ndarray, longest: int | np.ndarray, uniform: np.ndarray) -> np.ndarray:
    """A whole number uniform on ``shortest … longest``, one per uniform in [0, 1)."""
    span = longest - shortest + 1
    return shortest + np.minimum((uniform * span).astype(np.int64), span - 1)


def clamp_risk(risk: float | np.ndarray) -> float | np.ndarray:
    """A collapse risk within [0, 1]: one number, or one per lane."""
    if np.ndim(risk):
        return np.clip(risk, 0.0, 1.0)
    return min(max(float(risk), 0.0), 1.0)


def spread_uniformly(centre: int, spread: int, uniform: np.ndarray) -> int | np.ndarray:
    """``centre`` plus a whole number uniform on ``-spread … spread``, one per uniform in
    [0, 1); ``centre`` itself when there is no spread."""
    if not spread:
        return centre
    return uniform_whole(centre - spread, centre + spread, uniform)


class BatchState:
    """Arrays for ``size`` runs advanced in lockstep, and the moves that change them.

    Table arrays are laid out slot-major, ``(slots, runs)``, so that reductions over the
    few slots are element-wise operations over long rows.
    """

    def __init__(
        self,
        inputs: ModelInputs,
        size: int,
        rng: np.random.Generator,
        attention: np.random.Generator | None = None,
        starts: np.random.Generator | None = None,
        lengths: np.random.Generator | None = None,
        track: np.random.Generator | None = None,
        copies: int = 1,
        observed: bool = False,
    ) -> None:
        """``rng`` is the batch's stream; ``attention`` the stream of the mediators'
        per-run patience and pause, needed only when some mediator has a spread;
        ``starts`` the stream of the gatherings' attendance and the announced summit's
        joins (eqs. 4c, 4b), ``lengths`` that of drawn preparation lengths (eq. 4a),
        ``track`` that of the negotiation track's steps (eq. 11), each needed only when
        the scenario uses them. ``copies``: the blocks of lanes the streams repeat their
        numbers in (:mod:`sim.engine.stacked`), 1 for a batch of one variant. ``observed``:
        an observer reads the state every round (``sim trace`` shows each slot's acceptance
        draw), so every one is drawn, none passed over (:meth:`_draw_acceptance`)."""
        self.inputs = inputs
        self.observed = observed
        self.size = size
        self.copies = copies
        self.rng = rng
        self._lengths = lengths
        self._track_rng = track
        self._init_principals()  # draws first: the batch stream's opening numbers
        self.shocks = ShockState(inputs, size)
        self._init_mediators(attention)
        self._init_gatherings(starts)
        self._init_table()
        self._init_outcomes()
        self._init_announced(starts)
        self._init_track()
        self._init_structure()
        self._float = np.empty(size)
        self._float2 = np.empty(size)
        self._mask = np.empty(size, dtype=bool)
        self._mask2 = np.empty(size, dtype=bool)
        self._index = np.empty(size, dtype=np.int64)
        self._index2 = np.empty(size, dtype=np.int64)
        self._slot_change = np.empty(size, dtype=np.int64)

    def _init_principals(self) -> None:
        """Each run's baseline readiness, the principals' odds and their concessions."""
        inputs, size = self.inputs, self.size
        n = len(inputs.principals)
        # Eq. (1): a run's baseline readiness a_i + sd_i z, drawn once per run. Drawn
        # even when every sd is 0, so that a sweep over readiness_sd keeps common
        # random numbers with the point sd = 0.
        baseline = inputs.readiness if per_lane(inputs.readiness, 1) else inputs.readiness[:, None]
        self.readiness = baseline + inputs.readiness_sd[:, None] * self.rng.standard_normal((n, size))
        self.situation = np.zeros((n, size))  # c_i: eq. (1) without the venue term
        # Eq. (3'): exp(-b_i (c_i + F_ig)) per pressure group g of venues; group 0, the only
        # one without targeted pressure, is exp(-b_i c_i), ``odds``.
        groups = inputs.pressure_groups
        self.group_odds = np.ones((1 if groups is None else len(groups.mediators), n, size))
        self.odds = self.group_odds[0]
        self.costs = JointCosts(inputs, size, self.group_odds)
        self.venue_odds = self.costs.venue_odds
        # Eq. (8): where each principal is in its list of counter-proposals, and its
        # failed rounds since it last conceded.
        self.concession = np.zeros((n, size), dtype=np.int64)
        self.unanswered = np.zeros((n, size), dtype=np.int64)
        # Eq. (8'): a uniform per run and round for each principal that draws its counter-proposal.
        self._counter_draw = np.empty(size) if (inputs.counter_rationality >= 0).any() else None
        self._counter_totals: dict[int, tuple[np.ndarray, bool]] = {}  # per principal, this epoch's (8')

    def _init_mediators(self, attention: np.random.Generator | None) -> None:
        """Engagement, patience and pressure per mediator and run."""
        inputs, size = self.inputs, self.size
        n, m = len(inputs.principals), len(inputs.mediators)
        self.engaged = np.ones((m, size), dtype=bool)
        self.failed = np.zeros((m, size), dtype=np.int64)
        self.pause_left = np.zeros((m, size), dtype=np.int64)
        self.patience, self.pause_length = self._attention_spans(attention)
        self.pressure = np.zeros((m, size))
        # Eq. (9): (mediator, chance) of those that may join; a uniform per uncertain one.
        # Eq. (7a): a uniform per run and round for a mediator that offers only now and then.
        self.offer_draw = np.empty(size) if any(md.offer_hazard < 1 for md in inputs.mediator) else None
        self._joiners = [(k, float(chance)) for k, chance in enumerate(inputs.join) if chance > 0]
        uncertain = sum(chance < 1 for _, chance in self._joiners)
        self._join_draw = np.empty((uncertain, size))
        # Eq. (10): a uniform per run and round when some venue stands for an unlisted one.
        self._unlisted_draw = np.empty(size) if np.any(inputs.unlisted_share > 0) else None
        # Eq. (3'): pressure felt on every venue (s_i L_ki, mediators on all) and per pressure
        # group g >= 1 the extra pressure felt on its venues (its targeted mediators').
        groups = inputs.pressure_groups
        targeted = frozenset() if groups is None else groups.targeted
        self._pressure_terms = [self._felt(i, (k for k in range(m) if k not in targeted)) for i in range(n)]
        self._group_terms = [] if groups is None else [
            [self._felt(i, members) for i in range(n)] for members in groups.mediators[1:]
        ]
        self._group_situation = np.empty(size) if self._group_terms else None

    def _felt(self, i: int, mediators: Iterable[int]) -> list[tuple[int, float | np.ndarray]]:
        """(k, s_i L_ki) for each of ``mediators`` whose pressure principal ``i`` feels
        (one per lane when the leverage is)."""
        inputs = self.inputs
        weights = [(k, inputs.sensitivity[i] * inputs.leverage[k, i]) for k in mediators if np.any(inputs.leverage[k, i])]
        return [(k, weight if np.ndim(weight) else float(weight)) for k, weight in weights]

    def _init_gatherings(self, starts: np.random.Generator | None) -> None:
        """Eq. (4c): who attends each gathering in each run, one uniform per gathering,
        principal and run (drawn whatever the chances, so a sweep over one keeps common
        random numbers); the runs in which every principal attends; and each attending
        principal's readiness effect while the gathering runs."""
        inputs, size = self.inputs, self.size
        attendance = inputs.gathering_attendance
        self.attend_all = np.zeros((len(attendance), size), dtype=bool)
        self._gathering_readiness: list[list[tuple[int, np.ndarray]]] = [[] for _ in inputs.principals]
        if not len(attendance):
            return
        if starts is None:
            raise ValueError("the scenario has gatherings: pass the starts stream")
        attends = starts.random((*attendance.shape, size)) < attendance[:, :, None]
        np.logical_and.reduce(attends, axis=1, out=self.attend_all)
        for g, i in zip(*np.nonzero(inputs.gathering_readiness)):
            self._gathering_readiness[i].append((int(g), attends[g, i] * float(inputs.gathering_readiness[g, i])))

    def _init_announced(self, starts: np.random.Generator | None) -> None:
        """Eq. (4b): with an announced summit every run starts in preparation, to be held in
        the round containing its date; its parties are announced, or each mediator that
        may join does so with its chance (9), one uniform per such mediator and run."""
        inputs = self.inputs
        if not inputs.announced:
            return
        self.phase.fill(PREPARING)
        self.negotiating.fill(False)
        self.venue.fill(inputs.announced_venue)
        self.prep_left.fill(inputs.announced_round)
        parties = int(inputs.venue_party[inputs.announced_venue])
        if inputs.announced_parties >= 0:
            self.parties.fill(parties | inputs.announced_parties)
            return
        if starts is None:
            raise ValueError("the scenario announces a summit: pass the starts stream")
        draws = starts.random((len(self._join_draw), self.size))
        self.parties.fill(parties)
        row = 0
        for k, chance in self._joiners:
            joins = np.ones(self.size, dtype=bool) if chance >= 1 else draws[row] < chance
            row += chance < 1
            self.parties |= joins.astype(np.int64) << k

    def _init_track(self) -> None:
        """Eq. (11): each run's progress on the negotiation track, from the track's start,
        and the round it reached the deal (0: not yet)."""
        track = self.inputs.track
        self.progress = np.full(self.size, track.start if track is not None else 0.0, dtype=float)
        self.deal_round = np.zeros(self.size, dtype=np.int64)
        if track is None:
            return
        if track.noisy and self._track_rng is None:
            raise ValueError("the track's steps are drawn: pass the track stream")
        self._track_step = np.empty(self.size)
        self._noisy_talks = [int(q) for q in np.flatnonzero(track.talks_sd > 0)]
        self._noisy_efforts = int((track.effort_sd > 0).sum())
        self._gated_principals = [(i, float(level)) for i, level in enumerate(track.requires) if level > 0]

    def _init_table(self) -> None:
        """The table: mediators' slots first, then one counter-proposal slot per principal
        that has a favourite (a principal without one never fills a slot)."""
        inputs, size = self.inputs, self.size
        n, v = len(inputs.principals), len(inputs.venues)
        widths = [md.per_round for md in inputs.mediator]
        self.slot_start = np.concatenate([[0], np.cumsum(widths)]).astype(int)
        proposers = np.flatnonzero(inputs.counter_proposers)  # in some structure epoch (6''')
        self.counter_slot = np.full(n, -1, dtype=int)
        self.counter_slot[proposers] = int(self.slot_start[-1]) + np.arange(len(proposers))
        # Eq. (4c): one slot per gathering, after the counter-proposals.
        self.gathering_slot = int(self.slot_start[-1]) + len(proposers) + np.arange(len(inputs.gathering_venue))
        slots = int(self.slot_start[-1]) + len(proposers) + len(inputs.gathering_venue)
        self.slots = np.full((slots, size), -1, dtype=np.int64)
        self.offered = np.zeros(size, dtype=np.int64)  # venues on the table this round
        self.lanes = np.arange(size)
        # Which venues are on the table, venue-major: row v is venue v, one column per run;
        # the last row (venue -1, an empty slot) stays False. Checking or marking a venue
        # that is the same in every run reads or writes one contiguous row.
        self.on_table = np.zeros((v + 1, size), dtype=bool)
        self._on_table_flat = self.on_table.reshape(-1)
        # Phase 5, per slot: the probability that every principal accepts, and its draw.
        self.probability = np.zeros((slots, size))
        self.draw = np.zeros((slots, size))
        self.agreed = np.zeros((slots, size), dtype=bool)
        self.negotiating = np.ones(size, dtype=bool)  # phase == NEGOTIATING, phases 0-5
        self.proposing = np.empty(size, dtype=bool)  # scratch: the runs a mediator serves
        self.offering = np.empty(size, dtype=bool)  # scratch: the runs a mediator offers in this round (7a)

    def _init_outcomes(self) -> None:
        """Each run's phase and what the outcome record reports."""
        size = self.size
        self.phase = np.full(size, NEGOTIATING, dtype=np.int8)
        self.negotiated = np.zeros(size, dtype=bool)  # had a venue on the table this round
        self.agreed_now = np.zeros(size, dtype=bool)
        self.prep_left = np.zeros(size, dtype=np.int64)
        self.venue = np.full(size, -1, dtype=np.int64)
        self.summit_round = np.zeros(size, dtype=np.int64)
        self.parties = np.zeros(size, dtype=np.int64)  # eq. (9): bits of who attends
        self.rejected = np.zeros(size, dtype=np.int64)
        self.collapses = np.zeros(size, dtype=np.int64)
        # Eq. (6''): the state the dated and triggered shocks' gates read, kept only when
        # some shock has a gate (the round of the latest collapse, the failed rounds).
        gates = self.inputs.shock_gate
        self._gated = [(j, gate) for j, gate in enumerate(gates) if gate.gated]
        self._allowed = np.ones((len(gates), size), dtype=bool)
        self._counts_failures = any(gate.counts_failures for _, gate in self._gated)
        self.last_collapse = np.zeros(size, dtype=np.int64)
        self.failed_total = np.zeros(size, dtype=np.int64)
        self.failed_run = np.zeros(size, dtype=np.int64)
        # Eq. (4a): one uniform per run and round when some preparation length is drawn.
        self._length_draw = np.empty(size) if self.inputs.prep_varies else None

    def _init_structure(self) -> None:
        """Eq. (6'''): the rounds in which a structure epoch starts, and the venues closed
        in the current one (none until the first epoch starts)."""
        self.structure = self.inputs  # every epoch's inputs derive from these
        self._epoch_starts = {epoch.first: k for k, epoch in enumerate(self.inputs.epochs)}
        self._closed = np.zeros(0, dtype=np.int64)
        self._spare = np.zeros(0, dtype=np.int64)  # mediators' slots beyond their venues on offer

    def _attention_spans(
        self, attention: np.random.Generator | None
    ) -> tuple[list[int | np.ndarray], list[int | np.ndarray]]:
        """Eq. (5): each mediator's patience and pause, per run when they have a spread.

        The uniforms come from their own stream, drawn only when some mediator has a
        spread, so a scenario without spreads draws exactly what it drew before; the same
        uniforms serve every spread, so a sweep over a spread keeps common random numbers.
        """
        specs = self.inputs.mediator
        if not self.inputs.attention_varies:
            return [md.patience for md in specs], [md.pause for md in specs]
        if attention is None:
            raise ValueError("a mediator has a patience or pause spread: pass the attention stream")
        uniforms = attention.random((len(specs), 2, self.size))
        return (
            [spread_uniformly(md.patience, md.patience_spread, u[0]) for md, u in zip(specs, uniforms)],
            [spread_uniformly(md.pause, md.pause_spread, u[1]) for md, u in zip(specs, uniforms)],
        )

    # -- events -----------------------------------------------------------------------
    def update_shocks(self, t: int) -> None:
        """Eq. (6): active shocks wear off; inactive ones start with their hazard, the
        dated and triggered ones only in the rounds and runs their gate allows (6'')."""
        if not self._gated:
            self.shocks.update(self.rng)
            return
        allowed = self._allowed
        for j, gate in self._gated:
            self._gate(gate, t, allowed[j])
        self.shocks.update(self.rng, allowed)

    def _gate(self, gate: ShockGate, t: int, out: np.ndarray) -> None:
        """Eq. (6''): where, at the start of round ``t``, every condition of ``gate`` holds
        (the state after round t - 1). Further run-state conditions go here, one line each."""
        out.fill(not gate.round or gate.round == t)
        if gate.preparing:
            out &= self.phase == PREPARING
        if gate.collapsed:
            out &= self.collapses > 0
        if gate.collapsed_within:
            out &= (self.last_collapse > 0) & (t - self.last_collapse <= gate.collapsed_within)
        if gate.failed_rounds:
            out &= self.failed_total >= gate.failed_rounds
        if gate.failed_in_a_row:
            out &= self.failed_run >= gate.failed_in_a_row
        if gate.progress_at_least:
            out &= self.progress >= gate.progress_at_least
        if gate.progress_below:
            out &= self.progress < gate.progress_below

    # -- the negotiation track ------------------------------------------------------------
    def update_track(self, t: int) -> None:
        """Eq. (11): progress decays towards the floor, then the round's talks, the engaged
        mediators' effort and the active events move it; it never falls below the floor,
        and a run whose progress reaches 1 has its deal, for good.

        The normal draws come from the track's own stream: in each round, one per run for
        each talks with a spread held that round and for each effort with a spread, whatever
        happened in the runs (common random numbers)."""
        track = self.inputs.track
        progress, step = self.progress, self._track_step
        if t > 1 and track.decay:
            progress -= track.floor
            progress *= 1.0 - track.decay
            progress += track.floor
        if per_lane(track.talks_step, 1):  # the held talks' steps summed in order, lane by lane
            step.fill(0.0)
            for q in np.flatnonzero(track.talks_on[:, t]):
                step += track.talks_step[q]
            step += float(track.scheduled[t])
        else:
            step.fill(float(track.scheduled[t]) + float(np.dot(track.talks_on[:, t], track.talks_step)))
        held = [q for q in self._noisy_talks if track.talks_on[q, t]]
        count = len(held) + self._noisy_efforts
        noise = self._track_rng.standard_normal((count, self.size)) if count else None
        for row, q in enumerate(held):
            step += np.multiply(noise[row], track.talks_sd[q], out=self._float)
        row = len(held)
        effort = self._float
        for k in range(len(track.effort_step)):
            mean, sd = float(track.effort_step[k]), float(track.effort_sd[k])
            if sd:  # mean + sd z, z this effort's row of the round's normals
                np.multiply(noise[row], sd, out=effort)
                effort += mean
                row += 1
            elif mean:
                effort.fill(mean)
            else:
                continue
            effort *= self.engaged[k]
            step += effort
        if self.shocks.progress_shocked:
            step += self.shocks.progress
        progress += step
        np.maximum(progress, track.floor, out=progress)
        reached = np.greater_equal(progress, 1.0, out=self._mask)
        reached &= self.deal_round == 0
        np.putmask(self.deal_round, reached, t)
        np.putmask(progress, self.deal_round > 0, 1.0)  # the deal is absorbing

    # -- structure ------------------------------------------------------------------
    def restructure(self, t: int) -> None:
        """Eq. (6'''), at the start of round ``t``: when a structure epoch starts, its
        utilities, red lines and venues on offer replace the last (see :meth:`_enter_epoch`);
        in every round, the closed venues are marked as already on the table, so that no
        counter-proposal or gathering can place them (the marks go with the table at the
        end of the round), and a mediator's slots beyond its venues on offer are emptied."""
        k = self._epoch_starts.get(t)
        if k is not None:
            self._enter_epoch(k, t)
        if len(self._closed):
            self.on_table[self._closed] = True
        if len(self._spare):
            self.probability[self._spare] = np.inf

    def _enter_epoch(self, k: int, t: int) -> None:
        """Epoch ``k`` starts in round ``t``: the inputs, the venues' odds and what follows
        from them (favourites, counter-proposals, each mediator's list of venues on offer and
        its open venues) become the epoch's; a principal keeps how far it has conceded, within its new list (8); a
        summit in preparation at a venue that closes collapses (counted as a collapse)."""
        epoch = self.structure.epochs[k]
        self.inputs = self.structure.in_epoch(k)
        self.costs.restructure(epoch.utility, epoch.available, self.inputs.mediator)
        self._counter_totals.clear()
        self._spare = np.concatenate([np.zeros(0, dtype=np.int64)] + [
            np.arange(self.slot_start[m] + md.per_round, self.slot_start[m + 1], dtype=np.int64)
            for m, md in enumerate(self.inputs.mediator)])
        for i, venues in enumerate(epoch.counter_venues):
            np.clip(self.concession[i], 0, max(len(venues) - 1, 0), out=self.concession[i])
        self._closed = np.flatnonzero(~epoch.available)
        if not len(self._closed):
            return
        closing = (self.phase == PREPARING) & np.isin(self.venue, self._closed)
        if closing.any():
            self.collapses += closing
            np.putmask(self.last_collapse, closing, t)
            np.putmask(self.phase, closing, NEGOTIATING)
            np.putmask(self.venue, closing, -1)
            self.negotiating |= closing  # it negotiates from this round on

    # -- mediators --------------------------------------------------------------------
    def engage(self, k: int) -> None:
        """A paused mediator comes back when its pause is over."""
        if not self.inputs.mediator[k].patience:
            return  # without patience a mediator never pauses
        left = self.pause_left[k]
        paused = np.greater(left, 0, out=self._mask)
        if paused.any():
            left -= paused
            back = np.logical_and(paused, left == 0, out=self._mask)
            self.engaged[k] |= back
            np.putmask(self.failed[k], back, 0)

    def set_pressure(self, k: int, t: int) -> None:
        """Eq. (3): P_k = max(0, scheduled P_k(t) + shock effects) while engaged."""
        pressure = self.pressure[k]
        if self.shocks.pressure_shocked[k]:
            np.add(self.shocks.pressure[k], self.inputs.pressure[k, t], out=pressure)
            np.maximum(pressure, 0.0, out=pressure)
            pressure *= self.engaged[k]
        elif per_lane(self.inputs.pressure, 2):  # no shock moves it: the scheduled pressure, floored at 0
            np.multiply(self.engaged[k], np.maximum(self.inputs.pressure[k, t], 0.0), out=pressure)
        else:
            np.multiply(self.engaged[k], max(float(self.inputs.pressure[k, t]), 0.0), out=pressure)

    def count_failure(self, k: int) -> None:
        """Eq. (5): a negotiating round without agreement tries the mediator's patience."""
        spec = self.inputs.mediator[k]
        if spec.patience == 0:
            return
        failed = self.failed[k]
        self._count_failed_round(failed, among=self.engaged[k])
        quits = np.logical_and(self.engaged[k], failed >= self.patience[k], out=self._mask)
        if quits.any():
            self.engaged[k] &= ~quits
            # engage() counts down at the start of each round; pause + 1 keeps it away
            # for exactly `pause` whole rounds and back in the round after them. A
            # per-run pause is a full-length array, which putmask reads lane by lane.
            np.putmask(self.pause_left[k], quits, self.pause_length[k] + 1 if spec.pause else NEVER)

    def _count_failed_round(self, count: np.ndarray, among: np.ndarray | None = None) -> None:
        """Eqs. (5) and (8): add one where the run negotiated with a venue on the table and
        agreed nothing (only in the runs ``among``, if given); an agreement resets to 0."""
        failed = np.greater(self.negotiated, self.agreed_now, out=self._mask)
        if among is not None:
            failed &= among
        count += failed
        np.putmask(count, self.agreed_now, 0)

    # -- principals -------------------------------------------------------------------
    def assess(self, i: int, t: int) -> None:
        """Eq. (1) without the venue term: c_i = readiness + drift + events + pressure felt
        (on every venue), and the odds against acceptance of each pressure group (3')."""
        inputs = self.inputs
        situation = self.situation[i]
        np.add(self.readiness[i], inputs.drift[i, t] + inputs.scheduled_readiness[i, t], out=situation)
        if self.shocks.readiness_shocked[i]:
            situation += self.shocks.readiness[i]
        if self.shocks.readiness_lasting[i]:
            situation += self.shocks.lasting_readiness[i]
        felt = self._float
        for k, weight in self._pressure_terms[i]:
            situation += np.multiply(self.pressure[k], weight, out=felt)
        for g, effect in self._gathering_readiness[i]:  # eq. (4c): while the gathering runs
            if inputs.gathering_running[g, t]:
                situation += effect
        track = inputs.track
        if track is not None and track.readiness[i]:  # eq. (11): readiness grows with progress
            situation += np.multiply(self.progress, float(track.readiness[i]), out=felt)
        self._odds_of(i, situation, self.odds[i])
        for g, terms in enumerate(self._group_terms, start=1):  # eq. (3'): pressure towards its venues
            if not terms[i]:
                np.copyto(self.group_odds[g, i], self.odds[i])
                continue
            towards = self._group_situation
            towards[:] = situation
            for k, weight in terms[i]:
                towards += np.multiply(self.pressure[k], weight, out=felt)
            self._odds_of(i, towards, self.group_odds[g, i])

    def _odds_of(self, i: int, situation: np.ndarray, out: np.ndarray) -> None:
        """exp(-b_i situation) into ``out``: principal ``i``'s odds against acceptance before
        the venue term, infinite below its required track level (11)."""
        # odds_against(situation, b_i): the situation is finite (every input is), so the
        # red-line case of odds_against cannot arise here.
        track = self.inputs.track
        below = None
        if track is not None and track.requires[i]:  # eq. (11): meets only from this level
            below = np.less(self.progress, track.requires[i], out=self._mask)
            if np.count_nonzero(below) * SPARSE_ODDS > (SPARSE_ODDS - 1) * self.size:  # few runs at the level:
                met = (~below).nonzero()[0]  # exponentiate there only (element by element,
                out.fill(np.inf)  # so the same numbers)
                exponent = np.multiply(situation[met], -self.inputs.sharpness[i])
                out[met] = np.exp(np.clip(exponent, -EXP_LIMIT, EXP_LIMIT, out=exponent))
                return
        exponent = np.multiply(situation, -self.inputs.sharpness[i], out=self._float)
        np.clip(exponent, -EXP_LIMIT, EXP_LIMIT, out=exponent)
        np.exp(exponent, out=out)
        if below is not None:
            np.putmask(out, below, np.inf)

    def counter_propose(self, i: int) -> None:
        """Principal ``i`` puts its favourite acceptable venue on the table, or, once it
        has conceded (eq. 8), the venue it has come down to in each run."""
        venues = self.inputs.counter_venues[i]
        slot = int(self.counter_slot[i])
        if not len(venues):
            if slot >= 0:  # a structure epoch (6''') in which it has no venue to put forward
                self.probability[slot].fill(np.inf)
            if self._counter_draw is not None and self.inputs.counter_rationality[i] >= 0:
                pass_over(self.rng, self.size)  # its uniforms (8'), which no choice needs
            return
        rationality = float(self.inputs.counter_rationality[i])
        if rationality >= 0:
            self._draw_counter_proposal(i, slot, venues, rationality)
            return
        if len(venues) == 1 or not self.concession[i].any():
            self.place_venue(slot, int(venues[0]), self.negotiating)
            return
        self.place_venues(slot, venues[self.concession[i]], self.negotiating)
        self.slot_cost_from_venues(slot)

    def _draw_counter_proposal(self, i: int, slot: int, venues: np.ndarray, rationality: float) -> None:
        """Eq. (8'): principal ``i``'s counter-proposal drawn among its own acceptable venues,
        P(v) proportional to exp(rationality * u_iv), one uniform per run and round (drawn
        whatever happened). The utilities are read from the venues' odds now,
        u_iv = -log(odds_iv) / b_i, so they are this epoch's (the running totals are kept
        until a structure epoch changes the venues' odds)."""
        if i not in self._counter_totals:
            self._counter_totals[i] = self._counter_weights(i, venues, rationality)
        cumulative, finite = self._counter_totals[i]
        draw = self.rng.random(out=self._counter_draw)
        draw *= cumulative[-1]
        if finite:
            index = pick(cumulative if cumulative.ndim == 2 else cumulative[:, None], draw)
        elif cumulative.ndim == 1:  # a NaN or +inf total (no venue's weight is finite): searchsorted's own rule
            index = np.minimum(np.searchsorted(cumulative, draw, side="right"), len(venues) - 1)
        else:  # the same, block by block of lanes (each block's weights are one variant's)
            index = np.empty(self.size, dtype=np.int64)
            for lanes in np.split(np.arange(self.size), self.copies):
                index[lanes] = np.searchsorted(cumulative[:, lanes[0]], draw[lanes], side="right")
            np.minimum(index, len(venues) - 1, out=index)
        self.place_venues(slot, venues.take(index), self.negotiating)
        self.slot_cost_from_venues(slot)

    def _counter_weights(self, i: int, venues: np.ndarray, rationality: float) -> tuple[np.ndarray, bool]:
        """Eq. (8'): the running totals of principal ``i``'s weights over ``venues``, and
        whether they are all finite."""
        log_odds = np.log(self.venue_odds[i, venues])  # (venues,), or (venues, runs) per lane
        weights = np.exp(-(rationality / float(self.inputs.sharpness[i])) * (log_odds - log_odds.min(axis=0)))
        cumulative = np.cumsum(weights, axis=0)
        return cumulative, bool(np.isfinite(cumulative).all())

    def place_gatherings(self, t: int) -> None:
        """Eq. (4c): each gathering whose slot is open in round ``t`` puts its venue on the
        table of the negotiating runs in which every principal attends; a closed slot
        stays empty."""
        inputs = self.inputs
        for g, slot in enumerate(self.gathering_slot.tolist()):
            if inputs.gathering_open[g, t]:
                where = np.logical_and(self.negotiating, self.attend_all[g], out=self._mask2)
                self.place_venue(slot, int(inputs.gathering_venue[g]), where)
            else:
                self.probability[slot].fill(np.inf)

    def concede(self, i: int) -> None:
        """Eq. (8): after ``concede_after`` failed rounds principal ``i`` moves to the next
        venue of its list (and stays at the last); an agreement resets the count."""
        failed = self.unanswered[i]
        self._count_failed_round(failed)
        moves = np.greater_equal(failed, self.inputs.concede_after[i], out=self._mask)
        if moves.any():
            step = self.concession[i]
            step += moves
            np.minimum(step, len(self.inputs.counter_venues[i]) - 1, out=step)
            np.putmask(failed, moves, 0)

    def decide(self, i: int) -> None:
        """Eq. (2): every principal accepts each venue on the table with probability p_iv,
        independently; a venue is agreed when all accept.

        Only the joint event matters, so it is drawn once per slot, at the first
        principal's turn: agreed with probability prod_i p_iv = 1 / cost_v, the same law as
        one draw per principal, with n times fewer random numbers. The slots' costs were
        set when the venues were placed; an empty slot's is infinite (probability 0).
        :meth:`acceptance` gives each principal's own p_iv.
        """
        if i != 0:
            return
        live = self.costs.live_lanes()
        if live is None:
            probability = np.reciprocal(self.probability, out=self.probability)
            self._draw_acceptance(~probability.any(axis=1))
            np.less(self.draw, probability, out=self.agreed)
            return
        # Few live runs (JointCosts.live_lanes): elsewhere every cost is +inf, so the
        # probability is 0 and nothing is agreed; the arithmetic is done in the live ones.
        flat = (live + self.size * np.arange(len(self.slots))[:, None]).reshape(-1)  # (slot, run) in the live runs
        probabilities, agreed = self.probability.reshape(-1), self.agreed.reshape(-1)
        probability = np.reciprocal(probabilities[flat])
        self._draw_acceptance(~probability.reshape(len(self.slots), len(live)).any(axis=1))
        probabilities.fill(0.0)
        probabilities[flat] = probability
        agreed.fill(False)
        agreed[flat] = self.draw.reshape(-1)[flat] < probability

    def _draw_acceptance(self, hopeless: np.ndarray) -> None:
        """Phase 5's uniforms, one per slot and run in table order, into ``draw``; the slots
        ``hopeless`` marks (probability 0 in every run, so nothing can be agreed there
        whatever the number) are passed over without drawing (:mod:`sim.engine.streams`):
        every other number is the one drawing them all gives. A passed-over slot's numbers
        are left as they were; compared with a probability of 0 they agree nothing. An
        observed batch draws them all, so that what an observer reads is the real draw."""
        if self.observed:
            self.rng.random(out=self.draw)
            return
        marks = hopeless.tolist()
        start = 0
        while start < len(marks):
            end = start + 1
            while end < len(marks) and marks[end] == marks[start]:
                end += 1
            if marks[start]:
                pass_over(self.rng, (end - start, self.size))
            else:
                self.rng.random(out=self.draw[start:end])
            start = end

    def set_slot_cost(self, slot: int, cost: np.ndarray) -> None:
        """The slot's cost: ``cost`` (this round's joint costs, so +inf outside the live
        runs, :meth:`JointCosts.live_lanes`) where the slot holds a venue, infinite where
        empty."""
        target = self.probability[slot]
        live = self.costs.live_lanes()
        if live is None:
            target[:] = cost
            np.putmask(target, self.slots[slot] < 0, np.inf)
            return
        target.fill(np.inf)
        part = cost[live]
        np.putmask(part, self.slots[slot, live] < 0, np.inf)
        target[live] = part

    def slot_cost_from_venues(self, slot: int) -> None:
        """The slot's cost from its venues run by run: prod_i (1 + odds_i odds_i[venue])."""
        self.costs.of_venues(self.slots[slot], self.probability[slot])

    def acceptance(self, i: int) -> np.ndarray:
        """Principal ``i``'s p_iv for each slot this round, shape ``(slots, runs)``: for
        observers (the engine itself draws only the joint acceptance)."""
        groups = self.inputs.pressure_groups
        if groups is None:
            return 1.0 / (1.0 + self.venue_odds[i][self.slots] * self.odds[i])
        odds = self.group_odds[groups.venue_group[self.slots], i, self.lanes]  # eq. (3')
        return 1.0 / (1.0 + self.venue_odds[i][self.slots] * odds)

    def venue_acceptance(self, lane: int) -> np.ndarray:
        """Every principal's p_iv for every venue this round in run ``lane``, ``(N, V)``:
        for observers."""
        groups = self.inputs.pressure_groups
        if groups is None:
            odds = self.odds[:, lane, None]
        else:  # eq. (3'): each venue's pressure group
            odds = self.group_odds[groups.venue_group[:-1], :, lane].T
        return 1.0 / (1.0 + odds * self.venue_odds[:, :-1])

    # -- the table --------------------------------------------------------------------
    def scratch_best(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Scratch for a ranking strategy: an index, a float, a mask and an index per run
        (reused every round; free again once the strategy has placed its venues)."""
        return self._index, self._float2, self._mask, self._index2

    def open_costs(self, k: int) -> np.ndarray | None:
        """This round's costs of mediator ``k``'s open venues (see :class:`JointCosts`)."""
        return self.costs.open_block(k)

    @property
    def open_venues(self) -> list[np.ndarray]:
        """Per mediator: the positions in its list of the venues no principal red-lines."""
        return self.costs.open_venues

    def cost_row(self, v: int) -> np.ndarray:
        """This round's joint cost of venue ``v`` in every run."""
        return self.costs.row(v)

    def place_venue(self, slot: int, venue: int, where: np.ndarray) -> None:
        """Put ``venue`` in a table slot of the runs ``where``, unless already on the table."""
        if not self.mark_venue(slot, venue, where) or self.costs.blocked[venue]:
            self.probability[slot].fill(np.inf)  # empty everywhere, or a red-lined venue: never agreed
            return
        self.set_slot_cost(slot, self.costs.row(venue))

    def place_venues(self, slot: int, venue: np.ndarray, where: np.ndarray) -> None:
        """Put one venue per run in a table slot (runs ``where``), unless already on it."""
        if np.count_nonzero(where) < self.size // 8:  # few runs (a host that offers now and then): only theirs
            lanes = where.nonzero()[0]
            flat = venue[lanes] * self.size + lanes
            fresh = ~self._on_table_flat[flat]
            placed = lanes[fresh]
            self.slots[slot, placed] = venue[placed]
            self.offered[placed] += 1
            self._on_table_flat[flat[fresh]] = True
            return
        flat = np.multiply(venue, self.size, out=self._index2)
        flat += self.lanes  # flat index of (venue, run) in on_table: one per run, none twice
        on = self._on_table_flat[flat]
        placed = np.greater(where, on, out=self._mask)
        # The slot takes the venue where placed, by integer arithmetic: a masked store
        # (putmask, boolean indexing) costs two to three times as much when the runs mix.
        change = np.subtract(venue, self.slots[slot], out=self._slot_change)
        change *= placed
        self.slots[slot] += change
        self.offered += placed
        self._on_table_flat[flat] = np.logical_or(on, where, out=on)  # on | (where & ~on)

    def mark_venue(self, slot: int, venue: int, where: np.ndarray) -> bool:
        """Put ``venue`` in a table slot of the runs ``where``, unless already on the table,
        leaving the slot's cost as it is (the caller sets it); False if placed nowhere."""
        row = self.on_table[venue]
        placed = np.greater(where, row, out=self._mask)  # where & ~row
        if not placed.any():
            return False
        np.putmask(self.slots[slot], placed, venue)
        self.offered += placed
        row |= placed
        return True

    def place_at(self, slot: int, lanes: np.ndarray, venue: np.ndarray, cost: np.ndarray) -> None:
        """Put ``venue[j]`` in a table slot of run ``lanes[j]`` at cost ``cost[j]``, unless
        already on the table there; the slot's cost elsewhere is left as it is (the caller
        fills it with +inf first). Works on those runs only: for few of them."""
        flat = venue * self.size
        flat += lanes
        fresh = np.flatnonzero(~self._on_table_flat[flat])  # positions in lanes, taken once for all four
        chosen = lanes.take(fresh)
        self.slots[slot][chosen] = venue.take(fresh)
        self.offered[chosen] += 1
        self._on_table_flat[flat.take(fresh)] = True
        self.probability[slot][chosen] = cost.take(fresh)

    def prepare(self, t: int) -> None:
        """Eq. (4): a summit in preparation collapses with its risk, or is held."""
        preparing = np.equal(self.phase, PREPARING, out=self._mask)
        # One uniform per run whatever happened: every round then uses the same random
        # numbers, so scenarios that differ only in parameters stay on common random
        # numbers (paired comparisons and sweeps depend on it). With no summit in
        # preparation they are passed over, not drawn (sim.engine.streams).
        count = np.count_nonzero(preparing)
        if not count:
            pass_over(self.rng, self.size)
            return
        draw = self.rng.random(out=self._float)
        risk: float | np.ndarray = self.inputs.prep_collapse + self.inputs.scheduled_collapse[t]
        if count * 8 < self.size:  # few summits in preparation: the same rules in their runs only
            self._prepare_in(t, preparing.nonzero()[0], draw, risk)
            return
        if self.shocks.collapse_shocked:
            risk = np.clip(np.add(self.shocks.collapse, risk, out=self._float2), 0.0, 1.0, out=self._float2)
        else:
            risk = clamp_risk(risk)
        collapse = np.less(draw, risk, out=self._mask2)
        collapse &= preparing
        self.collapses += collapse
        if self._gated:
            np.putmask(self.last_collapse, collapse, t)
        np.putmask(self.phase, collapse, NEGOTIATING)
        np.putmask(self.venue, collapse, -1)
        stays = np.logical_xor(preparing, collapse, out=self._mask)  # preparing & ~collapse
        self.prep_left -= stays
        done = np.logical_and(stays, self.prep_left == 0, out=self._mask)
        np.putmask(self.phase, done, HELD)
        np.putmask(self.summit_round, done, t)

    def _prepare_in(self, t: int, lanes: np.ndarray, draw: np.ndarray, risk: float | np.ndarray) -> None:
        """:meth:`prepare` in the runs ``lanes`` (those preparing), with this round's uniforms
        ``draw`` and collapse risk ``risk`` before the shocks' effects (one per lane, or one
        for all)."""
        risk = in_lanes(risk, lanes)
        if self.shocks.collapse_shocked:
            risk = np.clip(self.shocks.collapse[lanes] + risk, 0.0, 1.0)
        else:
            risk = clamp_risk(risk)
        collapse = draw[lanes] < risk
        hit = lanes[collapse]
        self.collapses[hit] += 1
        if self._gated:
            self.last_collapse[hit] = t
        self.phase[hit] = NEGOTIATING
        self.venue[hit] = -1
        stays = lanes[~collapse]
        self.prep_left[stays] -= 1
        done = stays[self.prep_left[stays] == 0]
        self.phase[done] = HELD
        self.summit_round[done] = t

    def resolve(self, t: int) -> None:
        """A summit is agreed on the first slot (in table order) every principal accepted."""
        negotiating = np.equal(self.phase, NEGOTIATING, out=self.negotiating)
        np.logical_and(negotiating, self.offered > 0, out=self.negotiated)
        # Slots are filled only in negotiating runs and prepare() moves no run into
        # negotiation that had a slot, so every agreement is in a negotiating run.
        agreed = self.agreed
        np.logical_or.reduce(agreed, axis=0, out=self.agreed_now)
        lanes = self.agreed_now.nonzero()[0]
        # Every round, whatever happened (common random numbers): the joins' (9), the
        # relocation's (10) and the preparation lengths' (4a) uniforms, one per run. Only
        # the runs that agree read them, so with none they are passed over, not drawn.
        draws = ((self.rng, self._join_draw), (self.rng, self._unlisted_draw), (self._lengths, self._length_draw))
        for stream, draw in draws:
            if draw is not None and draw.size:
                if len(lanes):
                    stream.random(out=draw)
                else:
                    pass_over(stream, draw.shape)
        self.rejected += self.offered
        if len(lanes):
            won = np.take(agreed, lanes, axis=1)  # (slots, agreeing runs)
            self.rejected[lanes] -= won.sum(axis=0)
            slot = np.argmax(won, axis=0)
            venue = agreed_venue = self.slots[slot, lanes]
            if self._unlisted_draw is not None:  # eq. (10): moved to a venue not on the list
                moved = self._unlisted_draw[lanes] < in_lanes(self.inputs.unlisted_share, lanes)
                venue = np.where(moved, self.inputs.unlisted, venue)
            self.venue[lanes] = venue
            self.parties[lanes] = self._attendees(venue, lanes)
            length = self._preparation(t, agreed_venue, slot, lanes)
            now = length == 0
            self.phase[lanes] = np.where(now, HELD, PREPARING)
            self.summit_round[lanes] = np.where(now, t, 0)
            self.prep_left[lanes] = length
            self.negotiating[lanes] = False
        if self._counts_failures:  # eq. (6''): counted as for patience (5)
            failed = np.greater(self.negotiated, self.agreed_now, out=self._mask)
            self.failed_total += failed
            self._count_failed_round(self.failed_run)

    def _preparation(self, t: int, venue: np.ndarray, slot: np.ndarray, lanes: np.ndarray) -> np.ndarray:
        """Eq. (4a): the preparation of the summits agreed in round ``t`` in runs ``lanes``
        at ``venue`` from table slot ``slot``: a sideline meeting's is its gathering's
        (4c); before an announced date with the venue open, the rounds to that date (4b);
        else the venue's, a whole number uniform on its shortest..longest."""
        inputs = self.inputs
        shortest = inputs.prep_min[venue]
        if self._length_draw is None:
            length = shortest.copy()
        else:
            length = uniform_whole(shortest, inputs.prep_max[venue], self._length_draw[lanes])
        if inputs.date_set and t <= inputs.announced_round:
            length[:] = inputs.announced_round - t
        for g, gathering_slot in enumerate(self.gathering_slot.tolist()):
            np.putmask(length, slot == gathering_slot, int(inputs.gathering_prep[g]))
        return length

    def _attendees(self, venue: np.ndarray, lanes: np.ndarray) -> np.ndarray:
        """Eq. (9): the third parties at the summits agreed at ``venue`` in runs ``lanes``:
        the venue's own, and each engaged mediator that joins (with its chance pi_k)."""
        parties = self.inputs.venue_party[venue]
        row = 0
        for k, chance in self._joiners:
            joins = self.engaged[k, lanes]
            if chance < 1:
                joins = joins & (self._join_draw[row, lanes] < chance)
                row += 1
            parties = parties | (joins.astype(np.int64) << k)
        return parties

    def clear_table(self) -> None:
        self.costs.clear()  # the odds change next round
        self.on_table.fill(False)
        self.slots.view(np.int8).fill(-1)  # -1 in every byte is -1 in every int64, filled twice as fast
        self.offered.fill(0)

    def all_held(self) -> bool:
        """True when every run has held its summit (and, with a track, reached its deal):
        nothing a later round does can change the outcomes."""
        if self.inputs.track is not None and self.deal_round.min() == 0:
            return False
        return bool(self.phase.min() == HELD)  # HELD is the largest phase code

    def outcome(self) -> BatchOutcome:
        """The per-run records, with the reason each run without a summit ended."""
        held = self.phase == HELD
        reason = np.where(
            held,
            REASONS.index("held"),
            np.where(
                self.phase == PREPARING,
                REASONS.index("in_preparation"),
                np.where(self.collapses > 0, REASONS.index("collapsed"), REASONS.index("time_ran_out")),
            ),
        )
        if self.inputs.zone_empty:  # an announced summit's runs ended in preparation or collapsed
            started = held | (self.phase == PREPARING) | (self.collapses > 0)
            reason = np.where(started, reason, REASONS.index("no_acceptable_venue"))
        return BatchOutcome(
            held=held,
            venue=np.where(held, self.venue, -1),
            round=np.where(held, self.summit_round, 0),
            format=np.where(held, format_codes(self.parties), 0).astype(np.int8),
            parties=np.where(held, self.parties, 0),
            rejected=self.rejected,
            collapses=self.collapses,
            reason=reason.astype(np.int8),
            deal_round=self.deal_round.copy(),
        )
