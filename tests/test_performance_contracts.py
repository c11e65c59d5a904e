"""Contracts the performance work relies on (never timings: those are in bench/).

* the batched engine still matches the closed form where one exists;
* results do not depend on the backend: worker processes, or a Dask cluster;
* adaptive precision stops at whole batches, deterministically, whatever the workers;
* memory-flat streaming: the backends keep a bounded number of jobs in flight;
* dask is imported only when a scheduler is given.
"""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest

from sim.execution.backends import SerialBackend, make_backend
from sim.scenario.loader import scenario_from_document
from sim.execution.runner import BATCH_SIZE, simulate
from sim.stats import wilson_half_width


def closed_form_document(rounds: int = 20) -> dict:
    """2 principals, constant pressure, one venue, no events, summits held on agreement."""
    return {
        "name": "closed_form",
        "title": "Closed form check",
        "time": {"start": "2026-01-05", "round_days": 7, "horizon_rounds": rounds},
        "venues": {"geneva": {"name": "Geneva", "country": "Switzerland", "neutral": True}},
        "actors": {
            "a": {"role": "principal", "name": "A", "readiness": -2.0, "pressure_sensitivity": 0.8,
                  "sharpness": 1.3, "venues": {"geneva": 0.5}, "counter_propose": True},
            "b": {"role": "principal", "name": "B", "readiness": -1.0, "pressure_sensitivity": 1.5,
                  "sharpness": 0.7, "venues": {"geneva": -0.25}, "counter_propose": True},
            "m": {"role": "mediator", "name": "M", "pressure": {"start": 0.6, "growth": 0.0, "cap": 5.0},
                  "leverage": {"a": 1.0, "b": 0.5}, "proposes": ["geneva"], "strategy": "best"},
        },
        "preparation": {"rounds": 0, "collapse_risk": 0.0},
        "simulation": {"runs": 40_000, "seed": 5},
    }


def test_closed_form_probability_of_a_summit_by_the_horizon():
    rounds = 20
    scenario = scenario_from_document(closed_form_document(rounds))
    result = simulate(scenario, runs=40_000, seed=5, workers=1)
    # p_i = 1 / (1 + exp(-b_i (readiness_i + u_i + sensitivity_i leverage_i pressure)))
    p_a = 1 / (1 + math.exp(-1.3 * (-2.0 + 0.5 + 0.8 * 1.0 * 0.6)))
    p_b = 1 / (1 + math.exp(-0.7 * (-1.0 - 0.25 + 1.5 * 0.5 * 0.6)))
    expected = 1 - (1 - p_a * p_b) ** rounds
    n = result.runs
    observed = result.summary.p_summit.count / n
    se = math.sqrt(expected * (1 - expected) / n)
    assert abs(observed - expected) < 4 * se, (observed, expected, se)
    # ... and round by round: the first summit round is geometric with p_a p_b.
    by_round = result.tally.held.sum(axis=1)[1:]
    cumulative = np.cumsum(by_round) / n
    for t in (1, 5, 10):
        exp_t = 1 - (1 - p_a * p_b) ** t
        assert abs(cumulative[t - 1] - exp_t) < 4 * math.sqrt(exp_t * (1 - exp_t) / n)


def base_like():
    from pathlib import Path

    from sim.scenario.loader import load_scenario

    return load_scenario(Path(__file__).resolve().parents[1] / "scenarios" / "base.yaml")


def tallies_equal(a, b) -> bool:
    return (a.runs == b.runs and np.array_equal(a.held, b.held) and np.array_equal(a.formats, b.formats)
            and np.array_equal(a.reasons, b.reasons) and a.collapses == b.collapses
            and a.runs_with_collapse == b.runs_with_collapse and a.rejected == b.rejected)


@pytest.mark.slow
def test_adaptive_precision_is_deterministic_whatever_the_workers():
    scenario = base_like()
    results = [simulate(scenario, seed=3, precision=0.004, max_runs=200_000, workers=w) for w in (1, 2, 3)]
    first = results[0]
    # stops at the first whole batch where the half-width is small enough
    assert first.runs % BATCH_SIZE == 0 and first.runs < 200_000
    assert first.runs > BATCH_SIZE
    assert wilson_half_width(first.tally.summits, first.runs) <= 0.004
    before = simulate(scenario, seed=3, runs=first.runs - BATCH_SIZE, workers=1)
    assert wilson_half_width(before.tally.summits, before.runs) > 0.004
    for other in results[1:]:
        assert tallies_equal(first.tally, other.tally)


def test_adaptive_precision_respects_max_runs():
    result = simulate(base_like(), seed=3, precision=0.0001, max_runs=25_000, workers=1)
    assert result.runs == 25_000


def test_backends_keep_a_bounded_number_of_jobs_in_flight():
    backend = make_backend(2)
    pulled = []

    def jobs():
        for k in range(100):
            pulled.append(k)
            yield k

    try:
        results = backend.map(abs, jobs())
        assert next(results) == 0
        # the pool starts once enough jobs are seen, then keeps 2 x workers in flight
        assert len(pulled) <= max(backend.in_process_below, 2 * backend.workers) + 1
        assert list(results) == list(range(1, 100))
    finally:
        backend.close()


def test_make_backend_runs_locally_without_a_scheduler(monkeypatch):
    monkeypatch.delenv("SIM_SCHEDULER", raising=False)
    backend = make_backend(1)
    assert isinstance(backend, SerialBackend)


def test_dask_is_imported_only_with_a_scheduler():
    code = (
        "import sys\n"
        "from sim.scenario.loader import scenario_from_document\n"
        "from sim.execution.runner import simulate\n"
        "from tests_doc import doc\n"
        "simulate(scenario_from_document(doc), runs=2000, workers=2)\n"
        "print(any(m == 'dask' or m.startswith(('dask.', 'distributed')) for m in sys.modules))\n"
    )
    import json
    import os
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        with open(os.path.join(folder, "tests_doc.py"), "w") as handle:
            handle.write(f"doc = {json.dumps(closed_form_document())!r}\nimport json\ndoc = json.loads(doc)\n")
        env = {k: v for k, v in os.environ.items() if k != "SIM_SCHEDULER"}
        env["PYTHONPATH"] = folder + os.pathsep + env.get("PYTHONPATH", "")
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.slow
def test_dask_backend_gives_byte_identical_results():
    distributed = pytest.importorskip("distributed")
    from sim.execution.backends import DaskBackend

    scenario = base_like()
    local = simulate(scenario, runs=35_000, seed=11, workers=1)
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=2, processes=False, protocol="tcp", host="127.0.0.1",
        dashboard_address=None,
    ) as cluster:
        assert cluster.scheduler_address.startswith("tcp://127.0.0.1:")
        # through the address, as `sim run --scheduler tcp://...` does
        remote = simulate(scenario, runs=35_000, seed=11, scheduler=cluster.scheduler_address)
        # and through an existing client, with per-run records streamed in run order
        with distributed.Client(cluster, set_as_default=False) as client:
            seen: list[int] = []
            backend = DaskBackend(client=client)
            streamed = simulate(scenario, runs=35_000, seed=11, backend=backend,
                                on_outcome=lambda first, outcome: seen.append(first))
            backend.close()
    assert tallies_equal(local.tally, remote.tally)
    assert tallies_equal(local.tally, streamed.tally)
    assert seen == [0, 10_000, 20_000, 30_000]
