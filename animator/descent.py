"""Gradient descents on the analytic functions, recorded step by step.

:func:`descend` runs one of the chapter's optimizers (its pure
``init``/``update`` step) on a function from :mod:`animator.functions` and
returns a :class:`Trajectory` of plain arrays: where the ball was, how high,
the slope there, the update it took and the learning rate it used.  A descent
that overflows stops and says why; it never raises or prints a warning.

:func:`run_preset` replays the chapter's "ball on a curve" stories (Figures 3-13,
declared in :data:`animator.chapter.DESCENTS`) and :func:`run_race` its 2-D
races (:data:`animator.chapter.RACES_2D`).

>>> from animator.functions import CURVE
>>> t = run_preset("stuck-second-minimum")
>>> final_basin(t, CURVE), outcome(t, CURVE).behaviour
(1, 'settles')
"""

import math
from dataclasses import dataclass
from typing import NamedTuple, Optional

import numpy as np

from .chapter import DESCENTS, RACES_2D
from .errors import ArgumentError
from .functions import FUNCTIONS_1D, FUNCTIONS_2D
from .optimizers import Optimizer, OptimizerSpec

MAX_STEPS = 1_000_000  # a Trajectory of 10^6 steps is ~50 MB; longer descents show nothing more
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
    optimizer: OptimizerSpec
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
        return f"Trajectory({self.function}, {self.optimizer!r}, steps={self.steps}, {end})"


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
    ``dim``, ``name``, ``value`` and ``grad``).  ``optimizer`` is an
    :class:`animator.optimizers.Optimizer` or an :class:`OptimizerSpec`; its pure
    ``init``/``update`` makes every update, so the optimizer itself is never
    changed and can be used again.  ``start`` defaults to ``function.start``; the
    position is a float64 array of shape ``(dim,)``.

    With ``stop_when_converged`` the run ends once both the last update and
    the gradient are within ``tol`` (max-norm); ``converged_at`` records when.
    Divergence - a NaN/inf position, value or gradient, or ``|x| > bound`` -
    ends the run silently with ``diverged_at`` and ``cause`` set.

    >>> from animator.functions import Parabola1D
    >>> from animator.optimizers import make_optimizer
    >>> t = descend(Parabola1D(), make_optimizer("sgd", lr=0.25), start=1.0, steps=3)
    >>> t.positions.ravel().tolist(), t.updates.ravel().tolist()
    ([1.0, 0.5, 0.25, 0.125], [-0.5, -0.25, -0.125])
    """
    if isinstance(optimizer, OptimizerSpec):
        optimizer = optimizer.build()
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"optimizer must be an animator Optimizer or OptimizerSpec, got {type(optimizer).__name__}")
    steps = _whole(steps, "steps")
    if steps > MAX_STEPS:
        raise ArgumentError("steps", f"must be at most {MAX_STEPS:,} (got {steps:,})")

    start = function.start if start is None else start
    try:
        x = np.array(start, dtype=np.float64).reshape(function.dim)
    except (TypeError, ValueError):
        raise ArgumentError("start", f"must be {function.dim} number{'s' if function.dim > 1 else ''} "
                                     f"(got {start!r})") from None
    if not np.all(np.isfinite(x)):
        raise ArgumentError("start", f"must be finite (got {_short(x)})")
    diverged_at = cause = converged_at = None
    # Overflow is an outcome we record, not an error: keep numpy quiet and look ourselves.
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        value, grad = _evaluate(function, x)
        problem = _problem(x, value, grad, bound)
        if problem:
            raise ArgumentError("start", f"cannot be {_short(x)}: {problem}")
        positions, values, gradients = [x.copy()], [value], [grad]
        updates, learning_rates = [], []
        state = optimizer.init(x)
        for step in range(steps):
            lr = optimizer.learning_rate_at(state.count)
            update, state = optimizer.update(grad, state)
            update = np.array(update, dtype=np.float64)
            x += update
            value, grad = _evaluate(function, x)
            problem = _problem(x, value, grad, bound)
            if problem:
                diverged_at, cause = step + 1, f"step {step + 1}: {problem}"
                break
            positions.append(x.copy())
            values.append(value)
            gradients.append(grad)
            updates.append(update)
            learning_rates.append(lr)
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
        optimizer=optimizer.spec,
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


def run_preset(name, **overrides):
    """Run descent ``name`` of :data:`animator.chapter.DESCENTS`.

    ``overrides`` may change ``start``, ``steps`` or any hyper-parameter (``lr=0.5``).
    """
    try:
        preset = DESCENTS[name]
    except KeyError:
        raise ArgumentError("preset", f"{name!r} is unknown (choose from {', '.join(DESCENTS)})") from None
    start = overrides.pop("start", None)
    steps = overrides.pop("steps", None)
    spec = OptimizerSpec(preset.optimizer.name, {**preset.hyper, **overrides})
    return descend(FUNCTIONS_1D[preset.function], spec, preset.start if start is None else start,
                   preset.steps if steps is None else steps)


# -- 2-D races -----------------------------------------------------------------


def run_race(name, *, steps=None, start=None):
    """Run every entrant of :data:`animator.chapter.RACES_2D` ``[name]``; returns ``{label: Trajectory}``."""
    try:
        race = RACES_2D[name]
    except KeyError:
        raise ArgumentError("function", f"{name!r} has no race (choose from {', '.join(RACES_2D)})") from None
    function = FUNCTIONS_2D[race.function]
    start = race.start if start is None else start
    steps = race.steps if steps is None else steps
    return {e.label: descend(function, e.optimizer, start, steps) for e in race.entrants}


def _whole(value, name):
    """``value`` as an int of 0 or more, else an :class:`ArgumentError` naming ``name``."""
    if isinstance(value, bool) or not float(value).is_integer():
        raise ArgumentError(name, f"must be a whole number (got {value!r})")
    value = int(value)
    if value < 0:
        raise ArgumentError(name, f"must be 0 or more (got {value})")
    return value


def distance_to_minimum(trajectory, function):
    """Per recorded step, the distance from the ball to the nearest global minimum."""
    minima = function.minima.reshape(-1, function.dim)
    gaps = trajectory.positions[:, None, :] - minima[None, :, :]
    return np.linalg.norm(gaps, axis=2).min(axis=1)
