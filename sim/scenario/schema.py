"""The scenario: frozen, validated models of everything an analyst writes in a file.

A scenario is pure data. :mod:`sim.scenario.loader` turns a YAML file into a :class:`Scenario`;
:mod:`sim.engine.inputs` turns a scenario into the arrays the engine consumes. Every field here
is documented, with unit, default and range, in ``docs/scenario-format.md``.

Utilities, readiness and event effects are on the *logit scale*: a principal accepts a
venue with probability ``sigmoid(sharpness * score)`` where the score sums them (see
``docs/model.md``). A score of 0 means an even chance, +2.2 about 90%, -2.2 about 10%.
"""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Annotated, Iterable, Literal, Union

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, field_validator, model_validator

from sim.errors import Problem, ScenarioError
from sim.scenario.fields import LAST_DATE, Date, Flag, Number, Whole, last_day, not_a_boolean
from sim.scenario.distributions import MAX_UNCERTAIN, Distribution, uncertain_problems

#: Limits that keep a run within memory and time; a file asking for more is refused.
MAX_RUNS = 1_000_000_000
MAX_ROUNDS = 5_200
MAX_VENUES = 200
MAX_PRINCIPALS = 20
MAX_MEDIATORS = 10
MAX_EVENTS = 200
LOGIT_LIMIT = 50.0

Identifier = Annotated[
    str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,39}$")
]
"""Ids of venues and actors: lower case letters, digits and underscores, 1-40 long."""

Logit = Annotated[float, Field(ge=-LOGIT_LIMIT, le=LOGIT_LIMIT), BeforeValidator(not_a_boolean)]
Probability = Annotated[float, Field(ge=0.0, le=1.0), BeforeValidator(not_a_boolean)]
# Bounds inside the type, so that ``X | None`` fields keep them in the JSON Schema too.
LogitSize = Annotated[float, Field(ge=0.0, le=LOGIT_LIMIT), BeforeValidator(not_a_boolean)]
Rounds = Annotated[int, Field(ge=1, le=MAX_ROUNDS), BeforeValidator(not_a_boolean)]
Text = Annotated[str, StringConstraints(max_length=10_000)]
Name = Annotated[str, StringConstraints(min_length=1, max_length=200)]
#: The negotiation track's scale (eq. 11): 0 nothing agreed, 1 a deal.
Progress = Annotated[float, Field(ge=0.0, lt=1.0), BeforeValidator(not_a_boolean)]
Level = Annotated[float, Field(gt=0.0, le=1.0), BeforeValidator(not_a_boolean)]
Step = Annotated[float, Field(ge=-1.0, le=1.0), BeforeValidator(not_a_boolean)]
Spread = Annotated[float, Field(ge=0.0, le=1.0), BeforeValidator(not_a_boolean)]


class Strict(BaseModel):
    """Base of every scenario model: immutable, unknown keys and NaN rejected."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Time(Strict):
    """The calendar: when round 1 opens, how long a round lasts, when the horizon ends."""

    start: Date = Field(description="Opening day of round 1.")
    round_days: Whole = Field(7, ge=1, le=366, description="Length of one round in days.")
    horizon_rounds: Rounds | None = Field(None, description="Number of rounds simulated.")
    end: Date | None = Field(
        None, description="Last day of the horizon; rounds opening on or before it count."
    )
    milestones: list[Date] = Field(
        default_factory=list,
        max_length=100,
        description="Dates for which P(summit by date) is reported; default month ends.",
    )

    @model_validator(mode="after")
    def _one_horizon(self) -> "Time":
        if (self.horizon_rounds is None) == (self.end is None):
            raise ValueError("give exactly one of horizon_rounds or end")
        if self.end is not None:
            if self.end < self.start:
                raise ValueError("end must be on or after start")
            if (self.end - self.start).days // self.round_days + 1 > MAX_ROUNDS:
                raise ValueError(f"end is more than {MAX_ROUNDS} rounds after start")
        elif last_day(self.start, self.rounds * self.round_days - 1) is None:
            # Every date a run derives (rounds, reporting dates) lies within the horizon.
            raise ValueError(
                f"{self.rounds} rounds of {self.round_days} days from {self.start} would end after "
                f"{LAST_DATE}, the last date the calendar holds; start earlier or simulate fewer rounds"
            )
        return self

    @property
    def rounds(self) -> int:
        """Number of rounds in the horizon."""
        if self.horizon_rounds is not None:
            return self.horizon_rounds
        assert self.end is not None
        return (self.end - self.start).days // self.round_days + 1

    def round_date(self, round_number: int) -> dt.date:
        """Opening day of round ``round_number`` (1-based)."""
        return self.start + dt.timedelta(days=(round_number - 1) * self.round_days)

    def round_of(self, day: dt.date) -> int:
        """The round (1-based) whose days include ``day``; 0 or less before the start."""
        return (day - self.start).days // self.round_days + 1

    @property
    def horizon_end(self) -> dt.date:
        """Last day of the horizon: ``end`` if given, else the last round's last day."""
        if self.end is not None:
            return self.end
        return self.round_date(self.rounds) + dt.timedelta(days=self.round_days - 1)

    def reporting_dates(self) -> list[tuple[dt.date, int]]:
        """Dates for P(summit by date), each with the last round opening by then.

        The scenario's milestones if given, else month ends (quarter ends when the
        horizon spans more than a year); the horizon's end is always included.
        """
        end = self.horizon_end
        dates = sorted(d for d in self.milestones if self.start <= d <= end)
        if not self.milestones:
            month_ends = _month_ends(self.start, end)
            if len(month_ends) > 12:
                month_ends = [d for d in month_ends if d.month in (3, 6, 9, 12)]
            dates = month_ends
        if not dates or dates[-1] != end:
            dates.append(end)
        return [(d, min(self.round_of(d), self.rounds)) for d in dates]


