"""Sweeps: the chapter's trial and error as a map, every combination of one or two hyper-parameters' values.

>>> sweep = make_sweep("sgd", [Axis("lr", log_range(0.01, 10, 4)), Axis("momentum", (0, 0.5, 0.9))],
...                    {"decay": 1e-3}, RunConfig(epochs=1000))
>>> sweep.shape, sweep.axes[0].values
((4, 3), (0.01, 0.1, 1.0, 10.0))
>>> result = run_sweep(sweep)                  # doctest: +SKIP
>>> result.best().settings                     # doctest: +SKIP
{'lr': 1.0, 'momentum': 0.9}

A grid is an :class:`Axis`: a hyper-parameter and its values, such as
:func:`log_range`'s N values spaced evenly on a log scale from LOW to HIGH, the
ends as given and the values between rounded to three significant digits (the
command line writes them ``NAME=V1,V2,...`` or ``NAME=LOW..HIGH/N``, read by
:mod:`animator_app.grammar`).  Every cell is one solo run (:func:`animator.run.train`'s
data, initial weights and arithmetic), so where it runs, in this process, a
worker process or a Dask worker, cannot change a bit of its result.

A run sends back a :class:`RunSummary` (as plain bytes, read back as data:
:func:`run_packed`), not its Recording: the numbers of the table, and the loss, accuracy and decision grid at the sweep's frame epochs
(the same epochs for every run, clamped to where a diverged run stopped, so
all runs advance together in the pictures).  Where the runs execute is an
*executor* (:mod:`animator.executors`); finished runs can be kept in a
:class:`~animator.sweep_store.RunStore`, so an interrupted sweep resumes.
"""

import csv
import io
import itertools
import math
import logging
import time
from dataclasses import dataclass, field, replace
from typing import Optional

import numpy as np

from .errors import ArgumentError, UserError
from .executors import InProcess
from .fileio import atomic_output
from .frames import grid_extent
from .optimizers import OPTIMIZERS, OptimizerSpec
from .run import (RunConfig, build, check, estimate_bytes, make_recording, memory_limit, planned_frames,
                  versions)
from .trainer import Trainer
from .untrusted import Untrusted

MAX_AXES = 2
MAX_VALUES = 50            # per grid: 50 x 50 = 2,500 runs is already a long afternoon on a cluster
SIGNIFICANT = 3            # digits kept by the values inside a LOW..HIGH/N range
log = logging.getLogger(__name__)


def _takes(optimizer):
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
    takes = _takes(optimizer)
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


# -- one run -----------------------------------------------------------------------------------

@dataclass
class RunSummary:
    """What one run sends back: its numbers, and what the pictures draw at the sweep's frame epochs.

    ``final_loss`` and ``final_accuracy`` are those of the last epoch recorded
    (the last finite one, for a run that diverged at ``diverged_at``); ``nan``
    if not even epoch 0 was finite.  ``frame_epochs`` are the sweep's, clamped
    to the last epoch recorded; ``grid_probs`` (frames, rows, cols, classes)
    uint8 are the decision grids there, as in a Recording.
    """

    cell: tuple
    optimizer: dict          # {"name": ..., "hyperparameters": {...}}: a plain value, it travels between processes
    final_loss: float
    final_accuracy: float
    best_accuracy: float
    best_epoch: Optional[int]
    diverged_at: Optional[int]
    divergence_cause: Optional[str]
    last_epoch: int
    seconds: float
    frame_epochs: np.ndarray
    frame_loss: np.ndarray
    frame_accuracy: np.ndarray
    grid_probs: np.ndarray
    versions: dict = field(default_factory=dict)

    @property
    def spec(self):
        """The run's optimizer as an :class:`OptimizerSpec`."""
        return OptimizerSpec.of(self.optimizer)

    @property
    def diverged(self):
        return self.diverged_at is not None

    def __repr__(self):
        end = f"diverged at epoch {self.diverged_at}" if self.diverged else \
            f"loss {self.final_loss:.3f}, accuracy {self.final_accuracy:.3f}"
        return f"<RunSummary {self.cell} {self.spec!r}: {end}, {self.seconds:.2f} s>"


@dataclass(frozen=True)
class Task:
    """One run to make: its cell and config, the CSV's points if any, and whether to send the Recording back."""

    cell: tuple
    config: RunConfig
    data: Optional[tuple] = None
    keep_recording: bool = False


@dataclass
class Outcome:
    summary: RunSummary
    recording: object = None       # the whole Recording, only when the task asked for it


