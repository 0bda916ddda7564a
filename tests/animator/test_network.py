"""The fast paths against the book's arithmetic, bit for bit: the Network's buffered pass against
the chapter's code on the book's classes, the row-wise helpers against numpy and the book's lines,
and the Trainer's cheap finiteness test against the element-by-element one."""

import types

import numpy as np
import pytest

from animator import (Activation_ReLU, Activation_Softmax_Loss_CategoricalCrossentropy, Layer_Dense, Network,
                      RunConfig, Trainer, build, make_optimizer, spiral)
from animator.layers import mean, relu_backward, row_max, row_sum, softmax_crossentropy_backward
from animator.rng import make_rng
from animator.trainer import _first_non_finite

SPECIAL = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 1e-45, -1e-45, 3e38, -3e38, 1.0, -1.0], dtype=np.float32)


def _awkward(rng, shape, dtype=np.float32):
    """Random numbers over many scales with NaN, infinities, signed zeros and subnormals sprinkled in."""
    values = rng.standard_normal(shape) * 10.0 ** rng.integers(-8, 8, shape)
    values = values.astype(dtype)
    spots = rng.random(shape) < 0.15
    values[spots] = rng.choice(SPECIAL, spots.sum())
    return values


def _chapter_loop(optimizer, hidden, epochs):
    """The chapter's training code on the book's classes, as a reader types it; returns the losses,
    accuracies and final parameters."""
    rng = make_rng()
    X, y = spiral(100, 3, rng=rng)
    sizes = [2, *hidden, 3]
    dense = [Layer_Dense(a, b, rng=rng) for a, b in zip(sizes[:-1], sizes[1:])]
    activations = [Activation_ReLU() for _ in dense[:-1]]
    loss_activation = Activation_Softmax_Loss_CategoricalCrossentropy()
    losses, accuracies = [], []
    for epoch in range(epochs + 1):
        inputs = X
        for layer, activation in zip(dense, activations):
            layer.forward(inputs)
            activation.forward(layer.output)
            inputs = activation.output
        dense[-1].forward(inputs)
        loss = loss_activation.forward(dense[-1].output, y)
        predictions = np.argmax(loss_activation.output, axis=1)
        losses.append(loss)
        accuracies.append(np.mean(predictions == y))
        loss_activation.backward(loss_activation.output, y)
        dvalues = loss_activation.dinputs
        for i in reversed(range(len(dense))):
            dense[i].backward(dvalues)
            dvalues = dense[i].dinputs
            if i:
                activations[i - 1].backward(dvalues)
                dvalues = activations[i - 1].dinputs
        optimizer.pre_update_params()
        for layer in dense:
            optimizer.update_params(layer)
        optimizer.post_update_params()
    return np.array(losses, np.float32), np.array(accuracies), [(d.weights, d.biases) for d in dense]


@pytest.mark.parametrize("name, hyper, hidden", [
    ("sgd", {"decay": 1e-3, "momentum": 0.9}, (64,)),
    ("adagrad", {"decay": 1e-4}, (64,)),
    ("rmsprop", {"lr": 0.02, "decay": 1e-5, "rho": 0.999}, (16, 8)),
    ("adam", {"lr": 0.05, "decay": 5e-7}, (64,)),
    ("sgd", {"lr": 0.5}, (1, 4)),
])
def test_trainer_gives_the_chapter_codes_numbers_on_the_books_classes(name, hyper, hidden):
    epochs = 150
    losses, accuracies, final = _chapter_loop(make_optimizer(name, **hyper), hidden, epochs)
    config = RunConfig(optimizer=name, hyperparameters=hyper, hidden=hidden, epochs=epochs)
    X, y, network, optimizer = build(config)
    result = Trainer(network, optimizer, X, y).run(epochs, keep=[])
    assert result.columns["loss"].tobytes() == losses.tobytes()
    assert result.columns["accuracy"].tobytes() == accuracies.tobytes()
    for dense, (weights, biases) in zip(network.dense, final):
        assert dense.weights.tobytes() == weights.tobytes() and dense.biases.tobytes() == biases.tobytes()


@pytest.mark.parametrize("layout", ["C", "F", "strided", "awkward"])
def test_the_network_pass_is_the_layer_classes_pass_for_any_batch_layout_and_values(layout):
    rng = np.random.default_rng(3)
    base = rng.standard_normal((40, 4)).astype(np.float32)
    base[:3, :] = [[0.0, -0.0, 0.0, -0.0]] * 3     # the spiral's centre points are zeros too
    X = {"C": base[:, :2].copy(), "F": np.asfortranarray(base[:, :2]), "strided": base[:, ::2],
         "awkward": base[:, :2].copy()}[layout]
    y = rng.integers(0, 3, len(X))
    network = Network(2, (5, 6), 3, rng=np.random.RandomState(1))
    if layout == "awkward":     # NaN, infinities and negative zeros in the parameters
        for dense in network.dense:
            dense.weights[0, :2] = [np.nan, -0.0]
            dense.weights[-1, -2:] = [np.inf, -np.inf]
            dense.biases[0, :2] = [-0.0, -np.inf]
    layers = [Layer_Dense(*d.shape) for d in network.dense]
    relus = [Activation_ReLU() for _ in layers[:-1]]
    top = Activation_Softmax_Loss_CategoricalCrossentropy()
    for step in range(5):
        _compare_one_step(network, layers, relus, top, X, y, one_hot=step % 2)