def _month_ends(first: dt.date, last: dt.date) -> list[dt.date]:
    """Last days of the months that end within [first, last] (never a date after ``last``)."""
    ends = []
    year, month = first.year, first.month
    while True:
        end = dt.date(year, month, calendar.monthrange(year, month)[1])
        if end > last:
            return ends
        ends.append(end)
        if end == last:
            return ends
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


class PreparationLength(Strict):
    """How many rounds an agreement is prepared before it is held (eq. 4a of docs/model.md):
    ``rounds``, or, with ``rounds_max``, a whole number uniform on ``rounds … rounds_max``
    drawn for each agreement."""

    rounds: Whole = Field(ge=0, le=MAX_ROUNDS, description="Rounds of preparation (the shortest, with rounds_max).")
    rounds_max: Whole | None = Field(
        None, ge=0, le=MAX_ROUNDS,
        description="Longest preparation: each agreement's length is uniform on rounds..rounds_max.",
    )

    @model_validator(mode="after")
    def _ordered(self) -> "PreparationLength":
        if self.rounds_max is not None and self.rounds_max < self.rounds:
            raise ValueError(f"rounds_max ({self.rounds_max}) must be at least rounds ({self.rounds})")
        return self

    @property
    def longest(self) -> int:
        """The longest preparation this allows."""
        return self.rounds if self.rounds_max is None else self.rounds_max


class Venue(Strict):
    """A place where the leaders could meet, described by attributes that feed utilities."""

    name: Name
    country: Name
    host: Identifier | None = Field(None, description="Actor whose home ground this is.")
    neutral: Flag = Field(False, description="A third country with no stake.")
    third_party: Flag = Field(
        False, description="Meeting there implies Western / third-party participation."
    )
    unlisted_share: Probability = Field(
        0.0, description="Stands for a venue not on the list: the share of agreed summits moved here (eq. 10).",
    )
    preparation: PreparationLength | None = Field(
        None, description="Preparation of a summit agreed here, replacing preparation.rounds/rounds_max (eq. 4a).",
    )
    available: Flag = Field(
        True, description="On offer from the start; false: closed until a scheduled event opens it (eq. 6''').",
    )


class VenueWeights(Strict):
    """How much a principal values each venue attribute (logit units)."""

    own_ground: Logit = 0.0
    opponent_ground: Logit = 0.0
    neutral: Logit = 0.0
    third_party: Logit = 0.0


class Concession(Strict):
    """How a principal comes down from its favourite venue (eq. 8 of docs/model.md)."""

    after: Whole = Field(ge=1, le=MAX_ROUNDS, description="Failed rounds before each concession.")
    to: list[Identifier] | None = Field(
        None, max_length=MAX_VENUES,
        description="The venues it concedes to, in order; default: every venue in the zone, its best first.",
    )


class Principal(Strict):
    """A leader whose attendance a summit needs."""

    role: Literal["principal"]
    name: Name
    readiness: Logit = Field(description="Baseline willingness to meet at leader level.")
    readiness_sd: Number = Field(
        0.0, ge=0.0, le=10.0, description="Run-to-run spread of readiness (normal)."
    )
    venue_weights: VenueWeights = Field(default_factory=VenueWeights)
    venues: dict[Identifier, Logit] = Field(
        default_factory=dict, description="Utility of named venues, overriding weights."
    )
    red_lines: list[Identifier] = Field(
        default_factory=list, description="Venues never accepted, whatever the pressure."
    )
    pressure_sensitivity: Number = Field(1.0, ge=0.0, le=10.0)
    drift: Number = Field(0.0, ge=-5.0, le=5.0, description="Readiness change per round.")
    drift_limit: LogitSize | None = Field(None, description="Bound on the accumulated drift.")
    sharpness: Number = Field(
        1.0, gt=0.0, le=20.0, description="Logit slope; low values mean noisy choices."
    )
    counter_propose: Flag = Field(True, description="Puts its favourite venue on the table.")
    counter_rationality: LogitSize | None = Field(
        None,
        description="With a value: each round's counter-proposal is drawn by a logit choice over its own "
                    "utilities with this rationality (eq. 8'); none: always its favourite.",
    )
    concede: Concession | None = Field(
        None, description="Counter-proposes other venues, one after another, when its own is not agreed."
    )
    presence: dict[Identifier, Logit] = Field(
        default_factory=dict,
        description="Per mediator: preference for its presence at the summit (logit; + wants it, - refuses it).",
    )


class Deadline(Strict):
    """A date toward which a mediator's pressure ramps up, then falls back."""

    date: Date
    boost: Number = Field(ge=0.0, le=LOGIT_LIMIT)
    lead_rounds: Whole = Field(4, ge=1, le=MAX_ROUNDS)


class Pressure(Strict):
    """A mediator's pressure over time (pressure units; felt as leverage x pressure)."""

    start: Number = Field(1.0, ge=0.0, le=LOGIT_LIMIT)
    growth: Number = Field(0.0, ge=-LOGIT_LIMIT, le=LOGIT_LIMIT)
    cap: Number = Field(5.0, ge=0.0, le=LOGIT_LIMIT)
    deadlines: list[Deadline] = Field(default_factory=list, max_length=MAX_EVENTS)


