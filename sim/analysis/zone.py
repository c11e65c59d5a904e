"""The structural zone of agreement: which venues could ever be agreed, before simulating.

A venue is in the zone when no principal has it as a red line; it is *reachable* when, in
addition, a mediator proposes it or a principal counter-proposes it. When no venue is
reachable the simulated probability is exactly zero, and the report says why instead of
only printing 0%.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.engine.inputs import ModelInputs, compile_inputs
from sim.scenario.schema import Scenario
from sim.engine.acceptance import acceptance_probability


@dataclass(frozen=True)
class VenueStanding:
    """One venue as the principals and proposers see it at the start."""

    venue: str
    name: str
    blocked_by: tuple[str, ...]  # principals with this venue as a red line
    proposed_by: tuple[str, ...]  # mediators listing it, principals that counter-propose it (8)
    first_round_acceptance: dict[str, float]  # p_iv in round 1 at baseline readiness

    @property
    def in_zone(self) -> bool:
        return not self.blocked_by

    @property
    def reachable(self) -> bool:
        return self.in_zone and bool(self.proposed_by)

    @property
    def first_round_joint(self) -> float:
        return float(np.prod(list(self.first_round_acceptance.values())))


@dataclass(frozen=True)
class Zone:
    """The zone of agreement of a scenario and the reason when it is empty."""

    standings: tuple[VenueStanding, ...]

    @property
    def reachable(self) -> tuple[str, ...]:
        return tuple(s.venue for s in self.standings if s.reachable)

    @property
    def empty(self) -> bool:
        return not self.reachable

    def explanation(self) -> str:
        """One sentence: the zone, or why there is none."""
        if not self.empty:
            blocked = [f"{s.venue} (red line of {', '.join(s.blocked_by)})" for s in self.standings if s.blocked_by]
            unproposed = [s.venue for s in self.standings if s.in_zone and not s.proposed_by]
            text = f"Venues every principal could accept and someone proposes: {', '.join(self.reachable)}."
            if blocked:
                text += f" Ruled out: {'; '.join(blocked)}."
            if unproposed:
                text += f" Acceptable but never proposed: {', '.join(unproposed)}."
            return text
        in_zone = [s for s in self.standings if s.in_zone]
        if not in_zone:
            reasons = "; ".join(f"{s.venue}: red line of {', '.join(s.blocked_by)}" for s in self.standings)
            return f"No venue is acceptable to every principal ({reasons}), so no summit can happen."
        names = ", ".join(s.venue for s in in_zone)
        return (
            f"Only {names} could be accepted by every principal, but no mediator proposes "
            "it and no principal counter-proposes it, so no summit can happen."
        )


def analyse_zone(scenario: Scenario, inputs: ModelInputs | None = None) -> Zone:
    """The zone of agreement of ``scenario`` (pass ``inputs`` if already compiled)."""
    inputs = inputs or compile_inputs(scenario)
    proposers: dict[int, list[str]] = {}
    for mid, mediator in zip(inputs.mediators, inputs.mediator):
        for v in mediator.proposes:
            proposers.setdefault(int(v), []).append(mid)
    for pid, venues in zip(inputs.principals, inputs.counter_venues):
        for v in venues:
            proposers.setdefault(int(v), []).append(pid)
    situation = first_round_situation(inputs)
    standings = []
    for v, vid in enumerate(inputs.venues):
        utility = inputs.utility[:, v]
        acceptance = acceptance_probability(situation + utility, inputs.sharpness)
        standings.append(
            VenueStanding(
                venue=vid,
                name=scenario.venues[vid].name,
                blocked_by=tuple(p for p, u in zip(inputs.principals, utility) if np.isneginf(u)),
                proposed_by=tuple(proposers.get(v, ())),
                first_round_acceptance={p: float(a) for p, a in zip(inputs.principals, acceptance)},
            )
        )
    return Zone(tuple(standings))


def first_round_situation(inputs: ModelInputs) -> np.ndarray:
    """c_i in round 1 at baseline readiness, with no shocks and every mediator engaged."""
    pressure = np.maximum(inputs.pressure[:, 1:2], 0.0)
    felt = (inputs.leverage * pressure).sum(axis=0) if len(inputs.mediators) else 0.0
    return inputs.readiness + inputs.drift[:, 1] + inputs.scheduled_readiness[:, 1] + inputs.sensitivity * felt
