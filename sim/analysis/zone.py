"""The structural zone of agreement: which venues could ever be agreed, before simulating,
how likely each mediator is to propose each venue in round 1, and who would attend.

A venue is in the zone when no principal has it as a red line; it is *reachable* when, in
addition, a mediator proposes it or a principal counter-proposes it. When no venue is
reachable the simulated probability is exactly zero, and the report says why instead of
only printing 0%.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from sim.engine.acceptance import acceptance_probability
from sim.engine.inputs import ModelInputs, compile_inputs
from sim.engine.strategies import FIRST_PICK
from sim.analysis.event_outline import event_sentences
from sim.analysis.track_outline import TrackOutline, expected_path, outline_track
from sim.scenario.schema import Scenario


@dataclass(frozen=True)
class VenueStanding:
    """One venue as the principals and proposers see it at the start."""

    venue: str
    name: str
    blocked_by: tuple[str, ...]  # principals with this venue as a red line
    proposed_by: tuple[str, ...]  # mediators listing it, principals that counter-propose it (8)
    first_round_acceptance: dict[str, float]  # p_iv in round 1 at baseline readiness
    unlisted_share: float = 0.0  # eq. (10): stands for a venue not on the list, with this share
    announced: bool = False  # eq. (4b): the venue of the summit announced at the start
    available: bool = True  # eq. (6'''): on offer at the start
    ever_reachable: bool | None = None  # in some structure epoch (6'''); None: as at the start

    @property
    def unlisted(self) -> bool:
        return self.unlisted_share > 0

    @property
    def in_zone(self) -> bool:
        return not self.blocked_by

    @property
    def agreeable_at_start(self) -> bool:
        """In the zone, on offer and proposed at the start."""
        return self.in_zone and self.available and bool(self.proposed_by)

    @property
    def agreeable(self) -> bool:
        """Can be agreed in some structure epoch (6'''): in the zone, on offer and proposed."""
        return self.agreeable_at_start if self.ever_reachable is None else self.ever_reachable

    @property
    def reachable(self) -> bool:
        """Can host a summit: agreeable, the unlisted venue (eq. 10), or the announced one
        (eq. 4b)."""
        return self.unlisted or self.announced or self.agreeable

    @property
    def why_unreachable(self) -> str:
        """Why no summit can be held here, for a report ("" when one can)."""
        if self.reachable:
            return ""
        if self.blocked_by:
            return f"ruled out by {', '.join(self.blocked_by)}"
        return "never proposed" if self.available else "not on offer"

    @property
    def first_round_joint(self) -> float:
        return float(np.prod(list(self.first_round_acceptance.values())))


@dataclass(frozen=True)
class GatheringWindow:
    """Eq. (4c): a gathering, when it runs and when a sideline meeting can be agreed."""

    name: str
    venue: str
    first_day: str  # opening day of the first round it runs
    last_day: str  # last day of the last round it runs (within the horizon)
    rounds: tuple[int, int] | None  # first and last round it runs; None: outside the horizon
    agreed_in: tuple[int, int] | None  # first and last round its slot is on the table
    preparation: int
    attendance: dict[str, float]  # each principal's chance of attending
    readiness: dict[str, float]  # effects while it runs, for attending principals

    @property
    def all_attend(self) -> float:
        """The chance that every principal attends, in a run (independent draws)."""
        return float(np.prod(list(self.attendance.values())))

    def sentence(self) -> str:
        """One line for ``sim explain``."""
        if self.rounds is None:
            return f"{self.name} at {self.venue}: outside the horizon, no effect."
        first, last = self.rounds
        when = f"round {first}" if first == last else f"rounds {first}-{last}"
        text = (f"{self.name} at {self.venue}, {self.first_day} to {self.last_day} ({when}); "
                f"every principal attends in {percent_text(self.all_attend)} of runs")
        if self.agreed_in is None:
            return text + "; no sideline meeting can be agreed within the horizon."
        lo, hi = self.agreed_in
        agreed = f"round {lo}" if lo == hi else f"rounds {lo}-{hi}"
        ahead = (f"agreed in {agreed}, {self.preparation} round(s) ahead" if self.preparation
                 else f"agreed and held in {agreed}")
        text += f"; a sideline meeting is {ahead}"
        if self.readiness:
            text += "; while it runs, readiness " + ", ".join(f"{p} {d:+g}" for p, d in self.readiness.items())
        return text + "."


@dataclass(frozen=True)
class Zone:
    """The zone of agreement of a scenario and the reason when it is empty."""

    standings: tuple[VenueStanding, ...]
    # Per mediator with venues: each listed venue's chance of being its first proposal in
    # round 1 (eqs. 7-7''), from the round-1 joint acceptance above; per principal that
    # draws its counter-proposal, each venue's chance of being it (8').
    proposals: dict[str, dict[str, float]] = field(default_factory=dict)
    # Eq. (9): per mediator, its chance of joining a summit agreed while it is engaged;
    # per venue with third_party, the party it brings.
    joins: dict[str, float] = field(default_factory=dict)
    venue_parties: dict[str, str] = field(default_factory=dict)
    # Eq. (4b): the state every run starts in, in words; the announced venue, if any.
    start: str = "Every run starts negotiating."
    announced_venue: str | None = None
    gatherings: tuple[GatheringWindow, ...] = ()
    # Eq. (6'''): the scheduled changes of structure, one sentence each, in date order.
    changes: tuple[str, ...] = ()
    track: TrackOutline | None = None  # eq. (11)
    # Eqs. (6), (6'), (6''): each scheduled event's effects and each shock with its gate, in words.
    events: tuple[str, ...] = ()
    # Eq. (11): with a track, the progress at which the acceptance and proposal chances are
    # shown (see shown_progress); None without a track.
    progress_shown: float | None = None

    def attendance(self) -> str:
        """One sentence: who would attend a summit besides the principals (eq. 9)."""
        joining = [f"{m} joins with probability {percent_text(p)}" for m, p in self.joins.items() if p > 0]
        brought = [f"{v} brings {party}" for v, party in self.venue_parties.items()]
        if not joining and not brought:
            return "Who attends: the principals only (no mediator joins, no venue brings a third party)."
        return f"Who attends besides the principals: {'; '.join(joining + brought)}."

    @property
    def reachable(self) -> tuple[str, ...]:
        """The venues that can be agreed: in the zone, on offer and proposed by someone, in
        some structure epoch (6''')."""
        return tuple(s.venue for s in self.standings if s.agreeable and not s.unlisted)

    @property
    def empty(self) -> bool:
        """No summit can happen: no venue can be agreed and none is announced."""
        return not self.reachable and self.announced_venue is None

    def explanation(self) -> str:
        """One sentence: the zone, or why there is none."""
        if self.reachable:
            blocked = [f"{s.venue} (red line of {', '.join(s.blocked_by)})" for s in self.standings
                       if s.blocked_by and not s.agreeable]
            blocked += [f"{s.venue} (not on offer)" for s in self.standings
                        if not s.blocked_by and not s.available and not s.agreeable]
            later = [s.venue for s in self.standings if s.agreeable and not s.agreeable_at_start]
            unproposed = [s.venue for s in self.standings if s.in_zone and not s.proposed_by and not s.unlisted]
            unlisted = [f"{s.venue} ({percent_text(s.unlisted_share)} of agreed summits)"
                        for s in self.standings if s.unlisted]
            text = f"Venues every principal could accept and someone proposes: {', '.join(self.reachable)}."
            if later:
                text += f" Of these, only after a change of structure (6'''): {', '.join(later)}."
            if blocked:
                text += f" Ruled out: {'; '.join(blocked)}."
            if unproposed:
                text += f" Acceptable but never proposed: {', '.join(unproposed)}."
            if unlisted:
                text += f" Standing for a venue not on the list: {unlisted[0]}."
            return text
        in_zone = [s for s in self.standings if s.in_zone and s.available]
        if self.announced_venue is not None:
            return (f"Only the summit announced at {self.announced_venue} can be held: after a collapse "
                    "no venue can be agreed (none is both acceptable to every principal and proposed).")
        if not in_zone:
            reasons = "; ".join(f"{s.venue}: red line of {', '.join(s.blocked_by)}" if s.blocked_by
                                else f"{s.venue}: not on offer" for s in self.standings)
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
    for gathering, v, opened in zip(scenario.gatherings, inputs.gathering_venue, inputs.gathering_open):
        if opened.any():  # eq. (4c): its slot puts the venue on the table while it is open
            proposers.setdefault(int(v), []).append(gathering.name)
    situation = first_round_situation(inputs)[:, None] + first_round_pressure_towards(inputs)  # (N, V)
    available = inputs.epochs[0].available if inputs.epochs else np.ones(len(inputs.venues), dtype=bool)
    ever = inputs.reachable if inputs.epochs else None
    willing = first_round_willing(inputs)  # (N,): the track's requirements, the same for every venue
    standings = []
    for v, vid in enumerate(inputs.venues):
        utility = inputs.utility[:, v]
        acceptance = acceptance_probability(situation[:, v] + utility, inputs.sharpness) * willing
        standings.append(
            VenueStanding(
                venue=vid,
                name=scenario.venues[vid].name,
                blocked_by=tuple(p for p, u in zip(inputs.principals, utility) if np.isneginf(u)),
                proposed_by=tuple(proposers.get(v, ())),
                first_round_acceptance={p: float(a) for p, a in zip(inputs.principals, acceptance)},
                unlisted_share=inputs.unlisted_share if v == inputs.unlisted else 0.0,
                announced=v == inputs.announced_venue,
                available=bool(available[v]),
                ever_reachable=None if ever is None else bool(ever[v]),
            )
        )
    joint = np.array([s.first_round_joint if s.available else 0.0 for s in standings])
    start = inputs.in_epoch(0) if inputs.epochs else inputs  # eq. (6'''): the lists on offer in round 1
    proposals = {
        mid: dict(zip((inputs.venues[v] for v in spec.proposes),
                      (float(x) for x in FIRST_PICK[spec.strategy](joint[spec.proposes], spec, 1))))
        for mid, spec in zip(inputs.mediators, start.mediator) if spec.per_round
    }
    proposals.update(counter_chances(inputs))
    parties = inputs.parties
    venue_parties = {
        vid: parties[int(bits).bit_length() - 1]
        for vid, bits, s in zip(inputs.venues, inputs.venue_party, standings) if bits and s.reachable
    }
    return Zone(tuple(standings), proposals, dict(zip(inputs.mediators, map(float, inputs.join))), venue_parties,
                start=starting_state(scenario, inputs),
                announced_venue=inputs.venues[inputs.announced_venue] if inputs.announced else None,
                gatherings=tuple(gathering_windows(scenario, inputs)),
                changes=structure_changes(scenario), track=outline_track(scenario, inputs),
                progress_shown=shown_progress(inputs) if inputs.has_track else None,
                events=event_sentences(scenario))


