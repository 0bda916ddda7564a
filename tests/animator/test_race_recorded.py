"""A recorded run raced against the book's optimizers: same start when it is the book's, said plainly when not."""

import os
import subprocess
import sys

import numpy as np
import pytest

from animator.datasets import make_dataset
from animator.errors import ArgumentError
from animator.race import race
from animator.race_recorded import BOOK, SAME, book_config
from animator.recorder import Recorder
from animator.recording import Recording
from animator.run import build
from animator.source import custom_optimizer

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT = os.path.join(ROOT, "tests", "data", "book_chapter10.py")


def _animator(*args, cwd):
    return subprocess.run([sys.executable, "-m", "animator_app", *args], capture_output=True, text=True, cwd=cwd,
                          env={**os.environ, "PYTHONPATH": ROOT})


@pytest.fixture(scope="module")
def mine(tmp_path_factory):
    """The chapter script typed as the book prints it, recorded for 120 epochs (a fresh process: nnfs.init())."""
    folder = tmp_path_factory.mktemp("recorded")
    done = _animator("record", "-q", "--frames", "4", "--grid", "16", SCRIPT, "--", "120", "-o", "mine.npz",
                     cwd=folder)
    assert done.returncode == 0, done.stderr
    return folder / "mine.npz"


def test_a_reader_who_follows_the_chapter_races_from_the_same_weights(mine):
    recording = Recording.load(mine)
    result = race([recording, "adam:lr=0.05,decay=5e-7", "sgd:lr=1,decay=1e-3,momentum=0.9"])
    assert result.start == SAME and result.recorded == (0,)
    assert result.frame_epochs.tolist() == recording.frame_epochs.tolist() == [0, 40, 80, 120]
    yours, book_adam, sgd = result.recordings
    # the same optimizer from the same weights on the same points: the book's Adam is the reader's, to the bit
    assert np.array_equal(book_adam.loss, yours.loss) and np.array_equal(book_adam.accuracy, yours.accuracy)
    assert np.array_equal(book_adam["dense1.weights"][0], yours["dense1.weights"][0])
    assert np.array_equal(sgd["dense2.weights"][0], yours["dense2.weights"][0])
    assert not np.array_equal(sgd.loss, yours.loss)
    assert np.array_equal(yours.grid_probs, recording.grid_probs)
    assert [spec.name for spec in result.specs] == ["adam", "adam", "sgd"]


def _own_loop(epochs=30, frames=4):
    """A loop on data that are not the book's, with an optimizer animator does not know."""
    X, y = make_dataset("vertical", 40, 3, rng=np.random.default_rng(7))
    recorder = Recorder(X, y, epochs=epochs, frames=frames, grid_resolution=12, optimizer=custom_optimizer("Lion"))
    rng = np.random.default_rng(1)
    layers = [(rng.normal(0, 0.1, (2, 64)), np.zeros((1, 64))), (rng.normal(0, 0.1, (64, 3)), np.zeros((1, 3)))]
    for epoch in range(epochs + 1):
        recorder.epoch(1.1 - epoch / 100, 0.3 + epoch / 100, 0.01, layers)
        layers = [(w * 0.99, b + 0.001) for w, b in layers]
    return recorder.finish()


def test_other_data_or_weights_are_said_and_the_book_starts_from_its_own():
    recording = _own_loop()
    result = race(["adam", recording])
    assert result.start == BOOK and result.recorded == (1,)
    network = build(book_config(recording))[2]
    book = result.recordings[0]
    assert np.array_equal(book.X, recording.X)                         # trained on the reader's points
    assert np.array_equal(book["dense1.weights"][0], network.dense[0].weights)   # from the book's own weights
    assert not np.array_equal(book["dense1.weights"][0], recording["dense1.weights"][0])
    assert result.specs[1].label == "Lion"


def test_one_recorded_run_only_and_specs_checked():
    recording = _own_loop(epochs=5, frames=2)
    with pytest.raises(ArgumentError, match="one recorded run"):
        race([recording, recording, "adam"])
    with pytest.raises(Exception, match="unknown optimizer"):
        race([recording, "lion"])


def test_compare_info_and_reproduce_on_the_command_line(mine, tmp_path):
    done = _animator("compare", str(mine), "adam:lr=0.05,decay=5e-7", "-o", "race.gif", "--size", "480x270",
                     cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "the book's optimizers start from your weights" in done.stderr
    assert "Adam · lr=0.05 · decay=5e-07 (yours): acc" in done.stdout
    info = _animator("info", "race.gif", cwd=tmp_path)
    assert "source:   recorded from book_chapter10.py" in info.stdout and "start: same" in info.stdout
    assert "mine.npz" in info.stdout and str(tmp_path) not in info.stdout
    again = _animator("reproduce", "race.gif", "-o", "again.gif", cwd=tmp_path)
    assert again.returncode == 2 and "rebuilt by running the script again" in again.stderr
    assert len(again.stderr.strip().splitlines()) == 1 and not (tmp_path / "again.gif").exists()


@pytest.mark.parametrize("extra, message", [
    (["--epochs", "5"], "--epochs: a race with a recorded run takes"),
    (["OTHER"], "one recorded run"),
    (["--preset", "chapter"], "either SPECs or --preset"),
])
def test_bad_races_are_one_line_exit_2_no_file(mine, tmp_path, extra, message):
    extra = [str(mine) if part == "OTHER" else part for part in extra]
    done = _animator("compare", str(mine), "adam", *extra, "-o", "race.gif", cwd=tmp_path)
    assert done.returncode == 2 and message in done.stderr, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and not (tmp_path / "race.gif").exists()
