"""The state of a batch of runs and the numpy operations the model's processes apply.

Every attribute is an array with one element (the last axis) per run, so each method is
a handful of vectorised operations whatever the batch size. Indices: principal ``i``,
mediator ``k``, venue ``v``, table slot ``s``, shock ``j``. Equation numbers refer to
``docs/model.md``.

Performance notes (``docs/performance.md``): every array, including scratch space, is
allocated once per batch and the round's operations write into it (``out=``); masked
stores use ``np.putmask`` (masked ufuncs, ``where=``, are several times slower in numpy);
work that no lane needs in a round (no shock active, no summit in preparation, no paused
mediator) is skipped. The random draws are exactly those of the straightforward
implementation, in the same order, so results do not depend on these optimisations.
"""

from __future__ import annotations

import numpy as np

from sim.engine.inputs import ModelInputs
from sim.engine.outcome import REASONS, BatchOutcome

NEGOTIATING, PREPARING, HELD = 0, 1, 2
NEVER = np.iinfo(np.int64).max // 2


CACHE_FLOATS = 1 << 16  # float64s per row chunk that stay in a core's cache (512 KB)
EXP_LIMIT = 700.0  # exp(+-700) is finite and non-zero in float64


def acceptance_probability(score: np.ndarray, sharpness: float | np.ndarray) -> np.ndarray:
    """Eq. (2): p = 1 / (1 + exp(-sharpness * score)); exactly 0 where score is -inf."""
    return 1.0 / (1.0 + odds_against(score, sharpness))


def odds_against(score: np.ndarray, sharpness: float | np.ndarray) -> np.ndarray:
    """exp(-sharpness * score), the odds against acceptance, kept finite for finite scores.

    Eq. (2) factorises: exp(-b (c + u)) = exp(-b c) exp(-b u), so the engine exponentiates
    once per run (the situation c) and once per venue (the utility u), never per run and
    venue. Clipping at +-700 changes no probability representable in float64.
    """
    with np.errstate(over="ignore"):  # +-inf from the largest floats is clipped next
        exponent = np.clip(-sharpness * np.asarray(score, dtype=float), -EXP_LIMIT, EXP_LIMIT)
    exponent = np.where(np.isneginf(score), np.inf, exponent)  # red line: odds infinite
    return np.exp(exponent)


