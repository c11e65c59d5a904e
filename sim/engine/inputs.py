"""A scenario compiled into the arrays the engine reads: the numbers of ``docs/model.md``.

Everything that does not depend on the random draws — utilities with red lines, the
mediators' scheduled pressure, the scheduled events' effects — is computed once here, as
arrays indexed by principal, mediator, venue and round, so the engine's hot loop only
gathers and adds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np

from sim.scenario.schema import Effort, Mediator, Principal, Scenario, ScheduledEvent, Shock


@dataclass(frozen=True)
class MediatorInputs:
    """One mediator's proposal behaviour and patience."""

    proposes: np.ndarray  # venue indices it may put on the table
    strategy: str
    rationality: float  # the logit strategy's lambda (7'')
    per_round: int  # proposals per round, at most len(proposes)
    offer_hazard: float  # chance per round and run that it proposes at all (7a)
    attends: bool
    patience: int  # failed rounds before disengaging; 0 means never
    pause: int  # rounds disengaged; 0 means for good
    patience_spread: int  # each run's patience is patience +- up to this many rounds
    pause_spread: int  # each run's pause is pause +- up to this many rounds


@dataclass(frozen=True)
class PressureGroups:
    """Eq. (3'): the venues grouped by the mediators whose pressure is on their proposals
    (``pressure_on: proposals``) and list them. Group 0 is the venues no such mediator
    proposes: there a principal's score has only the pressure of mediators on ``all``."""

    venue_group: np.ndarray  # (V + 1,) each venue's group; the last entry, the empty slot (-1), group 0
    mediators: tuple[tuple[int, ...], ...]  # per group, its targeted mediators; group 0's is ()

    @property
    def targeted(self) -> frozenset[int]:
        """The mediators whose pressure is on their proposals only."""
        return frozenset(k for group in self.mediators for k in group)


@dataclass(frozen=True)
class ShockGate:
    """Eq. (6''): when a shock may start. ``round`` 0 means any round; each count 0 means
    no such condition. The engine's extension point for further run-state conditions."""

    round: int = 0  # the dated round (``at``), 0 for any
    preparing: bool = False
    collapsed: bool = False
    collapsed_within: int = 0
    failed_rounds: int = 0
    failed_in_a_row: int = 0
    progress_at_least: float = 0.0  # eq. (11): the track's progress at least this; 0 none
    progress_below: float = 0.0  # the track's progress below this; 0 none

    @property
    def gated(self) -> bool:
        """True when the shock cannot start in every round of every run."""
        return self != ShockGate()

    @property
    def counts_failures(self) -> bool:
        """True when the gate reads the run's failed rounds (total or in a row)."""
        return bool(self.failed_rounds or self.failed_in_a_row)


@dataclass(frozen=True)
class TrackInputs:
    """Eq. (11): the negotiation track's numbers. Progress runs from 0 to 1, the deal."""

    name: str
    start: float
    floor: float
    decay: float
    talks_on: np.ndarray  # (Q, T+1) bool: rounds in which talks q are held
    talks_step: np.ndarray  # (Q,) mean progress of a round of talks q
    talks_sd: np.ndarray  # (Q,) its standard deviation, drawn per run and round
    effort_step: np.ndarray  # (M,) mean progress per round while mediator k is engaged
    effort_sd: np.ndarray  # (M,)
    readiness: np.ndarray  # (N,) logit added to readiness per unit of progress
    requires: np.ndarray  # (N,) progress below which principal i accepts nothing; 0 none
    scheduled: np.ndarray  # (T+1,) scheduled events' progress effects per round
    shock: np.ndarray  # (S,) shocks' progress effects per active round

    @property
    def noisy(self) -> int:
        """How many normal draws a round can take: one per talks and effort with a spread."""
        return int((self.talks_sd > 0).sum() + (self.effort_sd > 0).sum())


@dataclass(frozen=True)
class Structure:
    """Eq. (6'''): the structure of one epoch, the rounds from ``first`` to the next epoch's
    start: utilities with red lines, the venues on offer and what follows from them."""

    first: int  # the epoch's first round
    utility: np.ndarray  # (N, V) logit, -inf on red lines (a closed venue keeps its own)
    available: np.ndarray  # (V,) bool: on offer (not closed)
    favourite: np.ndarray  # (N,) as ModelInputs.favourite, among the venues on offer
    counter_venues: tuple[np.ndarray, ...]  # as ModelInputs.counter_venues
    acceptable: np.ndarray  # (V,) bool: no principal's red line
    proposes: tuple[np.ndarray, ...]  # per mediator: its venues on offer (all closed: its whole list)

    def same_as(self, other: "Structure") -> bool:
        """True when the two epochs' structures are the same (whatever their first rounds):
        the same utilities and venues on offer, from which everything else follows."""
        return np.array_equal(self.utility, other.utility) and np.array_equal(self.available, other.available)


