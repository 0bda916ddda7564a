"""The snapshot fixtures take everything a user has: races, descents, files of every format, images, Figures.

And frames stay put under a user's matplotlibrc.  Inner pytest runs, as in
``test_snapshot_plugin.py``.
"""

import dataclasses
import json

import contourpy  # noqa: F401 (imported once here: pytester's in-process runs cannot import it a second time)
import numpy as np
import pytest
from PIL import Image

from animator import RunConfig, train
from animator.testing import RecordingSnapshot
from renderers.writers.registry import formats
from test_snapshot_plugin import run_inner, snapshot_files
from paths import font_list_into

pytest_plugins = ["pytester"]

RUNS = """
import os

import numpy as np
import pytest

from animator import RunConfig
from animator.descent import run_preset, run_race
from animator.race import race

LR = os.environ.get("SNAP_LR", "0.05")


def test_race(recording_snapshot, frame_snapshot):
    result = race(["sgd", f"adam:lr={LR}"], RunConfig(epochs=20, frames=3, grid_resolution=16))
    recording_snapshot.assert_match(result)
    frame_snapshot.assert_match(result)


def test_descent(recording_snapshot, frame_snapshot):
    trajectory = run_preset("stuck-second-minimum", steps=30)
    recording_snapshot.assert_match(trajectory)
    frame_snapshot.assert_match(trajectory, frame=15)


def test_contour_race(frame_snapshot):
    frame_snapshot.assert_match(run_race("rosenbrock", steps=40))
"""


def test_races_and_descents_are_snapshotted_and_drawn(pytester, monkeypatch):
    pytester.makepyfile(test_runs=RUNS)
    result = run_inner(pytester, "--snapshot-update")
    result.assert_outcomes(passed=3)
    assert snapshot_files(pytester) == [
        "test_runs/test_contour_race.png", "test_runs/test_descent.npz", "test_runs/test_descent.png",
        "test_runs/test_race.npz", "test_runs/test_race.png"]
    folder = pytester.path / "__animator_snapshots__" / "test_runs"
    assert RecordingSnapshot.load(folder / "test_descent.npz").info["kind"] == "descent"
    assert len(RecordingSnapshot.load(folder / "test_race.npz").info["entrants"]) == 2
    run_inner(pytester).assert_outcomes(passed=3)
    monkeypatch.setenv("SNAP_LR", "0.06")
    result = run_inner(pytester, "-k", "race and not contour")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["E *   entrant 2 (adam): epoch 0: learning_rate 0.06 where 0.05 was expected*",
                                 "E *   entrant 2 (adam): setting optimizer.hyperparameters.lr is 0.06 where 0.05*"])


IMAGES = """
import os

import numpy as np
from matplotlib.figure import Figure

SHIFT = int(os.environ.get("SNAP_SHIFT", "0"))


def test_images(frame_snapshot):
    ramp = np.linspace(0, 1, 64 * 48).reshape(48, 64)
    frame_snapshot.assert_match((ramp * 255).astype(np.uint8), name="grey")
    frame_snapshot.assert_match(np.dstack([ramp, ramp[::-1], ramp * 0 + SHIFT / 4]), name="float")
    rgba = np.zeros((48, 64, 4), np.uint8)
    rgba[..., 0], rgba[..., 3] = 200, (ramp * 255).astype(np.uint8)
    frame_snapshot.assert_match(rgba, name="rgba")


def test_figure(frame_snapshot):
    figure = Figure(figsize=(3, 2), dpi=100)
    axes = figure.add_subplot()
    axes.plot([0, 1, 2], [0, 1, SHIFT])
    axes.set_title("a Figure")
    frame_snapshot.assert_match(figure)
"""


def test_numpy_images_and_matplotlib_figures(pytester, monkeypatch):
    pytester.makepyfile(test_images=IMAGES)
    run_inner(pytester, "--snapshot-update").assert_outcomes(passed=2)
    folder = pytester.path / "__animator_snapshots__" / "test_images"
    with Image.open(folder / "test_figure.png") as png:
        assert png.size == (300, 200)
    with Image.open(folder / "test_images[rgba].png") as png:
        pixels = np.asarray(png.convert("RGB"))
    assert tuple(pixels[0, 0]) == (255, 255, 255) and tuple(pixels[-1, -1]) == (200, 0, 0)   # alpha over white
    run_inner(pytester).assert_outcomes(passed=2)
    monkeypatch.setenv("SNAP_SHIFT", "2")
    result = run_inner(pytester)
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines(["E * the image differs from its snapshot *test_images[[]float].png: RMS *",
                                 "E * the Figure differs from its snapshot *test_figure.png: RMS *"])


FILES = """
import pytest

from animator import RunConfig, train
from renderers import render
from renderers.writers.registry import formats


@pytest.mark.parametrize("writer", formats(), ids=[w.KIND for w in formats()])
def test_file(frame_snapshot, tmp_path, writer):
    run = train(RunConfig(epochs=20, frames=3, grid_resolution=16))
    target = str(tmp_path / "out") + ("/" if writer.DIRECTORY else writer.EXTENSIONS[0])
    render(run, target, size=(480, 270))
    frame_snapshot.assert_match(target, frame="last", tolerance=8)      # the path: read by the registry
"""


