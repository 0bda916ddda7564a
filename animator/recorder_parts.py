"""What the :class:`~animator.recorder.Recorder` checks of what a loop hands it, and how it builds the Recording.

Everything a user's loop gives is checked here in one line each
(:class:`~animator.errors.ArgumentError`): the data, the layers' arrays, the
optimizer's description.  :func:`assemble` turns the epochs kept into the
arrays :mod:`animator.recording` documents.
"""

import math

import numpy as np

from .errors import ArgumentError
from .frames import frame_epochs
from .optimizers import OPTIMIZERS, Optimizer, OptimizerSpec, book_arguments, make_optimizer
from .recording import Recording
from .source import custom_optimizer


def read_data(X, y):
    """``(X float32 (n, 2), y int64 (n,))`` from the loop's data; one-hot ``y`` rows become labels."""
    X = _numbers(X, "X")
    if X.ndim != 2 or X.shape[1] != 2 or not len(X):
        raise ArgumentError("X", f"must be (n, 2) points, n from 1 (got shape {X.shape})")
    if not np.isfinite(X).all():
        raise ArgumentError("X", "must be finite numbers (it holds nan or inf)")
    y = _numbers(y, "y")
    if y.ndim == 2 and y.shape[0] == len(X) and y.shape[1] >= 2:
        y = y.argmax(axis=1)                      # one-hot rows, as the book's loss also takes them
    if y.shape != (len(X),):
        raise ArgumentError("y", f"must be one class label per point, shape ({len(X)},) (got {y.shape})")
    if y.dtype.kind == "f" and not (np.isfinite(y).all() and (y == np.round(y)).all()):
        raise ArgumentError("y", "must be whole class labels 0, 1, 2, ...")
    if y.min() < 0 or y.max() > 1000:
        raise ArgumentError("y", f"must be class labels from 0 to 1000 (got {y.min()} to {y.max()})")
    return np.ascontiguousarray(X, dtype=np.float32), np.ascontiguousarray(y, dtype=np.int64)


def layer_arrays(layers, name):
    """``[(weights, biases), ...]`` as numpy arrays (not copied) from pairs or objects with ``.weights``/``.biases``."""
    try:
        items = list(layers)
    except TypeError:
        raise ArgumentError(name, f"must be a list of (weights, biases) pairs (got {type(layers).__name__})") from None
    out = []
    for i, item in enumerate(items, start=1):
        if type(item) is tuple and len(item) == 2:
            weights, biases = item
            if (type(weights) is np.ndarray and type(biases) is np.ndarray and weights.dtype.kind in "fiub"
                    and biases.dtype.kind in "fiub"):
                out.append(item)         # as an epoch's pairs come from the tracer: nothing to convert
                continue
        if hasattr(item, "weights") and hasattr(item, "biases"):
            pair = (item.weights, item.biases)
        else:
            try:
                pair = tuple(item)
            except TypeError:
                pair = ()
            if len(pair) != 2:
                raise ArgumentError(name, f"item {i} is neither a (weights, biases) pair nor a layer with "
                                          f".weights and .biases")
        out.append(tuple(_numbers(value, f"{name}[{i - 1}]") for value in pair))
    return out


def _numbers(value, name):
    if hasattr(value, "detach"):          # a tensor: its values, on the CPU
        value = value.detach().cpu().numpy()
    try:
        array = np.asarray(value)
    except (TypeError, ValueError) as error:
        raise ArgumentError(name, f"must be an array of numbers ({error})") from None
    if array.dtype.kind not in "fiub":
        raise ArgumentError(name, f"must be an array of real numbers (got dtype {array.dtype})")
    return array


def describe_optimizer(optimizer):
    """The :class:`OptimizerSpec` of a loop's optimizer, or a :class:`~animator.source.CustomOptimizer`.

    A spec or a registered name is taken as it is; an animator optimizer gives its
    spec; an object with exactly one registered optimizer's book attributes
    (``learning_rate``, ``decay``, ``momentum``, ``epsilon``, ``rho``, ``beta_1``,
    ``beta_2``) is that optimizer with those settings; anything else is a custom
    optimizer named by its class, with its ``learning_rate`` if it has one.
    """
    if optimizer is None:
        return custom_optimizer("your optimizer")
    if isinstance(optimizer, OptimizerSpec):
        return optimizer
    if isinstance(optimizer, Optimizer):
        return optimizer.spec
    if isinstance(optimizer, str):
        return OptimizerSpec(optimizer) if optimizer in OPTIMIZERS else custom_optimizer(optimizer)
    present = {}
    for short, argument in book_arguments().items():
        value = _attribute(optimizer, argument)
        if value is not None:
            present[short] = value
    for cls in OPTIMIZERS.values():
        if set(present) == {h.name for h in cls.HYPERPARAMETERS}:
            try:
                make_optimizer(cls.name, **present)
            except (ValueError, TypeError):
                break
            return OptimizerSpec(cls.name, present)
    rate = present.get("lr", _attribute(optimizer, "lr"))
    return custom_optimizer(type(optimizer).__name__, {} if rate is None else {"lr": rate})


