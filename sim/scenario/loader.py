"""From a file to a validated :class:`~sim.scenario.schema.Scenario`, or one clear error per problem.

Files are read with :mod:`sim.scenario.safe_yaml` (the safe loader, inside limits that
keep hostile files harmless), their ``extends`` chains merged and ``--set`` overrides
applied (:mod:`sim.scenario.variants`). Whatever built a document, it is held to the same
limits before it is validated, and validation errors are translated into
:class:`~sim.errors.Problem` lines naming the field path and what is allowed.
"""

from __future__ import annotations

import os
import types
import typing
from pathlib import Path
from typing import Any, Sequence

from pydantic import BaseModel, ValidationError

from sim.errors import Problem, ScenarioError
from sim.scenario.safe_yaml import MAX_DEPTH, MAX_FILE_BYTES, MAX_NODES, check_value, parse_yaml
from sim.scenario.schema import Scenario
from sim.scenario.variants import apply_overrides, extends_chain, resolve_extends

__all__ = ["MAX_DEPTH", "MAX_FILE_BYTES", "MAX_NODES", "load_document", "load_scenario", "parse_yaml",
           "read_document", "scenario_files", "scenario_from_document"]


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


def scenario_from_document(document: Any, source: str = "<document>") -> Scenario:
    """Validate a parsed document (nested dicts and lists) into a :class:`Scenario`."""
    if not isinstance(document, dict):
        kind = type(document).__name__ if document is not None else "nothing"
        raise ScenarioError(
            [Problem("", f"expected a mapping of scenario fields at the top level, got {kind}")],
            source,
        )
    try:
        check_value(document, what="the document")  # a merge, --set or with_values may have built it
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
