"""Worker processes for renders, races, books and sweeps: started, fed, watched and stopped in one place.

Two ways in.  :class:`Pool` runs one function over tasks::

    with Pool(2, train) as pool:
        for result in pool.map(tasks, on_progress=show):    # in task order; pool.as_finished() as they end
            ...

and :class:`Workers` starts long-lived workers that run ``main(rank, connection, *args)``
and keep a data path of their own (the renderer's shared-memory frame slots),
while the lifecycle stays here.  Either way:

- Workers are forked (``method="fork"``, the default: they inherit the caller's
  objects) or, with ``method="auto"``, forked only while this process has one
  thread and spawned otherwise (:func:`start_method`).  Callers check
  :func:`can_fork` and work in their own process where they cannot.
- Ctrl-C reaches the whole process group, but it is the parent's to handle:
  workers ignore it.  SIGTERM and SIGHUP end a worker through Python, so its
  ``finally`` blocks and atomic writes clean up (``quit="now"``: at once, for
  workers that write no file).  No signal can reach a worker before it is set
  up: the parent blocks them while it starts one.
- A worker stops by itself within a quarter of a second of its parent's death,
  even by SIGKILL (:func:`die_with_parent`).
- A worker that dies is an error, :class:`WorkerDied`, never a wait.
- At the end, workers are told to stop and joined; on an error, Ctrl-C or
  SIGTERM they are terminated, joined, and killed if they do not go.  Either
  way no process is left behind.  (Ending an idle ``multiprocessing.Pool``
  with ``terminate()`` could hang on a queue lock; these workers hold none.)
"""

import contextlib
import logging
import multiprocessing
import os
import signal
import threading
import time
from multiprocessing.connection import wait as wait_for

# the worker's side has its own module; report, setup_worker and die_with_parent stay importable from here
from .pool_worker import ORPHAN_GRACE, SIGNALS, bootstrap, die_with_parent, report, serve, setup_worker  # noqa: F401

log = logging.getLogger(__name__)

GRACE = 5.0          # seconds a worker has to exit once told to, or terminated, before it is killed


class WorkerDied(RuntimeError):
    """A worker process ended without being asked to (killed by the system, or it could not start)."""


class RemoteTraceback(Exception):
    """Where a task's exception was raised, in the worker; it is the ``__cause__`` of the exception re-raised here."""


def can_fork():
    """True where worker processes can be forked (they then inherit the parent's objects, closures included)."""
    return "fork" in multiprocessing.get_all_start_methods()


def start_method():
    """``fork`` in a process with one thread; else ``spawn``.

    Forking a process that has other threads (a Dask client's event loop,
    Jupyter's) can copy a lock one of them holds, and the child then waits
    for it for ever; a spawned worker starts clean, at the price of importing
    numpy and animator (about half a second).
    """
    return "fork" if can_fork() and threading.active_count() == 1 else "spawn"


# -- the parent's side -------------------------------------------------------------------------

@contextlib.contextmanager
def _blocked_signals():
    """Ctrl-C, SIGTERM and SIGHUP wait in this thread while the block runs; any that arrived are taken after it."""
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def how_it_ended(process):
    """``killed by SIGKILL`` or ``exit status 3``: how a finished ``multiprocessing.Process`` ended, in words."""
    code = process.exitcode
    if code is not None and code < 0:
        with contextlib.suppress(ValueError):
            return f"killed by {signal.Signals(-code).name}"
    return f"exit status {code}"


