"""Snapshot tests for users' runs: the snapshot format (animator.testing.snapshot) and the pytest plugin.

The plugin is tested the way users meet it: inner pytest runs (pytester) that
load it by its ``pytest11`` entry point when the package is installed with it,
and with ``-p animator_app.pytest_plugin`` when it is not (never both: pluggy
refuses one module under two names).
"""

import configparser
import importlib.metadata
import os
import re
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from animator import RunConfig, train
from animator.testing import RecordingSnapshot, SnapshotError, compare
from animator.testing.snapshot import LAYER_EPOCHS
from paths import ROOT

pytest_plugins = ["pytester"]

SMALL = dict(epochs=50, frames=5, grid_resolution=40)

# The inner test module: settings come from the environment, so a rerun can change the run
# without rewriting the file (a rewrite within the same second could reuse stale bytecode).
INNER = """
import os

import numpy as np
import pytest

from animator import RunConfig, train


def run():
    recording = train(RunConfig(epochs=50, frames=5, grid_resolution=40,
                                hyperparameters={"lr": float(os.environ.get("SNAP_LR", "1.0"))}))
    recording.arrays["loss"] = recording.loss * np.float32(1 + float(os.environ.get("SNAP_DRIFT", "0")))
    return recording


def test_recording(recording_snapshot):
    recording_snapshot.assert_match(run(), **eval(os.environ.get("SNAP_RUN_OPTIONS", "{}")))


def test_frame(frame_snapshot):
    frame_snapshot.assert_match(run(), **eval(os.environ.get("SNAP_FRAME_OPTIONS", "{}")))
"""


def pytest11():
    """``{name: module}`` of the installed pytest plugins (Python 3.9's ``entry_points()`` is a dict)."""
    found = importlib.metadata.entry_points()
    return {e.name: e.value for e in (found.select(group="pytest11") if hasattr(found, "select")
                                      else found.get("pytest11", ()))}


def plugin_args():
    """``-p animator_app.pytest_plugin`` unless pytest will load the plugin by its entry point."""
    autoload = not os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD")
    return [] if "animator" in pytest11() and autoload else ["-p", "animator_app.pytest_plugin"]


def run_inner(pytester, *args):
    return pytester.runpytest(*plugin_args(), *args)


@pytest.fixture
def inner(pytester):
    pytester.makepyfile(test_user=INNER)
    return pytester


def snapshot_files(pytester, folder="__animator_snapshots__"):
    folder = pytester.path / folder
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def diff_path(output):
    found = re.search(r"diff image: (\S+\.diff\.png)", output)
    assert found, output
    return found[1]


# -- the snapshot format -----------------------------------------------------------------------

@pytest.fixture(scope="module")
def small():
    return train(RunConfig(**SMALL))


def test_a_snapshot_keeps_every_epochs_numbers_and_layer_arrays_at_a_few_epochs(small):
    snapshot = RecordingSnapshot.of(small, layer_epochs=3)
    assert snapshot.layer_epochs.tolist() == [0, 25, 50]          # of the kept 0, 12, 25, 38, 50: ends included
    for name in ("loss", "accuracy", "learning_rate", "X", "y"):
        assert np.array_equal(snapshot.arrays[name], small.arrays[name])
        assert snapshot.arrays[name].dtype == small.arrays[name].dtype   # exact: an unchanged run compares equal
    rows = [small.param_row(e) for e in (0, 25, 50)]
    assert np.array_equal(snapshot.arrays["dense2.weight_updates"], small.layer(2)["weight_updates"][rows])
    assert not any("momentums" in n or "cache" in n or "grid" in n for n in snapshot.arrays)
    assert snapshot.info["settings"]["optimizer"] == small.spec.optimizer.as_dict()
    assert RecordingSnapshot.of(small, layer_epochs=None).layer_epochs.tolist() == small.param_epochs.tolist()


