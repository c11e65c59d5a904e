"""A number is never cut short, whatever the terminal's width.

At 80 columns rich used to cut cells with an ellipsis (``20.1% [18.4-21.…``, two sweep
parameters both shown as ``actors.…``). The report layer now wraps cells, breaks dotted
headers, or stacks rows instead (sim/report/layout.py). These tests read the real CLI's
output at 60, 80 and 120 columns and look for every number of the CSV the same command
writes.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Callable

import pytest

from conftest import SCENARIOS, cli_environment, run_in_process

WIDTHS = (60, 80, 120)
BASE = str(SCENARIOS / "base.yaml")
COMMANDS = {
    # compare writes its CSV too (the table is the same with or without it), for the test
    # that looks for each of its numbers on the page.
    "compare": ["compare", BASE, str(SCENARIOS / "us-pressure.yaml"), str(SCENARIOS / "kremlin-neutral.yaml"),
                "--runs", "1000", "--csv", "compare.csv"],
    "sweep": ["sweep", BASE, "--param", "actors.putin.readiness=-4,-3", "--param",
              "actors.zelensky.readiness=-2,-1", "--runs", "1000"],
    "run": ["run", BASE, "--runs", "1000"],
}


def shown(argv: list[str], width: int, cwd) -> str:
    """What ``sim ARGV -w 1`` prints at ``width`` columns, run in ``cwd``."""
    done = run_in_process([*argv, "-w", "1"], cwd=cwd, env=dict(cli_environment(), COLUMNS=str(width)))
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def printed(tmp_path_factory) -> Callable[[str, int], tuple[str, Path]]:
    """``printed(name, width)``: COMMANDS[name]'s output at that width and the folder it
    ran in, each made once for the tests of this file that read it."""
    made: dict[tuple[str, int], tuple[str, Path]] = {}

    def _printed(name: str, width: int) -> tuple[str, Path]:
        if (name, width) not in made:
            folder = tmp_path_factory.mktemp(f"{name}-{width}")
            made[name, width] = shown(COMMANDS[name], width, folder), folder
        return made[name, width]

    return _printed


def percent(text: str) -> str:
    return f"{100 * float(text):.1f}%"


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_nothing_is_cut_off(name, width, printed):
    text, _ = printed(name, width)
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
def test_every_compared_probability_is_on_the_page(width, printed):
    text, folder = printed("compare", width)
    with open(folder / "compare.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        assert row["scenario"] in text
        interval = f"[{100 * float(row['ci_low']):.1f}-{100 * float(row['ci_high']):.1f}]"
        assert percent(row["p_summit"]) in text and interval in text


@pytest.mark.parametrize("width", WIDTHS)
def test_both_swept_parameters_are_told_apart(width, printed):
    text, _ = printed("sweep", width)
    flat = text.replace("\n", " ")
    assert "zelensky" in flat and "putin" in flat
    assert "readiness" in text

