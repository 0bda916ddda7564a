"""Analytic test functions for the chapter's descents: one 1-D curve and the usual 2-D race tracks.

Every function is a small frozen dataclass with the same face:

* ``name``, ``dim`` (1 or 2), ``domain`` (``(xmin, xmax)`` in 1-D,
  ``((xmin, xmax), (ymin, ymax))`` in 2-D) and a default ``start``;
* ``value(x)`` and ``grad(x)``, analytic and vectorised: a 1-D function works
  elementwise on an array of any shape; a 2-D function takes points whose last
  axis holds ``(x, y)`` and returns values of the leading shape (gradients keep
  the trailing axis);
* ``minima`` (the global minimum location(s)) and ``minimum_value``;
* ``local_minima()`` (every minimum a descent can settle in; left to right in 1-D)
  and ``basin_of(x)``, the index into ``local_minima()`` of the minimum whose
  basin holds ``x``.

``FUNCTIONS_1D`` and ``FUNCTIONS_2D`` map names to instances.

>>> CURVE.basin_of(CURVE.start), len(CURVE.local_minima())
(0, 4)
"""

from dataclasses import dataclass
from functools import cached_property
from typing import ClassVar

import numpy as np


class Objective:
    """The shared part: global minima as arrays and a nearest-minimum ``basin_of``.

    Subclasses define ``name``, ``dim``, ``value``, ``grad`` and ``_minima``
    (a tuple of global minimum locations).
    """

    name: ClassVar[str] = "objective"
    dim: ClassVar[int] = 1
    _minima: ClassVar[tuple] = ()

    @property
    def minima(self):
        """Global minimum location(s): shape ``(k,)`` in 1-D, ``(k, 2)`` in 2-D."""
        return np.array(self._minima, dtype=float)

    @property
    def minimum_value(self):
        """The function's value at its global minimum."""
        return float(np.reshape(self.value(self.minima[0]), -1)[0])

    def local_minima(self):
        """Every minimum a descent can come to rest in (here: the global ones)."""
        return self.minima

    def basin_of(self, x):
        """Index into ``local_minima()`` of the minimum nearest to ``x`` (an int for one point)."""
        minima = self.local_minima().reshape(-1, self.dim)
        points = np.asarray(x, dtype=float)
        if self.dim == 1:
            points = points[..., None]
        distance = np.linalg.norm(points[..., None, :] - minima, axis=-1)
        index = np.argmin(distance, axis=-1)
        return int(index) if index.ndim == 0 else index


def _xy(p):
    p = np.asarray(p, dtype=float)
    if p.shape[-1:] != (2,):
        raise ValueError(f"2-D points need a last axis of length 2, got shape {p.shape}")
    return p[..., 0], p[..., 1]


# -- 1-D -----------------------------------------------------------------------


