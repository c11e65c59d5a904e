"""Manifests and ``sim replay``: can an output be made again, and if not, why not?

Every test works on a private copy of a scenario in tmp_path, runs ``sim`` there, then
edits the copy the way an analyst would and replays the manifest.
"""

from __future__ import annotations

import json
import shutil

import pytest

from conftest import BASE


@pytest.fixture
def recorded(tmp_path, sim_cli):
    """`sim run` on a copy of base.yaml with a summary CSV and a runs CSV."""
    scenario = tmp_path / "mine.yaml"
    shutil.copy(BASE, scenario)
    (tmp_path / "out").mkdir()
    outputs = ["--csv", "out/summary.csv", "--runs-csv", "out/runs.csv"]
    done = sim_cli("run", "mine.yaml", "--runs", 2000, *outputs, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    return tmp_path, scenario, outputs[1::2]


def replay(sim_cli, folder, manifest="out/summary.csv.manifest.json"):
    return sim_cli("replay", manifest, cwd=folder)


def test_untouched_inputs_reproduce_byte_for_byte(recorded, sim_cli):
    folder, _, outputs = recorded
    manifest = json.loads((folder / "out/summary.csv.manifest.json").read_text())
    assert manifest["command"][:2] == ["run", "mine.yaml"]
    assert manifest["cwd"] == str(folder)
    assert {"sim", "numpy", "python"} <= set(manifest["versions"])  # plus matplotlib when installed
    assert set(manifest["scenario_files"]) == set(manifest["scenario_content"]) == {"mine.yaml"}
    assert set(manifest["outputs"]) == set(outputs)
    for output in outputs:  # the same manifest beside each output
        assert json.loads((folder / f"{output}.manifest.json").read_text()) == manifest
    done = replay(sim_cli, folder)
    assert done.returncode == 0, (done.stdout, done.stderr)
    assert done.stdout.splitlines() == [f"reproduced byte for byte: {name}" for name in outputs]
    # the replay wrote into a scratch folder: the originals are untouched
    assert sorted(p.name for p in (folder / "out").iterdir()) == sorted(
        [name.split("/")[1] for name in outputs] + [name.split("/")[1] + ".manifest.json" for name in outputs])


def test_changed_number_is_not_reproduced_and_says_why(recorded, sim_cli):
    folder, scenario, outputs = recorded
    text = scenario.read_text()
    assert text.count("    readiness: -3.5\n") == 1
    scenario.write_text(text.replace("    readiness: -3.5\n", "    readiness: -3.4\n"))
    done = replay(sim_cli, folder)
    assert done.returncode == 1, (done.stdout, done.stderr)
    lines = done.stdout.splitlines()
    assert "changed: scenario file mine.yaml changed: the validated scenario differs" in lines
    assert "NOT reproduced: out/summary.csv differs from the original" in lines
    assert "NOT reproduced: out/runs.csv differs from the original" in lines


def test_comment_and_layout_edits_still_reproduce(recorded, sim_cli):
    """A new comment, a changed comment and a venue rewritten from flow to block style."""
    folder, scenario, outputs = recorded
    text = scenario.read_text()
    changed = "# reviewed by the analyst on Monday\n" + text.replace("# F8, F57, F59: proposes Moscow", "# F8: Moscow, again")
    changed = changed.replace(
        "  moscow:     {name: Moscow, country: Russia, host: putin}",
        "  moscow:\n    name: Moscow\n    country: Russia\n    host: putin",
    )
    assert changed.count("\n") == text.count("\n") + 4
    scenario.write_text(changed)
    done = replay(sim_cli, folder)
    assert done.returncode == 0, (done.stdout, done.stderr)
    lines = done.stdout.splitlines()
    assert lines[0] == "changed: scenario file mine.yaml changed only in comments or layout; its content is the same"
    assert lines[1:] == [f"reproduced byte for byte: {name}" for name in outputs]


def test_missing_scenario_fails_the_replay(recorded, sim_cli):
    folder, scenario, _ = recorded
    scenario.unlink()
    done = replay(sim_cli, folder)
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert "the command failed on replay" in done.stderr and "mine.yaml" in done.stderr


def test_not_a_manifest_is_exit_2(tmp_path, sim_cli):
    bad = tmp_path / "bad.manifest.json"
    bad.write_text("{\"command\": []}")
    done = sim_cli("replay", bad)
    assert done.returncode == 2
    assert done.stderr.startswith("sim: error: ") and "not a sim manifest" in done.stderr
    assert sim_cli("replay", tmp_path / "missing.json").returncode == 2


@pytest.mark.slow
def test_picture_sweep_and_compare_manifests_replay(tmp_path, sim_cli_many):
    """PNG pictures (when matplotlib is there), sweep CSVs and compare CSVs replay too."""
    base = tmp_path / "base.yaml"
    shutil.copy(BASE, base)
    variant = tmp_path / "softer.yaml"
    variant.write_text("extends: base.yaml\nname: softer\nactors: {putin: {readiness: -3.4}}\n")
    sweep, compare, picture = (tmp_path / name for name in ("sweep.csv", "compare.csv", "picture.png"))
    commands = [["sweep", base, "-p", "actors.putin.readiness=-4,-3", "--runs", 2000, "--csv", sweep],
                ["compare", base, variant, "--runs", 2000, "--csv", compare]]
    outputs = [sweep, compare]
    try:
        import matplotlib  # noqa: F401
        commands.append(["run", base, "--runs", 2000, "--plot", picture])
        outputs.append(picture)
    except ImportError:
        pass
    made = sim_cli_many(commands)
    assert [d.returncode for d in made] == [0] * len(made), [d.stderr for d in made]
    done = sim_cli_many([["replay", f"{output}.manifest.json"] for output in outputs])
    for output, result in zip(outputs, done):
        assert result.returncode == 0, (result.stdout, result.stderr)
        assert result.stdout == f"reproduced byte for byte: {output}\n"


def test_changed_parent_of_a_variant_is_named(tmp_path, sim_cli):
    shutil.copy(BASE, tmp_path / "parent.yaml")
    (tmp_path / "child.yaml").write_text("extends: parent.yaml\nname: child\n")
    assert sim_cli("run", "child.yaml", "--runs", 2000, "--csv", "child.csv", cwd=tmp_path).returncode == 0
    parent = tmp_path / "parent.yaml"
    parent.write_text(parent.read_text().replace("    readiness: -3.5\n", "    readiness: -3.4\n"))
    done = sim_cli("replay", "child.csv.manifest.json", cwd=tmp_path)
    assert done.returncode == 1
    assert "changed:" in done.stdout, done.stdout
