"""sim: Monte Carlo simulation of whether, when and where a summit between adversaries happens.

The public API, for notebooks and scripts::

    from sim import load_scenario, simulate, with_values
    scenario = load_scenario("scenarios/base.yaml")
    result = simulate(scenario, runs=20_000)
    result.summary.p_summit        # Estimate(count, trials, value, low, high)
    result.p_by("2026-06-30")      # P(summit held by that date), the same kind of Estimate
    simulate(with_values(scenario, {"actors.putin.readiness": -3.0}))  # at exact values

``uncertain_parameters(file)`` lists what a file leaves uncertain, each as a
:class:`Distribution` (``support``, ``ppf``, ``to_scipy()``); docs/notebook.md has the
table of names and a recipe for EMA Workbench.

The package is layered (see docs/architecture.md): ``sim.scenario`` → ``sim.engine`` →
``sim.execution`` → ``sim.analysis`` → ``sim.report`` → ``sim.cli``, each importing only
from the layers before it. Names here are imported lazily so that the command line
starts fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from sim.version import __version__

#: public name -> the module that defines it
_EXPORTS = {
    "load_scenario": "sim.scenario.loader",
    "scenario_from_document": "sim.scenario.loader",
    "Scenario": "sim.scenario.schema",
    "with_values": "sim.scenario.parameters",
    "uncertain_parameters": "sim.scenario.parameters",
    "UncertainParameters": "sim.scenario.parameters",
    "Distribution": "sim.scenario.distributions",
    "simulate": "sim.execution.runner",
    "Result": "sim.execution.runner",
    "Summary": "sim.execution.aggregate",
    "Estimate": "sim.stats",
    "wilson_interval": "sim.stats",
    "analyse_zone": "sim.analysis.zone",
    "load_casebook": "sim.analysis.casebook",
    "run_backtest": "sim.analysis.backtest",
    "Backtest": "sim.analysis.backtest",
    "summary_records": "sim.report.export",
    "SimError": "sim.errors",
    "ScenarioError": "sim.errors",
    "UsageError": "sim.errors",
}

__all__ = sorted(_EXPORTS)

if TYPE_CHECKING:  # for editors and type checkers; at run time names load on first use
    from sim.analysis.backtest import Backtest, run_backtest
    from sim.analysis.casebook import load_casebook
    from sim.analysis.zone import analyse_zone
    from sim.errors import ScenarioError, SimError, UsageError
    from sim.execution.aggregate import Summary
    from sim.execution.runner import Result, simulate
    from sim.report.export import summary_records
    from sim.scenario.loader import load_scenario, scenario_from_document
    from sim.scenario.distributions import Distribution
    from sim.scenario.parameters import UncertainParameters, uncertain_parameters, with_values
    from sim.scenario.schema import Scenario
    from sim.stats import Estimate, wilson_interval


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'sim' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