@dataclass(frozen=True)
class ModelInputs:
    """The numbers the engine needs, indexed principal i, mediator m, venue v, round t.

    Round arrays have ``rounds + 1`` columns so that column ``t`` is round ``t``
    (column 0 is unused).
    """

    principals: tuple[str, ...]
    mediators: tuple[str, ...]
    venues: tuple[str, ...]
    rounds: int
    utility: np.ndarray  # (N, V) logit; -inf on red lines
    readiness: np.ndarray  # (N,)
    readiness_sd: np.ndarray  # (N,)
    sensitivity: np.ndarray  # (N,)
    sharpness: np.ndarray  # (N,)
    drift: np.ndarray  # (N, T+1) accumulated drift per round, clipped to its limit
    favourite: np.ndarray  # (N,) venue each principal counter-proposes, -1 none
    counter_venues: tuple[np.ndarray, ...]  # per principal: its counter-proposals in order (8)
    concede_after: np.ndarray  # (N,) failed rounds before it concedes; 0 never
    counter_rationality: np.ndarray  # (N,) eq. (8'): lambda of a drawn counter-proposal; -1 its favourite always
    leverage: np.ndarray  # (M, N)
    pressure: np.ndarray  # (M, T+1) scheduled pressure: ramp, cap, deadlines, events (not yet floored at 0)
    scheduled_readiness: np.ndarray  # (N, T+1) scheduled events' readiness effects
    scheduled_collapse: np.ndarray  # (T+1,) scheduled events' collapse-risk effects
    mediator: tuple[MediatorInputs, ...]
    shock_hazard: np.ndarray  # (S,)
    shock_rounds: np.ndarray  # (S,)
    shock_readiness: np.ndarray  # (S, N)
    shock_lasting: np.ndarray  # (S, N) readiness added for good each time shock s starts
    shock_pressure: np.ndarray  # (S, M)
    shock_collapse: np.ndarray  # (S,)
    shock_gate: tuple[ShockGate, ...]  # (S,) when each shock may start (6'')
    prep_rounds: int  # preparation.rounds, the scenario's own (shortest) length
    prep_collapse: float
    prep_min: np.ndarray  # (V,) eq. (4a): shortest preparation of a summit agreed at each venue
    prep_max: np.ndarray  # (V,) longest; each agreement's length is uniform on prep_min..prep_max
    third_party: np.ndarray  # (V,) bool: venue implies third-party participation
    venue_party: np.ndarray  # (V,) int: bit of the third party a venue brings (9), 0 none
    join: np.ndarray  # (M,) pi_k: chance an engaged mediator joins an agreed summit (9)
    unlisted: int  # eq. (10): the venue standing for one not on the list, -1 none
    unlisted_share: float  # the share of agreed summits moved there
    acceptable: np.ndarray  # (V,) bool: no principal's red line
    # Eq. (4b): a summit announced before the horizon opens.
    announced_venue: int = -1  # its venue; -1 none, or the venue is still open
    announced_round: int = 0  # the round containing its date; 0 nothing announced
    announced_parties: int = -1  # bits of the announced third parties (9); -1: drawn by (9) at the start
    # Eq. (4c): gatherings, g each.
    gathering_venue: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # (G,)
    gathering_open: np.ndarray = field(default_factory=lambda: np.zeros((0, 1), dtype=bool))  # (G, T+1): rounds its slot is on the table
    gathering_running: np.ndarray = field(default_factory=lambda: np.zeros((0, 1), dtype=bool))  # (G, T+1): rounds it runs
    gathering_prep: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # (G,) rounds ahead a sideline meeting is agreed
    gathering_attendance: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))  # (G, N) chance each principal attends
    gathering_readiness: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))  # (G, N) readiness while it runs, if attending
    # Eq. (11): the negotiation track, when the scenario has one.
    track: TrackInputs | None = None
    # Eq. (3'): the venues' pressure groups, None when every mediator's pressure is on all venues.
    pressure_groups: PressureGroups | None = None

    @property
    def has_track(self) -> bool:
        """True when the scenario has a negotiation track (eq. 11)."""
        return self.track is not None
    # Eq. (6'''): structure epochs, empty when the structure never changes and every venue
    # is on offer; the fields utility, favourite, counter_venues, acceptable are epoch 0's.
    epochs: tuple[Structure, ...] = ()
    epoch_of_round: np.ndarray = field(default_factory=lambda: np.zeros(1, dtype=np.int64))  # (T+1,)

    @property
    def prep_varies(self) -> bool:
        """True when some agreement's preparation length is drawn (eq. 4a)."""
        return bool((self.prep_max > self.prep_min).any())

    @property
    def announced(self) -> bool:
        """True when every run starts in preparation of an announced summit (eq. 4b)."""
        return self.announced_venue >= 0

    @property
    def date_set(self) -> bool:
        """True when a date is announced with the venue still open (eq. 4b)."""
        return self.announced_round > 0 and self.announced_venue < 0

    @property
    def parties(self) -> tuple[str, ...]:
        """The possible third parties, bit k each: the mediators, then a venue's own."""
        return (*self.mediators, "third_party")

    @property
    def possible_parties(self) -> int:
        """Bits of the third parties that can attend some summit: a reachable venue's, or a
        mediator's that may join."""
        brought = self.venue_party[self.reachable]
        bits = int(np.bitwise_or.reduce(brought)) if len(brought) else 0
        bits |= self.announced_possible
        for k, chance in enumerate(self.join):
            bits |= (1 << k) if chance > 0 else 0
        return bits

    @property
    def announced_possible(self) -> int:
        """Bits of the third parties an announced summit can have (eqs. 4b and 9)."""
        if not self.announced:
            return 0
        bits = int(self.venue_party[self.announced_venue])
        if self.announced_parties >= 0:
            return bits | self.announced_parties
        return bits | sum(1 << k for k, chance in enumerate(self.join) if chance > 0)

    @property
    def attention_varies(self) -> bool:
        """True when some mediator's patience or pause is drawn per run (eq. 5')."""
        return any(md.patience_spread or md.pause_spread for md in self.mediator)

    @property
    def zone_empty(self) -> bool:
        """True when no venue can ever be accepted by every principal on the table."""
        return not self.reachable.any()

    @property
    def reachable(self) -> np.ndarray:
        """(V,) venues acceptable to all that some proposer can put on the table, in some
        structure epoch (6''') while they are on offer."""
        if not self.epochs:
            return self._reachable_in(self.counter_venues, self.acceptable, self.gathering_open)
        reachable = np.zeros(len(self.venues), dtype=bool)
        for k, epoch in enumerate(self.epochs):
            rounds = self.epoch_of_round == k
            rounds[0] = False
            opened = self.gathering_open[:, rounds] if len(self.gathering_venue) else self.gathering_open
            reachable |= self._reachable_in(epoch.counter_venues, epoch.acceptable & epoch.available, opened)
        return reachable

    def _reachable_in(self, counter_venues: tuple[np.ndarray, ...], acceptable: np.ndarray,
                      gathering_open: np.ndarray) -> np.ndarray:
        """(V,) the venues of ``acceptable`` that the mediators, the counter-proposals
        ``counter_venues`` or a gathering open in ``gathering_open`` (G, rounds) put on the table."""
        on_table = np.zeros(len(self.venues), dtype=bool)
        for mediator in self.mediator:
            on_table[mediator.proposes] = True
        for venues in counter_venues:
            on_table[venues] = True
        on_table[self.gathering_venue[gathering_open.any(axis=1)]] = True  # eq. (4c)
        return on_table & acceptable  # the unlisted venue (10) is never on the table

    @property
    def counter_proposers(self) -> np.ndarray:
        """(N,) bool: the principals that counter-propose in some epoch (a table slot each)."""
        favourites = [epoch.favourite for epoch in self.epochs] or [self.favourite]
        return np.logical_or.reduce([f >= 0 for f in favourites])

    def in_epoch(self, k: int) -> "ModelInputs":
        """These inputs with structure epoch ``k``'s utilities, favourites, counter-proposals,
        zone and mediators' lists of venues on offer, with as many proposals per round as
        they still hold (6'''); everything else, the epochs included, unchanged. Called on
        the compiled inputs, whose lists are whole."""
        epoch = self.epochs[k]
        mediator = tuple(replace(md, proposes=listed, per_round=min(md.per_round, len(listed)))
                         for md, listed in zip(self.mediator, epoch.proposes))
        return replace(self, utility=epoch.utility, favourite=epoch.favourite, mediator=mediator,
                       counter_venues=epoch.counter_venues, acceptable=epoch.acceptable)


