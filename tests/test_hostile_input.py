"""Hostile input: whatever a scenario file holds, every command answers 0 or 2, in one line.

Hypothesis generates documents and mutations of the shipped scenarios (values replaced by
hostile ones, keys deleted or misspelt, bytes truncated or corrupted) and feeds them to the
real CLI in-process. A case passes when the command exits 0, or exits 2 with exactly one
line on standard error and no exception escaping. The example counts are bounded so the
default suite stays fast; ``bench/hostile_corpus.py`` runs a larger corpus through the
installed ``sim`` command in subprocesses.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from sim.cli.core import app
from sim.scenario.fuzz import ACTIONS, HOSTILE_EXTENDS, HOSTILE_TEXTS, HOSTILE_VALUES as KNOWN_HOSTILE, mutate, paths_of

SCENARIOS = sorted(Path(__file__).resolve().parents[1].joinpath("scenarios").glob("*.yaml"))
RUNNER = CliRunner()

HOSTILE_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(KNOWN_HOSTILE),
    st.text(max_size=30),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
)


def check(args: list[str]) -> None:
    """The rule every command must keep, whatever the input."""
    result = RUNNER.invoke(app, args)
    assert result.exit_code in (0, 2), (args, result.exit_code, result.stderr)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.stderr
    if result.exit_code == 2 and args[0] != "validate":
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("sim: error:"), result.stderr


def write(tmp_path: Path, data: bytes) -> str:
    target = tmp_path / "case.yaml"
    target.write_bytes(data)
    return str(target)


def dump(document) -> bytes:
    try:
        return yaml.safe_dump(document, allow_unicode=True).encode("utf-8", "surrogatepass")
    except (yaml.YAMLError, UnicodeEncodeError, ValueError):
        return b"{}"


@pytest.mark.slow
@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda p: p.stem)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_mutated_scenarios_never_crash(scenario: Path, tmp_path: Path, data) -> None:
    """A shipped scenario with one value replaced, deleted or misspelt: exit 0 or 2."""
    document = yaml.safe_load(scenario.read_text())
    path = data.draw(st.sampled_from(list(paths_of(document))))
    action = data.draw(st.sampled_from(ACTIONS))
    mutated = mutate(document, path, action, data.draw(HOSTILE_VALUES))
    (tmp_path / "base.yaml").write_bytes(scenario.with_name("base.yaml").read_bytes())  # for extends
    file = write(tmp_path, dump(mutated))
    check(["validate", file])
    check(["run", file, "--runs", "50", "--workers", "1", "--json"])


@pytest.mark.slow
@pytest.mark.parametrize("scenario", SCENARIOS[:2], ids=lambda p: p.stem)
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_corrupted_bytes_never_crash(scenario: Path, tmp_path: Path, data) -> None:
    """Truncated files and random bytes spliced in: exit 0 or 2, never a traceback."""
    raw = scenario.read_bytes()
    cut = data.draw(st.integers(0, len(raw)))
    junk = data.draw(st.binary(max_size=40))
    where = data.draw(st.integers(0, cut))
    file = write(tmp_path, raw[:where] + junk + raw[where:cut])
    check(["explain", file])
    check(["run", file, "--runs", "20", "--workers", "1"])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(document=st.recursive(HOSTILE_VALUES, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)), max_leaves=20))
def test_arbitrary_documents_never_crash(tmp_path: Path, document) -> None:
    """Any YAML document at all: exit 2 with one line (or 0 if it happens to be valid)."""
    check(["validate", write(tmp_path, dump(document))])


@pytest.mark.parametrize(
    "text, expected",
    [
        ("a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
            f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 10)}]\n" for i in range(8)),
         "more than 100,000 nodes"),
        ("!!python/object/apply:os.system [echo owned]\n", "could not determine a constructor"),
        ("a: " + "[" * 200 + "]" * 200 + "\n", "nested too deeply"),
        ("name: x\nname: y\n", "duplicate key 'name'"),
        ("", "empty"),
        ("- 1\n- 2\n", "expected a mapping"),
    ],
    ids=["alias-bomb", "python-tag", "deep-nesting", "duplicate-key", "empty", "top-level-list"],
)
def test_named_attacks_are_refused_with_a_reason(tmp_path: Path, text: str, expected: str) -> None:
    """Well-known hostile YAML is refused quickly, with a message saying what was wrong."""
    result = RUNNER.invoke(app, ["run", write(tmp_path, text.encode())])
    assert result.exit_code == 2
    assert expected in result.stderr


@pytest.mark.parametrize(
    "override, limit",
    [
        ("simulation.runs=1000000000000", "less than or equal to 1000000000"),
        ("time.horizon_rounds=1000000000", "less than or equal to 5200"),
        ("time.end=2999-01-01", "rounds after start"),
        ("actors.putin.readiness=.nan", "finite number"),
        ("actors.putin.readiness=1e400", "finite number"),
    ],
)
def test_sizes_that_would_exhaust_memory_or_time_are_refused(override: str, limit: str) -> None:
    """Huge run counts, horizons and non-finite numbers are refused with the limit named."""
    base = str(Path(__file__).resolve().parents[1] / "scenarios" / "base.yaml")
    result = RUNNER.invoke(app, ["run", base, "--set", override])
    assert result.exit_code == 2, result.stderr
    assert limit in result.stderr


def test_many_venues_are_refused_with_the_limit(tmp_path: Path) -> None:
    """A file with 10^5 venues is refused by the venue limit, not simulated."""
    venues = "".join(f"  v{k}: {{name: V, country: C}}\n" for k in range(100_000))
    result = RUNNER.invoke(app, ["validate", write(tmp_path, f"venues:\n{venues}".encode())])
    assert result.exit_code == 2
    assert "bytes allowed" in result.stderr or "at most 200" in result.stderr



BASE_DOCUMENT = yaml.safe_load(SCENARIOS[0].with_name("base.yaml").read_text())
DOTTED_PATHS = [".".join(map(str, path)) for path in paths_of(BASE_DOCUMENT) if path]


@settings(max_examples=60, deadline=None)
@given(path=st.sampled_from(DOTTED_PATHS),
       text=st.one_of(st.sampled_from(HOSTILE_TEXTS), st.text(max_size=30)))
@pytest.mark.slow
def test_hostile_set_values_never_crash(path: str, text: str) -> None:
    """Any --set value at any path of base: the file reader's limits and the same one-line
    errors, whatever the text (deep nesting, alias bombs, impossible dates, no role)."""
    base = str(SCENARIOS[0].with_name("base.yaml"))
    check(["explain", base, "--set", f"{path}={text}"])


@pytest.mark.parametrize("text", HOSTILE_TEXTS[:3] + ("2026-02-30",), ids=["deep-list", "deep-map", "bomb", "date"])
def test_hostile_sweep_values_never_crash(text: str) -> None:
    base = str(SCENARIOS[0].with_name("base.yaml"))
    check(["sweep", base, "--runs", "10", "--param", f"time.start={text}"])


@pytest.mark.parametrize("target", HOSTILE_EXTENDS)
def test_extends_out_of_the_folder_is_refused_before_reading(tmp_path: Path, target: str) -> None:
    """extends naming a system file, a device or a folder above: refused, one line, and
    nothing of the target is read (a device like /dev/stdin would otherwise block)."""
    file = write(tmp_path, f"extends: {target}\nname: x\n".encode())
    result = RUNNER.invoke(app, ["run", file])
    assert result.exit_code == 2, result.stderr
    assert "outside the scenario's folder" in result.stderr or "must be the path" in result.stderr, result.stderr
    check(["validate", file])
