"""A plain-numpy model of the old base's mechanics, the yardstick for the engine's speed.

    python bench/reference.py [--runs 1000000] [--repeat 5] [--scenario tests/fixtures/base_2026_01.yaml]
                              [--also scenarios/base.yaml]

docs/performance.md quotes the engine's cost as a ratio to this model, measured in the same
process and the same minute, so that the machine's load (which swings 2-3x here) cancels.
The reference is what a competent numpy programmer would write for this one scenario: one
loop over rounds, every decision a vectorised operation over 10,000 lanes, no SimPy, no
observers, no per-scenario generality beyond what base uses (principals' readiness with a
spread, venue utilities with red lines, a mediator with the `best` strategy, a ramped and
capped pressure, a scheduled event, a shock with a duration, counter-proposals, patience
with spreads and a pause, preparation with collapse). It draws its own random numbers, so
its results agree with the engine's in distribution, not run by run: the script prints
both P(summit) values with their 95% intervals as a check that the two are the same model.
It models base.yaml as it was before it was re-derived (kept as tests/fixtures/
base_2026_01.yaml); the engine also runs today's base.yaml (``--also``) in the same
alternation, so its cost per run-round can be read against the reference's.
"""

from __future__ import annotations

import argparse
import math
import statistics
import time
from pathlib import Path

import numpy as np

from common import ROOT, load_average

from sim.engine.inputs import ModelInputs, compile_inputs
from sim.execution.runner import simulate
from sim.scenario.loader import load_scenario

LANES = 10_000


def check_supported(inputs: ModelInputs) -> None:
    """The reference covers base.yaml's mechanisms only; refuse anything else loudly."""
    if len(inputs.mediator) != 1 or inputs.mediator[0].strategy != "best" or inputs.mediator[0].per_round != 1:
        raise SystemExit("reference: one mediator with strategy best and one proposal per round only")
    if inputs.concede_after.any() or inputs.join.any() or inputs.unlisted >= 0 or inputs.shock_lasting.any():
        raise SystemExit("reference: no concessions, joins, unlisted venues or lasting shock effects")


def batch(inputs: ModelInputs, rng: np.random.Generator) -> int:
    """Simulate one batch of LANES runs; the number of runs that held a summit."""
    n, rounds = len(inputs.principals), inputs.rounds
    mediator = inputs.mediator[0]
    venue_odds = np.exp(np.clip(-inputs.sharpness[:, None] * inputs.utility, -700, 700))  # (N, V)
    readiness = inputs.readiness[:, None] + inputs.readiness_sd[:, None] * rng.standard_normal((n, LANES))
    spans = rng.random((2, LANES))
    patience = mediator.patience - mediator.patience_spread + np.minimum(
        (spans[0] * (2 * mediator.patience_spread + 1)).astype(np.int64), 2 * mediator.patience_spread)
    pause = mediator.pause - mediator.pause_spread + np.minimum(
        (spans[1] * (2 * mediator.pause_spread + 1)).astype(np.int64), 2 * mediator.pause_spread)
    shocks = len(inputs.shock_hazard)
    shock_left = np.zeros((shocks, LANES), dtype=np.int64)
    engaged = np.ones(LANES, dtype=bool)
    failed = np.zeros(LANES, dtype=np.int64)
    away = np.zeros(LANES, dtype=np.int64)
    phase = np.zeros(LANES, dtype=np.int8)  # 0 negotiating, 1 preparing, 2 held
    prep_left = np.zeros(LANES, dtype=np.int64)
    proposes = [int(v) for v in mediator.proposes]
    counters = [int(v) for v in inputs.favourite if v >= 0]
    candidates = sorted(set(proposes) | set(counters))
    felt = inputs.sensitivity * inputs.leverage[0]
    odds = np.empty((n, LANES))
    cost = {v: np.empty(LANES) for v in candidates}
    for t in range(1, rounds + 1):
        active = shock_left > 0
        starts = ~active & (rng.random((shocks, LANES)) < inputs.shock_hazard[:, None])
        shock_left[starts] = np.repeat(inputs.shock_rounds, starts.sum(axis=1))
        active |= starts
        back = away == 1
        engaged |= back
        failed[back] = 0
        np.maximum(away - 1, 0, out=away)
        shift = inputs.pressure[0, t] + inputs.shock_pressure[:, 0] @ active
        pressure = np.maximum(shift, 0.0) * engaged
        for i in range(n):
            score = readiness[i] + (inputs.drift[i, t] + inputs.scheduled_readiness[i, t]) + felt[i] * pressure
            if shocks:
                score += inputs.shock_readiness[:, i] @ active
            np.exp(np.clip(-inputs.sharpness[i] * score, -700, 700), out=odds[i])
        for v in candidates:
            row = cost[v]
            row.fill(1.0)
            for i in range(n):
                row *= 1.0 + odds[i] * venue_odds[i, v]
        negotiating = phase == 0
        best = np.full(LANES, proposes[0])
        lowest = cost[proposes[0]].copy()
        for v in proposes[1:]:
            better = cost[v] < lowest
            best[better] = v
            np.minimum(lowest, cost[v], out=lowest)
        proposing = engaged & negotiating
        agreed_now = proposing & (rng.random(LANES) * lowest < 1.0)
        offered = proposing.copy()
        for v in counters:
            slot = negotiating & ~(proposing & (best == v))
            agreed_now |= slot & (rng.random(LANES) * cost[v] < 1.0)
            offered |= slot
        preparing = phase == 1
        risk = inputs.prep_collapse + inputs.scheduled_collapse[t] + (inputs.shock_collapse @ active if shocks else 0.0)
        collapse = preparing & (rng.random(LANES) < np.clip(risk, 0, 1))
        phase[collapse] = 0
        stays = preparing & ~collapse
        prep_left -= stays
        phase[stays & (prep_left == 0)] = 2
        if inputs.prep_rounds == 0:
            phase[agreed_now] = 2
        else:
            phase[agreed_now] = 1
            prep_left[agreed_now] = inputs.prep_rounds
        if mediator.patience:
            failed += engaged & negotiating & offered & ~agreed_now
            failed[agreed_now] = 0
            quits = engaged & (failed >= patience)
            engaged &= ~quits
            away[quits] = pause[quits] + 1 if mediator.pause else np.iinfo(np.int64).max // 2
        shock_left -= active
        if (phase == 2).all():
            break
    return int((phase == 2).sum())


