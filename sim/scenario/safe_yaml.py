"""YAML read safely and within limits, whatever it comes from: a scenario file, a
``--set`` value, a ``sim sweep --param`` value.

The limits keep hostile input harmless: a size cap, a cap on the expanded node count
(so alias "bombs" are refused before they are expanded), a nesting cap, and duplicate
keys rejected (PyYAML would silently keep the last one, which hides typos). The same
caps apply to documents built in Python (:func:`check_value`), since an API caller or a
merge of files can make one too. A date YAML cannot build (``2026-02-30``) stays text,
so the date field says what is wrong with it instead of the parser crashing.
"""

from __future__ import annotations

from typing import Any

import yaml

from sim.errors import Problem, ScenarioError

MAX_FILE_BYTES = 1_000_000
MAX_NODES = 100_000
MAX_DEPTH = 40
TOO_DEEP = f"is nested too deeply (limit {MAX_DEPTH} levels)"
TOO_BIG = f"expands to more than {MAX_NODES:,} nodes"


class _Loader(yaml.SafeLoader):
    """PyYAML's safe loader, except that a timestamp outside the calendar stays text."""

    def construct_yaml_timestamp(self, node: yaml.Node) -> Any:
        try:
            return super().construct_yaml_timestamp(node)
        except (ValueError, OverflowError):
            return self.construct_scalar(node)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_yaml_timestamp)


def parse_yaml(text: str, source: str = "<string>") -> Any:
    """Parse one YAML document safely, refusing bombs, deep nesting and duplicate keys."""
    try:
        document = _parse(text)
        if document is _EMPTY:
            raise ScenarioError([Problem("", "the file is empty; expected a YAML mapping")])
        return document
    except ScenarioError as error:
        raise error.with_source(source) from None
    except yaml.MarkedYAMLError as error:
        raise ScenarioError([Problem("", _yaml_message(error))], source) from None
    except yaml.YAMLError as error:
        raise ScenarioError([Problem("", f"invalid YAML: {' '.join(str(error).split())}")], source) from None
    except RecursionError:
        raise ScenarioError([Problem("", f"YAML {TOO_DEEP}")], source) from None


def parse_value(text: str, where: str) -> Any:
    """One value written as YAML on the command line (``--set PATH=VALUE``, a ``--param``
    value), within the file reader's limits; an empty text is the empty string and a
    comment alone is null. Problems name ``where``."""
    if not text.strip():
        return ""
    try:
        document = _parse(text)
    except ScenarioError as error:
        raise ScenarioError([Problem(where, _value_message(error.problems[0].message))]) from None
    except yaml.YAMLError as error:
        raise ScenarioError([Problem(where, f"the value is not valid YAML: {str(error).splitlines()[0]}")]) from None
    except RecursionError:
        raise ScenarioError([Problem(where, f"the value {TOO_DEEP}")]) from None
    return None if document is _EMPTY else document


_EMPTY = object()


def _value_message(message: str) -> str:
    """A limit's message about a file, said of a command-line value."""
    if message.startswith("YAML "):
        return "the value " + message.removeprefix("YAML ")
    if message.startswith("is "):
        return "the value " + message
    return f"the value is not valid YAML: {message}"


def _parse(text: str) -> Any:
    """The document in ``text``, or ``_EMPTY``; limits as ScenarioError, YAML errors raw."""
    if len(text) > MAX_FILE_BYTES:
        raise ScenarioError([Problem("", f"is longer than the {MAX_FILE_BYTES:,} characters allowed")])
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return _EMPTY
        _check_node(node)
        return loader.construct_document(node)
    finally:
        loader.dispose()


def check_value(value: Any, where: str = "", what: str = "the value") -> None:
    """Refuse a Python value (nested dicts and lists) beyond the YAML limits: deeper than
    :data:`MAX_DEPTH` or larger than :data:`MAX_NODES` nodes (a structure that contains
    itself counts as infinitely large). Walks iteratively, so depth cannot overflow."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    count = 0
    while stack:
        node, depth = stack.pop()
        count += 1
        if depth > MAX_DEPTH:
            raise ScenarioError([Problem(where, f"{what} {TOO_DEEP}")])
        if count > MAX_NODES:
            raise ScenarioError([Problem(where, f"{what} {TOO_BIG}")])
        if isinstance(node, dict):
            stack.extend((child, depth + 1) for pair in node.items() for child in pair)
        elif isinstance(node, (list, tuple)):
            stack.extend((child, depth + 1) for child in node)


def _yaml_message(error: yaml.MarkedYAMLError) -> str:
    mark = error.problem_mark or error.context_mark
    where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
    what = " ".join(part for part in (error.context, error.problem) if part)
    return f"invalid YAML at {where}{what}".replace("\n", " ")


def _check_node(root: yaml.Node) -> None:
    """Refuse documents whose expanded size or depth exceed the limits.

    Aliases make a node reachable many times; sizes are memoised per node so counting is
    linear in the file even when the expansion would be exponential.
    """
    sizes: dict[int, int] = {}
    stack: list[tuple[yaml.Node, int, bool]] = [(root, 1, False)]
    while stack:
        node, depth, children_done = stack.pop()
        if id(node) in sizes:
            continue
        if depth > MAX_DEPTH:
            raise ScenarioError([Problem("", f"YAML {TOO_DEEP}")])
        children = _children(node)
        if children_done:
            size = 1 + sum(sizes.get(id(child), 0) for child in children)
            if size > MAX_NODES:
                raise ScenarioError([Problem("", f"YAML {TOO_BIG} (aliases?)")])
            sizes[id(node)] = size
            continue
        if isinstance(node, yaml.MappingNode):
            _check_duplicate_keys(node)
        stack.append((node, depth, True))
        stack.extend((child, depth + 1, False) for child in children if id(child) not in sizes)


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _check_duplicate_keys(node: yaml.MappingNode) -> None:
    seen: set[str] = set()
    for key, _ in node.value:
        if isinstance(key, yaml.ScalarNode):
            if key.value in seen:
                line = key.start_mark.line + 1
                raise ScenarioError([Problem("", f"line {line}: duplicate key '{key.value}'")])
            seen.add(key.value)
