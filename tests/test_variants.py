"""Variants: ``extends:`` inheritance and ``--set PATH=VALUE`` overrides, through the CLI.

An analyst writes a variant as a few lines over a parent file and tweaks one number on
the command line. What must hold: mappings merge key by key, lists and scalars replace
whole, ``null`` replaces, parents are found relative to the child, and every mistake (a
cycle, a missing parent, a bad ``--set`` path or value) is one ``sim: error:`` line with
exit code 2.

Equality of two scenarios is checked on the manifest's ``scenario_content`` hash, which
``sim run --json`` reports: it hashes the validated scenario, so two files give the same
hash exactly when they describe the same scenario.
"""

from __future__ import annotations

import copy
import json
import os

import pytest
import yaml

from conftest import SCENARIOS


def one_error_line(done, *fragments: str) -> str:
    """Exit code 2 and exactly one ``sim: error:`` line containing every fragment."""
    assert done.returncode == 2, (done.returncode, done.stdout, done.stderr)
    assert "Traceback" not in done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("sim: error: "), lines[0]
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    return lines[0]


def content_hashes(sim_cli_many, *jobs) -> list[str]:
    """The validated-content hash of each ``(file, *extra_args)`` job, run in parallel."""
    done = sim_cli_many([["run", file, "--runs", 1, "--json", *extra] for file, *extra in jobs])
    hashes = []
    for job, result in zip(jobs, done):
        assert result.returncode == 0, (job, result.stderr)
        manifest = json.loads(result.stdout)["provenance"]
        hashes.append(next(iter(manifest["scenario_content"].values())))
    return hashes


@pytest.fixture
def parent(write, document):
    """The minimal scenario written as ``parent.yaml``; returns (path, document)."""
    return write(document, "parent.yaml"), document


# -- extends: merge rules -----------------------------------------------------------------


def test_mappings_merge_and_scalars_replace(write, parent, sim_cli_many):
    """A child naming one field of an actor keeps every other field of that actor."""
    _, document = parent
    child = write(
        "extends: parent.yaml\n"
        "name: child\n"
        "actors:\n"
        "  putin:\n"
        "    readiness: -2.5\n"
        "  trump:\n"
        "    leverage: {putin: 0.9}\n"
        "venues:\n"
        "  geneva: {third_party: true}\n",
        "child.yaml",
    )
    expected = copy.deepcopy(document)
    expected["name"] = "child"
    expected["actors"]["putin"]["readiness"] = -2.5
    expected["actors"]["trump"]["leverage"]["putin"] = 0.9  # zelensky's 1.0 is kept
    expected["venues"]["geneva"]["third_party"] = True  # name, country, neutral kept
    full = write(expected, "expected.yaml")
    merged, written = content_hashes(sim_cli_many, (child,), (full,))
    assert merged == written


def test_lists_replace_whole(write, parent, sim_cli_many):
    """A list in the child replaces the parent's list; it is never appended to it."""
    _, document = parent
    child = write(
        "extends: parent.yaml\n"
        "actors:\n"
        "  putin: {red_lines: [geneva]}\n"
        "  trump: {proposes: [kyiv, moscow]}\n",
        "child.yaml",
    )
    replaced = copy.deepcopy(document)
    replaced["actors"]["putin"]["red_lines"] = ["geneva"]
    replaced["actors"]["trump"]["proposes"] = ["kyiv", "moscow"]
    appended = copy.deepcopy(document)
    appended["actors"]["putin"]["red_lines"] = ["kyiv", "geneva"]
    appended["actors"]["trump"]["proposes"] = ["geneva", "kyiv", "moscow"]
    merged, want, wrong = content_hashes(
        sim_cli_many, (child,), (write(replaced, "replaced.yaml"),), (write(appended, "appended.yaml"),)
    )
    assert merged == want
    assert merged != wrong


