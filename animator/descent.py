"""Gradient descents on the analytic functions, recorded step by step.

:func:`descend` runs one of the chapter's optimizers (its in-place
``optimizer.step(x, grad)``) on a function from :mod:`animator.functions` and
returns a :class:`Trajectory` of plain arrays: where the ball was, how high,
the slope there, the update it took and the learning rate it used.  A descent
that overflows stops and says why; it never raises or prints a warning.

``PRESETS`` replays the chapter's "ball on a curve" stories (Figures 3-13) on
:data:`animator.functions.CURVE`, all with SGD from its start at x = -3.8.
Measured with ``steps_to_reach(t, CURVE.minima[0], tol=0.05)``:

=====================  ====  ======  ========  =========================  ==========
preset                 fig   lr      momentum  outcome                    reach band
=====================  ====  ======  ========  =========================  ==========
stuck-first-minimum     3    0.02    -         settles in minimum 0       -
stuck-second-minimum    4    0.12    -         settles in minimum 1       -
stuck-third-minimum     5    0.38    -         settles in minimum 2       -
momentum-slow           6    0.0052  0.95      settles in the global (3)  150-260
momentum-better         7    0.02    0.93      settles in the global (3)  80-140
momentum-fast           8    0.09    0.85      settles in the global (3)  38-70
too-large               9    2.0     -         oscillates around 3        -
far-too-large          10    3.45    -         wanders between basins     -
explosion              11    12.0    -         diverges (overflow)        -
good                   12    0.3     0.7       settles in the global (3)  15-35
efficient              13    1.4     0.3       settles in the global (3)  1-13
=====================  ====  ======  ========  =========================  ==========

Plain SGD (no momentum) rests in minimum 0 for lr below about 0.04, in 1 for
0.085-0.165, in 2 for 0.31-0.47 and in the global minimum for 0.75-1.27; it
hops around the global minimum for 1.3-2.7, wanders for about 3-3.7 and
overflows beyond about 5.  Each preset sits well inside its band.

>>> from animator.functions import CURVE
>>> t = run_preset("stuck-second-minimum")
>>> final_basin(t, CURVE), outcome(t, CURVE).behaviour
(1, 'settles')
"""

import math
import types
from dataclasses import dataclass, field
from typing import NamedTuple, Optional

import numpy as np

from .functions import FUNCTIONS_1D, FUNCTIONS_2D
from .optimizers import Optimizer, make_optimizer

DEFAULT_BOUND = 1e100  # |x| beyond this counts as an overflow, long before float64 gives out
REACH_TOL = 0.05  # how close "reached the minimum" means, in x units, for the presets


@dataclass(frozen=True, eq=False)
class Trajectory:
    """One recorded descent.  Row ``t`` of ``positions``/``values``/``gradients`` is the state
    after ``t`` updates; ``updates[t]`` and ``learning_rates[t]`` took it from row ``t`` to ``t + 1``.

    Every stored number is finite: if step ``t`` produced a non-finite or
    out-of-bound position, value or gradient, the arrays end at row ``t - 1``,
    ``diverged_at`` is ``t`` (``== len(positions)``) and ``cause`` says what went wrong.
    """

    positions: np.ndarray  # (n + 1, dim)
    values: np.ndarray  # (n + 1,)
    gradients: np.ndarray  # (n + 1, dim)
    updates: np.ndarray  # (n, dim)
    learning_rates: np.ndarray  # (n,)
    function: str
    optimizer: str
    diverged_at: Optional[int] = None
    cause: Optional[str] = None
    converged_at: Optional[int] = None

    @property
    def steps(self):
        """How many updates were recorded."""
        return len(self.updates)

    @property
    def dim(self):
        return self.positions.shape[1]

    def __repr__(self):
        end = (f"diverged_at={self.diverged_at}" if self.diverged_at is not None
               else f"converged_at={self.converged_at}" if self.converged_at is not None
               else f"final={self.positions[-1].tolist()}")
        return f"Trajectory({self.function}, {self.optimizer}, steps={self.steps}, {end})"


def _evaluate(function, x):
    value = np.asarray(function.value(x[0] if function.dim == 1 else x), dtype=np.float64)
    grad = np.asarray(function.grad(x[0] if function.dim == 1 else x), dtype=np.float64)
    return value.item(), grad.reshape(x.shape)


def _problem(x, value, grad, bound):
    """Why this state cannot go on, or None.  Callers hold ``np.errstate``."""
    # One cheap test for the common case: NaN fails every comparison, inf fails the bound.
    if math.isfinite(value) and abs(x).max() <= bound and math.isfinite(abs(grad).max()):
        return None
    if not np.all(np.isfinite(x)):
        return f"x is {x.tolist()}"
    if np.max(np.abs(x)) > bound:
        return f"|x| = {np.max(np.abs(x)):.3g} is beyond {bound:.3g}"
    if not math.isfinite(value):
        return f"f(x) is {value} at x = {_short(x)}"
    return f"the gradient is {grad.tolist()} at x = {_short(x)}"