def summarize(cell, recording, seconds):
    """The :class:`RunSummary` of a Recording drawn at the sweep's frames."""
    loss, accuracy, epochs = recording.loss, recording.accuracy, recording.epochs
    status = recording.status
    if len(epochs):
        best = int(np.argmax(accuracy))
        numbers = (float(loss[-1]), float(accuracy[-1]), float(accuracy[best]), int(epochs[best]))
    else:
        numbers = (math.nan, math.nan, math.nan, None)
    frames = np.asarray(recording.frame_epochs, dtype=np.int64)
    rows = np.searchsorted(epochs, frames)
    return RunSummary(cell=tuple(int(i) for i in cell), optimizer=recording.spec.optimizer.as_dict(),
                      final_loss=numbers[0], final_accuracy=numbers[1], best_accuracy=numbers[2],
                      best_epoch=numbers[3], diverged_at=status.diverged_at,
                      divergence_cause=status.divergence_cause, last_epoch=int(len(epochs)) - 1,
                      seconds=float(seconds), frame_epochs=frames,
                      frame_loss=np.asarray(loss[rows], dtype=np.float32),
                      frame_accuracy=np.asarray(accuracy[rows], dtype=np.float64),
                      grid_probs=np.asarray(recording.grid_probs), versions=versions())


def run_one(task, *, on_epoch=None):
    """Train ``task``'s run and return its :class:`Outcome`; the same bits in any process.

    Ctrl-C while training (in this process) raises ``KeyboardInterrupt``: an
    interrupted run is not a result.
    """
    started = time.perf_counter()
    config = task.config
    X, y, network, optimizer = build(config, data=task.data)
    frames = planned_frames(config)
    result = Trainer(network, optimizer, X, y).run(config.epochs, on_epoch=on_epoch, keep=frames)
    if result.interrupted:
        raise KeyboardInterrupt
    recording = make_recording(config, X, y, network, optimizer, result, frames=frames)
    summary = summarize(task.cell, recording, time.perf_counter() - started)
    return Outcome(summary, recording if task.keep_recording else None)


def run_packed(task, *, on_epoch=None):
    """:func:`run_one`, sent back as bytes (:func:`animator.sweep_store.summary_bytes`): what every executor returns.

    Plain arrays and JSON, never a pickle: the machine collecting the runs
    reads them as data (:func:`animator.sweep_store.read_summary`), whoever
    trained them.
    """
    from .sweep_store import recording_bytes, summary_bytes

    outcome = run_one(task, on_epoch=on_epoch)
    recording = recording_bytes(outcome.recording) if outcome.recording is not None else None
    return summary_bytes(task, outcome.summary, recording)


# -- the whole sweep ---------------------------------------------------------------------------

@dataclass
class SweepResult:
    """Every run's summary in cell order, and what the pictures share: the data and the frame epochs."""

    sweep: Sweep
    runs: list
    X: np.ndarray
    y: np.ndarray
    grid_extent: np.ndarray
    resumed: int = 0          # runs taken from the store rather than trained
    rejected: list = field(default_factory=list)    # why stored runs were not taken (trained again)

    @property
    def frame_epochs(self):
        return self.sweep.frame_epochs

    @property
    def classes(self):
        return int(self.y.max()) + 1

    def run_at(self, cell):
        return self.runs[self.sweep.cells().index(tuple(cell))]

    def best(self):
        """The run with the lowest final loss among those that did not diverge (the first, on a tie); or None."""
        finished = [r for r in self.runs if not r.diverged and math.isfinite(r.final_loss)]
        return min(finished, key=lambda r: r.final_loss) if finished else None

    @property
    def diverged(self):
        return [r for r in self.runs if r.diverged]

    def __repr__(self):
        best = self.best()
        text = f", best {self.sweep.settings(best.cell)}: loss {best.final_loss:.3f}" if best else ""
        return f"<SweepResult {self.sweep!r}: {len(self.diverged)} diverged{text}>"


def sweep_data(sweep):
    """The points every run trains on (the CSV's, read once, or the generated ones) and the grid's extent."""
    X, y, _, _ = build(sweep.run_config(sweep.cells()[0]))
    return X, y, grid_extent(X, sweep.config.grid_padding)


def tasks(sweep, *, data=None, keep_recordings=False):
    """One :class:`Task` per cell; a CSV's points travel with the task (workers need not see the file)."""
    shipped = data if sweep.config.data_file is not None else None
    return [Task(cell, sweep.run_config(cell), shipped, keep_recordings) for cell in sweep.cells()]


