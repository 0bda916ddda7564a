"""Descents on the analytic functions: the chapter's stories, divergence, the 2-D races."""

import ast
import doctest
import inspect
import warnings

import numpy as np
import pytest

import animator.chapter
import animator.descent
from animator.chapter import DESCENTS as PRESETS, RACES_2D as RACES
from animator.descent import (Trajectory, basins, descend, distance_to_minimum,
                              final_basin, first_arrival, outcome, run_preset, run_race,
                              steps_to_reach)
from animator.functions import CURVE, FUNCTIONS_2D, Parabola1D, Parabola2D, Rosenbrock, Saddle
from animator.optimizers import SGD, make_optimizer

pytestmark = pytest.mark.filterwarnings("error")

GLOBAL = CURVE.minima[0]


@pytest.fixture(scope="module")
def runs():
    """Every preset, run once."""
    return {name: run_preset(name) for name in PRESETS}


# -- the chapter's stories -------------------------------------------------------


@pytest.mark.parametrize("name", list(PRESETS))
def test_preset_tells_its_story(runs, name):
    preset, trajectory = PRESETS[name], runs[name]
    ended = outcome(trajectory, CURVE)
    assert ended.behaviour == preset.behaviour
    if preset.basin is not None:
        assert ended.basin == final_basin(trajectory, CURVE) == preset.basin
    if preset.behaviour != "diverges":
        assert trajectory.steps == preset.steps and trajectory.diverged_at is None
    if preset.reach is not None:
        lo, hi = preset.reach
        assert lo <= steps_to_reach(trajectory, GLOBAL) <= hi
    else:
        assert steps_to_reach(trajectory, GLOBAL) is None


def test_presets_are_the_chapters_figures_in_order():
    assert [p.figure for p in PRESETS.values()] == list(range(3, 14))
    for preset in PRESETS.values():
        assert preset.function == "curve" and preset.optimizer.name == "sgd"
        assert preset.caption and preset.caption[0].isupper()
        if preset.reach:
            assert f"{preset.reach[0]}-{preset.reach[1]}" in preset.caption
            assert preset.reach[1] < preset.steps


def test_stuck_trio_is_plain_sgd_with_a_growing_learning_rate(runs):
    names = ["stuck-first-minimum", "stuck-second-minimum", "stuck-third-minimum"]
    rates = [PRESETS[n].hyper["lr"] for n in names]
    assert rates == sorted(rates)
    assert all("momentum" not in PRESETS[n].hyper for n in names)
    assert [final_basin(runs[n], CURVE) for n in names] == [0, 1, 2]
    # each one passed through the basins before the one it stopped in
    for index, name in enumerate(names):
        assert set(basins(runs[name], CURVE).tolist()) == set(range(index + 1))


def test_reaching_the_global_minimum_gets_faster_story_by_story(runs):
    names = ["momentum-slow", "momentum-better", "momentum-fast", "good", "efficient"]
    reached = [steps_to_reach(runs[n], GLOBAL) for n in names]
    assert reached == sorted(reached, reverse=True) and len(set(reached)) == len(reached)
    bands = [PRESETS[n].reach for n in names]
    for slower, faster in zip(bands, bands[1:]):
        assert faster[1] < slower[0], "the documented bands do not overlap"
    # the momentum trio: small learning rates with large momentum, about 200, 100, 50 steps
    for name, about in zip(names[:3], (200, 100, 50)):
        assert PRESETS[name].hyper["momentum"] >= 0.85 and PRESETS[name].hyper["lr"] <= 0.1
        assert 0.7 * about <= steps_to_reach(runs[name], GLOBAL) <= 1.3 * about


def test_momentum_carries_the_ball_over_the_humps(runs):
    # the same small learning rate without momentum never leaves the first dip
    lr = PRESETS["momentum-slow"].hyper["lr"]
    plain = descend(CURVE, make_optimizer("sgd", lr=lr), None, PRESETS["momentum-slow"].steps)
    assert final_basin(plain, CURVE) == 0
    assert set(basins(runs["momentum-slow"], CURVE).tolist()) == {0, 1, 2, 3}


def test_too_large_keeps_jumping_around_the_global_minimum(runs):
    tail = runs["too-large"].positions[-20:, 0]
    assert np.all(CURVE.basin_of(tail) == 3)
    # it jumps from one side of the minimum to the other, and never closes in
    sides = np.sign(tail - GLOBAL)
    assert np.all(sides[1:] != sides[:-1])
    assert np.min(np.abs(tail - GLOBAL)) > 0.5


def test_far_too_large_hops_between_valleys(runs):
    trajectory = runs["far-too-large"]
    visited = basins(trajectory, CURVE)
    assert set(visited.tolist()) == {0, 1, 2, 3}
    assert np.count_nonzero(np.diff(visited[50:])) > 10, "it keeps changing valley"
    assert trajectory.diverged_at is None