def _short(x):
    return "(" + ", ".join(f"{v:.3g}" for v in x) + ")"


def descend(function, optimizer, start=None, steps=100, *, stop_when_converged=False, tol=1e-8,
            bound=DEFAULT_BOUND):
    """Run ``optimizer`` on ``function`` from ``start`` for up to ``steps`` updates.

    ``function`` is one of :mod:`animator.functions`' objects (anything with
    ``dim``, ``name``, ``value`` and ``grad``).  ``optimizer`` is a fresh
    :class:`animator.optimizers.Optimizer`; its own ``step`` makes every update
    and keeps momentum/cache between calls, so it must not have stepped before.
    ``start`` defaults to ``function.start``; the position is a float64 array of
    shape ``(dim,)``.

    With ``stop_when_converged`` the run ends once both the last update and
    the gradient are within ``tol`` (max-norm); ``converged_at`` records when.
    Divergence - a NaN/inf position, value or gradient, or ``|x| > bound`` -
    ends the run silently with ``diverged_at`` and ``cause`` set.

    >>> from animator.functions import Parabola1D
    >>> t = descend(Parabola1D(), make_optimizer("sgd", lr=0.25), start=1.0, steps=3)
    >>> t.positions.ravel().tolist(), t.updates.ravel().tolist()
    ([1.0, 0.5, 0.25, 0.125], [-0.5, -0.25, -0.125])
    """
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"optimizer must be an animator Optimizer, got {type(optimizer).__name__}")
    if optimizer.iterations:
        raise ValueError("descend needs a fresh optimizer (this one has already stepped)")
    steps = int(steps)
    if steps < 0:
        raise ValueError(f"steps must be >= 0, got {steps}")

    start = function.start if start is None else start
    x = np.array(start, dtype=np.float64).reshape(function.dim)
    description = repr(optimizer)
    diverged_at = cause = converged_at = None
    # Overflow is an outcome we record, not an error: keep numpy quiet and look ourselves.
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        value, grad = _evaluate(function, x)
        problem = _problem(x, value, grad, bound)
        if problem:
            raise ValueError(f"cannot start at {start!r}: {problem}")
        positions, values, gradients = [x.copy()], [value], [grad]
        updates, learning_rates = [], []
        for step in range(steps):
            update = np.array(optimizer.step(x, grad), dtype=np.float64)
            value, grad = _evaluate(function, x)
            problem = _problem(x, value, grad, bound)
            if problem:
                diverged_at, cause = step + 1, f"step {step + 1}: {problem}"
                break
            positions.append(x.copy())
            values.append(value)
            gradients.append(grad)
            updates.append(update)
            learning_rates.append(optimizer.current_learning_rate)
            if stop_when_converged and max(np.max(np.abs(update)), np.max(np.abs(grad))) <= tol:
                converged_at = step + 1
                break

    dim = function.dim
    return Trajectory(
        positions=np.array(positions).reshape(-1, dim),
        values=np.array(values, dtype=np.float64),
        gradients=np.array(gradients).reshape(-1, dim),
        updates=np.array(updates, dtype=np.float64).reshape(-1, dim),
        learning_rates=np.array(learning_rates, dtype=np.float64),
        function=function.name,
        optimizer=description,
        diverged_at=diverged_at,
        cause=cause,
        converged_at=converged_at,
    )


# -- reading a trajectory ------------------------------------------------------


def _distances(trajectory, target):
    target = np.asarray(target, dtype=np.float64).reshape(-1)
    return np.linalg.norm(trajectory.positions - target, axis=1)


def steps_to_reach(trajectory, target, *, tol=REACH_TOL):
    """The first step from which the ball stays within ``tol`` of ``target`` to the end, else None.

    ``target`` is a point (a number in 1-D).  A diverged run never reached anything.
    """
    if trajectory.diverged_at is not None:
        return None
    outside = np.flatnonzero(_distances(trajectory, target) > tol)
    if len(outside) == 0:
        return 0
    last = outside[-1]
    return None if last == len(trajectory.positions) - 1 else int(last + 1)


def first_arrival(trajectory, target, *, tol=REACH_TOL):
    """The first step at which the ball is within ``tol`` of ``target`` (it may leave again), else None."""
    inside = np.flatnonzero(_distances(trajectory, target) <= tol)
    return int(inside[0]) if len(inside) else None


def _point(function, row):
    return row[0] if function.dim == 1 else row


def basins(trajectory, function):
    """The basin index of every recorded position (see ``function.basin_of``)."""
    points = trajectory.positions[:, 0] if function.dim == 1 else trajectory.positions
    return np.asarray(function.basin_of(points))