class Mediator(Strict):
    """A third party that pushes the principals and puts venues on the table."""

    role: Literal["mediator"]
    name: Name
    pressure: Pressure = Field(default_factory=Pressure)
    leverage: dict[Identifier, Annotated[float, Field(ge=0.0, le=10.0), BeforeValidator(not_a_boolean)]] = Field(
        default_factory=dict, description="Per principal: how much of the pressure it feels."
    )
    proposes: list[Identifier] = Field(default_factory=list, max_length=MAX_VENUES)
    strategy: Literal["ordered", "rotate", "random", "best", "proportional", "logit"] = "best"
    rationality: Number = Field(
        2.0, ge=0.0, le=1000.0,
        description="logit strategy: 0 picks uniformly among open venues, 1 is proportional, large is best.",
    )
    proposals_per_round: Whole = Field(1, ge=1, le=MAX_VENUES)
    offer_hazard: Probability = Field(
        1.0, description="Chance per round and run that it puts its proposals on the table at all (eq. 7a).",
    )
    pressure_on: Literal["all", "proposals"] = Field(
        "all", description="What its pressure makes more acceptable: every venue alike (all), or only "
        "the venues it proposes (proposals, eq. 3').",
    )
    attends: Flag = Field(False, description="Joins the summit (trilateral format).")
    join_probability: Probability | None = Field(
        None, description="Chance it joins an agreed summit, before the principals' presence preferences.",
    )
    patience: Rounds | None = Field(None, description="Failed rounds before disengaging.")
    pause_rounds: Rounds | None = Field(None, description="Rounds disengaged; none means for good.")
    patience_spread: Whole = Field(
        0, ge=0, le=MAX_ROUNDS,
        description="Each run's patience is drawn uniformly from patience ± this many rounds.",
    )
    pause_spread: Whole = Field(
        0, ge=0, le=MAX_ROUNDS,
        description="Each run's pause is drawn uniformly from pause_rounds ± this many rounds.",
    )


Actor = Annotated[Union[Principal, Mediator], Field(discriminator="role")]


class Effects(Strict):
    """What an event changes while it is active."""

    readiness: dict[Identifier, Logit] = Field(default_factory=dict)
    pressure: dict[Identifier, Logit] = Field(default_factory=dict)
    collapse_risk: Number = Field(0.0, ge=-1.0, le=1.0)
    progress: Number = Field(
        0.0, ge=-1.0, le=1.0, description="Added to the negotiation track's progress in each round it is active (eq. 11).",
    )


class RedLineChange(Strict):
    """Eq. (6'''): the red lines a scheduled event lifts or imposes on one principal."""

    lift: list[Identifier] = Field(default_factory=list, max_length=MAX_VENUES,
                                   description="Venues it may accept again while the event lasts.")
    impose: list[Identifier] = Field(default_factory=list, max_length=MAX_VENUES,
                                     description="Venues it refuses while the event lasts.")


class ScheduledEvent(Effects):
    """An event on a known date, e.g. a round of talks; it may also change the structure
    (red lines, venue utilities, which venues are on offer) while it lasts (eq. 6''')."""

    name: Name
    date: Date
    rounds: Whole = Field(1, ge=1, le=MAX_ROUNDS, description="How long it lasts.")
    for_good: Flag = Field(False, description="It lasts from its date to the horizon (instead of rounds).")
    red_lines: dict[Identifier, RedLineChange] = Field(
        default_factory=dict, description="Per principal: red lines lifted or imposed while it lasts (eq. 6''').",
    )
    utility: dict[Identifier, dict[Identifier, Logit]] = Field(
        default_factory=dict, description="Per principal and venue: added to its utility while it lasts (logit).",
    )
    close: list[Identifier] = Field(
        default_factory=list, max_length=MAX_VENUES,
        description="Venues nobody can propose, counter-propose or agree while it lasts (a host withdraws).",
    )
    open: list[Identifier] = Field(
        default_factory=list, max_length=MAX_VENUES,
        description="Venues not on offer before (available: false, or closed by another event) on offer while it lasts.",
    )

    @property
    def structural(self) -> bool:
        """True when it changes a red line, a utility or a venue's availability (6''')."""
        return bool(self.red_lines or self.utility or self.close or self.open)


class Trigger(Strict):
    """Eq. (6''): the state of a run in which a shock's hazard applies; every condition
    given must hold at the start of the round (the run's state after the round before)."""

    preparing: Flag = Field(False, description="Only while a summit agreed earlier is in preparation.")
    collapsed: Flag = Field(False, description="Only after the run's first collapse of a summit in preparation.")
    collapsed_within: Rounds | None = Field(
        None, description="Only in the N rounds after the run's latest collapse.",
    )
    failed_rounds: Rounds | None = Field(None, description="Only after at least N failed rounds in all.")
    failed_in_a_row: Rounds | None = Field(
        None, description="Only after at least N failed rounds in a row (an agreement resets the count).",
    )
    progress_at_least: Level | None = Field(
        None, description="Only while the negotiation track's progress is at least this level (eq. 11).",
    )
    progress_below: Level | None = Field(
        None, description="Only while the negotiation track's progress is below this level (eq. 11).",
    )

    @model_validator(mode="after")
    def _some_condition(self) -> "Trigger":
        if not self.conditions:
            raise ValueError("give at least one condition (preparing, collapsed, collapsed_within, "
                             "failed_rounds, failed_in_a_row, progress_at_least, progress_below), or leave out when")
        return self

    @property
    def conditions(self) -> list[str]:
        """The names of the conditions set."""
        return [name for name, value in self if value not in (None, False)]


