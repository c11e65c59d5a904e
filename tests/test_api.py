"""The notebook API: plain structures that agree with what the command line writes."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import yaml

import sim
from sim import load_scenario, simulate
from sim.cli.core import app
from sim.analysis.sweep import format_value
from typer.testing import CliRunner

BASE = str(Path(__file__).resolve().parents[1] / "scenarios" / "base.yaml")


def test_public_names_import_from_the_package():
    """Everything in sim.__all__ is importable from `sim` itself."""
    for name in sim.__all__:
        assert getattr(sim, name) is not None


def test_curve_venue_table_and_rows_agree_with_the_summary():
    """The curve ends at P(summit), never falls, and venue shares add up to P(summit)."""
    result = simulate(load_scenario(BASE), runs=12_000, seed=7)
    curve = result.curve()
    assert len(curve) == result.scenario.time.rounds
    values = [point["p_summit"] for point in curve]
    assert values == sorted(values)
    assert curve[-1]["summits"] == result.p_summit.count
    assert all(point["ci_low"] <= point["p_summit"] <= point["ci_high"] for point in curve)
    table = result.venue_table()
    assert sum(row["summits"] for row in table) == result.p_summit.count
    assert {row["venue"] for row in table} == set(result.scenario.venues)


def test_summary_records_are_the_csv_the_cli_writes():
    """sim.summary_records(result) is row for row the file `sim run --csv -` prints."""
    result = simulate(load_scenario(BASE), runs=12_000, seed=7)
    printed = CliRunner().invoke(app, ["run", BASE, "--runs", "12000", "--seed", "7", "--csv", "-"])
    assert printed.exit_code == 0
    assert list(csv.DictReader(io.StringIO(printed.stdout))) == sim.summary_records(result)


def test_swept_numbers_in_exponent_form_stay_numbers():
    """Sweep values such as 1e-05 are written so that YAML reads them back as numbers."""
    for value in (1e-05, 2.5e-07, 1e20, 0.1, -3.0):
        assert yaml.safe_load(format_value(value)) == value
