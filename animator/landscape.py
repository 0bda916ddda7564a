"""The real network's descent: every optimizer's path on the chapter network's own loss landscape.

A race (:func:`animator.race.race`) trains several optimizers from the same
initial weights; their parameter trajectories live in a space of hundreds of
dimensions (387 for the chapter's 2 -> 64 -> 3 network).  This module chooses a
view of that space and computes the loss there with training's own arithmetic
(:mod:`animator.landscape_loss`):

* ``slice="plane"``: a plane through parameter space.  ``directions="pca"``
  takes the two principal directions of all entrants' trajectories together
  (every path in one frame of reference), the plane passing through ``centre``:
  ``"start"`` (the shared initial weights), ``"mean"`` (the trajectories' mean),
  or ``"end NAME"`` (that entrant's final weights; ``"end"`` alone: the first
  entrant's).  ``directions="random"`` draws two filter-normalized Gaussian
  directions (Li et al., 2018: each neuron's incoming weights scaled to the norm
  of that neuron's weights at the centre, biases left out) around, by default,
  the first entrant's final weights.  The loss is computed on a
  ``resolution`` x ``resolution`` grid covering every path's projection.
* ``slice="line"``: the straight line from each entrant's initial weights
  through its final weights (Goodfellow, Vinyals and Saxe, 2015), at
  ``t = -0.25 .. 1.25``; ``t = 0`` and ``t = 1`` are the recorded weights
  themselves, so the loss there is the one the training log printed.

The plane's directions are orthonormal, so distances on it are distances in
parameter space.  What a picture of a projection must also say is computed
here: the share of the trajectories' variance the plane explains (PCA), how far
each path point is from the plane or line, and the loss *at* each frame's
projected point (which is what the picture shows under the ball, and differs
from the run's true loss by as much as the projection is off).

>>> result = landscape(["sgd:lr=1,decay=1e-3,momentum=0.9", "adam:lr=0.05,decay=5e-7"])   # doctest: +SKIP
>>> result.plane.explained                                                                # doctest: +SKIP
(0.91..., 0.05...)
"""

from dataclasses import dataclass, replace
from typing import Optional

import numpy as np

from .errors import ArgumentError
from .landscape_loss import default_workers, flatten, layer_shapes, losses
from .landscape_plane import Plane, pca_plane, random_plane
from .race import race
from .run import RunConfig
from .threads import one_blas_thread

SLICES = ("plane", "line")
DIRECTIONS = ("pca", "random")
RESOLUTION = 60            # the grid's nodes per side, by default
MAX_RESOLUTION = 400
PATH_POINTS = 1000         # epochs whose weights a trained landscape keeps per entrant (its paths' corners)
LINE_STEPS = 80            # line points per unit of t: t = k / LINE_STEPS, so 0 and 1 are exact
LINE_REACH = (-0.25, 1.25)
MARGIN = 0.15              # the grid reaches this share of the paths' span beyond them
MIN_ASPECT = 0.25          # neither axis of the grid spans less than this share of the other