def _attribute(value, name):
    """A finite number attribute, or None (an attribute that raises on reading is absent)."""
    try:
        found = getattr(value, name, None)
    except Exception:             # a user's property may raise anything; it is simply not a setting we read
        return None
    if isinstance(found, bool) or not isinstance(found, (int, float, np.integer, np.floating)):
        return None
    found = float(found)
    return found if math.isfinite(found) else None


def assemble(recorder, interrupted):
    """The Recording of what ``recorder`` kept: the frame epochs chosen, the last epoch's arrays added."""
    last = recorder.epochs_recorded - 1
    if recorder._shapes is None or (last < 0 and not recorder.diverged and not interrupted):
        raise ArgumentError("epoch", "was never recorded: there is nothing to make a Recording of")
    kept = recorder._kept
    if last < 0:
        frames = np.zeros(0, dtype=np.int64)
    else:
        if last not in kept:
            epoch, copies, updates, state = recorder._last
            recorder._keep(epoch, copies, updates, state, thin=False)
        frames = _frames(recorder, last)
    unique = sorted(set(frames.tolist()))
    classes = recorder._classes()
    book = [e for e in unique if e not in recorder._grids]
    grids = dict(zip(book, recorder._book_grids(book))) if book else {}
    for e in unique:
        if e in recorder._grids:
            grid = recorder._grids[e]
            grids[e] = grid.result() if hasattr(grid, "result") else grid
    resolution = recorder.grid_resolution
    peaks = recorder._peaks            # worked out from the running extremes: once
    arrays = {
        "X": recorder.X, "y": recorder.y,
        "epoch": np.arange(last + 1, dtype=np.int64),
        "loss": np.asarray(recorder._losses, dtype=np.float32),
        "accuracy": np.asarray(recorder._accuracies, dtype=np.float64),
        "learning_rate": np.asarray(recorder._rates, dtype=np.float64),
        "frame_epochs": frames, "grid_extent": recorder.extent,
        "grid_probs": (np.stack([grids[int(e)] for e in frames]) if len(frames)
                       else np.zeros((0, resolution, resolution, classes), dtype=np.uint8)),
        "param_epochs": np.asarray(unique, dtype=np.int64),
        "param_peaks": (np.zeros(len(recorder._shapes) // 2, dtype=np.float32) if peaks is None
                        else peaks.astype(np.float32)),
    }
    rows = [kept[e] for e in unique]
    # the optimizer's state, only where every kept epoch gave it (a Recording's arrays cover every frame)
    slots = tuple(rows[0]["state"]) if rows and all(row["state"] is not None for row in rows) else ()
    for i in range(len(recorder._shapes) // 2):
        weights = [row["params"][i][0] for row in rows]
        biases = [row["params"][i][1] for row in rows]
        updates = [row["updates"][i] if row["updates"] is not None else (np.zeros_like(w), np.zeros_like(b))
                   for row, w, b in zip(rows, weights, biases)]
        shape_w, shape_b = recorder._shapes[2 * i], recorder._shapes[2 * i + 1]
        arrays[f"dense{i + 1}.weights"] = _stack(weights, shape_w)
        arrays[f"dense{i + 1}.biases"] = _stack(biases, shape_b)
        arrays[f"dense{i + 1}.weight_updates"] = _stack([u for u, _ in updates], shape_w)
        arrays[f"dense{i + 1}.bias_updates"] = _stack([v for _, v in updates], shape_b)
        for slot in slots:
            arrays[f"dense{i + 1}.weight_{slot}"] = _stack([row["state"][slot][i][0] for row in rows], shape_w)
            arrays[f"dense{i + 1}.bias_{slot}"] = _stack([row["state"][slot][i][1] for row in rows], shape_b)
    spec = recorder.spec(last_epoch=max(last, 0), frames=recorder.frames, interrupted=interrupted)
    return Recording(spec, arrays)


def _stack(rows, shape):
    if not rows:
        return np.zeros((0, *shape), dtype=np.float32)
    return np.stack([np.asarray(r, dtype=np.float32).reshape(shape) for r in rows])


def _frames(recorder, last):
    """The frame epochs: ``animator train``'s when the epochs were planned, else evenly among those kept."""
    if recorder.planned is not None:
        planned = frame_epochs(recorder.planned, frames=recorder.frames, spacing=recorder.frame_spacing,
                               every=recorder.every)
        return np.append(planned[planned < last], last).astype(np.int64)
    candidates = np.asarray(sorted(e for e in recorder._kept if e != last), dtype=np.int64)
    room = recorder.frames - 1
    if len(candidates) > room:
        candidates = candidates[np.unique(np.round(np.linspace(0, len(candidates) - 1, room)).astype(int))] \
            if room else candidates[:0]
    return np.append(candidates, last).astype(np.int64)


class Extremes:
    """The running elementwise maximum and minimum of every parameter over the epochs: peaks, and divergence.

    Epochs come as rows of one float64 block (each row every parameter, in
    order), a block of epochs at a time: its row sums find the rows that may not
    be finite (NaN and inf survive a sum; an overflowing sum is checked row by
    row) and two reductions over the block fold the finite ones in, where a
    maximum and a minimum of each array each epoch cost some twenty times as much.
    """

    def __init__(self, shapes):
        self.shapes = shapes
        self.size = sum(int(np.prod(shape)) for shape in shapes)
        self.highs, self.lows = np.full(self.size, -np.inf), np.full(self.size, np.inf)
        self.views = list(zip(flat_views(self.highs, shapes), flat_views(self.lows, shapes)))
        self.folded = False

    def fold(self, rows):
        """Fold the epochs of ``rows`` (epochs, size) up to the first that is not finite; its index, or None."""
        with np.errstate(over="ignore", invalid="ignore"):
            sums = rows.sum(axis=1)
        bad = next((int(k) for k in np.flatnonzero(~np.isfinite(sums)) if not np.isfinite(rows[k]).all()), None)
        finite = rows if bad is None else rows[:bad]
        if len(finite):
            np.maximum(self.highs, finite.max(axis=0), out=self.highs)
            np.minimum(self.lows, finite.min(axis=0), out=self.lows)
            self.folded = True
        return bad

    def cause(self, row):
        """What is not finite in ``row`` (one epoch's parameters), as a divergence's cause."""
        return not_finite(flat_views(row, self.shapes))

    def peaks(self):
        if not self.folded:
            return None
        views = self.views
        return np.array([max(max(float(views[k][0].max()), float(views[k + 1][0].max())),
                             -min(float(views[k][1].min()), float(views[k + 1][1].min())))
                         for k in range(0, len(views), 2)], dtype=np.float64)


def flat_views(flat, shapes):
    """``flat`` cut, in order, into views of ``shapes``."""
    views, offset = [], 0
    for shape in shapes:
        size = int(np.prod(shape))
        views.append(flat[offset:offset + size].reshape(shape))
        offset += size
    return views


def not_finite(arrays):
    """What is first not finite of ``arrays`` (weights, biases, weights, ...), as a divergence's cause, or None."""
    for k, array in enumerate(arrays):
        if not np.isfinite(array).all():
            what = "nan" if np.isnan(array).any() else "inf"
            return f"Dense {k // 2 + 1} {'weights' if k % 2 == 0 else 'biases'} are {what}"
    return None


def check_chain(params, inputs, labels):
    if len(params) < 2:
        raise ArgumentError("layers", f"must hold every Dense layer's (weights, biases), at least two "
                                      f"(got {len(params)})")
    width = inputs
    for i, (weights, biases) in enumerate(params, start=1):
        if weights.ndim != 2 or weights.shape[0] != width or weights.shape[1] < 1:
            raise ArgumentError("layers", f"Dense {i} weights have shape {weights.shape}, expected ({width}, n)")
        if biases.size != weights.shape[1] or biases.ndim > 2:
            raise ArgumentError("layers", f"Dense {i} biases have shape {biases.shape}, "
                                          f"expected (1, {weights.shape[1]})")
        width = weights.shape[1]
    if width < labels:
        raise ArgumentError("layers", f"the last layer has {width} outputs but y has {labels} classes")
    if width < 2:
        raise ArgumentError("layers", "the last layer must have at least 2 outputs (one per class)")


def shapes_text(shapes):
    return ", ".join("x".join(map(str, s)) for s in shapes)


def grid_of(probs, resolution, classes):
    """Class probabilities on the grid's points as a Recording stores them: (rows, cols, classes) uint8."""
    probs = np.asarray(probs)
    if probs.shape != (resolution * resolution, classes) or probs.dtype.kind not in "fiu":
        raise ArgumentError("predict", f"must return ({resolution * resolution}, {classes}) class probabilities "
                                       f"for the grid points (got {probs.shape} {probs.dtype})")
    with np.errstate(invalid="ignore", over="ignore"):
        probs = np.nan_to_num(probs.astype(np.float32), nan=0.0, posinf=1.0, neginf=0.0)
        return np.rint(np.clip(probs, 0, 1) * 255).astype(np.uint8).reshape(resolution, resolution, classes)


def number(value, name):
    """``value`` as a float, or the one-line error for the argument ``name``."""
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ArgumentError(name, f"must be a number (got {type(value).__name__})") from None