def compile_inputs(scenario: Scenario) -> ModelInputs:
    """Compile a validated scenario into :class:`ModelInputs`."""
    principals = scenario.principals
    venue_ids = tuple(scenario.venues)
    venue_index = {vid: k for k, vid in enumerate(venue_ids)}
    epochs, epoch_of_round = structure_epochs(scenario, venue_index)
    utility, favourite, counter_venues = epochs[0].utility, epochs[0].favourite, epochs[0].counter_venues
    concede_after = _concede_after(scenario)
    leverage, pressure = _mediator_pressure(scenario)
    scheduled_readiness, scheduled_collapse = _scheduled_effects(scenario, pressure)
    shocks = scenario.events.shocks
    shock_readiness, shock_lasting, shock_pressure = _shock_effects(scenario)
    return ModelInputs(
        principals=tuple(principals),
        mediators=tuple(scenario.mediators),
        venues=venue_ids,
        rounds=scenario.time.rounds,
        utility=utility,
        readiness=np.array([p.readiness for p in principals.values()], dtype=float),
        readiness_sd=np.array([p.readiness_sd for p in principals.values()], dtype=float),
        sensitivity=np.array([p.pressure_sensitivity for p in principals.values()], dtype=float),
        sharpness=np.array([p.sharpness for p in principals.values()], dtype=float),
        drift=_drift(scenario),
        favourite=favourite,
        counter_venues=counter_venues,
        concede_after=concede_after,
        counter_rationality=np.array(
            [-1.0 if p.counter_rationality is None else p.counter_rationality for p in principals.values()]
        ),
        leverage=leverage,
        pressure=pressure,
        scheduled_readiness=scheduled_readiness,
        scheduled_collapse=scheduled_collapse,
        mediator=tuple(_mediator_inputs(md, venue_index) for md in scenario.mediators.values()),
        shock_hazard=np.array([s.hazard for s in shocks], dtype=float),
        shock_rounds=np.array([s.rounds for s in shocks], dtype=np.int64),
        shock_readiness=shock_readiness,
        shock_lasting=shock_lasting,
        shock_pressure=shock_pressure,
        shock_collapse=np.array([s.collapse_risk for s in shocks], dtype=float),
        shock_gate=tuple(shock_gate(scenario, s) for s in shocks),
        prep_rounds=scenario.preparation.rounds,
        prep_collapse=scenario.preparation.collapse_risk,
        **_preparation_lengths(scenario),
        third_party=np.array([scenario.venues[vid].third_party for vid in venue_ids], dtype=bool),
        venue_party=_venue_parties(scenario),
        join=_join_chances(scenario),
        unlisted=next((v for v, venue in enumerate(scenario.venues.values()) if venue.unlisted_share > 0), -1),
        unlisted_share=max((venue.unlisted_share for venue in scenario.venues.values()), default=0.0),
        acceptable=np.isfinite(utility).all(axis=0),
        **_announced(scenario, venue_index),
        **_gatherings(scenario, venue_index),
        **({} if len(epochs) == 1 and epochs[0].available.all() else
           {"epochs": epochs, "epoch_of_round": epoch_of_round}),
        track=_track(scenario),
        pressure_groups=pressure_groups(scenario, venue_index),
    )


