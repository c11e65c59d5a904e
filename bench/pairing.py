"""How much common random numbers buy: paired against independent intervals of a difference.

    python bench/pairing.py [--runs 20000]
    PYTHONPATH=TREE python bench/pairing.py     # the engine of another checkout

``sim compare`` and ``sim sweep`` run every arm on the same seed, so that run ``r`` of a
variant and run ``r`` of the baseline share their random numbers and mostly end alike; the
difference is then estimated from the few runs that differ (Newcombe's paired interval).
Any change to how the engine draws its random numbers can weaken that pairing without
changing a single probability, so a candidate random stream is checked here as well as
for speed. For base.yaml against two small changes (Putin's readiness -3.4, the case of
``tests/test_paired.py``; the battlefield shock's hazard 0.03, a parameter of base's
``uncertain:`` block) it prints the difference in P(summit), the width of its paired 95%
interval, the width of the independent-samples interval on the same counts, and their
ratio: how many times narrower pairing makes the interval.
"""

from __future__ import annotations

import argparse
from typing import Callable

import sim
from sim.analysis.experiment import difference, run_arm
from sim.scenario.loader import load_document, scenario_from_document
from sim.scenario.schema import Scenario
from sim.stats import independent_difference

from common import ROOT

CHANGES: dict[str, Callable[[dict], None]] = {
    "putin.readiness -3.4": lambda doc: doc["actors"]["putin"].update(readiness=-3.4),
    "shock hazard 0.03": lambda doc: doc["events"]["shocks"][0].update(hazard=0.03),
}


def base_with(change: Callable[[dict], None] | None) -> Scenario:
    """scenarios/base.yaml with ``change`` applied to its document."""
    document = load_document(ROOT / "scenarios" / "base.yaml")
    if change is not None:
        change(document)
    return scenario_from_document(document)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20_000, help="runs per arm")
    args = parser.parse_args()
    print(f"engine: {sim.__file__}; {args.runs:,} runs per arm, base.yaml's seed")
    baseline = run_arm("base", base_with(None), runs=args.runs)
    base_held = int(baseline.held().sum())
    print(f"{'variant of base':22s} {'difference':>10s} {'paired':>8s} {'independent':>11s} {'ratio':>6s}")
    for name, change in CHANGES.items():
        arm = run_arm(name, base_with(change), runs=args.runs)
        paired = difference(arm, baseline)
        independent = independent_difference(int(arm.held().sum()), args.runs, base_held, args.runs)
        paired_width, independent_width = paired.high - paired.low, independent.high - independent.low
        print(f"{name:22s} {paired.value:+10.4f} {paired_width:8.4f} {independent_width:11.4f} "
              f"{independent_width / paired_width:5.2f}x")


if __name__ == "__main__":
    main()
