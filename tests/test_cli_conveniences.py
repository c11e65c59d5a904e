"""What users of a modern CLI expect: --version, shell completion, `sim init`, the
baseline `sim compare` uses said out loud, and every output naming its --set changes."""

from __future__ import annotations

import json

import yaml

from conftest import BASE, SCENARIOS


def test_version(sim_cli):
    from sim import __version__

    done = sim_cli("--version")
    assert done.returncode == 0 and done.stdout == f"sim {__version__}\n"


def test_completion_script_is_offered(sim_cli):
    done = sim_cli("--show-completion", "bash")
    assert done.returncode == 0 and "complete" in done.stdout and "sim" in done.stdout


def test_init_writes_a_valid_commented_skeleton_with_the_users_names(sim_cli, tmp_path):
    target = tmp_path / "talks.yaml"
    done = sim_cli("init", target, "--principals", "Kim,Trump", "--venues", "singapore:Singapore,hanoi",
                   "--mediator", "moon", "--start", "2018-03-01")
    assert done.returncode == 0, done.stderr
    text = target.read_text()
    document = yaml.safe_load(text)
    assert set(document["actors"]) == {"kim", "trump", "moon"}
    assert set(document["venues"]) == {"singapore", "hanoi"}
    assert document["time"]["start"].isoformat() == "2018-03-01"
    assert text.count("ASSUMPTION") >= 5
    assert sim_cli("validate", target).returncode == 0
    assert sim_cli("run", target, "--runs", "500", "-w", "1").returncode == 0


def test_init_never_overwrites_without_force(sim_cli, tmp_path):
    target = tmp_path / "mine.yaml"
    target.write_text("precious")
    done = sim_cli("init", target, "--principals", "a,b", "--venues", "x")
    assert done.returncode == 2 and "--force" in done.stderr and target.read_text() == "precious"
    assert sim_cli("init", target, "--principals", "a,b", "--venues", "x", "--force").returncode == 0


def test_init_refuses_bad_names_in_one_line(sim_cli, tmp_path):
    for args in (["--principals", "a", "--venues", "x"], ["--principals", "a,a", "--venues", "x"],
                 ["--principals", "a,b", "--venues", "9"]):
        done = sim_cli("init", tmp_path / "x.yaml", *args)
        assert done.returncode == 2 and len(done.stderr.splitlines()) == 1, done.stderr
        assert not (tmp_path / "x.yaml").exists()


def test_compare_says_which_baseline_and_why(sim_cli):
    first = sim_cli("compare", BASE, SCENARIOS / "us-pressure.yaml", "--runs", "500", "-w", "1")
    assert "baseline base, the first file given" in " ".join(first.stdout.split())
    chosen = sim_cli("compare", BASE, SCENARIOS / "us-pressure.yaml", "--baseline", SCENARIOS / "us-pressure.yaml",
                     "--runs", "500", "-w", "1")
    assert "baseline us_pressure, --baseline" in " ".join(chosen.stdout.split())


def test_every_output_states_its_overrides(sim_cli, tmp_path):
    change = "actors.putin.readiness=-2"
    shown = sim_cli("run", BASE, "--runs", "500", "--set", change, "-w", "1")
    assert f"Changed with --set: {change}" in shown.stdout
    plain = json.loads(sim_cli("run", BASE, "--runs", "500", "--json", "-w", "1").stdout)
    changed = json.loads(sim_cli("run", BASE, "--runs", "500", "--json", "--set", change, "-w", "1").stdout)
    assert plain["overrides"] == [] and changed["overrides"] == [change]
    for argv in (["compare", BASE, "--runs", "500"], ["explain", BASE],
                 ["sweep", BASE, "--param", "actors.zelensky.readiness=-1,0", "--runs", "500"],
                 ["trace", BASE]):
        done = sim_cli(*argv, "--set", change)
        assert f"Changed with --set: {change}" in done.stdout, argv
    traced = json.loads(sim_cli("trace", BASE, "--json", "--set", change).stdout)
    assert traced["overrides"] == [change]
