"""Variants without copy-paste: ``extends:`` inheritance and ``--set PATH=VALUE`` overrides.

Merge rules (documented in ``docs/scenario-format.md``):

* a mapping in the child is merged key by key into the parent's mapping, recursively;
* anything else in the child — a scalar, a list, ``null`` — replaces the parent's value
  whole (lists are not concatenated: a variant states the full list it wants);
* ``extends`` paths are relative to the file that contains them; chains are followed
  up to :data:`MAX_CHAIN` files, and a cycle is an error.
"""

from __future__ import annotations

import copy
import os
import re
from pathlib import Path
from typing import Any, Callable, Sequence

from sim.errors import Problem, ScenarioError
from sim.scenario.safe_yaml import parse_value

MAX_CHAIN = 20
EXTENDS = "extends"


def deep_merge(parent: Any, child: Any) -> Any:
    """The child document laid over the parent: mappings merge, everything else replaces."""
    if isinstance(parent, dict) and isinstance(child, dict):
        merged = dict(parent)
        for key, value in child.items():
            merged[key] = deep_merge(parent[key], value) if key in parent else value
        return merged
    return child


def resolve_extends(document: Any, path: Path, read: Callable[[str], Any]) -> Any:
    """Follow ``extends:`` from the document at ``path``; return the merged document.

    ``read(path)`` parses a file into a document (the loader's safe reader).
    """
    if not isinstance(document, dict):
        return document
    merged: Any = {}
    for _, layer in reversed(extends_chain(document, path, read)):
        merged = deep_merge(merged, {k: v for k, v in layer.items() if k != EXTENDS})
    return merged


def extends_chain(document: dict, path: Path, read: Callable[[str], Any]) -> list[tuple[str, dict]]:
    """The file and document of ``path`` and of each parent it extends, child first.

    A parent's path is relative to the real location of the file that names it (after
    following symbolic links), and is shown relative to the working directory.
    """
    chain = [path.resolve()]
    layers = [(str(path), document)]
    while EXTENDS in layers[-1][1]:
        reference = layers[-1][1][EXTENDS]
        source = layers[-1][0]
        if not isinstance(reference, str) or not reference.strip() or "\0" in reference or len(reference) > 4096:
            raise ScenarioError([Problem(EXTENDS, "must be the path of a scenario file, relative to this one")], source)
        try:
            parent = (chain[-1].parent / reference).resolve()
            found = parent.is_file()
        except (OSError, RuntimeError) as error:  # e.g. a symlink loop, a name too long
            raise ScenarioError([Problem(EXTENDS, f"cannot resolve '{reference}': {error}")], source) from None
        if parent in chain:
            cycle = " -> ".join(p.name for p in [*chain, parent])
            raise ScenarioError([Problem(EXTENDS, f"cycle of extends: {cycle}")], str(path))
        if len(chain) >= MAX_CHAIN:
            raise ScenarioError([Problem(EXTENDS, f"more than {MAX_CHAIN} files in the extends chain")], str(path))
        if not found:
            raise ScenarioError([Problem(EXTENDS, f"parent scenario '{reference}' not found (looked for {parent})")], source)
        chain.append(parent)
        name = os.path.relpath(parent)
        layers.append((name, read(name)))
        if not isinstance(layers[-1][1], dict):
            raise ScenarioError([Problem("", "expected a mapping of scenario fields at the top level")], name)
    return layers


def apply_overrides(document: Any, overrides: Sequence[str], option: str = "--set") -> Any:
    """A copy of ``document`` with each ``PATH=VALUE`` applied; VALUE is read as YAML.

    Every mapping or list on the path must exist; the last key may be new (validation
    then says whether the field exists). Errors name the ``--set`` that caused them.
    """
    result = copy.deepcopy(document)
    for override in overrides:
        path, value = parse_override(override, option)
        set_path(result, path, value, naming(option, override))
    return result


def naming(option: str, override: str, limit: int = 120) -> str:
    """``--set PATH=VALUE`` as error messages name it: a value too long to read on one
    line (a pasted document, a hostile one) is cut, with its length said."""
    if len(override) <= limit:
        return f"{option} {override}"
    return f"{option} {override[:limit - 40]}... ({len(override):,} characters)"


SEGMENT = re.compile(r'"([^"]+)"|([^".]+)')


def split_path(path: str) -> list[str] | None:
    """``a.b.0.c`` as its parts; a part in double quotes may contain dots, for keys that
    are themselves paths (``uncertain."actors.putin.readiness".uniform``). None when
    ``path`` is not of that form."""
    parts, position = [], 0
    while True:
        match = SEGMENT.match(path, position)
        if match is None:
            return None
        parts.append(match.group(1) if match.group(1) is not None else match.group(2))
        position = match.end()
        if position == len(path):
            return parts
        if path[position] != ".":
            return None
        position += 1


def join_path(parts: Sequence[str]) -> str:
    """The dotted path of ``parts``, quoting parts that contain a dot (as :func:`split_path` reads them)."""
    return ".".join(f'"{part}"' if "." in part else part for part in parts)


def override_path(override: str) -> list[str] | None:
    """The path parts of ``PATH=VALUE`` (see :func:`split_path`), None when malformed."""
    return split_path(override.partition("=")[0].strip())


def parse_override(override: str, option: str = "--set") -> tuple[list[str], Any]:
    """Split ``a.b.0.c=VALUE`` into its path parts and its YAML-parsed value."""
    where = naming(option, override)
    if "=" not in override:
        raise ScenarioError([Problem(where, "expected PATH=VALUE, e.g. actors.putin.readiness=-3")])
    text = override.partition("=")[2]
    parts = override_path(override)
    if parts is None:
        raise ScenarioError([Problem(where, "the path must be dotted field names, e.g. actors.putin.readiness "
                                            '(a key that contains dots in double quotes: uncertain."actors.putin.readiness")')])
    return parts, parse_value(text, where)


def set_path(document: Any, parts: list[str], value: Any, where: str) -> None:
    """Set ``value`` at ``parts`` inside ``document``, in place; ``where`` names the option."""
    node = document
    for depth, part in enumerate(parts):
        here = join_path(parts[:depth]) or "the top level"
        last = depth == len(parts) - 1
        if isinstance(node, dict):
            if last:
                node[part] = value
                return
            if part not in node:
                keys = ", ".join(map(str, node)) or "none"
                raise ScenarioError([Problem(where, f"no '{part}' at {here}; it has: {keys}")])
            node = node[part]
        elif isinstance(node, list):
            if not part.isdigit() or int(part) >= len(node):
                raise ScenarioError([Problem(where, f"{here} is a list of {len(node)}; use an index 0-{len(node) - 1}")])
            if last:
                node[int(part)] = value
                return
            node = node[int(part)]
        else:
            raise ScenarioError([Problem(where, f"{here} is a value, not a mapping or list")])
