"""The Recorder: a hand-written loop's epochs become a Recording that saves, loads and renders like a trained one."""

import json

import numpy as np
import pytest

from animator.datasets import make_dataset
from animator.errors import ArgumentError, UserError
from animator.frames import frame_epochs
from animator.layers import Activation_ReLU, Activation_Softmax_Loss_CategoricalCrossentropy, Layer_Dense
from animator.optimizers import Optimizer_Adam, OptimizerSpec
from animator.recorder import Recorder
from animator.recording import Recording
from animator.run_spec import RunSpec
from animator.source import CustomOptimizer, Source, custom_optimizer
from animator.spec_checks import SpecError


def _loop(recorder, epochs, *, optimizer=None, rng=0, give_final=True):
    """The book's loop on animator's own book classes, handing each epoch to ``recorder``."""
    np.random.seed(rng)
    X, y = recorder.X, recorder.y
    dense1, relu, dense2 = Layer_Dense(2, 16), Activation_ReLU(), Layer_Dense(16, 3)
    loss_activation = Activation_Softmax_Loss_CategoricalCrossentropy()
    optimizer = optimizer or Optimizer_Adam(learning_rate=0.05, decay=5e-7)
    losses = []
    for epoch in range(epochs + 1):
        dense1.forward(X)
        relu.forward(dense1.output)
        dense2.forward(relu.output)
        loss = loss_activation.forward(dense2.output, y)
        accuracy = np.mean(np.argmax(loss_activation.output, axis=1) == y)
        losses.append((loss, accuracy))
        recorder.book_epoch(loss, accuracy, optimizer, dense1, dense2)
        _learn(y, dense1, relu, dense2, loss_activation, optimizer)
    return recorder.finish(layers=[dense1, dense2] if give_final else None), losses, (dense1, dense2)


def _learn(y, dense1, relu, dense2, loss_activation, optimizer):
    """The book's backward pass and update, after the forward pass of an epoch."""
    loss_activation.backward(loss_activation.output, y)
    dense2.backward(loss_activation.dinputs)
    relu.backward(dense2.dinputs)
    dense1.backward(relu.dinputs)
    optimizer.pre_update_params()
    optimizer.update_params(dense1)
    optimizer.update_params(dense2)
    optimizer.post_update_params()


@pytest.fixture(scope="module")
def data():
    return make_dataset("spiral", 30, 3, rng=np.random.default_rng(1))


def test_planned_epochs_take_trains_frames_and_every_number(data, tmp_path):
    recording, losses, layers = _loop(Recorder(*data, epochs=60, frames=7, grid_resolution=12), 60)
    assert recording.frame_epochs.tolist() == frame_epochs(60, frames=7).tolist()
    assert recording.loss.tolist() == [np.float32(loss) for loss, _ in losses]
    assert recording.accuracy.tolist() == [accuracy for _, accuracy in losses]
    spec = recording.spec
    assert spec.recorded and spec.mode == "recorded" and spec.format_version == 3
    assert spec.optimizer == OptimizerSpec("adam", {"lr": 0.05, "decay": 5e-7})
    assert spec.source == Source("record", "api")
    path = recording.save(tmp_path / "mine.npz")
    back = Recording.load(path)
    assert back.spec.text() == spec.text()
    for key, value in recording.arrays.items():
        assert np.array_equal(back[key], value), key
    # the last epoch's update, derived from the parameters after it
    assert np.allclose(back["dense2.weights"][-1] + back["dense2.weight_updates"][-1], layers[1].weights, atol=1e-6)


def test_updates_are_the_next_epochs_parameters_minus_this_ones(data):
    recording, _, _ = _loop(Recorder(*data, epochs=20, frames=21, grid_resolution=8), 20)
    weights, updates = recording["dense1.weights"], recording["dense1.weight_updates"]
    assert np.allclose(weights[:-1] + updates[:-1], weights[1:], atol=1e-6)
    assert np.abs(updates).max() > 0


def test_unplanned_runs_keep_a_bounded_evenly_spaced_set(data):
    recorder = Recorder(*data, frames=5, grid_resolution=8)
    recording, _, _ = _loop(recorder, 100)
    assert len(recorder._kept) <= 2 * 5 + 1
    frames = recording.frame_epochs
    assert frames[0] == 0 and frames[-1] == 100 and len(frames) <= 5
    assert recording.spec.config.epochs == 100 and (np.diff(frames) > 0).all()


