"""The PyTorch adapter with real models on the CPU: regions, weights, optimizers, and a training it leaves alone."""

import importlib.util
import os
import subprocess
import sys

import numpy as np
import pytest


from animator.datasets import make_dataset
from animator.errors import UserError
from animator.frames import grid_extent, grid_points
from animator.optimizers import Adagrad, Adam, OptimizerSpec, RMSprop, SGD
from animator.recording import Recording
from animator.source import CustomOptimizer, Source

from paths import ROOT

# found, not imported: torch takes seconds to import, which every collection (-m "not slow" too) paid
pytestmark = pytest.mark.skipif(importlib.util.find_spec("torch") is None,
                                reason="needs the torch extra (pip install -e '.[torch]')")
torch = TorchRecorder = book_optimizer = None      # bound by _imported, before the first test


@pytest.fixture(scope="module", autouse=True)
def _imported():
    global torch, TorchRecorder, book_optimizer
    import torch

    from animator.adapters.torch import TorchRecorder, book_optimizer

    torch.set_num_threads(1)      # a 2-64-3 MLP: threads only contend on a busy machine (30x slower here)


@pytest.fixture(scope="module")
def data():
    return make_dataset("spiral", 40, 3, rng=np.random.default_rng(3))


def _model(seed=0, *, extras=False):
    torch.manual_seed(seed)
    layers = [torch.nn.Linear(2, 16), torch.nn.ReLU()]
    if extras:            # layers whose training mode matters: dropout draws random numbers, batch norm keeps stats
        layers += [torch.nn.BatchNorm1d(16), torch.nn.Dropout(0.2)]
    return torch.nn.Sequential(*layers, torch.nn.Linear(16, 3))


def _train(model, data, epochs, *, recorder_options=None, optimizer=None, watch=None, step_last=True):
    """The usual torch loop; with ``recorder_options``, recorded. ``watch(epoch, model)`` sees each forward's model."""
    X, y = (torch.as_tensor(a) for a in data)
    optimizer = optimizer or torch.optim.Adam(model.parameters(), lr=0.02)
    loss_function = torch.nn.CrossEntropyLoss()
    recorder = None if recorder_options is None else TorchRecorder(model, X, y, optimizer, **recorder_options)
    for epoch in range(epochs + 1):
        optimizer.zero_grad()
        output = model(X)
        loss = loss_function(output, y)
        if watch:
            watch(epoch, model)
        if recorder:
            recorder.epoch(loss, output)
        if epoch < epochs or step_last:
            loss.backward()
            optimizer.step()
    return recorder.finish() if recorder else None


def _linear_arrays(model):
    return [(m.weight.detach().numpy().T.copy(), m.bias.detach().numpy().copy())
            for m in model if isinstance(m, torch.nn.Linear)]


def test_the_regions_are_the_models_own_predictions(data):
    points = grid_points(grid_extent(np.asarray(data[0], np.float32), 0.1), 12)      # the Recorder's grid
    seen = {}

    def watch(epoch, model):
        with torch.no_grad():
            seen[epoch] = torch.softmax(model(torch.as_tensor(points)), dim=1).numpy()

    recording = _train(_model(), data, 40, recorder_options=dict(epochs=40, frames=5, grid_resolution=12),
                       watch=watch)
    assert np.array_equal(recording["grid_extent"], grid_extent(np.asarray(data[0], np.float32), 0.1))
    for i, epoch in enumerate(recording.frame_epochs.tolist()):
        expected = np.rint(seen[epoch] * 255).reshape(12, 12, 3)
        got = recording["grid_probs"][i].astype(float)
        for row, col in [(0, 0), (5, 7), (11, 3), (11, 11)]:
            assert np.abs(got[row, col] - expected[row, col]).max() <= 1, (epoch, row, col)


def test_the_weights_are_the_models_at_every_kept_epoch_and_the_last_update_derived(data):
    history = {}
    model = _model()
    recording = _train(model, data, 30, recorder_options=dict(epochs=30, frames=4, grid_resolution=8),
                       watch=lambda epoch, m: history.__setitem__(epoch, _linear_arrays(m)))
    for i, epoch in enumerate(recording["param_epochs"].tolist()):
        for layer, (weights, biases) in enumerate(history[epoch], start=1):
            assert np.array_equal(recording[f"dense{layer}.weights"][i], weights)      # (in, out), as the book's
            assert np.array_equal(recording[f"dense{layer}.biases"][i], biases.reshape(1, -1))
    after = _linear_arrays(model)[1][0]
    assert np.allclose(recording["dense2.weights"][-1] + recording["dense2.weight_updates"][-1], after, atol=1e-6)
    assert recording.learning_rate.tolist() == [0.02] * 31