@dataclass(frozen=True, eq=False)
class Grid:
    """The loss (rows: ``b``, columns: ``a``; float32) at the plane's points ``origin + a d1 + b d2``."""

    a: np.ndarray
    b: np.ndarray
    loss: np.ndarray

    def nodes(self, lo, hi):
        """Coordinates of nodes ``lo..hi-1`` in row-major order (b slow, a fast), as (n, 2)."""
        k = np.arange(lo, hi)
        return np.c_[self.a[k % len(self.a)], self.b[k // len(self.a)]]


@dataclass(frozen=True, eq=False)
class LineSlice:
    """The loss along each entrant's line ``(1 - t) start + t end``: ``t`` (T,), ``loss`` (entrants, T) float32."""

    t: np.ndarray
    loss: np.ndarray
    starts: np.ndarray      # (entrants, P)
    ends: np.ndarray        # (entrants, P)

    def point(self, k, t):
        """Entrant ``k``'s line at ``t`` (n,) as (n, P); at exactly 0 and 1 its start and end."""
        t = np.asarray(t, dtype=np.float64).reshape(-1, 1)
        return (1 - t) * self.starts[k] + t * self.ends[k]

    def progress(self, k, thetas):
        """How far along entrant ``k``'s line each row of ``thetas`` projects (0 at its start, 1 at its end)."""
        delta = self.ends[k] - self.starts[k]
        scale = float(delta @ delta) or 1.0
        return (np.atleast_2d(thetas) - self.starts[k]) @ delta / scale

    def distance(self, k, thetas):
        thetas = np.atleast_2d(thetas)
        return np.linalg.norm(thetas - self.point(k, self.progress(k, thetas)), axis=1)


@dataclass(eq=False)
class Landscape:
    """Every entrant's path on a slice of the loss landscape, ready to draw.

    Per entrant ``k``: ``path_epochs[k]`` (the epochs whose weights were kept),
    ``paths[k]`` the path's coordinates there ((m, 2) plane coordinates, or
    (m,) progress along its line), ``offsets[k]`` each point's distance from the
    plane or line; per frame ``i`` (showing ``frame_epochs[i]``, an entrant that
    stopped earlier at its last epoch), ``rows[k][i]`` its row of those arrays
    and ``projected_loss[k][i]`` the loss at the projected point, float32.
    ``recordings`` hold each run's true loss at every epoch.
    """

    specs: list
    recordings: list
    slice: str
    frame_epochs: np.ndarray
    path_epochs: list
    paths: list
    offsets: list
    rows: list
    projected_loss: list
    plane: Optional[Plane] = None
    grid: Optional[Grid] = None
    line: Optional[LineSlice] = None
    config: Optional[RunConfig] = None

    def __len__(self):
        return len(self.specs)

    @property
    def total_epochs(self):
        return int(max(int(r.epochs[-1]) for r in self.recordings))

    def __repr__(self):
        what = (f"plane ({self.plane.kind}, centred at {self.plane.centre})" if self.slice == "plane"
                else "line from the initial weights through the final ones")
        share = "" if self.plane is None or self.plane.explained is None else \
            f", explains {self.plane.explained_share:.1%} of the variance"
        return f"<Landscape: {len(self)} entrants on a {what}{share}; {len(self.frame_epochs)} frames>"


# -- computing one ------------------------------------------------------------------------------

def landscape(specs, config=RunConfig(), *, slice="plane", directions="pca", centre=None, seed=0,
              resolution=RESOLUTION, path_points=PATH_POINTS, workers=None, on_progress=None, on_grid=None):
    """Race ``specs`` on ``config`` (see :func:`animator.race.race`) and compute their landscape.

    Training keeps the weights at ``path_points`` evenly spaced epochs (their
    decision grids are not needed: ``grid_resolution`` 2); the animation has
    ``config.frames`` of them.  ``on_progress(done, total)`` follows training,
    ``on_grid(done, total)`` the loss evaluations.  See :func:`landscape_of`.
    """
    check(slice=slice, directions=directions, resolution=resolution)
    result = race(list(specs), path_config(config, path_points), workers=workers or default_workers(),
                  on_progress=on_progress)
    if result.interrupted:
        raise KeyboardInterrupt
    return landscape_of(result.recordings, frames=config.frames, slice=slice, directions=directions, centre=centre,
                        seed=seed, resolution=resolution, workers=workers, on_progress=on_grid, config=config)


def path_config(config, path_points=PATH_POINTS):
    """The race a landscape trains: ``config`` keeping the weights of ``path_points`` epochs, with no regions."""
    if path_points < 2:
        raise ArgumentError("path_points", f"must be at least 2 (got {path_points})")
    return replace(config, frames=max(int(path_points), config.frames or 0), every=None, grid_resolution=2,
                   record="frames")


def check(*, slice="plane", directions="pca", resolution=RESOLUTION):
    """Refuse a slice, a kind of directions or a grid resolution no landscape has, before any work."""
    if slice not in SLICES:
        raise ArgumentError("slice", f"must be {' or '.join(SLICES)} (got {slice!r})")
    if directions not in DIRECTIONS:
        raise ArgumentError("directions", f"must be {' or '.join(DIRECTIONS)} (got {directions!r})")
    if not 3 <= resolution <= MAX_RESOLUTION:
        raise ArgumentError("resolution", f"must be between 3 and {MAX_RESOLUTION} (got {resolution})")


def landscape_of(recordings, *, frames=200, slice="plane", directions="pca", centre=None, seed=0,
                 resolution=RESOLUTION, workers=None, on_progress=None, config=None):
    """The :class:`Landscape` of runs already made (a race's, or Recordings saved or recorded from any loop).

    The runs must share their data and network shape.  Their paths are the
    epochs each kept weights at (a Recording's ``param_epochs``); the
    animation shows at most ``frames`` of them, evenly spread.  Loss is computed
    on ``workers`` processes (default: one per core, at most 4).
    """
    check(slice=slice, directions=directions, resolution=resolution)
    if not recordings:
        raise ArgumentError("recordings", "must hold at least one run")
    # one BLAS thread, as training sets it: the plane's SVD summed by another number of threads differs in its
    # last bits, so a landscape of runs loaded from a cache (nothing trained in this process) differed too
    one_blas_thread()
    first = recordings[0]
    X, y = first.X, first.y
    shapes = layer_shapes([first[f"dense{i}.weights"][0] for i in range(1, first.n_layers + 1)])
    for r in recordings[1:]:
        if r.X.shape != X.shape or not (np.array_equal(r.X, X) and np.array_equal(r.y, y)):
            raise ArgumentError("recordings", "must be trained on the same data")
        if layer_shapes([r[f"dense{i}.weights"][0] for i in range(1, r.n_layers + 1)]) != shapes:
            raise ArgumentError("recordings", "must be of the same network shape")
    if any(len(r.param_epochs) == 0 for r in recordings):
        raise ArgumentError("recordings", "must each have recorded at least one epoch")
    path_epochs = [np.asarray(r.param_epochs, dtype=np.int64) for r in recordings]
    thetas = [_thetas(r) for r in recordings]
    frame_epochs = _frame_epochs(path_epochs, frames)
    rows = [np.searchsorted(e, frame_epochs, side="right") - 1 for e in path_epochs]
    rows = [np.maximum(r, 0) for r in rows]
    specs = [r.spec.optimizer for r in recordings]
    evaluate = _evaluator(X, y, shapes, workers)
    if slice == "line":
        line = _line(thetas, evaluate, resolution)
        paths = [line.progress(k, t) for k, t in enumerate(thetas)]
        offsets = [line.distance(k, t) for k, t in enumerate(thetas)]
        shown = [line.point(k, paths[k][rows[k]]) for k in range(len(thetas))]
        projected = _split(evaluate(np.concatenate(shown)), [len(s) for s in shown])
        return Landscape(specs, list(recordings), slice, frame_epochs, path_epochs, paths, offsets, rows, projected,
                         line=line, config=config)
    plane = pca_plane(thetas, centre, specs) if directions == "pca" else random_plane(thetas, centre, specs, seed,
                                                                                         shapes)
    paths = [plane.coordinates(t) for t in thetas]
    offsets = [plane.distance(t) for t in thetas]
    a, b = _grid_axes(paths, plane, resolution)
    grid = Grid(a, b, None)
    values = evaluate((len(a) * len(b), lambda lo, hi: plane.point(grid.nodes(lo, hi))), on_progress)
    grid = Grid(a, b, values.reshape(len(b), len(a)))
    shown = [plane.point(paths[k][rows[k]]) for k in range(len(thetas))]
    projected = _split(evaluate(np.concatenate(shown)), [len(s) for s in shown])
    return Landscape(specs, list(recordings), slice, frame_epochs, path_epochs, paths, offsets, rows, projected,
                     plane=plane, grid=grid, config=config)


def _evaluator(X, y, shapes, workers):
    def evaluate(points, on_progress=None):
        return losses(X, y, shapes, points, workers=workers, on_progress=on_progress)
    return evaluate


def _split(values, counts):
    return list(np.split(values, np.cumsum(counts)[:-1]))


def _thetas(recording):
    """A Recording's kept parameters as (epochs, P) float64 rows, each layer's weights then its biases."""
    n = recording.n_layers
    weights = [recording[f"dense{i}.weights"] for i in range(1, n + 1)]
    biases = [recording[f"dense{i}.biases"] for i in range(1, n + 1)]
    return np.stack([flatten([w[r] for w in weights], [b[r] for b in biases]) for r in range(len(weights[0]))])


def _frame_epochs(path_epochs, frames):
    """At most ``frames`` epochs of all the paths, evenly spread by index, first and last kept."""
    everything = np.unique(np.concatenate(path_epochs))
    if frames is None or frames >= len(everything):
        return everything
    if frames < 2:
        raise ArgumentError("frames", f"must be at least 2 (got {frames})")
    picks = np.unique(np.rint(np.linspace(0, len(everything) - 1, int(frames))).astype(np.int64))
    return everything[picks]


# -- the grid on the plane -----------------------------------------------------------------------

def _grid_axes(paths, plane, resolution):
    """The grid's a and b values: every path's projection and the origin, with a margin; the unit for random."""
    points = np.concatenate([*paths, np.zeros((1, 2))])
    low, high = points.min(axis=0), points.max(axis=0)
    if plane.unit is not None:
        low, high = np.minimum(low, -max(plane.unit)), np.maximum(high, max(plane.unit))
    half = (high - low) / 2 * (1 + 2 * MARGIN)
    half = np.maximum(half, half.max() * MIN_ASPECT)
    half = np.maximum(half, 1e-6)
    middle = (low + high) / 2
    return tuple(np.linspace(middle[i] - half[i], middle[i] + half[i], resolution) for i in range(2))


# -- the line -----------------------------------------------------------------------------------

def line_steps(resolution):
    """``t`` of a line of ``resolution`` steps per unit: from -0.25 to 1.25, with 0 and 1 exactly."""
    low, high = (round(v * resolution) for v in LINE_REACH)
    return np.arange(low, high + 1) / resolution


def _line(thetas, evaluate, resolution):
    t = line_steps(max(int(resolution), 4))
    starts = np.stack([th[0] for th in thetas])
    ends = np.stack([th[-1] for th in thetas])
    line = LineSlice(t, None, starts, ends)
    points = np.concatenate([line.point(k, t) for k in range(len(thetas))])
    values = evaluate(points).reshape(len(thetas), len(t))
    return LineSlice(t, values, starts, ends)
