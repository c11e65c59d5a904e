"""Hostile variations of scenario documents, for robustness tests and the hostile corpus.

Pure functions over nested dicts and lists: list every path in a document, and make a
copy with the value at one path replaced, deleted, misspelt or wrapped; and the hostile
command-line values and ``extends`` targets. Both the property-based tests and
``bench/hostile_corpus.py`` use them.
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
    "0000-01-01", "9999-12-31", "2026-13-01", "2026-02-01 10:00:00", {"role": "broker"}, {"name": "no role"},
)

#: Values written on the command line (``--set PATH=TEXT``, ``--param PATH=TEXT``) that
#: have broken the reader before: nesting past any stack, alias bombs, impossible dates,
#: actors without a role. Each must meet the same limits as a file.
HOSTILE_TEXTS: tuple[str, ...] = (
    "[" * 5000 + "]" * 5000,
    "{a: " * 3000 + "1" + "}" * 3000,
    "{a: &a [x, x, x, x, x, x, x, x, x, x], " + ", ".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 10)}]" for i in range(8)) + "}",
    "&a [*a]", "*undefined", "{a: 1, a: 2}", "!!python/object/apply:os.system [echo owned]",
    "2026-02-30", "0000-01-01", "9999-12-31", "!!timestamp 2026-13-01", "2026-02-01 25:00:00",
    "{role: broker, name: x}", "{name: x, readiness: 0}", "{role: null}", "[", "'", "\t", "",
)

#: ``extends:`` targets outside a scenario's folder: each must be refused before it is read.
HOSTILE_EXTENDS: tuple[str, ...] = (
    "/etc/passwd", "/etc/shadow", "../../../../../../etc/hostname", "/dev/zero", "/dev/stdin",
    "/proc/self/environ", "..", "/",
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
