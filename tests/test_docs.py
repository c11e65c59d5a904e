"""The documentation shows what sim really prints.

Every error example in the docs (a ``$ sim …`` line followed by ``sim: error: …``) whose
files exist in this repository is run here, and its one-line message must be the one
printed. So a list of allowed fields, an option's range or a message that changes in the
code cannot go stale in the docs (the analyst guide once listed actor fields without
``concede``).
"""

from __future__ import annotations

import re
import shlex
import subprocess
from pathlib import Path

import pytest

from conftest import REPO, cli_environment, sim_command


def error_examples() -> list[tuple[str, int, list[str], str]]:
    found = []
    for doc in sorted((REPO / "docs").glob("*.md")) + [REPO / "README.md"]:
        lines = doc.read_text(encoding="utf-8").split("\n")
        for number, (line, after) in enumerate(zip(lines, lines[1:]), start=1):
            if line.startswith("$ sim ") and after.startswith("sim: error:"):
                argv = shlex.split(line[len("$ sim "):])
                found.append((doc.name, number, argv, after))
    return found


def runnable(argv: list[str]) -> bool:
    """Examples that name a file of the repository (others illustrate a user's own file)."""
    files = [a for a in argv if a.endswith(".yaml") or a.endswith(".csv")]
    return all((REPO / f).exists() for f in files if not f.startswith("-"))


EXAMPLES = [example for example in error_examples() if runnable(example[2])]


def test_the_docs_have_error_examples_to_check():
    assert len(EXAMPLES) >= 8


@pytest.mark.parametrize("doc,line,argv,shown", EXAMPLES, ids=[f"{e[0]}:{e[1]}" for e in EXAMPLES])
def test_error_example_is_what_sim_prints(doc, line, argv, shown):
    done = subprocess.run([*sim_command(), *argv], cwd=REPO, capture_output=True, text=True,
                          env=cli_environment(), timeout=300)
    assert done.returncode == 2
    assert done.stderr.splitlines()[-1] == shown, f"{doc}:{line} shows an error sim no longer prints"


def registered_commands() -> set[str]:
    from sim.cli import app

    return {info.name or info.callback.__name__ for info in app.registered_commands}


def test_every_command_is_in_the_cli_reference_and_only_those():
    """docs/cli.md's table of commands is the app's list of commands."""
    text = (REPO / "docs" / "cli.md").read_text(encoding="utf-8")
    listed = set(re.findall(r"^\| \[`sim ([a-z]+)`\]", text, flags=re.M))
    assert listed == registered_commands()
    for name in registered_commands():
        assert f"\n## sim {name}\n" in text, f"docs/cli.md has no section for sim {name}"
