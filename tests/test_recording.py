import filecmp

import numpy as np
import pytest

from animator import Recording, RunConfig, UserError, train
from animator.frames import frame_epochs, grid_points


@pytest.fixture(scope="module")
def recording():
    return train(RunConfig(epochs=300, frames=7, grid_resolution=40,
                           hyperparameters={"decay": 1e-3, "momentum": 0.9}))


def test_every_epoch_is_recorded(recording):
    n = 301
    assert recording.epochs.tolist() == list(range(n))
    for name in ("loss", "accuracy", "learning_rate"):
        assert recording[name].shape == (n,)
    layer1, layer2 = recording.layer(1), recording.layer(2)
    assert set(layer1) == {"weights", "biases", "weight_updates", "bias_updates",
                           "weight_momentums", "bias_momentums"}
    assert layer1["weights"].shape == (n, 2, 64) and layer2["biases"].shape == (n, 1, 3)
    # the weights of epoch e+1 are the weights of epoch e plus the update applied after it
    assert np.array_equal(layer1["weights"][:-1] + layer1["weight_updates"][:-1], layer1["weights"][1:])
    # the book's momentum buffer is the update itself
    assert np.array_equal(layer2["weight_momentums"], layer2["weight_updates"])
    assert recording.learning_rate[0] == 1.0 and recording.learning_rate[2] == 1.0 / (1.0 + 1e-3 * 1)


def test_grid_probabilities_agree_with_the_recorded_accuracy(recording):
    assert recording.frame_epochs.tolist() == [0, 50, 100, 150, 200, 250, 300]
    probs = recording.grid_probs
    assert probs.shape == (7, 40, 40, 3) and probs.dtype == np.uint8
    assert np.abs(probs.astype(int).sum(axis=-1) - 255).max() <= 2
    # the grid's arithmetic, evaluated at the data points, reproduces the recorded accuracy
    from animator.frames import _probabilities
    last = recording.row(300)
    weights = [recording.layer(i)["weights"][last] for i in (1, 2)]
    biases = [recording.layer(i)["biases"][last] for i in (1, 2)]
    accuracy = (_probabilities(recording.X, weights, biases).argmax(1) == recording.y).mean()
    assert abs(accuracy - recording.accuracy[last]) <= 1 / 300
    points = grid_points(recording.grid_extent, 40)
    assert points[0, 0] < points[1, 0] and points[0, 1] > points[40, 1]  # row 0 is the top
    extent = recording.grid_extent
    assert extent[1] - extent[0] == pytest.approx(extent[3] - extent[2])
    assert extent[0] < recording.X[:, 0].min() and extent[3] > recording.X[:, 1].max()
    # the stored grid is those probabilities at the cell centres, times 255
    expected = _probabilities(points, weights, biases).reshape(40, 40, 3) * 255
    assert np.abs(probs[-1] - expected).max() <= 0.5 + 1e-3


def test_save_load_round_trip_bit_for_bit(recording, tmp_path):
    path = recording.save(tmp_path / "a.npz")
    loaded = Recording.load(path)
    assert loaded.spec == recording.spec
    assert set(loaded.arrays) == set(recording.arrays)
    for name, array in recording.arrays.items():
        assert loaded[name].dtype == array.dtype, name
        assert np.array_equal(loaded[name], array), name
    loaded.save(tmp_path / "b.npz")
    assert filecmp.cmp(tmp_path / "a.npz", tmp_path / "b.npz", shallow=False)
    # a plain npz: numpy reads it without us
    with np.load(path) as data:
        assert "loss" in data.files and "spec" in data.files


def test_same_run_same_bytes(tmp_path):
    config = RunConfig(epochs=20, frames=3, grid_resolution=10, optimizer="adam")
    train(config).save(tmp_path / "1.npz")
    train(config).save(tmp_path / "2.npz")
    assert filecmp.cmp(tmp_path / "1.npz", tmp_path / "2.npz", shallow=False)


def test_spec_records_everything_needed_to_rerun(recording):
    spec = recording.spec
    assert spec["optimizer"]["hyperparameters"] == {"lr": 1.0, "decay": 1e-3, "momentum": 0.9}
    assert spec["dataset"] == {"name": "spiral", "file": None, "samples": 300, "classes": 3}
    assert spec["architecture"]["layers"] == ["Dense(2, 64)", "Dense(64, 3)"]
    assert spec["epochs"] == 300 and spec["mode"] == "book"
    assert set(spec["versions"]) == {"animator", "numpy", "python"}
    assert spec["status"] == {"epochs_recorded": 301, "diverged_at": None, "divergence_cause": None,
                              "divergence_learning_rate": None, "interrupted": False}
    assert "301 epochs, 7 frames" in repr(recording)


def test_bad_recording_files(tmp_path):
    with pytest.raises(UserError, match="no such recording file"):
        Recording.load(tmp_path / "missing.npz")
    (tmp_path / "junk.npz").write_bytes(b"not a zip at all")
    with pytest.raises(UserError, match="not a readable .npz recording"):
        Recording.load(tmp_path / "junk.npz")
    np.savez(tmp_path / "other.npz", a=np.arange(3))
    with pytest.raises(UserError, match="not an animator recording"):
        Recording.load(tmp_path / "other.npz")


def test_truncated_recording_is_rejected(recording, tmp_path):
    path = recording.save(tmp_path / "full.npz")
    data = path.read_bytes()
    (tmp_path / "cut.npz").write_bytes(data[: len(data) // 2])
    with pytest.raises(UserError, match="not a readable .npz recording"):
        Recording.load(tmp_path / "cut.npz")


@pytest.mark.parametrize("last, kwargs, expected", [
    (100, {"frames": 5}, [0, 25, 50, 75, 100]),
    (4, {"frames": 10}, [0, 1, 2, 3, 4]),
    (10, {"every": 4}, [0, 4, 8, 10]),
    (12, {"every": 4}, [0, 4, 8, 12]),
    (9, {"frames": 1}, [9]),
    (10, {"frames": 8, "spacing": "log"}, [0, 1, 2, 3, 4, 5, 7, 10]),
    (10000, {"frames": 6, "spacing": "log"}, [0, 5, 39, 250, 1584, 10000]),
])
def test_frame_epochs(last, kwargs, expected):
    assert frame_epochs(last, **kwargs).tolist() == expected


def test_log_frames_are_distinct_and_complete():
    epochs = frame_epochs(10000, frames=200, spacing="log")
    assert len(epochs) == 200 and epochs[0] == 0 and epochs[-1] == 10000
    assert (np.diff(epochs) > 0).all()