def final_basin(trajectory, function):
    """The basin the ball was in at the end of the run, or None if it diverged."""
    if trajectory.diverged_at is not None:
        return None
    return function.basin_of(_point(function, trajectory.positions[-1]))


class Outcome(NamedTuple):
    """How a run ended: ``behaviour`` is one of ``settles``, ``oscillates``, ``wanders``, ``diverges``."""

    behaviour: str
    basin: Optional[int]


def outcome(trajectory, function, *, window=20, tol=1e-3):
    """Classify the last ``window`` positions of a run.

    * ``diverges``: the run overflowed (basin None);
    * ``wanders``: the positions span more than one basin (basin: the final one);
    * ``settles``: all within ``tol`` of their basin's minimum;
    * ``oscillates``: in one basin but not settled - jumping around its minimum.
    """
    if trajectory.diverged_at is not None:
        return Outcome("diverges", None)
    tail = trajectory.positions[-window:]
    points = tail[:, 0] if function.dim == 1 else tail
    where = np.atleast_1d(function.basin_of(points))
    last = int(where[-1])
    if np.any(where != last):
        return Outcome("wanders", last)
    minimum = function.local_minima().reshape(-1, function.dim)[last]
    settled = np.all(np.linalg.norm(tail - minimum, axis=1) <= tol)
    return Outcome("settles" if settled else "oscillates", last)


# -- the chapter's stories -----------------------------------------------------


@dataclass(frozen=True)
class Preset:
    """One of the chapter's 1-D descents and what it must show.

    ``hyper`` uses the CLI names of :func:`animator.optimizers.make_optimizer`.
    ``behaviour``/``basin`` are the expected :func:`outcome`; ``reach`` is the
    band (inclusive) that ``steps_to_reach`` of the global minimum falls in, when
    the story is about reaching it.
    """

    name: str
    figure: int
    caption: str
    optimizer: str
    hyper: dict = field(hash=False)
    steps: int
    behaviour: str
    basin: Optional[int] = None
    reach: Optional[tuple] = None
    function: str = "curve"
    start: Optional[float] = None

    def __post_init__(self):
        object.__setattr__(self, "hyper", types.MappingProxyType(dict(self.hyper)))

    def __repr__(self):
        return f"Preset({self.name!r}, fig {self.figure}, {self.optimizer} {dict(self.hyper)})"


def _presets(*presets):
    return {p.name: p for p in presets}


PRESETS = _presets(
    Preset("stuck-first-minimum", 3,
           "Small steps: the ball rolls into the first dip it meets and stays there.",
           "sgd", {"lr": 0.02}, 100, "settles", basin=0),
    Preset("stuck-second-minimum", 4,
           "A larger learning rate shakes the ball out of the first, narrow dip; it rests in the second.",
           "sgd", {"lr": 0.12}, 100, "settles", basin=1),
    Preset("stuck-third-minimum", 5,
           "Larger still: past two dips, stuck in the third, right next to the global minimum.",
           "sgd", {"lr": 0.38}, 100, "settles", basin=2),
    Preset("momentum-slow", 6,
           "A tiny learning rate with strong momentum rolls over every hump to the global "
           "minimum, but needs about 200 steps (150-260) to settle there.",
           "sgd", {"lr": 0.0052, "momentum": 0.95}, 400, "settles", basin=3, reach=(150, 260)),
    Preset("momentum-better", 7,
           "A larger learning rate and a little less momentum: the global minimum in about "
           "100 steps (80-140).",
           "sgd", {"lr": 0.02, "momentum": 0.93}, 300, "settles", basin=3, reach=(80, 140)),
    Preset("momentum-fast", 8,
           "Larger again, with less momentum: the global minimum in about 50 steps (38-70).",
           "sgd", {"lr": 0.09, "momentum": 0.85}, 150, "settles", basin=3, reach=(38, 70)),
    Preset("too-large", 9,
           "The learning rate is too big for the global valley: the ball reaches it but jumps "
           "from side to side around the minimum for ever.",
           "sgd", {"lr": 2.0}, 100, "oscillates", basin=3),
    Preset("far-too-large", 10,
           "Far too big: every step overshoots and the ball hops between valleys with no pattern.",
           "sgd", {"lr": 3.45}, 150, "wanders"),
    Preset("explosion", 11,
           "Critically too big: each step lands higher up the wall than the last, the value and "
           "the gradient grow without bound and the run overflows.",
           "sgd", {"lr": 12.0}, 50, "diverges"),
    Preset("good", 12,
           "Well-chosen learning rate and momentum: the global minimum in about 25 steps (15-35).",
           "sgd", {"lr": 0.3, "momentum": 0.7}, 100, "settles", basin=3, reach=(15, 35)),
    Preset("efficient", 13,
           "Big steps with a touch of momentum: the ball clears every hump and settles in "
           "about ten steps (1-13).",
           "sgd", {"lr": 1.4, "momentum": 0.3}, 40, "settles", basin=3, reach=(1, 13)),
)