def test_null_replaces_the_parents_value(write, parent, sim_cli_many):
    """``horizon_rounds: null`` in the child drops the parent's value (then `end` is allowed)."""
    _, document = parent
    child = write(
        "extends: parent.yaml\ntime:\n  horizon_rounds: null\n  end: 2026-03-31\n", "child.yaml"
    )
    expected = copy.deepcopy(document)
    expected["time"] = {"start": "2026-02-01", "round_days": 7, "end": "2026-03-31"}
    merged, want = content_hashes(sim_cli_many, (child,), (write(expected, "expected.yaml"),))
    assert merged == want


def test_parent_path_is_relative_to_the_child_not_the_working_directory(tmp_path, document, sim_cli, monkeypatch):
    """A chain of three files in different folders resolves from each file's own folder
    (the leaf reaches up out of its own folder, which SIM_EXTENDS_ROOT allows)."""
    monkeypatch.setenv("SIM_EXTENDS_ROOT", str(tmp_path))
    (tmp_path / "lib" / "core").mkdir(parents=True)
    (tmp_path / "work" / "variants").mkdir(parents=True)
    (tmp_path / "lib" / "core" / "root.yaml").write_text(yaml.safe_dump(document), encoding="utf-8")
    (tmp_path / "lib" / "middle.yaml").write_text(
        "extends: core/root.yaml\nname: middle\nactors: {putin: {readiness: -2.0}}\n", encoding="utf-8"
    )
    (tmp_path / "work" / "variants" / "leaf.yaml").write_text(
        "extends: ../../lib/middle.yaml\nname: leaf\n", encoding="utf-8"
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    done = sim_cli("run", tmp_path / "work" / "variants" / "leaf.yaml", "--runs", 1, "--json", cwd=elsewhere)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["scenario"] == "leaf"
    # relative file name given on the command line, run from another folder
    done = sim_cli("validate", "variants/leaf.yaml", cwd=tmp_path / "work")
    assert done.returncode == 0, done.stderr
    assert done.stdout == "variants/leaf.yaml: OK\n"


def test_absolute_parent_path(write, sim_cli, monkeypatch):
    """``extends`` may name an absolute path: in the child's own folder tree as it is,
    elsewhere (here the shipped base scenario) once SIM_EXTENDS_ROOT allows it."""
    inside = write((SCENARIOS / "base.yaml").read_text(encoding="utf-8"), "base.yaml")
    done = sim_cli("validate", write(f"extends: {inside}\nname: absolute\n", "near.yaml"))
    assert done.returncode == 0, done.stderr
    child = write(f"extends: {SCENARIOS / 'base.yaml'}\nname: absolute\n", "child.yaml")
    assert sim_cli("validate", child).returncode == 2
    monkeypatch.setenv("SIM_EXTENDS_ROOT", str(SCENARIOS))
    done = sim_cli("validate", child)
    assert done.returncode == 0, done.stderr


def test_shipped_variant_is_its_parent_plus_the_same_overrides(sim_cli_many):
    """kremlin-neutral.yaml == base.yaml with its changes given as --set."""
    same = ["--set", "name=x", "--set", "title=x", "--set", "notes=x"]
    variant, by_set, base = content_hashes(
        sim_cli_many,
        (SCENARIOS / "kremlin-neutral.yaml", *same),
        (SCENARIOS / "base.yaml", *same, "--set", "actors.putin.venue_weights.neutral=-1.0",
         *(arg for venue, value in (("istanbul", 0.0), ("abu_dhabi", 0.0), ("riyadh", 0.0), ("geneva", -1.0),
                                    ("vienna", -1.5), ("vatican", -1.5))
           for arg in ("--set", f"actors.putin.venues.{venue}={value}"))),
        (SCENARIOS / "base.yaml", *same),
    )
    assert variant == by_set
    assert variant != base


def test_every_shipped_scenario_validates(sim_cli):
    files = sorted(SCENARIOS.glob("*.yaml"))
    done = sim_cli("validate", *files)
    assert done.returncode == 0, done.stderr
    assert done.stdout.count(": OK") == len(files)


# -- extends: errors ----------------------------------------------------------------------


def test_cycle_is_one_line_naming_the_cycle(write, sim_cli):
    first = write("extends: b.yaml\nname: a\n", "a.yaml")
    write("extends: c.yaml\nname: b\n", "b.yaml")
    write("extends: a.yaml\nname: c\n", "c.yaml")
    done = sim_cli("run", first)
    one_error_line(done, "a.yaml: extends: cycle of extends: a.yaml -> b.yaml -> c.yaml -> a.yaml")


def test_file_extending_itself_is_a_cycle(write, sim_cli):
    one_error_line(sim_cli("run", write("extends: self.yaml\nname: s\n", "self.yaml")),
                   "self.yaml: extends: cycle of extends: self.yaml -> self.yaml")


def test_missing_parent_is_one_line(write, sim_cli):
    child = write("extends: nowhere/parent.yaml\nname: orphan\n", "orphan.yaml")
    one_error_line(sim_cli("run", child), "orphan.yaml: extends: parent scenario 'nowhere/parent.yaml' not found")


@pytest.mark.parametrize("value", ["3", "''", "[a.yaml]", "null"])
def test_extends_must_be_a_path(write, sim_cli, value):
    child = write(f"extends: {value}\nname: odd\n", "odd.yaml")
    one_error_line(sim_cli("run", child), "odd.yaml: extends: must be the path of a scenario file")


def test_parent_with_problems_names_the_parent(write, parent, sim_cli):
    """A parent that is not a mapping is reported against the parent's file."""
    write("- just\n- a list\n", "listy.yaml")
    child = write("extends: listy.yaml\nname: c\n", "child.yaml")
    one_error_line(sim_cli("run", child), "listy.yaml", "mapping")


def test_chain_longer_than_twenty_files_is_refused(tmp_path, document, sim_cli):
    (tmp_path / "f0.yaml").write_text(yaml.safe_dump(document), encoding="utf-8")
    for k in range(1, 22):
        (tmp_path / f"f{k}.yaml").write_text(f"extends: f{k - 1}.yaml\n", encoding="utf-8")
    one_error_line(sim_cli("run", tmp_path / "f21.yaml"), "more than 20 files in the extends chain")
    assert sim_cli("validate", tmp_path / "f19.yaml").returncode == 0


def test_symlinked_variant_is_read_where_its_parent_was_checked(tmp_path, sim_cli):
    """A variant reached through a symlink: either it loads, or the error is about `extends`."""
    link = tmp_path / "link.yaml"
    try:
        os.symlink(SCENARIOS / "us-pressure.yaml", link)
    except OSError:
        pytest.skip("no symlinks here")
    done = sim_cli("validate", link)
    assert done.returncode == 0 or "extends" in done.stderr, done.stderr


# -- --set ----------------------------------------------------------------------------------


def test_set_numbers_lists_null_and_index(write, parent, sim_cli_many):
    path, document = parent
    expected = copy.deepcopy(document)
    expected["actors"]["putin"]["readiness"] = -2
    expected["actors"]["putin"]["red_lines"] = ["kyiv", "geneva"]
    expected["actors"]["trump"]["proposes"] = ["kyiv"]
    expected["time"] = {"start": "2026-02-01", "round_days": 7, "end": "2026-03-31"}
    overridden, want = content_hashes(
        sim_cli_many,
        (path, "--set", "actors.putin.readiness=-2", "--set", "actors.putin.red_lines=[kyiv, geneva]",
         "--set", "actors.trump.proposes.0=kyiv", "--set", "time.horizon_rounds=null",
         "--set", "time.end=2026-03-31"),
        (write(expected, "expected.yaml"),),
    )
    assert overridden == want


def test_set_mapping_replaces_whole_field(write, parent, sim_cli_many):
    """``--set preparation={rounds: 1}`` replaces the block: collapse_risk returns to its default."""
    path, document = parent
    expected = copy.deepcopy(document)
    expected["preparation"] = {"rounds": 1}
    overridden, want, merged = content_hashes(
        sim_cli_many,
        (path, "--set", "preparation={rounds: 1}"),
        (write(expected, "expected.yaml"),),
        (path, "--set", "preparation.rounds=1"),
    )
    assert overridden == want
    assert merged != want  # the dotted form keeps collapse_risk 0.0


def test_set_applies_after_extends(write, parent, sim_cli_many):
    """The command line wins over the child, which wins over the parent."""
    path, _ = parent
    child = write("extends: parent.yaml\nactors: {putin: {readiness: -2.0}}\n", "child.yaml")
    from_child_then_set, from_parent_set = content_hashes(
        sim_cli_many,
        (child, "--set", "actors.putin.readiness=-3.25"),
        (path, "--set", "actors.putin.readiness=-3.25"),
    )
    assert from_child_then_set == from_parent_set


def test_set_reaches_a_key_with_dots_in_quotes(write, parent, sim_cli_many):
    """``uncertain`` keys are paths: a double-quoted part addresses one entry, to replace
    its distribution or (with null) to drop it, like writing the file by hand."""
    path, document = parent
    with_range = copy.deepcopy(document)
    with_range["uncertain"] = {"actors.putin.readiness": {"uniform": [-4.0, -3.0]},
                               "preparation.collapse_risk": {"uniform": [0.0, 0.2]}}
    start = write(with_range, "start.yaml")
    replaced = copy.deepcopy(with_range)
    replaced["uncertain"]["actors.putin.readiness"] = {"triangular": [-4.0, -3.5, -3.0]}
    dropped = copy.deepcopy(with_range)
    del dropped["uncertain"]["preparation.collapse_risk"]
    changed, want_changed, removed, want_removed, untouched = content_hashes(
        sim_cli_many,
        (start, "--set", 'uncertain."actors.putin.readiness"={triangular: [-4.0, -3.5, -3.0]}'),
        (write(replaced, "replaced.yaml"),),
        (start, "--set", 'uncertain."preparation.collapse_risk"=null'),
        (write(dropped, "dropped.yaml"),),
        (start,),
    )
    assert changed == want_changed and removed == want_removed
    assert untouched not in (changed, removed)


BAD_SETS = [
    ("actors.putn.readiness=-3", ["--set actors.putn.readiness=-3", "no 'putn' at actors", "zelensky, putin, trump"]),
    ("actors.trump.proposes.4=kyiv", ["--set actors.trump.proposes.4=kyiv", "actors.trump.proposes is a list of 1"]),
    ("actors.putin.readiness.x=1", ["actors.putin.readiness is a value, not a mapping or list"]),
    ("actors.putin.red_lines=[kyiv", ["--set actors.putin.red_lines=[kyiv", "the value is not valid YAML"]),
    ("actors..readiness=1", ["the path must be dotted field names"]),
    ('uncertain."actors.putin.readiness=1', ["the path must be dotted field names", "in double quotes"]),
    ('uncertain."actors.putin.readiness".uniform=[0, 1]', ["no 'uncertain' at the top level"]),
    ("actors.putin.readines=-3", ["actors.putin.readines: unknown field"]),
    ("actors.putin.readiness=low", ["actors.putin.readiness", "valid number"]),
]


def test_bad_set_is_one_line(parent, sim_cli_many):
    """Bad paths, indexes and YAML values each give one line naming the file and the --set."""
    path, _ = parent
    done = sim_cli_many([["run", path, "--set", override] for override, _ in BAD_SETS])
    for (override, fragments), result in zip(BAD_SETS, done):
        one_error_line(result, "parent.yaml: ", *fragments)


COMMANDS = [
    ["run", "--runs", "1"], ["validate"], ["explain"], ["trace"], ["compare", "--runs", "1"],
    ["sweep", "--runs", "1", "-p", "actors.putin.readiness=-1,0"],
]


def test_every_command_takes_set(parent, sim_cli_many):
    """The same bad path fails the same way in every command that reads a scenario (that a
    good --set works in each is shown by the other test files: run, validate, compare, sweep
    and trace all use one)."""
    path, _ = parent
    bad = sim_cli_many([[name, path, *options, "--set", "actors.nobody.readiness=1"] for name, *options in COMMANDS])
    for command, failed in zip(COMMANDS, bad):
        if command[0] == "validate":  # validate lists problems without the "sim: error:" prefix
            assert failed.returncode == 2 and "no 'nobody' at actors" in failed.stderr, failed.stderr
        else:
            one_error_line(failed, "no 'nobody' at actors")