def counter_chances(inputs: ModelInputs) -> dict[str, dict[str, float]]:
    """Eq. (8'): per principal that draws its counter-proposal, each venue's chance of
    being it, proportional to exp(rationality * u_iv) over its own acceptable venues."""
    chances = {}
    for i, (pid, rationality) in enumerate(zip(inputs.principals, inputs.counter_rationality)):
        venues = inputs.counter_venues[i]
        if rationality < 0 or not len(venues):
            continue
        utility = inputs.utility[i, venues]
        weights = np.exp(rationality * (utility - utility.max()))
        chances[pid] = dict(zip((inputs.venues[v] for v in venues), map(float, weights / weights.sum())))
    return chances


def structure_changes(scenario: Scenario) -> tuple[str, ...]:
    """Eq. (6'''): each scheduled event that changes the structure, in one sentence with its
    dates, in date order: "From 2026-03-01 (round 5) for good: Vladimir Putin lifts the red
    line on Istanbul"."""
    time, venues, actors = scenario.time, scenario.venues, scenario.actors
    sentences = []
    for event in sorted((e for e in scenario.events.scheduled if e.structural), key=lambda e: e.date):
        first = time.round_of(event.date)
        if first > time.rounds:
            sentences.append(f"{event.date} ({event.name}): after the horizon, no effect.")
            continue
        if event.for_good:
            span = "for good"
        else:
            last = min(first + event.rounds - 1, time.rounds)
            end = min(time.round_date(last) + dt.timedelta(days=time.round_days - 1), time.horizon_end)
            span = f"for {event.rounds} round{'s' * (event.rounds > 1)} (to {end})"
        parts = []
        for pid, change in event.red_lines.items():
            name = actors[pid].name
            parts += [f"{name} lifts the red line on {venues[v].name}" for v in change.lift]
            parts += [f"{name} imposes a red line on {venues[v].name}" for v in change.impose]
        parts += [f"{actors[pid].name}'s utility for {venues[v].name} {delta:+g}"
                  for pid, shifts in event.utility.items() for v, delta in shifts.items()]
        parts += [f"{venues[v].name} closed (nobody can propose or agree it)" for v in event.close]
        parts += [f"{venues[v].name} on offer" for v in event.open]
        sentences.append(f"From {event.date} (round {first}) {span}, {event.name}: {'; '.join(parts)}.")
    return tuple(sentences)


