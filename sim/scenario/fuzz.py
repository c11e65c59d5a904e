"""Hostile variations of scenario documents, for robustness tests and the hostile corpus.

Pure functions over nested dicts and lists: list every path in a document, and make a
copy with the value at one path replaced, deleted, misspelt or wrapped. Both the
property-based tests and ``bench/hostile_corpus.py`` use them.
"""

from __future__ import annotations

import copy
from typing import Any, Iterator

ACTIONS = ("replace", "delete", "misspell", "wrap")

#: Values that have broken parsers and validators before: wrong types, extremes, junk.
HOSTILE_VALUES: tuple[Any, ...] = (
    None, True, False, 0, -1, 10**12, 10**30, -(10**30), 2**63, 1e308, -1e308,
    float("nan"), float("inf"), float("-inf"), "", " ", "nan", ".inf", "2026-02-30",
    "moscow", "\u202e\u0000", "x" * 300, [], [1, 2, 3], {}, {"a": 1}, [[[[[]]]]],
)


def paths_of(node: Any, prefix: tuple = ()) -> Iterator[tuple]:
    """Every path to a value in a nested document, the root first."""
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from paths_of(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from paths_of(value, (*prefix, index))


def mutate(document: Any, path: tuple, action: str, value: Any) -> Any:
    """A copy of ``document`` with the value at ``path`` changed by ``action``."""
    if not path:
        return value
    result = copy.deepcopy(document)
    parent = result
    for part in path[:-1]:
        parent = parent[part]
    last = path[-1]
    if action == "replace":
        parent[last] = value
    elif action == "delete":
        del parent[last]
    elif action == "misspell" and isinstance(parent, dict):
        parent[f"{last}x"] = parent.pop(last)
    else:
        parent[last] = [parent[last], value]
    return result
