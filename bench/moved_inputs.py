"""Which fields of the compiled inputs each uncertain parameter moves.

    python bench/moved_inputs.py [--scenario scenarios/base.yaml] [--quantiles 0.001,0.9,0.999]

Compiles the scenario at its nominal values and, for each uncertain parameter, with that
parameter alone set to each quantile of its distribution (as ``sim sensitivity`` would),
and prints the ``ModelInputs`` fields that differ. Points of a sensitivity analysis share
an engine batch when what they change is numbers the engine holds per lane
(``sim.engine.stacked.LANE_FIELDS``), not the structure (a favourite, a red line, a venue
list): docs/performance.md, "Analyses at their defaults", quotes this for base.yaml.
"""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path
from typing import Any

import numpy as np

from common import ROOT

from sim.engine.inputs import compile_inputs
from sim.scenario.loader import load_document, scenario_from_document
from sim.scenario.parameters import effective, nominal_values, scenario_at


def same(a: Any, b: Any) -> bool:
    """Whether two field values are equal, arrays element by element."""
    if isinstance(a, tuple) and isinstance(b, tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return np.array_equal(a, b)
    return a == b


def moved(a: Any, b: Any, prefix: str = "") -> list[str]:
    """The dotted names of the fields that differ between two compiled inputs."""
    names = []
    for field in dataclasses.fields(a):
        x, y = getattr(a, field.name), getattr(b, field.name)
        name = prefix + field.name
        if dataclasses.is_dataclass(x) and dataclasses.is_dataclass(y):
            names += moved(x, y, name + ".")
        elif isinstance(x, tuple) and x and all(dataclasses.is_dataclass(e) for e in x) and len(x) == len(y):
            for k, (p, q) in enumerate(zip(x, y)):
                names += moved(p, q, f"{name}[{k}].")
        elif not same(x, y):
            names.append(name)
    return names


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default=str(ROOT / "scenarios" / "base.yaml"))
    parser.add_argument("--quantiles", default="0.001,0.9,0.999")
    args = parser.parse_args()
    file = args.scenario
    document = load_document(file, [])
    scenario = scenario_from_document(document, file)
    nominal = nominal_values(scenario)
    reference = compile_inputs(scenario)
    quantiles = np.array([float(q) for q in args.quantiles.split(",")])
    print(f"{Path(file).name}: the ModelInputs fields each uncertain parameter moves, at quantiles "
          f"{', '.join(f'{q:g}' for q in quantiles)}")
    for path, distribution in effective(file, [], scenario).distributions.items():
        fields: dict[str, None] = {}
        for value in distribution.ppf(quantiles):
            fields.update(dict.fromkeys(moved(reference, compile_inputs(scenario_at(document, {path: value}, nominal, file)))))
        print(f"  {path}: {', '.join(fields) or '(nothing)'}")


if __name__ == "__main__":
    main()