def test_the_same_snapshot_gives_the_same_bytes_and_loads_back_unchanged(small, tmp_path):
    snapshot = RecordingSnapshot.of(small)
    snapshot.save(tmp_path / "a.npz")
    snapshot.save(tmp_path / "b.npz")
    assert (tmp_path / "a.npz").read_bytes() == (tmp_path / "b.npz").read_bytes()
    assert sorted(os.listdir(tmp_path)) == ["a.npz", "b.npz"]                 # no temporary file left
    loaded = RecordingSnapshot.load(tmp_path / "a.npz")
    assert compare(small, loaded) is None and compare(small, loaded, rtol=0, atol=0) is None
    with np.load(tmp_path / "a.npz") as plain:                                # readable without animator
        assert np.array_equal(plain["loss"], small.loss)


def test_a_changed_run_names_its_first_differing_epoch_and_array(small):
    expected = RecordingSnapshot.of(small)
    mismatch = compare(train(RunConfig(**SMALL, hyperparameters={"lr": 0.5})), expected)
    first = mismatch.first
    assert (first.epoch, first.difference.name) == (0, "learning_rate")      # weights agree at epoch 0, then lr
    lines = mismatch.describe().splitlines()
    assert lines[0] == "epoch 0: learning_rate 0.5 where 1 was expected (difference 0.5; it differs at 51 of 51 epochs)"
    assert lines[1] == "setting optimizer.hyperparameters.lr is 0.5 where 1.0 was expected"
    assert lines[2].startswith("then epoch 0: dense1.weight_updates[")
    later = [f for f in mismatch.found if f.difference.name == "dense1.weights"][0]
    assert later.epoch == 12 and later.describe().startswith("epoch 12: dense1.weights[")   # the next kept epoch


def test_a_run_that_stopped_early_is_compared_as_far_as_it_went(small):
    mismatch = compare(train(RunConfig(**{**SMALL, "epochs": 40})), RecordingSnapshot.of(small))
    assert mismatch.found == () and mismatch.epochs == (41, 51)
    text = mismatch.describe()
    assert "setting epochs is 40 where 50 was expected" in text
    assert "the run has 41 epochs where the snapshot has 51" in text and "the first 41 epochs agree" in text
    # which epochs a run keeps is how it was recorded: compared where both kept them, it matches
    assert compare(train(RunConfig(**{**SMALL, "frames": 7})), RecordingSnapshot.of(small)) is None
    assert compare(small, RecordingSnapshot.of(train(RunConfig(**{**SMALL, "frames": 3})))) is None


def test_tolerances_apply_per_array_and_by_pattern(small):
    drifted = RecordingSnapshot.of(small)
    drifted.arrays["loss"] = drifted.arrays["loss"] * np.float32(1.0001)
    drifted.arrays["dense1.weight_updates"] = drifted.arrays["dense1.weight_updates"] * np.float32(1.0001)
    expected = RecordingSnapshot.of(small)
    assert [f.difference.name for f in drifted.compare(expected).found] == ["loss", "dense1.weight_updates"]
    assert drifted.compare(expected, rtol=1e-3) is None
    assert drifted.compare(expected, tolerances={"loss": {"rtol": 1e-3}, "dense*_updates": {"rtol": 1e-3}}) is None
    with pytest.raises(ValueError, match="'los' names no array of the snapshot"):
        drifted.compare(expected, tolerances={"los": {"rtol": 1}})
    with pytest.raises(ValueError, match="only rtol and atol"):
        drifted.compare(expected, tolerances={"loss": {"tol": 1}})


def test_an_unreadable_snapshot_is_one_clear_error(tmp_path):
    (tmp_path / "bad.npz").write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(SnapshotError, match="bad.npz: not a readable snapshot"):
        RecordingSnapshot.load(tmp_path / "bad.npz")
    np.savez(tmp_path / "other.npz", loss=np.zeros(3))
    with pytest.raises(SnapshotError, match="not an animator recording snapshot"):
        RecordingSnapshot.load(tmp_path / "other.npz")
    with pytest.raises(SnapshotError, match="no such snapshot"):
        RecordingSnapshot.load(tmp_path / "none.npz")