def starting_state(scenario: Scenario, inputs: ModelInputs) -> str:
    """Eq. (4b): the state every run starts in, in words."""
    announced = scenario.announced
    if announced is None:
        return "Every run starts negotiating."
    when = f"{announced.date} (round {inputs.announced_round}, week of {scenario.time.round_date(inputs.announced_round)})"
    if announced.venue is None:
        return (f"Date set, venue open: a summit is to be held on {when}; every run negotiates the venue, and "
                f"one agreed by then is prepared until that round (after it, preparation as usual).")
    names = inputs.parties
    if inputs.announced_parties >= 0:
        bits = inputs.announced_parties | int(inputs.venue_party[inputs.announced_venue])
        who = ", ".join(names[k] for k in range(len(names)) if bits >> k & 1) or "the principals only"
        attends = f"who attends is announced: {who}"
    elif inputs.announced_possible:
        attends = "who attends is drawn by eq. (9) at the start"
    else:
        attends = "the principals meet alone (no mediator may join, the venue brings no third party)"
    risk = scenario.preparation.collapse_risk
    return (f"Announced: {announced.venue} on {when}. Every run starts in preparation: "
            f"{inputs.announced_round} collapse check(s) at {percent_text(risk)} per round before events "
            f"(held in {percent_text((1 - risk) ** inputs.announced_round)} of runs without them); "
            f"{attends}; after a collapse the run negotiates as usual.")


