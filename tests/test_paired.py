"""Paired differences: why `sim compare` and `sim sweep` run every arm on the same seed.

With common random numbers, run ``r`` of the variant and run ``r`` of the baseline share
their random stream, so most runs end the same way and the difference is estimated from
the few runs that differ (Newcombe's paired interval). Measured on base.yaml with Putin's
readiness raised by 0.1 logit (20,000 runs each): the paired 95% interval is about 4.2
times narrower than the independent-samples interval on the same counts. The tests ask
for at least 2 times, leaving margin for changes to the model.
"""

from __future__ import annotations

import csv
import io
import shutil

import pytest

from conftest import BASE
from sim.stats import independent_difference, paired_difference

RUNS = 20_000


@pytest.fixture(autouse=True, scope="module")
def variants_may_extend_the_shipped_base():
    """The variants here live in temporary folders and extend the shipped base by its
    absolute path, outside their own folder: allowed explicitly, as a user would."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SIM_EXTENDS_ROOT", str(BASE.parent))
        yield


def compare_rows(done) -> dict[str, dict[str, str]]:
    assert done.returncode == 0, done.stderr
    return {row["scenario"]: row for row in csv.DictReader(io.StringIO(done.stdout))}


def count(row: dict[str, str]) -> int:
    return round(float(row["p_summit"]) * int(row["runs"]))


def width(row: dict[str, str]) -> float:
    return float(row["diff_high"]) - float(row["diff_low"])


@pytest.fixture(scope="module")
def small_change(tmp_path_factory, sim_cli_many):
    """base vs Putin's readiness -3.4 (base: -3.5): paired (same seed) and independent (another seed)."""
    folder = tmp_path_factory.mktemp("paired")
    softer = folder / "softer.yaml"
    shutil.copy(BASE, folder / "base.yaml")  # a parent must sit in the variant's folder tree
    softer.write_text("extends: base.yaml\nname: softer\nactors: {putin: {readiness: -3.4}}\n", encoding="utf-8")
    reseeded = folder / "reseeded.yaml"
    reseeded.write_text("extends: softer.yaml\nname: reseeded\nsimulation: {seed: 2}\n", encoding="utf-8")
    paired, independent = sim_cli_many([
        ["compare", BASE, softer, "--runs", RUNS, "--csv", "-"],
        ["compare", BASE, reseeded, "--runs", RUNS, "--csv", "-"],
    ])
    return compare_rows(paired), compare_rows(independent)


def test_paired_interval_is_much_narrower_than_independent_on_the_same_counts(small_change):
    rows, _ = small_change
    base, softer = rows["base"], rows["softer"]
    assert softer["diff_method"] == "paired"
    independent = independent_difference(count(softer), RUNS, count(base), RUNS)
    assert float(softer["diff_vs_baseline"]) == pytest.approx(independent.value, abs=1e-6)
    ratio = (independent.high - independent.low) / width(softer)
    assert ratio >= 2.0, ratio  # measured 4.2


def test_independent_runs_give_the_wide_interval(small_change):
    """A variant on another seed is compared as independent samples, and is that much less precise."""
    paired_rows, rows = small_change
    reseeded = rows["reseeded"]
    assert reseeded["diff_method"] == "independent"
    assert reseeded["seed"] == "2" and rows["base"]["seed"] == "20260128"
    assert width(reseeded) >= 2.0 * width(paired_rows["softer"])
    # the independent interval is the Newcombe interval of the two counts
    expected = independent_difference(count(reseeded), RUNS, count(rows["base"]), RUNS)
    assert float(reseeded["diff_low"]) == pytest.approx(expected.low, abs=1e-6)
    assert float(reseeded["diff_high"]) == pytest.approx(expected.high, abs=1e-6)


def test_both_intervals_agree_on_the_sign(small_change):
    paired_rows, independent_rows = small_change
    assert float(paired_rows["softer"]["diff_low"]) > 0
    assert float(independent_rows["reseeded"]["diff_low"]) > 0