def pressure_groups(scenario: Scenario, venue_index: dict[str, int]) -> PressureGroups | None:
    """Eq. (3'): each venue's group, the set of mediators with ``pressure_on: proposals``
    that list it (groups numbered in order of first appearance along the venues, group 0
    the empty set); None when no mediator's pressure is on its proposals only."""
    targeted = [(k, md) for k, md in enumerate(scenario.mediators.values()) if md.pressure_on == "proposals"]
    if not targeted:
        return None
    groups: dict[tuple[int, ...], int] = {(): 0}
    venue_group = np.zeros(len(venue_index) + 1, dtype=np.int64)
    for vid, v in venue_index.items():
        members = tuple(k for k, md in targeted if vid in md.proposes)
        venue_group[v] = groups.setdefault(members, len(groups))
    return PressureGroups(venue_group=venue_group, mediators=tuple(groups))


def _track(scenario: Scenario) -> TrackInputs | None:
    """Eq. (11): the track's start, floor and decay, its talks by round, the mediators'
    effort, the principals' readiness weights and requirements, and the events' effects."""
    track = scenario.track
    if track is None:
        return None
    time = scenario.time
    t = np.arange(time.rounds + 1)
    talks_on = np.zeros((len(track.talks), time.rounds + 1), dtype=bool)
    for q, talks in enumerate(track.talks):
        first = time.round_of(talks.date)
        if talks.every is None:
            talks_on[q] = t == first
        else:
            last = time.round_of(talks.until) if talks.until is not None else time.rounds
            talks_on[q] = (t >= first) & (t <= last) & ((t - first) % talks.every == 0)
        talks_on[q, 0] = False
    scheduled = np.zeros(time.rounds + 1)
    for event in scenario.events.scheduled:
        first, end = event_rounds(scenario, event)
        scheduled[first:min(end, time.rounds + 1)] += event.progress
    principals, mediators = list(scenario.principals), list(scenario.mediators)
    empty = Effort(step=0.0)
    efforts = [track.effort.get(mid, empty) for mid in mediators]
    return TrackInputs(
        name=track.name,
        start=track.start,
        floor=track.floor,
        decay=track.decay,
        talks_on=talks_on,
        talks_step=np.array([talks.step for talks in track.talks], dtype=float),
        talks_sd=np.array([talks.sd for talks in track.talks], dtype=float),
        effort_step=np.array([effort.step for effort in efforts], dtype=float),
        effort_sd=np.array([effort.sd for effort in efforts], dtype=float),
        readiness=np.array([track.readiness.get(pid, 0.0) for pid in principals], dtype=float),
        requires=np.array([track.requires.get(pid, 0.0) for pid in principals], dtype=float),
        scheduled=scheduled,
        shock=np.array([shock.progress for shock in scenario.events.shocks], dtype=float),
    )


