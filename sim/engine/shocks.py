"""Eqs. (6), (6') and (6''): random shocks per run — when they start, how long they last, and the
readiness, pressure, collapse-risk and track-progress (11) effects they add while active (or for good).

The effects are summed into arrays the round's other rules read; a round in which no
shock is active, and none was the round before, costs one comparison. Which runs a
dated or triggered shock may start in (6'') is the run's state, so
:meth:`sim.engine.state.BatchState.update_shocks` works it out and passes it in.
"""

from __future__ import annotations

import numpy as np

from sim.engine.inputs import ModelInputs
from sim.engine.stacked import per_lane


class ShockState:
    """The shocks of a batch of ``size`` runs: shock-major arrays, one column per run."""

    def __init__(self, inputs: ModelInputs, size: int) -> None:
        n, m, s = len(inputs.principals), len(inputs.mediators), len(inputs.shock_hazard)
        self.left = np.zeros((s, size), dtype=np.int64)  # rounds each shock stays active
        self.readiness = np.zeros((n, size))  # summed effects of the active shocks
        self.pressure = np.zeros((m, size))
        self.collapse = np.zeros(size)
        self.progress = np.zeros(size)  # eq. (11): added to the track's progress
        self.lasting_readiness = np.zeros((n, size))  # eq. (6'): shocks' effects for good
        # Which principals and mediators any shock can move: the others skip the sums.
        self.pressure_shocked = inputs.shock_pressure.any(axis=0) if s else np.zeros(m, dtype=bool)
        self.readiness_shocked = inputs.shock_readiness.any(axis=0) if s else np.zeros(n, dtype=bool)
        self.readiness_lasting = inputs.shock_lasting.any(axis=0) if s else np.zeros(n, dtype=bool)
        self.collapse_shocked = bool(s and inputs.shock_collapse.any())
        progress = inputs.track.shock if inputs.track is not None else np.zeros(s)
        self.progress_shocked = bool(s and progress.any())
        self._readiness_rows = [int(i) for i in np.flatnonzero(self.readiness_shocked)]
        self._pressure_rows = [int(k) for k in np.flatnonzero(self.pressure_shocked)]
        self._targets = [
            (
                [(i, float(x)) for i, x in enumerate(inputs.shock_readiness[j]) if x],
                [(k, float(x)) for k, x in enumerate(inputs.shock_pressure[j]) if x],
                float(inputs.shock_collapse[j]),
                float(progress[j]),
            )
            for j in range(s)
        ]
        # Eq. (6'): (shock, principal, amount) for every non-zero lasting effect.
        self._lasting_targets = [(j, i, float(x)) for j in range(s) for i, x in enumerate(inputs.shock_lasting[j]) if x]
        self._hazard = inputs.shock_hazard if per_lane(inputs.shock_hazard, 1) else inputs.shock_hazard[:, None]
        self._rounds = inputs.shock_rounds[:, None]
        self._on = False  # some shock effect was non-zero last round
        self._draw = np.empty((s, size))
        self._start = np.empty((s, size), dtype=bool)
        self._active = np.empty((s, size), dtype=bool)
        self._effect = np.empty(size)

    def update(self, rng: np.random.Generator, allowed: np.ndarray | None = None) -> None:
        """Eq. (6): active shocks wear off; inactive ones start with their hazard, and,
        eq. (6''), only where ``allowed`` (shocks, runs) holds, if given. The uniforms are
        drawn for every shock every round, so a gate changes no other random number."""
        left = self.left
        left -= left > 0
        starts = np.less(rng.random(out=self._draw), self._hazard, out=self._start)
        starts &= left == 0
        if allowed is not None:
            starts &= allowed
        np.putmask(left, starts, self._rounds if left.shape[0] == 1 else
                   np.broadcast_to(self._rounds, left.shape))
        active = np.greater(left, 0, out=self._active)
        effect = self._effect
        for j, i, delta in self._lasting_targets:  # eq. (6'): added at each start
            self.lasting_readiness[i] += np.multiply(starts[j], delta, out=effect)
        running = np.flatnonzero(active.any(axis=1))
        if not len(running) and not self._on:
            return  # no shock active now or last round: every effect is already zero
        for i in self._readiness_rows:  # only the rows some shock moves are ever non-zero
            self.readiness[i].fill(0.0)
        for k in self._pressure_rows:
            self.pressure[k].fill(0.0)
        if self.collapse_shocked:
            self.collapse.fill(0.0)
        if self.progress_shocked:
            self.progress.fill(0.0)
        for j in running:
            readiness, pressure, collapse, progress = self._targets[j]
            lanes = active[j].nonzero()[0]
            if len(lanes) * 8 < len(effect):  # active in few runs: add its effects there only
                for i, delta in readiness:
                    self.readiness[i, lanes] += delta
                for k, delta in pressure:
                    self.pressure[k, lanes] += delta
                if collapse:
                    self.collapse[lanes] += collapse
                if progress:
                    self.progress[lanes] += progress
                continue
            for i, delta in readiness:
                self.readiness[i] += np.multiply(active[j], delta, out=effect)
            for k, delta in pressure:
                self.pressure[k] += np.multiply(active[j], delta, out=effect)
            if collapse:
                self.collapse += np.multiply(active[j], collapse, out=effect)
            if progress:
                self.progress += np.multiply(active[j], progress, out=effect)
        self._on = len(running) > 0