def test_a_300_epoch_chapter_run_makes_a_snapshot_well_under_1_MB(tmp_path):
    # the chapter's run, 301 epochs and 200 frames; the grid is not in a snapshot, so a coarse one saves time
    recording = train(RunConfig(epochs=300, grid_resolution=8))
    sizes = {}
    for label, layer_epochs in (("default", LAYER_EPOCHS), ("every kept epoch", None)):
        path = RecordingSnapshot.of(recording, layer_epochs=layer_epochs).save(tmp_path / f"{label}.npz")
        sizes[label] = os.path.getsize(path)
    print(f"300-epoch snapshot: {sizes}")
    assert sizes["default"] < 250_000, sizes            # measured 0.15 MB: loss, accuracy, lr x 301; layers x 50
    assert sizes["every kept epoch"] < 1_000_000, sizes   # layers at all 200 frames: 0.57 MB


# -- the plugin ----------------------------------------------------------------------------------

def test_the_plugin_is_declared_as_a_pytest11_entry_point():
    parser = configparser.ConfigParser()
    parser.read(os.path.join(ROOT, "setup.cfg"))
    declared = parser["options.entry_points"]["pytest11"].strip()
    assert declared == "animator = animator_app.pytest_plugin"
    assert pytest11().get("animator") == "animator_app.pytest_plugin", \
        "the installed package lacks the entry point: reinstall it (pip install -e .)"


def test_loading_the_plugin_imports_neither_numpy_nor_the_engine():
    # pytest loads it at every start in any project where animator is installed
    code = ("import sys, animator_app.pytest_plugin as plugin; "
            "print(sorted(m for m in sys.modules if m in ('numpy', 'matplotlib', 'PIL') or m.startswith('animator.')));"
            "plugin.frame_of; print('numpy' in sys.modules)")
    shown = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert shown == "['animator.lazy', 'animator.testing', 'animator.testing.tolerances']\nTrue\n"


def test_a_missing_snapshot_fails_with_the_hint_and_writes_nothing(inner):
    result = run_inner(inner)
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines([
        "E * no snapshot __animator_snapshots__/test_user/test_recording.npz; run pytest --snapshot-update to create it",
        "E * no snapshot __animator_snapshots__/test_user/test_frame.png; run pytest --snapshot-update to create it",
        "E * this run's frame: *test_frame.actual.png",
        "2 missing",
    ])
    assert snapshot_files(inner) == []


def test_update_writes_the_snapshots_and_a_rerun_passes_without_touching_them(inner):
    result = run_inner(inner, "--snapshot-update")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["*- animator snapshots -*", "written __animator_snapshots__/test_user/test_recording.npz",
                                 "written __animator_snapshots__/test_user/test_frame.png", "2 written"])
    assert snapshot_files(inner) == ["test_user/test_frame.png", "test_user/test_recording.npz"]
    folder = inner.path / "__animator_snapshots__" / "test_user"
    before = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in folder.iterdir()}
    with Image.open(folder / "test_frame.png") as png:
        assert png.size == (640, 360)                               # the pinned size
        assert "matplotlib" in png.text["animator-snapshot"]        # the versions that made it
    result = run_inner(inner)
    result.assert_outcomes(passed=2)
    assert "animator snapshots" not in result.stdout.str()         # nothing to report
    result = run_inner(inner, "--snapshot-update")                  # still matching: left alone
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["2 unchanged"])
    assert {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in folder.iterdir()} == before


