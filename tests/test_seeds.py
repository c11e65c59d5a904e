"""The evidence file is well formed, dated before the forecast's cut-off, and cited correctly.

`seeds/facts.yaml` is what every scenario's `evidence:` and `# F..` comments point at. A
forecast made "as of" a date may rest only on what was public by then, so each fact
carries the date it became public and its source, and these tests hold the file to that:
ids unique and numbered in order, every field present, every new fact dated strictly
before the cut-off (the seed report's own facts are dated on it), every source traceable,
no quoted prose, and no scenario citing a fact that does not exist or postdates the
cut-off.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
import yaml

from conftest import REPO

FACTS_FILE = REPO / "seeds" / "facts.yaml"
SCENARIOS = sorted((REPO / "scenarios").glob("*.yaml"))
CITATION = re.compile(r"\bF([0-9]{1,4})\b")


def load_facts() -> dict:
    return yaml.safe_load(FACTS_FILE.read_text(encoding="utf-8"))


DOCUMENT = load_facts()
FACTS = DOCUMENT["facts"]
CUTOFF = DOCUMENT["cutoff"]
REPORT = DOCUMENT["source"]["id"]
BY_ID = {fact["id"]: fact for fact in FACTS}


def test_the_cutoff_is_a_date():
    assert isinstance(CUTOFF, dt.date)


def test_ids_are_unique_and_numbered_in_order():
    """New facts continue the numbering, so an id never changes meaning."""
    ids = [fact["id"] for fact in FACTS]
    assert ids == [f"F{n}" for n in range(1, len(ids) + 1)]


@pytest.mark.parametrize("fact", FACTS, ids=[fact["id"] for fact in FACTS])
def test_every_fact_has_its_fields(fact):
    assert set(fact) <= {"id", "date", "source", "statement", "bears_on", "note"}
    assert isinstance(fact["date"], dt.date), "date must be YYYY-MM-DD"
    assert isinstance(fact["statement"], str) and len(fact["statement"]) >= 30
    assert fact["bears_on"] and all(isinstance(b, str) for b in fact["bears_on"])


@pytest.mark.parametrize("fact", FACTS, ids=[fact["id"] for fact in FACTS])
def test_every_fact_is_traceable_to_its_source(fact):
    """A fact is either the seed report's or names the stored page it was read from."""
    source = fact["source"]
    if source == REPORT:
        return
    assert isinstance(source, dict), f"{fact['id']}: source is {REPORT!r} or a mapping"
    assert set(source) <= {"outlet", "title", "url"}
    assert source["outlet"].strip()
    assert re.match(r"^https?://\S+$", source["url"]), f"{fact['id']}: source.url"


@pytest.mark.parametrize("fact", FACTS, ids=[fact["id"] for fact in FACTS])
def test_no_fact_postdates_the_cutoff(fact):
    """Only the seed report itself sits on the cut-off; everything found later is before it."""
    if fact["source"] == REPORT:
        assert fact["date"] <= CUTOFF
    else:
        assert fact["date"] < CUTOFF, f"{fact['id']} is dated {fact['date']}"


@pytest.mark.parametrize("fact", FACTS, ids=[fact["id"] for fact in FACTS])
def test_statements_are_in_our_own_words(fact):
    """No quotation marks: a statement paraphrases its source and quotes nothing."""
    assert not re.search('["\u201c\u201d\u00ab\u00bb]', fact["statement"]), fact["id"]


def cited(path) -> tuple[set[str], set[str]]:
    """The ids a scenario lists under `evidence:` and those the rest of its text mentions."""
    text = path.read_text(encoding="utf-8")
    listed = set(yaml.safe_load(text).get("evidence", []) or [])
    rest = re.sub(r"^evidence:\s*\[[^\]]*\]", "", text, flags=re.MULTILINE)
    mentioned = {f"F{number}" for number in CITATION.findall(rest)}
    return listed, mentioned


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.name for p in SCENARIOS])
def test_scenarios_cite_only_facts_that_exist(path):
    listed, mentioned = cited(path)
    assert listed | mentioned <= set(BY_ID), sorted((listed | mentioned) - set(BY_ID))


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.name for p in SCENARIOS])
def test_scenarios_comments_cite_what_evidence_lists(path):
    """A fact a comment leans on is declared in the file's (or its parent's) `evidence:`."""
    listed, mentioned = cited(path)
    parent = yaml.safe_load(path.read_text(encoding="utf-8")).get("extends")
    if parent:
        listed |= cited(path.parent / parent)[0]
    assert mentioned <= listed, sorted(mentioned - listed)


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.name for p in SCENARIOS])
def test_every_listed_fact_is_used(path):
    """A fact under `evidence:` is cited beside the parameter or note it supports."""
    listed, mentioned = cited(path)
    assert listed <= mentioned, sorted(listed - mentioned)


def test_the_base_scenario_rests_only_on_facts_public_by_the_cutoff():
    listed, _ = cited(REPO / "scenarios" / "base.yaml")
    assert listed, "base.yaml lists its evidence"
    assert all(BY_ID[fact]["date"] <= CUTOFF for fact in listed)


def test_the_evidence_map_has_a_row_for_every_dated_fact():
    """docs/evidence-map.md says what each fact beyond the seed report bears on."""
    text = (REPO / "docs" / "evidence-map.md").read_text(encoding="utf-8")
    rows = set(re.findall(r"^\| (F[0-9]+) \| ([0-9-]+) \|", text, flags=re.MULTILINE))
    expected = {(f["id"], f["date"].isoformat()) for f in FACTS if f["source"] != REPORT}
    assert {row[0] for row in rows} == {fact_id for fact_id, _ in expected}
    assert rows == expected, sorted(rows ^ expected)
