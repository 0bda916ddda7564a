"""The Keras 3 adapter with real models, on the torch backend (no TensorFlow): regions, weights, optimizers, a fit left alone."""

import importlib.util
import os
import subprocess
import sys

import numpy as np
import pytest

from animator.datasets import make_dataset
from animator.errors import UserError
from animator.frames import grid_extent, grid_points
from animator.optimizers import OptimizerSpec, SGD
from animator.recording import Recording
from animator.source import CustomOptimizer, Source

from paths import ROOT

REASON = "needs the keras extra and the torch extra, for the torch backend (pip install -e '.[keras,torch]')"


# found, not imported: Keras and torch take seconds to import, which every collection (-m "not slow" too) paid
AVAILABLE = all(importlib.util.find_spec(name) is not None for name in ("keras", "torch"))
pytestmark = [
    pytest.mark.skipif(not AVAILABLE, reason=REASON),
    # Keras 3.15's torch backend converts tensors with np.array(tensor), which numpy 2 warns about, a thousand times
    pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning"),
]
keras = torch = RecordingCallback = book_optimizer = None      # bound by _imported, before the first test


@pytest.fixture(scope="module", autouse=True)
def _imported():
    global keras, torch, RecordingCallback, book_optimizer
    if "keras" not in sys.modules:
        os.environ["KERAS_BACKEND"] = "torch"
    import keras
    import torch

    from animator.adapters.keras import RecordingCallback, book_optimizer

    if keras.backend.backend() != "torch":
        pytest.skip(REASON)
    torch.set_num_threads(1)


@pytest.fixture(scope="module")
def data():
    return make_dataset("spiral", 40, 3, rng=np.random.default_rng(3))


def _model(seed=0, *, dropout=False, optimizer=None, metrics=("accuracy",)):
    keras.utils.set_random_seed(seed)
    layers = [keras.Input((2,)), keras.layers.Dense(16, activation="relu")]
    if dropout:
        layers.append(keras.layers.Dropout(0.2))
    model = keras.Sequential([*layers, keras.layers.Dense(3, activation="softmax")])
    model.compile(optimizer=optimizer or keras.optimizers.Adam(0.02), loss="sparse_categorical_crossentropy",
                  metrics=list(metrics))
    return model


def watching(points, X, y):
    """A callback that keeps what the model is at each epoch's start: its weights and its predictions on ``points``."""

    class Watching(keras.callbacks.Callback):      # made here: keras is imported by the module's fixture
        def __init__(self, points, X, y):
            super().__init__()
            self.points, self.X, self.y = points, X, y
            self.weights, self.grids, self.accuracies, self.losses = {}, {}, {}, {}

        def on_epoch_begin(self, epoch, logs=None):
            self.weights[epoch] = [w.copy() for w in self.model.get_weights()]
            self.grids[epoch] = self.model.predict_on_batch(self.points)
            self.accuracies[epoch] = np.mean(self.model.predict_on_batch(self.X).argmax(1) == self.y)

        def on_epoch_end(self, epoch, logs=None):
            self.losses[epoch] = logs["loss"]

    return Watching(points, X, y)


def _fit(model, data, epochs, *callbacks):
    X, y = data
    model.fit(X, y, epochs=epochs, batch_size=len(X), callbacks=list(callbacks), verbose=0, shuffle=False)


def test_regions_weights_and_numbers_are_the_models_at_each_epochs_start(data):
    points = grid_points(grid_extent(np.asarray(data[0], np.float32), 0.1), 12)
    watch, callback = watching(points, *data), RecordingCallback(*data, frames=5, grid_resolution=12)
    _fit(_model(), data, 41, watch, callback)
    recording = callback.recording
    assert recording.frame_epochs.tolist() == [0, 10, 20, 30, 40]        # fit's epochs planned the frames
    for i, epoch in enumerate(recording.frame_epochs.tolist()):
        expected = np.rint(watch.grids[epoch] * 255).reshape(12, 12, 3)
        for row, col in [(0, 0), (5, 7), (11, 3), (11, 11)]:
            assert np.abs(recording["grid_probs"][i][row, col].astype(float) - expected[row, col]).max() <= 1
    for i, epoch in enumerate(recording["param_epochs"].tolist()):
        kernel1, bias1, kernel2, bias2 = watch.weights[epoch]
        assert np.array_equal(recording["dense1.weights"][i], kernel1)
        assert np.array_equal(recording["dense2.biases"][i], bias2.reshape(1, -1))
    assert recording.loss.tolist() == [np.float32(watch.losses[e]) for e in range(41)]
    assert np.allclose(recording.accuracy, [watch.accuracies[e] for e in range(41)], atol=1e-7)
    assert recording.learning_rate.tolist() == [0.02] * 41


def test_without_an_accuracy_metric_the_book_accuracy_is_computed(data):
    points = grid_points(grid_extent(np.asarray(data[0], np.float32), 0.1), 8)
    watch, callback = watching(points, *data), RecordingCallback(*data, grid_resolution=8)
    _fit(_model(metrics=()), data, 6, watch, callback)
    assert callback.recording.accuracy.tolist() == [watch.accuracies[e] for e in range(6)]


