"""The events of a scenario in words, for ``sim explain``: what each scheduled event and
each shock changes, and when a shock may start at all (eqs. 6, 6', 6'', 11).

Structural changes (eq. 6''') are told by :func:`sim.analysis.zone.structure_changes`; this
module tells the effects on readiness, pressure, collapse risk and the track, and, for a
shock, its hazard and its gate: the date it is tied to and the state of the run it
waits for ("only while a summit is in preparation", "only after 4 failed rounds in a
row"). A conditional event is exactly what an analyst needs to see before trusting a run.
"""

from __future__ import annotations

from sim.scenario.schema import Effects, Scenario, Shock, Trigger


def event_sentences(scenario: Scenario) -> tuple[str, ...]:
    """One sentence per scheduled event with an effect and per shock, in file order."""
    time = scenario.time
    lines = []
    for event in scenario.events.scheduled:
        effects = effect_words(event)
        if not effects:
            continue  # a purely structural event: told with the changes of structure
        span = "for good" if event.for_good else f"for {event.rounds} round{'s' * (event.rounds > 1)}"
        lines.append(f"Event '{event.name}' from {event.date} (round {time.round_of(event.date)}) {span}: {effects}.")
    for shock in scenario.events.shocks:
        lines.append(shock_sentence(scenario, shock))
    return tuple(lines)


def shock_sentence(scenario: Scenario, shock: Shock) -> str:
    """A shock's hazard, duration, gate and effects in one sentence."""
    if shock.at is not None:
        chance = f"happens with probability {shock.hazard:g} in the round of {shock.at}"
    else:
        chance = f"starts with probability {shock.hazard:g} a round"
    gate = f", {trigger_words(shock.when)}" if shock.when is not None else ""
    lasting = "".join(f"; {pid} {delta:+g} readiness for good each time" for pid, delta in shock.lasting_readiness.items())
    effects = effect_words(shock) or "no effect while active"
    span = f"lasts {shock.rounds} round{'s' * (shock.rounds > 1)}"
    return f"Shock '{shock.name}' {chance}{gate}; {span}: {effects}{lasting}."


def trigger_words(when: Trigger) -> str:
    """Eq. (6''): the conditions of a shock's gate, joined with 'and'."""
    words = []
    if when.preparing:
        words.append("only while a summit is in preparation")
    if when.collapsed:
        words.append("only after the run's first collapse")
    if when.collapsed_within:
        words.append(f"only within {when.collapsed_within} rounds of a collapse")
    if when.failed_rounds:
        words.append(f"only after {when.failed_rounds} failed rounds in all")
    if when.failed_in_a_row:
        words.append(f"only after {when.failed_in_a_row} failed rounds in a row")
    if when.progress_at_least is not None:
        words.append(f"only once the track's progress is at least {when.progress_at_least:g}")
    if when.progress_below is not None:
        words.append(f"only while the track's progress is below {when.progress_below:g}")
    return " and ".join(words)


def effect_words(effects: Effects) -> str:
    """What an event adds while it is active, in words; empty when it adds nothing."""
    words = [f"{pid} readiness {delta:+g}" for pid, delta in effects.readiness.items() if delta]
    words += [f"{mid} pressure {delta:+g}" for mid, delta in effects.pressure.items() if delta]
    if effects.collapse_risk:
        words.append(f"collapse risk {effects.collapse_risk:+g}")
    if effects.progress:
        words.append(f"track progress {effects.progress:+g} a round")
    return ", ".join(words)

