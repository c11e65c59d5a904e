"""YAML read by libyaml or by the pure-Python parser: the same answer either way.

sim.scenario.safe_yaml parses with libyaml (PyYAML's C parser) when PyYAML has it, and
with the pure-Python parser otherwise, when libyaml refuses a text (so that messages are
the pure-Python parser's) and for text where the two are known to read differently
(``READ_APART``). These tests compare the two paths on the shipped scenarios, the hostile
texts and generated ones; the ``yaml_parser`` fixture runs a test once on each path
(tests/test_loader.py uses it for its hostile files).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Callable

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.errors import ScenarioError
from sim.scenario import safe_yaml
from sim.scenario.fuzz import HOSTILE_TEXTS

REPO = Path(__file__).resolve().parents[1]
SCENARIO_FILES = sorted(REPO.joinpath("scenarios").rglob("*.yaml"))
NO_LIBYAML = "PyYAML was built without libyaml"


@pytest.fixture(params=["libyaml", "pure-python"])
def yaml_parser(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run the test once as installed (libyaml first) and once with libyaml taken away."""
    if request.param == "libyaml" and safe_yaml.LIBYAML_LOADER is None:
        pytest.skip(NO_LIBYAML)
    if request.param == "pure-python":
        monkeypatch.setattr(safe_yaml, "LIBYAML_LOADER", None)
    return request.param


def answer(read: Callable[[str], Any], text: str) -> tuple[str, str]:
    """What reading ``text`` gives: the value, or the error and its message."""
    try:
        return "value", repr(read(text))
    except ScenarioError as error:
        return "refused", str(error)


def both_ways(read: Callable[[str], Any], text: str) -> tuple[Any, Any]:
    """``answer`` as installed and with libyaml taken away."""
    installed = answer(read, text)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(safe_yaml, "LIBYAML_LOADER", None)
        fallback = answer(read, text)
    return installed, fallback


def as_file(text: str) -> Any:
    return safe_yaml.parse_yaml(text, "case.yaml")


def as_value(text: str) -> Any:
    return safe_yaml.parse_value(text, "--set x")


needs_libyaml = pytest.mark.skipif(safe_yaml.LIBYAML_LOADER is None, reason=NO_LIBYAML)


@needs_libyaml
@pytest.mark.parametrize("path", SCENARIO_FILES, ids=lambda p: p.stem)
def test_every_shipped_scenario_is_read_by_libyaml_to_the_same_document(path):
    """The shipped files take the quick path (no character libyaml reads differently)
    and give the document the pure-Python parser gives."""
    text = path.read_text(encoding="utf-8")
    assert safe_yaml.libyaml_reads_alike(text)
    installed, fallback = both_ways(as_file, text)
    assert installed == fallback and installed[0] == "value"


@needs_libyaml
@pytest.mark.parametrize("text", HOSTILE_TEXTS)
def test_hostile_values_get_the_same_answer_either_way(text):
    """Deep nesting, alias bombs, python tags, impossible dates: the same refusal or value."""
    for read in (as_file, as_value):
        installed, fallback = both_ways(read, text)
        assert installed == fallback


#: Texts libyaml alone reads differently: it accepts a tab as a separator, a ``?`` key
#: in a flow collection, a comment straight after ``|``, a byte-order mark past the
#: start, and builds another value from a bare ``!``.
READ_APART_BY_LIBYAML = ["a:\t1\n", "{aa  ?}", "x: |#\n", "-\n\ufeff", "!"]


@needs_libyaml
@pytest.mark.parametrize("text", READ_APART_BY_LIBYAML)
def test_text_the_parsers_read_apart_is_read_the_pure_python_way(text):
    """libyaml on its own would answer otherwise; sim answers as the pure-Python parser."""
    def raw(loader: type) -> tuple[str, str]:
        try:
            return "value", repr(yaml.load(text, Loader=loader))
        except yaml.YAMLError:
            return "refused", ""

    assert raw(yaml.CSafeLoader) != raw(yaml.SafeLoader)  # the difference is real ...
    assert not safe_yaml.libyaml_reads_alike(text)
    installed, fallback = both_ways(as_file, text)
    assert installed == fallback  # ... and sim does not show it