def test_recording_changes_nothing_in_the_training(data):
    def run(recorded):
        np.random.seed(5)
        model = _model(1, extras=True)
        model[3].eval()          # a submodule the user keeps in eval mode stays so
        options = dict(epochs=25, frames=26, grid_resolution=16) if recorded else None
        recording = _train(model, data, 25, recorder_options=options)
        return model, recording, torch.get_rng_state(), np.random.get_state()[1].copy()

    plain, _, plain_rng, plain_np = run(False)
    recorded, recording, rng, np_state = run(True)
    assert recording.frame_epochs.tolist() == list(range(26))
    for a, b in zip(plain.state_dict().values(), recorded.state_dict().values()):
        assert torch.equal(a, b)             # weights and batch-norm statistics, bit for bit
    assert torch.equal(plain_rng, rng) and np.array_equal(plain_np, np_state)
    assert recorded.training and not recorded[3].training and recorded[2].training


def test_a_recording_renders_saves_and_loads(data, tmp_path):
    from PIL import Image

    from renderers import render

    recording = _train(_model(), data, 20, recorder_options=dict(epochs=20, frames=3, grid_resolution=16))
    assert recording.spec.source == Source("record", "torch", optimizer_class="Adam")
    assert recording.spec.optimizer == OptimizerSpec(Adam.name, {"lr": 0.02, "epsilon": 1e-8})
    back = Recording.load(recording.save(tmp_path / "torch.npz"))
    assert back.spec.text() == recording.spec.text()
    for key, value in recording.arrays.items():
        assert np.array_equal(back[key], value), key
    render(back, tmp_path / "torch.gif", size=(480, 270), fps=10, hold=0)
    with Image.open(tmp_path / "torch.gif") as gif:
        assert gif.n_frames == 3


# -- the optimizers: the book's where the formula is the book's ---------------------------------------------

def _book_cases():
    return [
        (lambda p: torch.optim.SGD(p, lr=0.5), SGD, {"lr": 0.5}),
        (lambda p: torch.optim.SGD(p, lr=0.5, momentum=0.9), SGD, {"lr": 0.5, "momentum": 0.9}),
        (lambda p: torch.optim.Adagrad(p, lr=0.3, lr_decay=0.01), Adagrad, {"lr": 0.3, "decay": 0.01, "epsilon": 1e-10}),
        (lambda p: torch.optim.RMSprop(p, lr=0.01, alpha=0.95), RMSprop, {"lr": 0.01, "rho": 0.95, "epsilon": 1e-8}),
        (lambda p: torch.optim.Adam(p, lr=0.05, betas=(0.8, 0.99)), Adam,
         {"lr": 0.05, "beta1": 0.8, "beta2": 0.99, "epsilon": 1e-8}),
    ]


@pytest.mark.parametrize("case", range(5))
def test_a_torch_optimizer_the_book_knows_maps_to_it_and_steps_as_it_does(case):
    make, cls, settings = _book_cases()[case]
    param = torch.nn.Parameter(torch.tensor([[0.5, -1.0, 2.0]], dtype=torch.float64))
    optimizer = make([param])
    described = book_optimizer(optimizer)
    assert described.spec == OptimizerSpec(cls.name, settings) and not isinstance(described.spec, CustomOptimizer)
    book = described.spec.build()
    value, state = param.detach().numpy().copy(), book.init(param.detach().numpy())
    grads = np.random.default_rng(case).normal(size=(6, 1, 3))
    for grad in grads:                      # the same gradients: torch's step and the book's are one formula
        param.grad = torch.as_tensor(grad)
        optimizer.step()
        update, state = book.update(grad, state)
        value = value + update
        assert np.allclose(param.detach().numpy(), value, rtol=1e-9, atol=1e-12), cls.name


@pytest.mark.parametrize("make, reason", [
    (lambda p: torch.optim.Adam(p, weight_decay=0.01), "weight_decay"),
    (lambda p: torch.optim.Adam(p, amsgrad=True), "AMSGrad"),
    (lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True), "Nesterov"),
    (lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9, dampening=0.1), "dampening"),
    (lambda p: torch.optim.RMSprop(p, centered=True), "centered"),
    (lambda p: torch.optim.RMSprop(p, momentum=0.5), "momentum"),
    (lambda p: torch.optim.Adagrad(p, initial_accumulator_value=0.1), "initial_accumulator_value"),
    (lambda p: torch.optim.AdamW(p), "AdamW is not one of the book's"),
])
def test_what_is_not_the_books_formula_is_a_custom_optimizer_that_says_why(make, reason):
    optimizer = make([torch.nn.Parameter(torch.zeros(2))])
    described = book_optimizer(optimizer)
    assert isinstance(described.spec, CustomOptimizer) and reason in described.note
    assert described.spec.title == f"torch {type(optimizer).__name__} (custom)" and "lr" in described.spec.hyperparameters