def test_recording_changes_nothing_in_the_fit(data):
    def run(recorded):
        model = _model(2, dropout=True)
        _fit(model, data, 12, *([RecordingCallback(*data, frames=13, grid_resolution=16)] if recorded else []))
        return model.get_weights(), torch.get_rng_state(), np.random.get_state()[1].copy()

    plain, plain_rng, plain_np = run(False)
    recorded, rng, np_state = run(True)
    assert all(np.array_equal(a, b) for a, b in zip(plain, recorded))
    assert torch.equal(plain_rng, rng) and np.array_equal(plain_np, np_state)


def test_a_recording_renders_saves_and_loads(data, tmp_path):
    from PIL import Image

    from renderers import render

    callback = RecordingCallback(*data, frames=3, grid_resolution=16, dataset="spiral")
    _fit(_model(optimizer=keras.optimizers.SGD(0.5, momentum=0.9)), data, 21, callback)
    recording = callback.recording
    assert recording.spec.source == Source("record", "keras", optimizer_class="SGD")
    assert recording.spec.optimizer == OptimizerSpec(SGD.name, {"lr": 0.5, "momentum": 0.9})
    back = Recording.load(recording.save(tmp_path / "keras.npz"))
    assert back.spec.text() == recording.spec.text()
    for key, value in recording.arrays.items():
        assert np.array_equal(back[key], value), key
    render(back, tmp_path / "keras.gif", size=(480, 270), fps=10, hold=0)
    with Image.open(tmp_path / "keras.gif") as gif:
        assert gif.n_frames == 3


# -- the optimizers -----------------------------------------------------------------------------------------

def test_keras_sgd_with_inverse_time_decay_is_the_books_and_steps_as_it_does():
    schedule = keras.optimizers.schedules.InverseTimeDecay(0.5, decay_steps=2, decay_rate=0.1)
    optimizer = keras.optimizers.SGD(schedule, momentum=0.9)
    described = book_optimizer(optimizer)
    assert described.spec == OptimizerSpec(SGD.name, {"lr": 0.5, "decay": 0.05, "momentum": 0.9})
    variable = keras.Variable(np.array([[0.5, -1.0, 2.0]], dtype=np.float32))
    book = described.spec.build()
    value, state = np.array([[0.5, -1.0, 2.0]], dtype=np.float64), book.init(np.zeros((1, 3)))
    for grad in np.random.default_rng(0).normal(size=(6, 1, 3)).astype(np.float32):
        optimizer.apply_gradients([(keras.ops.convert_to_tensor(grad), variable)])
        update, state = book.update(grad.astype(np.float64), state)
        value = value + update
        assert np.allclose(keras.ops.convert_to_numpy(variable), value, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("make, reason", [
    (lambda: keras.optimizers.Adam(0.01), "uncorrected cache"),
    (lambda: keras.optimizers.RMSprop(0.01), "inside the square root"),
    (lambda: keras.optimizers.Adagrad(0.01), "starts at initial_accumulator_value"),
    (lambda: keras.optimizers.SGD(0.1, momentum=0.9, nesterov=True), "Nesterov"),
    (lambda: keras.optimizers.SGD(0.1, weight_decay=0.01), "weight_decay"),
    (lambda: keras.optimizers.SGD(0.1, clipnorm=1.0), "clipnorm"),
    (lambda: keras.optimizers.SGD(keras.optimizers.schedules.ExponentialDecay(0.1, 10, 0.9)), "ExponentialDecay"),
    (lambda: keras.optimizers.Nadam(), "Nadam is not one of the book's"),
])
def test_what_is_not_the_books_formula_is_a_custom_optimizer_that_says_why(make, reason):
    optimizer = make()
    described = book_optimizer(optimizer)
    assert isinstance(described.spec, CustomOptimizer) and reason in described.note
    assert described.spec.title == f"keras {type(optimizer).__name__} (custom)" and "lr" in described.spec.hyperparameters


def test_adam_keeps_its_settings_by_the_books_names():
    spec = book_optimizer(keras.optimizers.Adam(0.02, beta_1=0.8)).spec
    assert dict(spec.hyperparameters) == {"lr": 0.02, "beta1": 0.8, "beta2": 0.999, "epsilon": 1e-7}


# -- the callback's side -------------------------------------------------------------------------------------

def test_bad_input_is_one_line(data):
    with pytest.raises(UserError, match="^RecordingCallback takes its epochs from fit"):
        RecordingCallback(*data, epochs=10)
    with pytest.raises(UserError, match="^RecordingCallback has recorded nothing yet"):
        RecordingCallback(*data).finish()
    model = keras.Sequential([keras.Input((2,)), keras.layers.Activation("softmax")])
    model.compile(optimizer="sgd", loss="categorical_crossentropy")
    with pytest.raises(UserError, match=r"^model has no keras.layers.Dense layer to record \(Sequential\)$"):
        model.fit(data[0], np.eye(2)[data[1] % 2], epochs=1, callbacks=[RecordingCallback(*data)], verbose=0)


def test_the_adapters_import_nothing_until_asked():
    code = "import sys, animator, animator.adapters, animator.recorder; sys.exit('keras' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], cwd=ROOT).returncode == 0


@pytest.mark.slow
def test_the_example_fits_and_writes_a_gif(tmp_path):
    from PIL import Image

    out = tmp_path / "keras.gif"
    done = subprocess.run([sys.executable, os.path.join(ROOT, "examples", "keras_spiral.py"), "--epochs", "30",
                           "--frames", "4", "-o", str(out)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    with Image.open(out) as gif:
        assert gif.n_frames == 4
