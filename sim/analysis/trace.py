"""One run's story, round by round: why this run ended the way it did.

Run ``k`` is lane ``k % BATCH_SIZE`` of batch ``k // BATCH_SIZE``; the trace simulates
that whole batch with the same stream as ``sim run`` and records the lane through the
model's observer hook, so the story is exactly the run that ``sim run --runs-csv`` lists.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sim.errors import UsageError
from sim.engine.inputs import compile_inputs, event_rounds
from sim.engine.model import simulate_batch
from sim.engine.outcome import REASON_TEXT, REASONS, format_names
from sim.engine.strategies import FIRST_PICK
from sim.execution.runner import BATCH_SIZE, batch_seed
from sim.scenario.schema import MAX_RUNS, Scenario
from sim.engine.state import HELD, NEGOTIATING, PREPARING, BatchState


@dataclass
class Offer:
    """A venue on the table in one round and each principal's answer."""

    venue: str
    proposed_by: str
    acceptance: dict[str, float]
    draw: dict[str, float]
    accepted: dict[str, bool]

    @property
    def agreed(self) -> bool:
        return all(self.accepted.values())


@dataclass
class RoundRecord:
    """What happened to the run in one round."""

    round: int
    date: str
    pressure: dict[str, float]
    engaged: dict[str, bool]
    shocks: list[str]
    situation: dict[str, float]
    table: list[Offer]
    status: str
    # Per engaged mediator that draws its proposals (random, proportional, logit): each
    # listed venue's chance of being its first proposal this round, in this run (eq. 7).
    proposals: dict[str, dict[str, float]] = field(default_factory=dict)
    # Eq. (6'''): the events that change the structure from this round on (begin or are over).
    structure: list[str] = field(default_factory=list)
    progress: float | None = None  # eq. (11): the track's progress this round; None without a track


@dataclass
class Trace:
    """A run's rounds and its ending."""

    scenario: str
    run: int
    seed: int
    # Per mediator with patience: this run's patience and pause length (None: for good),
    # which differ from run to run when the scenario gives them a spread.
    attention: dict[str, dict[str, int | None]] = field(default_factory=dict)
    # Per principal with ``concede``: failed rounds per step and its counter-proposals in order.
    concessions: dict[str, dict[str, Any]] = field(default_factory=dict)
    rounds: list[RoundRecord] = field(default_factory=list)
    held: bool = False
    venue: str | None = None
    summit_round: int | None = None
    format: str | None = None
    parties: list[str] = field(default_factory=list)  # eq. (9): third parties at the summit
    reason: str = ""
    ending: str = ""
    deal_round: int | None = None  # eq. (11): the round the track reached its deal; None: not within the horizon
    track_ending: str = ""  # eq. (11): the track's story in one sentence; empty without a track

    def as_dict(self) -> dict[str, Any]:
        def offer(o: Offer) -> dict[str, Any]:
            return {**o.__dict__, "agreed": o.agreed}

        return {
            **{k: v for k, v in self.__dict__.items() if k != "rounds"},
            "rounds": [{**r.__dict__, "table": [offer(o) for o in r.table]} for r in self.rounds],
        }


DRAWN = ("random", "proportional", "logit")  # strategies whose picks are drawn per run


