"""Loading scenario files: every mistake is one line naming the file, the field and the fix.

A user who mistypes a key, a venue id or a number relies on the error line to find it
without reading a traceback: ``file: dotted.field.path: what is wrong / what is allowed``.
Hostile or broken files (tags, alias bombs, deep nesting, binary, directories) are
refused the same way, without executing or expanding anything, whether libyaml reads them
or the pure-Python parser does (the ``yaml_parser`` fixture runs those tests both ways).
"""

from __future__ import annotations

import math
from typing import Any, Callable

import pytest

from sim.errors import ScenarioError
from sim.scenario.loader import MAX_DEPTH, load_scenario, parse_yaml, scenario_from_document
from test_safe_yaml import yaml_parser  # noqa: F401 (a fixture: each hostile file is read by libyaml and without it)

Mutation = Callable[[dict[str, Any]], None]
#: Run a test on a YAML file once read by libyaml and once by the pure-Python parser.
by_both_parsers = pytest.mark.usefixtures("yaml_parser")


def _set(path: str, value: Any) -> Mutation:
    """A mutation that sets the dotted ``path`` of a document to ``value``."""

    def mutate(document: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node = document
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node.setdefault(part, {})
        node[last] = value

    return mutate


def _delete(path: str) -> Mutation:
    def mutate(document: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node = document
        for part in parents:
            node = node[part]
        del node[last]

    return mutate


def _both(*mutations: Mutation) -> Mutation:
    def mutate(document: dict[str, Any]) -> None:
        for mutation in mutations:
            mutation(document)

    return mutate


PRINCIPAL_KEYS = "role, name, readiness, readiness_sd, venue_weights, venues, red_lines"
MEDIATOR_KEYS = "role, name, pressure, leverage, proposes, strategy"

# (id, mutation, exact field path, fragments the message must contain)
INVALID = [
    ("unknown-top-level-key", _set("colour", "red"), "colour",
     ["unknown field", "allowed: name, title, evidence, notes, time, venues, actors"]),
    ("unknown-principal-key", _set("actors.putin.readyness", 1.0), "actors.putin.readyness",
     ["unknown field", PRINCIPAL_KEYS]),
    ("unknown-mediator-key", _set("actors.trump.leverag", {}), "actors.trump.leverag",
     ["unknown field", MEDIATOR_KEYS]),
    ("unknown-key-deep-in-mediator", _set("actors.trump.pressure.ramp", 1), "actors.trump.pressure.ramp",
     ["unknown field", "allowed: start, growth, cap, deadlines"]),
    ("unknown-venue-key", _set("venues.geneva.capital", "Bern"), "venues.geneva.capital",
     ["allowed: name, country, host, neutral, third_party"]),
    ("unknown-time-key", _set("time.horizon", 3), "time.horizon",
     ["allowed: start, round_days, horizon_rounds, end, milestones"]),
    ("unknown-key-in-list-item",
     _set("events", {"shocks": [{"name": "war", "hazard": 0.1, "hazzard": 0.2}]}),
     "events.shocks.0.hazzard", ["unknown field", "hazard"]),
    ("wrong-type-int", _set("simulation.runs", "many"), "simulation.runs",
     ["valid integer", "'many'"]),
    ("wrong-type-bool", _set("venues.geneva.neutral", "perhaps"), "venues.geneva.neutral",
     ["valid boolean"]),
    ("wrong-type-list", _set("actors.putin.red_lines", "kyiv"), "actors.putin.red_lines",
     ["valid list"]),
    ("wrong-type-date", _set("time.start", "next week"), "time.start", ["date"]),
    ("logit-above-limit", _set("actors.putin.readiness", 51), "actors.putin.readiness",
     ["less than or equal to 50", "51"]),
    ("probability-above-1", _set("preparation.collapse_risk", 1.5), "preparation.collapse_risk",
     ["less than or equal to 1", "1.5"]),
    ("round-days-zero", _set("time.round_days", 0), "time.round_days",
     ["greater than or equal to 1"]),
    ("sharpness-zero", _set("actors.zelensky.sharpness", 0), "actors.zelensky.sharpness",
     ["greater than 0"]),
    ("negative-pressure-in-mediator", _set("actors.trump.pressure.start", -1), "actors.trump.pressure.start",
     ["greater than or equal to 0"]),
    ("nan", _set("actors.putin.readiness", math.nan), "actors.putin.readiness", ["finite"]),
    ("inf", _set("preparation.collapse_risk", math.inf), "preparation.collapse_risk", ["finite"]),
    ("minus-inf-in-mediator", _set("actors.trump.leverage.putin", -math.inf), "actors.trump.leverage.putin",
     ["finite"]),
    ("missing-top-level", _delete("title"), "title", ["required field is missing"]),
    ("missing-nested", _delete("actors.putin.readiness"), "actors.putin.readiness",
     ["required field is missing"]),
    ("missing-venue-name", _delete("venues.geneva.name"), "venues.geneva.name",
     ["required field is missing"]),
    ("unknown-red-line-venue", _set("actors.putin.red_lines", ["kyiv", "paris"]), "actors.putin.red_lines.1",
     ["unknown venue 'paris'", "expected one of: geneva, kyiv, moscow"]),
    ("unknown-utility-venue", _set("actors.putin.venues", {"geneva": 1.0, "rome": 0.5}), "actors.putin.venues.rome",
     ["unknown venue 'rome'", "expected one of: geneva, kyiv, moscow"]),
    ("unknown-leverage-principal", _set("actors.trump.leverage", {"biden": 1.0}), "actors.trump.leverage.biden",
     ["unknown principal 'biden'", "expected one of: putin, zelensky"]),
    ("unknown-proposed-venue", _set("actors.trump.proposes", ["geneva", "vienna"]), "actors.trump.proposes.1",
     ["unknown venue 'vienna'"]),
    ("unknown-venue-host", _set("venues.geneva.host", "swiss"), "venues.geneva.host",
     ["unknown actor 'swiss'"]),
    ("unknown-event-principal",
     _set("events", {"scheduled": [{"name": "talks", "date": "2026-03-01", "readiness": {"lukashenko": 1}}]}),
     "events.scheduled.0.readiness.lukashenko", ["unknown principal 'lukashenko'"]),
    ("both-horizons", _set("time.end", "2026-06-30"), "time",
     ["exactly one of horizon_rounds or end"]),
    ("neither-horizon", _delete("time.horizon_rounds"), "time",
     ["exactly one of horizon_rounds or end"]),
    ("end-before-start", _both(_delete("time.horizon_rounds"), _set("time.end", "2025-01-01")), "time",
     ["end must be on or after start"]),
    ("one-principal", _both(_set("actors.putin.role", "mediator"), _delete("actors.putin.readiness"),
                            _delete("actors.putin.red_lines"), _set("actors.trump.leverage", {})),
     "actors", ["at least 2 principals, found 1"]),
    ("bad-role-tag", _set("actors.putin.role", "observer"), "actors.putin.role",
     ["unknown role (got 'observer')", "allowed: principal, mediator"]),
    ("missing-role-tag", _delete("actors.putin.role"), "actors.putin.role",
     ["required field is missing", "give role: principal or role: mediator"]),
    ("bad-identifier", _set("venues.Geneva", {"name": "G", "country": "CH"}), "venues.Geneva",
     ["pattern"]),
    ("bad-strategy", _set("actors.trump.strategy", "bribe"), "actors.trump.strategy",
     ["'ordered'", "'best'"]),
]


@pytest.mark.parametrize(
    "mutate, path, fragments", [case[1:] for case in INVALID], ids=[case[0] for case in INVALID]
)
def test_invalid_document_names_file_and_field(document, write, mutate, path, fragments):
    """Each mistake gives a ScenarioError line ``file: field.path: message`` saying what is allowed."""
    mutate(document)
    file = write(document, "broken.yaml")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(file)
    error = caught.value
    assert error.source == str(file)
    paths = [problem.path for problem in error.problems]
    assert path in paths, f"{path!r} not among {paths}"
    problem = error.problems[paths.index(path)]
    line = error.lines()[paths.index(path)]
    assert line.startswith(f"{file}: {path}: ")
    for fragment in fragments:
        assert fragment in problem.message, f"{fragment!r} not in {problem.message!r}"
    # One line per problem, and the first is the exception's text.
    assert all("\n" not in text for text in error.lines())
    assert str(error).startswith(error.lines()[0])


@pytest.mark.parametrize("case", INVALID, ids=[case[0] for case in INVALID])
def test_field_paths_carry_no_union_tags(document, case):
    """Paths follow the file (``actors.putin.venues.geneva``), never pydantic's union tags."""
    _, mutate, _, _ = case
    mutate(document)
    with pytest.raises(ScenarioError) as caught:
        scenario_from_document(document, "doc.yaml")
    for problem in caught.value.problems:
        parts = problem.path.split(".")
        assert "principal" not in parts and "mediator" not in parts, problem.path
        assert "[key]" not in problem.path


def test_every_problem_is_reported_once(document):
    """All reference problems come back together, each once, so one edit-run cycle fixes them."""
    document["actors"]["putin"]["red_lines"] = ["paris", "paris"]
    document["actors"]["putin"]["venues"] = {"rome": 1.0}
    document["actors"]["trump"]["leverage"] = {"biden": 1.0}
    with pytest.raises(ScenarioError) as caught:
        scenario_from_document(document, "s.yaml")
    paths = [problem.path for problem in caught.value.problems]
    assert sorted(paths) == sorted([
        "actors.putin.red_lines.0", "actors.putin.red_lines.1",
        "actors.putin.venues.rome", "actors.trump.leverage.biden",
    ])
    assert "(and 3 more problems)" in str(caught.value)


def test_scenario_error_is_a_sim_error():
    """Callers can catch every user-facing error with one except clause."""
    from sim.errors import SimError

    assert issubclass(ScenarioError, SimError)


# -- files and YAML ------------------------------------------------------------------


def _only_line(error: ScenarioError) -> str:
    lines = error.lines()
    assert len(lines) == 1, lines
    return lines[0]


@by_both_parsers
def test_duplicate_keys_are_refused(write):
    """A key given twice is an error naming its line, not a silent last-one-wins."""
    file = write("name: a\ntitle: t\nname: b\n", "dup.yaml")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(file)
    line = _only_line(caught.value)
    assert line.startswith(f"{file}: ")
    assert "line 3" in line and "duplicate key 'name'" in line


@by_both_parsers
def test_duplicate_keys_nested(write, document):
    """Duplicates deep inside a mapping are found too."""
    text = "actors:\n  putin:\n    readiness: 1\n    readiness: 2\n"
    with pytest.raises(ScenarioError, match="duplicate key 'readiness'"):
        load_scenario(write(text))


@by_both_parsers
def test_python_object_tags_are_not_executed(write, tmp_path):
    """``!!python/object/apply`` is refused by the safe loader and nothing is run."""
    marker = tmp_path / "pwned"
    file = write(f'name: !!python/object/apply:os.system ["touch {marker}"]\n', "tag.yaml")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(file)
    line = _only_line(caught.value)
    assert line.startswith(f"{file}: ") and "python/object/apply:os.system" in line
    assert not marker.exists()


@by_both_parsers
def test_alias_bomb_is_refused_before_expansion(write):
    """A billion-laughs file is refused quickly instead of eating memory."""
    lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    previous = "a"
    for name in "bcdefghij":
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{previous}"] * 9) + "]")
        previous = name
    file = write("\n".join(lines) + "\n", "bomb.yaml")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(file)
    line = _only_line(caught.value)
    assert line.startswith(f"{file}: ") and "aliases" in line


@by_both_parsers
def test_recursive_alias_is_refused(write):
    """A node that contains itself is refused, not followed forever."""
    with pytest.raises(ScenarioError, match="nested too deeply"):
        load_scenario(write("a: &a [*a]\n"))


@by_both_parsers
@pytest.mark.parametrize("depth", [MAX_DEPTH + 5, 5_000])
def test_deep_nesting_is_refused(write, depth):
    """Deeply nested YAML is an error line, never a RecursionError traceback."""
    file = write("x: " + "[" * depth + "]" * depth + "\n", "deep.yaml")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(file)
    assert "nested too deeply" in _only_line(caught.value)


@by_both_parsers
@pytest.mark.parametrize("text", ["", "# only a comment\n", "\n\n"], ids=["empty", "comment", "blank"])
def test_empty_file(write, text):
    """An empty file says it is empty."""
    file = write(text, "empty.yaml")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(file)
    line = _only_line(caught.value)
    assert line.startswith(f"{file}: ") and "empty" in line


def test_directory_is_refused(tmp_path):
    """Passing a folder instead of a file is a clear error."""
    with pytest.raises(ScenarioError) as caught:
        load_scenario(tmp_path)
    assert _only_line(caught.value) == f"{tmp_path}: is a directory, expected a scenario file"


def test_missing_file(tmp_path):
    """A path that does not exist names the path."""
    missing = tmp_path / "nope.yaml"
    with pytest.raises(ScenarioError) as caught:
        load_scenario(missing)
    assert _only_line(caught.value) == f"{missing}: no such file"


def test_non_utf8_bytes(write):
    """A binary or wrongly encoded file is refused with the offending byte position."""
    file = write(b"name: caf\xe9\n", "latin1.yaml")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(file)
    line = _only_line(caught.value)
    assert line.startswith(f"{file}: ") and "UTF-8" in line and "byte 9" in line  # 0-based offset of \xe9


@pytest.mark.parametrize(
    "text, kind", [("- a\n- b\n", "list"), ("just text\n", "str"), ("42\n", "int"), ("~\n", "nothing")]
)
@by_both_parsers
def test_top_level_must_be_a_mapping(write, text, kind):
    """A list or scalar at the top level says a mapping was expected and what was found."""
    file = write(text, "top.yaml")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(file)
    line = _only_line(caught.value)
    assert line.startswith(f"{file}: ") and "mapping" in line and kind in line


@by_both_parsers
@pytest.mark.parametrize("text", ["name: a\x07b\n", "name: a\x00b\n", "name: \ufffe\n"],
                         ids=["bell", "nul", "noncharacter"])
def test_control_characters_are_refused(write, text):
    """Characters YAML does not allow give an error line, not a crash in the YAML reader."""
    file = write(text, "control.yaml")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(file)
    line = _only_line(caught.value)
    assert line.startswith(f"{file}: ") and "special characters" in line


@by_both_parsers
def test_syntax_error_names_line(write):
    """Broken YAML syntax names the line and column."""
    file = write("name: x\ntitle: [unclosed\n", "syntax.yaml")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(file)
    line = _only_line(caught.value)
    assert line.startswith(f"{file}: invalid YAML at line ")


@by_both_parsers
def test_several_documents_are_refused(write):
    """A stream of several YAML documents is ambiguous and refused."""
    with pytest.raises(ScenarioError, match="single document"):
        load_scenario(write("a: 1\n---\nb: 2\n"))


@by_both_parsers
def test_oversized_file_is_refused(write):
    """Files above the size cap are refused before parsing."""
    from sim.scenario.loader import MAX_FILE_BYTES

    file = write("# " + "x" * MAX_FILE_BYTES + "\n", "big.yaml")
    with pytest.raises(ScenarioError, match="larger than"):
        load_scenario(file)


@by_both_parsers
def test_parse_yaml_keeps_plain_documents():
    """The safe parser returns ordinary dicts, lists, numbers and dates."""
    import datetime as dt

    assert parse_yaml("a: [1, 2.5, .nan]\nb: 2026-02-01\n")["b"] == dt.date(2026, 2, 1)
    assert parse_yaml("a: [1, 2.5]\n") == {"a": [1, 2.5]}


@by_both_parsers
def test_yaml_file_with_nan_literal(write, document):
    """``.nan`` typed in a file is refused with the field path."""
    text = write(document).read_text().replace("readiness: -1.0", "readiness: .nan")
    file = write(text, "nan.yaml")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(file)
    assert _only_line(caught.value).startswith(f"{file}: actors.putin.readiness: ")
