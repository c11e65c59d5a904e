"""A number is never cut short, whatever the terminal's width.

At 80 columns rich used to cut cells with an ellipsis (``20.1% [18.4-21.…``, two sweep
parameters both shown as ``actors.…``). The report layer now wraps cells, breaks dotted
headers, or stacks rows instead (sim/report/layout.py). These tests read the real CLI's
output at 60, 80 and 120 columns and look for every number of the CSV the same command
writes.
"""

from __future__ import annotations

import csv
import subprocess

import pytest

from conftest import SCENARIOS, cli_environment, sim_command

WIDTHS = (60, 80, 120)
BASE = str(SCENARIOS / "base.yaml")
COMMANDS = {
    "compare": ["compare", BASE, str(SCENARIOS / "us-pressure.yaml"), str(SCENARIOS / "kremlin-neutral.yaml"),
                "--runs", "1000"],
    "sweep": ["sweep", BASE, "--param", "actors.putin.readiness=-4,-3", "--param",
              "actors.zelensky.readiness=-2,-1", "--runs", "1000"],
    "run": ["run", BASE, "--runs", "1000"],
}


def shown(argv: list[str], width: int, cwd) -> str:
    env = dict(cli_environment(), COLUMNS=str(width))
    done = subprocess.run([*sim_command(), *argv, "-w", "1"], capture_output=True, text=True, env=env, cwd=cwd,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout


def percent(text: str) -> str:
    return f"{100 * float(text):.1f}%"


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_nothing_is_cut_off(name, width, tmp_path):
    text = shown(COMMANDS[name], width, tmp_path)
    assert "…" not in text
    assert max(len(line) for line in text.splitlines()) <= width


@pytest.mark.parametrize("width", WIDTHS)
def test_scores_are_whole(width, tmp_path):
    outcomes = tmp_path / "outcomes.csv"
    outcomes.write_text("question,key,outcome\nsummit_by,2026-03-31,no\nvenue,2026-06-30,none\n")
    out = tmp_path / "scores.csv"
    text = shown(["score", "-f", BASE, "-f", str(SCENARIOS / "us-pressure.yaml"), "--outcomes", str(outcomes),
                  "--runs", "1000", "--csv", str(out)], width, tmp_path)
    assert "…" not in text
    with open(out, newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            assert f"{float(row['brier']):.3f}" in text


@pytest.mark.parametrize("width", WIDTHS)
def test_every_compared_probability_is_on_the_page(width, tmp_path):
    out = tmp_path / "compare.csv"
    text = shown([*COMMANDS["compare"], "--csv", str(out)], width, tmp_path)
    with open(out, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        assert row["scenario"] in text
        interval = f"[{100 * float(row['ci_low']):.1f}-{100 * float(row['ci_high']):.1f}]"
        assert percent(row["p_summit"]) in text and interval in text


@pytest.mark.parametrize("width", WIDTHS)
def test_both_swept_parameters_are_told_apart(width, tmp_path):
    text = shown(COMMANDS["sweep"], width, tmp_path)
    flat = text.replace("\n", " ")
    assert "zelensky" in flat and "putin" in flat
    assert "readiness" in text

