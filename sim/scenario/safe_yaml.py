"""YAML read safely and within limits, whatever it comes from: a scenario file, a
``--set`` value, a ``sim sweep --param`` value.

The limits keep hostile input harmless: a size cap, a cap on the expanded node count
(so alias "bombs" are refused before they are expanded), a nesting cap, and duplicate
keys rejected (PyYAML would silently keep the last one, which hides typos). The same
caps apply to documents built in Python (:func:`check_value`), since an API caller or a
merge of files can make one too. A date YAML cannot build (``2026-02-30``) stays text,
so the date field says what is wrong with it instead of the parser crashing.

Text is parsed by libyaml (PyYAML's C parser: base.yaml in about a seventh of the time)
when PyYAML was built with it, else by PyYAML's pure-Python parser, and the answer is the
same either way: both build the same nodes, which the same Python code then checks and
constructs; a text libyaml refuses is parsed again by the pure-Python parser, so every
error message is the one it gives; and text in which the two are known to differ
(:data:`READ_APART`) goes to the pure-Python parser alone.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from sim.errors import Problem, ScenarioError

MAX_FILE_BYTES = 1_000_000
MAX_NODES = 100_000
MAX_DEPTH = 40
TOO_DEEP = f"is nested too deeply (limit {MAX_DEPTH} levels)"
TOO_BIG = f"expands to more than {MAX_NODES:,} nodes"


def _keeping_impossible_dates(base: type) -> type:
    """The safe loader ``base``, except that a timestamp outside the calendar stays text."""

    class Loader(base):  # type: ignore[valid-type, misc]  # a base chosen at run time
        def construct_yaml_timestamp(self, node: yaml.Node) -> Any:
            try:
                return super().construct_yaml_timestamp(node)
            except (ValueError, OverflowError):
                return self.construct_scalar(node)

    Loader.add_constructor("tag:yaml.org,2002:timestamp", Loader.construct_yaml_timestamp)
    return Loader


def _refusing_deep_flow(base: type) -> type:
    """The pure-Python loader ``base``, except that it stops scanning at the first flow
    collection (``[`` or ``{``) deeper than :data:`MAX_DEPTH`.

    Every such collection is a node more than MAX_DEPTH levels down, which the depth check
    would refuse once the document was composed; stopping at once spares the scanner's
    look-ahead for possible simple keys, which is quadratic in the open brackets (10,000
    of them took seconds to refuse).
    """

    class Loader(base):  # type: ignore[valid-type, misc]  # a base chosen at run time
        def fetch_flow_collection_start(self, TokenClass: type) -> None:
            if self.flow_level >= MAX_DEPTH:
                raise ScenarioError([Problem("", f"YAML {TOO_DEEP}")])
            super().fetch_flow_collection_start(TokenClass)

    return Loader


#: The pure-Python safe loader: always present; its messages are the ones users see.
PURE_LOADER = _refusing_deep_flow(_keeping_impossible_dates(yaml.SafeLoader))
#: libyaml's safe loader, or None when PyYAML was built without libyaml.
LIBYAML_LOADER = _keeping_impossible_dates(yaml.CSafeLoader) if yaml.__with_libyaml__ else None
#: Where libyaml and the pure-Python parser read a text differently, libyaml accepting what
#: the other refuses or building another value: a tab, ``?`` (complex keys in flow
#: collections), ``!`` (a bare tag), a comment straight after a block scalar's indicator
#: (``|#``) and a byte-order mark past the start. Text with any of these after its opening
#: comment lines goes to the pure-Python parser alone; tests/test_safe_yaml.py compares the
#: two parsers on a corpus.
READ_APART = re.compile(r"[\t?!\ufeff]|[|>][-+0-9]*#")
#: The comment (and blank) lines a text opens with, where no value has begun, so both
#: parsers skip them alike: a question mark there (the history scenarios ask one) is harmless.
_OPENING_COMMENTS = re.compile(r"(?:[ ]*(?:#[^\n\r\x85\u2028\u2029]*)?\r?\n)*")


def parse_yaml(text: str, source: str = "<string>", quote: bool = True) -> Any:
    """Parse one YAML document safely, refusing bombs, deep nesting and duplicate keys.

    With ``quote=False`` a problem is said by its position only, quoting nothing of the
    text (for a file reached by ``extends`` that may not be a scenario at all).
    """
    try:
        document = _parse(text, quote)
        if document is _EMPTY:
            raise ScenarioError([Problem("", "the file is empty; expected a YAML mapping")])
        return document
    except ScenarioError as error:
        raise error.with_source(source) from None
    except yaml.MarkedYAMLError as error:
        raise ScenarioError([Problem("", _yaml_message(error, quote))], source) from None
    except yaml.YAMLError as error:
        said = f": {' '.join(str(error).split())}" if quote else ""
        raise ScenarioError([Problem("", f"invalid YAML{said}")], source) from None
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


def _parse(text: str, quote: bool = True) -> Any:
    """The document in ``text``, or ``_EMPTY``; limits as ScenarioError, YAML errors raw."""
    if len(text) > MAX_FILE_BYTES:
        raise ScenarioError([Problem("", f"is longer than the {MAX_FILE_BYTES:,} characters allowed")])
    if LIBYAML_LOADER is not None and libyaml_reads_alike(text):
        try:
            return _load(LIBYAML_LOADER, text, quote)
        except (yaml.YAMLError, ValueError):  # ValueError: text libyaml cannot encode (a lone surrogate)
            pass  # refused: parsed again below, so that the message is the pure-Python parser's
    return _load(PURE_LOADER, text, quote)


def libyaml_reads_alike(text: str) -> bool:
    """Whether libyaml reads ``text`` as the pure-Python parser does, as far as is known:
    nothing after its opening comment lines is in :data:`READ_APART`."""
    return not READ_APART.search(text, _OPENING_COMMENTS.match(text).end())  # type: ignore[union-attr]


def _load(loader_class: type, text: str, quote: bool) -> Any:
    """The document in ``text`` as ``loader_class`` parses it, or ``_EMPTY``; limits as
    ScenarioError, YAML errors raw."""
    loader = loader_class(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return _EMPTY
        _check_node(node, quote)
        return loader.construct_document(node)
    finally:
        loader.dispose()


def check_value(value: Any, where: str = "", what: str = "the value") -> None:
    """Refuse a Python value (nested dicts and lists) beyond the YAML limits: deeper than
    :data:`MAX_DEPTH` or larger than :data:`MAX_NODES` nodes (a structure that contains
    itself is infinitely deep). Walks level by level, so depth cannot overflow; only
    containers are visited one by one, which keeps it quick on every validation."""
    containers = (dict, list, tuple)
    level = [value] if isinstance(value, containers) else []
    count, depth = 1, 1
    while level:
        below = []
        for node in level:
            children = [part for pair in node.items() for part in pair] if isinstance(node, dict) else node
            if children and depth >= MAX_DEPTH:
                raise ScenarioError([Problem(where, f"{what} {TOO_DEEP}")])
            count += len(children)
            below.extend(child for child in children if isinstance(child, containers))
        if count > MAX_NODES:
            raise ScenarioError([Problem(where, f"{what} {TOO_BIG}")])
        level, depth = below, depth + 1


def _yaml_message(error: yaml.MarkedYAMLError, quote: bool = True) -> str:
    mark = error.problem_mark or error.context_mark
    if not quote:
        return f"invalid YAML at line {mark.line + 1}, column {mark.column + 1}" if mark else "invalid YAML"
    where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
    what = " ".join(part for part in (error.context, error.problem) if part)
    return f"invalid YAML at {where}{what}".replace("\n", " ")


def _check_node(root: yaml.Node, quote: bool = True) -> None:
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
            _check_duplicate_keys(node, quote)
        stack.append((node, depth, True))
        stack.extend((child, depth + 1, False) for child in children if id(child) not in sizes)


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _check_duplicate_keys(node: yaml.MappingNode, quote: bool = True) -> None:
    seen: set[str] = set()
    for key, _ in node.value:
        if isinstance(key, yaml.ScalarNode):
            if key.value in seen:
                line = key.start_mark.line + 1
                raise ScenarioError([Problem("", f"line {line}: duplicate key '{key.value}'" if quote
                                             else f"line {line}: a key is there twice")])
            seen.add(key.value)
