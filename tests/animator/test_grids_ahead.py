"""Decision grids evaluated while training goes on are the grids evaluated after it, to the bit.

Each test runs with the grids in a thread and in a forked helper process
(``PROCESS_CELLS`` decides which; the chapter's run takes the process).
"""

import os

import numpy as np
import pytest

from animator import RunConfig, build, grids_ahead, train
from animator.frames import decision_grid, grid_extent
from animator.grids_ahead import GridsAhead
from animator.run import make_recording, planned_frames
from animator.trainer import Trainer
from processes import live_children


@pytest.fixture(params=["thread", "process"])
def helper(request, monkeypatch):
    """Where the grids are evaluated, whatever their number of cells."""
    monkeypatch.setattr(grids_ahead, "PROCESS_CELLS", 0 if request.param == "process" else float("inf"))
    return request.param


def after_training(config, on_epoch=None):
    """The Recording as it was made before grids were evaluated ahead: train, then every grid at once."""
    X, y, network, optimizer = build(config)
    result = Trainer(network, optimizer, X, y).run(config.epochs, keep=planned_frames(config), on_epoch=on_epoch)
    return make_recording(config, X, y, network, optimizer, result)


def interrupt_at(stop):
    def on_epoch(epoch, loss, accuracy, lr):
        if epoch == stop:
            raise KeyboardInterrupt
    return on_epoch


@pytest.mark.parametrize("config, on_epoch", [
    (RunConfig(epochs=300, frames=25, grid_resolution=40, hyperparameters={"decay": 1e-3, "momentum": 0.9}), None),
    (RunConfig(epochs=200, frames=30, frame_spacing="log", grid_resolution=24, hidden=(16, 8), optimizer="adam"),
     None),
    (RunConfig(epochs=60, frames=10, grid_resolution=16, optimizer="adam", hyperparameters={"lr": 1e20}), None),
    (RunConfig(epochs=60, frames=10, grid_resolution=16), interrupt_at(35)),
], ids=["chapter", "deeper", "diverges", "interrupted"])
def test_train_gives_the_recording_of_training_then_evaluating(helper, config, on_epoch):
    ahead, before = train(config, on_epoch=on_epoch), after_training(config, on_epoch)
    assert ahead.spec.status == before.spec.status
    assert ahead.arrays.keys() == before.arrays.keys()
    for name, array in before.arrays.items():
        assert np.array_equal(ahead.arrays[name], array, equal_nan=array.dtype.kind == "f"), name
        assert ahead.arrays[name].dtype == array.dtype, name


def test_each_grid_is_decision_grid_of_its_epoch_alone(helper):
    config = RunConfig(epochs=50, frames=6, grid_resolution=20)
    X, y, network, optimizer = build(config)
    extent = grid_extent(X, config.grid_padding)
    kept = []
    with GridsAhead(extent, config.grid_resolution, layers=2, frames=len(planned_frames(config))) as ahead:
        def keep(epoch, arrays):
            kept.append((epoch, {name: array.copy() for name, array in arrays.items()}))
            ahead.add(epoch, arrays)

        Trainer(network, optimizer, X, y).run(config.epochs, keep=planned_frames(config), on_keep=keep)
        grids = ahead.grids()
    assert sorted(grids) == [epoch for epoch, _ in kept] == planned_frames(config).tolist()
    for epoch, arrays in kept:
        alone = decision_grid([[arrays["dense1.weights"], arrays["dense2.weights"]]],
                              [[arrays["dense1.biases"], arrays["dense2.biases"]]], extent, config.grid_resolution)
        assert np.array_equal(grids[epoch], alone[0])


def test_a_failure_in_the_helper_is_raised_where_the_grids_are_asked_for(helper):
    with GridsAhead(np.array([-1.0, 1.0, -1.0, 1.0]), 8, layers=1, frames=1) as ahead:
        ahead.add(0, {"dense1.weights": np.ones((3, 2), np.float32), "dense1.biases": np.ones((1, 2), np.float32)})
        with pytest.raises(ValueError):
            ahead.grids()
    assert live_children(os.getpid()) == []


def test_leaving_on_an_error_stops_the_helper_without_evaluating_what_is_queued(helper):
    weights = {"dense1.weights": np.ones((2, 2), np.float32), "dense1.biases": np.ones((1, 2), np.float32)}
    with pytest.raises(KeyboardInterrupt):
        with GridsAhead(np.array([-1.0, 1.0, -1.0, 1.0]), 400, layers=1, frames=200) as ahead:
            for epoch in range(200):
                ahead.add(epoch, weights)
            raise KeyboardInterrupt
    assert ahead._thread is None and ahead._helper is None and len(ahead._done) < 200
    assert live_children(os.getpid()) == []


