"""A sweep's plan: its grids (:class:`Axis`, :func:`log_range`) and the :class:`Sweep` they make, checked.

:func:`make_sweep` checks everything a sweep can be refused for (the grids,
every cell's settings in the optimizer's own words, the memory its runs and
kept decision grids need) before anything trains; running it is
:func:`animator.sweep.run_sweep`.
"""

import itertools
import math
from dataclasses import dataclass, replace

import numpy as np

from .errors import ArgumentError
from .optimizers import OPTIMIZERS, OptimizerSpec
from .run import RunConfig, check, estimate_bytes, memory_limit, planned_frames

MAX_AXES = 2
MAX_VALUES = 50            # per grid: 50 x 50 = 2,500 runs is already a long afternoon on a cluster
SIGNIFICANT = 3            # digits kept by the values inside a LOW..HIGH/N range


def hyperparameter_names(optimizer):
    """The names of the hyper-parameters ``optimizer`` takes, in its order (a grid's and the table's columns)."""
    return [h.name for h in OPTIMIZERS[optimizer].HYPERPARAMETERS]


@dataclass(frozen=True)
class Axis:
    """One grid: a hyper-parameter's name and the values it takes, in order."""

    name: str
    values: tuple

    def __len__(self):
        return len(self.values)


# -- the values of a grid ---------------------------------------------------------------------

def log_range(low, high, count):
    """``count`` values from ``low`` to ``high`` spaced evenly on a log scale; the ones between rounded.

    >>> log_range(0.001, 10, 5)
    (0.001, 0.01, 0.1, 1.0, 10.0)
    >>> log_range(0.01, 1, 4)
    (0.01, 0.0464, 0.215, 1.0)
    """
    inner = [float(f"{v:.{SIGNIFICANT}g}") for v in np.geomspace(low, high, count)[1:-1]]
    return (float(low), *inner, float(high))


def check_axis(axis, optimizer):
    """An :class:`ArgumentError` (``grids``) unless ``axis`` is a hyper-parameter of ``optimizer`` with 1 to
    :data:`MAX_VALUES` distinct finite values."""
    takes = hyperparameter_names(optimizer)
    if axis.name not in takes:
        raise ArgumentError("grids", f"{optimizer} has no hyper-parameter {axis.name!r} (it takes {', '.join(takes)})")
    values = axis.values
    if not 1 <= len(values) <= MAX_VALUES:
        raise ArgumentError("grids", f"{axis.name}: 1 to {MAX_VALUES} values (got {len(values)})")
    for value in values:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise ArgumentError("grids", f"{axis.name}: {value!r} is not a finite number")
    repeated = [v for k, v in enumerate(values) if v in values[:k]]
    if repeated:
        raise ArgumentError("grids", f"{axis.name}: {repeated[0]:g} comes twice")


# -- the plan ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Sweep:
    """What a sweep trains: ``optimizer`` (its fixed settings) at every cell of ``axes``, on ``config``.

    ``config`` gives the data, network, epochs, seed, frames and decision grid
    of every run; each cell's run is ``run_config(cell)``.  Cells are tuples of
    value indices, ``(i,)`` or ``(i, j)``, in row-major order.
    """

    optimizer: OptimizerSpec
    axes: tuple
    config: RunConfig = RunConfig()

    def __post_init__(self):
        object.__setattr__(self, "optimizer", OptimizerSpec.of(self.optimizer))

    def __reduce__(self):
        # an OptimizerSpec's read-only mapping does not pickle; its plain form does
        return type(self), (self.optimizer.as_dict(), self.axes, self.config)

    @property
    def shape(self):
        return tuple(len(axis) for axis in self.axes)

    @property
    def names(self):
        return tuple(axis.name for axis in self.axes)

    def __len__(self):
        return math.prod(self.shape)

    def cells(self):
        return list(itertools.product(*(range(n) for n in self.shape)))

    def settings(self, cell):
        """``{name: value}`` of the swept hyper-parameters at ``cell``."""
        return {axis.name: axis.values[i] for axis, i in zip(self.axes, cell)}

    def spec(self, cell):
        """The optimizer of ``cell``'s run: the fixed settings and the cell's."""
        return OptimizerSpec(self.optimizer.name, {**self.optimizer.hyperparameters, **self.settings(cell)})

    def run_config(self, cell):
        spec = self.spec(cell)
        return replace(self.config, optimizer=spec.name, hyperparameters=dict(spec.hyperparameters),
                       record="frames")

    @property
    def frame_epochs(self):
        """The epochs every run is drawn at."""
        return planned_frames(self.config)

    def __repr__(self):
        grids = " x ".join(f"{a.name}[{len(a)}]" for a in self.axes)
        return f"<Sweep {self.optimizer!r} over {grids}: {len(self)} runs of {self.config.epochs} epochs>"