def _preparation_lengths(scenario: Scenario) -> dict[str, np.ndarray]:
    """Eq. (4a): per venue, the shortest and longest preparation of a summit agreed there:
    the venue's own ``preparation`` if it has one, else the scenario's."""
    lengths = [venue.preparation or scenario.preparation for venue in scenario.venues.values()]
    return {
        "prep_min": np.array([length.rounds for length in lengths], dtype=np.int64),
        "prep_max": np.array([length.longest for length in lengths], dtype=np.int64),
    }


def _announced(scenario: Scenario, venue_index: dict[str, int]) -> dict[str, int]:
    """Eq. (4b): the announced summit's venue, round and parties (bits, -1: drawn by eq. 9)."""
    announced = scenario.announced
    if announced is None:
        return {}
    mediators = list(scenario.mediators)
    parties = -1 if announced.parties is None else sum(1 << mediators.index(mid) for mid in announced.parties)
    return {
        "announced_venue": -1 if announced.venue is None else venue_index[announced.venue],
        "announced_round": scenario.time.round_of(announced.date),
        "announced_parties": parties,
    }


def _gatherings(scenario: Scenario, venue_index: dict[str, int]) -> dict[str, np.ndarray]:
    """Eq. (4c): per gathering, its venue, the rounds it runs and those its slot is open
    (the same shifted back by its preparation), its preparation, attendance and readiness."""
    gatherings = scenario.gatherings
    if not gatherings:
        return {}
    rounds = scenario.time.rounds
    principals = list(scenario.principals)
    t = np.arange(rounds + 1)
    first = np.array([scenario.time.round_of(g.start) for g in gatherings])[:, None]
    last = first + np.array([g.rounds for g in gatherings])[:, None] - 1
    prep = np.array([g.preparation for g in gatherings], dtype=np.int64)
    running = (t >= first) & (t <= last) & (t >= 1)
    opened = (t + prep[:, None] >= first) & (t + prep[:, None] <= last) & (t >= 1)
    attendance = np.ones((len(gatherings), len(principals)))
    readiness = np.zeros((len(gatherings), len(principals)))
    for g, gathering in enumerate(gatherings):
        for pid, chance in gathering.attendance.items():
            attendance[g, principals.index(pid)] = chance
        for pid, delta in gathering.readiness.items():
            readiness[g, principals.index(pid)] = delta
    return {
        "gathering_venue": np.array([venue_index[g.venue] for g in gatherings], dtype=np.int64),
        "gathering_open": opened,
        "gathering_running": running,
        "gathering_prep": prep,
        "gathering_attendance": attendance,
        "gathering_readiness": readiness,
    }