def run_preset(name, **overrides):
    """Run preset ``name``; overrides may change ``start``, ``steps`` or any hyper-parameter (``lr=0.5``)."""
    try:
        preset = PRESETS[name]
    except KeyError:
        raise ValueError(f"unknown preset {name!r} (choose from {', '.join(PRESETS)})") from None
    start = overrides.pop("start", preset.start)
    steps = overrides.pop("steps", preset.steps)
    optimizer = make_optimizer(preset.optimizer, **{**preset.hyper, **overrides})
    return descend(FUNCTIONS_1D[preset.function], optimizer, start, steps)


# -- 2-D races -----------------------------------------------------------------


@dataclass(frozen=True)
class Entrant:
    """One optimizer in a race: a label for the legend, its CLI name and hyper-parameters."""

    label: str
    optimizer: str
    hyper: dict = field(hash=False)

    def __post_init__(self):
        object.__setattr__(self, "hyper", types.MappingProxyType(dict(self.hyper)))

    def __repr__(self):
        return f"Entrant({self.label!r}, {self.optimizer} {dict(self.hyper)})"


@dataclass(frozen=True)
class Race:
    """The five optimizers on one 2-D function from one start, each with tuned settings.

    Every entrant ends within ``tol`` of a global minimum after ``steps`` updates.
    """

    function: str
    steps: int
    entrants: tuple
    tol: float = 1e-2
    start: Optional[tuple] = None


def _race(function, steps, sgd, momentum, adagrad, rmsprop, adam, **options):
    settings = (("SGD", sgd), ("SGD with momentum", momentum), ("AdaGrad", adagrad),
                ("RMSProp", rmsprop), ("Adam", adam))
    # the CLI name is the label's first word: "SGD with momentum" -> "sgd"
    entrants = tuple(Entrant(label, label.split()[0].lower(), hyper) for label, hyper in settings)
    return Race(function, steps, entrants, **options)


# Tuned by hand; the comments give the measured step at which each entrant is
# first within 1e-2 of the minimum, in the order SGD, momentum, AdaGrad, RMSProp, Adam.
RACES = {
    # 25, 16, 47, 69, 99; the steep axis (b = 4) caps plain SGD at lr < 0.25.
    "parabola": _race("parabola", 300, {"lr": 0.1}, {"lr": 0.05, "momentum": 0.5}, {"lr": 0.5},
                      {"lr": 0.1, "decay": 0.05}, {"lr": 0.1}),
    # about 5900, 1000, 4500, 4100, 2500: the valley floor is 2500 times flatter than its
    # walls, so a stable plain SGD crawls; this is the slowest race by far.
    "rosenbrock": _race("rosenbrock", 8000, {"lr": 0.0019}, {"lr": 0.001, "momentum": 0.9},
                        {"lr": 1.5}, {"lr": 0.01, "decay": 1e-3}, {"lr": 0.02}),
    # about 1200, 1170, 540, 450, 830.
    "beale": _race("beale", 2000, {"lr": 0.01}, {"lr": 0.001, "momentum": 0.9}, {"lr": 1.0},
                   {"lr": 0.01, "decay": 1e-3}, {"lr": 0.05}),
    # 178, 89, 31, 70, 102.  Escaping the saddle: plain SGD leaves at the pace of the
    # tiny sideways slope; AdaGrad and RMSProp rescale it and leave first.
    "saddle": _race("saddle", 400, {"lr": 0.02}, {"lr": 0.02, "momentum": 0.9}, {"lr": 0.5},
                    {"lr": 0.05, "decay": 0.01}, {"lr": 0.05}),
}


def run_race(name, *, steps=None, start=None):
    """Run every entrant of ``RACES[name]``; returns ``{label: Trajectory}`` in race order."""
    try:
        race = RACES[name]
    except KeyError:
        raise ValueError(f"unknown race {name!r} (choose from {', '.join(RACES)})") from None
    function = FUNCTIONS_2D[race.function]
    start = race.start if start is None else start
    steps = race.steps if steps is None else steps
    return {e.label: descend(function, make_optimizer(e.optimizer, **e.hyper), start, steps)
            for e in race.entrants}


def distance_to_minimum(trajectory, function):
    """Per recorded step, the distance from the ball to the nearest global minimum."""
    minima = function.minima.reshape(-1, function.dim)
    gaps = trajectory.positions[:, None, :] - minima[None, :, :]
    return np.linalg.norm(gaps, axis=2).min(axis=1)
