"""From a file to a validated :class:`~sim.scenario.schema.Scenario`, or one clear error per problem.

YAML is read with the safe loader, inside limits that keep hostile files harmless: a
size cap, a cap on the expanded node count (so alias "bombs" are refused before they are
expanded), a nesting cap, and duplicate keys rejected (PyYAML would silently keep the
last one, which hides typos). Validation errors are translated into
:class:`~sim.errors.Problem` lines naming the field path and what is allowed.
"""

from __future__ import annotations

import os
import types
import typing
from pathlib import Path
from typing import Any, Sequence

import yaml
from pydantic import BaseModel, ValidationError

from sim.errors import Problem, ScenarioError
from sim.scenario.schema import Scenario
from sim.scenario.variants import apply_overrides, extends_chain, resolve_extends

MAX_FILE_BYTES = 1_000_000
MAX_NODES = 100_000
MAX_DEPTH = 40


def load_scenario(path: str | os.PathLike[str], overrides: Sequence[str] = ()) -> Scenario:
    """Read and validate the scenario file at ``path``.

    ``extends:`` chains are merged first, then each ``PATH=VALUE`` in ``overrides`` is
    applied (see :mod:`sim.scenario.variants`). Raises :class:`ScenarioError` naming the file,
    field path and problem.
    """
    source = str(path)
    return scenario_from_document(load_document(path, overrides), source)


def load_document(path: str | os.PathLike[str], overrides: Sequence[str] = ()) -> Any:
    """The scenario document at ``path`` with its parents merged and overrides applied."""
    source = str(path)
    try:
        document = resolve_extends(read_document(path), Path(path), read_document)
        return apply_overrides(document, overrides) if overrides else document
    except ScenarioError as error:
        raise (error if error.source else error.with_source(source)) from None


def scenario_files(path: str | os.PathLike[str]) -> list[str]:
    """The file at ``path`` and every parent it extends, child first."""
    document = read_document(path)
    if not isinstance(document, dict):
        return [str(path)]
    return [name for name, _ in extends_chain(document, Path(path), read_document)]