def test_a_changed_run_fails_naming_the_epoch_and_array_with_a_diff_image(inner, monkeypatch):
    run_inner(inner, "--snapshot-update").assert_outcomes(passed=2)
    monkeypatch.setenv("SNAP_LR", "0.5")
    results = inner.path / "results"
    result = run_inner(inner, "--snapshot-results", str(results))
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines([
        "E * the run differs from its snapshot __animator_snapshots__/test_user/test_recording.npz (rtol=1e-05, atol=1e-08):",
        "E *   epoch 0: learning_rate 0.5 where 1 was expected (difference 0.5; it differs at 51 of 51 epochs)",
        "E *   setting optimizer.hyperparameters.lr is 0.5 where 1.0 was expected",
        f"E * this run's snapshot: {results}/test_user/test_recording.actual.npz (the expected one beside it)",
        "E * run pytest --snapshot-update to accept this run",
        "E * frame 4 (epoch 50) differs from its snapshot __animator_snapshots__/test_user/test_frame.png: RMS * > "
        "tolerance 1 (RGB, 0-255); * pixels differ, within x *",
        "E * run pytest --snapshot-update to accept the new frame",
    ])
    diff = diff_path(result.stdout.str())
    assert diff == f"{results}/test_user/test_frame.diff.png"
    with Image.open(diff) as png:
        pixels = np.asarray(png.convert("RGB")).reshape(-1, 3).astype(int)
    assert ((pixels[:, 0] > 150) & (pixels[:, 1] < 80)).sum() > 1000   # the changed regions, in red
    for kind in ("expected", "actual"):
        assert os.path.exists(diff.replace(".diff.png", f".{kind}.png"))
    actual = RecordingSnapshot.load(f"{results}/test_user/test_recording.actual.npz")
    assert actual.info["settings"]["optimizer"]["hyperparameters"]["lr"] == 0.5

    result = run_inner(inner)                           # by default the files go to pytest's temporary folder
    diff = diff_path(result.stdout.str())
    assert os.path.exists(diff) and "animator-snapshots" in diff and not diff.startswith(str(results))

    result = run_inner(inner, "--snapshot-update")      # accepting the change
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["updated __animator_snapshots__/test_user/test_recording.npz",
                                 "updated __animator_snapshots__/test_user/test_frame.png", "2 updated"])
    run_inner(inner).assert_outcomes(passed=2)


def test_tolerances_can_be_set_per_call_and_in_the_ini_file(inner, monkeypatch):
    run_inner(inner, "--snapshot-update").assert_outcomes(passed=2)
    monkeypatch.setenv("SNAP_DRIFT", "1e-4")            # the loss drifts, as on another BLAS; settings unchanged
    monkeypatch.setenv("SNAP_LR", "1.001")              # changes the frame (and the run's settings)
    result = run_inner(inner)
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines(["E *   epoch 0: loss * (difference *; it differs at 51 of 51 epochs)"])
    monkeypatch.setenv("SNAP_LR", "1.0")
    monkeypatch.setenv("SNAP_RUN_OPTIONS", "dict(rtol=1e-3)")
    run_inner(inner, "-k", "test_recording").assert_outcomes(passed=1)
    monkeypatch.setenv("SNAP_RUN_OPTIONS", "dict(tolerances={'loss': {'rtol': 1e-3}})")
    run_inner(inner, "-k", "test_recording").assert_outcomes(passed=1)
    monkeypatch.setenv("SNAP_RUN_OPTIONS", "{}")
    monkeypatch.setenv("SNAP_LR", "1.001")
    monkeypatch.setenv("SNAP_FRAME_OPTIONS", "dict(tolerance=20)")
    run_inner(inner, "-k", "test_frame").assert_outcomes(passed=1)
    monkeypatch.setenv("SNAP_FRAME_OPTIONS", "{}")
    monkeypatch.setenv("SNAP_LR", "1.0")
    inner.makeini("[pytest]\nanimator_snapshot_rtol = 1e-3\nanimator_frame_tolerance = 20\n")
    run_inner(inner, "-k", "test_recording").assert_outcomes(passed=1)
    monkeypatch.setenv("SNAP_LR", "1.001")
    run_inner(inner, "-k", "test_frame").assert_outcomes(passed=1)