@dataclass(frozen=True)
class DippedBowl(Objective):
    """A wide quartic bowl with Gaussian dips carved into it::

        f(x) = q (x - c)^4 + s (x - c)^2 - sum_i d_i exp(-(x - m_i)^2 / (2 w_i^2))

    ``dips`` holds ``(d_i, m_i, w_i)``: depth, centre and width.  The minima
    and the maxima between them are found once, by a sign scan of ``f'`` on a
    fine grid and bisection to machine precision, so ``grad`` is zero at
    ``local_minima()`` to rounding.

    A dip's curvature is about ``d / w**2``, and plain gradient descent cannot
    rest in a minimum whose curvature exceeds ``2 / lr``.  Narrow dips on the
    left and broad ones on the right therefore let the learning rate decide
    where the ball stops: that is how :data:`CURVE` is built.
    """

    dim: ClassVar[int] = 1

    quartic: float
    quadratic: float
    centre: float
    dips: tuple
    domain: tuple = (-5.0, 5.0)
    start: float = -3.8
    name: str = "curve"

    def value(self, x):
        x = np.asarray(x, dtype=float)
        u = x - self.centre
        depth, middle, width = self._dip_arrays
        z = x[..., None] - middle
        dips = depth * np.exp(-z ** 2 / (2 * width ** 2))
        return self.quartic * u ** 4 + self.quadratic * u ** 2 - dips.sum(axis=-1)

    def grad(self, x):
        x = np.asarray(x, dtype=float)
        u = x - self.centre
        depth, middle, width = self._dip_arrays
        z = x[..., None] - middle
        slopes = depth * z / width ** 2 * np.exp(-z ** 2 / (2 * width ** 2))
        return 4 * self.quartic * u ** 3 + 2 * self.quadratic * u + slopes.sum(axis=-1)

    @cached_property
    def _dip_arrays(self):
        depth, middle, width = np.array(self.dips, dtype=float).reshape(-1, 3).T
        return depth, middle, width

    @cached_property
    def _critical_points(self):
        depth, middle, width = self._dip_arrays
        # Beyond 12 widths a dip's slope is below 1e-30 of its depth, so the
        # bowl alone sets the sign of f' there and no critical point can hide.
        lo = min(self.centre, *(middle - 12 * width)) - 1.0
        hi = max(self.centre, *(middle + 12 * width)) + 1.0
        grid = np.linspace(lo, hi, 400_001)
        slope = np.sign(self.grad(grid))
        minima, maxima = [], []
        for i in np.flatnonzero(slope[:-1] != slope[1:]):
            root = self._bisect(grid[i], grid[i + 1])
            (minima if slope[i] < 0 else maxima).append(root)
        return np.array(minima), np.array(maxima)

    def _bisect(self, a, b):
        sign_a = np.sign(self.grad(a))
        while True:
            middle = 0.5 * (a + b)
            if middle in (a, b):
                return middle
            if np.sign(self.grad(middle)) == sign_a:
                a = middle
            else:
                b = middle

    def local_minima(self):
        """Every local minimum's x, left to right (the global one among them)."""
        return self._critical_points[0].copy()

    def local_maxima(self):
        """The humps between consecutive minima, left to right (they separate the basins)."""
        return self._critical_points[1].copy()

    @property
    def global_index(self):
        """Index into ``local_minima()`` of the global minimum."""
        return int(np.argmin(self.value(self._critical_points[0])))

    @property
    def minima(self):
        return self._critical_points[0][[self.global_index]]

    def basin_of(self, x):
        """Index of the minimum whose basin (between neighbouring humps) holds ``x``."""
        index = np.searchsorted(self._critical_points[1], np.asarray(x, dtype=float))
        return int(index) if np.ndim(index) == 0 else index


# The chapter's curve (Figure 2).  From the start on the steep left wall
# (x = -3.8, f = 2.02) a ball rolling right meets three local minima before the
# global one:
#
#   index   x        f(x)     f''(x)   basin (between humps)     hump to its right
#   0      -2.985    0.888    47.6     x < -2.791                 1.116
#   1      -1.961    0.277    11.7     -2.791 < x < -1.613        0.469
#   2      -0.515   -0.459     4.2     -1.613 < x < 0.016         -0.276
#   3       1.600   -1.200     1.56    x > 0.016   (global)
#
# Each hump stands at least 0.18 above the minima beside it.  Each dip is about
# three times flatter than the one before, so each learning-rate band of plain
# SGD can rest in one more of them (see descent.PRESETS).  The quartic wall
# throws a ball back for learning rates up to about 4 and sends it to overflow
# beyond about 5 (from the start, cleanly so for 11 and more).
CURVE = DippedBowl(
    quartic=0.001,
    quadratic=0.04,
    centre=1.6,
    dips=((0.4, -3.0, 0.09), (0.4, -2.0, 0.18), (0.6, -0.6, 0.35), (1.2, 1.6, 0.9)),
)


@dataclass(frozen=True)
class Parabola1D(Objective):
    """The simplest descent, ``f(x) = a (x - c)^2``; minimum ``0`` at ``x = c``.

    Plain SGD converges for ``lr < 1 / a`` and in one step at ``lr = 1 / (2a)``.
    """

    name: ClassVar[str] = "parabola"
    dim: ClassVar[int] = 1

    a: float = 1.0
    c: float = 0.0
    domain: tuple = (-2.0, 2.0)
    start: float = -1.8

    @property
    def _minima(self):
        return (self.c,)

    def value(self, x):
        return self.a * (np.asarray(x, dtype=float) - self.c) ** 2

    def grad(self, x):
        return 2 * self.a * (np.asarray(x, dtype=float) - self.c)


# -- 2-D -----------------------------------------------------------------------


@dataclass(frozen=True)
class Parabola2D(Objective):
    """An elliptic bowl, ``f(x, y) = a x^2 + b y^2``; minimum ``0`` at the origin.

    With ``b > a`` the bowl is a valley: plain SGD must keep ``lr < 1 / b`` for
    the steep axis and then crawls along the shallow one.
    """

    name: ClassVar[str] = "parabola"
    dim: ClassVar[int] = 2
    _minima: ClassVar[tuple] = ((0.0, 0.0),)

    a: float = 1.0
    b: float = 4.0
    domain: tuple = ((-3.0, 3.0), (-3.0, 3.0))
    start: tuple = (-2.5, 2.0)

    def value(self, p):
        x, y = _xy(p)
        return self.a * x ** 2 + self.b * y ** 2

    def grad(self, p):
        x, y = _xy(p)
        return np.stack([2 * self.a * x, 2 * self.b * y], axis=-1)