def reference(inputs: ModelInputs, runs: int, seed: int) -> int:
    """Summits in ``runs`` runs (whole batches) of the reference model."""
    streams = np.random.SeedSequence(seed).spawn(math.ceil(runs / LANES))
    return sum(batch(inputs, np.random.default_rng(stream)) for stream in streams)


def cpu_time(function) -> float:
    before = time.process_time()
    function()
    return time.process_time() - before


def interval(k: int, n: int) -> str:
    p = k / n
    half = 1.96 * math.sqrt(p * (1 - p) / n)
    return f"{p:.4f} [{p - half:.4f}, {p + half:.4f}]"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--scenario", default=str(ROOT / "tests" / "fixtures" / "base_2026_01.yaml"),
                        help="what the reference models (base.yaml's mechanics before it was re-derived)")
    parser.add_argument("--also", default=str(ROOT / "scenarios" / "base.yaml"),
                        help="a scenario the engine also runs in the same alternation (the reference cannot)")
    args = parser.parse_args()
    scenario = load_scenario(Path(args.scenario))
    inputs = compile_inputs(scenario)
    check_supported(inputs)
    also = load_scenario(Path(args.also))
    print(f"load average before: {load_average()}")
    held = reference(inputs, args.runs, 1)
    engine = simulate(scenario, runs=args.runs, workers=1).summary
    print(f"P(summit) reference {interval(held, args.runs)}   engine {engine.p_summit.value:.4f} "
          f"[{engine.p_summit.low:.4f}, {engine.p_summit.high:.4f}]  ({args.runs:,} runs each)")
    ratios, ref_times, sim_times, also_times, also_ratios = [], [], [], [], []
    for _ in range(args.repeat):  # alternate, so that a change of load hits all alike
        ref_times.append(cpu_time(lambda: reference(inputs, args.runs, 1)))
        sim_times.append(cpu_time(lambda: simulate(scenario, runs=args.runs, workers=1)))
        also_times.append(cpu_time(lambda: simulate(also, runs=args.runs, workers=1)))
        ratios.append(sim_times[-1] / ref_times[-1])
        also_ratios.append(also_times[-1] / ref_times[-1])
    print(f"CPU seconds for {args.runs:,} runs, median of {args.repeat}: reference "
          f"{statistics.median(ref_times):.2f} s, engine {statistics.median(sim_times):.2f} s; "
          f"engine / reference {statistics.median(ratios):.2f} (range {min(ratios):.2f}-{max(ratios):.2f})")
    per = 1e9 / (args.runs * scenario.time.rounds)
    print(f"ns of CPU per run-round: reference {per * statistics.median(ref_times):.0f}, engine on "
          f"{Path(args.scenario).name} {per * statistics.median(sim_times):.0f}, engine on {Path(args.also).name} "
          f"{1e9 * statistics.median(also_times) / (args.runs * also.time.rounds):.0f} "
          f"({statistics.median(also_ratios) * scenario.time.rounds / also.time.rounds:.2f}x the reference per "
          f"run-round, range {min(also_ratios):.2f}-{max(also_ratios):.2f} per run)")
    print(f"load average after: {load_average()}")


if __name__ == "__main__":
    main()