class Shock(Effects):
    """A random event with a per-round hazard, e.g. an escalation; or, with ``at``, a
    dated event that may not happen; with ``when``, one that can happen only in some
    states of the run."""

    name: Name
    hazard: Probability = Field(description="Chance per round that it starts (with at: that it happens).")
    at: Date | None = Field(None, description="It can start only in the round that includes this date (eq. 6'').")
    when: Trigger | None = Field(None, description="It can start only in rounds in which these conditions hold (eq. 6'').")
    rounds: Whole = Field(1, ge=1, le=MAX_ROUNDS, description="How long it lasts.")
    lasting_readiness: dict[Identifier, Logit] = Field(
        default_factory=dict,
        description="Per principal: added to its readiness each time the shock starts, for the rest of the run.",
    )


class Events(Strict):
    scheduled: list[ScheduledEvent] = Field(default_factory=list, max_length=MAX_EVENTS)
    shocks: list[Shock] = Field(default_factory=list, max_length=MAX_EVENTS)


class Preparation(PreparationLength):
    """The period between agreeing a summit and holding it."""

    rounds: Whole = Field(2, ge=0, le=MAX_ROUNDS, description="Rounds of preparation (the shortest, with rounds_max).")
    collapse_risk: Probability = Field(0.1, description="Chance per round of collapse.")


class Announced(Strict):
    """A summit already agreed when the horizon opens: every run starts in preparation,
    to be held in the round containing ``date`` (eq. 4b); without ``venue`` the date is
    set and the venue still open."""

    venue: Identifier | None = Field(
        None, description="Where it is to be held; none: the date is set, the venue still to be agreed.",
    )
    date: Date = Field(description="The day it is to be held; the summit is held in the round containing it.")
    parties: list[Identifier] | None = Field(
        None, max_length=MAX_MEDIATORS,
        description="Mediators announced to attend; none: each joins by eq. (9) at the start.",
    )


class Gathering(Strict):
    """A scheduled multilateral event (a G20, a UN General Assembly) on whose sidelines the
    principals may meet (eq. 4c)."""

    name: Name
    venue: Identifier = Field(description="Where it is held: a venue id.")
    start: Date = Field(description="Its first day.")
    rounds: Whole = Field(1, ge=1, le=MAX_ROUNDS, description="How many rounds it runs.")
    attendance: dict[Identifier, Probability] = Field(
        default_factory=dict,
        description="Per principal: chance that it attends, drawn once per run; unlisted principals attend.",
    )
    preparation: Whole = Field(
        0, ge=0, le=MAX_ROUNDS,
        description="Rounds ahead a sideline meeting is arranged: agreed this many rounds before it is held.",
    )
    readiness: dict[Identifier, Logit] = Field(
        default_factory=dict,
        description="Per principal: added to its readiness while the gathering runs, in runs where it attends.",
    )


class Talks(Strict):
    """Delegation-level talks that move the negotiation track (eq. 11): once, or every
    ``every`` rounds from ``date`` until ``until``."""

    name: Name
    date: Date = Field(description="The day of the first round of talks.")
    every: Rounds | None = Field(None, description="Rounds between recurrences; none: held once.")
    until: Date | None = Field(None, description="The last day a recurrence may fall on; none: the horizon's end.")
    step: Step = Field(description="Mean progress a round of talks makes (negative: a setback).")
    sd: Spread = Field(0.0, description="Standard deviation of a round's progress, drawn per run and round.")


class Effort(Strict):
    """A mediator's own work on the track: progress per round while it is engaged (eq. 11)."""

    step: Step = Field(description="Mean progress per round while the mediator is engaged.")
    sd: Spread = Field(0.0, description="Standard deviation of a round's progress, drawn per run and round.")


class Track(Strict):
    """The negotiation track (eq. 11): progress towards a deal at delegation level, from 0
    (nothing agreed) to 1 (a deal ready to sign), that the principals' readiness may
    depend on and that a principal may require before it meets."""

    name: Name = Field("negotiation track", description="What the track is towards (a ceasefire, a framework).")
    start: Progress = Field(0.0, description="Progress when the horizon opens.")
    floor: Progress = Field(0.0, description="Progress never falls below this level.")
    decay: Probability = Field(0.0, description="Share of the progress above the floor lost per round.")
    talks: list[Talks] = Field(default_factory=list, max_length=MAX_EVENTS)
    effort: dict[Identifier, Effort] = Field(default_factory=dict, description="Per mediator: its effort (eq. 11).")
    readiness: dict[Identifier, Logit] = Field(
        default_factory=dict, description="Per principal: logit added to its readiness per unit of progress.",
    )
    requires: dict[Identifier, Level] = Field(
        default_factory=dict,
        description="Per principal: it accepts no venue while progress is below this level (1: only to sign).",
    )

    @model_validator(mode="after")
    def _start_above_floor(self) -> "Track":
        if self.start < self.floor:
            raise ValueError(f"start ({self.start}) is below floor ({self.floor}); progress never falls below the floor")
        return self


