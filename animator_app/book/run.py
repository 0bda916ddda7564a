"""Running the book: every job in a pool of worker processes, with the caches, then the gallery.

A failing job is reported while the rest go on; an option no figure can meet
ends the book.
"""

import os
import sys
import time
import traceback
from dataclasses import dataclass

from animator import pool
from animator.cache import MAX_CACHE_BYTES, RunCache, user_cache_folder
from animator.errors import ArgumentError, UserError
from animator.untrusted import is_regular_file

from . import runs
from .gallery import write_gallery
from .options import FORMATS, BookOptions
from .records import job_record, remember, unchanged
from .runs import render_versions
from .table import written_names

CACHE_FOLDER = ".animator-cache"     # the job records, inside the output folder, unless another cache is given


def _table():
    """The job table, looked up on the package at each call: a table put there instead (a test's) is the one run."""
    return sys.modules[__package__].jobs()


def remake(filename, options, directory):
    """Make the one figure of the book that writes ``filename`` (a base name) into ``directory``, without a cache.

    Returns the job's outputs; a file name no job writes is a :class:`UserError`.
    """
    stem = os.path.splitext(os.path.basename(filename))[0]
    stem = stem[:-len(".poster")] if stem.endswith(".poster") else stem
    for job in _table():
        if job.stem == stem:
            runs.use(None)
            return job.run(options, directory)
    raise UserError(f"{filename}: no figure of the book writes this file")


@dataclass(frozen=True)
class _Stop:
    """A job's ArgumentError, as plain values (an ArgumentError does not survive pickling between processes)."""

    argument: str
    problem: str


_JOBS = None


def _run_job(args):
    """Run job ``index`` (or find it unchanged); ``(index, outputs, error, seconds, notes)``.

    An :class:`ArgumentError` (an option of the book that no figure can meet, such
    as a byte budget too small) is returned as a :class:`_Stop`: it ends the book.
    """
    index, options, directory = args
    job, cache = _JOBS[index], runs.current()
    start = time.perf_counter()
    seen = len(cache.notes) if cache is not None else 0
    hits = cache.hits if cache is not None else 0
    misses = cache.misses if cache is not None else 0
    notes = []
    try:
        record = job_record(cache, job, options)
        outputs = unchanged(cache, record, job, options, directory) if record else None
        if outputs is not None:
            notes.append("unchanged")
        else:
            outputs = job.run(options, directory)
            if record:
                remember(cache, record, job, options, directory, outputs)
            if cache is not None and cache.hits > hits and cache.misses == misses:
                notes.append("runs from the cache")
        error = None
    except ArgumentError as failure:
        outputs, error = [], _Stop(failure.argument, failure.problem)
    except UserError as failure:
        outputs, error = [], str(failure)
    except OSError as failure:
        outputs, error = [], _os_error(failure)
    except Exception as failure:  # a bug in one figure must not stop the others
        outputs, error = [], traceback.format_exception_only(type(failure), failure)[-1].strip()
    if cache is not None:
        notes += cache.notes[seen:]
    return index, outputs, error, time.perf_counter() - start, notes


def _os_error(error):
    """An OSError in one line naming the file it was about, never a temporary file (``.NAME.x1y2.part``)."""
    names = [name for name in (error.filename2, error.filename) if name is not None]
    target = next((os.fspath(name) for name in names if not os.fspath(name).endswith(".part")), None)
    reason = error.strerror or type(error).__name__
    return f"{target}: {reason}" if target else reason


def make_book(directory, options=BookOptions(), *, workers=None, report=None, cache=None, force=False):
    """Regenerate every figure into ``directory``; returns ``(outputs by job, failures)``.

    ``report(done, total, job_name, seconds, error, outputs, notes)`` is called as
    each job ends; ``notes`` are short words on what was reused (``unchanged``,
    ``runs from the cache``) or found damaged.  ``cache`` is a folder for both
    the runs and the job records; by default the runs are kept in the user's
    cache folder (shared by every book on the machine, so another look or size
    trains nothing) and the job records in ``directory/.animator-cache``
    (False: no cache at all).  ``force=True`` computes everything again.  An :class:`ArgumentError` from a job (an option
    no figure can meet, such as a byte budget too small) ends the book: the
    jobs not yet started are skipped and it is raised, once.
    """
    global _JOBS
    if options.format not in FORMATS:
        raise ArgumentError("format", f"must be one of {', '.join(FORMATS)} (got {options.format!r})")
    _JOBS = _table()
    for job in _JOBS:
        for name in written_names(job, options):
            path = os.path.join(directory, name)
            if os.path.lexists(path) and not is_regular_file(path):
                raise UserError(f"{path}: is not a regular file, and the book writes a figure there")
    os.makedirs(directory, exist_ok=True)
    runs.use(None)
    if cache is not False:
        root = os.path.join(directory, CACHE_FOLDER) if cache is None else os.fspath(cache)
        shared = os.path.join(user_cache_folder(), "runs") if cache is None else os.path.join(root, "runs")
        cache = runs.use(RunCache(shared, force=force, max_bytes=MAX_CACHE_BYTES))
        # taken once, here, before the pool forks: every job sees the same code, even if a file is edited meanwhile
        cache.jobs, cache.versions = os.path.join(root, "jobs"), render_versions()
    total = len(_JOBS)
    results = [None] * total
    failures = []
    workers = workers or min(os.cpu_count() or 1, 4)
    tasks = [(i, options, directory) for i in range(total)]
    stopped = []

    def collect(item, done):
        index, outputs, error, seconds, notes = item
        results[index] = outputs
        if isinstance(error, _Stop) or stopped:
            stopped.append(error)
            return
        if error:
            failures.append((_JOBS[index].name, error))
        if report:
            report(done, total, _JOBS[index].name, seconds, error, outputs, notes)

    if workers > 1 and pool.can_fork():
        # forked workers inherit the job table and the cache; they exit through Python on SIGTERM, so a
        # half-written figure's temporary file is removed; memory a job leaves behind goes with its worker
        # (replaced every 4 jobs)
        with pool.Pool(workers, _run_job, tasks_per_worker=4) as running:
            for done, (_, item) in enumerate(running.as_finished(tasks), 1):
                collect(item, done)
                if stopped:
                    running.cancel()          # the jobs under way finish; no other starts
    else:
        for done, task in enumerate(tasks, 1):
            collect(_run_job(task), done)
            if stopped:
                break
    fatal = [error for error in stopped if isinstance(error, _Stop)]
    if fatal:
        raise ArgumentError(fatal[0].argument, fatal[0].problem)
    write_gallery(directory, [(job, results[i] or []) for i, job in enumerate(_JOBS)], failures)
    return results, failures

