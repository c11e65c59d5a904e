"""How the casebook's Brier score depends on the coding rules' step S, and S fitted by LOO.

docs/coding-rules.md sets one constant a priori, the step S = 1.5 logits. This script
re-encodes every case with other steps and scores the forecasts against
seeds/history/outcomes.csv, then fits S by leave-one-out (for each case, the S that
scores best on the other cases forecasts the held-out one), as the rules require of
any fitted constant. docs/backtest.md quotes its output.

Every S-derived number in a case file is a multiple of 1.5 (readiness levels R0-R4,
the opponent-ground weight of V2, the V3 venue values, the E-rule readiness effects),
so scaling them by S / 1.5 applies the rules with step S; leverage and pressure (M1,
M2) do not depend on S. Documents are copied, never re-serialised, because the order of
venues and actors breaks ties in the model.

    python bench/casebook_step.py            # 5,000 runs a case and step, about a minute
"""

from __future__ import annotations

import copy
import csv
import sys
from pathlib import Path

import numpy as np
import yaml

from sim import scenario_from_document, simulate

ROOT = Path(__file__).resolve().parents[1]
STEPS = (0.75, 1.0, 1.25, 1.5, 2.0, 2.5, 3.0)
RULES_STEP = 1.5


def with_step(document: dict, step: float) -> dict:
    """The case document re-encoded with step ``step`` instead of the rules' 1.5."""
    factor = step / RULES_STEP
    document = copy.deepcopy(document)
    for actor in document["actors"].values():
        if actor["role"] != "principal":
            continue
        actor["readiness"] *= factor
        actor["venue_weights"]["opponent_ground"] *= factor
        if "venues" in actor:
            actor["venues"] = {venue: value * factor for venue, value in actor["venues"].items()}
    for event in document.get("events", {}).get("scheduled", []):
        event["readiness"] = {who: value * factor for who, value in event.get("readiness", {}).items()}
    return document


def main(runs: int = 5000) -> None:
    with open(ROOT / "seeds" / "history" / "outcomes.csv", encoding="utf-8", newline="") as handle:
        met = {row["case"]: row["met"] == "yes" for row in csv.DictReader(handle)}
    cases = sorted(met)
    outcome = np.array([met[case] for case in cases], dtype=float)
    forecast = np.zeros((len(STEPS), len(cases)))
    for j, case in enumerate(cases):
        document = yaml.safe_load((ROOT / "scenarios" / "history" / f"{case}.yaml").read_text(encoding="utf-8"))
        for i, step in enumerate(STEPS):
            scenario = scenario_from_document(with_step(document, step), case)
            forecast[i, j] = simulate(scenario, runs=runs).summary.p_summit.value
    brier = (forecast - outcome) ** 2
    print(f"{len(cases)} cases, {runs:,} runs a case and step (seeds as in the case files)")
    for i, step in enumerate(STEPS):
        print(f"S = {step:<4}  mean Brier {brier[i].mean():.3f}")
    chosen = [int(np.delete(brier, j, axis=1).mean(axis=1).argmin()) for j in range(len(cases))]
    held_out = np.array([brier[i, j] for j, i in enumerate(chosen)])
    picks = sorted({STEPS[i] for i in chosen})
    print(f"S fitted by leave-one-out (chosen: {', '.join(map(str, picks))}): mean Brier {held_out.mean():.3f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5000)
