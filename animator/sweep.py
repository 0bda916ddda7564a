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

import logging
import math
from dataclasses import dataclass, field

import numpy as np

from .errors import UserError
from .executors import InProcess
from .frames import grid_extent
from .run import build, memory_limit
from .untrusted import Untrusted
# The plan, one run and the table each have a module; their names stay importable from here,
# where a sweep's users (the CLI, the tests, the benchmarks) have always found them.
from .sweep_plan import (MAX_AXES, MAX_VALUES, SIGNIFICANT, Axis, Sweep, check_axis, check_memory,  # noqa: F401
                         kept_bytes, log_range, make_sweep)
from .sweep_runs import Outcome, RunSummary, Task, run_one, run_packed, summarize  # noqa: F401
from .sweep_table import RESULT_COLUMNS, table_columns, table_rows, table_text, write_table  # noqa: F401

log = logging.getLogger(__name__)


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
    from .summary_bytes import read_summary

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
