"""The state of a batch of runs and the numpy operations the model's processes apply.

Every attribute is an array with one element (the last axis) per run, so each method is
a handful of vectorised operations whatever the batch size. Indices: principal ``i``,
mediator ``k``, venue ``v``, table slot ``s``, shock ``j``. Equation numbers refer to
``docs/model.md``.
"""

from __future__ import annotations

import numpy as np

from .inputs import ModelInputs
from .outcome import REASONS, BatchOutcome

NEGOTIATING, PREPARING, HELD = 0, 1, 2
NEVER = np.iinfo(np.int64).max // 2


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
    exponent = np.clip(-sharpness * np.asarray(score, dtype=float), -EXP_LIMIT, EXP_LIMIT)
    exponent = np.where(np.isneginf(score), np.inf, exponent)  # red line: odds infinite
    return np.exp(exponent)


class BatchState:
    """Arrays for ``size`` runs advanced in lockstep, and the moves that change them.

    Table arrays are laid out slot-major, ``(slots, runs)``, so that reductions over the
    few slots are element-wise operations over long rows.
    """

    def __init__(self, inputs: ModelInputs, size: int, rng: np.random.Generator) -> None:
        self.inputs = inputs
        self.size = size
        self.rng = rng
        n, m, v = len(inputs.principals), len(inputs.mediators), len(inputs.venues)
        # Eq. (1): a run's baseline readiness a_i + sd_i z, drawn once per run.
        self.readiness = inputs.readiness[:, None] + inputs.readiness_sd[:, None] * (
            rng.standard_normal((n, size)) if inputs.readiness_sd.any() else 0.0
        )
        self.shock_left = np.zeros((len(inputs.shock_hazard), size), dtype=np.int64)
        self.shock_readiness = np.zeros((n, size))
        self.shock_pressure = np.zeros((m, size))
        self.shock_collapse = np.zeros(size)
        self.engaged = np.ones((m, size), dtype=bool)
        self.failed = np.zeros((m, size), dtype=np.int64)
        self.pause_left = np.zeros((m, size), dtype=np.int64)
        self.pressure = np.zeros((m, size))
        self.situation = np.zeros((n, size))  # c_i: eq. (1) without the venue term
        self.odds = np.ones((n, size))  # exp(-b_i c_i)
        # exp(-b_i u_iv) per venue, with a last column for the empty slot (-1): never.
        self.venue_odds = np.concatenate(
            [odds_against(inputs.utility, inputs.sharpness[:, None]), np.full((n, 1), np.inf)], axis=1
        )
        # The table: mediators' slots first, then one counter-proposal slot per principal.
        widths = [md.per_round for md in inputs.mediator]
        self.slot_start = np.concatenate([[0], np.cumsum(widths)]).astype(int)
        slots = int(self.slot_start[-1]) + n
        self.slots = np.full((slots, size), -1, dtype=np.int64)
        self.offered = np.zeros(size, dtype=np.int64)  # venues on the table this round
        self.lane_base = np.arange(size) * (v + 1)  # flat index of (run, venue) in on_table
        self.on_table = np.zeros(size * (v + 1), dtype=bool)
        self.probability = np.zeros((n, slots, size))
        self.draw = np.zeros((n, slots, size))
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
        self.attending = np.array([md.attends for md in inputs.mediator], dtype=bool)

    # -- events -----------------------------------------------------------------------
    def update_shocks(self) -> None:
        """Eq. (6): active shocks wear off; inactive ones start with their hazard."""
        inputs = self.inputs
        np.subtract(self.shock_left, 1, out=self.shock_left, where=self.shock_left > 0)
        starts = self.rng.random(self.shock_left.shape) < inputs.shock_hazard[:, None]
        starts &= self.shock_left == 0
        self.shock_left[starts] = np.broadcast_to(inputs.shock_rounds[:, None], starts.shape)[starts]
        active = self.shock_left > 0
        self.shock_readiness = np.zeros_like(self.shock_readiness)
        self.shock_pressure = np.zeros_like(self.shock_pressure)
        self.shock_collapse = np.zeros_like(self.shock_collapse)
        for j in np.flatnonzero(active.any(axis=1)):
            self.shock_readiness += inputs.shock_readiness[j][:, None] * active[j]
            self.shock_pressure += inputs.shock_pressure[j][:, None] * active[j]
            self.shock_collapse += inputs.shock_collapse[j] * active[j]

    # -- mediators --------------------------------------------------------------------
    def engage(self, k: int) -> None:
        """A paused mediator comes back when its pause is over."""
        paused = self.pause_left[k] > 0
        if paused.any():
            self.pause_left[k, paused] -= 1
            back = paused & (self.pause_left[k] == 0)
            self.engaged[k, back] = True
            self.failed[k, back] = 0

    def set_pressure(self, k: int, t: int) -> None:
        """Eq. (3): P_k = max(0, scheduled P_k(t) + shock effects) while engaged."""
        np.maximum(self.inputs.pressure[k, t] + self.shock_pressure[k], 0.0, out=self.pressure[k])
        self.pressure[k] *= self.engaged[k]

    def propose(self, k: int, t: int) -> None:
        """Mediator ``k`` fills its slots by its strategy (engaged, negotiating runs only)."""
        spec = self.inputs.mediator[k]
        if spec.per_round == 0:
            return
        width, listed = spec.per_round, spec.proposes
        if spec.strategy == "ordered":
            chosen = np.broadcast_to(listed[:width, None], (width, self.size))
        elif spec.strategy == "rotate":
            picks = ((t - 1) * width + np.arange(width)) % len(listed)
            chosen = np.broadcast_to(listed[picks, None], (width, self.size))
        elif spec.strategy == "random":
            if width == 1:
                chosen = listed[self.rng.integers(len(listed), size=(1, self.size))]
            else:
                order = np.argsort(self.rng.random((len(listed), self.size)), axis=0)
                chosen = listed[order[:width]]
        else:
            chosen = listed[self._most_acceptable(listed, width)]
        active = self.engaged[k] & (self.phase == NEGOTIATING)
        for offset in range(width):
            self._place(self.slot_start[k] + offset, np.where(active, chosen[offset], -1))

    def _most_acceptable(self, listed: np.ndarray, width: int) -> np.ndarray:
        """Indices into ``listed`` of the ``width`` venues with the highest joint acceptance.

        Eq. (7): maximising prod_i p_iv is minimising prod_i (1 + odds_i odds_iv).
        """
        cost = np.ones((len(listed), self.size))
        for i in range(len(self.inputs.principals)):
            with np.errstate(over="ignore"):
                cost *= 1.0 + self.venue_odds[i, listed][:, None] * self.odds[i][None, :]
        if width == 1:
            return np.argmin(cost, axis=0)[None, :]
        return np.argsort(cost, axis=0, kind="stable")[:width]

    def count_failure(self, k: int) -> None:
        """Eq. (5): a negotiating round without agreement tries the mediator's patience."""
        spec = self.inputs.mediator[k]
        if spec.patience == 0:
            return
        failed = self.engaged[k] & self.negotiated & ~self.agreed_now
        self.failed[k] = np.where(self.agreed_now, 0, self.failed[k] + failed)
        quits = self.engaged[k] & (self.failed[k] >= spec.patience)
        self.engaged[k, quits] = False
        self.pause_left[k, quits] = spec.pause if spec.pause else NEVER

    # -- principals -------------------------------------------------------------------
    def assess(self, i: int, t: int) -> None:
        """Eq. (1) without the venue term: c_i = readiness + drift + events + pressure felt."""
        inputs = self.inputs
        situation = self.situation[i]
        np.add(self.readiness[i], inputs.drift[i, t] + inputs.scheduled_readiness[i, t], out=situation)
        situation += self.shock_readiness[i]
        for k in range(len(inputs.mediators)):
            if inputs.leverage[k, i]:
                situation += (inputs.sensitivity[i] * inputs.leverage[k, i]) * self.pressure[k]
        self.odds[i] = odds_against(situation, inputs.sharpness[i])

    def counter_propose(self, i: int) -> None:
        """Principal ``i`` puts its favourite acceptable venue on the table."""
        favourite = self.inputs.favourite[i]
        if favourite >= 0:
            column = self.slot_start[-1] + i
            self._place(column, np.where(self.phase == NEGOTIATING, favourite, -1))

    def decide(self, i: int) -> None:
        """Eq. (2): accept each venue on the table with probability p_iv, independently."""
        probability = self.probability[i]
        np.multiply(self.venue_odds[i][self.slots], self.odds[i], out=probability)
        probability += 1.0
        np.reciprocal(probability, out=probability)
        self.draw[i] = self.rng.random(self.slots.shape)
        accept = self.draw[i] < probability
        if i == 0:
            self.agreed = accept
        else:
            self.agreed &= accept

    # -- the table --------------------------------------------------------------------
    def _place(self, slot: int, venue: np.ndarray) -> None:
        """Put a venue per run in a table slot, leaving it empty if already on the table."""
        flat = self.lane_base + venue  # venue -1 lands on the previous run's sink column
        venue = np.where(self.on_table[flat], -1, venue)
        self.slots[slot] = venue
        offered = venue >= 0
        self.offered += offered
        self.on_table[self.lane_base + venue] = offered

    def prepare(self, t: int) -> None:
        """Eq. (4): a summit in preparation collapses with its risk, or is held."""
        preparing = self.phase == PREPARING
        if not preparing.any():
            return
        risk = np.clip(
            self.inputs.prep_collapse + self.inputs.scheduled_collapse[t] + self.shock_collapse, 0.0, 1.0
        )
        collapse = preparing & (self.rng.random(self.size) < risk)
        self.collapses += collapse
        self.phase[collapse] = NEGOTIATING
        self.venue[collapse] = -1
        self.prep_left -= preparing & ~collapse
        done = preparing & ~collapse & (self.prep_left == 0)
        self.phase[done] = HELD
        self.summit_round[done] = t

    def resolve(self, t: int) -> None:
        """A summit is agreed on the first slot (in table order) every principal accepted."""
        negotiating = self.phase == NEGOTIATING
        self.negotiated = negotiating & (self.offered > 0)
        agreed = self.agreed & negotiating
        self.agreed_now = agreed.any(axis=0)
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

    def clear_table(self) -> None:
        self.on_table[(self.lane_base + self.slots).ravel()] = False
        self.slots.fill(-1)
        self.offered.fill(0)

    def all_held(self) -> bool:
        return bool((self.phase == HELD).all())

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
