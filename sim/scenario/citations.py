"""What each parameter of a scenario rests on: the facts its comments cite, or ASSUMPTION.

Scenario files justify their numbers in YAML comments (``readiness: -3.5  # F9: ...``,
or a block of comment lines just above a key) and list the facts they rest on in
``evidence:``; ``seeds/facts.yaml`` holds the facts. YAML parsers drop comments, so this
module reads the files line by line: it follows the indentation to know the path of each
key (list items included), keeps the comment on the key's line and the comment block just
above it, and then, for every field of the validated scenario, finds the file of the
``extends`` chain that sets it. A field no file sets has the schema's default; one that
``--set`` changed says so.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import yaml

from sim.errors import Problem, ScenarioError
from sim.scenario.loader import scenario_files
from sim.scenario.schema import Scenario
from sim.scenario.variants import override_path

FACTS_FILE = Path("seeds") / "facts.yaml"
FACT_ID = re.compile(r"\b([A-Z][0-9]{1,4})\b")
#: Fields that name or describe the scenario rather than parameterise it.
DESCRIPTIVE = ("name", "title", "notes", "evidence")
KEY_LINE = re.compile(r"^(?P<indent> *)(?P<dash>(?:- +)*)(?P<key>[A-Za-z0-9_.\"'-][^:#]*?) *:(?: +|$)(?P<rest>.*)$")
DASH_LINE = re.compile(r"^(?P<indent> *)- +(?P<rest>.*)$")

EVIDENCE = "evidence"
MIXED = "evidence + ASSUMPTION"
ASSUMPTION = "ASSUMPTION"
UNCITED = "not cited"
DEFAULT = "default"
OVERRIDE = "--set"


@dataclass(frozen=True)
class Fact:
    """One fact of ``seeds/facts.yaml``, in the project's own words."""

    id: str
    statement: str
    note: str
    bears_on: tuple[str, ...]


@dataclass(frozen=True)
class FactBook:
    """The facts file: where it is, its hash, its source line and its facts by id."""

    path: str
    sha256: str
    source: str
    facts: dict[str, Fact]


@dataclass(frozen=True)
class Parameter:
    """One field of the validated scenario, its value and what it rests on.

    ``status`` is one of ``evidence`` (cites facts), ``evidence + ASSUMPTION`` (cites facts
    and marks part of the number as an assumption), ``ASSUMPTION``, ``not cited`` (set in
    a file with no comment naming a fact or an assumption), ``default`` (the schema's
    value: no file sets it) or ``--set`` (changed on the command line).
    """

    path: str
    value: Any
    file: str
    comment: str
    facts: tuple[str, ...]
    status: str


@dataclass(frozen=True)
class Line:
    """A key's line in a scenario file: its comment (block above and inline) and raw value."""

    comment: str
    raw: str


def find_facts(scenario_file: str) -> str | None:
    """``seeds/facts.yaml`` in the scenario's folder or the nearest folder above it."""
    folder = Path(scenario_file).resolve().parent
    for place in (folder, *folder.parents):
        if (place / FACTS_FILE).is_file():
            found = place / FACTS_FILE
            try:
                return str(found.relative_to(Path.cwd()))
            except ValueError:
                return str(found)
    return None