def trace_run(scenario: Scenario, run: int, seed: int | None = None) -> Trace:
    """Simulate run ``run`` of ``scenario`` and record it round by round."""
    if not 0 <= run < MAX_RUNS:
        raise UsageError(f"--run must be between 0 and {MAX_RUNS - 1:,}, got {run}")
    seed = scenario.simulation.seed if seed is None else seed
    inputs = compile_inputs(scenario)
    lane = run % BATCH_SIZE
    time = scenario.time
    trace = Trace(scenario=scenario.name, run=run, seed=seed)
    trace.concessions = {
        pid: {"after": int(after), "venues": [inputs.venues[v] for v in venues]}
        for pid, after, venues in zip(inputs.principals, inputs.concede_after, inputs.counter_venues) if after
    }
    proposers = [mid for k, mid in enumerate(inputs.mediators) for _ in range(inputs.mediator[k].per_round)]
    proposers += [pid for pid, c in zip(inputs.principals, inputs.counter_proposers) if c]  # counter-proposals (6''')
    proposers += [g.name for g in scenario.gatherings]  # eq. (4c): a slot per gathering
    memory = {"phase": PREPARING if inputs.announced else NEGOTIATING, "collapses": 0}  # eq. (4b)
    structure = structure_changes_by_round(scenario)

    def observe(t: int, state: BatchState) -> None:
        if t == 1:  # the run's attention spans, drawn before round 1
            trace.attention = {
                m: {"patience": lane_value(state.patience[k], lane),
                    "pause_rounds": lane_value(state.pause_length[k], lane) if spec.pause else None}
                for k, (m, spec) in enumerate(zip(inputs.mediators, inputs.mediator)) if spec.patience
            }
        if memory["phase"] == HELD:
            return  # the story ended with the summit
        table = []
        own = [state.acceptance(i)[:, lane] for i in range(len(inputs.principals))]
        for s, venue in enumerate(state.slots[:, lane].tolist()):
            if venue < 0:
                continue
            acceptance = {p: float(own[i][s]) for i, p in enumerate(inputs.principals)}
            draw = principal_draws(float(state.draw[s, lane]), list(acceptance.values()))
            table.append(Offer(inputs.venues[venue], proposers[s], acceptance,
                               dict(zip(inputs.principals, draw)),
                               {p: u < acceptance[p] for p, u in zip(inputs.principals, draw)}))
        trace.rounds.append(RoundRecord(
            round=t,
            date=time.round_date(t).isoformat(),
            pressure={m: float(state.pressure[k, lane]) for k, m in enumerate(inputs.mediators)},
            engaged={m: bool(state.engaged[k, lane]) for k, m in enumerate(inputs.mediators)},
            shocks=[scenario.events.shocks[j].name for j in np.flatnonzero(state.shocks.left[:, lane] > 0)],
            situation={p: float(state.situation[i, lane]) for i, p in enumerate(inputs.principals)},
            table=table,
            status=_status(state, lane, memory, inputs.venues),
            proposals=_drawn_proposals(state, lane) if state.negotiated[lane] else {},
            structure=structure.get(t, []),
            progress=float(state.progress[lane]) if inputs.has_track else None,
        ))

    outcome = simulate_batch(inputs, batch_seed(seed, run // BATCH_SIZE), BATCH_SIZE, observe)
    trace.held = bool(outcome.held[lane])
    if trace.held:
        trace.venue = inputs.venues[outcome.venue[lane]]
        trace.summit_round = int(outcome.round[lane])
        trace.format = format_names(inputs.parties)[outcome.format[lane]]
        trace.parties = [p for k, p in enumerate(inputs.parties) if int(outcome.parties[lane]) >> k & 1]
    trace.reason = REASONS[outcome.reason[lane]]
    trace.deal_round = int(outcome.deal_round[lane]) or None
    trace.ending = _ending(trace, scenario)
    trace.track_ending = _track_ending(trace, scenario)
    return trace


def structure_changes_by_round(scenario: Scenario) -> dict[int, list[str]]:
    """Eq. (6'''): per round, the events that change the structure from its start: those
    that begin in it and those whose last round was the round before."""
    changes: dict[int, list[str]] = {}
    for event in scenario.events.scheduled:
        if event.structural:
            first, end = event_rounds(scenario, event)
            changes.setdefault(first, []).append(f"{event.name} begins")
            if end <= scenario.time.rounds:
                changes.setdefault(end, []).append(f"{event.name} is over")
    return changes


def lane_value(value: int | np.ndarray, lane: int) -> int:
    """One run's value of a per-run quantity that may be the same for every run."""
    return int(value[lane]) if isinstance(value, np.ndarray) else int(value)


def principal_draws(joint_draw: float, acceptance: list[float]) -> list[float]:
    """Each principal's uniform draw, recovered from the engine's one draw per venue.

    The engine draws U once per venue and agrees when U < prod_i p_i. Splitting U in
    turn — u_1 = U; u_(i+1) = u_i / p_i if principal i accepted (u_i < p_i), else
    (u_i - p_i) / (1 - p_i) — gives independent uniform draws, one per principal, with
    principal i accepting exactly when u_i < p_i, and all accepting exactly when
    U < prod_i p_i. So the trace shows the same decision the engine made.
    """
    draws, u = [], joint_draw
    for p in acceptance:
        draws.append(u)
        if u < p:
            u = u / p
        elif p < 1.0:
            u = (u - p) / (1.0 - p)
    return draws


def _status(state: BatchState, lane: int, memory: dict[str, int], venues: tuple[str, ...]) -> str:
    """The run's state at the end of a round, in words."""
    before, phase = memory["phase"], int(state.phase[lane])
    collapsed = int(state.collapses[lane]) > memory["collapses"]
    memory["phase"], memory["collapses"] = phase, int(state.collapses[lane])
    venue = venues[state.venue[lane]] if state.venue[lane] >= 0 else None
    if before == PREPARING:
        if collapsed:
            return "the agreement collapsed in preparation; negotiation resumes"
        if phase == HELD:
            return f"summit held in {venue}"
        return f"preparing the summit in {venue}: {int(state.prep_left[lane])} round(s) left"
    if bool(state.agreed_now[lane]):
        if phase == HELD:
            return f"agreed on {venue}; summit held at once"
        return f"agreed on {venue}; preparation begins"
    if not bool(state.negotiated[lane]):
        return "nothing on the table"
    return "no venue accepted by every principal"


def _drawn_proposals(state: BatchState, lane: int) -> dict[str, dict[str, float]]:
    """Each engaged, drawing mediator's first-pick chances this round in run ``lane``,
    from the venues' joint acceptance prod_i p_iv there (read from the state, not changed)."""
    inputs = state.inputs
    joint = np.prod(state.venue_acceptance(lane), axis=0)
    return {
        mid: dict(zip((inputs.venues[v] for v in spec.proposes),
                      map(float, FIRST_PICK[spec.strategy](joint[spec.proposes], spec, 0))))
        for k, (mid, spec) in enumerate(zip(inputs.mediators, inputs.mediator))
        if spec.per_round and spec.strategy in DRAWN and state.engaged[k, lane]
    }


def _ending(trace: Trace, scenario: Scenario) -> str:
    if trace.held:
        day = scenario.time.round_date(trace.summit_round or 1)
        who = f" ({', '.join(trace.parties)} attending)" if trace.parties else ""
        return (f"Summit held in {trace.venue} in round {trace.summit_round} (week of {day}), "
                f"format {trace.format}{who}.")
    return f"No summit: {REASON_TEXT[trace.reason]}."


def _track_ending(trace: Trace, scenario: Scenario) -> str:
    """Eq. (11): when the run's track reached its deal, in one sentence; empty without a track."""
    if scenario.track is None:
        return ""
    if trace.deal_round:
        return (f"Track ({scenario.track.name}): deal in round {trace.deal_round} "
                f"(week of {scenario.time.round_date(trace.deal_round)}).")
    return f"Track ({scenario.track.name}): no deal within the horizon."
