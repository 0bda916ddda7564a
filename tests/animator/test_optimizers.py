"""Each optimizer against arithmetic done by hand, its three entry points against each other,
and its validation messages."""

import math

import numpy as np
import pytest

from animator import SGD, Adagrad, Adam, Dense, RMSprop, inverse_time_decay, make_optimizer
from animator import Optimizer_Adagrad, Optimizer_Adam, Optimizer_RMSprop, Optimizer_SGD

G = np.array([0.5, -2.0, 4.0])

# name -> (optimizer factory, expected first update, expected second update with the same gradient)
HAND_WORKED = {
    "sgd": (lambda: SGD(0.1), -0.1 * G, -0.1 * G),
    # the book's buffer holds the update: m1 = -lr g, m2 = momentum m1 - lr g
    "sgd-momentum": (lambda: SGD(0.1, momentum=0.9), -0.1 * G, 0.9 * (-0.1 * G) - 0.1 * G),
    # cache starts at 0: g^2, then 2 g^2; epsilon outside the root
    "adagrad": (lambda: Adagrad(1.0), -G / (np.abs(G) + 1e-7), -G / (np.sqrt(2) * np.abs(G) + 1e-7)),
    # cache 0.1 g^2, then 0.9 * 0.1 g^2 + 0.1 g^2 = 0.19 g^2
    "rmsprop": (lambda: RMSprop(0.001), -0.001 * G / (np.sqrt(0.1) * np.abs(G) + 1e-7),
                -0.001 * G / (np.sqrt(0.19) * np.abs(G) + 1e-7)),
    # with a constant gradient the corrected moments are exactly g and g^2 at every step
    "adam": (lambda: Adam(0.01), -0.01 * G / (np.abs(G) + 1e-7), -0.01 * G / (np.abs(G) + 1e-7)),
    # decay: the second update uses lr / (1 + decay * 1)
    "sgd-decay": (lambda: SGD(1.0, decay=0.5), -1.0 * G, -(1.0 / 1.5) * G),
}


@pytest.mark.parametrize("name", HAND_WORKED)
def test_two_steps_against_hand_worked_values(name):
    factory, first, second = HAND_WORKED[name]
    x = np.zeros(3)
    opt = factory()
    state = opt.init(x)
    u1, state = opt.update(G.copy(), state)
    u2, state = opt.update(G.copy(), state)
    np.testing.assert_allclose(u1, first, rtol=1e-12)
    np.testing.assert_allclose(u2, second, rtol=1e-12)
    assert state.count == 2 and opt.iterations == 0     # the state is the caller's value, not the optimizer's


def test_adam_bias_correction_uses_iterations_plus_one():
    opt = Adam(0.1, beta_1=0.5, beta_2=0.75)
    g1, g2 = np.array([1.0]), np.array([3.0])
    state = opt.init(np.zeros(1))
    u1, state = opt.update(g1, state)
    u2, state = opt.update(g2, state)
    m = 0.5 * (0.5 * 1.0) + 0.5 * 3.0          # 1.75
    v = 0.75 * (0.25 * 1.0) + 0.25 * 9.0       # 2.4375
    m_hat, v_hat = m / (1 - 0.5 ** 2), v / (1 - 0.75 ** 2)
    np.testing.assert_allclose(u1, [-0.1 * 1.0 / (1.0 + 1e-7)], rtol=1e-12)
    np.testing.assert_allclose(u2, [-0.1 * m_hat / (math.sqrt(v_hat) + 1e-7)], rtol=1e-12)
    np.testing.assert_allclose(state.slots["momentums"], [m], rtol=1e-12)
    np.testing.assert_allclose(state.slots["cache"], [v], rtol=1e-12)


@pytest.mark.parametrize("lr, decay", [(1.0, 1e-2), (1.0, 1e-3), (0.05, 5e-7), (0.02, 1e-5), (1.0, 0.1)])
def test_decay_schedule_is_the_closed_form(lr, decay):
    schedule = inverse_time_decay(lr, decay)
    opt = SGD(lr, decay=decay)
    for t in range(0, 20001, 997):
        assert schedule(t) == lr * (1.0 / (1.0 + decay * t))
    for t in range(50):
        opt.pre_update_params()
        assert opt.current_learning_rate == lr * (1.0 / (1.0 + decay * t))
        opt.post_update_params()
    assert inverse_time_decay(1.0, 0.1)(20) == pytest.approx(1 / 3)


def test_no_decay_keeps_the_learning_rate():
    opt = RMSprop()
    for _ in range(5):
        opt.pre_update_params()
        opt.post_update_params()
    assert opt.current_learning_rate == 0.001


