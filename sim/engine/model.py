"""The SimPy model: mediators, principals, event sources and the table as processes.

One SimPy environment advances a *batch* of runs in lockstep: each process acts on numpy
arrays with one element (lane) per run, so SimPy's cost is paid once per round for the
whole batch, not once per run. A single run's story is one lane of its batch.

A round is one unit of simulated time. Inside round ``t`` (1-based, simulated time
``t - 1`` to ``t``) the processes act in phases, at fixed fractions of the round:

====== ================ ===========================================================
phase  process          what it does
====== ================ ===========================================================
0/8    structure        a structure epoch starts: red lines, utilities, venues on offer
0/8    events           shocks start (hazard) or wear off; active effects are summed
1/8    mediator (each)  re-engages after a pause; sets its pressure
3/16   track            the negotiation track moves: decay, talks, effort, events (eq. 11)
2/8    principal (each) assesses: readiness, drift, events and pressure felt
3/8    mediator (each)  proposes venues by its strategy
4/8    principal (each) counter-proposes its favourite venue (or its concession)
9/16   gatherings       each open gathering puts its venue on the table (eq. 4c)
5/8    principal (each) accepts or rejects each venue on the table
6/8    table            preparation: collapse or summit held; new agreements
7/8    mediator (each)  counts a failed round; disengages when out of patience
7/8    principal (each) if it concedes: counts a failed round; concedes when due
====== ================ ===========================================================

The equations are in ``docs/model.md``; :mod:`sim.engine.state` holds the arrays they act on.

At phase 5 only the joint event matters (a venue is agreed when every principal accepts
it, each independently with p_iv), so the engine draws it once per venue on the table,
with probability prod_i p_iv, at the first principal's turn: the same law with n times
fewer random numbers (``docs/performance.md``). Random numbers are drawn in a fixed order
(shocks, random proposals, acceptance, preparation), so a batch's results depend only
on its seed.
"""

from __future__ import annotations

from typing import Callable, Generator

import numpy as np
import simpy

from sim.engine.inputs import ModelInputs
from sim.engine.outcome import BatchOutcome
from sim.engine.stacked import TiledGenerator
from sim.engine.state import BatchState
from sim.engine.strategies import propose

PHASE = 1 / 8  # exact in binary floating point, so phase times never drift

Observer = Callable[[int, BatchState], None]


def simulate_batch(
    inputs: ModelInputs,
    seed: np.random.SeedSequence,
    size: int,
    observer: Observer | None = None,
    copies: int = 1,
) -> BatchOutcome:
    """Simulate ``size`` runs in lockstep with the random stream ``seed``.

    ``observer(round, state)``, if given, is called at the end of every round; it must
    not change the state (``sim trace`` uses it to tell one lane's story).

    With ``copies`` > 1 the lanes are that many blocks of ``size / copies``, each drawing
    the random numbers a batch of that width draws from ``seed``, and ``inputs`` may hold
    per-lane values (:mod:`sim.engine.stacked`): block ``b``'s outcomes are then exactly
    those of its variant simulated alone.
    """
    def stream(seed: np.random.SeedSequence) -> np.random.Generator | TiledGenerator:
        generator = np.random.default_rng(seed)
        return generator if copies == 1 else TiledGenerator(generator, copies)

    rng = stream(seed)
    attention = stream(attention_seed(seed)) if inputs.attention_varies else None
    starts = stream(child_seed(seed, STARTS)) if uses_starts(inputs) else None
    lengths = stream(child_seed(seed, LENGTHS)) if inputs.prep_varies else None
    steps = stream(child_seed(seed, TRACK)) if inputs.has_track and inputs.track.noisy else None
    state = BatchState(inputs, size, rng, attention, starts, lengths, steps, copies, observed=observer is not None)
    env = simpy.Environment()
    actors: list[Generator] = [structure(env, state)] if inputs.epochs else []
    if len(inputs.shock_hazard):
        actors.append(event_source(env, state))
    actors += [mediator(env, state, k) for k in range(len(inputs.mediators))]
    if inputs.has_track:
        actors.append(track(env, state))
    actors += [principal(env, state, i) for i in range(len(inputs.principals))]
    if len(inputs.gathering_venue):
        actors.append(gatherings(env, state))
    for actor in actors:
        env.process(actor)
    env.run(until=env.process(table(env, state, observer)))
    outcome = state.outcome()
    # The actors loop forever and are left waiting; the environment and their frames refer
    # to each other, a cycle only the garbage collector frees, late. Closing them drops
    # their references to the state now, so memory stays flat however many batches run.
    for actor in actors:
        actor.close()
    return outcome


