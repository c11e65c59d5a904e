"""``--plot``: real PNG pictures, or a one-line error and no file at all.

``sim run --plot`` draws P(summit by date) with its band and the venue shares;
``sim sweep --plot`` draws P(summit) and venue shares against one numeric parameter.
"""

from __future__ import annotations

import struct

import pytest

from conftest import BASE

pytest.importorskip("matplotlib")

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def png_size(path) -> tuple[int, int]:
    """Width and height from the PNG header (the IHDR chunk comes first)."""
    data = path.read_bytes()
    assert data[:8] == PNG_MAGIC, data[:8]
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def assert_picture(path) -> None:
    assert path.is_file()
    assert path.stat().st_size > 10_000, path.stat().st_size
    assert path.stat().st_size < 500_000, path.stat().st_size
    width, height = png_size(path)
    assert 800 <= width <= 2400 and 300 <= height <= 1400, (width, height)
    assert width > height  # two panels side by side
    try:
        from PIL import Image
    except ImportError:
        return
    with Image.open(path) as image:
        image.load()
        assert image.size == (width, height)
        colours = image.convert("RGB").getcolors(maxcolors=1 << 20)
        assert colours is not None and len(colours) > 20  # lines, bands, text: not a blank canvas


@pytest.fixture(scope="module")
def pictures(tmp_path_factory, sim_cli_many):
    folder = tmp_path_factory.mktemp("plots")
    run_png, sweep_png = folder / "run.png", folder / "sweep.png"
    done = sim_cli_many([
        ["run", BASE, "--runs", 2000, "--plot", run_png],
        ["sweep", BASE, "-p", "actors.putin.readiness=-4.5:-2.5:5", "--runs", 2000, "--plot", sweep_png],
    ])
    for result in done:
        assert result.returncode == 0, result.stderr
    return folder, done


def test_run_plot_is_a_real_png(pictures):
    folder, (run, _) = pictures
    assert_picture(folder / "run.png")
    assert "P(summit by" in run.stdout  # the report is still printed
    assert (folder / "run.png.manifest.json").is_file()


def test_sweep_plot_is_a_real_png(pictures):
    folder, (_, sweep) = pictures
    assert_picture(folder / "sweep.png")
    assert "Sweep (2,000 runs per point" in sweep.stdout
    assert (folder / "sweep.png.manifest.json").is_file()


REFUSED = [
    (["sweep", BASE, "-p", "actors.putin.readiness=-4:-3:2", "-p", "actors.trump.leverage.putin=0:1:2"],
     "--plot draws a sweep over one numeric parameter"),
    (["sweep", BASE, "-p", "actors.trump.strategy=best,rotate"], "--plot draws a sweep over one numeric parameter"),
    (["run", BASE, "--set", "actors.putin.readiness=-80"], "actors.putin.readiness"),
]


def test_failures_leave_no_file(tmp_path, sim_cli_many):
    """Refused plots and bad scenarios: exit 2, one line, no PNG and no manifest."""
    targets = [tmp_path / f"refused-{k}.png" for k in range(len(REFUSED))]
    done = sim_cli_many([[*args, "--runs", 2000, "--plot", target] for (args, _), target in zip(REFUSED, targets)])
    for (args, fragment), target, result in zip(REFUSED, targets, done):
        assert result.returncode == 2, (args, result.stderr)
        lines = result.stderr.splitlines()
        assert len(lines) == 1 and fragment in lines[0], lines
        assert not target.exists()
    assert list(tmp_path.iterdir()) == []


def test_missing_folder_is_refused_before_simulating(tmp_path, sim_cli):
    target = tmp_path / "no-such-folder" / "run.png"
    done = sim_cli("run", BASE, "--runs", 1_000_000_000, "--plot", target)  # would take minutes
    assert done.returncode == 2, done.stderr
    assert len(done.stderr.splitlines()) == 1
    assert not target.parent.exists()
