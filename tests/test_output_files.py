"""Output files: a failed command loses nothing, and every path is written for what it is.

Users point ``--csv``, ``--runs-csv``, ``--plot`` and ``--out`` at files they care about,
at folders that do not exist yet, at devices and pipes, at symlinks. Whatever they give,
``sim`` either writes every output completely or refuses with one line (exit 2) and leaves
every old file as it was, with no temporary file behind. Most tests run the installed
command; the ones that simulate a system failure mid-write run it in-process.
"""

from __future__ import annotations

import errno
import os
import stat
import subprocess
import threading
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sim.cli.core import app

RUNS = ("--runs", "1000", "--workers", "1")


def error_line(done, *fragments: str) -> str:
    """Exit 2 and exactly one ``sim: error:`` line containing every fragment."""
    stderr = done.stderr
    code = done.returncode if hasattr(done, "returncode") else done.exit_code
    assert code == 2, (code, stderr)
    lines = stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("sim: error: "), lines
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    return lines[0]


def listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


@pytest.fixture
def scenario(write, document) -> Path:
    return write(document, "mini.yaml")


# -- paths refused before any work --------------------------------------------------------


@pytest.mark.parametrize("command", [["run", "mini.yaml", *RUNS, "--csv"], ["init", "--principals", "a,b", "--venues", "x"]])
def test_a_folder_name_is_refused(command, sim_cli, scenario, tmp_path):
    """`--csv newname/` (or `sim init newname/`) names a folder that does not exist:
    refused with one line, nothing created."""
    error_line(sim_cli(*command, "newname/", cwd=tmp_path), "newname/: names a folder")
    assert listing(tmp_path) == ["mini.yaml"]


def test_a_name_too_long_for_its_manifest_is_refused(sim_cli, scenario, tmp_path):
    """A 250-byte name fits, but its manifest's (264 bytes) does not: refused up front,
    with the limit named, rather than a crash after the simulation."""
    name = "a" * 250 + ""
    error_line(sim_cli("run", scenario, *RUNS, "--csv", name, cwd=tmp_path), "--csv", "264 bytes", "at most 255")
    assert listing(tmp_path) == ["mini.yaml"]