def test_explosion_overflows_silently():
    before = np.geterr()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        trajectory = run_preset("explosion")
    assert np.geterr() == before, "the library must not change numpy's error settings"
    assert trajectory.diverged_at is not None and trajectory.diverged_at < PRESETS["explosion"].steps
    assert trajectory.diverged_at == len(trajectory.positions) == trajectory.steps + 1
    assert trajectory.cause.startswith(f"step {trajectory.diverged_at}:")
    assert outcome(trajectory, CURVE).behaviour == "diverges"
    assert final_basin(trajectory, CURVE) is None
    # every step lands higher than the last, with a steeper slope, until overflow
    assert np.all(np.diff(trajectory.values) > 0)
    assert np.all(np.diff(np.abs(trajectory.gradients[1:, 0])) > 0)
    assert trajectory.values[-1] > 1e30
    for array in (trajectory.positions, trajectory.values, trajectory.gradients,
                  trajectory.updates, trajectory.learning_rates):
        assert np.all(np.isfinite(array))


def test_run_preset_overrides():
    moved = run_preset("stuck-first-minimum", lr=PRESETS["stuck-third-minimum"].hyper["lr"])
    assert final_basin(moved, CURVE) == 2
    short = run_preset("good", steps=5, start=-3.5)
    assert short.steps == 5 and short.positions[0, 0] == -3.5
    assert short.optimizer.hyperparameters["momentum"] == 0.7
    with pytest.raises(ValueError, match="is unknown"):
        run_preset("nope")
    with pytest.raises(ValueError, match="no hyper-parameter"):
        run_preset("good", beta1=0.9)


def test_presets_are_immutable():
    preset = PRESETS["good"]
    with pytest.raises(TypeError):
        preset.hyper["lr"] = 1.0
    with pytest.raises(AttributeError):
        preset.steps = 1
    assert "good" in repr(preset) and hash(preset) == hash(PRESETS["good"])


# -- descend ---------------------------------------------------------------------


def test_trajectory_shapes_and_bookkeeping():
    trajectory = descend(CURVE, make_optimizer("sgd", lr=0.05, momentum=0.5), None, 30)
    assert trajectory.positions.shape == (31, 1) and trajectory.positions.dtype == np.float64
    assert trajectory.values.shape == (31,) and trajectory.gradients.shape == (31, 1)
    assert trajectory.updates.shape == (30, 1) and trajectory.learning_rates.shape == (30,)
    assert trajectory.positions[0, 0] == CURVE.start
    np.testing.assert_allclose(np.diff(trajectory.positions, axis=0), trajectory.updates, atol=1e-15)
    np.testing.assert_array_equal(trajectory.values, CURVE.value(trajectory.positions[:, 0]))
    np.testing.assert_array_equal(trajectory.gradients[:, 0], CURVE.grad(trajectory.positions[:, 0]))
    assert np.all(trajectory.learning_rates == 0.05)
    assert trajectory.function == "curve"
    assert trajectory.optimizer == make_optimizer("sgd", lr=0.05, momentum=0.5).spec
    assert (trajectory.diverged_at, trajectory.cause, trajectory.converged_at) == (None, None, None)
    assert "Trajectory(curve" in repr(trajectory)


def test_descend_matches_the_books_momentum_formula_number_for_number():
    lr, momentum, x, velocity = 0.02, 0.9, CURVE.start, 0.0
    expected = [x]
    for _ in range(200):
        velocity = momentum * velocity - lr * CURVE.grad(x)
        x = x + velocity
        expected.append(x)
    trajectory = descend(CURVE, make_optimizer("sgd", lr=lr, momentum=momentum), None, 200)
    np.testing.assert_array_equal(trajectory.positions[:, 0], expected)


def test_learning_rate_decay_is_recorded_per_step():
    trajectory = descend(Parabola2D(), make_optimizer("sgd", lr=0.1, decay=0.5), None, 4)
    np.testing.assert_allclose(trajectory.learning_rates, [0.1 / (1 + 0.5 * t) for t in range(4)])


def test_same_start_same_trajectory():
    first, second = (descend(CURVE, make_optimizer("adam", lr=0.3), -3.0, 300) for _ in range(2))
    for name in ("positions", "values", "gradients", "updates", "learning_rates"):
        np.testing.assert_array_equal(getattr(first, name), getattr(second, name))
    again = run_preset("far-too-large"), run_preset("far-too-large")
    np.testing.assert_array_equal(again[0].positions, again[1].positions)


def test_descend_accepts_any_start_and_copies_it():
    start = np.array([0.5, -0.5])
    trajectory = descend(Rosenbrock(), make_optimizer("sgd", lr=1e-3), start, 3)
    assert start.tolist() == [0.5, -0.5]
    assert trajectory.positions[0].tolist() == [0.5, -0.5]
    assert descend(Parabola1D(), SGD(0.1), 1, 2).positions.dtype == np.float64


