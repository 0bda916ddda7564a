import tracemalloc

import numpy as np
import pytest

from animator import UserError, load_csv, make_dataset
from animator.errors import ArgumentError
from animator.datasets import GENERATORS
from animator.rng import make_rng


@pytest.mark.parametrize("name", sorted(GENERATORS))
def test_generators_shape_labels_and_repeatability(name):
    classes = 2 if name in ("xor", "moons") else 4
    X, y = make_dataset(name, 50, classes, rng=make_rng(7))
    assert X.dtype == np.float32 and X.shape == (50 * classes, 2)
    assert sorted(set(y.tolist())) == list(range(classes))
    assert np.bincount(y).min() > 0
    assert np.abs(X).max() < 3
    X2, y2 = make_dataset(name, 50, classes, rng=make_rng(7))
    assert np.array_equal(X, X2) and np.array_equal(y, y2)
    X3, _ = make_dataset(name, 50, classes, rng=make_rng(8))
    assert not np.array_equal(X, X3)


def test_circles_put_each_class_on_its_own_ring():
    X, y = make_dataset("circles", 200, 3, rng=make_rng(0))
    radius = np.hypot(X[:, 0], X[:, 1])
    means = [radius[y == c].mean() for c in range(3)]
    np.testing.assert_allclose(means, [1 / 3, 2 / 3, 1.0], atol=0.03)


def test_xor_labels_follow_the_sign_rule():
    X, y = make_dataset("xor", 100, 2, rng=make_rng(0))
    assert np.array_equal(y, (X[:, 0] * X[:, 1] < 0).astype(int))


def test_csv_with_and_without_header(tmp_path):
    body = "0.5,-1,0\n1.5,2,1\n-3,0.25,2\n"
    for text in (body, "x,y,label\n" + body, "\ufeffx, y, label\n\n" + body + "\n"):
        path = tmp_path / "d.csv"
        path.write_text(text, encoding="utf-8")
        X, y = load_csv(path)
        assert X.dtype == np.float32
        assert X.tolist() == [[0.5, -1.0], [1.5, 2.0], [-3.0, 0.25]]
        assert y.tolist() == [0, 1, 2]


def test_bad_arguments_are_named_as_python_arguments():
    with pytest.raises(ArgumentError, match="^dataset 'swirl' is unknown") as error:
        make_dataset("swirl")
    assert error.value.argument == "dataset"
    for kwargs, argument, message in [
        ({"samples": 0}, "samples", "samples must be at least 1 (got 0)"),
        ({"classes": 1}, "classes", "classes must be at least 2 (got 1)"),
    ]:
        with pytest.raises(ArgumentError) as error:
            make_dataset("spiral", **kwargs)
        assert error.value.argument == argument and str(error.value) == message
        assert "--" not in str(error.value)
    with pytest.raises(ArgumentError, match="the xor dataset has exactly 2 classes") as error:
        make_dataset("xor", 10, 3)
    assert error.value.argument == "classes"


@pytest.mark.parametrize("label", ["1000000000", "1e300", "4"])
def test_a_huge_label_is_refused_at_once(tmp_path, label):
    path = tmp_path / "big.csv"
    path.write_text(f"0.1,0.2,0\n0.3,0.4,1\n0.5,0.6,2\n0.1,0.2,{label}\n")
    tracemalloc.start()
    try:
        with pytest.raises(UserError, match=f"row 4: label {label} but label 3 never appears"):
            load_csv(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8 << 20          # a few rows; the old check built range(label + 1): 24 GB for 1e9


def test_a_missing_label_is_named(tmp_path):
    path = tmp_path / "gap.csv"
    path.write_text("0,0,0\n1,1,3\n2,2,1\n3,3,3\n")
    with pytest.raises(UserError, match="row 2: label 3 but label 2 never appears"):
        load_csv(path)