def spread_uniformly(centre: int, spread: int, uniform: np.ndarray) -> int | np.ndarray:
    """``centre`` plus a whole number uniform on ``-spread … spread``, one per uniform in
    [0, 1); ``centre`` itself when there is no spread."""
    if not spread:
        return centre
    offset = np.minimum((uniform * (2 * spread + 1)).astype(np.int64), 2 * spread)
    return centre - spread + offset


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
    ) -> None:
        """``rng`` is the batch's stream; ``attention`` the stream of the mediators'
        per-run patience and pause, needed only when some mediator has a spread."""
        self.inputs = inputs
        self.size = size
        self.rng = rng
        n, m, v = len(inputs.principals), len(inputs.mediators), len(inputs.venues)
        s = len(inputs.shock_hazard)
        # Eq. (1): a run's baseline readiness a_i + sd_i z, drawn once per run. Drawn
        # even when every sd is 0, so that a sweep over readiness_sd keeps common
        # random numbers with the point sd = 0.
        self.readiness = inputs.readiness[:, None] + inputs.readiness_sd[:, None] * rng.standard_normal((n, size))
        self.shock_left = np.zeros((s, size), dtype=np.int64)
        self.shock_readiness = np.zeros((n, size))
        self.shock_pressure = np.zeros((m, size))
        self.shock_collapse = np.zeros(size)
        self.lasting_readiness = np.zeros((n, size))  # eq. (6'): shocks' effects for good
        self.engaged = np.ones((m, size), dtype=bool)
        self.failed = np.zeros((m, size), dtype=np.int64)
        self.pause_left = np.zeros((m, size), dtype=np.int64)
        self.patience, self.pause_length = self._attention_spans(attention)
        self.pressure = np.zeros((m, size))
        self.situation = np.zeros((n, size))  # c_i: eq. (1) without the venue term
        self.odds = np.ones((n, size))  # exp(-b_i c_i)
        # exp(-b_i u_iv) per venue, with a last column for the empty slot (-1): never.
        self.venue_odds = np.concatenate(
            [odds_against(inputs.utility, inputs.sharpness[:, None]), np.full((n, 1), np.inf)], axis=1
        )
        # The table: mediators' slots first, then one counter-proposal slot per principal
        # that has a favourite (a principal without one never fills a slot).
        widths = [md.per_round for md in inputs.mediator]
        self.slot_start = np.concatenate([[0], np.cumsum(widths)]).astype(int)
        proposers = np.flatnonzero(inputs.favourite >= 0)
        self.counter_slot = np.full(n, -1, dtype=int)
        self.counter_slot[proposers] = int(self.slot_start[-1]) + np.arange(len(proposers))
        slots = int(self.slot_start[-1]) + len(proposers)
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
        self.phase = np.full(size, NEGOTIATING, dtype=np.int8)
        self.negotiated = np.zeros(size, dtype=bool)  # had a venue on the table this round
        self.agreed_now = np.zeros(size, dtype=bool)
        self.prep_left = np.zeros(size, dtype=np.int64)
        self.venue = np.full(size, -1, dtype=np.int64)
        self.summit_round = np.zeros(size, dtype=np.int64)
        self.with_mediator = np.zeros(size, dtype=bool)
        self.rejected = np.zeros(size, dtype=np.int64)
        self.collapses = np.zeros(size, dtype=np.int64)
        # Eq. (8): where each principal is in its list of counter-proposals, and its
        # failed rounds since it last conceded.
        self.concession = np.zeros((n, size), dtype=np.int64)
        self.unanswered = np.zeros((n, size), dtype=np.int64)
        self.attending = np.array([md.attends for md in inputs.mediator], dtype=bool)

        # What never changes within a batch, and scratch space reused every round.
        self._negotiating = np.ones(size, dtype=bool)  # phase == NEGOTIATING, phases 0-5
        self._shocks_on = False  # some shock effect was non-zero last round
        self._shock_targets = [
            (
                [(i, float(x)) for i, x in enumerate(inputs.shock_readiness[j]) if x],
                [(k, float(x)) for k, x in enumerate(inputs.shock_pressure[j]) if x],
                float(inputs.shock_collapse[j]),
            )
            for j in range(s)
        ]
        self._shock_hazard = inputs.shock_hazard[:, None]
        self._shock_rounds = inputs.shock_rounds[:, None]
        self._shock_draw = np.empty((s, size))
        self._shock_start = np.empty((s, size), dtype=bool)
        self._shock_active = np.empty((s, size), dtype=bool)
        self._pressure_shocked = inputs.shock_pressure.any(axis=0) if s else np.zeros(m, dtype=bool)
        self._readiness_shocked = inputs.shock_readiness.any(axis=0) if s else np.zeros(n, dtype=bool)
        # Eq. (6'): (shock, principal, amount) for every non-zero lasting effect.
        self._lasting_targets = [(j, i, float(x)) for j in range(s) for i, x in enumerate(inputs.shock_lasting[j]) if x]
        self._readiness_lasting = inputs.shock_lasting.any(axis=0) if s else np.zeros(n, dtype=bool)
        self._collapse_shocked = bool(s and inputs.shock_collapse.any())
        self._pressure_terms = [
            [(k, float(inputs.sensitivity[i] * inputs.leverage[k, i])) for k in range(m) if inputs.leverage[k, i]]
            for i in range(n)
        ]
        # Joint costs (eq. 7): cost_v = prod_i (1 + odds_i odds_iv) = 1 / prod_i p_iv. Each
        # venue's row is computed at most once per round, and only for venues that need it.
        self._blocked = ~np.isfinite(self.venue_odds[:, :v]).all(axis=0)  # some red line
        self._cost = np.empty((v, size))
        self._cost_rows: dict[int, np.ndarray] = {}  # this round's rows, by venue
        self._factor = np.empty(size)
        # Per "best" mediator: its listed venues that no principal red-lines, their
        # principals' odds (N, L), and a block for their costs (L, runs).
        self._open = [np.flatnonzero(~self._blocked[md.proposes]) for md in inputs.mediator]
        self._open_odds = [self.venue_odds[:, md.proposes[o]] for md, o in zip(inputs.mediator, self._open)]
        self._blocks = [
            np.empty((len(o), size)) if md.strategy == "best" and md.per_round and len(o) else None
            for md, o in zip(inputs.mediator, self._open)
        ]
        self._block_rows = max(1, CACHE_FLOATS // size)  # venues per chunk of eq. (7)'s costs
        self._block_factor = np.empty((min(self._block_rows, max([len(o) for o in self._open], default=0)), size))
        self._float = np.empty(size)
        self._float2 = np.empty(size)
        self._mask = np.empty(size, dtype=bool)
        self._mask2 = np.empty(size, dtype=bool)
        self._mask3 = np.empty(size, dtype=bool)
        self._index = np.empty(size, dtype=np.int64)
        self._index2 = np.empty(size, dtype=np.int64)

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
    def update_shocks(self) -> None:
        """Eq. (6): active shocks wear off; inactive ones start with their hazard."""
        left = self.shock_left
        left -= left > 0
        starts = np.less(self.rng.random(out=self._shock_draw), self._shock_hazard, out=self._shock_start)
        starts &= left == 0
        np.putmask(left, starts, self._shock_rounds if left.shape[0] == 1 else
                   np.broadcast_to(self._shock_rounds, left.shape))
        active = np.greater(left, 0, out=self._shock_active)
        effect = self._float
        for j, i, delta in self._lasting_targets:  # eq. (6'): added at each start
            self.lasting_readiness[i] += np.multiply(starts[j], delta, out=effect)
        running = np.flatnonzero(active.any(axis=1))
        if not len(running) and not self._shocks_on:
            return  # no shock active now or last round: every effect is already zero
        self.shock_readiness.fill(0.0)
        self.shock_pressure.fill(0.0)
        self.shock_collapse.fill(0.0)
        for j in running:
            readiness, pressure, collapse = self._shock_targets[j]
            for i, delta in readiness:
                self.shock_readiness[i] += np.multiply(active[j], delta, out=effect)
            for k, delta in pressure:
                self.shock_pressure[k] += np.multiply(active[j], delta, out=effect)
            if collapse:
                self.shock_collapse += np.multiply(active[j], collapse, out=effect)
        self._shocks_on = len(running) > 0

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
        if self._pressure_shocked[k]:
            np.add(self.shock_pressure[k], self.inputs.pressure[k, t], out=pressure)
            np.maximum(pressure, 0.0, out=pressure)
            pressure *= self.engaged[k]
        else:  # no shock moves it: the scheduled pressure, which is never negative
            np.multiply(self.engaged[k], max(float(self.inputs.pressure[k, t]), 0.0), out=pressure)

    def propose(self, k: int, t: int) -> None:
        """Mediator ``k`` fills its slots by its strategy (engaged, negotiating runs only)."""
        spec = self.inputs.mediator[k]
        if spec.per_round == 0:
            return
        width, listed = spec.per_round, spec.proposes
        first = int(self.slot_start[k])
        active = np.logical_and(self.engaged[k], self._negotiating, out=self._mask3)
        if spec.strategy in ("ordered", "rotate"):  # the same venues in every run
            if spec.strategy == "ordered":
                picks = range(width)
            else:
                picks = ((t - 1) * width + np.arange(width)) % len(listed)
            for offset, pick in enumerate(picks):
                self._place_venue(first + offset, int(listed[pick]), active)
            return
        if spec.strategy == "random":
            if width == 1:
                chosen = listed[self.rng.integers(len(listed), size=(1, self.size))]
            else:
                order = np.argsort(self.rng.random((len(listed), self.size)), axis=0)
                chosen = listed[order[:width]]
            for offset in range(width):
                slot = first + offset
                self._place_venues(slot, chosen[offset], active)
                self._slot_cost(slot)
            return
        if spec.strategy == "proportional":
            for offset, (venue, cost) in enumerate(self._drawn_by_acceptance(listed, width)):
                self._place_venues(first + offset, venue, active)
                self._set_slot_cost(first + offset, cost)
            return
        index, costs = self._most_acceptable(k, width)
        for offset in range(width):
            slot = first + offset
            self._place_venues(slot, listed[index[offset]], active)
            self._set_slot_cost(slot, costs[offset])

    def _most_acceptable(self, k: int, width: int) -> tuple[np.ndarray, np.ndarray]:
        """The ``width`` venues of mediator ``k``'s list with the highest joint acceptance:
        their indices in the list and their costs, each shaped ``(width, runs)``.

        Eq. (7): maximising prod_i p_iv is minimising cost_v = prod_i (1 + odds_i odds_iv).
        Ties go to the venue listed first. A venue some principal red-lines has infinite
        cost, so it is chosen only where every listed venue's cost is infinite, and then,
        as in any tie, the first listed.
        """
        listed = self.inputs.mediator[k].proposes
        open_ = self._open[k]
        if not len(open_):  # every listed venue is red-lined: all tie, the first listed win
            return (np.broadcast_to(np.arange(width)[:, None], (width, self.size)),
                    np.broadcast_to(np.inf, (width, self.size)))
        block = self._blocks[k]
        if block is not None:
            listed_odds = self._open_odds[k]
            # A few venues at a time, so that the rows being multiplied stay in the CPU's
            # cache across principals (twice as fast for 40 venues; the same arithmetic).
            step = self._block_rows
            with np.errstate(over="ignore"):
                for start in range(0, len(open_), step):
                    part = block[start:start + step]
                    factor = self._block_factor[: len(part)]
                    np.multiply(listed_odds[0][start:start + step, None], self.odds[0], out=part)
                    part += 1.0
                    for i in range(1, len(listed_odds)):
                        np.multiply(listed_odds[i][start:start + step, None], self.odds[i], out=factor)
                        factor += 1.0
                        part *= factor
            for row, j in enumerate(open_):
                self._cost_rows.setdefault(int(listed[j]), block[row])
        if width > 1 or block is None:
            cost = np.full((len(listed), self.size), np.inf)
            if block is not None:
                cost[open_] = block
            order = np.argsort(cost, axis=0, kind="stable")[:width]
            return order, np.take_along_axis(cost, order, axis=0)
        # argmin over the block's rows, one element-wise pass per venue (numpy's argmin
        # along the first axis is many times slower). Costs are >= 1 or +inf, never NaN.
        # A later venue replaces the best only if strictly cheaper, and its index is
        # larger than any before it, so max() records it.
        best, lowest = self._index, self._float2
        best.fill(open_[0])
        lowest[:] = block[0]
        better, index = self._mask, self._index2
        for row in range(1, len(open_)):
            np.less(block[row], lowest, out=better)
            np.multiply(better, open_[row], out=index)
            np.maximum(best, index, out=best)
            np.minimum(lowest, block[row], out=lowest)
        if open_[0] != 0:  # where even the open venues cost +inf, the first listed ties
            np.putmask(best, lowest == np.inf, 0)
        return best[None, :], lowest[None, :]

    def _drawn_by_acceptance(self, listed: np.ndarray, width: int) -> list[tuple[np.ndarray, np.ndarray]]:
        """Eq. (7'): ``width`` distinct venues of the list, each drawn with probability
        proportional to its joint acceptance prod_i p_iv now (1 / cost), one uniform per run
        and pick; where no listed venue can be accepted at all, the first listed.
        Returns each pick's venue and cost per run."""
        costs = np.stack([self._cost_row(int(v)) for v in listed])  # (listed, runs)
        with np.errstate(divide="ignore"):
            weights = 1.0 / costs  # 0 where a red line makes the cost infinite
        picks = []
        for _ in range(width):
            cumulative = np.cumsum(weights, axis=0)
            total = cumulative[-1]
            target = self.rng.random(self.size) * total
            index = np.minimum((cumulative <= target).sum(axis=0), len(listed) - 1)
            index[total == 0] = 0
            lanes = np.arange(self.size)
            picks.append((listed[index], costs[index, lanes]))
            weights[index, lanes] = 0.0  # without replacement
        return picks

    def _cost_row(self, v: int) -> np.ndarray:
        """This round's joint cost of venue ``v`` in every run (computed once per round)."""
        row = self._cost_rows.get(v)
        if row is not None:
            return row
        row = self._cost[v]
        if self._blocked[v]:
            row.fill(np.inf)
        else:
            factor = self._factor
            venue_odds = self.venue_odds
            with np.errstate(over="ignore"):
                np.multiply(self.odds[0], venue_odds[0, v], out=row)
                row += 1.0
                for i in range(1, len(venue_odds)):
                    np.multiply(self.odds[i], venue_odds[i, v], out=factor)
                    factor += 1.0
                    row *= factor
        self._cost_rows[v] = row
        return row

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
        """Eq. (1) without the venue term: c_i = readiness + drift + events + pressure felt."""
        inputs = self.inputs
        situation = self.situation[i]
        np.add(self.readiness[i], inputs.drift[i, t] + inputs.scheduled_readiness[i, t], out=situation)
        if self._readiness_shocked[i]:
            situation += self.shock_readiness[i]
        if self._readiness_lasting[i]:
            situation += self.lasting_readiness[i]
        felt = self._float
        for k, weight in self._pressure_terms[i]:
            situation += np.multiply(self.pressure[k], weight, out=felt)
        # odds_against(situation, b_i): the situation is finite (every input is), so the
        # red-line case of odds_against cannot arise here.
        exponent = np.multiply(situation, -inputs.sharpness[i], out=felt)
        np.clip(exponent, -EXP_LIMIT, EXP_LIMIT, out=exponent)
        np.exp(exponent, out=self.odds[i])

    def counter_propose(self, i: int) -> None:
        """Principal ``i`` puts its favourite acceptable venue on the table, or, once it
        has conceded (eq. 8), the venue it has come down to in each run."""
        venues = self.inputs.counter_venues[i]
        if not len(venues):
            return
        slot = int(self.counter_slot[i])
        if len(venues) == 1 or not self.concession[i].any():
            self._place_venue(slot, int(venues[0]), self._negotiating)
            return
        self._place_venues(slot, venues[self.concession[i]], self._negotiating)
        self._slot_cost(slot)

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
        probability = np.reciprocal(self.probability, out=self.probability)
        np.less(self.rng.random(out=self.draw), probability, out=self.agreed)

    def _set_slot_cost(self, slot: int, cost: np.ndarray) -> None:
        """The slot's cost: ``cost`` where the slot holds a venue, infinite where empty."""
        target = self.probability[slot]
        target[:] = cost
        np.putmask(target, self.slots[slot] < 0, np.inf)

    def _slot_cost(self, slot: int) -> None:
        """The slot's cost from its venues run by run: prod_i (1 + odds_i odds_i[venue])."""
        venues, out, factor = self.slots[slot], self.probability[slot], self._factor
        with np.errstate(over="ignore"):
            for i in range(len(self.venue_odds)):
                target = out if i == 0 else factor
                np.take(self.venue_odds[i], venues, out=target)  # -1, empty: +inf
                target *= self.odds[i]
                target += 1.0
                if i:
                    out *= factor

    def acceptance(self, i: int) -> np.ndarray:
        """Principal ``i``'s p_iv for each slot this round, shape ``(slots, runs)``: for
        observers (the engine itself draws only the joint acceptance)."""
        return 1.0 / (1.0 + self.venue_odds[i][self.slots] * self.odds[i])

    # -- the table --------------------------------------------------------------------
    def _place_venue(self, slot: int, venue: int, where: np.ndarray) -> None:
        """Put ``venue`` in a table slot of the runs ``where``, unless already on the table."""
        row = self.on_table[venue]
        placed = np.greater(where, row, out=self._mask)  # where & ~row
        if not placed.any():
            self.probability[slot].fill(np.inf)  # empty everywhere
            return
        np.putmask(self.slots[slot], placed, venue)
        self.offered += placed
        row |= placed
        self._set_slot_cost(slot, self._cost_row(venue))

    def _place_venues(self, slot: int, venue: np.ndarray, where: np.ndarray) -> None:
        """Put one venue per run in a table slot (runs ``where``), unless already on it."""
        flat = np.multiply(venue, self.size, out=self._index2)
        flat += self.lanes  # flat index of (venue, run) in on_table
        placed = np.greater(where, self._on_table_flat[flat], out=self._mask)
        np.putmask(self.slots[slot], placed, venue)
        self.offered += placed
        self._on_table_flat[flat[placed]] = True

    def prepare(self, t: int) -> None:
        """Eq. (4): a summit in preparation collapses with its risk, or is held."""
        preparing = np.equal(self.phase, PREPARING, out=self._mask)
        # Draw even when no run is preparing: every round then uses the same number of
        # random numbers whatever happened, so scenarios that differ only in parameters
        # stay on common random numbers (paired comparisons and sweeps depend on it).
        draw = self.rng.random(out=self._float)
        if not preparing.any():
            return
        risk: float | np.ndarray = self.inputs.prep_collapse + self.inputs.scheduled_collapse[t]
        if self._collapse_shocked:
            risk = np.clip(np.add(self.shock_collapse, risk, out=self._float2), 0.0, 1.0, out=self._float2)
        else:
            risk = min(max(float(risk), 0.0), 1.0)
        collapse = np.less(draw, risk, out=self._mask2)
        collapse &= preparing
        self.collapses += collapse
        np.putmask(self.phase, collapse, NEGOTIATING)
        np.putmask(self.venue, collapse, -1)
        stays = np.logical_xor(preparing, collapse, out=self._mask)  # preparing & ~collapse
        self.prep_left -= stays
        done = np.logical_and(stays, self.prep_left == 0, out=self._mask)
        np.putmask(self.phase, done, HELD)
        np.putmask(self.summit_round, done, t)

    def resolve(self, t: int) -> None:
        """A summit is agreed on the first slot (in table order) every principal accepted."""
        negotiating = np.equal(self.phase, NEGOTIATING, out=self._negotiating)
        np.logical_and(negotiating, self.offered > 0, out=self.negotiated)
        # Slots are filled only in negotiating runs and prepare() moves no run into
        # negotiation that had a slot, so every agreement is in a negotiating run.
        agreed = self.agreed
        np.logical_or.reduce(agreed, axis=0, out=self.agreed_now)
        lanes = np.flatnonzero(self.agreed_now)
        self.rejected += self.offered
        if len(lanes):
            self.rejected[lanes] -= agreed[:, lanes].sum(axis=0)
            venue = self.slots[np.argmax(agreed[:, lanes], axis=0), lanes]
            self.venue[lanes] = venue
            attending = (self.engaged[:, lanes] & self.attending[:, None]).any(axis=0)
            self.with_mediator[lanes] = attending | self.inputs.third_party[venue]
            if self.inputs.prep_rounds == 0:
                self.phase[lanes] = HELD
                self.summit_round[lanes] = t
            else:
                self.phase[lanes] = PREPARING
                self.prep_left[lanes] = self.inputs.prep_rounds
            self._negotiating[lanes] = False

    def clear_table(self) -> None:
        self._cost_rows.clear()  # the odds change next round
        self.on_table.fill(False)
        self.slots.fill(-1)
        self.offered.fill(0)

    def all_held(self) -> bool:
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
        if self.inputs.zone_empty:
            reason = np.where(held, reason, REASONS.index("no_acceptable_venue"))
        return BatchOutcome(
            held=held,
            venue=np.where(held, self.venue, -1),
            round=np.where(held, self.summit_round, 0),
            format=np.where(held, np.where(self.with_mediator, 2, 1), 0).astype(np.int8),
            rejected=self.rejected,
            collapses=self.collapses,
            reason=reason.astype(np.int8),
        )
