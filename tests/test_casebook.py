"""The casebook keeps the mechanical coding rules of docs/coding-rules.md.

A backtest is only a test of the model if every case is encoded the same way. The
rules that need no judgement (cut-off, horizon, seed, facts dated before the cut-off,
one outcome row per case in the agreed format) are checked here, so that a case added
later cannot quietly bend them.
"""

from __future__ import annotations

import csv
import datetime as dt
import re

import pytest
import yaml

from conftest import REPO
from sim import load_scenario

HISTORY = REPO / "scenarios" / "history"
SEEDS = REPO / "seeds" / "history"
CASES = sorted(p.stem for p in HISTORY.glob("*.yaml"))
FORMATS = {"bilateral", "trilateral", "multilateral"}


def outcomes() -> dict[str, dict[str, str]]:
    with open(SEEDS / "outcomes.csv", encoding="utf-8", newline="") as handle:
        return {row["case"]: row for row in csv.DictReader(handle)}


def facts(case: str) -> dict:
    return yaml.safe_load((SEEDS / f"{case}.yaml").read_text(encoding="utf-8"))


def test_the_casebook_has_the_cases_the_issue_asks_for():
    """At least 16 cases, at least 6 of which did not end in a meeting."""
    rows = outcomes()
    assert len(CASES) >= 16
    assert sum(row["met"] == "no" for row in rows.values()) >= 6


def test_every_case_has_exactly_one_outcome_row_and_one_fact_file():
    rows = outcomes()
    assert sorted(rows) == CASES
    assert sorted(p.stem for p in SEEDS.glob("*.yaml")) == CASES


@pytest.mark.parametrize("case", CASES)
def test_cut_off_horizon_and_seed_follow_rules_c1_c2_s1(case):
    """time.start is the fact file's cut-off; the horizon is a year less a day; the seed is the cut-off."""
    scenario = load_scenario(HISTORY / f"{case}.yaml")
    cutoff = dt.date.fromisoformat(str(facts(case)["cutoff"]))
    assert scenario.name == case
    assert scenario.time.start == cutoff
    assert scenario.time.end == cutoff.replace(year=cutoff.year + 1) - dt.timedelta(days=1)
    assert scenario.time.round_days == 7
    assert scenario.simulation.seed == int(cutoff.strftime("%Y%m%d"))


@pytest.mark.parametrize("case", CASES)
def test_every_fact_is_dated_before_the_cut_off_and_sourced(case):
    """Rule C3: nothing learned on or after the cut-off shapes a scenario."""
    document = facts(case)
    cutoff = dt.date.fromisoformat(str(document["cutoff"]))
    ids = []
    for fact in document["facts"]:
        assert dt.date.fromisoformat(str(fact["date"])) < cutoff, fact["id"]
        assert fact["statement"] and fact["source"]["outlet"] and fact["source"]["url"]
        ids.append(fact["id"])
    assert len(ids) == len(set(ids))
    cited = set(load_scenario(HISTORY / f"{case}.yaml").evidence)
    assert cited == set(ids), "evidence: lists exactly the case's facts"


@pytest.mark.parametrize("case", CASES)
def test_outcome_row_uses_the_agreed_format(case):
    row = outcomes()[case]
    scenario = load_scenario(HISTORY / f"{case}.yaml")
    assert row["met"] in {"yes", "no"}
    assert row["source"]
    if row["met"] == "no":
        assert row["date"] == row["venue"] == row["format"] == ""
        return
    held = dt.date.fromisoformat(row["date"])
    assert scenario.time.start <= held <= scenario.time.end
    assert row["venue"] in set(scenario.venues) | {"elsewhere"}
    assert row["format"] in FORMATS


MODEL_SECTIONS = {"time", "actors", "events", "preparation", "announced", "gatherings", "simulation"}
CITATION = re.compile(r"#.*\b([HARVMEPSCO][0-9]|R-[a-z]+)")
SETTING = re.compile(r"^\s*-?\s*(\w+):\s*(.*)$")


@pytest.mark.parametrize("case", CASES)
def test_every_number_in_the_model_sections_cites_a_fact_or_a_rule(case):
    """Each line that sets a number carries a comment naming a fact id or a rule."""
    section = None
    for number, line in enumerate((HISTORY / f"{case}.yaml").read_text(encoding="utf-8").splitlines(), 1):
        code = line.split("#", 1)[0]
        if code[:1].isalpha():
            section = code.split(":", 1)[0]
        setting = SETTING.match(code)
        if section not in MODEL_SECTIONS or not setting or setting.group(1) in {"name", "role"}:
            continue
        if re.search(r"\d", setting.group(2)):
            assert CITATION.search(line), f"{case}.yaml:{number} sets a number without citing a fact or rule"
