"""Mediator proposal strategies: one function per strategy, looked up by name.

A strategy fills mediator ``k``'s table slots ``first … first + width - 1`` in the runs
``active`` (engaged and negotiating) of a :class:`~sim.engine.state.BatchState`, and sets
each slot's joint cost (eq. 7), which phase 5 turns into the probability of agreement.
:data:`STRATEGIES` maps the names a scenario may give (``Mediator.strategy`` in
``sim/scenario/schema.py``) to these functions; adding a strategy is one function here,
its name in that field's allowed values and one entry in ``docs/model.md``.

Random strategies draw from the batch's stream in a fixed order (one call per mediator
and round), so a batch's results depend only on its seed.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Callable, Mapping

import numpy as np

from sim.engine.inputs import MediatorInputs
from sim.engine.picks import pick, running_totals
from sim.engine.stacked import in_lanes
from sim.engine.state import BatchState
from sim.engine.streams import pass_over

#: ``strategy(state, k, t, first, active)``: fill mediator ``k``'s slots in round ``t``.
Strategy = Callable[[BatchState, int, int, int, np.ndarray], None]


def propose(state: BatchState, k: int, t: int) -> None:
    """Mediator ``k`` fills its slots by its strategy (engaged, negotiating runs only)."""
    spec = state.inputs.mediator[k]
    if spec.per_round == 0:
        return
    active = np.logical_and(state.engaged[k], state.negotiating, out=state.proposing)
    if spec.offer_hazard < 1:  # eq. (7a): drawn every round, whatever happened
        draw = state.rng.random(out=state.offer_draw)
        active &= np.less(draw, spec.offer_hazard, out=state.offering)
    STRATEGIES[spec.strategy](state, k, t, int(state.slot_start[k]), active)


def propose_ordered(state: BatchState, k: int, t: int, first: int, active: np.ndarray) -> None:
    """The first ``per_round`` venues of the list, every round, in every run."""
    spec = state.inputs.mediator[k]
    for offset in range(spec.per_round):
        state.place_venue(first + offset, int(spec.proposes[offset]), active)


def propose_rotate(state: BatchState, k: int, t: int, first: int, active: np.ndarray) -> None:
    """The list in turn: round ``t`` offers the next ``per_round`` venues, wrapping round."""
    spec = state.inputs.mediator[k]
    width, listed = spec.per_round, spec.proposes
    picks = ((t - 1) * width + np.arange(width)) % len(listed)
    for offset, pick in enumerate(picks):
        state.place_venue(first + offset, int(listed[pick]), active)


def propose_random(state: BatchState, k: int, t: int, first: int, active: np.ndarray) -> None:
    """``per_round`` distinct venues of the list, uniformly at random in each run."""
    spec = state.inputs.mediator[k]
    width, listed = spec.per_round, spec.proposes
    if width == 1:
        chosen = listed[state.rng.integers(len(listed), size=(1, state.size))]
    else:
        order = np.argsort(state.rng.random((len(listed), state.size)), axis=0)
        chosen = listed[order[:width]]
    for offset in range(width):
        slot = first + offset
        state.place_venues(slot, chosen[offset], active)
        state.slot_cost_from_venues(slot)


def propose_proportional(state: BatchState, k: int, t: int, first: int, active: np.ndarray) -> None:
    """Eq. (7'): venues drawn with probability proportional to their joint acceptance."""
    _place_drawn(state, k, first, active, 1.0)


def propose_logit(state: BatchState, k: int, t: int, first: int, active: np.ndarray) -> None:
    """Eq. (7''): venues drawn with probability proportional to J_v ** rationality."""
    _place_drawn(state, k, first, active, state.inputs.mediator[k].rationality)


def _place_drawn(state: BatchState, k: int, first: int, active: np.ndarray, rationality: float | np.ndarray) -> None:
    spec = state.inputs.mediator[k]
    if state.costs.hopeless[k]:  # no listed venue can be accepted in any run: no cost to work out
        _place_first_listed(state, spec, first, active)
        return
    lanes, rest, picks = drawn_by_acceptance(state, spec.proposes, spec.per_round, rationality, active)
    for offset, (venue, cost) in enumerate(picks):
        slot = first + offset
        if lanes is None:
            state.place_venues(slot, venue, active)
            state.set_slot_cost(slot, cost)
            continue
        state.probability[slot].fill(np.inf)
        if rest is not None:  # not live: the first listed, at an infinite cost
            state.mark_venue(slot, int(spec.proposes[0]), rest)
        state.place_at(slot, lanes, venue, cost)


def _place_first_listed(state: BatchState, spec: MediatorInputs, first: int, active: np.ndarray) -> None:
    """What :func:`drawn_by_acceptance` chooses when no listed venue can be accepted in any
    run (each pick the first listed, at an infinite cost), placed without working out a
    cost: its uniforms are passed over (:mod:`sim.engine.streams`), so no other random
    number moves."""
    pass_over(state.rng, (spec.per_round, state.size))  # the picks' uniforms, which no choice needs
    for offset in range(spec.per_round):  # the later picks find the first listed on the table already
        state.probability[first + offset].fill(np.inf)
        state.mark_venue(first + offset, int(spec.proposes[0]), active)


def propose_best(state: BatchState, k: int, t: int, first: int, active: np.ndarray) -> None:
    """Eq. (7): the ``per_round`` venues with the highest joint acceptance in each run."""
    spec = state.inputs.mediator[k]
    index, costs = most_acceptable(state, k, spec.per_round)
    for offset in range(spec.per_round):
        slot = first + offset
        state.place_venues(slot, spec.proposes[index[offset]], active)
        state.set_slot_cost(slot, costs[offset])


def most_acceptable(state: BatchState, k: int, width: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``width`` venues of mediator ``k``'s list with the highest joint acceptance:
    their indices in the list and their costs, each shaped ``(width, runs)``.

    Eq. (7): maximising prod_i p_iv is minimising cost_v = prod_i (1 + odds_i odds_iv).
    Ties go to the venue listed first. A venue some principal red-lines has infinite
    cost, so it is chosen only where every listed venue's cost is infinite, and then,
    as in any tie, the first listed.
    """
    listed = state.inputs.mediator[k].proposes
    open_ = state.open_venues[k]
    if not len(open_):  # every listed venue is red-lined: all tie, the first listed win
        return (np.broadcast_to(np.arange(width)[:, None], (width, state.size)),
                np.broadcast_to(np.inf, (width, state.size)))
    block = state.open_costs(k)
    if width > 1 or block is None:
        cost = np.full((len(listed), state.size), np.inf)
        if block is not None:
            cost[open_] = block
        order = np.argsort(cost, axis=0, kind="stable")[:width]
        return order, np.take_along_axis(cost, order, axis=0)
    # argmin over the block's rows, one element-wise pass per venue (numpy's argmin
    # along the first axis is many times slower). Costs are >= 1 or +inf, never NaN.
    # A later venue replaces the best only if strictly cheaper, and its index is
    # larger than any before it, so max() records it.
    best, lowest, better, index = state.scratch_best()
    best.fill(open_[0])
    lowest[:] = block[0]
    for row in range(1, len(open_)):
        np.less(block[row], lowest, out=better)
        np.multiply(better, open_[row], out=index)
        np.maximum(best, index, out=best)
        np.minimum(lowest, block[row], out=lowest)
    if open_[0] != 0:  # where even the open venues cost +inf, the first listed ties
        np.putmask(best, lowest == np.inf, 0)
    return best[None, :], lowest[None, :]


def drawn_by_acceptance(
    state: BatchState, listed: np.ndarray, width: int, rationality: float | np.ndarray = 1.0,
    active: np.ndarray | None = None,
) -> tuple[np.ndarray | None, np.ndarray | None, list[tuple[np.ndarray, np.ndarray]]]:
    """Eqs. (7') and (7''): ``width`` distinct venues of the list, each drawn with
    probability proportional to its joint acceptance prod_i p_iv now (1 / cost) raised to
    ``rationality`` (one number, or one per run), one uniform per run and pick; where no
    listed venue can be accepted at all, the first listed, at an infinite cost.

    Returns ``(lanes, rest, picks)``: each pick's venue and cost in the runs ``lanes``
    (None: in every run, the runs not ``active`` with the first listed at an infinite
    cost, which the caller does not place), and ``rest``, the active runs outside
    ``lanes`` (None if none), in which the choice is the first listed at an infinite cost.

    The uniforms are drawn for every run, whatever ``active`` says (common random
    numbers); the choice itself is worked out only in the runs ``active`` (a would-be host
    that offers now and then proposes in few of them), and, when few runs are live (see
    :meth:`JointCosts.live_lanes`), only in those: elsewhere every listed venue costs
    +inf, so the choice is the first listed."""
    draws = _pick_draws(state, width)
    size = state.size
    many = active is None or np.count_nonzero(active) * 8 >= size
    lanes = None if many else active.nonzero()[0]
    rest = None
    if many:  # many runs propose: restrict to the live ones
        live = state.costs.live_lanes()
        if live is None:
            lanes = None if active is None else active.nonzero()[0]
        elif active is not None:
            rest = active.copy()
            proposing = active[live]
            lanes = live if proposing.all() else live[proposing]  # live itself: its odds are kept
        else:
            rest = np.ones(size, dtype=bool)
            lanes = live
        if rest is not None:
            rest[lanes] = False
    if lanes is not None and len(lanes) == size:
        lanes = None
    if lanes is None:
        costs = np.stack([state.cost_row(int(v)) for v in listed])  # (listed, runs)
    else:
        costs = state.costs.at_lanes(listed, lanes)
    weights = choice_weights(costs, rationality if lanes is None else in_lanes(rationality, lanes))
    columns = np.arange(costs.shape[1])
    picks = []
    for n, draw in enumerate(draws):
        cumulative = running_totals(weights)
        total = cumulative[-1]
        target = (draw if lanes is None else draw[lanes]) * total
        index = pick(cumulative, target).astype(np.intp)  # indexing by a small integer type costs more
        index[total == 0] = 0
        flat = index * len(columns)
        flat += columns  # each run's pick in costs and weights (listed, runs), flattened
        picks.append((listed[index], costs.take(flat)))
        if n + 1 < width:
            np.put(weights, flat, 0.0)  # without replacement
    if lanes is not None and rest is None and len(lanes) * 8 >= size:  # many: whole rows are faster
        picks = [(_spread(venue, lanes, size, listed[0]), _spread(cost, lanes, size, np.inf)) for venue, cost in picks]
        lanes = None
    return lanes, rest, picks


def _pick_draws(state: BatchState, width: int) -> list[np.ndarray]:
    """The uniforms of ``width`` drawn picks, one per run each (eqs. 7', 7''), in the
    stream's order; drawn whether or not the choice needs them (common random numbers)."""
    return [state.rng.random(state.size) for _ in range(width)]


def _spread(values: np.ndarray, lanes: np.ndarray, size: int, fill: float) -> np.ndarray:
    """``values`` of the runs ``lanes`` in an array of all ``size`` runs, ``fill`` elsewhere."""
    out = np.full(size, fill, dtype=values.dtype)
    out[lanes] = values
    return out


def choice_weights(costs: np.ndarray, rationality: float | np.ndarray) -> np.ndarray:
    """Unnormalised logit weights J^rationality of venues with joint costs ``costs``
    (listed, runs): 0 where the cost is infinite (a red line). Rationality 1 is 1 / cost
    exactly (eq. 7'); otherwise (lowest cost / cost)^rationality per run, so the cheapest
    open venue has weight 1 and a large rationality never underflows to all zeros. A
    rationality per run (one per column) is never one of the special values
    (:data:`sim.engine.stacked.SPECIAL_RATIONALITY`)."""
    special = np.ndim(rationality) == 0
    if special and rationality == 1.0:
        with np.errstate(divide="ignore"):
            return 1.0 / costs  # 0 where a red line makes the cost infinite
    if special and rationality == 0.0:
        return np.isfinite(costs).astype(float)  # uniform over the venues that can be accepted
    lowest = costs.min(axis=0)
    with np.errstate(invalid="ignore"):  # inf / inf where every venue is red-lined
        ratio = np.divide(lowest, costs)
    # Costs are >= 1 or +inf, so the ratio is in [0, 1] except NaN exactly where every
    # venue is red-lined (inf / inf): fmax turns that NaN into 0 and leaves the rest.
    np.fmax(ratio, 0.0, out=ratio)
    if special and rationality == 2.0:
        return np.square(ratio, out=ratio)
    return np.power(ratio, rationality, out=ratio)


def first_pick_best(joint: np.ndarray, spec: MediatorInputs, t: int) -> np.ndarray:
    """Eq. (7): all on the most acceptable venue (the first listed among ties)."""
    return _one_hot(len(joint), int(np.argmax(joint)))


def first_pick_ordered(joint: np.ndarray, spec: MediatorInputs, t: int) -> np.ndarray:
    """The first listed, every round."""
    return _one_hot(len(joint), 0)


def first_pick_rotate(joint: np.ndarray, spec: MediatorInputs, t: int) -> np.ndarray:
    """The list position round ``t`` starts at."""
    return _one_hot(len(joint), ((t - 1) * spec.per_round) % len(joint))


def first_pick_random(joint: np.ndarray, spec: MediatorInputs, t: int) -> np.ndarray:
    """Uniform over the list."""
    return np.full(len(joint), 1.0 / len(joint))


def first_pick_drawn(joint: np.ndarray, spec: MediatorInputs, t: int) -> np.ndarray:
    """Eqs. (7') and (7''): J^rationality normalised (rationality 1 for proportional);
    the first listed where no venue can be accepted."""
    rationality = 1.0 if spec.strategy == "proportional" else spec.rationality
    with np.errstate(divide="ignore"):
        weights = choice_weights(1.0 / joint[:, None], rationality)[:, 0]
    total = weights.sum()
    return weights / total if total > 0 else _one_hot(len(joint), 0)


def _one_hot(size: int, index: int) -> np.ndarray:
    chances = np.zeros(size)
    chances[index] = 1.0
    return chances


#: ``first_pick(joint, spec, t)``: the chance that each listed venue is the mediator's
#: first proposal in round ``t``, given the venues' joint acceptance ``joint`` (listed,),
#: for observers (``sim explain``, ``sim trace``); the engine itself only draws.
FirstPick = Callable[[np.ndarray, MediatorInputs, int], np.ndarray]

FIRST_PICK: Mapping[str, FirstPick] = MappingProxyType({
    "ordered": first_pick_ordered,
    "rotate": first_pick_rotate,
    "random": first_pick_random,
    "best": first_pick_best,
    "proportional": first_pick_drawn,
    "logit": first_pick_drawn,
})

STRATEGIES: Mapping[str, Strategy] = MappingProxyType({
    "ordered": propose_ordered,
    "rotate": propose_rotate,
    "random": propose_random,
    "best": propose_best,
    "proportional": propose_proportional,
    "logit": propose_logit,
})