class Workers:
    """``count`` worker processes, each running ``main(rank, connection, *args)`` once set up.

    ``connection`` is the worker's end of a duplex pipe; the parent reads it
    with :meth:`receive` or :meth:`wait`, which raise :class:`WorkerDied` if the
    worker ends first.  A context manager: leaving the block normally tells the
    workers to stop (``None`` on their pipe) and joins them (:meth:`close`);
    leaving it by an exception stops them (:meth:`stop`).  ``method`` is
    ``fork``, ``spawn`` or ``auto`` (:func:`start_method`); with ``fork``,
    ``main`` and ``args`` are inherited, not pickled.
    """

    def __init__(self, count, main, *, args=(), method="fork", quit="exit"):
        self.count, self.main, self.args, self.quit = int(count), main, tuple(args), quit
        self.method = start_method() if method == "auto" else method
        self.context = multiprocessing.get_context(self.method)
        self.processes = [None] * self.count
        self.connections = [None] * self.count
        self.retiring = []      # (process, connection) told to stop, not yet gone
        self._parent = os.getpid()

    def __repr__(self):
        return f"Workers({self.count}, {getattr(self.main, '__name__', self.main)}, method={self.method!r})"

    @property
    def pids(self):
        return [process.pid for process in self.processes if process is not None]

    def __enter__(self):
        try:
            for rank in range(self.count):
                self.start(rank)
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, kind, error, tb):
        if kind is None:
            self.close()
        else:
            self.stop()
        return False

    def start(self, rank):
        """Start worker ``rank``; a worker still in that place is told to stop first, and reaped once gone."""
        if self.processes[rank] is not None:
            self._retire(rank)
        ours, theirs = self.context.Pipe()
        process = self.context.Process(target=bootstrap, name=f"animator-worker-{rank}", daemon=True,
                                       args=(self._parent, self.quit, rank, theirs, self.main, self.args))
        try:
            with _blocked_signals():      # the worker inherits the mask, and unblocks once its handlers are set
                process.start()
        except BaseException:
            ours.close()
            raise
        finally:
            theirs.close()
        self.processes[rank], self.connections[rank] = process, ours

    def _retire(self, rank):
        process, connection = self.processes[rank], self.connections[rank]
        with contextlib.suppress(OSError):
            connection.send(None)
        self.retiring.append((process, connection))
        self.processes[rank] = self.connections[rank] = None

    def send(self, rank, message):
        """Send ``message`` to worker ``rank``; :class:`WorkerDied` if it is gone."""
        try:
            self.connections[rank].send(message)
        except OSError:
            raise self._died(rank) from None

    def receive(self, rank):
        """The next message worker ``rank`` sends; :class:`WorkerDied` if it ends first."""
        connection, process = self.connections[rank], self.processes[rank]
        wait_for([connection, process.sentinel])
        with contextlib.suppress(EOFError, OSError):
            if connection.poll():
                return connection.recv()
        raise self._died(rank)

    def wait(self, timeout=None):
        """The messages that arrive within ``timeout`` seconds, as ``(rank, message)``; WorkerDied if one ends."""
        watched = {}
        for rank, (process, connection) in enumerate(zip(self.processes, self.connections)):
            if process is not None:
                watched[connection] = watched[process.sentinel] = rank
        for process, connection in self.retiring:
            watched[connection] = watched[process.sentinel] = None
        ready = wait_for(list(watched), timeout)
        self._reap_retired(ready)
        messages = []
        for rank in sorted({watched[r] for r in ready if watched[r] is not None}):
            connection = self.connections[rank]
            with contextlib.suppress(EOFError, OSError):     # what a dead worker left is read first
                while connection.poll():
                    messages.append((rank, connection.recv()))
            if self.processes[rank].sentinel in ready or not self.processes[rank].is_alive():
                raise self._died(rank)
        return messages

    def _reap_retired(self, ready=()):
        for item in list(self.retiring):
            process, connection = item
            with contextlib.suppress(EOFError, OSError):
                while connection.poll():      # what it still said is of no use now; reading it lets it exit
                    connection.recv()
            if process.sentinel in ready or not process.is_alive():
                process.join()
                connection.close()
                self.retiring.remove(item)

    def _died(self, rank):
        process = self.processes[rank]
        process.join(GRACE)
        return WorkerDied(f"a worker process died ({how_it_ended(process)}): killed by the system, or it could not start")

    def close(self):
        """Tell every worker to stop, wait for them to go (reading what they still send), then reap them.

        A worker that has not gone within :data:`GRACE` seconds is stopped.
        """
        for rank in range(self.count):
            if self.processes[rank] is not None:
                self._retire(rank)
        deadline = time.monotonic() + GRACE
        while self.retiring and time.monotonic() < deadline:
            ready = wait_for([s for p, c in self.retiring for s in (p.sentinel, c)], deadline - time.monotonic())
            self._reap_retired(ready)
        if self.retiring:
            log.warning("%d worker(s) did not stop within %g s; terminating them", len(self.retiring), GRACE)
        self.stop()

    def stop(self):
        """Terminate every worker, give them :data:`GRACE` seconds, kill those still there; reap them all."""
        with _blocked_signals():          # a second Ctrl-C must not leave workers behind half-way through
            everyone = self.retiring + [(p, c) for p, c in zip(self.processes, self.connections) if p is not None]
            for process, _ in everyone:
                if process.is_alive():
                    with contextlib.suppress(OSError):
                        process.terminate()
            deadline = time.monotonic() + GRACE
            for process, _ in everyone:
                process.join(max(0.0, deadline - time.monotonic()))
            for process, connection in everyone:
                if process.is_alive():      # stuck in C code that ignores SIGTERM
                    process.kill()
                    process.join()
                connection.close()
            self.retiring = []
            self.processes = [None] * self.count
            self.connections = [None] * self.count