def make_sweep(optimizer, grids, settings=(), config=RunConfig()):
    """Check everything and return the :class:`Sweep`; nothing is trained.

    ``grids`` are one or two :class:`Axis` values; ``settings`` fix other
    hyper-parameters (``{"decay": 1e-3}``).  Every cell's settings are checked
    by the optimizer itself, so a refused value is refused here, in the
    optimizer's words.  (The command line's grid texts, ``lr=0.001..10/8``, are
    read by :mod:`animator_app.grammar`.)
    """
    if optimizer not in OPTIMIZERS:
        raise ArgumentError("optimizer", f"{optimizer!r} is unknown (choose from {', '.join(OPTIMIZERS)})")
    grids = list(grids)
    if not 1 <= len(grids) <= MAX_AXES:
        raise ArgumentError("grids", f"must be given once or twice, one per swept hyper-parameter (got {len(grids)})")
    axes = tuple(Axis(grid.name, tuple(grid.values)) for grid in grids)
    for axis in axes:
        check_axis(axis, optimizer)
    if len(axes) == 2 and axes[0].name == axes[1].name:
        raise ArgumentError("grids", f"{axes[0].name} is swept twice")
    fixed = {}
    for name, value in dict(settings).items():
        if name in fixed:
            raise ArgumentError("settings", f"{name} is set twice")
        if name in (a.name for a in axes):
            raise ArgumentError("settings", f"{name} is swept by a grid, so it cannot also be set")
        fixed[name] = float(value)
    sweep = Sweep(OptimizerSpec(optimizer, fixed), axes, config)
    for cell in sweep.cells():
        try:
            sweep.spec(cell).build()
        except ValueError as error:
            where = ", ".join(f"{k}={v:g}" for k, v in sweep.settings(cell).items())
            raise ArgumentError("grids", f"at {where}: {error}") from None
    check(sweep.run_config(sweep.cells()[0]))
    check_memory(sweep)
    return sweep


def kept_bytes(sweep, classes=None):
    """The bytes of the decision grids a sweep's summaries hold together."""
    k = classes or sweep.config.classes
    return len(sweep) * len(sweep.frame_epochs) * sweep.config.grid_resolution ** 2 * k


def check_memory(sweep, classes=None, *, points=None, workers=1):
    """Refuse a sweep whose runs, ``workers`` of them training at once on this machine, would not fit.

    The estimate is the decision grids every summary keeps plus one run's
    memory (:func:`animator.run.estimate_bytes`) times the runs that train
    together; a sweep may use what one run may (:func:`animator.run.memory_limit`).
    """
    kept = kept_bytes(sweep, classes)
    at_once = max(1, min(int(workers), len(sweep)))
    per_run = sum(estimate_bytes(sweep.run_config(sweep.cells()[0]), points=points, classes=classes).values())
    total, limit = kept + per_run * at_once, memory_limit()
    if total <= limit:
        return total
    if at_once > 1 and per_run * at_once >= kept:
        raise ArgumentError("workers", f"{workers} would train {at_once} runs at once, about {_gib(per_run)} each: "
                                       f"{_gib(total)} with the kept decision grids, more than the {_gib(limit)} "
                                       f"a sweep may use (half of this machine's); use fewer workers")
    raise ArgumentError("grid_resolution", f"{sweep.config.grid_resolution} with {len(sweep.frame_epochs)} "
                                           f"frames for {len(sweep)} runs would keep {_gib(kept)} of decision "
                                           f"grids ({_gib(total)} in all), more than the {_gib(limit)} a sweep "
                                           f"may use; use fewer frames or a smaller grid")


def _gib(count):
    return f"{count / (1 << 30):.1f} GiB"