class Simulation(Strict):
    runs: Whole = Field(50_000, ge=1, le=MAX_RUNS)
    seed: Whole = Field(0, ge=0, le=2**63 - 1)


class Scenario(Strict):
    """A whole scenario: identity, calendar, venues, actors, events and run settings."""

    name: Identifier
    title: Name
    evidence: list[Annotated[str, StringConstraints(pattern=r"^[A-Z][0-9]{1,4}$")]] = (
        Field(default_factory=list, max_length=1000)
    )
    notes: Text = ""
    time: Time
    venues: dict[Identifier, Venue] = Field(min_length=1, max_length=MAX_VENUES)
    actors: dict[Identifier, Actor] = Field(
        min_length=2, max_length=MAX_PRINCIPALS + MAX_MEDIATORS
    )
    events: Events = Field(default_factory=Events)
    preparation: Preparation = Field(default_factory=Preparation)
    announced: Announced | None = Field(None, description="A summit already agreed when the horizon opens (eq. 4b).")
    gatherings: list[Gathering] = Field(
        default_factory=list, max_length=MAX_EVENTS,
        description="Scheduled multilateral events on whose sidelines the principals may meet (eq. 4c).",
    )
    track: Track | None = Field(None, description="The negotiation track towards a deal (eq. 11).")
    simulation: Simulation = Field(default_factory=Simulation)
    uncertain: dict[Annotated[str, StringConstraints(max_length=300)], Distribution] = Field(
        default_factory=dict,
        max_length=MAX_UNCERTAIN,
        description="Distributions of numeric fields, keyed by --set paths (sim run --propagate, sensitivity, discover).",
    )

    @field_validator("uncertain", mode="before")
    @classmethod
    def _removed_entries(cls, value: object) -> object:
        """``PATH: null`` drops an entry inherited through ``extends``; ``uncertain: null`` all."""
        if value is None:
            return {}
        return {k: v for k, v in value.items() if v is not None} if isinstance(value, dict) else value

    @model_validator(mode="after")
    def _references(self) -> "Scenario":
        problems = list(_reference_problems(self)) + list(uncertain_problems(self))
        if problems:
            # Not a ValueError: pydantic lets it through with our field paths intact.
            raise ScenarioError(problems)
        return self

    @property
    def principals(self) -> dict[str, Principal]:
        return {k: a for k, a in self.actors.items() if isinstance(a, Principal)}

    @property
    def mediators(self) -> dict[str, Mediator]:
        return {k: a for k, a in self.actors.items() if isinstance(a, Mediator)}


def _reference_problems(scenario: Scenario):
    """Yield every id that points at nothing, and counts the schema cannot express."""
    yield from _time_problems(scenario)
    yield from _count_problems(scenario)
    yield from _unlisted_venue_problems(scenario)
    yield from _venue_problems(scenario)
    yield from _principal_problems(scenario)
    yield from _mediator_problems(scenario)
    yield from _event_problems(scenario)
    yield from _structure_problems(scenario)
    yield from _announced_problems(scenario)
    yield from _gathering_problems(scenario)
    yield from _track_problems(scenario)


def _unknown(path: str, ref: str, allowed: Iterable[str], kind: str) -> Problem:
    """An id that names nothing of its kind, with the ids that would do."""
    listed = ", ".join(sorted(allowed)) or "none defined"
    return Problem(path, f"unknown {kind} '{ref}'; expected one of: {listed}")


def _time_problems(scenario: Scenario):
    """Milestones outside the horizon or repeated (here, so they are reported with the events' dates)."""
    time = scenario.time
    for i, day in enumerate(time.milestones):
        if not time.start <= day <= time.horizon_end:
            yield Problem(f"time.milestones.{i}", f"{day} is outside the horizon ({time.start} to {time.horizon_end})")
    if len(set(time.milestones)) != len(time.milestones):
        yield Problem("time.milestones", "lists a date more than once")


def _count_problems(scenario: Scenario):
    """How many principals and mediators the engine can take."""
    principals, mediators = scenario.principals, scenario.mediators
    if len(principals) < 2:
        yield Problem("actors", f"needs at least 2 principals, found {len(principals)}")
    if len(principals) > MAX_PRINCIPALS:
        yield Problem("actors", f"at most {MAX_PRINCIPALS} principals, found {len(principals)}")
    if len(mediators) > MAX_MEDIATORS:
        yield Problem("actors", f"at most {MAX_MEDIATORS} mediators, found {len(mediators)}")


def _unlisted_venue_problems(scenario: Scenario):
    """At most one venue stands for those not on the list, and nobody proposes, concedes
    to or red-lines it."""
    unlisted = [vid for vid, venue in scenario.venues.items() if venue.unlisted_share > 0]
    for vid in unlisted[1:]:
        yield Problem(f"venues.{vid}.unlisted_share",
                      f"only one venue may stand for a venue not on the list; {unlisted[0]} already does")
    for aid, actor in scenario.mediators.items():
        for i, vid in enumerate(actor.proposes):
            if vid in unlisted:
                yield Problem(f"actors.{aid}.proposes.{i}",
                              f"'{vid}' stands for a venue not on the list (unlisted_share); nobody proposes it")
    for aid, actor in scenario.principals.items():
        for i, vid in enumerate(actor.red_lines):
            if vid in unlisted:
                yield Problem(f"actors.{aid}.red_lines.{i}",
                              f"'{vid}' stands for a venue not on the list (unlisted_share); it cannot be a red line")
        for i, vid in enumerate(actor.concede.to or [] if actor.concede else []):
            if vid in unlisted:
                yield Problem(f"actors.{aid}.concede.to.{i}",
                              f"'{vid}' stands for a venue not on the list (unlisted_share); nobody concedes to it")


