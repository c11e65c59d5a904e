"""docs/announced.md, docs/structure.md, docs/track.md and docs/pressure.md show what sim
prints for their example scenarios (eqs. 4a-4c, 6''', 11 and 3').

Every fenced block of those pages that starts with ``$ sim ...`` is run at the page's width
(100 columns) and the block's other lines must appear, in order and together, in what
the command prints; every example scenario validates.
"""

from __future__ import annotations

import re
import shlex
import subprocess

import pytest

from conftest import REPO, cli_environment, run_in_process

PAGES = (REPO / "docs" / "announced.md", REPO / "docs" / "structure.md", REPO / "docs" / "track.md",
         REPO / "docs" / "pressure.md")
EXAMPLES = sorted((REPO / "docs" / "examples").glob("*.yaml"))


def quoted_blocks() -> list[tuple[list[str], list[str]]]:
    text = "\n".join(page.read_text(encoding="utf-8") for page in PAGES)
    blocks = re.findall(r"```text\n(\$ sim [^\n]+)\n(.*?)\n```", text, flags=re.S)
    return [(shlex.split(command[len("$ sim "):]), shown.split("\n")) for command, shown in blocks]


def run(argv: list[str]) -> subprocess.CompletedProcess:
    """``sim ARGV`` at the pages' width (100 columns), in this process."""
    return run_in_process(argv, env=dict(cli_environment(), COLUMNS="100"))


def test_the_page_quotes_every_example():
    quoted = {arg for argv, _ in quoted_blocks() for arg in argv if arg.endswith(".yaml")}
    assert quoted == {str(p.relative_to(REPO)) for p in EXAMPLES}
    assert len(EXAMPLES) == 7


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_every_example_validates(path):
    done = run(["validate", str(path.relative_to(REPO))])
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("argv, shown", quoted_blocks(), ids=lambda v: " ".join(v) if isinstance(v, list) and v and v[0] in ("run", "explain") else None)
def test_the_quoted_output_is_what_sim_prints(argv, shown):
    done = run(argv)
    assert done.returncode == 0, done.stderr
    printed = [line.rstrip() for line in done.stdout.split("\n")]
    shown = [line.rstrip() for line in shown]
    starts = [k for k, line in enumerate(printed) if line == shown[0]]
    assert any(printed[k:k + len(shown)] == shown for k in starts), f"sim {' '.join(argv)} no longer prints the page's lines"