def gathering_windows(scenario: Scenario, inputs: ModelInputs):
    """Eq. (4c): each gathering's window, in rounds and days."""
    time = scenario.time
    for g, gathering in enumerate(scenario.gatherings):
        running = np.flatnonzero(inputs.gathering_running[g])
        opened = np.flatnonzero(inputs.gathering_open[g])
        if len(running):
            first, last = int(running[0]), int(running[-1])
            end = min(time.round_date(last) + dt.timedelta(days=time.round_days - 1), time.horizon_end)
            first_day, last_day = time.round_date(first).isoformat(), end.isoformat()
        else:
            first_day = last_day = gathering.start.isoformat()
        yield GatheringWindow(
            name=gathering.name, venue=gathering.venue, first_day=first_day, last_day=last_day,
            rounds=(first, last) if len(running) else None,
            agreed_in=(int(opened[0]), int(opened[-1])) if len(opened) else None,
            preparation=gathering.preparation,
            attendance=dict(zip(inputs.principals, map(float, inputs.gathering_attendance[g]))),
            readiness={p: float(d) for p, d in zip(inputs.principals, inputs.gathering_readiness[g]) if d},
        )


def percent_text(p: float) -> str:
    """A probability as a short percentage for a sentence."""
    return f"{100 * p:.3g}%"


def first_round_situation(inputs: ModelInputs) -> np.ndarray:
    """c_i in round 1 at baseline readiness, with no shocks and every mediator engaged
    (and the track, eq. 11, at its expected progress); the pressure felt is that of the
    mediators whose pressure is on every venue (3')."""
    pressure = np.maximum(inputs.pressure[:, 1:2], 0.0)
    if inputs.pressure_groups is not None:
        pressure = pressure.copy()
        pressure[sorted(inputs.pressure_groups.targeted)] = 0.0
    felt = (inputs.leverage * pressure).sum(axis=0) if len(inputs.mediators) else 0.0
    situation = inputs.readiness + inputs.drift[:, 1] + inputs.scheduled_readiness[:, 1] + inputs.sensitivity * felt
    if inputs.track is not None:
        situation = situation + inputs.track.readiness * shown_progress(inputs)
    return situation


def first_round_pressure_towards(inputs: ModelInputs) -> np.ndarray:
    """Eq. (3'): the pressure principal ``i`` feels in round 1 towards venue ``v``, (N, V):
    s_i L_ki P_k(1) summed over the mediators with ``pressure_on: proposals`` that list v
    (every mediator engaged, no shocks); zeros without such mediators."""
    towards = np.zeros((len(inputs.principals), len(inputs.venues)))
    groups = inputs.pressure_groups
    if groups is None:
        return towards
    pressure = np.maximum(inputs.pressure[:, 1], 0.0)
    for v, g in enumerate(groups.venue_group[:-1]):
        for k in groups.mediators[g]:
            towards[:, v] += inputs.sensitivity * inputs.leverage[k] * pressure[k]
    return towards


def first_round_willing(inputs: ModelInputs) -> np.ndarray:
    """Eq. (11″): 0 for a principal whose required track level the expected progress in
    round 1 has not reached, else 1."""
    if inputs.track is None:
        return np.ones(len(inputs.principals))
    return (shown_progress(inputs) >= inputs.track.requires).astype(float)


def shown_progress(inputs: ModelInputs) -> float:
    """Eq. (11): the track progress at which ``sim explain`` shows acceptance: round 1's on
    the expected path, or, where a principal requires more, the highest level required
    (the first time every principal could accept; before it every joint acceptance is 0)."""
    first = float(expected_path(inputs)[1])
    return max(first, float(inputs.track.requires.max(initial=0.0)))