def read_document(path: str | os.PathLike[str]) -> Any:
    """The YAML document in the file at ``path``, read safely and within limits."""
    source = str(path)
    file = Path(path)
    try:
        if file.is_dir():
            raise ScenarioError([Problem("", "is a directory, expected a scenario file")], source)
        with file.open("rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except ScenarioError:
        raise
    except FileNotFoundError:
        raise ScenarioError([Problem("", "no such file")], source) from None
    except OSError as error:
        raise ScenarioError([Problem("", f"cannot read: {error.strerror or error}")], source) from None
    if len(raw) > MAX_FILE_BYTES:
        raise ScenarioError(
            [Problem("", f"file is larger than the {MAX_FILE_BYTES:,} bytes allowed")], source
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ScenarioError(
            [Problem("", f"not UTF-8 text (byte {error.start}); scenario files are YAML text")],
            source,
        ) from None
    return parse_yaml(text, source)


def parse_yaml(text: str, source: str = "<string>") -> Any:
    """Parse one YAML document safely, refusing bombs, deep nesting and duplicate keys."""
    loader = None
    try:
        loader = yaml.SafeLoader(text)
        node = loader.get_single_node()
        if node is None:
            raise ScenarioError([Problem("", "the file is empty; expected a YAML mapping")], source)
        _check_node(node)
        return loader.construct_document(node)
    except ScenarioError as error:
        raise error.with_source(source) from None
    except yaml.MarkedYAMLError as error:
        raise ScenarioError([Problem("", _yaml_message(error))], source) from None
    except yaml.YAMLError as error:
        raise ScenarioError([Problem("", f"invalid YAML: {' '.join(str(error).split())}")], source) from None
    except RecursionError:
        raise ScenarioError(
            [Problem("", f"YAML nested too deeply (limit {MAX_DEPTH} levels)")], source
        ) from None
    finally:
        if loader is not None:
            loader.dispose()


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
            raise ScenarioError([Problem("", f"YAML nested too deeply (limit {MAX_DEPTH} levels)")])
        children = _children(node)
        if children_done:
            size = 1 + sum(sizes.get(id(child), 0) for child in children)
            if size > MAX_NODES:
                raise ScenarioError(
                    [Problem("", f"YAML expands to more than {MAX_NODES:,} nodes (aliases?)")]
                )
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


def scenario_from_document(document: Any, source: str = "<document>") -> Scenario:
    """Validate a parsed document (nested dicts and lists) into a :class:`Scenario`."""
    if not isinstance(document, dict):
        kind = type(document).__name__ if document is not None else "nothing"
        raise ScenarioError(
            [Problem("", f"expected a mapping of scenario fields at the top level, got {kind}")],
            source,
        )
    try:
        return Scenario.model_validate(document)
    except ScenarioError as error:
        raise error.with_source(source) from None
    except ValidationError as error:
        problems = [_problem(item, document) for item in error.errors(include_url=False)]
        raise ScenarioError(_unique(problems), source) from None
    except RecursionError:
        raise ScenarioError([Problem("", "document nested too deeply")], source) from None


def _unique(problems: list[Problem]) -> list[Problem]:
    return list(dict.fromkeys(problems))


def _problem(item: dict[str, Any], document: Any) -> Problem:
    """Translate one pydantic error into a path and a message saying what is allowed."""
    path = _document_path(item["loc"], document)
    dotted = ".".join(str(part) for part in path)
    kind = item["type"]
    if kind == "extra_forbidden":
        allowed = _allowed_keys(path[:-1], document)
        listed = f"; allowed: {', '.join(allowed)}" if allowed else ""
        return Problem(dotted, f"unknown field{listed}")
    if kind == "missing":
        return Problem(dotted, "required field is missing")
    message = item["msg"]
    value = item.get("input")
    if kind == "value_error":
        message = message.removeprefix("Value error, ")
    elif isinstance(value, (str, int, float, bool)) and not isinstance(value, dict):
        shown = repr(value) if len(repr(value)) <= 60 else repr(value)[:57] + "..."
        message = f"{message} (got {shown})"
    return Problem(dotted, message[0].lower() + message[1:] if message else "invalid value")


def _document_path(loc: tuple[Any, ...], document: Any) -> list[Any]:
    """The pydantic location without union tags, following the document itself."""
    path: list[Any] = []
    node = document
    for part in loc:
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        elif isinstance(node, dict) and part in ("principal", "mediator") and node.get("role") == part:
            continue
        elif isinstance(part, str) and part.endswith("[key]"):
            continue
        else:
            node = None
        path.append(part)
    return path


def _allowed_keys(path: list[Any], document: Any) -> list[str]:
    """The field names of the model that sits at ``path`` in the scenario."""
    annotation: Any = Scenario
    node = document
    for part in path:
        annotation = _resolve(annotation, node)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            field = annotation.model_fields.get(str(part))
            if field is None:
                return []
            annotation = field.annotation
        else:
            args = typing.get_args(annotation)
            if not args:
                return []
            annotation = args[-1]
        node = node.get(part) if isinstance(node, dict) else (
            node[part] if isinstance(node, list) and isinstance(part, int) and part < len(node) else None
        )
    annotation = _resolve(annotation, node)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return list(annotation.model_fields)
    return []


def _resolve(annotation: Any, node: Any) -> Any:
    """Unwrap Annotated and Optional, and pick a union member by the node's role."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            members = [a for a in typing.get_args(annotation) if a is not type(None)]
            chosen = members[0]
            for member in members:
                role = getattr(member, "model_fields", {}).get("role")
                if role is not None and isinstance(node, dict):
                    if node.get("role") in typing.get_args(role.annotation):
                        chosen = member
            annotation = chosen
        else:
            return annotation
