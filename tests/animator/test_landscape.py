"""The landscape engine: its planes, its lines and its losses, checked against independent arithmetic.

The loss at any parameters is recomputed here with the book's layer classes
(``Dense``, ``ReLU``, ``SoftmaxCrossEntropy``: the chapter's own code path, not the
:class:`~animator.network.Network` the engine uses), and the PCA against the
eigenvalues of the trajectories' covariance.
"""

import numpy as np
import pytest

from animator.errors import ArgumentError
from animator.landscape import landscape, landscape_of, line_steps
from animator.landscape_loss import flatten, losses, unflatten
from animator.layers import Dense, ReLU, SoftmaxCrossEntropy
from animator.network import Network
from animator.optimizers import make_optimizer
from animator.rng import make_rng
from animator.run import RunConfig, make_recording, planned_frames
from animator.datasets import make_dataset
from animator.trainer import Trainer

SPECS = ["sgd:lr=1,decay=1e-3,momentum=0.9", "adam:lr=0.05,decay=5e-7", "adagrad:decay=1e-4"]
SMALL = RunConfig(epochs=150, frames=12)


def book_loss(X, y, theta, shapes):
    """The chapter's forward pass and loss, with its own classes, at the parameter vector ``theta``."""
    out = X
    layers = unflatten(theta, shapes)
    for i, (w, b) in enumerate(layers):
        dense = Dense(*w.shape, rng=np.random.RandomState(1))
        dense.weights, dense.biases = w, b
        dense.forward(out)
        out = dense.output
        if i < len(layers) - 1:
            relu = ReLU()
            relu.forward(out)
            out = relu.output
    return np.float32(SoftmaxCrossEntropy().forward(out, y))


def shapes_of(result):
    r = result.recordings[0]
    return [r[f"dense{i}.weights"].shape[1:] for i in range(1, r.n_layers + 1)]


def thetas_of(recording):
    n = recording.n_layers
    return np.stack([flatten([recording[f"dense{i}.weights"][r] for i in range(1, n + 1)],
                             [recording[f"dense{i}.biases"][r] for i in range(1, n + 1)])
                     for r in range(len(recording.param_epochs))])


@pytest.fixture(scope="module")
def plane():
    return landscape(SPECS, SMALL, resolution=9, path_points=40, workers=1)


@pytest.fixture(scope="module")
def line():
    return landscape(SPECS, SMALL, slice="line", resolution=20, path_points=40, workers=1)


def test_the_directions_are_orthonormal(plane):
    d = plane.plane.directions
    assert np.allclose(d @ d.T, np.eye(2), atol=1e-12)
    random = landscape_of(plane.recordings, directions="random", seed=4, resolution=5, workers=1).plane
    assert np.allclose(random.directions @ random.directions.T, np.eye(2), atol=1e-12)
    assert random.seed == 4 and random.explained is None and min(random.unit) > 0


def test_every_entrant_starts_at_the_same_point(plane):
    starts = [thetas_of(r)[0] for r in plane.recordings]
    assert all(np.array_equal(s, starts[0]) for s in starts)
    assert all(np.array_equal(p[0], plane.paths[0][0]) for p in plane.paths)
    assert all(p[0].tolist() == [0.0, 0.0] for p in plane.paths)          # centred at the start by default