class Pool:
    """``workers`` processes that each run ``function(task)`` on the tasks :meth:`map` hands them, one at a time.

    Tasks and results travel pickled; ``function`` does too, except with
    ``method="fork"`` (the default), where workers inherit it, so a closure
    will do.  A task's exception is raised here as itself (its worker-side
    traceback as its ``__cause__``); one that cannot be pickled becomes a
    RuntimeError with its text.  ``tasks_per_worker`` replaces a worker after
    that many tasks (memory a long job leaves behind goes with it).  See
    :class:`Workers` for ``method``, ``quit`` and how the pool ends.
    """

    def __init__(self, workers, function, *, method="fork", quit="exit", tasks_per_worker=None):
        self.workers = Workers(workers, serve, args=(function,), method=method, quit=quit)
        self.tasks_per_worker = tasks_per_worker
        self._cancelled = False

    def __repr__(self):
        return f"Pool({self.workers.count}, method={self.workers.method!r})"

    @property
    def pids(self):
        return self.workers.pids

    def __enter__(self):
        self.workers.__enter__()
        return self

    def __exit__(self, *exc):
        return self.workers.__exit__(*exc)

    def cancel(self):
        """Hand out no more tasks: the running ones finish and their results still arrive."""
        self._cancelled = True

    def map(self, tasks, *, on_progress=None):
        """Yield ``function(task)`` for each task, in the tasks' order."""
        return (result for _, result in self._run(tasks, ordered=True, on_progress=on_progress))

    def as_finished(self, tasks, *, on_progress=None):
        """Yield ``(index, function(tasks[index]))`` as tasks finish."""
        return self._run(tasks, ordered=False, on_progress=on_progress)

    def _run(self, tasks, *, ordered, on_progress):
        """``on_progress(values)`` is called when a task :func:`report`\\ s: ``values[i]`` is task i's last value."""
        tasks = list(tasks)
        self._cancelled = False
        waiting = list(range(len(tasks)))[::-1]
        busy, done_by, early = {}, [0] * self.workers.count, {}
        progress = [0] * len(tasks)
        following = 0           # the next index to yield, in order
        finished = False

        def hand_out(ranks):
            for rank in ranks:
                if not waiting or self._cancelled:
                    return
                if self.tasks_per_worker and done_by[rank] >= self.tasks_per_worker:
                    self.workers.start(rank)
                    done_by[rank] = 0
                index = waiting.pop()
                self.workers.send(rank, (index, tasks[index]))
                busy[rank] = index

        try:
            hand_out(range(self.workers.count))
            while busy:
                results, free, moved = [], [], False
                for rank, (kind, index, payload) in self.workers.wait():
                    if kind == "progress":
                        progress[index], moved = payload, True
                        continue
                    if kind == "error":
                        error, where = payload
                        error.__cause__ = RemoteTraceback(where)
                        raise error
                    del busy[rank]
                    done_by[rank] += 1
                    free.append(rank)
                    results.append((index, payload))
                if moved and on_progress is not None:
                    on_progress(progress)
                # yielded before more tasks are handed out, so a cancel() on reading a result starts no other
                for index, result in results:
                    if not ordered:
                        yield index, result
                        continue
                    early[index] = result
                    while following in early:
                        yield following, early.pop(following)
                        following += 1
                hand_out(free)
            finished = True
        finally:
            if not finished:        # an error, Ctrl-C, or the caller stopped reading: the running tasks are lost
                self.workers.stop()