def _counter_proposals(
    scenario: Scenario, utility: np.ndarray, venue_index: dict[str, int]
) -> tuple[np.ndarray, tuple[np.ndarray, ...], np.ndarray]:
    """Each principal's favourite (-1 for none), its counter-proposals in order (eq. 8) and
    the failed rounds after which it concedes (0: never)."""
    principals = scenario.principals.values()
    # The unlisted venue (eq. 10) is nobody's favourite and nobody concedes to it.
    listed = np.array([venue.unlisted_share == 0 for venue in scenario.venues.values()], dtype=bool)
    finite = np.isfinite(utility) & listed
    favourite = np.array(
        [int(np.argmax(np.where(finite[i], utility[i], -np.inf))) if finite[i].any() and p.counter_propose else -1
         for i, p in enumerate(principals)],
        dtype=np.int64,
    )
    concede_after = _concede_after(scenario)
    counter_venues = tuple(
        concessions(utility[i], favourite[i], finite.all(axis=0), p.concede.to, venue_index) if concede_after[i]
        else drawn_counter_venues(finite[i], favourite[i]) if p.counter_rationality is not None and favourite[i] >= 0
        else np.array([favourite[i]] if favourite[i] >= 0 else [], dtype=np.int64)
        for i, p in enumerate(principals)
    )
    return favourite, counter_venues, concede_after


def drawn_counter_venues(own_venues: np.ndarray, favourite: int) -> np.ndarray:
    """Eq. (8'): the venues a principal with counter_rationality draws from: its favourite
    first, then every other listed venue that is not its own red line, in venue order."""
    rest = [int(v) for v in np.flatnonzero(own_venues) if v != favourite]
    return np.array([favourite, *rest], dtype=np.int64)


def _concede_after(scenario: Scenario) -> np.ndarray:
    """(N,) each principal's failed rounds before it concedes (eq. 8); 0: never."""
    return np.array([p.concede.after if p.concede else 0 for p in scenario.principals.values()], dtype=np.int64)


def structure_epochs(scenario: Scenario, venue_index: dict[str, int]) -> tuple[tuple[Structure, ...], np.ndarray]:
    """Eq. (6'''): the horizon cut into epochs where a structural event starts or ends, each
    epoch's structure (consecutive epochs with the same structure merged), and the (T+1,)
    epoch of each round (column 0 unused). Always at least one epoch, starting in round 1."""
    rounds = scenario.time.rounds
    spans = [(event, *event_rounds(scenario, event)) for event in scenario.events.scheduled if event.structural]
    cuts = sorted({1} | {r for _, first, end in spans for r in (first, end) if 1 <= r <= rounds})
    epochs: list[Structure] = []
    epoch_of_round = np.zeros(rounds + 1, dtype=np.int64)
    for start in cuts:
        active = [event for event, first, end in spans if first <= start < end]
        structure = structure_at(scenario, start, active, venue_index)
        if not epochs or not structure.same_as(epochs[-1]):
            epochs.append(structure)
        epoch_of_round[start:] = len(epochs) - 1
    return tuple(epochs), epoch_of_round


def event_rounds(scenario: Scenario, event: ScheduledEvent) -> tuple[int, int]:
    """The first round a scheduled event is active and the round after its last: ``rounds``
    rounds from the round of its date, or to the horizon with ``for_good``."""
    first = max(scenario.time.round_of(event.date), 1)
    return first, scenario.time.rounds + 1 if event.for_good else first + event.rounds


def structure_at(scenario: Scenario, first: int, active: list[ScheduledEvent],
                 venue_index: dict[str, int]) -> Structure:
    """Eq. (6'''): the structure while the structural events ``active`` are: each in the
    order listed lifts and imposes red lines and closes and opens venues (a later event
    overrides an earlier one), and their utility shifts add up."""
    principals = scenario.principals
    principal_index = {pid: k for k, pid in enumerate(principals)}
    red_lines = {pid: set(p.red_lines) for pid, p in principals.items()}
    available = np.array([venue.available for venue in scenario.venues.values()], dtype=bool)
    shift = np.zeros((len(principals), len(venue_index)))
    for event in active:
        for pid, change in event.red_lines.items():
            red_lines[pid] = (red_lines[pid] - set(change.lift)) | set(change.impose)
        for pid, shifts in event.utility.items():
            for vid, delta in shifts.items():
                shift[principal_index[pid], venue_index[vid]] += delta
        available[[venue_index[vid] for vid in event.close]] = False
        available[[venue_index[vid] for vid in event.open]] = True
    utility = np.array([
        [-np.inf if vid in red_lines[pid] else attribute_utility(scenario, pid, p, vid) for vid in venue_index]
        for pid, p in principals.items()
    ]) + shift
    on_offer = np.where(available, utility, -np.inf)  # nobody's favourite while closed
    favourite, counter_venues, _ = _counter_proposals(scenario, on_offer, venue_index)
    listed = [np.array([venue_index[vid] for vid in md.proposes], dtype=np.int64) for md in scenario.mediators.values()]
    return Structure(first=first, utility=utility, available=available, favourite=favourite,
                     counter_venues=counter_venues, acceptable=np.isfinite(utility).all(axis=0),
                     proposes=tuple(v[available[v]] if available[v].any() else v for v in listed))


