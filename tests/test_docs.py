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
from pathlib import Path

import pytest

from conftest import REPO, run_in_process


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
    done = run_in_process(argv)
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


# --- field lists: generated from the schema, never typed by hand and left to drift --------------

ALLOWED = re.compile(r"(?P<path>[A-Za-z0-9_.]+): unknown field; allowed: (?P<listed>[a-z0-9_, ]+)")
SHOWN_AT = re.compile(r"<[^>]+>")  # actors.<id>, uncertain.<path>: any key of a mapping


def allowed_lists() -> list[tuple[str, int, str, list[str]]]:
    """Every "PATH: unknown field; allowed: a, b, c" shown in the docs and the README."""
    found = []
    for doc in sorted((REPO / "docs").glob("*.md")) + [REPO / "README.md"]:
        for number, line in enumerate(doc.read_text(encoding="utf-8").split("\n"), start=1):
            for match in ALLOWED.finditer(line):
                listed = [name.strip() for name in match["listed"].split(",")]
                found.append((doc.name, number, match["path"], listed))
    return found


@pytest.mark.parametrize("doc,line,path,listed", allowed_lists(), ids=lambda v: str(v) if isinstance(v, int) else None)
def test_every_list_of_allowed_fields_is_the_schemas(doc, line, path, listed):
    """A doc's "allowed: ..." list is what sim says for that path today: the misspelt field
    is set in the base scenario and the validator's own list is compared with the doc's."""
    from sim.errors import ScenarioError
    from sim.scenario.loader import load_document, scenario_from_document
    from sim.scenario.variants import set_path

    document = load_document(REPO / "scenarios" / "base.yaml")
    set_path(document, path.split("."), 1, path)
    with pytest.raises(ScenarioError) as caught:
        scenario_from_document(document)
    said = {p.path: p.message for p in caught.value.problems}
    assert path in said, f"{doc}:{line}: {path} is not a path of scenarios/base.yaml; show one that is"
    assert said[path] == f"unknown field; allowed: {', '.join(listed)}", f"{doc}:{line} lists other fields than sim"


def schema_paths(model, prefix: str = "") -> set[str]:
    """Every field path of the scenario schema: a mapping's keys as <key>, list items as []."""
    paths = set()
    for name, field in model.model_fields.items():
        path = prefix + name
        paths.add(path)
        for inner, step in nested_models(field.annotation):
            paths |= schema_paths(inner, path + step + ".")
    return paths


def nested_models(annotation, step: str = "") -> list[tuple[type, str]]:
    """The models inside a field's type, with the step to them (``.<key>`` or ``[]``)."""
    import typing

    from pydantic import BaseModel

    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [(annotation, step)]
    if origin is typing.Annotated:
        return nested_models(args[0], step)
    if origin is dict:
        return nested_models(args[1], step + ".<key>")
    if origin is list:
        return nested_models(args[0], step + "[]")
    return [found for arg in args for found in nested_models(arg, step)]  # unions, Optional


def documented_paths() -> set[str]:
    """The paths in the first column of every table of scenario-format.md headed ``path``."""
    paths, in_table = set(), False
    for line in (REPO / "docs" / "scenario-format.md").read_text(encoding="utf-8").split("\n"):
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")] if line.startswith("|") else []
        if not cells:
            in_table = False
        elif cells[0] == "path":
            in_table = True
        elif in_table and not set(cells[0]) <= set("-: "):
            paths |= {SHOWN_AT.sub("<key>", p) for p in re.findall(r"`([^`]+)`", cells[0])}
    return paths


def test_the_field_tables_of_scenario_format_are_the_schema():
    """docs/scenario-format.md has a row for every field and no row for a field that is
    gone. A block is documented either field by field (`time.start`, `time.end`...) or
    whole in one row (`uncertain.<path>.normal` with its keys in the type column)."""
    from sim.scenario.schema import Scenario

    schema = schema_paths(Scenario)
    documented = documented_paths()
    assert documented - schema - {"extends"} == set(), "rows for fields the schema does not have"

    def parent(path: str) -> str:
        return path.rsplit(".", 1)[0] if "." in path else ""

    def covered(path: str) -> bool:
        if path in documented or any(d.startswith(path + ".") or d.startswith(path + "[]") for d in documented):
            return True
        siblings = {p for p in schema if parent(p) == parent(path)}
        return parent(path) in documented and not siblings & documented  # its block, documented whole
    assert sorted(p for p in schema if not covered(p)) == [], "fields of the schema without a row"