def test_descend_leaves_the_optimizer_alone_and_needs_a_sane_start():
    optimizer = make_optimizer("sgd", lr=0.1, momentum=0.9)
    first = descend(Parabola1D(), optimizer, None, 5)
    again = descend(Parabola1D(), optimizer, None, 5)       # the pure step keeps no state on the optimizer
    np.testing.assert_array_equal(first.positions, again.positions)
    assert optimizer.iterations == 0
    with pytest.raises(TypeError):
        descend(Parabola1D(), "sgd", None, 1)
    with pytest.raises(ValueError, match="start must be finite"):
        descend(Parabola1D(), SGD(0.1), np.nan, 1)
    with pytest.raises(ValueError, match="steps must be 0 or more"):
        descend(Parabola1D(), SGD(0.1), None, -1)
    with pytest.raises(ValueError, match="steps must be at most"):
        descend(Parabola1D(), SGD(0.1), None, 10**8)
    with pytest.raises(ValueError, match="whole number"):
        descend(Parabola1D(), SGD(0.1), None, 2.5)


def test_stop_when_converged():
    trajectory = descend(Parabola1D(), SGD(0.4), None, 1000, stop_when_converged=True, tol=1e-10)
    assert trajectory.converged_at is not None and trajectory.converged_at < 50
    assert trajectory.steps == trajectory.converged_at
    assert abs(trajectory.positions[-1, 0]) <= 1e-10
    assert descend(Parabola1D(), SGD(0.4), None, 60).steps == 60


def test_divergence_on_a_2d_bowl_hits_the_bound_without_warnings():
    # lr * 2b = 8 > 2: y is multiplied by -7 every step
    trajectory = descend(Parabola2D(), SGD(1.0), None, 1000)
    assert trajectory.diverged_at is not None and trajectory.diverged_at < 200
    assert "beyond" in trajectory.cause
    assert np.all(np.isfinite(trajectory.positions))


def test_divergence_to_nan_is_caught():
    trajectory = descend(Rosenbrock(), SGD(1.0), None, 100, bound=np.inf)
    assert trajectory.diverged_at is not None
    assert any(word in trajectory.cause for word in ("inf", "nan"))


# -- reading trajectories ----------------------------------------------------------


def _path(*xs):
    positions = np.array(xs, dtype=float).reshape(-1, 1)
    n = len(xs) - 1
    return Trajectory(positions, CURVE.value(positions[:, 0]), CURVE.grad(positions).reshape(-1, 1),
                      np.diff(positions, axis=0), np.full(n, 0.1), "curve", "test")


def test_steps_to_reach_and_first_arrival():
    path = _path(-1.0, 0.0, 1.0, 0.99, 5.0, 1.02, 1.0, 1.0)
    assert first_arrival(path, 1.0, tol=0.05) == 2
    assert steps_to_reach(path, 1.0, tol=0.05) == 5
    assert steps_to_reach(path, 7.0, tol=0.05) is None
    assert steps_to_reach(_path(1.0, 1.0), [1.0]) == 0
    assert first_arrival(path, 7.0) is None


def test_outcome_classification():
    m = CURVE.local_minima()
    assert outcome(_path(*[m[1]] * 25), CURVE) == ("settles", 1)
    assert outcome(_path(*[m[3] - 0.3, m[3] + 0.3] * 15), CURVE) == ("oscillates", 3)
    assert outcome(_path(*[m[0], m[3]] * 15), CURVE).behaviour == "wanders"


def test_distance_to_the_nearest_minimum():
    trajectory = descend(Saddle(), SGD(0.0), (0.0, 0.5), 2)
    np.testing.assert_allclose(distance_to_minimum(trajectory, Saddle()), np.sqrt(2) - 0.5)


# -- 2-D races -------------------------------------------------------------------


@pytest.mark.parametrize("race", ["parabola", "rosenbrock", "beale", "saddle"])
def test_every_entrant_finishes_near_the_minimum(race):
    results = run_race(race)
    function = FUNCTIONS_2D[RACES[race].function]
    assert list(results) == ["SGD", "SGD with momentum", "AdaGrad", "RMSProp", "Adam"]
    for label, trajectory in results.items():
        assert trajectory.diverged_at is None, label
        assert trajectory.steps == RACES[race].steps
        assert distance_to_minimum(trajectory, function)[-1] < RACES[race].tol, label


def test_races_use_each_optimizer_once():
    for race in RACES.values():
        kinds = [(e.optimizer.name, "momentum" in e.optimizer.hyperparameters) for e in race.entrants]
        assert sorted(kinds) == sorted([("sgd", False), ("sgd", True), ("adagrad", False),
                                        ("rmsprop", False), ("adam", False)])
    with pytest.raises(ValueError, match="has no race"):
        run_race("nope")


def test_the_saddle_point_holds_a_ball_started_exactly_on_it():
    saddle = Saddle()
    stuck = descend(saddle, SGD(0.1), (2.0, 0.0), 400)
    assert stuck.positions[-1].tolist() == [pytest.approx(0.0, abs=1e-30), 0.0]
    escaped = descend(saddle, SGD(0.1), (2.0, 1e-6), 400)
    assert distance_to_minimum(escaped, saddle)[-1] < 1e-6


# -- module hygiene -------------------------------------------------------------


def test_docstring_examples():
    assert doctest.testmod(animator.descent).failed == 0
    assert doctest.testmod(animator.chapter).failed == 0


def test_no_plotting_imports():
    tree = ast.parse(inspect.getsource(animator.descent))
    modules = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            modules.add(node.module or "")
    assert not any(name.startswith("matplotlib") for name in modules)