def run_sweep(sweep, *, executor=None, store=None, save_runs=None, on_progress=None, on_run=None):
    """Train every run not already in ``store``, and return the :class:`SweepResult`.

    ``executor`` says where runs train (default: one after another in this
    process; see :mod:`animator.executors`).  ``store`` (a
    :class:`~animator.sweep_store.RunStore`) keeps each finished run as it
    arrives and hands back the ones a previous, interrupted call finished, if
    they verify (a run that does not is trained again; ``result.rejected`` says why).
    ``save_runs`` (a :class:`~animator.sweep_store.RecordingFolder`) also
    saves every run's whole Recording.  ``on_progress(done, total)`` follows
    the work (epochs or runs, as the executor can tell); ``on_run(done, total,
    summary)`` is called as each run arrives.  Ctrl-C raises
    ``KeyboardInterrupt``; the runs finished by then are in the store.
    """
    from .sweep_store import read_summary

    X, y, extent = sweep_data(sweep)
    classes = int(y.max()) + 1
    executor = executor or InProcess()
    check_memory(sweep, classes, points=len(X), workers=getattr(executor, "local_workers", 1))
    todo = tasks(sweep, data=(X, y), keep_recordings=save_runs is not None)
    if save_runs is not None:
        save_runs.check(sweep, todo)          # a user's file of a run's name: refused before any run
    done, rejected = {}, []
    if store is not None:
        for task in todo:
            try:
                summary = store.load(task, classes)
            except UserError as error:        # faked, damaged, another run's: trained again
                log.info("%s", error)
                rejected.append(str(error))
                continue
            if summary is not None and (save_runs is None or save_runs.has(sweep, task)):
                done[task.cell] = summary
    resumed = len(done)
    by_cell = {task.cell: task for task in todo}
    pending = [task for task in todo if task.cell not in done]
    if pending:                  # nothing to train: no process started, no scheduler contacted
        limit = memory_limit() if save_runs is not None else 0
        with executor:
            for task, data in executor.map(run_packed, pending, on_progress=on_progress):
                what = "the run at " + ", ".join(f"{n}={v:g}" for n, v in sweep.settings(task.cell).items())
                try:
                    summary, recording = read_summary(data, task, classes, what=what, recording_bytes=limit)
                    if save_runs is not None:
                        if recording is None:
                            raise Untrusted(f"{what}: came back without its Recording")
                        save_runs.save(sweep, task, recording, what=what)
                except Untrusted as error:
                    raise UserError(f"{error}; a worker sent back a result that does not verify, "
                                    f"so the sweep stops") from None
                if store is not None:
                    store.save(by_cell[summary.cell], summary)
                done[summary.cell] = summary
                if on_run is not None:
                    on_run(len(done), len(todo), summary)
    return SweepResult(sweep, [done[cell] for cell in sweep.cells()], X, y, extent, resumed, rejected)


# -- the table ---------------------------------------------------------------------------------

# what the table says of a run besides its settings, in order: (column, value of a summary)
RESULT_COLUMNS = (
    ("final_loss", lambda r: r.final_loss),
    ("final_accuracy", lambda r: r.final_accuracy),
    ("best_accuracy", lambda r: r.best_accuracy),
    ("best_epoch", lambda r: r.best_epoch),
    ("diverged_at", lambda r: r.diverged_at),
    ("seconds", lambda r: r.seconds),
)


def table_columns(sweep):
    """The table's header: the optimizer, each of its hyper-parameters, then :data:`RESULT_COLUMNS`."""
    return ["optimizer", *_takes(sweep.optimizer.name), *(name for name, _ in RESULT_COLUMNS)]


def table_rows(result):
    """One row of values per run, in cell order, matching :func:`table_columns`."""
    rows = []
    for run in result.runs:
        spec = run.spec
        settings = spec.complete()
        rows.append([spec.name, *(settings[name] for name in _takes(spec.name)),
                     *(value(run) for _, value in RESULT_COLUMNS)])
    return rows


def _cell_text(column, value):
    if value is None:
        return ""
    if column == "final_loss":
        return str(np.float32(value))         # the loss is float32: its shortest exact form
    if column == "seconds":
        return f"{value:.3f}"
    return repr(value) if isinstance(value, float) else str(value)


def table_text(result):
    """The table as CSV text: every number in its shortest exact form, ``diverged_at`` empty if none."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    header = table_columns(result.sweep)
    writer.writerow(header)
    for row in table_rows(result):
        writer.writerow([_cell_text(column, value) for column, value in zip(header, row)])
    return buffer.getvalue()


def write_table(result, path):
    """Write :func:`table_text` to ``path`` atomically."""
    with atomic_output(path) as temporary:
        with open(temporary, "w", encoding="utf-8", newline="") as handle:
            handle.write(table_text(result))
    return path
