"""The ``sim`` command line, driven through the real installed entry point.

Users script ``sim`` in shells and pipelines: they rely on exit codes (0 ok, 2 bad input),
on exactly one ``sim: error:`` line on stderr for a mistake (no traceback), on documented
CSV columns, on JSON that parses, and on output files that are either complete or not
touched at all.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest

SUMMARY_HEADER = ["scenario", "metric", "key", "estimate", "ci_low", "ci_high", "count", "trials"]
RUNS_HEADER = ["run", "held", "venue", "round", "date", "format", "parties", "rejected", "collapses", "reason",
               "deal_round"]  # base has a track (eq. 11)
COMPARE_FIXED = [
    "scenario", "file", "runs", "seed", "horizon_end", "p_summit", "ci_low", "ci_high",
    "median_round", "median_date", "median_days",
]


def read_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def assert_one_error_line(done, *fragments: str) -> str:
    """Exit code 2 and a single ``sim: error:`` line naming what went wrong."""
    assert done.returncode == 2, (done.returncode, done.stdout, done.stderr)
    assert "Traceback" not in done.stderr and "Traceback" not in done.stdout
    lines = done.stderr.splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("sim: error: ")
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    return lines[0]


# -- sim run ----------------------------------------------------------------------------


def test_run_prints_the_report(sim_process, base_yaml):
    """`sim run FILE --runs N` succeeds and prints P(summit) with its interval: the
    installed console script, in a process of its own."""
    done = sim_process("run", base_yaml, "--runs", 2000, "--workers", 1)
    assert done.returncode == 0, done.stderr
    assert "P(summit" in done.stdout
    assert "2,000" in done.stdout  # the run count is stated
    assert done.stderr == ""


def test_run_json(sim_cli, base_yaml):
    """--json prints one JSON document with p_summit and its 95% interval."""
    done = sim_cli("run", base_yaml, "--runs", 2000, "--json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    p = data["p_summit"]
    assert p["ci_low"] <= p["estimate"] <= p["ci_high"]
    assert 0.0 <= p["ci_low"] and p["ci_high"] <= 1.0
    assert p["trials"] == 2000 and data["runs"] == 2000
    assert p["estimate"] == pytest.approx(p["count"] / 2000)
    assert data["scenario"] == "base"  # the shipped file's name
    assert set(data["reason_share"]) == {"held", "no_acceptable_venue", "time_ran_out", "collapsed", "in_preparation"}
    assert sum(r["count"] for r in data["reason_share"].values()) == 2000


def test_run_summary_csv(sim_cli, base_yaml, tmp_path):
    """--csv writes the documented long-form header and a consistent p_summit row."""
    out = tmp_path / "out.csv"
    done = sim_cli("run", base_yaml, "--runs", 2000, "--csv", out)
    assert done.returncode == 0, done.stderr
    text = out.read_text()
    assert text.splitlines()[0] == ",".join(SUMMARY_HEADER)
    rows = read_csv(text)
    p = next(row for row in rows if row["metric"] == "p_summit")
    assert p["scenario"] == "base" and p["trials"] == "2000"
    assert float(p["ci_low"]) <= float(p["estimate"]) <= float(p["ci_high"])
    assert float(p["estimate"]) == pytest.approx(int(p["count"]) / 2000)
    metrics = {row["metric"] for row in rows}
    assert {"p_summit", "p_summit_by", "venue_share", "reason_share"} <= metrics
    by = [row for row in rows if row["metric"] == "p_summit_by"]
    assert by[-1]["key"] == "2026-12-31" and by[-1]["count"] == p["count"]


def test_run_runs_csv(sim_cli, base_yaml, tmp_path):
    """--runs-csv writes a header and one row per run, numbered from 0."""
    from sim.scenario.loader import load_scenario

    base = load_scenario(base_yaml)
    red_lined = {v for p in base.principals.values() for v in p.red_lines}
    assert red_lined
    out = tmp_path / "runs.csv"
    done = sim_cli("run", base_yaml, "--runs", 2000, "--runs-csv", out)
    assert done.returncode == 0, done.stderr
    text = out.read_text()
    assert text.splitlines()[0] == ",".join(RUNS_HEADER)
    rows = read_csv(text)
    assert len(rows) == 2000
    assert [int(row["run"]) for row in rows] == list(range(2000))
    for row in rows:
        if row["held"] == "1":
            assert row["venue"] and row["round"] and row["date"] and row["reason"] == "held"
            assert row["venue"] not in red_lined
        else:
            assert row["held"] == "0" and row["venue"] == "" and row["reason"] != "held"


def test_run_csv_to_stdout(sim_cli, base_yaml):
    """--csv - writes the summary CSV, and only it, to standard output."""
    done = sim_cli("run", base_yaml, "--runs", 2000, "--csv", "-")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == ",".join(SUMMARY_HEADER)
    rows = read_csv(done.stdout)
    assert rows and all(row["scenario"] == "base" for row in rows)
    assert "P(summit" not in done.stdout


def test_run_two_things_on_stdout_is_refused(sim_cli, base_yaml):
    """--json and --csv - cannot both use standard output."""
    assert_one_error_line(sim_cli("run", base_yaml, "--runs", 100, "--json", "--csv", "-"), "standard output")


# -- bad input -----------------------------------------------------------------------------

BAD_FILES = {
    "control-character": ("name: a\x07b\n", "special characters"),
    "duplicate-key": ("name: a\nname: b\n", "duplicate key 'name'"),
    "python-tag": ('name: !!python/object/apply:os.system ["true"]\n', "python/object/apply"),
    "non-utf8": (b"name: \xff\xfe\n", "UTF-8"),
    "empty": ("", "empty"),
    "top-level-list": ("- a\n- b\n", "mapping"),
}


@pytest.fixture
def bad_file(request, tmp_path, document, write):
    kind = request.param
    if kind == "field-path":
        document["actors"]["putin"]["venues"] = {"vienna": 1.0}
        return write(document, "field.yaml"), "actors.putin.venues.vienna"
    if kind == "unknown-key":
        document["colour"] = "red"
        return write(document, "unknown-key.yaml"), "colour: unknown field; allowed: name, title"
    if kind == "missing":
        return tmp_path / "missing.yaml", "no such file"
    if kind == "directory":
        folder = tmp_path / "folder.yaml"
        folder.mkdir()
        return folder, "directory"
    content, fragment = BAD_FILES[kind]
    return write(content, f"{kind}.yaml"), fragment


BAD_KINDS = ["field-path", "unknown-key", "missing", "directory", *BAD_FILES]


@pytest.mark.parametrize("bad_file", BAD_KINDS, indirect=True)
def test_bad_scenario_is_one_error_line_and_no_output(sim_cli, bad_file, tmp_path):
    """A bad scenario: exit 2, one `sim: error:` line naming the file and the problem,
    and no output files created."""
    path, fragment = bad_file
    outputs = tmp_path / "outputs"
    outputs.mkdir()
    out, runs_out = outputs / "out.csv", outputs / "runs.csv"
    done = sim_cli("run", path, "--runs", 100, "--csv", out, "--runs-csv", runs_out)
    line = assert_one_error_line(done, path.name, fragment)
    assert f"sim: error: {path}: " in line
    assert list(outputs.iterdir()) == []  # no output, no manifest, no temporary file
    assert done.stdout == ""


def test_error_line_names_the_exact_field_path(sim_cli, document, write):
    """The error line is `sim: error: FILE: dotted.path: message`."""
    document["actors"]["putin"]["red_lines"] = ["kyiv", "minsk"]
    path = write(document, "redline.yaml")
    line = assert_one_error_line(sim_cli("run", path, "--runs", 100))
    assert line.startswith(f"sim: error: {path}: actors.putin.red_lines.1: unknown venue 'minsk'")


def test_failing_command_does_not_clobber_existing_output(sim_cli, base_yaml, tmp_path, write):
    """A failed run leaves an existing good output file as it was, and no temporary files."""
    out, runs_out = tmp_path / "out.csv", tmp_path / "runs.csv"
    out.write_text("good summary\n")
    runs_out.write_text("good runs\n")
    bad = write("name: a\nname: b\n", "dup.yaml")
    assert_one_error_line(sim_cli("run", bad, "--csv", out, "--runs-csv", runs_out))
    # A valid file whose run fails (bad --runs) after the per-run file was opened.
    assert_one_error_line(sim_cli("run", base_yaml, "--runs", 0, "--csv", out, "--runs-csv", runs_out), "runs")
    assert out.read_text() == "good summary\n"
    assert runs_out.read_text() == "good runs\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dup.yaml", "out.csv", "runs.csv"]


def test_unwritable_output_fails_before_simulating(sim_cli, base_yaml, tmp_path):
    """An output path in a missing folder is refused with one error line."""
    assert_one_error_line(
        sim_cli("run", base_yaml, "--runs", 100, "--csv", tmp_path / "no" / "such" / "dir.csv"), "does not exist"
    )


def test_unknown_option_exits_2(sim_cli, base_yaml):
    """A mistyped option is a usage error (exit 2), not a crash."""
    done = sim_cli("run", base_yaml, "--bogus-option")
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "--bogus-option" in done.stderr


def test_bad_workers_exits_2(sim_cli, base_yaml):
    """--workers 0 is refused with one error line."""
    assert_one_error_line(sim_cli("run", base_yaml, "--runs", 100, "--workers", 0), "--workers")


# -- sim compare -------------------------------------------------------------------------


def test_compare_csv(sim_cli, base_yaml, document, write, tmp_path):
    """`sim compare A B --csv C` writes one row per scenario with the documented columns and
    a share_<venue> column for every venue of any scenario (union, in order of first
    appearance). Read with the csv module: pandas is not needed."""
    from sim.scenario.loader import load_scenario

    base = load_scenario(base_yaml)
    document["venues"]["oslo"] = {"name": "Oslo", "country": "Norway", "neutral": True}
    document["actors"]["trump"]["proposes"] = ["geneva", "oslo"]
    other = write(document, "other.yaml")
    out = tmp_path / "compare.csv"
    done = sim_cli("compare", base_yaml, other, "--runs", 2000, "--csv", out)
    assert done.returncode == 0, done.stderr
    header = out.read_text().splitlines()[0].split(",")
    assert header[: len(COMPARE_FIXED)] == COMPARE_FIXED
    union = list(base.venues) + [v for v in document["venues"] if v not in base.venues]
    shares = [column for column in header if column.startswith("share_")]
    assert shares == [f"share_{v}" for v in union]
    formats = [column for column in header if column.startswith("format_")]
    deal = ["p_deal", "p_deal_low", "p_deal_high"]  # base has a track (eq. 11): its deal comes last
    assert header[len(header) - len(shares) - len(formats) - len(deal):] == shares + formats + deal
    assert formats[0] == "format_bilateral"
    rows = read_csv(out.read_text())
    assert [row["scenario"] for row in rows] == [base.name, "mini"]
    assert [row["file"] for row in rows] == [str(base_yaml), str(other)]
    for row, start in zip(rows, (base.time.start, dt.date(2026, 2, 1))):
        assert row["runs"] == "2000"
        assert float(row["ci_low"]) <= float(row["p_summit"]) <= float(row["ci_high"])
        assert sum(float(row[s] or 0) for s in shares) == pytest.approx(float(row["p_summit"]), abs=1e-5)
        assert sum(float(row[f] or 0) for f in formats) == pytest.approx(float(row["p_summit"]), abs=1e-5)
        if row["median_round"]:
            median_date = dt.date.fromisoformat(row["median_date"])
            assert median_date == start + dt.timedelta(days=7 * (int(row["median_round"]) - 1))
            assert int(row["median_days"]) == (median_date - start).days
    base_row, mini_row = rows
    assert base_row["seed"] == str(base.simulation.seed) and mini_row["seed"] == "7"
    assert base_row["horizon_end"] == base.time.horizon_end.isoformat()
    # A venue a scenario does not have: docs/output-format.md says 0.000000; the code is
    # moving to an empty ("undefined") cell. Either way it is never a positive share.
    assert base_row["share_oslo"] in ("", "0.000000")
    for vid in base.venues:
        if vid not in document["venues"]:
            assert mini_row[f"share_{vid}"] in ("", "0.000000")
    for vid in document["venues"]:
        assert mini_row[f"share_{vid}"] != ""  # its own venues always have a number


def test_compare_with_a_bad_file(sim_cli, base_yaml, write, tmp_path):
    """One bad file among several: exit 2, one error line, no comparison written."""
    bad = write("name: a\nname: b\n", "bad.yaml")
    out = tmp_path / "compare.csv"
    assert_one_error_line(
        sim_cli("compare", base_yaml, bad, "--runs", 100, "--csv", out), "bad.yaml", "duplicate key"
    )
    assert not out.exists()


# -- sim validate ------------------------------------------------------------------------


def test_validate_ok(sim_cli, base_yaml):
    """A good file prints `FILE: OK` and exits 0."""
    done = sim_cli("validate", base_yaml)
    assert done.returncode == 0
    assert done.stdout.strip() == f"{base_yaml}: OK"


def test_validate_reports_each_problem(sim_cli, base_yaml, document, write):
    """Each problem of each file is one `FILE: path: message` line; exit 2 if any file is bad."""
    document["actors"]["putin"]["red_lines"] = ["minsk"]
    document["actors"]["trump"]["leverage"] = {"biden": 1.0}
    bad = write(document, "bad.yaml")
    done = sim_cli("validate", base_yaml, bad)
    assert done.returncode == 2
    assert done.stdout.strip() == f"{base_yaml}: OK"
    assert "Traceback" not in done.stderr
    assert sorted(done.stderr.splitlines()) == sorted([
        f"{bad}: actors.putin.red_lines.0: unknown venue 'minsk'; expected one of: geneva, kyiv, moscow",
        f"{bad}: actors.trump.leverage.biden: unknown principal 'biden'; expected one of: putin, zelensky",
    ])


# -- sim explain and the empty zone ---------------------------------------------------------


def test_explain_shows_the_zone(sim_cli, base_yaml):
    """`sim explain` lists venues, who rules them out, who proposes them, and the zone."""
    from sim.scenario.loader import load_scenario

    base = load_scenario(base_yaml)
    done = sim_cli("explain", base_yaml)
    assert done.returncode == 0, done.stderr
    flat = " ".join(done.stdout.split())
    assert "Zone of agreement" in flat
    for venue in base.venues.values():
        assert venue.name in flat
    for vid in base.venues:
        blockers = [pid for pid, p in base.principals.items() if vid in p.red_lines]
        if blockers:
            assert f"{vid} (red line of {', '.join(blockers)})" in flat


@pytest.fixture
def empty_zone(document, write):
    """Every venue is someone's red line."""
    document["actors"]["zelensky"]["red_lines"] = ["moscow", "geneva"]
    document["actors"]["putin"]["red_lines"] = ["kyiv"]
    return write(document, "deadlock.yaml")


def test_explain_empty_zone(sim_cli, empty_zone):
    """With no venue acceptable to every principal, explain says so."""
    done = sim_cli("explain", empty_zone)
    assert done.returncode == 0, done.stderr
    assert "No venue is acceptable to every principal" in " ".join(done.stdout.split())


def test_run_empty_zone_reports_zero_and_why(sim_cli, empty_zone):
    """With an empty zone P(summit) is exactly 0 and every run ends 'no_acceptable_venue'."""
    done = sim_cli("run", empty_zone, "--runs", 500, "--json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["p_summit"]["count"] == 0 and data["p_summit"]["estimate"] == 0.0
    assert data["reason_share"]["no_acceptable_venue"]["count"] == 500
    assert data["zone"]["reachable"] == []
    assert "No venue is acceptable" in data["zone"]["explanation"]
    table = sim_cli("run", empty_zone, "--runs", 500)
    assert table.returncode == 0, table.stderr
    flat = " ".join(table.stdout.split())
    assert "No venue is acceptable to every principal" in flat
    assert "= 0: structurally impossible" in flat