def _drift(scenario: Scenario) -> np.ndarray:
    """(N, T+1): each principal's accumulated drift, clipped to its limit."""
    rounds = scenario.time.rounds
    t = np.arange(rounds + 1, dtype=float)
    drift = np.empty((len(scenario.principals), rounds + 1))
    for i, p in enumerate(scenario.principals.values()):
        limit = np.inf if p.drift_limit is None else p.drift_limit
        drift[i] = np.clip(p.drift * np.maximum(t - 1, 0), -limit, limit)
    return drift


def _mediator_pressure(scenario: Scenario) -> tuple[np.ndarray, np.ndarray]:
    """(M, N) leverage and (M, T+1) scheduled pressure before events."""
    principal_index = {pid: k for k, pid in enumerate(scenario.principals)}
    m = len(scenario.mediators)
    leverage = np.zeros((m, len(scenario.principals)))
    pressure = np.zeros((m, scenario.time.rounds + 1))
    for k, mediator in enumerate(scenario.mediators.values()):
        for pid, value in mediator.leverage.items():
            leverage[k, principal_index[pid]] = value
        pressure[k] = scheduled_pressure(mediator, scenario)
    return leverage, pressure


def _scheduled_effects(scenario: Scenario, pressure: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The scheduled events' readiness (N, T+1) and collapse-risk (T+1,) effects; their
    pressure effects are added to ``pressure`` in place."""
    time = scenario.time
    rounds = time.rounds
    principal_index = {pid: k for k, pid in enumerate(scenario.principals)}
    mediator_index = {mid: k for k, mid in enumerate(scenario.mediators)}
    scheduled_readiness = np.zeros((len(principal_index), rounds + 1))
    scheduled_collapse = np.zeros(rounds + 1)
    for event in scenario.events.scheduled:
        first = time.round_of(event.date)
        active = slice(max(first, 1), min(first + event.rounds, rounds + 1))
        for pid, delta in event.readiness.items():
            scheduled_readiness[principal_index[pid], active] += delta
        for mid, delta in event.pressure.items():
            pressure[mediator_index[mid], active] += delta
        scheduled_collapse[active] += event.collapse_risk
    return scheduled_readiness, scheduled_collapse


def _shock_effects(scenario: Scenario) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per shock: its readiness (S, N), lasting readiness (S, N) and pressure (S, M) effects."""
    principal_index = {pid: k for k, pid in enumerate(scenario.principals)}
    mediator_index = {mid: k for k, mid in enumerate(scenario.mediators)}
    shocks = scenario.events.shocks
    n, m = len(principal_index), len(mediator_index)
    shock_readiness = np.zeros((len(shocks), n))
    shock_pressure = np.zeros((len(shocks), m))
    shock_lasting = np.zeros((len(shocks), n))
    for s, shock in enumerate(shocks):
        for pid, delta in shock.readiness.items():
            shock_readiness[s, principal_index[pid]] = delta
        for pid, delta in shock.lasting_readiness.items():
            shock_lasting[s, principal_index[pid]] = delta
        for mid, delta in shock.pressure.items():
            shock_pressure[s, mediator_index[mid]] = delta
    return shock_readiness, shock_lasting, shock_pressure


def shock_gate(scenario: Scenario, shock: Shock) -> ShockGate:
    """Eq. (6''): the round a dated shock is tied to and the conditions of its trigger."""
    when = shock.when
    return ShockGate(
        round=scenario.time.round_of(shock.at) if shock.at is not None else 0,
        preparing=bool(when and when.preparing),
        collapsed=bool(when and when.collapsed),
        collapsed_within=(when.collapsed_within or 0) if when else 0,
        failed_rounds=(when.failed_rounds or 0) if when else 0,
        failed_in_a_row=(when.failed_in_a_row or 0) if when else 0,
        progress_at_least=(when.progress_at_least or 0.0) if when else 0.0,
        progress_below=(when.progress_below or 0.0) if when else 0.0,
    )


def _venue_parties(scenario: Scenario) -> np.ndarray:
    """Eq. (9): per venue, the bit of the third party a summit there brings: its host if a
    mediator hosts it, else the venue's unnamed third party (bit M); 0 without third_party."""
    mediators = list(scenario.mediators)
    bits = [
        0 if not venue.third_party
        else 1 << (mediators.index(venue.host) if venue.host in scenario.mediators else len(mediators))
        for venue in scenario.venues.values()
    ]
    return np.array(bits, dtype=np.int64)


def _join_chances(scenario: Scenario) -> np.ndarray:
    """Eq. (9): pi_k = sigma(logit(join_k) + sum_i w_ik) for 0 < join_k < 1, else join_k."""
    chances = []
    for mid, mediator in scenario.mediators.items():
        join = mediator.join_probability
        if join is None:
            join = 1.0 if mediator.attends else 0.0
        if 0.0 < join < 1.0:
            shift = sum(p.presence.get(mid, 0.0) for p in scenario.principals.values())
            z = math.log(join / (1.0 - join)) + shift
            join = 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))
        chances.append(join)
    return np.array(chances, dtype=float)


