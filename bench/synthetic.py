"""Synthetic scenarios for the benchmarks: documents built as dicts, validated by the loader.

``document(...)`` scales the dimensions the engine's cost depends on (principals,
venues, rounds, mediators, shocks) while keeping the numbers in a realistic range: a
summit is neither certain in round 1 nor impossible, so the engine does real work for the
whole horizon. ``scenario(...)`` returns the validated :class:`sim.scenario.schema.Scenario`.
"""

from __future__ import annotations

from typing import Any

from sim.scenario.loader import scenario_from_document


def document(
    principals: int = 2,
    venues: int = 6,
    rounds: int = 48,
    mediators: int = 1,
    shocks: int = 1,
    strategy: str = "best",
    per_round: int = 1,
    patience: int | None = 12,
    pause: int | None = 8,
    prep_rounds: int = 3,
    readiness: float = -2.5,
    attends: bool = False,
    red_lines: bool = True,
    seed: int = 7,
) -> dict[str, Any]:
    """A scenario document with the given dimensions (see the module docstring)."""
    venue_ids = [f"v{k}" for k in range(venues)]
    principal_ids = [f"p{i}" for i in range(principals)]
    mediator_ids = [f"m{k}" for k in range(mediators)]
    doc_venues = {}
    for k, vid in enumerate(venue_ids):
        host = principal_ids[k] if k < principals and k < venues - 1 else None
        doc_venues[vid] = {
            "name": f"Venue {k}", "country": f"C{k}", "host": host,
            "neutral": host is None and k % 2 == 0, "third_party": host is None and k % 3 == 1,
        }
    actors: dict[str, Any] = {}
    for i, pid in enumerate(principal_ids):
        actor: dict[str, Any] = {
            "role": "principal", "name": f"Principal {i}",
            "readiness": readiness + 0.1 * (i % 3), "readiness_sd": 0.3 * (i % 2),
            "venue_weights": {"own_ground": 2.0, "opponent_ground": -2.0, "neutral": 0.5,
                              "third_party": -0.5 + (i % 2)},
            "venues": {venue_ids[(i + 2) % venues]: 0.5 + 0.1 * i},
            "pressure_sensitivity": 0.5 + 0.1 * (i % 4),
            "drift": 0.01 * ((i % 3) - 1), "drift_limit": 1.0, "sharpness": 1.0 + 0.1 * (i % 2),
            "counter_propose": True,
        }
        if red_lines and venues > 2 and i < venues - 2:  # venue 0 and the last venue stay open
            actor["red_lines"] = [venue_ids[i + 1]]
        actors[pid] = actor
    for k, mid in enumerate(mediator_ids):
        proposes = [vid for j, vid in enumerate(venue_ids) if (j + k) % max(1, mediators) == 0] or venue_ids
        actors[mid] = {
            "role": "mediator", "name": f"Mediator {k}",
            "pressure": {"start": 0.5, "growth": 0.02, "cap": 2.0,
                         "deadlines": [{"date": "2026-04-01", "boost": 0.5, "lead_rounds": 3}]},
            "leverage": {pid: 1.0 / (1 + (i + k) % 3) for i, pid in enumerate(principal_ids)},
            "proposes": proposes, "strategy": strategy,
            "proposals_per_round": min(per_round, len(proposes)),
            "attends": attends, "patience": patience, "pause_rounds": pause,
        }
    doc_shocks = [
        {"name": f"Shock {j}", "hazard": 0.02 + 0.01 * j, "rounds": 2 + j,
         "readiness": {principal_ids[j % principals]: -1.0},
         "pressure": {mediator_ids[j % mediators]: 0.5} if mediators else {},
         "collapse_risk": 0.1}
        for j in range(shocks)
    ]
    return {
        "name": f"synthetic_n{principals}_v{venues}_t{rounds}",
        "title": "Synthetic benchmark scenario",
        "time": {"start": "2026-02-01", "round_days": 7, "horizon_rounds": rounds},
        "venues": doc_venues,
        "actors": actors,
        "events": {
            "scheduled": [{"name": "Talks", "date": "2026-02-15", "rounds": 2,
                           "readiness": {principal_ids[0]: 0.2}, "collapse_risk": 0.05}],
            "shocks": doc_shocks,
        },
        "preparation": {"rounds": prep_rounds, "collapse_risk": 0.1},
        "simulation": {"runs": 50_000, "seed": seed},
    }


def scenario(**dimensions: Any):
    """The validated scenario of :func:`document` with these dimensions."""
    return scenario_from_document(document(**dimensions), source="<synthetic>")
