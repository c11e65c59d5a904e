"""From a file to a validated :class:`~sim.scenario.schema.Scenario`, or one clear error per problem.

Files are read with :mod:`sim.scenario.safe_yaml` (the safe loader, inside limits that
keep hostile files harmless), their ``extends`` chains merged and ``--set`` overrides
applied (:mod:`sim.scenario.variants`). Whatever built a document, it is held to the same
limits before it is validated, and validation errors are translated into
:class:`~sim.errors.Problem` lines naming the field path and what is allowed.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Sequence

from pydantic import ValidationError

from sim.errors import Problem, ScenarioError
from sim.scenario.problems import translate
from sim.scenario.safe_yaml import MAX_DEPTH, MAX_FILE_BYTES, MAX_NODES, check_value, parse_yaml
from sim.scenario.schema import Scenario
from sim.scenario.variants import apply_overrides, extends_chain, resolve_extends

__all__ = ["MAX_DEPTH", "MAX_FILE_BYTES", "MAX_NODES", "load_document", "load_scenario", "parse_yaml",
           "read_document", "read_parent", "scenario_files", "scenario_from_document"]


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
        document = resolve_extends(read_document(path), Path(path), read_parent)
        return apply_overrides(document, overrides) if overrides else document
    except ScenarioError as error:
        raise (error if error.source else error.with_source(source)) from None


def scenario_files(path: str | os.PathLike[str]) -> list[str]:
    """The file at ``path`` and every parent it extends, child first."""
    document = read_document(path)
    if not isinstance(document, dict):
        return [str(path)]
    return [name for name, _ in extends_chain(document, Path(path), read_parent)]


def read_parent(path: str | os.PathLike[str]) -> Any:
    """A file reached by ``extends``: read as :func:`read_document` reads, but a YAML
    problem is told by its position only, since the file may not be a scenario at all."""
    return read_document(path, quote=False)


def read_document(path: str | os.PathLike[str], quote: bool = True) -> Any:
    """The YAML document in the file at ``path``, read safely and within limits; with
    ``quote=False`` a YAML problem is told without quoting the file."""
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
    return parse_yaml(text, source, quote)


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
        raise ScenarioError(translate(error, document), source) from None
    except RecursionError:
        raise ScenarioError([Problem("", "document nested too deeply")], source) from None
