"""The runs CSV is built from the outcome record's field list, column by column."""

from __future__ import annotations

from sim import load_scenario
from sim.engine.outcome import FIELDS
from sim.report.export import RUN_COLUMNS, run_cells

from conftest import BASE


def test_every_outcome_field_has_its_column():
    """A new field of BatchOutcome must get a column (or the test names it)."""
    columns = run_cells(load_scenario(BASE))
    assert RUN_COLUMNS == ("run", *columns)
    assert set(FIELDS) <= set(columns)
