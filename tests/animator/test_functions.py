"""The analytic test functions: gradients, minima, basins, vectorisation."""

import ast
import dataclasses
import doctest
import inspect

import numpy as np
import pytest

import animator.functions
from animator.functions import (CURVE, FUNCTIONS_1D, FUNCTIONS_2D, Beale, DippedBowl, Parabola1D,
                                Parabola2D, Rosenbrock, Saddle, get_function)

pytestmark = pytest.mark.filterwarnings("error")

ALL = [*FUNCTIONS_1D.values(), *FUNCTIONS_2D.values()]
IDS = [f"{f.dim}d-{f.name}" for f in ALL]


def _sample(function, n, seed=0):
    """``n`` points spread over the function's plotting domain."""
    rng = np.random.default_rng(seed)
    if function.dim == 1:
        return rng.uniform(*function.domain, size=n)
    (x0, x1), (y0, y1) = function.domain
    return np.stack([rng.uniform(x0, x1, n), rng.uniform(y0, y1, n)], axis=-1)


def _central_difference(function, point, h=1e-6):
    if function.dim == 1:
        return (function.value(point + h) - function.value(point - h)) / (2 * h)
    steps = h * np.eye(2)
    return np.array([(function.value(point + e) - function.value(point - e)) / (2 * h) for e in steps])


# -- every function ------------------------------------------------------------


def test_registries_are_keyed_by_name_and_dimension():
    assert set(FUNCTIONS_1D) == {"parabola", "curve"}
    assert set(FUNCTIONS_2D) == {"parabola", "rosenbrock", "beale", "saddle"}
    for table, dim in ((FUNCTIONS_1D, 1), (FUNCTIONS_2D, 2)):
        for name, function in table.items():
            assert function.name == name and function.dim == dim
            assert get_function(name, dim) is function
    with pytest.raises(ValueError, match="unknown 2-D function"):
        get_function("curve", 2)


@pytest.mark.parametrize("function", ALL, ids=IDS)
def test_gradient_matches_central_differences(function):
    for point in _sample(function, 60):
        numeric = _central_difference(function, point)
        scale = 1.0 + abs(float(function.value(point)))
        np.testing.assert_allclose(function.grad(point), numeric, rtol=1e-6, atol=1e-7 * scale)


@pytest.mark.parametrize("function", ALL, ids=IDS)
def test_known_minima_have_zero_gradient_and_the_lowest_value(function):
    minima = function.minima
    assert len(minima) >= 1
    for point in minima:
        np.testing.assert_allclose(function.grad(point), 0.0, atol=1e-12)
        assert float(function.value(point)) == pytest.approx(function.minimum_value, abs=1e-12)
    # nothing on a fine sample of the domain is lower
    assert np.min(function.value(_sample(function, 20_000, seed=1))) >= function.minimum_value - 1e-12


@pytest.mark.parametrize("function", ALL, ids=IDS)
def test_value_and_grad_are_vectorised(function):
    points = _sample(function, 12).reshape((3, 4) + (() if function.dim == 1 else (2,)))
    values, grads = function.value(points), function.grad(points)
    assert values.shape == (3, 4)
    assert grads.shape == points.shape
    for index in np.ndindex(3, 4):
        assert values[index] == pytest.approx(float(function.value(points[index])), rel=1e-12)
        np.testing.assert_allclose(grads[index], function.grad(points[index]), rtol=1e-12)


@pytest.mark.parametrize("function", ALL, ids=IDS)
def test_domain_start_and_repr(function):
    if function.dim == 1:
        lo, hi = function.domain
        assert lo < function.start < hi
    else:
        (x0, x1), (y0, y1) = function.domain
        assert x0 < function.start[0] < x1 and y0 < function.start[1] < y1
    assert all(np.all(function.basin_of(m) == i) for i, m in enumerate(function.local_minima()))
    assert repr(function).startswith(type(function).__name__ + "(")
    with pytest.raises(dataclasses.FrozenInstanceError):
        function.domain = (0, 1)


def test_2d_functions_reject_points_without_an_xy_axis():
    with pytest.raises(ValueError, match="last axis of length 2"):
        Rosenbrock().value(np.zeros(3))


# -- closed forms --------------------------------------------------------------


def test_closed_form_minima():
    assert Parabola1D(a=2.0, c=0.5).minima.tolist() == [0.5]
    assert Parabola2D().minima.tolist() == [[0.0, 0.0]]
    assert Rosenbrock().minima.tolist() == [[1.0, 1.0]]
    assert Rosenbrock(a=2.0).minima.tolist() == [[2.0, 4.0]]
    assert Beale().minima.tolist() == [[3.0, 0.5]]
    assert Beale().value([3.0, 0.5]) == 0.0
    np.testing.assert_allclose(Saddle().minima, [[0, -np.sqrt(2)], [0, np.sqrt(2)]])
    assert Saddle().minimum_value == pytest.approx(-1.0, abs=1e-15)