def test_the_chapter_run_takes_the_helper_process_and_leaves_none_behind(monkeypatch):
    config = RunConfig(epochs=50, frames=40, grid_resolution=160)
    assert len(planned_frames(config)) * 160 ** 2 >= grids_ahead.PROCESS_CELLS
    started = []
    original = grids_ahead._Helper.start
    monkeypatch.setattr(grids_ahead._Helper, "start", classmethod(
        lambda cls, *args: started.append(1) or original.__func__(cls, *args)))
    assert np.array_equal(train(config).arrays["grid_probs"], after_training(config).arrays["grid_probs"])
    assert started == [1] and live_children(os.getpid()) == []


def test_a_helper_process_that_dies_leaves_the_grids_to_be_evaluated_when_asked_for(monkeypatch):
    monkeypatch.setattr(grids_ahead, "PROCESS_CELLS", 0)
    config = RunConfig(epochs=30, frames=10, grid_resolution=24)
    X, y, network, optimizer = build(config)
    keep = planned_frames(config)
    with GridsAhead(grid_extent(X, config.grid_padding), config.grid_resolution, layers=2, frames=len(keep)) as ahead:
        def keep_and_kill(epoch, arrays):
            ahead.add(epoch, arrays)
            if epoch == keep[3]:
                ahead._helper.workers.processes[0].kill()
        result = Trainer(network, optimizer, X, y).run(config.epochs, keep=keep, on_keep=keep_and_kill)
        grids = ahead.grids()
    assert grids == {}
    made = make_recording(config, X, y, network, optimizer, result, grids=grids)
    assert np.array_equal(made.arrays["grid_probs"], after_training(config).arrays["grid_probs"])


def test_an_epoch_in_wider_numbers_than_the_first_is_evaluated_when_asked_for(monkeypatch):
    monkeypatch.setattr(grids_ahead, "PROCESS_CELLS", 0)
    extent, rng = np.array([-1.0, 1.0, -1.0, 1.0]), np.random.default_rng(3)
    arrays = [{"dense1.weights": rng.normal(size=(2, 8)).astype(dtype), "dense1.biases": rng.normal(size=(1, 8)).astype(dtype),
               "dense2.weights": rng.normal(size=(8, 3)).astype(dtype), "dense2.biases": rng.normal(size=(1, 3)).astype(dtype)}
              for dtype in (np.float32, np.float64)]
    with GridsAhead(extent, 16, layers=2, frames=2) as ahead:
        for epoch, given in enumerate(arrays):
            ahead.add(epoch, given)
        grids = ahead.grids()
    assert sorted(grids) == [0]              # the float64 epoch would not fit the float32 slots unchanged
    alone = decision_grid([[a["dense1.weights"], a["dense2.weights"]] for a in arrays],
                          [[a["dense1.biases"], a["dense2.biases"]] for a in arrays], extent, 16)
    assert np.array_equal(grids[0], alone[0])


@pytest.mark.parametrize("config, on_epoch, ahead", [
    (RunConfig(epochs=300, frames=25, grid_resolution=40, hyperparameters={"decay": 1e-3, "momentum": 0.9}), None,
     True),
    (RunConfig(epochs=200, frames=30, frame_spacing="log", grid_resolution=24, hidden=(16, 8), optimizer="adam"),
     None, None),
    (RunConfig(epochs=60, frames=10, grid_resolution=16, optimizer="adam", hyperparameters={"lr": 1e20}), None, False),
    (RunConfig(epochs=60, frames=10, grid_resolution=16), interrupt_at(35), False),
], ids=["chapter", "deeper", "diverges", "interrupted"])
def test_the_grids_deflated_by_the_helper_save_the_same_bytes(monkeypatch, tmp_path, config, on_epoch, ahead):
    from animator import deflated, fileio

    monkeypatch.setattr(grids_ahead, "PROCESS_CELLS", 0)
    monkeypatch.setattr(fileio, "PRECOMPRESSED_BYTES", 0)
    monkeypatch.setattr(deflated, "_streams", [])
    recording = train(config, on_epoch=on_epoch)
    offered = len(deflated._streams)
    if ahead is not None:                  # a run that stopped early handed fewer grids than planned: none offered
        assert offered == int(ahead)
    recording.save(tmp_path / "ahead.npz")
    assert deflated._streams == []         # a stream offered is the one the file took
    recording.save(tmp_path / "here.npz")
    assert (tmp_path / "ahead.npz").read_bytes() == (tmp_path / "here.npz").read_bytes()