def attention_seed(seed: np.random.SeedSequence) -> np.random.SeedSequence:
    """The stream of the mediators' per-run patience and pause: the batch's first child,
    built directly so that the batch's own seed object is not changed."""
    return np.random.SeedSequence(seed.entropy, spawn_key=(*seed.spawn_key, 0))


#: Streams of their own, children of the batch's seed, each drawn only when a scenario
#: uses its feature, so that every other scenario keeps exactly its random numbers.
STARTS = (0x616E6E, 0)  # eqs. (4c) and (4b): gatherings' attendance, an announced summit's joins
LENGTHS = (0x616E6E, 1)  # eq. (4a): drawn preparation lengths, one uniform per run and round
TRACK = (0x747263, 0)  # eq. (11): the negotiation track's drawn steps


def child_seed(seed: np.random.SeedSequence, key: tuple[int, ...]) -> np.random.SeedSequence:
    """The stream ``key`` below a batch's seed, built directly so the seed is not changed."""
    return np.random.SeedSequence(seed.entropy, spawn_key=(*seed.spawn_key, *key))


def uses_starts(inputs: ModelInputs) -> bool:
    """True when a run draws at its start: gatherings' attendance or an announced summit's
    joins by eq. (9)."""
    return bool(len(inputs.gathering_venue)) or (inputs.announced and inputs.announced_parties < 0)


def current_round(env: simpy.Environment) -> int:
    """The 1-based round the simulated clock is in."""
    return int(env.now) + 1


def at_phase(env: simpy.Environment, phase: int) -> simpy.Timeout:
    """A timeout that ends at the next time the clock shows ``phase`` of a round."""
    delay = (phase * PHASE - env.now) % 1.0
    return env.timeout(delay if delay > 0 else 1.0)


def structure(env: simpy.Environment, state: BatchState) -> Generator:
    """Eq. (6'''): at the start of every round, before the shocks, the structure epoch."""
    while True:
        state.restructure(current_round(env))
        yield at_phase(env, 0)


def event_source(env: simpy.Environment, state: BatchState) -> Generator:
    """Random shocks: each starts with its hazard per round and lasts its duration."""
    while True:
        state.update_shocks(current_round(env))
        yield at_phase(env, 0)


def mediator(env: simpy.Environment, state: BatchState, k: int) -> Generator:
    """Mediator ``k``: pressure at phase 1, proposals at phase 3, patience at phase 7."""
    while True:
        yield at_phase(env, 1)
        t = current_round(env)
        state.engage(k)
        state.set_pressure(k, t)
        yield at_phase(env, 3)
        propose(state, k, t)
        yield at_phase(env, 7)
        state.count_failure(k)


def track(env: simpy.Environment, state: BatchState) -> Generator:
    """Eq. (11): after the mediators engage (phase 1½), the negotiation track moves."""
    while True:
        yield at_sixteenth(env, 3)
        state.update_track(current_round(env))


def at_sixteenth(env: simpy.Environment, sixteenths: int) -> simpy.Timeout:
    """A timeout that ends at the next time the clock shows ``sixteenths / 16`` of a round."""
    delay = (sixteenths / 16 - env.now) % 1.0
    return env.timeout(delay if delay > 0 else 1.0)


def principal(env: simpy.Environment, state: BatchState, i: int) -> Generator:
    """Principal ``i``: assesses at phase 2, counter-proposes at 4, decides at 5, and, if
    it concedes, counts the round at 7."""
    concedes = bool(state.inputs.concede_after[i])
    while True:
        yield at_phase(env, 2)
        state.assess(i, current_round(env))
        yield at_phase(env, 4)
        state.counter_propose(i)
        yield at_phase(env, 5)
        state.decide(i)
        if concedes:
            yield at_phase(env, 7)
            state.concede(i)


def gatherings(env: simpy.Environment, state: BatchState) -> Generator:
    """Eq. (4c): after the counter-proposals (phase 4½), each gathering's slot."""
    while True:
        yield at_sixteenth(env, 9)
        state.place_gatherings(current_round(env))


def table(env: simpy.Environment, state: BatchState, observer: Observer | None) -> Generator:
    """Resolves each round at phase 6; ends at the horizon or when every run is done."""
    for t in range(1, state.inputs.rounds + 1):
        yield at_phase(env, 6)
        state.prepare(t)
        state.resolve(t)
        if observer is not None:
            observer(t, state)
        state.clear_table()
        if state.all_held():
            return