def test_predict_is_asked_at_the_kept_epochs_only(data):
    asked = []

    def predict(points):
        asked.append(len(points))
        probs = np.zeros((len(points), 3))
        probs[:, len(asked) % 3] = 1
        return probs

    recording, _, _ = _loop(Recorder(*data, predict=predict, epochs=40, frames=5, grid_resolution=10), 40)
    assert len(asked) == 5 and set(asked) == {100}
    assert recording.grid_probs.shape == (5, 10, 10, 3)
    assert not np.array_equal(recording.grid_probs[0], recording.grid_probs[1])


def test_divergence_is_recorded_not_raised(data):
    recorder = Recorder(*data, epochs=5, frames=3, grid_resolution=8)
    pair = [(np.ones((2, 4)), np.zeros((1, 4))), (np.ones((4, 3)), np.zeros((1, 3)))]
    recorder.epoch(1.0, 0.5, 0.1, pair)
    recorder.epoch(float("nan"), 0.5, 0.1, pair)
    recorder.epoch(1.0, 0.5, 0.1, pair)          # ignored: the run diverged
    recording = recorder.finish()
    assert recorder.diverged and recording.diverged_at == 1 and len(recording.epochs) == 1
    assert "loss is nan" in recording.status.divergence_cause


@pytest.mark.parametrize("call, message", [
    (lambda r: r.epoch(1.0, 0.5, 0.1, [(np.ones((3, 4)), np.zeros(4)), (np.ones((4, 3)), np.zeros(3))]),
     "Dense 1 weights have shape (3, 4), expected (2, n)"),
    (lambda r: r.epoch(1.0, 0.5, 0.1, [(np.ones((2, 4)), np.zeros(4))]), "at least two"),
    (lambda r: r.epoch("x", 0.5, 0.1, []), "loss must be a number"),
    (lambda r: r.epoch(1.0, 2.0, 0.1, [(np.ones((2, 4)), np.zeros(4)), (np.ones((4, 3)), np.zeros(3))]),
     "accuracy must be between 0 and 1"),
    (lambda r: r.epoch(1.0, 0.5, 0.1, [(np.ones((2, 4)), np.zeros(4)), np.ones(3)]), "item 2 is neither"),
    (lambda r: r.finish(), "was never recorded"),
])
def test_bad_input_is_one_line(data, call, message):
    recorder = Recorder(*data, grid_resolution=8)
    # and the same again (a notebook cell run twice): refused the same way (finish() is then already called)
    for _ in range(1 if message == "was never recorded" else 2):
        with pytest.raises(ArgumentError, match=message.replace("(", r"\(").replace(")", r"\)")) as error:
            call(recorder)
        assert "\n" not in str(error.value)


def test_layers_that_change_shape_are_refused(data):
    recorder = Recorder(*data, grid_resolution=8)
    recorder.epoch(1.0, 0.5, 0.1, [(np.ones((2, 4)), np.zeros(4)), (np.ones((4, 3)), np.zeros(3))])
    with pytest.raises(ArgumentError, match="changed shape at epoch 1"):
        recorder.epoch(1.0, 0.5, 0.1, [(np.ones((2, 5)), np.zeros(5)), (np.ones((5, 3)), np.zeros(3))])


@pytest.mark.parametrize("X, y, message", [
    (np.ones((4, 3)), np.zeros(4), "X must be (n, 2) points"),
    (np.full((4, 2), np.nan), np.zeros(4), "X must be finite"),
    (np.ones((4, 2)), np.zeros(5), "y must be one class label per point"),
    (np.ones((4, 2)), np.array([0, 1, -1, 0]), "y must be class labels from 0"),
    (np.ones((4, 2)), np.array(["a"] * 4), "y must be an array of real numbers"),
])
def test_bad_data_is_one_line(X, y, message):
    with pytest.raises(ArgumentError, match=message.replace("(", r"\(").replace(")", r"\)")):
        Recorder(X, y)


def test_one_hot_labels_are_read_as_classes(data):
    X, y = data
    assert np.array_equal(Recorder(X, np.eye(3)[y]).y, y)


def test_book_style_optimizers_map_to_the_registry_and_others_are_custom(data):
    class Optimizer_Lion:
        learning_rate, current_learning_rate = 0.01, 0.01

    assert Recorder(*data, optimizer=Optimizer_Adam(learning_rate=0.02)).optimizer == OptimizerSpec("adam", {"lr": 0.02})
    custom = Recorder(*data, optimizer=Optimizer_Lion()).optimizer
    assert isinstance(custom, CustomOptimizer) and custom.title == "Optimizer_Lion (custom)"
    assert custom.shown() == {"lr": 0.01}
    with pytest.raises(ValueError, match="not an optimizer animator can build"):
        custom.build()


