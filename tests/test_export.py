"""The runs CSV is built from the outcome record's field list, column by column."""

from __future__ import annotations

from sim import load_scenario
from sim.engine.outcome import FIELDS
from sim.report.export import RUN_COLUMNS, run_cells, run_columns

from conftest import BASE, REPO

#: Outcome fields only some scenarios' runs CSV shows: the track's deal (eq. 11).
ONLY_WITH_A_TRACK = {"deal_round"}


def test_every_outcome_field_has_its_column():
    """A new field of BatchOutcome must get a column (or the test names it)."""
    base = load_scenario(BASE)
    columns = run_cells(base)
    assert run_columns(base) == ("run", *columns)
    assert set(FIELDS) - ONLY_WITH_A_TRACK <= set(columns)
    assert RUN_COLUMNS == tuple(c for c in run_columns(base) if c not in ONLY_WITH_A_TRACK)


def test_a_track_adds_the_deal_round_column_and_nothing_else():
    scenario = load_scenario(REPO / "docs" / "examples" / "track.yaml")
    columns = run_cells(scenario)
    assert run_columns(scenario) == ("run", *columns) == (*RUN_COLUMNS, "deal_round")
    assert set(FIELDS) <= set(columns)
