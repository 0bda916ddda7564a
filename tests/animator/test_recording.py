import filecmp

import numpy as np
import pytest

from animator import Recording, RunConfig, UserError, train
from animator.frames import frame_epochs, grid_points
from animator.run_spec import Dataset, Status


@pytest.fixture(scope="module")
def recording():
    return train(RunConfig(epochs=300, frames=7, grid_resolution=40,
                           hyperparameters={"decay": 1e-3, "momentum": 0.9}))


def test_every_epochs_numbers_and_the_frames_arrays_are_recorded(recording):
    n = 301
    assert recording.epochs.tolist() == list(range(n))
    for name in ("loss", "accuracy", "learning_rate"):
        assert recording[name].shape == (n,)
    assert recording.param_epochs.tolist() == recording.frame_epochs.tolist() == [0, 50, 100, 150, 200, 250, 300]
    layer1, layer2 = recording.layer(1), recording.layer(2)
    assert set(layer1) == {"weights", "biases", "weight_updates", "bias_updates",
                           "weight_momentums", "bias_momentums"}
    assert layer1["weights"].shape == (7, 2, 64) and layer2["biases"].shape == (7, 1, 3)
    assert recording.param_row(150) == 3
    with pytest.raises(KeyError):
        recording.param_row(151)
    # the book's momentum buffer is the update itself
    assert np.array_equal(layer2["weight_momentums"], layer2["weight_updates"])
    assert recording.learning_rate[0] == 1.0 and recording.learning_rate[2] == 1.0 / (1.0 + 1e-3 * 1)


def test_record_all_keeps_every_epochs_arrays_and_the_same_numbers(recording):
    everything = train(RunConfig(epochs=300, frames=7, grid_resolution=40, record="all",
                                 hyperparameters={"decay": 1e-3, "momentum": 0.9}))
    n = 301
    assert everything.param_epochs.tolist() == list(range(n))
    layer1 = everything.layer(1)
    assert layer1["weights"].shape == (n, 2, 64)
    # the weights of epoch e+1 are the weights of epoch e plus the update applied after it
    assert np.array_equal(layer1["weights"][:-1] + layer1["weight_updates"][:-1], layer1["weights"][1:])
    for name, array in recording.arrays.items():
        if name.startswith("dense"):
            assert np.array_equal(array, everything[name][recording.param_epochs]), name
        elif name != "param_epochs":
            assert np.array_equal(array, everything[name]), name
    # the weight bars' scale: the largest |weight or bias| over every epoch, whichever is recorded
    for i in (1, 2):
        both = np.concatenate([everything.layer(i)["weights"], everything.layer(i)["biases"]], axis=1)
        assert recording.weight_peak(i) == float(np.abs(both).max())


def test_a_run_that_stops_early_keeps_its_last_state():
    from animator.trainer import Trainer
    from animator.run import build, make_recording

    config = RunConfig(epochs=1000, frames=5, grid_resolution=8)
    X, y, network, optimizer = build(config)
    stop = {"at": 437}

    def interrupt(epoch, *_):
        if epoch == stop["at"]:
            raise KeyboardInterrupt

    result = Trainer(network, optimizer, X, y).run(1000, on_epoch=interrupt, keep=[0, 250, 500, 750, 1000])
    recording = make_recording(config, X, y, network, optimizer, result)
    assert recording.interrupted and len(recording.epochs) == 437
    assert recording.param_epochs.tolist() == recording.frame_epochs.tolist() == [0, 250, 436]
    # its last state is the one the network was left in: last weights + last update
    assert np.array_equal(recording.layer(1)["weights"][-1] + recording.layer(1)["weight_updates"][-1],
                          network.dense[0].weights)
    # a race's frames: clamped to the last epoch, repeats allowed
    shared = make_recording(config, X, y, network, optimizer, result, frames=[0, 250, 500, 750, 1000])
    assert shared.frame_epochs.tolist() == [0, 250, 436, 436, 436]
    assert np.array_equal(shared.grid_probs[2:], np.repeat(shared.grid_probs[2:3], 3, axis=0))


def test_the_recording_follows_the_frames_not_the_epochs():
    small = train(RunConfig(epochs=2000, frames=10, grid_resolution=8))
    large = train(RunConfig(epochs=2000, frames=10, grid_resolution=8, record="all"))
    assert large.nbytes > 10 * small.nbytes
    assert small.nbytes < 100e3


def test_grid_probabilities_agree_with_the_recorded_accuracy(recording):
    assert recording.frame_epochs.tolist() == [0, 50, 100, 150, 200, 250, 300]
    probs = recording.grid_probs
    assert probs.shape == (7, 40, 40, 3) and probs.dtype == np.uint8
    assert np.abs(probs.astype(int).sum(axis=-1) - 255).max() <= 2
    # the grid's arithmetic, evaluated at the data points, reproduces the recorded accuracy
    from animator.frames import _probabilities
    last = recording.param_row(300)
    weights = [recording.layer(i)["weights"][last] for i in (1, 2)]
    biases = [recording.layer(i)["biases"][last] for i in (1, 2)]
    accuracy = (_probabilities(recording.X, weights, biases).argmax(1) == recording.y).mean()
    assert abs(accuracy - recording.accuracy[recording.row(300)]) <= 1 / 300
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
    assert dict(spec.optimizer.hyperparameters) == {"lr": 1.0, "decay": 1e-3, "momentum": 0.9}
    assert spec.dataset == Dataset("spiral", None, 300, 3)
    assert spec.architecture.layers == ("Dense(2, 64)", "Dense(64, 3)")
    assert spec.epochs == 300 and spec.mode == "book"
    assert set(spec.versions) == {"animator", "numpy", "python"}
    assert spec.status == Status(epochs_recorded=301, diverged_at=None, divergence_cause=None,
                                 divergence_learning_rate=None, interrupted=False)
    assert "301 epochs, 7 frames, layer arrays at 7 epochs" in repr(recording)


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