def _venue_problems(scenario: Scenario):
    """A venue's host must be an actor."""
    for vid, venue in scenario.venues.items():
        if venue.host is not None and venue.host not in scenario.actors:
            yield _unknown(f"venues.{vid}.host", venue.host, scenario.actors, "actor")


def _principal_problems(scenario: Scenario):
    """A principal's venues, red lines, concessions and presence preferences name what exists."""
    venues = set(scenario.venues)
    for aid, actor in scenario.principals.items():
        if actor.counter_rationality is not None:
            if not actor.counter_propose:
                yield Problem(f"actors.{aid}.counter_rationality", "needs counter_propose: true; a principal "
                                                                   "that makes no counter-proposals draws none")
            elif actor.concede is not None:
                yield Problem(f"actors.{aid}.counter_rationality", "set either concede (a fixed walk down a list) "
                                                                   "or counter_rationality (a drawn choice), not both")
        if actor.concede is not None:
            if not actor.counter_propose:
                yield Problem(f"actors.{aid}.concede", "needs counter_propose: true; a principal that makes "
                                                       "no counter-proposals has nothing to concede")
            for i, vid in enumerate(actor.concede.to or []):
                if vid not in venues:
                    yield _unknown(f"actors.{aid}.concede.to.{i}", vid, venues, "venue")
                elif vid in actor.red_lines:
                    yield Problem(f"actors.{aid}.concede.to.{i}", f"'{vid}' is one of {aid}'s own red lines")
            if actor.concede.to is not None and len(set(actor.concede.to)) != len(actor.concede.to):
                yield Problem(f"actors.{aid}.concede.to", "lists a venue more than once")
        for vid in actor.venues:
            if vid not in venues:
                yield _unknown(f"actors.{aid}.venues.{vid}", vid, venues, "venue")
        for mid in actor.presence:
            if mid not in scenario.mediators:
                yield _unknown(f"actors.{aid}.presence.{mid}", mid, scenario.mediators, "mediator")
        for i, vid in enumerate(actor.red_lines):
            if vid not in venues:
                yield _unknown(f"actors.{aid}.red_lines.{i}", vid, venues, "venue")


def _mediator_problems(scenario: Scenario):
    """A mediator's leverage and proposals name what exists; its spreads and dates make sense."""
    venues, principals = set(scenario.venues), set(scenario.principals)
    for aid, actor in scenario.mediators.items():
        for pid in actor.leverage:
            if pid not in principals:
                yield _unknown(f"actors.{aid}.leverage.{pid}", pid, principals, "principal")
        for i, vid in enumerate(actor.proposes):
            if vid not in venues:
                yield _unknown(f"actors.{aid}.proposes.{i}", vid, venues, "venue")
        if len(set(actor.proposes)) != len(actor.proposes):
            yield Problem(f"actors.{aid}.proposes", "lists a venue more than once")
        if actor.pressure_on == "proposals" and not actor.proposes:
            yield Problem(f"actors.{aid}.pressure_on", "proposals needs venues in proposes: its pressure "
                          "would make no venue more acceptable (use all, or list the venues it pushes)")
        if actor.attends and actor.join_probability is not None:
            yield Problem(f"actors.{aid}.join_probability",
                          "set either attends: true (always joins) or join_probability, not both")
        for spread, field, centre in (
            ("patience_spread", "patience", actor.patience),
            ("pause_spread", "pause_rounds", actor.pause_rounds),
        ):
            width = getattr(actor, spread)
            if width and centre is None:
                yield Problem(
                    f"actors.{aid}.{spread}",
                    f"needs {field}; without it there is nothing to spread (set {spread} to 0 as well)",
                )
            elif width and width >= centre:
                yield Problem(
                    f"actors.{aid}.{spread}",
                    f"must be less than {field} ({centre}) so that every run's value is at least 1, got {width}",
                )
        for i, deadline in enumerate(actor.pressure.deadlines):
            if deadline.date < scenario.time.start:
                yield Problem(
                    f"actors.{aid}.pressure.deadlines.{i}.date",
                    f"{deadline.date} is before time.start ({scenario.time.start})",
                )


def _event_problems(scenario: Scenario):
    """Events move actors that exist, and scheduled ones fall within the horizon's start."""
    principals, mediators = set(scenario.principals), set(scenario.mediators)
    for kind, events in (("scheduled", scenario.events.scheduled), ("shocks", scenario.events.shocks)):
        for i, event in enumerate(events):
            base = f"events.{kind}.{i}"
            for pid in event.readiness:
                if pid not in principals:
                    yield _unknown(f"{base}.readiness.{pid}", pid, principals, "principal")
            for mid in event.pressure:
                if mid not in mediators:
                    yield _unknown(f"{base}.pressure.{mid}", mid, mediators, "mediator")
            for pid in getattr(event, "lasting_readiness", {}):
                if pid not in principals:
                    yield _unknown(f"{base}.lasting_readiness.{pid}", pid, principals, "principal")
            at = getattr(event, "at", None)
            if at is not None and at < scenario.time.start:
                yield Problem(f"{base}.at", f"{at} is before time.start ({scenario.time.start})")
            if isinstance(event, ScheduledEvent) and event.date < scenario.time.start:
                yield Problem(
                    f"{base}.date", f"{event.date} is before time.start ({scenario.time.start})"
                )


