"""sim: Monte Carlo simulation of whether, when and where a summit between adversaries happens.

The public API, for notebooks and scripts::

    from sim import load_scenario, simulate
    result = simulate(load_scenario("scenarios/base.yaml"), runs=20_000)
    result.summary.p_summit        # Estimate(count, trials, value, low, high)

Names are imported lazily so that the command line starts fast.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "load_scenario": "loader",
    "scenario_from_document": "loader",
    "Scenario": "scenario",
    "simulate": "runner",
    "Result": "runner",
    "Summary": "stats",
    "Estimate": "stats",
    "wilson_interval": "stats",
    "analyse_zone": "zone",
    "SimError": "errors",
    "ScenarioError": "errors",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
    raise AttributeError(f"module 'sim' has no attribute {name!r}")
