"""Book mode against the book: the shared reference log, and the book's own code run by hand."""

import json
import subprocess
import sys

import numpy as np
import pytest

from animator.chapter import REFERENCE_CONFIGS

from animator import RunConfig, Recording, spiral, vertical, train
from animator.optimizers import OptimizerSpec
from animator.rng import make_rng
from conftest import REFERENCE_LOG, run_book_loop


def book_lines(recording, every):
    lines = []
    for e, a, l, lr in zip(recording.epochs, recording.accuracy, recording.loss, recording.learning_rate):
        if e % every == 0:
            lines.append(f"epoch: {e}, acc: {a:.3f}, loss: {l:.3f}, lr: {float(lr)}")
    return lines


def test_cli_prints_the_reference_log_line_for_line(cli, tmp_path):
    with open(REFERENCE_LOG) as handle:
        expected = handle.read()
    out = tmp_path / "run.npz"
    result = cli("train", "--optimizer", "sgd", "--decay", "1e-2", "--epochs", "10000",
                 "--print-every", "100", "-o", out)
    assert result.code == 0, result
    assert result.out == expected
    assert len(result.out.splitlines()) == 101

    # the same run, saved: every epoch recorded, 200 frames, and small enough
    recording = Recording.load(out)
    assert book_lines(recording, 100) == expected.splitlines()
    assert len(recording.epochs) == 10001
    assert len(recording.frame_epochs) == 200 and recording.grid_probs.shape[0] == 200
    assert recording.nbytes < 100e6
    assert recording.spec.mode == "book" and recording.spec.seed is None
    assert recording.spec.optimizer == OptimizerSpec("sgd", {"lr": 1.0, "decay": 0.01, "momentum": 0.0})


CONFIGS = REFERENCE_CONFIGS     # the chapter table's runs checked against the book's own code


@pytest.mark.parametrize("config", CONFIGS, ids=lambda c: json.dumps(c))
def test_trainer_matches_the_books_code_run_by_hand(config):
    epochs, every = 400, 10
    expected = run_book_loop(dict(config), epochs, every)
    hyper = {k: v for k, v in config.items() if k not in ("optimizer", "hidden", "dataset")}
    recording = train(RunConfig(optimizer=config["optimizer"], hyperparameters=hyper, epochs=epochs,
                                hidden=tuple(config.get("hidden", [64])),
                                dataset=config.get("dataset", "spiral"), frames=2))
    assert book_lines(recording, every) == expected[:-1]
    # the weights after the last update, to the bit: last recorded weights + last update
    sums = []
    for i in range(1, recording.n_layers + 1):
        layer = recording.layer(i)
        final = layer["weights"][-1] + layer["weight_updates"][-1]
        sums.append(repr(float(np.sum(final, dtype=np.float64))))
    assert expected[-1] == "weights-sum: " + " ".join(sums)


NNFS_DATA = """
import nnfs, numpy as np, sys
from nnfs.datasets import spiral_data, vertical_data
nnfs.init()
X, y = {fn}(samples={samples}, classes={classes})
w1 = 0.01 * np.random.randn(2, 64)
np.save(sys.argv[1], np.c_[X, y])
np.save(sys.argv[2], w1)
"""


@pytest.mark.parametrize("fn, ours, samples, classes", [
    ("spiral_data", spiral, 100, 3), ("spiral_data", spiral, 37, 5), ("vertical_data", vertical, 100, 3)])
def test_datasets_and_first_layer_draws_match_nnfs(tmp_path, fn, ours, samples, classes):
    data, weights = tmp_path / "data.npy", tmp_path / "w.npy"
    script = NNFS_DATA.format(fn=fn, samples=samples, classes=classes)
    subprocess.run([sys.executable, "-c", script, str(data), str(weights)], check=True)
    expected = np.load(data)
    rng = make_rng(None)
    X, y = ours(samples, classes, rng=rng)
    assert X.dtype == np.float32
    assert np.array_equal(X, expected[:, :2]) and np.array_equal(y, expected[:, 2])
    # the book draws the layers next, from the same stream
    assert np.array_equal(0.01 * rng.standard_normal((2, 64)).astype(np.float32), np.load(weights))


def test_book_mode_leaves_numpy_alone():
    dot, randn, zeros = np.dot, np.random.randn, np.zeros
    np.random.seed(1234)
    before = np.random.get_state()[1].copy()
    train(RunConfig(epochs=3, frames=2))
    assert np.dot is dot and np.random.randn is randn and np.zeros is zeros
    assert np.array_equal(np.random.get_state()[1], before)
    assert np.zeros(2).dtype == np.float64


def test_seeded_mode_is_another_stream_and_repeatable():
    book = train(RunConfig(epochs=3, frames=2))
    seeded = train(RunConfig(epochs=3, frames=2, seed=0))
    again = train(RunConfig(epochs=3, frames=2, seed=0))
    other = train(RunConfig(epochs=3, frames=2, seed=1))
    assert not np.array_equal(book.X, seeded.X)
    assert np.array_equal(seeded.X, again.X) and np.array_equal(seeded.loss, again.loss)
    assert not np.array_equal(seeded.X, other.X)
    assert seeded.spec.mode == "seeded" and seeded.spec.seed == 0