@needs_libyaml
def test_text_libyaml_refuses_is_read_again_by_the_pure_python_parser():
    """``[-:]`` is a flow sequence of one mapping to the pure-Python parser; libyaml
    refuses it. sim reads the value, as without libyaml."""
    assert safe_yaml.libyaml_reads_alike("a: [-:]\n")
    with pytest.raises(yaml.YAMLError):
        yaml.load("a: [-:]\n", Loader=yaml.CSafeLoader)
    assert as_file("a: [-:]\n") == {"a": [{"-": None}]}


def test_opening_comments_may_ask_questions():
    """A question mark in the comment lines a file opens with (as the history scenarios
    have) keeps the quick path; after the first value it does not."""
    assert safe_yaml.libyaml_reads_alike("# Will they meet?\n\n  # Where?\nname: x\n")
    assert not safe_yaml.libyaml_reads_alike("name: x\n# Will they meet?\n")
    assert not safe_yaml.libyaml_reads_alike('"\n# inside a quoted value?"\n')


#: Pieces of YAML syntax, joined at random into texts that exercise both parsers' corners.
PIECES = ["a", "b", "1", ".", ":", " ", "  ", "-", "[", "]", "{", "}", ",", "\n", "\n  ", "#", "\n#", "?", "!",
          "|", ">", "'", '"', "&a", "*a", "\\", "%", "\r", "\x85", "\u2028", "\t", "\ufeff", "---", "..."]


@needs_libyaml
@settings(max_examples=400, deadline=None, derandomize=True)
@given(pieces=st.lists(st.sampled_from(PIECES), min_size=1, max_size=30))
def test_generated_texts_get_the_same_answer_either_way(pieces):
    """Whatever the text, libyaml-or-fallback answers exactly as the pure-Python parser."""
    text = "".join(pieces)
    for read in (as_file, as_value):
        installed, fallback = both_ways(read, text)
        assert installed == fallback, text


@pytest.mark.usefixtures("yaml_parser")
def test_impossible_dates_stay_text_and_real_ones_are_dates():
    """A timestamp outside the calendar is kept as text on either path."""
    assert as_file("a: 2026-02-30\nb: 2026-02-01\n") == {"a": "2026-02-30", "b": dt.date(2026, 2, 1)}
    assert as_value("2026-02-01 25:00:00") == "2026-02-01 25:00:00"


@pytest.mark.usefixtures("yaml_parser")
@pytest.mark.parametrize("lists, refused", [(safe_yaml.MAX_DEPTH - 1, False), (safe_yaml.MAX_DEPTH, True)])
def test_the_depth_limit_is_the_same_on_either_path(lists, refused):
    """MAX_DEPTH levels are the most allowed: the top mapping and MAX_DEPTH - 1 nested lists."""
    text = "a: " + "[" * lists + "]" * lists + "\n"
    if refused:
        with pytest.raises(ScenarioError, match="nested too deeply"):
            as_file(text)
    else:
        assert isinstance(as_file(text), dict)


@pytest.mark.usefixtures("yaml_parser")
def test_too_deep_brackets_are_refused_where_they_pass_the_limit(monkeypatch):
    """Thousands of open brackets (a hostile ``--set`` value) are refused at the first one
    past the limit: the scanner reads on no further (its look-ahead for simple keys is
    quadratic in the open brackets, seconds for 10,000), and a problem later in the text
    does not hide the depth."""
    scans = []
    original = safe_yaml.PURE_LOADER.stale_possible_simple_keys
    monkeypatch.setattr(safe_yaml.PURE_LOADER, "stale_possible_simple_keys",
                        lambda self: (scans.append(1), original(self))[1])
    with pytest.raises(ScenarioError, match="the value is nested too deeply"):
        as_value("[" * 10_000)
    assert len(scans) < 10 * safe_yaml.MAX_DEPTH
    with pytest.raises(ScenarioError, match="nested too deeply"):
        as_file("a: " + "[" * (safe_yaml.MAX_DEPTH + 1) + "]" * (safe_yaml.MAX_DEPTH + 1) + "]]\n")