def _compare_one_step(network, layers, relus, top, X, y, *, one_hot):
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        for layer, dense in zip(layers, network.dense):
            layer.weights, layer.biases = dense.weights.copy(), dense.biases.copy()
        loss = network.forward(X, y)
        inputs = X
        for layer, relu in zip(layers, relus):
            layer.forward(inputs)
            relu.forward(layer.output)
            inputs = relu.output
        layers[-1].forward(inputs)
        assert loss.tobytes() == top.forward(layers[-1].output, y).tobytes()
        assert network.output.tobytes() == top.output.tobytes()
        network.backward(np.eye(3, dtype=np.float32)[y] if one_hot else y)
        top.backward(top.output, y)
        dvalues = top.dinputs
        for i in reversed(range(len(layers))):
            layers[i].backward(dvalues)
            if i:
                relus[i - 1].backward(layers[i].dinputs)
                dvalues = relus[i - 1].dinputs
        for layer, dense in zip(layers, network.dense):
            assert dense.dweights.tobytes() == layer.dweights.tobytes()
            assert dense.dbiases.tobytes() == layer.dbiases.tobytes()
            dense.weights -= 3 * dense.dweights
            dense.biases -= 3 * dense.dbiases


@pytest.mark.parametrize("columns", range(1, 13))
def test_row_max_and_row_sum_are_numpys(columns):
    rng = np.random.default_rng(columns)
    for rows in (1, 2, 7, 300, 1000):
        values = _awkward(rng, (rows, columns))
        values[: rows // 2, :] = -0.0 if rows > 1 else values[:1]    # rows of negative zeros too
        with np.errstate(invalid="ignore", over="ignore"):
            assert row_max(values).tobytes() == np.max(values, axis=1, keepdims=True).tobytes()
            assert row_sum(values).tobytes() == np.sum(values, axis=1, keepdims=True).tobytes()


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.float16, np.int64])
def test_mean_is_numpys(dtype):
    rng = np.random.default_rng(6)
    for shape in [(1,), (7,), (300,), (1000,), (30, 10), (4, 5, 6)]:
        for values in (rng.random(shape) * 10.0 ** rng.integers(-30, 30), _awkward(rng, shape, np.float64)):
            with np.errstate(invalid="ignore", over="ignore"):
                values = values.astype(dtype) if dtype != np.int64 else rng.integers(-9, 9, shape)
                expected = np.mean(values)
                got = mean(values)
            assert type(got) is type(expected) and got.tobytes() == expected.tobytes()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_relu_backward_is_the_books_masked_store_bit_for_bit(dtype):
    rng = np.random.default_rng(7)
    inputs, dvalues = _awkward(rng, (300, 64), dtype), _awkward(rng, (300, 64), dtype)
    book = dvalues.copy()
    book[inputs <= 0] = 0
    assert relu_backward(dvalues, inputs).tobytes() == book.tobytes()
    assert relu_backward(dvalues, inputs, out=dvalues) is dvalues and dvalues.tobytes() == book.tobytes()


def test_softmax_crossentropy_backward_is_the_books():
    rng = np.random.default_rng(8)
    probabilities, y = _awkward(rng, (300, 3)), rng.integers(0, 3, 300)
    book = probabilities.copy()
    book[range(300), y] -= 1
    book = book / 300
    assert softmax_crossentropy_backward(probabilities, y).tobytes() == book.tobytes()


def _exact_non_finite(dense_layers):
    for i, dense in enumerate(dense_layers, start=1):
        for kind, array in (("weights", dense.weights), ("biases", dense.biases)):
            if not np.isfinite(array).all():
                return f"Dense {i} {kind} are {'nan' if np.isnan(array).any() else 'inf'}"
    return None


def test_the_finiteness_check_finds_exactly_what_an_element_by_element_test_finds():
    rng = np.random.default_rng(9)
    huge = np.full((64, 3), 3e38, dtype=np.float32)      # finite, but its sum overflows
    cases = [[huge, huge[:1]], [-huge, huge[:1]], [np.zeros((2, 64), np.float32), np.zeros((1, 64), np.float32)]]
    for _ in range(300):
        cases.append([_awkward(rng, (2, 5)) if rng.random() < 0.3 else rng.standard_normal((2, 5)).astype(np.float32)
                      for _ in range(4)])
    for arrays in cases:
        layers = [types.SimpleNamespace(weights=w, biases=b) for w, b in zip(arrays[::2], arrays[1::2])]
        with np.errstate(over="ignore", invalid="ignore"):
            assert _first_non_finite(layers) == _exact_non_finite(layers)


def test_update_params_works_on_any_object_with_the_books_attributes():
    layer = types.SimpleNamespace(weights=np.ones((2, 3), np.float32), biases=np.zeros((1, 3), np.float32),
                                  dweights=np.full((2, 3), 0.5, np.float32), dbiases=np.ones((1, 3), np.float32))
    optimizer = make_optimizer("adam", lr=0.1)
    optimizer.pre_update_params()
    weight_update, bias_update = optimizer.update_params(layer)
    optimizer.post_update_params()
    assert weight_update.shape == (2, 3) and bias_update.shape == (1, 3)
    assert layer.weight_momentums.shape == (2, 3) and layer.bias_cache.shape == (1, 3)
    np.testing.assert_allclose(layer.weights, 1 - 0.1, rtol=1e-5)