def test_parametrized_tests_and_repeated_calls_get_a_file_each(pytester):
    pytester.makepyfile(test_many="""
        import pytest
        from animator import RunConfig, train

        @pytest.mark.parametrize("momentum", [0.0, 0.5], ids=["plain", "with/momentum:0.5"])
        def test_momentum(recording_snapshot, momentum):
            recording_snapshot.assert_match(train(RunConfig(epochs=20, frames=3, grid_resolution=20,
                                                            hyperparameters={"momentum": momentum})))

        class TestTwice:
            def test_calls(self, recording_snapshot):
                for epochs in (10, 20, 30):
                    recording_snapshot.assert_match(train(RunConfig(epochs=epochs, frames=3, grid_resolution=20)))
                recording_snapshot.assert_match(train(RunConfig(epochs=5, frames=3, grid_resolution=20)),
                                                name="five")

            def test_same_name_twice(self, recording_snapshot):
                run = train(RunConfig(epochs=5, frames=3, grid_resolution=20))
                recording_snapshot.assert_match(run, name="x")
                recording_snapshot.assert_match(run, name="x")
    """)
    result = run_inner(pytester, "--snapshot-update")
    result.assert_outcomes(passed=3, failed=1)
    assert ("ValueError: the snapshot name 'TestTwice.test_same_name_twice[x]' is used twice in this test; "
            "give each call its own name=") in result.stdout.str()
    assert snapshot_files(pytester) == [
        "test_many/TestTwice.test_calls.1.npz", "test_many/TestTwice.test_calls.2.npz",
        "test_many/TestTwice.test_calls.npz", "test_many/TestTwice.test_calls[five].npz",
        "test_many/TestTwice.test_same_name_twice[x].npz",
        "test_many/test_momentum[plain].npz", "test_many/test_momentum[withmomentum0.5].npz"]
    run_inner(pytester, "-k", "not same_name").assert_outcomes(passed=3)


def test_frames_of_layouts_and_of_rendered_files_by_epoch_or_index(pytester):
    pytester.makepyfile(test_sources="""
        from animator import RunConfig, train
        from renderers import TrainingAnimation, render

        def test_sources(frame_snapshot, tmp_path):
            run = train(RunConfig(epochs=50, frames=5, grid_resolution=40))
            frame_snapshot.assert_match(run, frame=12)
            frame_snapshot.assert_match(TrainingAnimation(run, size=(480, 270), theme="book"), index=1)
            frame_snapshot.assert_match(render(run, tmp_path / "run.gif", size=(480, 270)), frame="first")
            frame_snapshot.assert_match(run, frame="first", size=(960, 540), name="large")

        def test_bad_frame(frame_snapshot, tmp_path):
            run = train(RunConfig(epochs=50, frames=5, grid_resolution=40))
            frame_snapshot.assert_match(run, frame=13)
    """)
    result = run_inner(pytester, "--snapshot-update")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["E * frame 13: no frame at that epoch; the nearest are at epochs 0, 12, 25"])
    sizes = {}
    for name in snapshot_files(pytester):
        with Image.open(pytester.path / "__animator_snapshots__" / name) as png:
            sizes[name] = png.size
    assert sizes == {"test_sources/test_sources.png": (640, 360), "test_sources/test_sources.1.png": (480, 270),
                     "test_sources/test_sources.2.png": (480, 270), "test_sources/test_sources[large].png": (960, 540)}
    run_inner(pytester, "-k", "not bad_frame").assert_outcomes(passed=1)