def read_facts(path: str) -> FactBook:
    """The facts file at ``path``; a file that is not a list of facts is a one-line error."""
    try:
        raw = Path(path).read_bytes()
        document = yaml.safe_load(raw.decode("utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise ScenarioError([Problem("", f"cannot read the facts file: {' '.join(str(error).split())}")], path) from None
    facts = document.get("facts") if isinstance(document, dict) else None
    if not isinstance(facts, list):
        raise ScenarioError([Problem("facts", "expected a list of facts, each with id and statement")], path)
    book: dict[str, Fact] = {}
    for k, item in enumerate(facts):
        if not isinstance(item, dict) or not isinstance(item.get("id"), str) or not isinstance(item.get("statement"), str):
            raise ScenarioError([Problem(f"facts.{k}", "expected a mapping with id and statement (text)")], path)
        bears = item.get("bears_on") or []
        book[item["id"]] = Fact(item["id"], item["statement"], str(item.get("note") or ""),
                                tuple(str(b) for b in bears) if isinstance(bears, list) else (str(bears),))
    source = document.get("source")
    summary = ", ".join(str(source[k]) for k in ("outlet", "relayed") if k in source) if isinstance(source, dict) else ""
    return FactBook(path, hashlib.sha256(raw).hexdigest(), summary, book)


def _split_comment(text: str) -> tuple[str, str]:
    """``value  # comment`` as (value, comment), ignoring ``#`` inside quotes."""
    quote = None
    for k, char in enumerate(text):
        if quote:
            quote = None if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char == "#" and (k == 0 or text[k - 1] in " \t"):
            return text[:k].strip(), text[k + 1:].strip()
    return text.strip(), ""


def comment_lines(text: str) -> dict[str, Line]:
    """Every key of a YAML file by dotted path (list items by index), with its comments."""
    found: dict[str, Line] = {}
    stack: list[tuple[int, tuple[str, ...], bool]] = []  # (indent, path, is a list item)
    counters: dict[tuple[str, ...], int] = {}
    pending: list[str] = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            pending = []
            continue
        if stripped.startswith("#"):
            pending.append(stripped.lstrip("#").strip())
            continue
        if line.startswith(("---", "...")):
            continue
        indent = len(line) - len(line.lstrip(" "))
        dash = DASH_LINE.match(line)
        if dash:
            while stack and (stack[-1][0] > indent or (stack[-1][0] == indent and stack[-1][2])):
                stack.pop()
            owner = stack[-1][1] if stack else ()
            index = counters.get(owner, -1) + 1
            counters[owner] = index
            item = (*owner, str(index))
            stack.append((indent, item, True))
            body = dash.group("rest")
            indent = len(line) - len(body)
            line = " " * indent + body
            if not KEY_LINE.match(line):
                value, comment = _split_comment(body)
                found[".".join(item)] = Line(" ".join([*pending, comment]).strip(), value)
                pending = []
                continue
        key = KEY_LINE.match(line)
        if not key:
            pending = []
            continue
        while stack and stack[-1][0] >= indent:
            stack.pop()
        parent = stack[-1][1] if stack else ()
        path = (*parent, key.group("key").strip().strip("\"'"))
        value, comment = _split_comment(key.group("rest"))
        found[".".join(path)] = Line(" ".join([*pending, comment]).strip(), value)
        pending = []
        stack.append((indent, path, False))
    return found


def leaves(scenario: Scenario) -> dict[str, Any]:
    """Every parameter of the validated scenario (defaults included) by dotted path.

    Lists of plain values (``red_lines``, ``milestones``) and each ``uncertain:`` entry are
    single parameters; descriptive fields (name, title, notes, evidence) are left out.
    """
    document = json.loads(scenario.model_dump_json())
    document["uncertain"] = {path: dist.describe() for path, dist in scenario.uncertain.items()}
    out: dict[str, Any] = {}

    def walk(node: Any, path: tuple[str, ...]) -> None:
        if isinstance(node, dict) and node and (path[:1] != ("uncertain",) or path == ("uncertain",)):
            for key, value in node.items():
                walk(value, (*path, str(key)))
        elif isinstance(node, list) and node and all(isinstance(item, dict) for item in node):
            for k, value in enumerate(node):
                walk(value, (*path, str(k)))
        elif path and path[0] not in DESCRIPTIVE:
            out[".".join(path)] = node

    walk(document, ())
    return out


def _setting_line(lines: dict[str, Line], path: str) -> Line | None:
    """The line that sets ``path``: its own key, or an ancestor written as a flow ``{...}`` / ``[...]``."""
    if path in lines:
        return lines[path]
    parts = path.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        line = lines.get(".".join(parts[:cut]))
        if line is not None and line.raw.startswith(("{", "[")):
            return line if _holds(line.raw, parts[cut:]) else None
    return None


def _holds(flow: str, rest: Sequence[str]) -> bool:
    """Whether the flow collection written ``flow`` sets the field ``rest`` below it
    (``{name: Moscow}`` sets ``name``, not the ``neutral`` left to its default)."""
    try:
        node: Any = yaml.safe_load(flow)
    except yaml.YAMLError:
        return True  # the loader accepted the file; give the line the benefit of the doubt
    for part in rest:
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return False
    return True


def status_of(comment: str, facts: Sequence[str]) -> str:
    """How a commented value is backed: by facts, by an assumption, by both, or not cited."""
    assumed = "ASSUMPTION" in comment
    if facts:
        return MIXED if assumed else EVIDENCE
    return ASSUMPTION if assumed else UNCITED


def parameters(file: str, scenario: Scenario, overrides: Sequence[str] = ()) -> tuple[Parameter, ...]:
    """Every parameter of ``scenario`` (read from ``file`` with ``overrides``) and what backs it.

    The most specific file of the ``extends`` chain that sets a field gives its comment; when
    that line has none and a parent sets the same value, the parent's comment (and file) stand.
    """
    chain = [(name, comment_lines(Path(name).read_text(encoding="utf-8"))) for name in scenario_files(file)]
    changed = [parts for parts in (override_path(o) for o in overrides) if parts]
    out = []
    for path, value in leaves(scenario).items():
        if any(path == ".".join(parts) or path.startswith(".".join(parts) + ".") for parts in changed):
            out.append(Parameter(path, value, "", "", (), OVERRIDE))
            continue
        setting = [(name, line) for name, lines in chain if (line := _setting_line(lines, path)) is not None]
        if not setting:
            out.append(Parameter(path, value, "", "", (), DEFAULT))
            continue
        name, line = setting[0]
        for parent_name, parent in setting[1:]:
            if line.comment or parent.raw != line.raw:
                break
            name, line = parent_name, parent
        facts = tuple(dict.fromkeys(FACT_ID.findall(line.comment)))
        out.append(Parameter(path, value, name, line.comment, facts, status_of(line.comment, facts)))
    return tuple(out)


def cited(scenario: Scenario, found: Sequence[Parameter]) -> tuple[str, ...]:
    """The fact ids the scenario cites, in ``evidence:`` or in a comment, in numeric order."""
    ids = set(scenario.evidence) | {fact for parameter in found for fact in parameter.facts}
    return tuple(sorted(ids, key=lambda fact: (fact[0], int(fact[1:]))))
