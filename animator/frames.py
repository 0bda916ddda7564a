"""Which epochs become frames, and the decision-region grid evaluated at them."""

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from .errors import ArgumentError

SPACINGS = ("linear", "log")


def frame_epochs(last_epoch, *, frames=200, spacing="linear", every=None):
    """Sorted distinct epochs in ``0..last_epoch`` to draw, always including both ends.

    ``every=K`` takes epochs 0, K, 2K, ... and the last; otherwise ``frames``
    epochs spaced linearly or logarithmically (dense early, where a run changes
    fastest).  Asking for more frames than epochs gives every epoch.

    >>> frame_epochs(100, frames=5).tolist()
    [0, 25, 50, 75, 100]
    >>> frame_epochs(10000, frames=6, spacing="log").tolist()
    [0, 5, 39, 250, 1584, 10000]
    """
    count = frame_count(last_epoch, frames=frames, spacing=spacing, every=every)
    if last_epoch < 0:
        return np.zeros(0, dtype=np.int64)
    if every is not None:
        epochs = np.arange(0, last_epoch + 1, every, dtype=np.int64)
        return epochs if epochs[-1] == last_epoch else np.append(epochs, last_epoch)
    if count == last_epoch + 1:
        return np.arange(last_epoch + 1, dtype=np.int64)
    if frames == 1:
        return np.array([last_epoch], dtype=np.int64)
    if spacing == "linear":
        return np.round(np.linspace(0, last_epoch, frames)).astype(np.int64)
    targets = np.geomspace(1, last_epoch + 1, frames) - 1
    epochs = np.zeros(frames, dtype=np.int64)
    for i in range(1, frames):
        # strictly increasing, and leaving room for the frames still to come
        epochs[i] = min(max(round(targets[i]), epochs[i - 1] + 1), last_epoch - (frames - 1 - i))
    return epochs


def frame_count(last_epoch, *, frames=200, spacing="linear", every=None):
    """``len(frame_epochs(...))`` with the same arguments, checked, without building the list."""
    if every is not None:
        if every < 1:
            raise ArgumentError("every", f"must be at least 1 (got {every})")
        return 0 if last_epoch < 0 else last_epoch // every + 1 + (last_epoch % every != 0)
    if frames < 1:
        raise ArgumentError("frames", f"must be at least 1 (got {frames})")
    if spacing not in SPACINGS:
        raise ArgumentError("frame_spacing", f"must be one of {', '.join(SPACINGS)} (got {spacing!r})")
    return max(min(frames, last_epoch + 1), 0)


def grid_extent(X, padding=0.1):
    """A square ``(xmin, xmax, ymin, ymax)`` around the data, padded by ``padding`` of its span."""
    low, high = X.min(axis=0).astype(np.float64), X.max(axis=0).astype(np.float64)
    centre = (low + high) / 2
    half = max(float((high - low).max()) / 2, 1e-6) * (1 + 2 * padding)
    return np.array([centre[0] - half, centre[0] + half, centre[1] - half, centre[1] + half])


def grid_points(extent, resolution):
    """Cell centres of a ``resolution`` x ``resolution`` grid, row 0 at the top (image order)."""
    xmin, xmax, ymin, ymax = extent
    step_x = (xmax - xmin) / resolution
    step_y = (ymax - ymin) / resolution
    xs = xmin + step_x * (np.arange(resolution) + 0.5)
    ys = ymax - step_y * (np.arange(resolution) + 0.5)
    gx, gy = np.meshgrid(xs, ys)
    return np.c_[gx.ravel(), gy.ravel()].astype(np.float32)


def decision_grid(weights, biases, extent, resolution):
    """Class probabilities on the grid for each frame, as uint8 (probability * 255, rounded).

    ``weights[f][i]`` is layer ``i``'s weight matrix at frame ``f``.  Returns an
    array of shape ``(frames, resolution, resolution, classes)``.  Eight bits keep a
    200-frame recording small; 1/255 is far below what a colour can show.

    The grid is a picture, not a training step, so it is evaluated with plain
    float32 products (several times faster than the book's float64-then-float32
    dot); frames are spread over the machine's cores.
    """
    points = grid_points(extent, resolution)
    frames = len(weights)
    classes = weights[0][-1].shape[1] if frames else 0
    out = np.empty((frames, resolution, resolution, classes), dtype=np.uint8)

    def one(f):
        _fill(out[f], points, weights[f], biases[f])

    workers = min(os.cpu_count() or 1, 4, max(frames, 1))
    if workers > 1:
        with ThreadPoolExecutor(workers) as pool:
            list(pool.map(one, range(frames)))
    else:
        for f in range(frames):
            one(f)
    return out


def _fill(out, points, weights, biases):
    """Write one frame's grid, ``(resolution, resolution, classes)`` uint8, into ``out``."""
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        probs = _probabilities(points, weights, biases)
        np.nan_to_num(probs, copy=False, nan=0.0)
        probs *= 255
        out[...] = np.rint(probs).reshape(out.shape)


def _probabilities(points, weights, biases):
    out = points
    last = len(weights) - 1
    for i, (w, b) in enumerate(zip(weights, biases)):
        out = out @ w.astype(np.float32)
        out += b
        if i < last:
            np.maximum(out, 0, out=out)
    return softmax_rows(out)


def softmax_rows(out):
    """The softmax of each row of ``out`` (float32 scores), in place, as the grids compute it; returns ``out``.

    Column by column: numpy's axis-1 reductions over a handful of classes are slow.
    """
    columns = out.shape[1]
    peak = out[:, 0].copy()
    for k in range(1, columns):
        np.maximum(peak, out[:, k], out=peak)
    out -= peak[:, None]
    np.exp(out, out=out)
    total = out[:, 0].copy()
    for k in range(1, columns):
        total += out[:, k]
    out /= total[:, None]
    return out