def test_every_file_format_by_its_path_through_the_writers_registry(pytester):
    pytester.makepyfile(test_files=FILES)
    count = len(formats())
    run_inner(pytester, "--snapshot-update").assert_outcomes(passed=count)
    run_inner(pytester).assert_outcomes(passed=count)
    for writer in formats():
        with Image.open(pytester.path / "__animator_snapshots__" / "test_files" / f"test_file[{writer.KIND}].png") as png:
            made_with = json.loads(png.text["animator-snapshot"])["versions"]
        decoded_by_ffmpeg = writer.MIME.startswith("video/")
        assert ("ffmpeg" in made_with) == decoded_by_ffmpeg, (writer.KIND, made_with)


FONTS = """
import os

import matplotlib
import pytest
from matplotlib.figure import Figure

from animator import RunConfig, train
from animator.descent import run_preset
from animator.race import race
from renderers import render
from renderers.race import RaceAnimation

LOADED = list(matplotlib.rcParams["font.family"])        # what the matplotlibrc said, before any test


def test_the_matplotlibrc_was_read():
    assert LOADED == [os.environ["SNAP_FAMILY"]]


@pytest.fixture
def layout():                     # built in a fixture of the test's own, before frame_snapshot's
    return RaceAnimation(race(["sgd", "adam:lr=0.05"], RunConfig(epochs=20, frames=3, grid_resolution=16)),
                         size=(640, 360))


def test_frames(layout, frame_snapshot, tmp_path):
    run = train(RunConfig(epochs=20, frames=3, grid_resolution=16))
    frame_snapshot.assert_match(run, name="training")
    frame_snapshot.assert_match(layout, name="race layout")
    frame_snapshot.assert_match(run_preset("stuck-second-minimum", steps=30), name="descent")
    frame_snapshot.assert_match(render(run, tmp_path / "run.gif", size=(480, 270)), name="gif")
    figure = Figure(figsize=(3, 2), dpi=100)
    figure.add_subplot().set_title("text")
    frame_snapshot.assert_match(figure, name="figure")
"""


def test_a_matplotlibrc_that_changes_fonts_leaves_every_frame_equal(pytester, monkeypatch, tmp_path):
    pytester.makepyfile(test_fonts=FONTS)
    plain, serif = tmp_path / "plain", tmp_path / "serif"
    for folder in (plain, serif):
        folder.mkdir()
        font_list_into(folder)        # the fonts installed, as listed: what the inner runs read is the matplotlibrc
    (serif / "matplotlibrc").write_text("font.family: serif\nfont.size: 14\naxes.linewidth: 2.5\n"
                                        "xtick.major.width: 2\nlines.linewidth: 3\naxes.facecolor: ivory\n")
    monkeypatch.setenv("MPLCONFIGDIR", str(plain))
    monkeypatch.setenv("SNAP_FAMILY", "sans-serif")
    pytester.runpytest_subprocess("--snapshot-update").assert_outcomes(passed=2)
    monkeypatch.setenv("MPLCONFIGDIR", str(serif))
    monkeypatch.setenv("SNAP_FAMILY", "serif")
    result = pytester.runpytest_subprocess("--snapshot-update")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["5 unchanged"])      # equal within 1.0 RMS; none rewritten
    pytester.makeini("[pytest]\nanimator_frame_tolerance = 0\n")     # not near: equal, pixel for pixel
    pytester.runpytest_subprocess().assert_outcomes(passed=2)


def test_a_run_without_a_run_config_is_snapshotted_from_what_its_spec_has():
    """A run recorded from a user's own loop carries no RunConfig: settings are read defensively."""
    recording = train(RunConfig(epochs=20, frames=3, grid_resolution=10))
    recording.spec = dataclasses.replace(recording.spec, config=None)
    snapshot = RecordingSnapshot.of(recording)
    assert set(snapshot.info["settings"]) == {"dataset", "architecture", "optimizer"}
    assert snapshot.compare(snapshot) is None


RECORDED = """
import os

import numpy as np

from animator.recorder import Recorder

STEP = float(os.environ.get("SNAP_STEP", "0.01"))


def recorded():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 2)).astype(np.float32)
    y = (X[:, 0] > 0).astype(np.int64) + (X[:, 1] > 0)
    w1, b1 = rng.normal(size=(2, 8)).astype(np.float32), np.zeros((1, 8), np.float32)
    w2, b2 = rng.normal(size=(8, 3)).astype(np.float32), np.zeros((1, 3), np.float32)
    recorder = Recorder(X, y, epochs=20)
    for epoch in range(21):                       # a loop animator did not write
        recorder.epoch(1.0 / (epoch + 1), epoch / 20, STEP, [(w1, b1), (w2, b2)])
        w1, w2 = w1 * np.float32(1 - STEP), w2 + np.float32(STEP)
    return recorder.finish()


def test_recorded(recording_snapshot, frame_snapshot):
    run = recorded()
    recording_snapshot.assert_match(run)
    frame_snapshot.assert_match(run)
"""


def test_a_run_recorded_from_a_users_own_loop(pytester, monkeypatch):
    pytester.makepyfile(test_recorded=RECORDED)
    run_inner(pytester, "--snapshot-update").assert_outcomes(passed=1)
    run_inner(pytester).assert_outcomes(passed=1)
    monkeypatch.setenv("SNAP_STEP", "0.02")
    result = run_inner(pytester)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["E *   epoch 0: learning_rate 0.02 where 0.01 was expected*"])
