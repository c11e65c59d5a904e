"""``sim schema``: the JSON Schema that editors use to check scenario files as they are typed.

The schema must be valid JSON Schema, list every top-level field (``extends`` included),
refuse unknown keys like ``sim validate`` does, and accept the shipped scenarios. An
editor sees the file as written, before ``extends`` is merged; YAML dates are strings to
a YAML language server, so the files are read here without YAML's timestamp type.
"""

from __future__ import annotations

import copy
import json

import pytest
import yaml

from conftest import BASE, SCENARIOS
from sim.scenario.schema import Scenario

SHIPPED = sorted(SCENARIOS.glob("*.yaml"))
VARIANTS = [path for path in SHIPPED if "extends:" in path.read_text(encoding="utf-8")]


class EditorLoader(yaml.SafeLoader):
    """YAML as a language server sees it: dates stay strings."""


EditorLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def as_editor_sees(path) -> dict:
    return yaml.load(path.read_text(encoding="utf-8"), Loader=EditorLoader)


@pytest.fixture(scope="module")
def schema(sim_cli) -> dict:
    done = sim_cli("schema")
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def validator(schema):
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_schema_describes_the_top_level(schema):
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["type"] == "object"
    assert schema["additionalProperties"] is False
    assert list(schema["properties"])[0] == "extends"
    assert set(schema["properties"]) == {"extends", *Scenario.model_fields}
    assert schema["properties"]["extends"]["type"] == "string"


def test_full_scenarios_need_the_required_fields(validator, document):
    """Without `extends` a file must be a whole scenario; with it, a few fields will do."""
    for field in ("name", "title", "time", "venues", "actors"):
        partial = {k: v for k, v in document.items() if k != field}
        assert not validator.is_valid(json.loads(json.dumps(partial))), field
    assert validator.is_valid({"extends": "base.yaml", "actors": {"putin": {"readiness": -3.4}}})
    assert not validator.is_valid({"extends": "base.yaml", "actors": {"putin": {"readyness": -3.4}}})
    assert not validator.is_valid({"extends": "base.yaml", "actors": {"putin": {"readiness": -60}}})
    assert not validator.is_valid({"extends": 3})


def test_nested_objects_refuse_unknown_keys(schema):
    """Every object model in $defs forbids extra keys, as the validator does."""
    objects = {name: d for name, d in schema["$defs"].items() if d.get("type") == "object" and "properties" in d}
    assert {"Time", "Venue", "Principal", "Mediator"} <= set(objects)
    assert all(d.get("additionalProperties") is False for d in objects.values()), [
        name for name, d in objects.items() if d.get("additionalProperties") is not False]


def test_base_validates_as_written(validator):
    errors = list(validator.iter_errors(as_editor_sees(BASE)))
    assert errors == [], [e.message for e in errors]


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_every_shipped_scenario_validates_once_merged(validator, path):
    from sim.scenario.loader import load_document

    merged = json.loads(json.dumps(load_document(path), default=str))
    errors = list(validator.iter_errors(merged))
    assert errors == [], [e.message for e in errors]


def test_shipped_variants_validate_as_written(validator):
    """An editor checks a variant before its parent is merged: the overrides alone are valid."""
    assert VARIANTS, "the shipped variants use extends"
    failing = {path.name: [e.message[:80] for e in validator.iter_errors(as_editor_sees(path))] for path in VARIANTS}
    assert not any(failing.values()), failing


@pytest.mark.parametrize("change, path", [
    (lambda d: d["venues"]["geneva"].update(nuetral=True), "venues.geneva"),
    (lambda d: d["actors"]["putin"].update(readiness=-60), "actors.putin.readiness"),
    (lambda d: d.update(colour="red"), "top level"),
    (lambda d: d["actors"]["trump"].update(strategy="sideways"), "actors.trump.strategy"),
], ids=["misspelt-key", "out-of-range", "unknown-top-level", "bad-choice"])
def test_schema_and_validator_agree_on_field_errors(validator, document, write, sim_cli, change, path):
    """A misspelt key, an out-of-range number, an unknown top-level key, a bad choice:
    refused by both the schema and `sim validate`."""
    bad = copy.deepcopy(document)
    change(bad)
    assert not validator.is_valid(json.loads(json.dumps(bad))), path
    assert validator.is_valid(json.loads(json.dumps(document)))
    done = sim_cli("validate", write(bad))
    assert done.returncode == 2, done.stdout


def test_modeline_comment_changes_nothing(tmp_path, sim_cli, sim_cli_many):
    """`# yaml-language-server: $schema=...` on the first line is a YAML comment: the file
    loads, and its validated content is the same as without the line."""
    schema_file = tmp_path / "scenario.schema.json"
    schema_file.write_text(sim_cli("schema").stdout)
    modeline = "# yaml-language-server: $schema=./scenario.schema.json\n"
    with_line = tmp_path / "base.yaml"
    with_line.write_text(modeline + BASE.read_text(encoding="utf-8"), encoding="utf-8")
    variant = tmp_path / "variant.yaml"
    variant.write_text(modeline + "extends: base.yaml\nname: variant\n", encoding="utf-8")
    done = sim_cli_many([
        ["validate", with_line, variant],
        ["run", with_line, "--runs", 1, "--json"],
        ["run", BASE, "--runs", 1, "--json"],
    ])
    assert done[0].returncode == 0, done[0].stderr
    assert done[0].stdout.count(": OK") == 2
    hashes = [next(iter(json.loads(d.stdout)["provenance"]["scenario_content"].values())) for d in done[1:]]
    assert hashes[0] == hashes[1]
