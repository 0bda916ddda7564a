"""The snapshot fixtures across a session: stale files, pytest-xdist, collisions, settings checked at start-up."""

import os
import re

import pytest

from animator.testing import RecordingSnapshot
from test_snapshot_plugin import run_inner, snapshot_files

pytest_plugins = ["pytester"]

MODULE = """
import os

import numpy as np
import pytest

from animator import RunConfig, train

CALLS = int(os.environ.get("SNAP_CALLS", "2"))


def run(epochs=20):
    return train(RunConfig(epochs=epochs, frames=3, grid_resolution=12,
                           hyperparameters={"lr": float(os.environ.get("SNAP_LR", "1.0"))}))


def test_kept(recording_snapshot, frame_snapshot):
    for epochs in range(10, 10 + 5 * CALLS, 5):
        recording_snapshot.assert_match(run(epochs))
    frame_snapshot.assert_match(np.full((8, 8, 3), 7, np.uint8))


@pytest.mark.skipif(bool(os.environ.get("SNAP_SKIP")), reason="asked")
def test_sometimes_skipped(recording_snapshot):
    recording_snapshot.assert_match(run())


if not os.environ.get("SNAP_GONE"):
    def test_removed_later(frame_snapshot):
        frame_snapshot.assert_match(np.zeros((8, 8, 3), np.uint8))
"""


@pytest.fixture
def inner(pytester):
    pytester.makepyfile(test_mod=MODULE)
    run_inner(pytester, "--snapshot-update").assert_outcomes(passed=3)
    return pytester


def test_stale_snapshots_fail_the_session_and_are_deleted_with_update(inner, monkeypatch):
    assert snapshot_files(inner) == ["test_mod/test_kept.1.npz", "test_mod/test_kept.npz", "test_mod/test_kept.png",
                                     "test_mod/test_removed_later.png", "test_mod/test_sometimes_skipped.npz"]
    monkeypatch.setenv("SNAP_GONE", "1")
    monkeypatch.setenv("SNAP_CALLS", "1")
    monkeypatch.setenv("SNAP_SKIP", "1")
    result = run_inner(inner)
    result.assert_outcomes(passed=1, skipped=1)
    assert result.ret == 1                                      # every test passed; the stale files fail it
    result.stdout.fnmatch_lines(["stale __animator_snapshots__/test_mod/test_kept.1.npz",
                                 "stale __animator_snapshots__/test_mod/test_removed_later.png",
                                 "*2 stale", "no test uses the stale snapshots; run pytest --snapshot-update to "
                                 "delete them (or --snapshot-warn-unused not to fail on them)"])
    assert "test_sometimes_skipped.npz" not in result.stdout.str()      # a skipped test keeps its snapshots
    assert run_inner(inner, "--snapshot-warn-unused").ret == 0
    narrowed = run_inner(inner, "-k", "removed or skipped")     # -k: only the tests that ran are judged
    assert narrowed.ret == 0 and "stale __" not in narrowed.stdout.str()
    narrowed = run_inner(inner, "-k", "kept")
    assert narrowed.ret == 1 and "stale __animator_snapshots__/test_mod/test_kept.1.npz" in narrowed.stdout.str()
    assert "removed_later" not in narrowed.stdout.str()

    result = run_inner(inner, "--snapshot-update")
    assert result.ret == 0
    result.stdout.fnmatch_lines(["deleted __animator_snapshots__/test_mod/test_kept.1.npz",
                                 "deleted __animator_snapshots__/test_mod/test_removed_later.png", "*2 deleted"])
    assert snapshot_files(inner) == ["test_mod/test_kept.npz", "test_mod/test_kept.png",
                                     "test_mod/test_sometimes_skipped.npz"]
    assert run_inner(inner).ret == 0


def test_the_folder_of_a_test_module_that_is_gone_is_stale_when_the_whole_suite_runs(inner):
    gone = inner.path / "__animator_snapshots__" / "test_gone"
    gone.mkdir()
    (gone / "test_x.npz").write_bytes(b"")
    assert run_inner(inner, "test_mod.py").ret == 0            # a file named: the others are not judged
    result = run_inner(inner)
    assert result.ret == 1
    result.stdout.fnmatch_lines(["stale __animator_snapshots__/test_gone/test_x.npz"])
    run_inner(inner, "--snapshot-update").stdout.fnmatch_lines(["deleted __animator_snapshots__/test_gone/test_x.npz"])
    assert not gone.exists()


def test_syrupys_own_png_snapshots_keep_its_unused_check(pytester, monkeypatch):
    pytest.importorskip("syrupy")
    pytester.makepyfile(test_images="""
        import os

        import numpy as np
        from syrupy.extensions.image import PNGImageSnapshotExtension

        PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                            "1f15c4890000000d49444154789c63f80f0000010101001b4e1bd60000000049454e44ae426082")

        def test_both(snapshot, frame_snapshot):
            if not os.environ.get("SNAP_NO_PNG"):
                assert snapshot.use_extension(PNGImageSnapshotExtension) == PNG
            frame_snapshot.assert_match(np.zeros((4, 4, 3), np.uint8))
    """)
    run_inner(pytester, "--snapshot-update").assert_outcomes(passed=1)
    assert snapshot_files(pytester, "__snapshots__") == ["test_images/test_both.png"]      # syrupy's
    assert snapshot_files(pytester) == ["test_images/test_both.png"]                       # ours
    monkeypatch.setenv("SNAP_NO_PNG", "1")
    result = run_inner(pytester)
    result.stdout.fnmatch_lines(["*1 snapshot unused*"])       # syrupy still sees its own unused .png
    assert result.ret == 1
    run_inner(pytester, "--snapshot-update")
    assert snapshot_files(pytester, "__snapshots__") == [] and snapshot_files(pytester) == ["test_images/test_both.png"]