def test_a_long_name_that_fits_is_written_through_a_short_temporary_name(sim_cli, scenario, tmp_path):
    """240 bytes plus `.manifest.json` is 254: allowed. The temporary names must not be
    built by adding to the name, or the manifest's would exceed the file system's limit."""
    name = "b" * 240
    done = sim_cli("run", scenario, *RUNS, "--csv", name, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert listing(tmp_path) == sorted(["mini.yaml", name, name + ".manifest.json"])


SAME_FILE = {
    "csv-and-runs-csv": ["run", "{s}", "--csv", "same.csv", "--runs-csv", "same.csv"],
    "csv-and-plot": ["run", "{s}", "--csv", "x", "--plot", "x"],
    "output-on-a-manifest": ["run", "{s}", "--csv", "a.csv", "--runs-csv", "a.csv.manifest.json"],
    "output-on-the-input": ["run", "{s}", "--csv", "{s}"],
    "output-on-the-input-through-a-symlink": ["run", "{s}", "--runs-csv", "{alias}"],
    "output-on-a-file-the-input-extends": ["run", "{child}", "--csv", "{parent}"],
    "propagate": ["run", "{s}", "--propagate", "--csv", "{s}"],
    "sweep-csv-and-plot": ["sweep", "{s}", "--param", "actors.putin.readiness=-1,0", "--csv", "x.png", "--plot", "x.png"],
    "compare": ["compare", "{s}", "{child}", "--csv", "{child}"],
    "score-on-its-outcomes": ["score", "--forecasts", "{s}", "--outcomes", "{outcomes}", "--csv", "{outcomes}"],
    "calibrate": ["calibrate", "{s}", "--target", "0.3", "--by", "2026-03-01", "--param",
                  "actors.putin.readiness=-5:1", "--out", "{s}"],
    "sensitivity": ["sensitivity", "{s}", "--csv", "{s}"],
    "discover": ["discover", "{s}", "--csv", "{s}"],
}


@pytest.mark.parametrize("case", SAME_FILE)
def test_the_same_file_given_twice_is_refused_by_every_command(case, sim_cli, scenario, tmp_path):
    """Two outputs on one file (or an output on a manifest, an input, or a file an input
    extends, however spelt) would silently lose one: every command refuses before any work."""
    names = {"s": scenario, "parent": tmp_path / "parent.yaml", "child": tmp_path / "child.yaml",
             "outcomes": tmp_path / "outcomes.csv", "alias": tmp_path / "alias.yaml"}
    names["parent"].write_text(scenario.read_text())
    names["child"].write_text("extends: parent.yaml\nname: child\n")
    names["outcomes"].write_text("question,key,outcome\nsummit_by,2026-03-01,0\n")
    names["alias"].symlink_to(scenario)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    args = [word.format(**names) for word in SAME_FILE[case]]
    error_line(sim_cli(*args, cwd=tmp_path), "is the same file as", "give each output its own file")
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


def test_an_unwritable_manifest_stops_the_command_before_any_file_is_replaced(sim_cli, scenario, tmp_path):
    """With `m2.csv.manifest.json` a directory, `--csv m2.csv` is refused before
    simulating, and the good `m2.csv` stays as it was."""
    (tmp_path / "m2.csv").write_text("good\n")
    (tmp_path / "m2.csv.manifest.json").mkdir()
    error_line(sim_cli("run", scenario, *RUNS, "--csv", "m2.csv", cwd=tmp_path), "m2.csv.manifest.json",
               "is a directory")
    assert (tmp_path / "m2.csv").read_text() == "good\n"
    assert listing(tmp_path) == ["m2.csv", "m2.csv.manifest.json", "mini.yaml"]


# -- failures while writing: nothing replaced, no temporary left --------------------------


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EFBIG])
def test_a_write_the_system_refuses_replaces_nothing(code, scenario, tmp_path, monkeypatch):
    """The per-run CSV is complete, then writing the summary fails (disk full, quota,
    read-only, permission, file too big): exit 2, one line naming the output and the
    reason, and *both* old files as they were: the runs CSV waits to be renamed with the rest."""
    from sim.report import export

    summary, runs = tmp_path / "s.csv", tmp_path / "r.csv"
    summary.write_text("good summary\n")
    runs.write_text("good runs\n")

    def refused(result, handle):
        handle.write("scenario,metric\n")
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(export, "write_summary_csv", refused)
    args = ["run", str(scenario), *RUNS, "--csv", str(summary), "--runs-csv", str(runs)]
    done = CliRunner().invoke(app, args, obj=args)
    error_line(done, f"--csv {summary}", os.strerror(code), "nothing was replaced")
    assert summary.read_text() == "good summary\n" and runs.read_text() == "good runs\n"
    assert listing(tmp_path) == ["mini.yaml", "r.csv", "s.csv"]


def test_a_rename_that_fails_says_what_was_already_replaced(scenario, tmp_path, monkeypatch):
    """Renames are the one step that cannot be undone together: if one fails, the line
    says which outputs are already new, and no temporary file is left."""
    from sim.report import files

    real_replace, calls = os.replace, []

    def second_fails(source, target):
        calls.append(target)
        if len(calls) == 2:
            raise OSError(errno.EBUSY, os.strerror(errno.EBUSY))
        real_replace(source, target)

    monkeypatch.setattr(files.os, "replace", second_fails)
    summary, runs = tmp_path / "s.csv", tmp_path / "r.csv"  # the streamed runs CSV is staged first
    args = ["run", str(scenario), *RUNS, "--csv", str(summary), "--runs-csv", str(runs)]
    done = CliRunner().invoke(app, args, obj=args)
    error_line(done, f"--csv {summary}: cannot replace the file", f"already replaced: {runs}")
    assert not any(name.endswith(".tmp") for name in listing(tmp_path))


@pytest.fixture
def small_disk(tmp_path):
    """A 64 KiB tmpfs (needs root and mount permission; skipped otherwise)."""
    folder = tmp_path / "small"
    folder.mkdir()
    try:
        mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(folder)],
                                 capture_output=True).returncode == 0
    except OSError:
        mounted = False
    if not mounted:
        pytest.skip("cannot mount a small tmpfs here (needs root)")
    yield folder
    subprocess.run(["umount", str(folder)], check=True)


