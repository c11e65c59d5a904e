"""What each mechanism of base.yaml costs: base timed against base without it, in one run.

    python bench/mechanisms.py [--runs 50000] [--repeat 7]

Each variant removes one mechanism with ``--set`` overrides (the same as
``sim run scenarios/base.yaml --set ...``); the variants and base itself are timed round
by round in this process (one ``simulate(..., workers=1)`` of each per round, CPU
seconds), so the machine's load falls on all of them alike. Prints per variant the
median CPU time, ns per run-round and the median over rounds of base's time minus the
variant's: what that mechanism costs base, with the old base fixture for comparison.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time

import yaml

from common import ROOT

from sim.execution.runner import simulate
from sim.scenario.loader import load_scenario

BASE = ROOT / "scenarios" / "base.yaml"
FIXTURE = ROOT / "tests" / "fixtures" / "base_2026_01.yaml"


def without_track() -> tuple[str, ...]:
    """Overrides that remove the track and what refers to it (a shock's progress effect,
    the track's uncertain parameters)."""
    uncertain = yaml.safe_load(BASE.read_text())["uncertain"]
    kept = {key: value for key, value in uncertain.items() if not key.startswith("track.")}
    return "track=null", "events.shocks.0.progress=0", f"uncertain={json.dumps(kept)}"


#: (what is removed, the overrides that remove it from base.yaml)
VARIANTS = (
    ("nothing (base.yaml)", ()),
    ("the three hosts (Turkey, Gulf, European)", ("actors.erdogan.proposes=[]", "actors.gulf.proposes=[]",
                                                  "actors.european_hosts.proposes=[]")),
    ("the hosts' offer hazard (they offer every round)", ("actors.erdogan.offer_hazard=1", "actors.gulf.offer_hazard=1",
                                                          "actors.european_hosts.offer_hazard=1")),
    ("the track's requirement (Putin meets below the deal)", ("track.requires={}",)),
    ("the negotiation track (and so its requirement)", without_track()),
    ("Kyiv's drawn counter-proposal (counter_rationality)", ("actors.zelensky.counter_rationality=null",)),
    ("the G-20 gathering", ("gatherings=[]",)),
    ("the unlisted venue's share", ("venues.elsewhere.unlisted_share=0",)),
    ("logit for the US envoy (best instead)", ("actors.trump.strategy=best",)),
    ("the US envoy's join probability", ("actors.trump.join_probability=0",)),
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    cases = [(name, load_scenario(BASE, overrides)) for name, overrides in VARIANTS]
    cases.append(("old base fixture (tests/fixtures/base_2026_01.yaml)", load_scenario(FIXTURE)))
    for _, scenario in cases:
        simulate(scenario, runs=10_000, workers=1)  # warm-up
    times: list[list[float]] = [[] for _ in cases]
    print(f"load average before: {os.getloadavg()[0]:.2f}; {args.runs:,} runs per timing, {args.repeat} rounds")
    for _ in range(args.repeat):
        for k, (_, scenario) in enumerate(cases):
            start = time.process_time()
            simulate(scenario, runs=args.runs, workers=1)
            times[k].append(time.process_time() - start)
    base = times[0]
    print(f"{'removed':56s} {'CPU s':>6s} {'ns/run-round':>12s} {'base minus it':>14s}")
    for (name, scenario), seconds in zip(cases, times):
        saved = statistics.median(b - s for b, s in zip(base, seconds))
        per = 1e9 * statistics.median(seconds) / (args.runs * scenario.time.rounds)
        print(f"{name:56s} {statistics.median(seconds):6.3f} {per:12.0f} {saved:+10.3f} s ({100 * saved / statistics.median(base):+.0f}%)")
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