def _structure_problems(scenario: Scenario):
    """Eq. (6'''): a scheduled event's structural changes name principals and venues of the
    list and each can change something: a lifted red line is one the principal has (in
    ``red_lines`` or imposed by some event), an imposed one is not already fixed, a closed
    venue is on offer at some time, an opened one is not; the venue standing for those not
    on the list (unlisted_share) is never closed, opened or red-lined."""
    venues = scenario.venues
    unlisted = {vid for vid, venue in venues.items() if venue.unlisted_share > 0}
    for vid in sorted(unlisted):
        if not venues[vid].available:
            yield Problem(f"venues.{vid}.available", f"'{vid}' stands for a venue not on the list "
                                                     "(unlisted_share); it is never on offer, so it cannot be closed")
    events = scenario.events.scheduled
    imposed = {(pid, vid) for e in events for pid, c in e.red_lines.items() for vid in c.impose}
    lifted = {(pid, vid) for e in events for pid, c in e.red_lines.items() for vid in c.lift}
    for i, event in enumerate(events):
        base = f"events.scheduled.{i}"
        if event.for_good and "rounds" in event.model_fields_set:
            yield Problem(f"{base}.for_good", "set either rounds or for_good: true (to the horizon), not both")
        yield from _red_line_change_problems(scenario, base, event, unlisted, imposed, lifted)
        for pid, shifts in event.utility.items():
            if pid not in scenario.principals:
                yield _unknown(f"{base}.utility.{pid}", pid, scenario.principals, "principal")
                continue
            for vid in shifts:
                if vid not in venues:
                    yield _unknown(f"{base}.utility.{pid}.{vid}", vid, venues, "venue")
        yield from _availability_change_problems(scenario, base, event, unlisted)
    announced = scenario.announced
    if announced is not None and announced.venue in venues and not venues[announced.venue].available:
        yield Problem("announced.venue", f"'{announced.venue}' has available: false; a summit announced there "
                                         "could never have been agreed")


def _red_line_change_problems(scenario: Scenario, base: str, event: ScheduledEvent, unlisted: set[str],
                              imposed: set[tuple[str, str]], lifted: set[tuple[str, str]]):
    """Eq. (6'''): one event's ``red_lines``: principals, venues, and a change each."""
    for pid, change in event.red_lines.items():
        if pid not in scenario.principals:
            yield _unknown(f"{base}.red_lines.{pid}", pid, scenario.principals, "principal")
            continue
        own = set(scenario.principals[pid].red_lines)
        for key, listed in (("lift", change.lift), ("impose", change.impose)):
            if len(set(listed)) != len(listed):
                yield Problem(f"{base}.red_lines.{pid}.{key}", "lists a venue more than once")
            for j, vid in enumerate(listed):
                path = f"{base}.red_lines.{pid}.{key}.{j}"
                if vid not in scenario.venues:
                    yield _unknown(path, vid, scenario.venues, "venue")
                elif vid in unlisted:
                    yield Problem(path, f"'{vid}' stands for a venue not on the list (unlisted_share); "
                                        "it cannot be a red line")
                elif key == "lift" and vid not in own and (pid, vid) not in imposed:
                    yield Problem(path, f"'{vid}' is not a red line of {pid} (not in its red_lines, imposed "
                                        "by no event): nothing to lift")
                elif key == "impose" and vid in change.lift:
                    yield Problem(path, f"'{vid}' is also lifted by this event; lift or impose it, not both")
                elif key == "impose" and vid in own and (pid, vid) not in lifted:
                    yield Problem(path, f"'{vid}' is already one of {pid}'s red_lines and no event lifts it")


def _availability_change_problems(scenario: Scenario, base: str, event: ScheduledEvent, unlisted: set[str]):
    """Eq. (6'''): one event's ``close`` and ``open``: venues of the list, a change each."""
    venues, events = scenario.venues, scenario.events.scheduled
    opened = {vid for e in events for vid in e.open}
    closed = {vid for e in events for vid in e.close}
    for key, listed in (("close", event.close), ("open", event.open)):
        if len(set(listed)) != len(listed):
            yield Problem(f"{base}.{key}", "lists a venue more than once")
        for j, vid in enumerate(listed):
            path = f"{base}.{key}.{j}"
            if vid not in venues:
                yield _unknown(path, vid, venues, "venue")
            elif vid in unlisted:
                yield Problem(path, f"'{vid}' stands for a venue not on the list (unlisted_share); "
                                    "it is never on offer, so it cannot be closed or opened")
            elif key == "open" and vid in event.close:
                yield Problem(path, f"'{vid}' is also closed by this event; close or open it, not both")
            elif key == "close" and not venues[vid].available and vid not in opened:
                yield Problem(path, f"'{vid}' has available: false and no event opens it: nothing to close")
            elif key == "open" and venues[vid].available and vid not in closed:
                yield Problem(path, f"'{vid}' is on offer from the start and no event closes it: nothing to "
                                    f"open (set venues.{vid}.available: false to add it later)")