def test_a_learning_rate_scheduler_makes_the_run_a_custom_one(data):
    model = _model()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=5, gamma=0.5)
    X, y = (torch.as_tensor(a) for a in data)
    recorder = TorchRecorder(model, X, y, optimizer, grid_resolution=8, frames=4)
    for _ in range(12):
        optimizer.zero_grad()
        output = model(X)
        loss = torch.nn.functional.cross_entropy(output, y)
        recorder.epoch(loss, output)
        loss.backward()
        optimizer.step()
        scheduler.step()
    recording = recorder.finish()
    assert recording.learning_rate.tolist() == [0.5] * 5 + [0.25] * 5 + [0.125] * 2
    assert isinstance(recording.spec.optimizer, CustomOptimizer)
    assert recording.spec.optimizer.title == "SGD with a schedule (custom)"


def test_adagrads_lr_decay_is_the_recorded_learning_rate(data):
    model = _model()
    optimizer = torch.optim.Adagrad(model.parameters(), lr=0.5, lr_decay=0.1)
    recording = _train(model, data, 6, optimizer=optimizer, recorder_options=dict(grid_resolution=8))
    assert np.allclose(recording.learning_rate, [0.5 / (1 + 0.1 * step) for step in range(7)], rtol=1e-12)
    assert recording.spec.optimizer == OptimizerSpec(Adagrad.name, {"lr": 0.5, "decay": 0.1, "epsilon": 1e-10})


# -- the loop's side -----------------------------------------------------------------------------------------

def test_log_softmax_outputs_and_accuracy_without_output(data):
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(2, 8), torch.nn.Tanh(), torch.nn.Linear(8, 3), torch.nn.LogSoftmax(1))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    X, y = (torch.as_tensor(a) for a in data)
    expected = []
    with TorchRecorder(model, X, y, optimizer, grid_resolution=6, outputs="log_probabilities") as recorder:
        for _ in range(3):
            optimizer.zero_grad()
            output = model(X)
            loss = torch.nn.functional.nll_loss(output, y)
            expected.append(np.mean(output.argmax(1).numpy() == data[1]))
            recorder.epoch(loss)                             # the accuracy asked of the model
            loss.backward()
            optimizer.step()
    recording = recorder.recording
    assert recording.accuracy.tolist() == expected
    sums = recording["grid_probs"].astype(int).sum(axis=-1)
    assert np.all(np.abs(sums - 255) <= 2)                   # exp(log-probabilities) are probabilities


def test_ctrl_c_in_the_with_block_keeps_the_finished_epochs(data):
    model = _model()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    X, y = (torch.as_tensor(a) for a in data)
    with TorchRecorder(model, X, y, optimizer, grid_resolution=6) as recorder:
        for epoch in range(10):
            if epoch == 4:
                raise KeyboardInterrupt
            output = model(X)
            recorder.epoch(torch.nn.functional.cross_entropy(output, y), output)
    assert recorder.recording.spec.status.interrupted and len(recorder.recording.loss) == 4


@pytest.mark.parametrize("call, message", [
    (lambda d, m, o: TorchRecorder("model", *d, o), "model must be a torch.nn.Module (got str)"),
    (lambda d, m, o: TorchRecorder(torch.nn.ReLU(), *d, o), "model has no torch.nn.Linear layer to record (ReLU)"),
    (lambda d, m, o: TorchRecorder(m, *d, "adam"), "optimizer must be a torch.optim optimizer (got str)"),
    (lambda d, m, o: TorchRecorder(m, *d, o, outputs="scores"), "outputs must be one of auto, logits,"),
    (lambda d, m, o: TorchRecorder(m, *d, o).epoch(1.0, torch.zeros(5, 3)),
     "output must be the model's output for all 120 training points"),
])
def test_bad_input_is_one_line(data, call, message):
    model = _model()
    with pytest.raises(UserError) as error:
        call(data, model, torch.optim.SGD(model.parameters(), lr=0.1))
    assert str(error.value).startswith(message) and "\n" not in str(error.value)


def test_animator_imports_without_torch_and_the_adapter_names_it():
    code = ("import sys, animator, animator.recorder, animator.adapters, renderers; "
            "sys.exit('torch' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", code], cwd=ROOT).returncode == 0


@pytest.mark.slow
def test_the_example_trains_with_adam_and_writes_a_gif(tmp_path):
    from PIL import Image

    out = tmp_path / "torch.gif"
    done = subprocess.run([sys.executable, os.path.join(ROOT, "examples", "torch_spiral.py"), "--epochs", "60",
                           "--frames", "4", "-o", str(out)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    with Image.open(out) as gif:
        assert gif.n_frames == 4
    assert "Adam" in done.stdout
