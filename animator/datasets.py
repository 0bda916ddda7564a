"""Two-feature classification datasets, as float32 points ``X`` (n, 2) and labels ``y`` (n,).

``spiral`` and ``vertical`` draw exactly what ``nnfs.datasets.spiral_data`` and
``vertical_data`` draw after ``nnfs.init()`` when given the book's stream; the
others are ours, drawn with the same kind of stream.  Every generator takes
``rng``: a stream from :func:`animator.rng.make_rng` (``None`` means numpy's
global one, like the book).
"""

import csv
import io
import math
import os

import numpy as np

from .errors import ArgumentError, UserError
from .rng import randn32, uniform
from .untrusted import read_bounded


def _by_class(samples, classes, points_of):
    """Stack ``points_of(c)``, an array of ``samples`` (x, y) rows, for c = 0, 1, ... into float32
    ``X`` and the labels ``y``; classes are drawn in order, as the book's generators draw them."""
    X = np.zeros((samples * classes, 2), dtype=np.float32)
    for c in range(classes):
        X[samples * c:samples * (c + 1)] = points_of(c)
    return X, np.repeat(np.arange(classes, dtype=np.int64), samples)


def spiral(samples=100, classes=3, *, rng=None):
    """The chapter's spiral: ``classes`` arms of ``samples`` points each (CS231n's generator)."""
    r = np.linspace(0.0, 1, samples)

    def arm(c):
        t = np.linspace(c * 4, (c + 1) * 4, samples) + randn32(rng, samples) * 0.2
        return np.c_[r * np.sin(t * 2.5), r * np.cos(t * 2.5)]

    return _by_class(samples, classes, arm)


def vertical(samples=100, classes=3, *, rng=None):
    """nnfs's vertical data: one Gaussian column of points per class, side by side."""
    return _by_class(samples, classes, lambda c: np.c_[randn32(rng, samples) * 0.1 + c / 3,
                                                       randn32(rng, samples) * 0.1 + 0.5])


def circles(samples=100, classes=3, *, rng=None, noise=0.06):
    """Concentric rings, class ``c`` on radius ``(c + 1) / classes``."""

    def ring(c):
        angle = uniform(rng, 0.0, 2 * math.pi, samples)
        radius = (c + 1) / classes + noise * randn32(rng, samples)
        return np.c_[radius * np.cos(angle), radius * np.sin(angle)]

    return _by_class(samples, classes, ring)


def gaussians(samples=100, classes=3, *, rng=None, spread=0.15):
    """Blobs: one Gaussian cloud per class, centres evenly spaced on a circle of radius 0.6."""

    def blob(c):
        angle = 2 * math.pi * c / classes + math.pi / 2
        return np.c_[0.6 * math.cos(angle) + spread * randn32(rng, samples),
                     0.6 * math.sin(angle) + spread * randn32(rng, samples)]

    return _by_class(samples, classes, blob)


def xor(samples=100, classes=2, *, rng=None):
    """XOR: points uniform in the square [-1, 1]^2, class 1 where x and y differ in sign."""
    _need_two_classes("xor", classes)
    points = uniform(rng, -1.0, 1.0, (samples * classes, 2))
    y = (points[:, 0] * points[:, 1] < 0).astype(np.int64)
    return points.astype(np.float32), y


def moons(samples=100, classes=2, *, rng=None, noise=0.1):
    """Two interleaving half circles, ``samples`` points each."""
    _need_two_classes("moons", classes)
    t = np.linspace(0.0, math.pi, samples)
    upper = np.c_[np.cos(t) - 0.5, np.sin(t) - 0.25]
    lower = np.c_[0.5 - np.cos(t), 0.25 - np.sin(t)]
    X = np.concatenate([upper, lower]) * 0.8 + noise * randn32(rng, 2 * samples, 2)
    y = np.repeat(np.arange(2, dtype=np.int64), samples)
    return X.astype(np.float32), y


def _need_two_classes(name, classes):
    if classes != 2:
        raise ArgumentError("classes", f"must be 2: the {name} dataset has exactly 2 classes (got {classes})")


GENERATORS = {f.__name__: f for f in (spiral, vertical, circles, gaussians, xor, moons)}


def make_dataset(name, samples=100, classes=3, *, rng=None):
    """Draw the named dataset; the names are the keys of ``GENERATORS``."""
    if name not in GENERATORS:
        raise ArgumentError("dataset", f"{name!r} is unknown (choose from {', '.join(GENERATORS)})")
    if samples < 1:
        raise ArgumentError("samples", f"must be at least 1 (got {samples})")
    if classes < 2:
        raise ArgumentError("classes", f"must be at least 2 (got {classes})")
    return GENERATORS[name](samples, classes, rng=rng)


MAX_CSV_BYTES = 64 << 20       # about two million points: far beyond what these networks are for


def load_csv(path):
    """Read ``x, y, label`` rows (a header row is optional) into ``(X, y)``.

    Labels must be whole numbers 0..k-1 with k >= 2 and none missing.  Every
    problem raises :class:`UserError` naming the file and, where there is one, the row.
    """
    name = os.fspath(path)
    if not os.path.exists(name):
        raise UserError(f"{name}: no such data file")
    data = read_bounded(name, MAX_CSV_BYTES)        # a FIFO, a device or a folder is refused in one line
    try:
        rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    except (UnicodeDecodeError, csv.Error) as error:
        raise UserError(f"{name}: cannot read CSV ({error})") from None

    numbered = [(i, row) for i, row in enumerate(rows, start=1) if any(cell.strip() for cell in row)]
    if numbered and not any(_is_number(cell) for cell in numbered[0][1]):
        numbered = numbered[1:]  # a header row
    if not numbered:
        raise UserError(f"{name}: no data rows (expected columns x, y, label)")

    points, labels = [], []
    for line, row in numbered:
        where = f"{name}, row {line}"
        cells = [cell.strip() for cell in row]
        if len(cells) != 3:
            raise UserError(f"{where}: expected 3 columns (x, y, label), found {len(cells)}")
        values = []
        for cell in cells:
            if not _is_number(cell):
                raise UserError(f"{where}: {cell!r} is not a number")
            value = float(cell)
            if not math.isfinite(value):
                raise UserError(f"{where}: {cell!r} is not a finite number")
            values.append(value)
        if not values[2].is_integer() or values[2] < 0:
            raise UserError(f"{where}: label {cells[2]!r} is not a whole number 0, 1, 2, ...")
        points.append(values[:2])
        labels.append(int(values[2]))

    # k labels with none missing need k rows, so a larger label is a gap: cap it there, keeping int64
    # safe for 1e300, and let the gap search below name the label it lacks
    y = np.array([min(label, len(labels)) for label in labels], dtype=np.int64)
    present = np.unique(y)
    if len(present) < 2:
        raise UserError(f"{name}: needs at least 2 classes, found only label {_shown(labels[0], numbered[0])}")
    gaps = np.flatnonzero(present != np.arange(len(present)))
    if len(gaps):
        missing = int(gaps[0])     # present is sorted and distinct: the first mismatch is the first gap
        index = int(np.argmax(y > missing))
        raise UserError(f"{name}, row {numbered[index][0]}: label {_shown(labels[index], numbered[index])} but label "
                        f"{missing} never appears (labels must be 0..k-1)")
    return np.array(points, dtype=np.float32), y


def _shown(label, numbered_row):
    """A label as a message shows it: the number, or the cell's text when the number is enormous."""
    return label if label < 1 << 63 else numbered_row[1][2].strip()


def _is_number(cell):
    try:
        float(cell)
    except ValueError:
        return False
    return True