def _announced_problems(scenario: Scenario):
    """An announced summit falls within the horizon, at a venue nobody red-lines, with
    mediators as its announced parties."""
    announced = scenario.announced
    if announced is None:
        return
    time = scenario.time
    if not time.start <= announced.date <= time.horizon_end:
        yield Problem("announced.date", f"{announced.date} is outside the horizon ({time.start} to {time.horizon_end})")
    venue = announced.venue
    if venue is not None and venue not in scenario.venues:
        yield _unknown("announced.venue", venue, scenario.venues, "venue")
    elif venue is not None:
        refusing = [pid for pid, p in scenario.principals.items() if venue in p.red_lines]
        if refusing:
            yield Problem("announced.venue", f"'{venue}' is a red line of {', '.join(refusing)}; "
                                             "a summit announced there could never have been agreed")
    if announced.parties is not None:
        if venue is None:
            yield Problem("announced.parties", "needs announced.venue: with the venue open, who attends "
                                               "is settled when it is agreed (eq. 9)")
        for i, mid in enumerate(announced.parties):
            if mid not in scenario.mediators:
                yield _unknown(f"announced.parties.{i}", mid, scenario.mediators, "mediator")
        if len(set(announced.parties)) != len(announced.parties):
            yield Problem("announced.parties", "lists a mediator more than once")


def _gathering_problems(scenario: Scenario):
    """A gathering is held at a venue of the list that stands for itself, from a day of the
    horizon's start on, and names principals only."""
    principals = set(scenario.principals)
    for g, gathering in enumerate(scenario.gatherings):
        base = f"gatherings.{g}"
        if gathering.venue not in scenario.venues:
            yield _unknown(f"{base}.venue", gathering.venue, scenario.venues, "venue")
        elif scenario.venues[gathering.venue].unlisted_share > 0:
            yield Problem(f"{base}.venue", f"'{gathering.venue}' stands for a venue not on the list (unlisted_share); "
                                           "a gathering is held at a venue of the list")
        if gathering.start < scenario.time.start:
            yield Problem(f"{base}.start", f"{gathering.start} is before time.start ({scenario.time.start})")
        for field in ("attendance", "readiness"):
            for pid in getattr(gathering, field):
                if pid not in principals:
                    yield _unknown(f"{base}.{field}.{pid}", pid, principals, "principal")


def _track_problems(scenario: Scenario):
    """The track names principals and mediators that exist, its talks fall within the
    horizon, and nothing moves or reads a track the scenario does not have."""
    track = scenario.track
    if track is None:
        for kind, events in (("scheduled", scenario.events.scheduled), ("shocks", scenario.events.shocks)):
            for i, event in enumerate(events):
                if event.progress:
                    yield Problem(f"events.{kind}.{i}.progress", "needs a track: the scenario has no track: section")
                when = getattr(event, "when", None)
                for field in ("progress_at_least", "progress_below"):
                    if when is not None and getattr(when, field) is not None:
                        yield Problem(f"events.{kind}.{i}.when.{field}",
                                      "needs a track: the scenario has no track: section")
        return
    principals, mediators, time = set(scenario.principals), set(scenario.mediators), scenario.time
    for field in ("readiness", "requires"):
        for pid in getattr(track, field):
            if pid not in principals:
                yield _unknown(f"track.{field}.{pid}", pid, principals, "principal")
    for mid in track.effort:
        if mid not in mediators:
            yield _unknown(f"track.effort.{mid}", mid, mediators, "mediator")
    for i, talks in enumerate(track.talks):
        if not time.start <= talks.date <= time.horizon_end:
            yield Problem(f"track.talks.{i}.date", f"{talks.date} is outside the horizon ({time.start} to {time.horizon_end})")
        if talks.until is not None:
            if talks.every is None:
                yield Problem(f"track.talks.{i}.until", "needs every: talks held once have no last recurrence")
            elif talks.until < talks.date:
                yield Problem(f"track.talks.{i}.until", f"{talks.until} is before the talks' date ({talks.date})")


def json_schema() -> dict:
    """The JSON Schema of scenario files, generated from the models (for editors).

    A file with ``extends:`` states only what it changes, so it is checked against a
    *partial* schema: the same fields and types, unknown keys still errors, but nothing
    required. A file without ``extends`` must also satisfy the full schema.
    """
    full = Scenario.model_json_schema()
    definitions = full.pop("$defs", {})
    extends = {"type": "string", "description": ("Parent scenario file, relative to this one; in the folder of "
                                                 "the file run or below it (or under SIM_EXTENDS_ROOT).")}
    full["properties"] = {"extends": extends, **full["properties"]}
    partial = _partial(full)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "sim scenario",
        "description": full.get("description", ""),
        "type": "object",
        "properties": partial["properties"],
        "additionalProperties": False,
        "if": {"required": ["extends"]},
        "then": {},
        "else": {"$ref": "#/$defs/Scenario"},
        "$defs": {
            **definitions,
            **{f"Partial{name}": _partial(node) for name, node in definitions.items()},
            "Scenario": full,
        },
    }


def _partial(node: object) -> object:
    """A schema fragment with every requirement dropped and references to partial parts."""
    if isinstance(node, list):
        return [_partial(item) for item in node]
    if not isinstance(node, dict):
        return node
    dropped = {"required", "minProperties", "minItems", "discriminator"}
    result = {}
    for key, value in node.items():
        if key in dropped:
            continue
        if key == "$ref" and isinstance(value, str) and value.startswith("#/$defs/"):
            result[key] = "#/$defs/Partial" + value.removeprefix("#/$defs/")
        elif key == "oneOf":  # a partial actor may match both roles' partial schemas
            result["anyOf"] = _partial(value)
        else:
            result[key] = _partial(value)
    return result