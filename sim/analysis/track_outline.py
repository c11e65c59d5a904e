"""The negotiation track as ``sim explain`` tells it, before simulating (eq. 11).

The outline is the track's *expected path*: progress round by round with every step at
its mean, every mediator engaged and no shock, so an analyst sees at a glance when talks
alone would bring the deal and when a principal that requires a level would first meet.
The runs spread around it (spreads, setbacks, mediators who give up); ``sim run`` reports
how often the deal actually comes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.engine.inputs import ModelInputs
from sim.scenario.schema import Scenario


@dataclass(frozen=True)
class TrackOutline:
    """A scenario's track: its sources of progress and its expected path."""

    name: str
    start: float
    floor: float
    decay: float
    sources: tuple[str, ...]  # talks, efforts and events that move it, in words
    readiness: dict[str, float]  # per principal: logit per unit of progress
    requires: dict[str, float]  # per principal: the level it needs before it meets
    path: tuple[float, ...]  # expected progress after each round 1..T
    first_day: dict[int, str]  # round -> its opening day, for the rounds the sentences name

    @property
    def deal_round(self) -> int | None:
        """The round the expected path reaches the deal, or None within the horizon."""
        reached = [t for t, x in enumerate(self.path, start=1) if x >= 1.0]
        return reached[0] if reached else None

    def round_reaching(self, level: float) -> int | None:
        """The first round the expected path reaches ``level``."""
        reached = [t for t, x in enumerate(self.path, start=1) if x >= level]
        return reached[0] if reached else None

    def sentences(self) -> list[str]:
        """Lines for ``sim explain``."""
        lines = [f"Track: {self.name}, from progress {self.start:g} (floor {self.floor:g}, "
                 f"decay {self.decay:g} per round) to a deal at 1."]
        lines += [f"  moved by {source}" for source in self.sources] or ["  nothing moves it but random events."]
        deal = self.deal_round
        expected = "  Expected path (mean steps, no shocks):"
        lines.append(f"{expected} the deal in round {deal}, week of {self.first_day[deal]}." if deal
                     else f"{expected} {self.path[-1]:.2f} at the horizon, no deal.")
        for pid, weight in self.readiness.items():
            lines.append(f"  {pid}'s readiness grows by {weight:+g} per unit of progress.")
        for pid, level in self.requires.items():
            first = self.round_reaching(level)
            when = f"on the expected path from round {first}" if first else "not on the expected path"
            what = "only to sign (progress 1)" if level >= 1.0 else f"only from progress {level:g}"
            lines.append(f"  {pid} meets {what}: {when}.")
        return lines


def outline_track(scenario: Scenario, inputs: ModelInputs) -> TrackOutline | None:
    """The track of ``scenario`` (compiled as ``inputs``), or None without one."""
    track, spec = inputs.track, scenario.track
    if track is None or spec is None:
        return None
    path = expected_path(inputs)
    time = scenario.time
    sources = [
        f"talks '{talks.name}' from {talks.date}" + (f", every {talks.every} rounds" if talks.every else ", once")
        + f": {talks.step:+g} a round" + (f" (sd {talks.sd:g})" if talks.sd else "")
        for talks in spec.talks
    ]
    sources += [f"{mid}'s effort: {effort.step:+g} per engaged round" + (f" (sd {effort.sd:g})" if effort.sd else "")
                for mid, effort in spec.effort.items()]
    sources += [f"event '{event.name}' on {event.date}: {event.progress:+g} per round for {event.rounds} round(s)"
                for event in scenario.events.scheduled if event.progress]
    sources += [f"shock '{shock.name}': {shock.progress:+g} per active round" for shock in scenario.events.shocks
                if shock.progress]
    return TrackOutline(
        name=spec.name, start=spec.start, floor=spec.floor, decay=spec.decay, sources=tuple(sources),
        readiness=dict(spec.readiness), requires=dict(spec.requires), path=tuple(float(x) for x in path[1:]),
        first_day={t: time.round_date(t).isoformat() for t in range(1, time.rounds + 1)},
    )


def expected_path(inputs: ModelInputs) -> np.ndarray:
    """Eq. (11) with every step at its mean, every mediator engaged and no shock:
    progress after each round, index t (index 0 is the start)."""
    track = inputs.track
    path = np.empty(inputs.rounds + 1)
    path[0] = x = track.start
    effort = float(track.effort_step.sum())
    for t in range(1, inputs.rounds + 1):
        if x < 1.0:
            if t > 1:
                x = track.floor + (x - track.floor) * (1.0 - track.decay)
            x += float(track.talks_on[:, t] @ track.talks_step) + effort + float(track.scheduled[t])
            x = 1.0 if x >= 1.0 else max(x, track.floor)
        path[t] = x
    return path