def test_the_loss_drawn_under_a_ball_is_the_loss_at_its_projected_parameters(plane):
    X, y, shapes = plane.recordings[0].X, plane.recordings[0].y, shapes_of(plane)
    for k, recording in enumerate(plane.recordings):
        thetas = thetas_of(recording)
        for i in (0, len(plane.frame_epochs) // 2, len(plane.frame_epochs) - 1):
            row = plane.rows[k][i]
            assert recording.param_epochs[row] <= plane.frame_epochs[i]
            projected = plane.plane.point(plane.plane.coordinates(thetas[row]))[0]
            assert plane.projected_loss[k][i] == book_loss(X, y, projected, shapes)


def test_the_grid_holds_the_loss_at_its_nodes(plane):
    grid, X, y, shapes = plane.grid, plane.recordings[0].X, plane.recordings[0].y, shapes_of(plane)
    for row, col in ((0, 0), (4, 7), (8, 8)):
        theta = plane.plane.point([[grid.a[col], grid.b[row]]])[0]
        assert grid.loss[row, col] == book_loss(X, y, theta, shapes)


def test_the_explained_share_is_the_pcas_own(plane):
    points = np.concatenate([thetas_of(r) for r in plane.recordings])
    eigen = np.sort(np.linalg.eigvalsh(np.cov(points, rowvar=False)))[::-1]
    assert plane.plane.explained == pytest.approx(tuple(eigen[:2] / eigen.sum()), rel=1e-9)
    # and the plane's directions are the covariance's top eigenvectors
    _, vectors = np.linalg.eigh(np.cov(points, rowvar=False))
    for d, v in zip(plane.plane.directions, vectors[:, ::-1].T):
        assert abs(d @ v) == pytest.approx(1.0, abs=1e-9)
    assert np.allclose(plane.offsets[0], plane.plane.distance(thetas_of(plane.recordings[0])))


def test_the_grid_is_the_same_on_any_number_of_workers(plane):
    X, y, shapes = plane.recordings[0].X, plane.recordings[0].y, shapes_of(plane)
    points = plane.plane.point(plane.grid.nodes(0, 81))
    one = losses(X, y, shapes, points, workers=1)
    two = losses(X, y, shapes, points, workers=2)
    assert one.tobytes() == two.tobytes() == plane.grid.loss.ravel().tobytes()


def test_centres_move_the_plane_not_its_directions(plane):
    ends = landscape_of(plane.recordings, centre="end adam", resolution=5, workers=1)
    assert np.array_equal(ends.plane.origin, thetas_of(plane.recordings[1])[-1])
    assert np.allclose(ends.plane.directions, plane.plane.directions)
    assert ends.paths[1][-1].tolist() == [0.0, 0.0]
    mean = landscape_of(plane.recordings, centre="mean", resolution=5, workers=1)
    assert np.allclose(mean.plane.origin, np.concatenate([thetas_of(r) for r in plane.recordings]).mean(axis=0))
    for bad in ("end nadam", "end sgd adam", "middle", "start 1"):
        with pytest.raises(ArgumentError, match="centre"):
            landscape_of(plane.recordings, centre=bad, resolution=5, workers=1)


def test_the_line_reaches_the_logged_losses_at_0_and_1(line):
    t = line.line.t
    assert t[0] == -0.25 and t[-1] == 1.25 and 0.0 in t and 1.0 in t
    at0, at1 = int(np.flatnonzero(t == 0)[0]), int(np.flatnonzero(t == 1)[0])
    for k, recording in enumerate(line.recordings):
        assert line.line.loss[k, at0] == recording.loss[0]
        assert line.line.loss[k, at1] == recording.loss[-1]
        # as the training log prints them
        assert f"loss: {line.line.loss[k, at1]:.3f}" == f"loss: {recording.loss[-1]:.3f}"
        assert line.paths[k][0] == 0.0 and line.paths[k][-1] == pytest.approx(1.0)
        assert line.offsets[k][0] == 0.0 and line.offsets[k][-1] == pytest.approx(0.0, abs=1e-9)


def test_line_steps_hit_0_and_1_exactly():
    for resolution in (4, 7, 60, 333):
        t = line_steps(resolution)
        assert 0.0 in t and 1.0 in t


def test_bad_arguments_are_refused_before_any_work():
    for options, argument in (({"slice": "cube"}, "slice"), ({"directions": "pcb"}, "directions"),
                              ({"resolution": 2}, "resolution"), ({"path_points": 1}, "path_points")):
        with pytest.raises(ArgumentError, match=argument):
            landscape(["sgd"], RunConfig(epochs=3), **options)
    with pytest.raises(ArgumentError, match="epochs"):
        landscape(["sgd"], RunConfig(epochs=1), workers=1)


# -- a convex problem: softmax regression, no hidden layer, on separable data --------------------------

def _convex_recordings():
    rng = make_rng(3)
    X, y = make_dataset("gaussians", 40, 3, rng=rng)
    recordings = []
    for name, hyper in (("sgd", {"lr": 0.5}), ("adam", {"lr": 0.02})):
        network = Network(2, (), 3, rng=np.random.RandomState(5))
        optimizer = make_optimizer(name, **hyper)
        config = RunConfig(hidden=(), optimizer=name, hyperparameters=hyper, epochs=120, frames=40, grid_resolution=2)
        result = Trainer(network, optimizer, X, y).run(120, keep=planned_frames(config))
        recordings.append(make_recording(config, X, y, network, optimizer, result))
    return recordings


def test_a_convex_landscape_has_one_minimum_and_no_path_climbs_out():
    recordings = _convex_recordings()
    assert recordings[0].accuracy[-1] == 1.0                      # the data are separable
    result = landscape_of(recordings, resolution=25, workers=1)
    z = result.grid.loss.astype(np.float64)
    padded = np.pad(z, 1, constant_values=np.inf)
    neighbours = np.stack([padded[1 + dr:1 + dr + z.shape[0], 1 + dc:1 + dc + z.shape[1]]
                           for dr in (-1, 0, 1) for dc in (-1, 0, 1) if dr or dc])
    assert int(np.sum(z < neighbours.min(axis=0))) == 1
    for k, recording in enumerate(recordings):
        assert np.all(np.diff(recording.loss.astype(np.float64)) <= 0)              # the run only descends
        assert np.all(np.diff(result.projected_loss[k].astype(np.float64)) <= 1e-6)  # and so does its ball
    line = landscape_of(recordings, slice="line", resolution=20, workers=1)
    for curve in line.line.loss.astype(np.float64):
        assert np.all(np.diff(curve, 2) >= -1e-5)                                    # convex along the line


def test_a_landscape_of_loaded_runs_sums_with_one_blas_thread_as_training_does(tmp_path):
    """The plane's SVD summed by another number of BLAS threads differs in its last bits: a book whose runs came
    from its cache wrote another ``view.explained`` into its landscape than one that trained them."""
    import os
    import subprocess
    import sys

    from animator import train

    paths = []
    for k, spec in enumerate(({"lr": 1.0}, {"lr": 0.5})):
        path = tmp_path / f"run{k}.npz"
        train(RunConfig(epochs=40, frames=5, grid_resolution=4, hyperparameters=spec)).save(path)
        paths.append(str(path))
    code = ("import sys\nimport numpy as np\nfrom threadpoolctl import threadpool_info\n"
            "from animator.landscape import landscape_of\nfrom animator.recording import Recording\n"
            "svd, seen = np.linalg.svd, set()\n"
            "def counted(*args, **kwargs):\n"
            "    seen.update(pool['num_threads'] for pool in threadpool_info() if pool['user_api'] == 'blas')\n"
            "    return svd(*args, **kwargs)\n"
            "np.linalg.svd = counted\n"
            "landscape_of([Recording.load(p) for p in sys.argv[1:]], frames=5, resolution=4, workers=1)\n"
            "print(sorted(seen))\n")
    env = {key: value for key, value in os.environ.items()
           if key not in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS")}
    done = subprocess.run([sys.executable, "-c", code, *paths], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[1]"