@dataclass(frozen=True)
class Rosenbrock(Objective):
    """Rosenbrock's banana valley, ``f(x, y) = (a - x)^2 + b (y - x^2)^2``; minimum ``0`` at ``(a, a^2)``.

    Finding the curved valley is easy, following it to the end is slow: the
    curvature across it (about ``2b``) is hundreds of times that along it.
    """

    name: ClassVar[str] = "rosenbrock"
    dim: ClassVar[int] = 2

    a: float = 1.0
    b: float = 100.0
    domain: tuple = ((-2.0, 2.0), (-1.0, 3.0))
    start: tuple = (-1.2, 1.0)  # the classic start, on the far side of the valley's bend

    @property
    def _minima(self):
        return ((self.a, self.a ** 2),)

    def value(self, p):
        x, y = _xy(p)
        return (self.a - x) ** 2 + self.b * (y - x ** 2) ** 2

    def grad(self, p):
        x, y = _xy(p)
        inner = y - x ** 2
        return np.stack([-2 * (self.a - x) - 4 * self.b * x * inner, 2 * self.b * inner], axis=-1)


@dataclass(frozen=True)
class Beale(Objective):
    """Beale's function; minimum ``0`` at ``(3, 0.5)``::

        f(x, y) = (1.5 - x + xy)^2 + (2.25 - x + xy^2)^2 + (2.625 - x + xy^3)^2

    Flat in the middle and steep (values near 2e5) in the corners of its
    domain, so a fixed learning rate that is safe at the edges is slow inside.
    """

    name: ClassVar[str] = "beale"
    dim: ClassVar[int] = 2
    _minima: ClassVar[tuple] = ((3.0, 0.5),)
    _constants: ClassVar[tuple] = (1.5, 2.25, 2.625)

    domain: tuple = ((-4.5, 4.5), (-4.5, 4.5))
    start: tuple = (1.0, 1.5)

    def value(self, p):
        x, y = _xy(p)
        return sum((c - x + x * y ** k) ** 2 for k, c in enumerate(self._constants, start=1))

    def grad(self, p):
        x, y = _xy(p)
        gx = gy = 0.0
        for k, c in enumerate(self._constants, start=1):
            residual = c - x + x * y ** k
            gx = gx + 2 * residual * (y ** k - 1)
            gy = gy + 2 * residual * k * x * y ** (k - 1)
        return np.stack(np.broadcast_arrays(gx, gy), axis=-1)


@dataclass(frozen=True)
class Saddle(Objective):
    """A saddle with somewhere to go, ``f(x, y) = x^2 - y^2 + y^4 / 4``.

    The origin is a saddle point (``f = 0``, zero gradient); the two global
    minima are ``(0, +-sqrt(2))`` with ``f = -1``.  Success here means escaping
    the saddle: a descent started near ``y = 0`` first slides towards the
    origin and must then leave it along ``y``, where the slope is only about
    ``2|y|``.  Started exactly on ``y = 0`` a gradient method never leaves.
    """

    name: ClassVar[str] = "saddle"
    dim: ClassVar[int] = 2
    _minima: ClassVar[tuple] = ((0.0, -np.sqrt(2.0)), (0.0, np.sqrt(2.0)))

    domain: tuple = ((-2.5, 2.5), (-2.5, 2.5))
    start: tuple = (2.0, 0.01)

    def value(self, p):
        x, y = _xy(p)
        return x ** 2 - y ** 2 + y ** 4 / 4

    def grad(self, p):
        x, y = _xy(p)
        return np.stack([2 * x, -2 * y + y ** 3], axis=-1)


FUNCTIONS_1D = {f.name: f for f in (Parabola1D(), CURVE)}
FUNCTIONS_2D = {f.name: f for f in (Parabola2D(), Rosenbrock(), Beale(), Saddle())}


def get_function(name, dim=1):
    """The registered ``dim``-dimensional function called ``name``."""
    table = {1: FUNCTIONS_1D, 2: FUNCTIONS_2D}.get(dim)
    if table is None:
        raise ValueError(f"dim must be 1 or 2, got {dim!r}")
    try:
        return table[name]
    except KeyError:
        raise ValueError(f"unknown {dim}-D function {name!r} (choose from {', '.join(table)})") from None
