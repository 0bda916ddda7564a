"""Decision grids evaluated while training goes on are the grids evaluated after it, to the bit."""

import numpy as np
import pytest

from animator import RunConfig, build, train
from animator.frames import GridsAhead, decision_grid, grid_extent
from animator.run import make_recording, planned_frames
from animator.trainer import Trainer


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
def test_train_gives_the_recording_of_training_then_evaluating(config, on_epoch):
    ahead, before = train(config, on_epoch=on_epoch), after_training(config, on_epoch)
    assert ahead.spec.status == before.spec.status
    assert ahead.arrays.keys() == before.arrays.keys()
    for name, array in before.arrays.items():
        assert np.array_equal(ahead.arrays[name], array, equal_nan=array.dtype.kind == "f"), name
        assert ahead.arrays[name].dtype == array.dtype, name


def test_each_grid_is_decision_grid_of_its_epoch_alone():
    config = RunConfig(epochs=50, frames=6, grid_resolution=20)
    X, y, network, optimizer = build(config)
    extent = grid_extent(X, config.grid_padding)
    kept = []
    with GridsAhead(extent, config.grid_resolution, layers=2) as ahead:
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


def test_a_failure_in_the_thread_is_raised_where_the_grids_are_asked_for():
    with GridsAhead(np.array([-1.0, 1.0, -1.0, 1.0]), 8, layers=1) as ahead:
        ahead.add(0, {"dense1.weights": np.ones((3, 2), np.float32), "dense1.biases": np.ones((1, 2), np.float32)})
        with pytest.raises(ValueError):
            ahead.grids()


def test_leaving_on_an_error_stops_the_thread_without_evaluating_what_is_queued():
    weights = {"dense1.weights": np.ones((2, 2), np.float32), "dense1.biases": np.ones((1, 2), np.float32)}
    with pytest.raises(KeyboardInterrupt):
        with GridsAhead(np.array([-1.0, 1.0, -1.0, 1.0]), 400, layers=1) as ahead:
            for epoch in range(200):
                ahead.add(epoch, weights)
            raise KeyboardInterrupt
    assert ahead._thread is None and len(ahead._done) < 200