def venue_utility(scenario: Scenario, pid: str, principal: Principal, vid: str) -> float:
    """u[i, v]: the explicit utility if given, else the weighted venue attributes.

    Red-lined venues get ``-inf``, so their acceptance probability is exactly 0.
    """
    if vid in principal.red_lines:
        return -np.inf
    return attribute_utility(scenario, pid, principal, vid)


def attribute_utility(scenario: Scenario, pid: str, principal: Principal, vid: str) -> float:
    """u[i, v] whatever the red lines: the explicit utility if given, else the weighted
    venue attributes."""
    if vid in principal.venues:
        return principal.venues[vid]
    venue = scenario.venues[vid]
    weights = principal.venue_weights
    host_is_principal = venue.host in scenario.principals
    return (
        weights.own_ground * (venue.host == pid)
        + weights.opponent_ground * (host_is_principal and venue.host != pid)
        + weights.neutral * venue.neutral
        + weights.third_party * venue.third_party
    )


def scheduled_pressure(mediator: Mediator, scenario: Scenario) -> np.ndarray:
    """P[m, t] before events and disengagement: min(cap, start + growth (t-1)) + deadlines."""
    rounds = scenario.time.rounds
    spec = mediator.pressure
    t = np.arange(rounds + 1, dtype=float)
    pressure = np.minimum(spec.cap, spec.start + spec.growth * np.maximum(t - 1, 0))
    for deadline in spec.deadlines:
        due = scenario.time.round_of(deadline.date)
        lead = deadline.lead_rounds
        ramp = (lead - (due - t)) / lead  # 1/lead at the first round of the lead, 1 at the due round
        pressure += np.where((t > due - lead) & (t <= due), deadline.boost * ramp, 0.0)
    pressure[0] = 0.0
    return pressure


def concessions(utility: np.ndarray, favourite: int, in_zone: np.ndarray, to: list[str] | None,
                venue_index: dict[str, int]) -> np.ndarray:
    """Eq. (8): a conceding principal's counter-proposals in order: its favourite first
    (even outside the zone, as a demand), then the venues of ``to`` in their order, or by
    default the other venues no principal red-lines, from its best to its worst (ties in
    the order of ``venues``; in a structure epoch, those it then refuses or that are closed
    are left out, 6'''). Empty for a principal with no acceptable venue at all."""
    if favourite < 0:
        return np.array([], dtype=np.int64)
    if to is None:
        rest = [int(v) for v in np.argsort(-utility, kind="stable") if in_zone[v]]
    else:
        rest = [venue_index[vid] for vid in to if np.isfinite(utility[venue_index[vid]])]
    return np.array([favourite, *(v for v in rest if v != favourite)], dtype=np.int64)


def _mediator_inputs(mediator: Mediator, venue_index: dict[str, int]) -> MediatorInputs:
    proposes = np.array([venue_index[vid] for vid in mediator.proposes], dtype=np.int64)
    return MediatorInputs(
        proposes=proposes,
        strategy=mediator.strategy,
        rationality=float(mediator.rationality),
        per_round=min(mediator.proposals_per_round, len(proposes)),
        offer_hazard=float(mediator.offer_hazard),
        attends=mediator.attends,
        patience=mediator.patience or 0,
        pause=mediator.pause_rounds or 0,
        patience_spread=mediator.patience_spread,
        pause_spread=mediator.pause_spread,
    )
