"""The HTML report file itself: reproducible, self-contained, honest about its grounds.

The browser checks are in ``test_html_report.py``; these read the file and the scenario
comments it is built from, so they run everywhere.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from conftest import REPO, SCENARIOS
from sim.scenario.citations import ASSUMPTION, DEFAULT, EVIDENCE, MIXED, OVERRIDE, UNCITED, comment_lines, leaves, parameters
from sim.scenario.loader import load_scenario

RUNS = "2000"


def test_same_inputs_give_the_same_bytes_wherever_written(sim_cli, tmp_path):
    """Two runs of one command into different folders give byte-identical pages, and
    ``sim replay`` confirms its manifest."""
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    for folder in (first, second):
        done = sim_cli("report", "scenarios/base.yaml", "scenarios/escalation.yaml", "--runs", RUNS,
                       "-o", folder / "report.html")
        assert done.returncode == 0, done.stderr
    assert (first / "report.html").read_bytes() == (second / "report.html").read_bytes()
    replayed = sim_cli("replay", first / "report.html.manifest.json")
    assert replayed.returncode == 0, replayed.stdout + replayed.stderr
    assert f"reproduced byte for byte: {first / 'report.html'}" in replayed.stdout


def test_the_page_requests_nothing_and_states_its_provenance(sim_cli, tmp_path):
    page_file = tmp_path / "base.html"
    done = sim_cli("run", "scenarios/base.yaml", "--runs", RUNS, "--html", page_file)
    assert done.returncode == 0, done.stderr
    page = page_file.read_text(encoding="utf-8")
    assert "default-src 'none'" in page  # the browser itself refuses any request
    references = re.findall(r'\b(?:src|href)="([^"]*)"', page)
    assert references and all(r.startswith(("#", "data:")) for r in references), references
    assert not re.search(r"https?://(?!www\.w3\.org/2000/svg\")", page)
    assert f"sim run scenarios/base.yaml --runs {RUNS} --html base.html" in page
    assert "sim replay base.html.manifest.json" in page
    assert "seed 20260128" in page and "2,000 runs" in page


def test_every_parameter_is_listed_with_what_backs_it(sim_cli, tmp_path):
    page_file = tmp_path / "p.html"
    done = sim_cli("report", "scenarios/base.yaml", "--runs", RUNS, "--set", "actors.putin.readiness=-3",
                   "-o", page_file)
    assert done.returncode == 0, done.stderr
    page = page_file.read_text(encoding="utf-8")
    scenario = load_scenario(SCENARIOS / "base.yaml", ["actors.putin.readiness=-3"])
    assert page.count('<tr class="status-') == len(leaves(scenario))
    assert '<code>actors.putin.readiness</code></td><td><code>-3.0</code></td><td data-sort="--set">' in page
    assert re.search(r'<dt id="fact-F8">F8</dt>\s*<dd>On 28 January 2026', page)


def test_a_missing_output_folder_fails_before_any_work(sim_cli, tmp_path):
    target = tmp_path / "nowhere" / "report.html"
    done = sim_cli("report", "scenarios/base.yaml", "-o", target)
    assert done.returncode == 2
    assert done.stderr.splitlines() == [f"sim: error: --output {target}: folder {target.parent} does not exist"]
    assert not target.exists()


def test_a_broken_facts_file_is_one_line_and_no_page(sim_cli, tmp_path):
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "seeds").mkdir()
    shutil.copy(SCENARIOS / "base.yaml", tmp_path / "scenarios" / "base.yaml")
    (tmp_path / "seeds" / "facts.yaml").write_text("facts: {F1: not a list}\n", encoding="utf-8")
    done = sim_cli("report", tmp_path / "scenarios" / "base.yaml", "--runs", "1000", "-o", tmp_path / "r.html")
    assert done.returncode == 2
    assert done.stderr.splitlines()[-1].endswith("seeds/facts.yaml: facts: expected a list of facts, each with id and statement")
    assert not (tmp_path / "r.html").exists()


def test_html_does_not_apply_with_propagate(sim_cli, tmp_path):
    done = sim_cli("run", "scenarios/base.yaml", "--propagate", "--html", tmp_path / "x.html")
    assert done.returncode == 2
    assert done.stderr.splitlines() == ["sim: error: --html does not apply with --propagate"]


def test_comments_are_read_by_path_block_inline_and_in_lists():
    """A key's comment is the block just above it plus the one on its line; list items are numbered."""
    text = (
        "# header\n\n"
        "time:\n"
        "  # F3: the talks round\n"
        "  start: 2026-02-01  # ASSUMPTION: a Sunday\n"
        "venues:\n"
        "  moscow: {name: Moscow, host: putin}  # F8\n"
        "events:\n"
        "  shocks:\n"
        "    - name: 'a # not a comment'\n"
        "      hazard: 0.02   # ASSUMPTION\n"
        "    - name: second\n"
    )
    lines = comment_lines(text)
    assert lines["time.start"].comment == "F3: the talks round ASSUMPTION: a Sunday"
    assert lines["venues.moscow"].raw == "{name: Moscow, host: putin}"
    assert lines["events.shocks.0.name"].raw == "'a # not a comment'"
    assert lines["events.shocks.0.hazard"].comment == "ASSUMPTION"
    assert lines["events.shocks.1.name"].raw == "second"
    assert lines["time"].comment == ""


def test_a_variant_inherits_comments_only_for_values_it_repeats(tmp_path):
    """The most specific file that sets a field speaks for it; an uncommented repeat of the
    parent's value keeps the parent's reason, a changed value without a reason is 'not cited'."""
    (tmp_path / "base.yaml").write_text((SCENARIOS / "base.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "variant.yaml").write_text(
        "extends: base.yaml\nname: variant\n"
        "preparation:\n  rounds: 3\n  collapse_risk: 0.3\n"
        "actors:\n  putin:\n    readiness: -3.0   # F8, ASSUMPTION: softer\n", encoding="utf-8")
    file = str(tmp_path / "variant.yaml")
    found = {p.path: p for p in parameters(file, load_scenario(file, ["actors.trump.patience=20"]),
                                           ["actors.trump.patience=20"])}
    assert found["preparation.rounds"].status == ASSUMPTION and found["preparation.rounds"].file.endswith("base.yaml")
    assert found["preparation.collapse_risk"].status == UNCITED and found["preparation.collapse_risk"].file == file
    assert (found["actors.putin.readiness"].status, found["actors.putin.readiness"].facts) == (MIXED, ("F8",))
    assert found["actors.trump.patience"].status == OVERRIDE and found["actors.trump.patience"].value == 20
    assert found["actors.zelensky.venue_weights.neutral"].status == EVIDENCE
    assert found["actors.putin.drift_limit"].status == DEFAULT
    assert found["venues.moscow.host"].status == EVIDENCE  # written in the flow mapping {…}  # F8
    assert found["venues.moscow.neutral"].status == DEFAULT  # not written there
    assert found["uncertain.actors.putin.readiness"].value.startswith("normal")


def test_every_shipped_scenario_cites_only_facts_that_exist():
    """A citation the facts file does not hold would be a dead link on the page."""
    facts = set(re.findall(r"^  - id: (F\d+)$", (REPO / "seeds" / "facts.yaml").read_text(encoding="utf-8"), re.M))
    for file in sorted(SCENARIOS.glob("*.yaml")):
        for parameter in parameters(str(file), load_scenario(file)):
            assert set(parameter.facts) <= facts, f"{file.name}: {parameter.path} cites {parameter.facts}"
