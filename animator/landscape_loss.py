"""The loss at any parameters, with training's own forward pass, for many points and on every core.

A landscape asks for the loss at thousands of parameter vectors: the nodes of a
grid on a plane, points on a line, the projections of a path.  Each is computed
exactly as training computes the loss it logs: the vector is rounded to the
layers' float32 arrays and :meth:`animator.network.Network.forward` runs on the
training data (the book's float64-then-float32 products, softmax and clipped
cross-entropy).  So the loss at a run's recorded weights is the loss its
training log printed for that epoch, bit for bit.

Points are independent, so :func:`losses` splits them into chunks that worker
processes (:class:`animator.pool.Pool`) evaluate one point at a time; the
chunks come back in order and every point's number is the same on any number of
workers.

>>> shapes = [(2, 64), (64, 3)]                                     # doctest: +SKIP
>>> losses(X, y, shapes, np.stack([flatten(weights, biases)]))      # doctest: +SKIP
array([1.0986...], dtype=float32)
"""

import os

import numpy as np

from . import pool
from .network import Network
from .threads import one_blas_thread

CHUNKS_PER_WORKER = 4      # for balance: a worker that drew a slow chunk is not the last to finish by much
MAX_WORKERS = 4


def layer_shapes(weights):
    """``[(n_in, n_out), ...]`` of a network given by its weight arrays."""
    return [tuple(int(n) for n in np.shape(w)[-2:]) for w in weights]


def size_of(shapes):
    """The number of parameters (weights and biases) of layers shaped ``shapes``."""
    return sum(n_in * n_out + n_out for n_in, n_out in shapes)


def flatten(weights, biases):
    """One float64 vector of a network's parameters: each layer's weights (row-major), then its biases, in order.

    Every float32 value is exact in float64, so :func:`unflatten` gives the same arrays back.
    """
    parts = []
    for w, b in zip(weights, biases):
        parts += [np.asarray(w, dtype=np.float64).ravel(), np.asarray(b, dtype=np.float64).ravel()]
    return np.concatenate(parts)


def unflatten(theta, shapes):
    """The layers' float32 ``(weights, biases)`` of the vector ``theta``: each value rounded to float32 once."""
    out, at = [], 0
    for n_in, n_out in shapes:
        w = np.ascontiguousarray(theta[at:at + n_in * n_out], dtype=np.float32).reshape(n_in, n_out)
        at += n_in * n_out
        b = np.ascontiguousarray(theta[at:at + n_out], dtype=np.float32).reshape(1, n_out)
        at += n_out
        out.append((w, b))
    return out


class LossAt:
    """Training's loss at any parameters: ``LossAt(X, y, shapes)(theta)`` is a float32.

    The network is built once (its weights are replaced at every call, so what
    it draws is never used: it draws from a stream of its own, leaving numpy's
    global one alone) and reuses its buffers, as training does.
    """

    def __init__(self, X, y, shapes):
        self.X, self.y, self.shapes = X, y, [tuple(s) for s in shapes]
        hidden = tuple(n_out for _, n_out in self.shapes[:-1])
        self.network = Network(self.shapes[0][0], hidden, self.shapes[-1][1], rng=np.random.RandomState(0))

    def __call__(self, theta):
        for dense, (w, b) in zip(self.network.dense, unflatten(theta, self.shapes)):
            dense.weights, dense.biases = w, b
        with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
            return np.float32(self.network.forward(self.X, self.y))

    def many(self, thetas):
        """The loss at each row of ``thetas`` (n, P), as float32."""
        return np.array([self(theta) for theta in thetas], dtype=np.float32).reshape(len(thetas))


def default_workers():
    """One per core, at most :data:`MAX_WORKERS`."""
    return max(1, min(os.cpu_count() or 1, MAX_WORKERS))


def losses(X, y, shapes, points, *, workers=None, on_progress=None):
    """The loss at every parameter vector ``points(k)`` for ``k`` in ``range(count)``, as a float32 array.

    ``points`` is either an (n, P) array or ``(count, make)`` where ``make(lo, hi)``
    returns the rows ``lo..hi-1`` (a grid's nodes are made in the worker that
    evaluates them, so nothing large crosses a pipe).  With more than one worker
    (fork only), chunks are evaluated in :class:`animator.pool.Pool` workers;
    ``on_progress(done, total)`` follows the points.  The result is the same,
    bit for bit, whatever the number of workers.
    """
    if isinstance(points, np.ndarray):
        array = points
        count, make = len(array), (lambda lo, hi: array[lo:hi])
    else:
        count, make = points
    workers = default_workers() if workers is None else max(1, int(workers))
    report = on_progress or (lambda done, total: None)
    if count == 0:
        return np.zeros(0, dtype=np.float32)
    if workers == 1 or count < 64 or not pool.can_fork():
        one_blas_thread()
        loss_at = LossAt(X, y, shapes)
        out = np.empty(count, dtype=np.float32)
        step = max(1, count // 50)
        for lo in range(0, count, step):
            out[lo:lo + step] = loss_at.many(make(lo, min(lo + step, count)))
            report(min(lo + step, count), count)
        return out
    size = max(1, -(-count // (workers * CHUNKS_PER_WORKER)))
    chunks = [(lo, min(lo + size, count)) for lo in range(0, count, size)]
    state = {}

    def evaluate(chunk):
        if "loss_at" not in state:           # once per worker: its BLAS as training's, its own network
            one_blas_thread()
            state["loss_at"] = LossAt(X, y, shapes)
        return state["loss_at"].many(make(*chunk))

    parts, done = [], 0
    with pool.Pool(min(workers, len(chunks)), evaluate, quit="now") as running:
        for (lo, hi), part in zip(chunks, running.map(chunks)):
            parts.append(part)
            done += hi - lo
            report(done, count)
    return np.concatenate(parts)