def test_snapshot_frames_ignore_the_users_matplotlib_settings(small):
    import matplotlib

    from animator_app.pytest_plugin import frame_of
    from renderers import TrainingAnimation

    plain, label = frame_of(small)
    assert plain.shape == (360, 640, 3) and label == "frame 4 (epoch 50)"
    with matplotlib.rc_context({"font.family": "serif", "lines.linewidth": 3, "axes.linewidth": 2}):
        assert np.array_equal(frame_of(small)[0], plain)                                  # pinned
        # a layout built outside the fixture is pinned too: every layout draws with matplotlib's defaults
        assert np.array_equal(TrainingAnimation(small, size=(640, 360)).frame(4), plain)
        assert matplotlib.rcParams["font.family"] == ["serif"]          # and the user's settings are left as they are


def test_a_frame_of_another_size_fails_clearly(inner, monkeypatch):
    run_inner(inner, "--snapshot-update", "-k", "test_frame").assert_outcomes(passed=1)
    monkeypatch.setenv("SNAP_FRAME_OPTIONS", "dict(size=(960, 540))")
    result = run_inner(inner, "-k", "test_frame")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["E * frame 4 (epoch 50) differs from its snapshot __animator_snapshots__/test_user/"
                                 "test_frame.png: the frame is 960x540 where the snapshot is 640x360",
                                 "E * expected and actual images: *test_frame.expected.png, *test_frame.actual.png"])


def test_a_damaged_snapshot_fails_until_it_is_rewritten(inner):
    folder = inner.path / "__animator_snapshots__" / "test_user"
    folder.mkdir(parents=True)
    (folder / "test_recording.npz").write_bytes(b"not a zip")
    result = run_inner(inner, "-k", "test_recording")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["E * __animator_snapshots__/test_user/test_recording.npz: not a readable snapshot "
                                 "(not an .npz file); run pytest --snapshot-update to rewrite it"])
    run_inner(inner, "-k", "test_recording", "--snapshot-update").stdout.fnmatch_lines(["1 updated"])
    run_inner(inner, "-k", "test_recording").assert_outcomes(passed=1)


SYRUPY_TEST = """
    from animator import RunConfig, train

    def test_both(snapshot, recording_snapshot, frame_snapshot):
        run = train(RunConfig(epochs=20, frames=3, grid_resolution=20))
        assert snapshot == {"epochs": len(run.epochs)}
        recording_snapshot.assert_match(run)
        frame_snapshot.assert_match(run)
"""


@pytest.mark.parametrize("loading", ["entry points", "ours first", "syrupy first"])
def test_one_snapshot_update_flag_beside_syrupy(pytester, monkeypatch, loading):
    """syrupy defines --snapshot-update too: whichever loads first, both plugins work and keep their files."""
    pytest.importorskip("syrupy")
    pytester.makepyfile(test_both=SYRUPY_TEST)
    ours = ["-p", "animator_app.pytest_plugin"]
    if loading == "entry points":
        args = plugin_args()
    else:
        monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
        args = ours + ["-p", "syrupy"] if loading == "ours first" else ["-p", "syrupy"] + ours
    result = pytester.runpytest(*args, "--snapshot-update")
    result.assert_outcomes(passed=1)
    for line in ("1 snapshot generated.", "2 written"):      # the two summaries, in either order
        result.stdout.fnmatch_lines([line])
    assert snapshot_files(pytester, "__snapshots__") == ["test_both.ambr"]
    assert snapshot_files(pytester) == ["test_both/test_both.npz", "test_both/test_both.png"]
    result = pytester.runpytest(*args, "--snapshot-update")       # syrupy deletes files it does not know: not ours
    result.assert_outcomes(passed=1)
    for line in ("1 snapshot passed.", "2 unchanged"):
        result.stdout.fnmatch_lines([line])
    assert snapshot_files(pytester, "__snapshots__") == ["test_both.ambr"]
    assert snapshot_files(pytester) == ["test_both/test_both.npz", "test_both/test_both.png"]
    pytester.runpytest(*args).assert_outcomes(passed=1)
