"""Where a sweep's runs train: in this process, in worker processes on this machine, or on a Dask cluster.

An executor is a context manager with one method::

    with executor:
        for task, result in executor.map(run_packed, tasks, on_progress=report):
            ...                       # results arrive as runs finish, in any order, with their task

``on_progress(done, total)`` follows the work as finely as the executor can
see it (epochs here, runs on a cluster).  Runs are independent and
deterministic, so the executor changes when a result arrives, never its bits.
Ctrl-C (and SIGTERM, see :mod:`animator.lifecycle`) stops the work: worker
processes are stopped and reaped, a cluster's pending runs are cancelled.

:func:`executor_for` picks one: a scheduler address goes to the executor
registered for its scheme (:data:`SCHEDULERS`; ``tcp://`` and the other Dask
schemes to :class:`~animator.dask_cluster.DaskCluster`), else :class:`Processes` or, for one worker,
:class:`InProcess`.  Adding a backend is one class with ``map`` and its
schemes, registered with :func:`scheduler`.
"""

import functools
import os
import re

from . import pool
from .errors import ArgumentError

SCHEDULERS = {}                 # address scheme -> executor class


def scheduler(*schemes):
    """Class decorator: the executor for scheduler addresses of these schemes."""

    def register(cls):
        for scheme in schemes:
            SCHEDULERS[scheme] = cls
        return cls

    return register


def cores():
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def executor_for(*, workers=None, scheduler=None):
    """The executor for a scheduler address, or for ``workers`` local processes (default: one per core)."""
    if scheduler is not None:
        if workers is not None:
            raise ArgumentError("workers", "is for local processes; with a scheduler, its workers train the runs")
        match = re.match(r"^([a-z][a-z0-9+.-]*)://.+", scheduler.strip())
        if not match:
            raise ArgumentError("scheduler", f"{scheduler!r} is not an address like tcp://HOST:PORT")
        if match[1] not in SCHEDULERS:
            raise ArgumentError("scheduler", f"{scheduler!r}: unknown scheme {match[1]!r} "
                                             f"(use {', '.join(s + '://' for s in SCHEDULERS)})")
        return SCHEDULERS[match[1]](scheduler.strip())
    if workers is not None and workers < 1:
        raise ArgumentError("workers", f"must be at least 1 (got {workers})")
    workers = workers or cores()
    return InProcess() if workers == 1 else Processes(workers)


class InProcess:
    """One run after another in this process; progress by epoch; Ctrl-C stops the run in training."""

    workers = 1
    local_workers = 1          # runs training at once on this machine (for the memory estimate)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def __repr__(self):
        return "InProcess()"

    def map(self, function, tasks, *, on_progress=None):
        total = sum(t.config.epochs + 1 for t in tasks)
        done = [0]

        def count(*_):
            done[0] += 1
            if on_progress is not None:
                on_progress(done[0], total)

        for task in tasks:
            before = done[0]
            result = function(task, on_epoch=count)
            done[0] = before + task.config.epochs + 1      # a diverged run's epochs count as done
            yield task, result


def _work(function, task):
    """In a worker: train one run, reporting its epochs done; a diverged run's epochs count as done."""
    result = function(task, on_epoch=lambda epoch, *_: pool.report(epoch + 1))
    pool.report(task.config.epochs + 1)
    return result


start_method = pool.start_method


class Processes:
    """``workers`` processes on this machine, each training one run at a time (an :class:`animator.pool.Pool`).

    Workers are forked when that is safe (see :func:`animator.pool.start_method`),
    ignore Ctrl-C (the parent handles it) and die with the parent.  A training
    worker writes no file (the parent keeps what it sends back), so SIGTERM
    ends it at once.  A worker that dies is an error, not a hang.
    """

    def __init__(self, workers):
        self.workers = int(workers)

    @property
    def local_workers(self):
        return self.workers

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def __repr__(self):
        return f"Processes({self.workers})"

    def map(self, function, tasks, *, on_progress=None):
        tasks = list(tasks)
        if not tasks:
            return
        total = sum(t.config.epochs + 1 for t in tasks)
        show = None if on_progress is None else (lambda epochs: on_progress(sum(epochs), total))
        with pool.Pool(min(self.workers, len(tasks)), functools.partial(_work, function), method="auto",
                       quit="now") as workers:
            for k, result in workers.as_finished(tasks, on_progress=show):
                yield tasks[k], result


# The cluster executor is a module of its own that registers itself with @scheduler; importing it here,
# after the registry exists, fills the registry and keeps DaskCluster importable from this module.
from .dask_cluster import CONNECT_TIMEOUT, DaskCluster  # noqa: E402,F401
