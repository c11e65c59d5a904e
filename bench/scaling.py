"""Cost against every dimension, and speed-up from worker processes.

    python bench/scaling.py [--quick] [--repeat 3]

1. ``--workers 1`` vs ``--workers 2`` on 1M runs of scenarios/base.yaml, timed alternately
   in this script run; prints the medians and their ratio (target >= 1.7 on 2 cores).
2. Runs/s and the cost per run-round (microseconds of one core per run and round) for
   synthetic scenarios (bench/synthetic.py) scaling principals 2-10, venues 2-50, rounds
   26-520, and runs 10k-10M (``--quick`` stops at 1M). Synthetic summits are rare, so
   runs go on to the horizon: cost per run-round should stay flat or grow linearly with
   principals x venues (the only product the model needs: every principal weighs every
   venue a mediator may propose), never faster.
3. The check: 10 principals, 40 venues, 104 rounds >= 20,000 runs/s on one core.
"""

from __future__ import annotations

import argparse
import statistics
import time

from common import ROOT, median_time

import synthetic
from sim.scenario.loader import load_scenario
from sim.execution.runner import BATCH_SIZE, simulate


def rate(scenario, runs: int, repeat: int, workers: int = 1) -> float:
    seconds, _ = median_time(lambda: simulate(scenario, runs=runs, workers=workers), repeat=repeat, warmup=1)
    return runs / seconds


def whole_batches(runs: int) -> int:
    """``runs`` rounded to whole batches (at least one): a part batch costs a whole one, so
    counting only its runs would understate the rate."""
    return max(1, round(runs / BATCH_SIZE)) * BATCH_SIZE


def workers_ratio(repeat: int) -> None:
    base = load_scenario(ROOT / "scenarios" / "base.yaml")
    simulate(base, runs=20_000, workers=2)  # warm up
    times: dict[int, list[float]] = {1: [], 2: []}
    for _ in range(repeat):
        for workers in (1, 2):
            start = time.perf_counter()
            simulate(base, runs=1_000_000, workers=workers)
            times[workers].append(time.perf_counter() - start)
    one, two = statistics.median(times[1]), statistics.median(times[2])
    ratios = [a / b for a, b in zip(times[1], times[2])]
    print(f"1M runs of base.yaml: 1 worker {one:.2f} s ({1e6 / one:,.0f} runs/s), "
          f"2 workers {two:.2f} s ({1e6 / two:,.0f} runs/s)")
    print(f"speed-up with 2 workers: {one / two:.2f}x (median of per-pair ratios "
          f"{statistics.median(ratios):.2f}x)  target >= 1.7: {'OK' if one / two >= 1.7 else 'MISSED'}\n")


def table(title: str, rows: list[tuple[str, dict, int]], repeat: int) -> None:
    print(f"{title}")
    print(f"  {'case':34s} {'runs/s':>10s} {'us/run-round':>13s}")
    for label, dims, runs in rows:
        scenario = synthetic.scenario(readiness=-4.0, **dims)
        r = rate(scenario, runs, repeat)
        rounds = scenario.time.rounds
        print(f"  {label:34s} {r:10,.0f} {1e6 / r / rounds:13.3f}")
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="runs axis up to 1M only")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    workers_ratio(args.repeat)
    n = 50_000
    table("principals (6 venues, 48 rounds)",
          [(f"principals={p}", dict(principals=p), n) for p in (2, 4, 6, 8, 10)], args.repeat)
    table("venues (2 principals, 48 rounds; the mediator lists every venue)",
          [(f"venues={v}", dict(venues=v), n) for v in (2, 6, 10, 20, 50)], args.repeat)
    table("rounds (2 principals, 6 venues)",
          [(f"rounds={t}", dict(rounds=t), whole_batches(n * 48 // t)) for t in (26, 52, 104, 208, 520)], args.repeat)
    table("principals x venues (48 rounds)",
          [(f"principals={p}, venues={v}", dict(principals=p, venues=v), 20_000)
           for p, v in ((2, 10), (10, 10), (2, 50), (10, 50))], args.repeat)
    sizes = (10_000, 100_000, 1_000_000) + (() if args.quick else (10_000_000,))
    table("runs (2 principals, 6 venues, 48 rounds)",
          [(f"runs={r:,}", {}, r) for r in sizes], 1 if not args.quick else args.repeat)
    check = synthetic.scenario(principals=10, venues=40, rounds=104)
    r = rate(check, 50_000, args.repeat)
    print(f"10 principals, 40 venues, 104 rounds (bench/synthetic.py defaults, P(summit) "
          f"{simulate(check, runs=10_000).summary.p_summit.value:.3f}): {r:,.0f} runs/s  "
          f"target >= 20,000: {'OK' if r >= 20_000 else 'MISSED'}")


if __name__ == "__main__":
    main()