def test_a_full_disk_replaces_nothing(sim_cli, write, document, small_disk):
    """A real full disk: the per-run CSV outgrows a 64 KiB file system. Exit 2, one line
    naming the option and the reason, the old files untouched, no temporary file left."""
    document["simulation"]["runs"] = 20_000
    scenario = write(document, "big.yaml")
    (small_disk / "runs.csv").write_text("good runs\n")
    (small_disk / "s.csv").write_text("good summary\n")
    done = sim_cli("run", scenario, "--workers", "1", "--csv", small_disk / "s.csv",
                   "--runs-csv", small_disk / "runs.csv")
    error_line(done, f"--runs-csv {small_disk / 'runs.csv'}", "No space left on device")
    assert (small_disk / "runs.csv").read_text() == "good runs\n"
    assert (small_disk / "s.csv").read_text() == "good summary\n"
    assert listing(small_disk) == ["runs.csv", "s.csv"]


# -- special files and symlinks -----------------------------------------------------------


def test_a_character_device_is_written_not_replaced(sim_cli, scenario, tmp_path):
    """`--csv /dev/null` (here a private copy of the device node) is written to directly:
    it stays a device, and no manifest is put beside it."""
    node = tmp_path / "null"
    try:
        os.mknod(node, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except (PermissionError, OSError):
        pytest.skip("cannot create a device node here (needs root)")
    done = sim_cli("run", scenario, *RUNS, "--csv", node, "--runs-csv", node, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert stat.S_ISCHR(node.lstat().st_mode)
    assert listing(tmp_path) == ["mini.yaml", "null"]


def test_a_fifo_is_written_not_replaced(sim_cli, scenario, tmp_path):
    """A named pipe gets the CSV through the pipe; it stays a FIFO, with no manifest."""
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    done = sim_cli("run", scenario, *RUNS, "--csv", fifo, cwd=tmp_path)
    reader.join(timeout=30)
    assert done.returncode == 0, done.stderr
    assert received and received[0].startswith(b"scenario,metric,key,estimate")
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    assert listing(tmp_path) == ["mini.yaml", "pipe"]


def test_a_path_to_standard_output_is_standard_output(sim_process, scenario, tmp_path):
    """A symlink to /proc/self/fd/1 (like /dev/stdout) is this process's standard output:
    the CSV goes there in place of the tables, the link stays a link, no manifest; and
    it counts as the one output allowed on standard output. (A process of its own, so that
    its descriptor 1 is the output captured.)"""
    link = tmp_path / "out"
    link.symlink_to("/proc/self/fd/1")
    done = sim_process("run", scenario, *RUNS, "--csv", link, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("scenario,metric,key,estimate") and "P(summit" not in done.stdout
    assert link.is_symlink() and listing(tmp_path) == ["mini.yaml", "out"]
    error_line(sim_process("run", scenario, *RUNS, "--csv", link, "--runs-csv", "-", cwd=tmp_path),
               "only one output can use standard output")


def test_a_symlink_is_followed_and_its_target_replaced(sim_cli, scenario, tmp_path):
    """`--csv link` with link -> data/real.csv replaces real.csv (atomically) and keeps
    the link; the manifest goes beside the name given."""
    (tmp_path / "data").mkdir()
    real = tmp_path / "data" / "real.csv"
    real.write_text("old\n")
    link = tmp_path / "link.csv"
    link.symlink_to(real)
    done = sim_cli("run", scenario, *RUNS, "--csv", link, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert link.is_symlink() and real.read_text().startswith("scenario,metric")
    assert listing(tmp_path) == ["data", "link.csv", "link.csv.manifest.json", "mini.yaml"]
    assert listing(tmp_path / "data") == ["real.csv"]


def test_a_replaced_file_keeps_its_permissions(sim_cli, scenario, tmp_path):
    """A file kept private (0600) stays private when a command replaces it."""
    summary = tmp_path / "s.csv"
    summary.write_text("old\n")
    summary.chmod(0o600)
    done = sim_cli("run", scenario, *RUNS, "--csv", summary, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert summary.read_text().startswith("scenario,metric") and stat.S_IMODE(summary.stat().st_mode) == 0o600


def test_a_calibrated_scenario_gets_no_manifest(sim_cli, scenario, tmp_path):
    """`calibrate --out` records its command in the scenario's header instead: its
    `extends:` path depends on its folder, so a manifest's replay could never match."""
    done = sim_cli("calibrate", scenario, "--target", "0.3", "--by", "2026-03-01", "--param",
                   "actors.putin.readiness=-5:1", "--runs", "1000", "--workers", "1", "--out", "c.yaml", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "c.yaml").read_text().startswith("# Calibrated by: sim calibrate")
    assert listing(tmp_path) == ["c.yaml", "mini.yaml"]
