"""Reproducibility: the same scenario and seed give the same bytes, whatever the workers.

Analysts cite numbers from a run and expect a colleague with the same file and seed to
get exactly the same tables; they also extend a study with more runs and expect the first
runs to stay what they were. Batch k always draws from SeedSequence(seed, spawn_key=(k,)),
so run r is a function of (scenario, seed, r) alone.
"""

from __future__ import annotations

import csv

import numpy as np
import pytest

from sim.execution.backends import ProcessBackend
from sim.scenario.loader import load_scenario
from sim.execution.runner import BATCH_SIZE, batch_seed, simulate

SEED = 11
RUNS = 55_000  # six batches, the last one cut short: enough for --workers 2 and 3 to start a pool
PREFIX_RUNS = 12_000  # two batches, the second cut short


@pytest.fixture(scope="module")
def outputs(tmp_path_factory, sim_cli_many, base_yaml):
    """Summary and per-run CSVs of the base scenario for several workers, seeds and sizes."""
    folder = tmp_path_factory.mktemp("repro")
    jobs = {
        "w1": (RUNS, SEED, 1),
        "w1_again": (RUNS, SEED, 1),
        "w2": (RUNS, SEED, 2),
        "w3": (RUNS, SEED, 3),
        "other_seed": (RUNS, SEED + 1, 1),
        "prefix": (PREFIX_RUNS, SEED, 2),
    }
    commands = [
        ["run", base_yaml, "--runs", runs, "--seed", seed, "--workers", workers,
         "--csv", folder / f"{name}.csv", "--runs-csv", folder / f"{name}_runs.csv"]
        for name, (runs, seed, workers) in jobs.items()
    ]
    for done in sim_cli_many(commands):  # independent commands, run side by side
        assert done.returncode == 0, done.stderr
    return {
        name: ((folder / f"{name}.csv").read_bytes(), (folder / f"{name}_runs.csv").read_bytes())
        for name in jobs
    }


@pytest.mark.slow
def test_same_seed_gives_byte_identical_csvs(outputs):
    """Running the same command twice writes the same summary and per-run files, byte for byte."""
    assert outputs["w1"] == outputs["w1_again"]


@pytest.mark.slow
@pytest.mark.parametrize("workers", ["w2", "w3"])
def test_results_do_not_depend_on_workers(outputs, workers):
    """--workers 1, 2 and 3 give byte-identical summary and per-run CSVs."""
    assert outputs[workers][0] == outputs["w1"][0]
    assert outputs[workers][1] == outputs["w1"][1]


@pytest.mark.slow
def test_different_seed_gives_different_runs(outputs):
    """Another seed is another sample: the per-run records and the estimates differ."""
    assert outputs["other_seed"][1] != outputs["w1"][1]
    assert outputs["other_seed"][0] != outputs["w1"][0]


@pytest.mark.slow
def test_first_runs_do_not_change_when_more_runs_are_added(outputs):
    """Run k of a 55,000-run job equals run k of a 12,000-run job for every k < 12,000."""
    long_rows = outputs["w1"][1].decode().splitlines()
    short_rows = outputs["prefix"][1].decode().splitlines()
    assert len(short_rows) == PREFIX_RUNS + 1 and len(long_rows) == RUNS + 1
    assert short_rows == long_rows[: PREFIX_RUNS + 1]
    # Runs are numbered 0..n-1 in order.
    runs = [int(row["run"]) for row in csv.DictReader(outputs["prefix"][1].decode().splitlines())]
    assert runs == list(range(PREFIX_RUNS))


def test_in_process_api_matches_worker_processes(base_yaml):
    """The Python API gives the same tally in one process as on a pool of workers."""
    scenario = load_scenario(base_yaml)
    one = simulate(scenario, runs=3 * BATCH_SIZE, seed=SEED, workers=1).tally
    pool = ProcessBackend(2, in_process_below=0)  # a real pool, however few the batches
    try:
        two = simulate(scenario, runs=3 * BATCH_SIZE, seed=SEED, backend=pool).tally
        assert pool.started
    finally:
        pool.close()
    np.testing.assert_array_equal(one.held, two.held)
    np.testing.assert_array_equal(one.reasons, two.reasons)
    assert (one.rejected, one.collapses) == (two.rejected, two.collapses)


def test_batch_seed_is_the_spawned_child():
    """Batch k's stream is child k of SeedSequence(seed), as documented."""
    children = np.random.SeedSequence(SEED).spawn(3)
    for k, child in enumerate(children):
        ours = np.random.default_rng(batch_seed(SEED, k)).random(4)
        np.testing.assert_array_equal(ours, np.random.default_rng(child).random(4))
