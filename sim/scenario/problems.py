"""Pydantic's validation errors as :class:`~sim.errors.Problem` lines: the one place
where what the validator says is turned into what an analyst reads.

Each problem names the field path as written in the file (without pydantic's union
tags) and says what is wrong and what is allowed: the allowed keys of an unknown field,
the allowed roles of an actor, the fields a block holds when something else was given
in its place. No raw validator wording ("unable to extract tag", "instance of Time")
reaches the user.
"""

from __future__ import annotations

import types
import typing
from typing import Any

from pydantic import BaseModel, ValidationError

from sim.errors import Problem
from sim.scenario.schema import Scenario

#: Pydantic error types that mean "a mapping was expected here".
MAPPING_EXPECTED = ("model_type", "model_attributes_type", "dict_type")
_LOST = object()  # a path the schema does not describe


def translate(error: ValidationError, document: Any) -> list[Problem]:
    """Every problem of ``error`` (raised validating ``document``), each once, in order."""
    problems = [problem(item, document) for item in error.errors(include_url=False)]
    return list(dict.fromkeys(problems))


def problem(item: dict[str, Any], document: Any) -> Problem:
    """Translate one pydantic error into a path and a message saying what is allowed."""
    path = _document_path(item["loc"], document)
    dotted = ".".join(str(part) for part in path)
    kind = item["type"]
    value = item.get("input")
    if kind == "extra_forbidden":
        allowed = allowed_keys(path[:-1], document)
        listed = f"; allowed: {', '.join(allowed)}" if allowed else ""
        return Problem(dotted, f"unknown field{listed}")
    if kind == "missing":
        return Problem(dotted, "required field is missing")
    if kind in ("union_tag_not_found", "union_tag_invalid"):
        return _tag_problem(item, path, document)
    if kind in MAPPING_EXPECTED:
        return Problem(dotted, f"expected a mapping{_holding(path, document)}{_got(value)}")
    if kind in ("too_short", "too_long"):
        return Problem(dotted, _length_message(kind, item.get("ctx", {})))
    message = item["msg"]
    if kind == "value_error":
        message = message.removeprefix("Value error, ")
    elif "input" in item:
        message = f"{message}{_got(value)}"
    return Problem(dotted, message[0].lower() + message[1:] if message else "invalid value")


def _got(value: Any) -> str:
    """`` (got …)`` for a value small enough to show; a container by its kind."""
    if isinstance(value, dict):
        return " (got a mapping)"
    if isinstance(value, (list, tuple)):
        return " (got a list)"
    if value is None:
        return " (got null)"
    shown = repr(value) if len(repr(value)) <= 60 else repr(value)[:57] + "..."
    return f" (got {shown})"


def _length_message(kind: str, ctx: dict[str, Any]) -> str:
    """"needs at least 1 entry, found 0" rather than the validator's "dictionary should have..."."""
    bound = ctx.get("min_length") if kind == "too_short" else ctx.get("max_length")
    mapping = str(ctx.get("field_type", "")).lower() == "dictionary"
    singular, plural = ("entry", "entries") if mapping else ("item", "items")
    what = singular if bound == 1 else plural
    return f"{'needs at least' if kind == 'too_short' else 'allows at most'} {bound} {what}, found {ctx.get('actual_length')}"


def _tag_problem(item: dict[str, Any], path: list[Any], document: Any) -> Problem:
    """An actor (any tagged block) whose tag field is missing or names no kind."""
    key = str(item.get("ctx", {}).get("discriminator", "role")).strip("'")
    tags = union_tags(annotation_at(path, document), key)
    allowed = " or ".join(f"{key}: {tag}" for tag in tags)
    where = ".".join(str(part) for part in [*path, key])
    if item["type"] == "union_tag_not_found":
        return Problem(where, f"required field is missing; give {allowed}")
    written = _node_at(path, document)
    given = written.get(key) if isinstance(written, dict) else None
    return Problem(where, f"unknown {key}{_got(given)}; allowed: {', '.join(tags)}")


def _holding(path: list[Any], document: Any) -> str:
    """What the mapping at ``path`` holds: its fields, or its kinds for a tagged block."""
    annotation = annotation_at(path, document)
    tags = union_tags(annotation, "role")
    if tags:
        return f" with role: {' or '.join(tags)} and the fields of that role"
    fields = _model_fields(_resolve(annotation, None))
    return f" with the fields {', '.join(fields)}" if fields else ""


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


def _node_at(path: list[Any], document: Any) -> Any:
    node = document
    for part in path:
        if isinstance(node, dict):
            node = node.get(part)
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        else:
            return None
    return node


def annotation_at(path: list[Any], document: Any) -> Any:
    """The schema's type annotation for the value at ``path`` (unions not yet resolved),
    following the document to pick the member of a tagged union on the way; a sentinel
    when the schema says nothing about that path."""
    annotation: Any = Scenario
    node = document
    for part in path:
        annotation = _resolve(annotation, node)
        fields = _model_fields(annotation)
        if fields:
            if str(part) not in fields:
                return _LOST
            annotation = annotation.model_fields[str(part)].annotation
        else:
            args = typing.get_args(annotation)
            if not args:
                return _LOST
            annotation = args[-1]  # dict[K, V] -> V, list[X] -> X
        node = _node_at([part], node)
    return annotation


def allowed_keys(path: list[Any], document: Any) -> list[str]:
    """The field names of the model that sits at ``path`` in the scenario."""
    return _model_fields(_resolve(annotation_at(path, document), _node_at(path, document)))


def union_tags(annotation: Any, key: str) -> list[str]:
    """The values of ``key`` that tell the members of a tagged union apart (none if not one)."""
    tags = []
    for member in _members(annotation):
        field = getattr(member, "model_fields", {}).get(key)
        if field is not None:
            tags.extend(str(tag) for tag in typing.get_args(field.annotation))
    return tags


def _model_fields(annotation: Any) -> list[str]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return list(annotation.model_fields)
    return []


def _members(annotation: Any) -> list[Any]:
    """The non-None members of a union (through Annotated), or [] when it is not one."""
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return [a for a in typing.get_args(annotation) if a is not type(None)]
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