def test_a_custom_optimizer_with_a_hostile_name_saves_loads_and_shows_escaped(data, tmp_path):
    recording, _, _ = _loop(Recorder(*data, epochs=5, frames=3, grid_resolution=8,
                                     optimizer=custom_optimizer("Evil\x1b[2J\u202e")), 5)
    back = Recording.load(recording.save(tmp_path / "evil.npz"))
    assert back.spec.optimizer == recording.spec.optimizer
    assert back.spec.optimizer.title == "Evil\\x1b[2J\\u202e (custom)"


def _stored(recording):
    return json.loads(recording.spec.text())


@pytest.mark.parametrize("change, message", [
    (lambda s: s["source"].update(script="/home/me/secret.py"), "source.script"),
    (lambda s: s["source"].update(adapter="magic"), "source.adapter"),
    (lambda s: s["source"].update(sha256="xyz"), "source.sha256"),
    (lambda s: s.update(format_version=2), "only in a format 3 recording"),
    (lambda s: s.update(mode="book"), "mode"),
    (lambda s: s["source"].update(extra=1), "unexpected key 'extra'"),
    (lambda s: s["optimizer"].update(label="x" * 500), "optimizer"),
])
def test_a_recorded_spec_is_checked_on_loading(data, change, message):
    recording, _, _ = _loop(Recorder(*data, epochs=3, frames=2, grid_resolution=8,
                                     optimizer=custom_optimizer("Mine")), 3)
    stored = _stored(recording)
    change(stored)
    with pytest.raises(SpecError, match=message):
        RunSpec.from_json(stored)


def test_a_trained_spec_may_not_carry_a_custom_optimizer(data):
    recording, _, _ = _loop(Recorder(*data, epochs=3, frames=2, grid_resolution=8,
                                     optimizer=custom_optimizer("Mine")), 3)
    stored = _stored(recording)
    del stored["source"]
    stored.update(format_version=2, mode="book")
    with pytest.raises(UserError):
        RunSpec.from_json(stored)


def test_a_recorded_run_renders(data, tmp_path):
    from renderers import render

    recording, _, _ = _loop(Recorder(*data, epochs=30, frames=4, grid_resolution=16), 30)
    path = render(recording, tmp_path / "mine.png", size=(480, 270))
    assert (tmp_path / "mine.png").stat().st_size > 1000 and path


def test_the_optimizers_state_after_each_kept_update_saves_and_loads(data, tmp_path):
    recorder = Recorder(*data, epochs=12, frames=4, grid_resolution=8, optimizer="adam")
    assert recorder.state_slots == ("momentums", "cache")
    np.random.seed(0)
    X, y = recorder.X, recorder.y
    dense1, relu, dense2 = Layer_Dense(2, 8), Activation_ReLU(), Layer_Dense(8, 3)
    loss_activation = Activation_Softmax_Loss_CategoricalCrossentropy()
    optimizer = Optimizer_Adam(learning_rate=0.05)
    kept = {}
    for epoch in range(13):
        dense1.forward(X)
        relu.forward(dense1.output)
        dense2.forward(relu.output)
        loss = loss_activation.forward(dense2.output, y)
        accuracy = np.mean(np.argmax(loss_activation.output, axis=1) == y)
        before = [(d.weights.copy(), d.biases.copy()) for d in (dense1, dense2)]
        _learn(y, dense1, relu, dense2, loss_activation, optimizer)
        state = {slot: [(getattr(d, f"weight_{slot}"), getattr(d, f"bias_{slot}")) for d in (dense1, dense2)]
                 for slot in recorder.state_slots}
        kept[epoch] = {name: pairs[0][0].copy() for name, pairs in state.items()}
        recorder.epoch(loss, accuracy, optimizer.current_learning_rate, before, state=state)
    with pytest.raises(ArgumentError, match="must give the slots momentums, cache of the adam optimizer"):
        recorder.epoch(1.0, 0.5, 0.05, before, state={"cache": state["cache"]})
    with pytest.raises(ArgumentError, match="cache must have the shapes"):
        recorder.epoch(1.0, 0.5, 0.05, before, state={**state, "cache": [(np.ones(3), np.ones(3))] * 2})
    back = Recording.load(recorder.finish().save(tmp_path / "state.npz"))
    epochs = back.param_epochs.tolist()
    assert epochs == frame_epochs(12, frames=4).tolist()
    for slot in ("momentums", "cache"):
        assert np.array_equal(back[f"dense1.weight_{slot}"], np.stack([kept[e][slot] for e in epochs]).astype(np.float32))