def test_the_summary_and_the_results_folder_under_pytest_xdist(inner, monkeypatch):
    pytest.importorskip("xdist")
    monkeypatch.setenv("SNAP_LR", "0.5")
    result = run_inner(inner, "-n", "2", "-p", "no:randomly")
    result.assert_outcomes(passed=1, failed=2)
    result.stdout.fnmatch_lines(["*- animator snapshots -*", "*1 unchanged, 2 failed",
                                 "what the failing tests made (actual, expected, diff) is in *"])
    folders = {os.path.dirname(p) for p in re.findall(r"this run's snapshot: (\S+)", result.stdout.str())}
    results = re.search(r"is in (\S+)", result.stdout.str())[1]
    assert folders == {os.path.join(results, "test_mod")}     # one folder, whichever worker ran the test
    assert sorted(os.listdir(folders.pop())) == [
        "test_kept.actual.npz", "test_kept.expected.npz", "test_sometimes_skipped.actual.npz",
        "test_sometimes_skipped.expected.npz"]
    monkeypatch.setenv("SNAP_LR", "1.0")
    monkeypatch.setenv("SNAP_GONE", "1")
    result = run_inner(inner, "-n", "2")
    assert result.ret == 1
    result.stdout.fnmatch_lines(["stale __animator_snapshots__/test_mod/test_removed_later.png", "*4 unchanged, 1 stale"])
    result = run_inner(inner, "-n", "2", "--snapshot-update")
    result.stdout.fnmatch_lines(["deleted __animator_snapshots__/test_mod/test_removed_later.png"])


def test_two_tests_that_would_share_a_file_are_an_error(pytester):
    pytester.makepyfile(test_ids="""
        import numpy as np
        import pytest

        @pytest.mark.parametrize("value", [1, 2], ids=["a/b", "ab"])
        def test_value(frame_snapshot, value):
            frame_snapshot.assert_match(np.full((4, 4, 3), value, np.uint8))
    """)
    for args in ([], ["-n", "2"]):
        result = run_inner(pytester, "--snapshot-update", *args)
        result.assert_outcomes(failed=2)
        result.stdout.fnmatch_lines(["*ValueError: the snapshot file test_value[[]ab].png would be shared by "
                                     "test_ids.py::test_value[[]a*b] and test_ids.py::test_value[[]a*b]*"])
        assert snapshot_files(pytester) == []


@pytest.mark.parametrize("value", ["abc", "-1"])
def test_a_bad_tolerance_is_one_usage_error_at_start_up(inner, value):
    inner.makeini(f"[pytest]\nanimator_frame_tolerance = {value}\nanimator_snapshot_rtol = {value}\n")
    result = run_inner(inner)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    errors = [line for line in result.stderr.lines if "animator snapshots:" in line]
    assert len(errors) == 1 and "animator_frame_tolerance" in errors[0] and "animator_snapshot_rtol" in errors[0]


def test_update_rewrites_a_snapshot_whose_storage_settings_changed(inner):
    path = inner.path / "__animator_snapshots__" / "test_mod" / "test_sometimes_skipped.npz"
    assert len(RecordingSnapshot.load(path).layer_epochs) == 3
    inner.makeini("[pytest]\nanimator_snapshot_layer_epochs = 2\n")
    result = run_inner(inner, "-k", "skipped")
    result.assert_outcomes(passed=1)
    assert result.ret == 0 and len(RecordingSnapshot.load(path).layer_epochs) == 3      # it matches: kept
    result = run_inner(inner, "-k", "skipped", "--snapshot-update")
    result.stdout.fnmatch_lines(["updated __animator_snapshots__/test_mod/test_sometimes_skipped.npz"])
    assert RecordingSnapshot.load(path).layer_epochs.tolist() == [0, 20]


def test_a_snapshot_in_the_old_folder_is_read_and_moved_by_update(inner):
    new = inner.path / "__animator_snapshots__" / "test_mod"
    old = inner.path / "__snapshots__" / "test_mod"
    old.mkdir(parents=True)
    for name in os.listdir(new):
        os.replace(new / name, old / name)
    without_syrupy = ["-p", "no:syrupy"]     # syrupy would report the files in its folder as its unused ones
    assert run_inner(inner, *without_syrupy).ret == 0
    result = run_inner(inner, *without_syrupy, "--snapshot-update")
    result.stdout.fnmatch_lines(["moved __animator_snapshots__/test_mod/test_kept.npz"])
    assert not os.listdir(old) and len(os.listdir(new)) == 5


def test_animator_info_reads_snapshot_files(inner, cli):
    folder = inner.path / "__animator_snapshots__" / "test_mod"
    result = cli("info", folder / "test_kept.npz")
    assert result.code == 0, result
    assert "kind:     recording snapshot" in result.out and "settings.optimizer.name: sgd" in result.out
    result = cli("info", folder / "test_kept.png")
    assert result.code == 0 and "frame snapshot, 8x8" in result.out, result