def test_saddle_point_is_flat_but_not_a_minimum():
    saddle = Saddle()
    assert saddle.grad([0.0, 0.0]).tolist() == [0.0, 0.0]
    assert saddle.value([0.0, 0.0]) == 0.0 > saddle.minimum_value
    # downhill along y, uphill along x
    assert saddle.value([0.0, 0.1]) < 0.0 < saddle.value([0.1, 0.0])
    assert saddle.basin_of([0.3, 0.2]) == 1 and saddle.basin_of([0.3, -0.2]) == 0


# -- the chapter's curve ---------------------------------------------------------


def test_curve_has_three_local_minima_before_the_global_one():
    minima, maxima = CURVE.local_minima(), CURVE.local_maxima()
    assert len(minima) == 4 and len(maxima) == 3
    # minima and the humps between them alternate, left to right
    assert np.all(np.diff(minima) > 0)
    assert np.all((minima[:-1] < maxima) & (maxima < minima[1:]))
    assert CURVE.global_index == 3
    assert CURVE.minima.tolist() == [minima[3]]
    values = CURVE.value(minima)
    assert np.all(np.diff(values) < 0), "each minimum is deeper than the one before"
    np.testing.assert_allclose(CURVE.grad(minima), 0.0, atol=1e-12)
    np.testing.assert_allclose(CURVE.grad(maxima), 0.0, atol=1e-12)


def test_curve_basins_are_real_and_narrow_to_wide():
    minima, maxima = CURVE.local_minima(), CURVE.local_maxima()
    humps = CURVE.value(maxima)
    # every hump stands clearly above the minima on both sides
    assert np.all(humps - CURVE.value(minima[:-1]) > 0.09)
    assert np.all(humps - CURVE.value(minima[1:]) > 0.09)
    # curvature falls by at least two at each minimum: what lets the learning rate pick one
    h = 1e-5
    curvature = (CURVE.grad(minima + h) - CURVE.grad(minima - h)) / (2 * h)
    assert np.all(curvature > 0)
    assert np.all(curvature[:-1] / curvature[1:] > 2)


def test_curve_start_descends_right_into_the_first_basin():
    assert CURVE.start < CURVE.local_minima()[0]
    assert CURVE.basin_of(CURVE.start) == 0
    path = np.linspace(CURVE.start, CURVE.local_minima()[0], 200, endpoint=False)
    assert np.all(CURVE.grad(path) < 0), "downhill all the way to the first minimum"
    lo, hi = CURVE.domain
    assert lo <= CURVE.start and CURVE.local_minima()[-1] < hi


def test_curve_basin_of_splits_at_the_humps():
    maxima = CURVE.local_maxima()
    eps = 1e-9
    assert CURVE.basin_of(maxima - eps).tolist() == [0, 1, 2]
    assert CURVE.basin_of(maxima + eps).tolist() == [1, 2, 3]
    assert CURVE.basin_of(-100.0) == 0 and CURVE.basin_of(100.0) == 3
    assert isinstance(CURVE.basin_of(0.0), int)


def test_curve_values_stay_modest_on_its_domain():
    xs = np.linspace(*CURVE.domain, 2001)
    values = CURVE.value(xs)
    assert values.min() == pytest.approx(CURVE.minimum_value, abs=1e-9)
    assert values.max() < 5.0


def test_critical_points_are_found_once_and_returned_as_copies():
    bowl = DippedBowl(quartic=0.0, quadratic=1.0, centre=0.0, dips=((0.5, 0.0, 0.5),))
    minima = bowl.local_minima()
    minima[0] = 123.0
    assert bowl.local_minima().tolist() == [0.0]
    assert bowl.local_maxima().size == 0


# -- module hygiene -------------------------------------------------------------


def test_docstring_examples():
    assert doctest.testmod(animator.functions).failed == 0


def test_no_plotting_imports():
    tree = ast.parse(inspect.getsource(animator.functions))
    imported = {alias.name.split(".")[0] for node in ast.walk(tree)
                if isinstance(node, (ast.Import, ast.ImportFrom)) for alias in node.names}
    imported |= {node.module.split(".")[0] for node in ast.walk(tree)
                 if isinstance(node, ast.ImportFrom) and node.module}
    assert "matplotlib" not in imported