CONFIGS = [("sgd", {}), ("sgd", {"momentum": 0.9, "decay": 1e-3}), ("adagrad", {"decay": 1e-4}),
           ("rmsprop", {"lr": 0.02, "rho": 0.999}), ("adam", {"lr": 0.05, "decay": 5e-7})]


@pytest.mark.parametrize("name, hyper", CONFIGS)
def test_book_protocol_and_pure_update_agree_bit_for_bit(name, hyper):
    rng = np.random.default_rng(5)
    layer = Dense(4, 3, rng=np.random.RandomState(0))
    weights, biases = layer.weights.copy(), layer.biases.copy()
    book, pure = (make_optimizer(name, **hyper) for _ in range(2))
    states = [pure.init(weights), pure.init(biases)]
    for _ in range(6):
        layer.dweights = rng.standard_normal((4, 3)).astype(np.float32)
        layer.dbiases = rng.standard_normal((1, 3)).astype(np.float32)
        grads = [layer.dweights.copy(), layer.dbiases.copy()]
        book.pre_update_params()
        book_updates = book.update_params(layer)
        book.post_update_params()
        pure_updates = []
        for i, (param, g) in enumerate(zip((weights, biases), grads)):
            update, states[i] = pure.update(g, states[i])
            param += update
            pure_updates.append(update)
        for a, b in zip(book_updates, pure_updates):
            assert a.dtype == np.float32
            assert np.array_equal(a, b)
    assert np.array_equal(layer.weights, weights) and np.array_equal(layer.biases, biases)
    for slot in book.slots:   # the book's per-layer names
        assert np.array_equal(getattr(layer, f"weight_{slot}"), states[0].slots[slot])


def test_pure_update_does_not_touch_its_inputs():
    opt = Adam(0.1)
    grad = np.array([1.0, 2.0])
    state = opt.init(np.zeros(2))
    update, new_state = opt.update(grad, state)
    assert state.count == 0 and not state.slots["cache"].any()
    assert new_state.count == 1
    assert np.array_equal(grad, [1.0, 2.0])


def test_book_names_and_defaults():
    assert Optimizer_SGD is SGD and Optimizer_Adagrad is Adagrad
    assert Optimizer_RMSprop is RMSprop and Optimizer_Adam is Adam
    assert SGD().hyperparameters() == {"lr": 1.0, "decay": 0.0, "momentum": 0.0}
    assert Adagrad().hyperparameters() == {"lr": 1.0, "decay": 0.0, "epsilon": 1e-7}
    assert RMSprop().hyperparameters() == {"lr": 0.001, "decay": 0.0, "epsilon": 1e-7, "rho": 0.9}
    assert Adam().hyperparameters() == {"lr": 0.001, "decay": 0.0, "epsilon": 1e-7, "beta1": 0.9, "beta2": 0.999}
    assert repr(SGD(0.5, momentum=0.9)) == "SGD(lr=0.5, decay=0.0, momentum=0.9)"


@pytest.mark.parametrize("factory, message", [
    (lambda: SGD(-1.0), "Invalid learning rate: -1.0"),
    (lambda: SGD(float("nan")), "Invalid learning rate: nan"),
    (lambda: Adam(float("inf")), "Invalid learning rate: inf"),
    (lambda: SGD("fast"), "Invalid learning rate: 'fast'"),
    (lambda: SGD(momentum=1.5), "Invalid momentum value: 1.5"),
    (lambda: SGD(momentum=-0.1), "Invalid momentum value: -0.1"),
    (lambda: SGD(momentum=1.0), "Invalid momentum value: 1.0"),
    (lambda: SGD(decay=-1e-3), "Invalid decay value: -0.001"),
    (lambda: Adam(beta_1=1.0), "Invalid beta parameter at index 0: 1.0"),
    (lambda: Adam(beta_2=1.0), "Invalid beta parameter at index 1: 1.0"),
    (lambda: Adam(beta_2=float("nan")), "Invalid beta parameter at index 1: nan"),
    (lambda: Adagrad(epsilon=0.0), "Invalid epsilon value: 0.0"),
    (lambda: RMSprop(epsilon=-1e-7), "Invalid epsilon value: -1e-07"),
    (lambda: RMSprop(rho=1.2), "Invalid rho value: 1.2"),
    (lambda: make_optimizer("adam", momentum=0.9), "adam has no hyper-parameter 'momentum'"),
    (lambda: make_optimizer("lbfgs"), "unknown optimizer 'lbfgs'"),
])
def test_invalid_hyperparameters_raise_value_error(factory, message):
    with pytest.raises(ValueError) as info:
        factory()
    assert str(info.value).startswith(message)