def test_identical_scenarios_differ_by_exactly_zero(tmp_path, sim_cli):
    """A copy of the baseline: difference 0 and an interval that covers it (the true value)."""
    copy = tmp_path / "copy.yaml"
    shutil.copy(BASE, copy)
    rows = list(csv.DictReader(io.StringIO(
        sim_cli("compare", BASE, copy, "--runs", RUNS, "--csv", "-").stdout)))
    twin = rows[1]
    assert twin["file"] == str(copy) and twin["diff_method"] == "paired"
    assert float(twin["diff_vs_baseline"]) == 0.0
    assert float(twin["diff_low"]) <= 0.0 <= float(twin["diff_high"])
    assert width(twin) < 0.001


def test_a_change_that_cannot_matter_is_exactly_zero(tmp_path, sim_cli):
    """Putin's utility for Moscow is irrelevant in base as long as Moscow stays his favourite:
    Kyiv red-lines it, so it is never agreed whatever Putin thinks of it. The paired
    difference is exactly 0 and its interval covers the true difference, 0."""
    changed = tmp_path / "moscow.yaml"
    shutil.copy(BASE, tmp_path / "base.yaml")  # a parent must sit in the variant's folder tree
    changed.write_text("extends: base.yaml\nname: moscow_irrelevant\nactors: {putin: {venues: {moscow: 2.0}}}\n",
                       encoding="utf-8")
    rows = compare_rows(sim_cli("compare", changed, "--baseline", BASE, "--runs", RUNS, "--csv", "-"))
    assert list(rows) == ["base", "moscow_irrelevant"]  # the baseline is added first
    row = rows["moscow_irrelevant"]
    assert row["p_summit"] == rows["base"]["p_summit"]
    assert float(row["diff_vs_baseline"]) == 0.0
    assert float(row["diff_low"]) <= 0.0 <= float(row["diff_high"])


def test_paired_formula_on_known_tables():
    """Unit checks of the interval itself: independence reproduces the unpaired interval,
    and positive correlation narrows it."""
    # a table with phi = 0: 2x2 counts proportional to the product of the margins
    uncorrelated = paired_difference(100, 100, 300, 300)  # variant 200/800, baseline 400/800
    unpaired = independent_difference(200, 800, 400, 800)
    assert (uncorrelated.low, uncorrelated.high) == pytest.approx((unpaired.low, unpaired.high))
    correlated = paired_difference(180, 20, 220, 380)  # same margins, phi = 0.46
    assert correlated.value == pytest.approx(unpaired.value)
    assert correlated.high - correlated.low < 0.8 * (unpaired.high - unpaired.low)  # 0.74
    assert correlated.low <= correlated.value <= correlated.high


def test_compare_table_says_which_differences_are_paired(tmp_path, sim_cli_many):
    """The table must not call a difference paired when the seeds differ."""
    reseeded = tmp_path / "reseeded.yaml"
    reseeded.write_text("extends: base.yaml\nname: reseeded\nsimulation: {seed: 2}\n", encoding="utf-8")
    softer = tmp_path / "softer.yaml"
    shutil.copy(BASE, tmp_path / "base.yaml")  # a parent must sit in the variant's folder tree
    softer.write_text("extends: base.yaml\nname: softer\nactors: {putin: {readiness: -3.4}}\n", encoding="utf-8")
    independent, paired = sim_cli_many([["compare", BASE, reseeded, "--runs", 2000],
                                        ["compare", BASE, softer, "--runs", 2000]])
    assert independent.returncode == 0 and paired.returncode == 0
    row = next(line for line in independent.stdout.splitlines() if "reseeded" in line)
    assert "independent" in row and "paired" not in row, row
    assert "common random numbers" not in independent.stdout, independent.stdout
    row = next(line for line in paired.stdout.splitlines() if "softer" in line)
    assert "paired" in row, row
    assert "common random numbers" in paired.stdout
