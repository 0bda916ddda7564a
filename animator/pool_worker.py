"""A pool worker's side of :mod:`animator.pool`: how it starts, answers signals, serves tasks and reports progress.

Everything here runs in the worker process (the parent starts it with
:func:`bootstrap` or :func:`serve`); a task calls :func:`report` to say how far
it is.  The parent's side, which starts, feeds, watches and stops workers, is
:mod:`animator.pool`.
"""

import os
import signal
import threading
import time
import traceback
from multiprocessing.reduction import ForkingPickler

TERMINATING = (signal.SIGTERM, signal.SIGHUP)
SIGNALS = (signal.SIGINT, *TERMINATING)
ORPHAN_GRACE = 2.0     # seconds an orphaned worker has to end by its signal before it is ended outright


def die_with_parent(parent_pid, sig=signal.SIGTERM, *, interval=0.25):
    """Send ``sig`` to this process as soon as its parent (``parent_pid``) is gone, even if it died by SIGKILL.

    A daemon thread watches the parent id (an orphan is adopted by another
    process).  This is used rather than Linux's ``PR_SET_PDEATHSIG``, which
    fires when the *thread* that forked the worker ends, not the process.
    """
    if os.getppid() != parent_pid:      # the parent died before the watch began
        os._exit(128 + int(sig))

    def watch():
        # signals must reach the main thread: one delivered to this thread would run no Python handler and
        # leave the main thread asleep where it waits
        signal.pthread_sigmask(signal.SIG_BLOCK, SIGNALS)
        while os.getppid() == parent_pid:
            time.sleep(interval)
        os.kill(os.getpid(), sig)
        # the main thread ends on that signal, through its finally blocks; but a frame worker was found asleep
        # on its semaphore long after its parent's SIGKILL, the signal spent (Python drops an exception that a
        # handler raises while a finaliser runs, for one): whatever is still here after the grace period ends now
        time.sleep(ORPHAN_GRACE)
        os._exit(128 + int(sig))

    threading.Thread(target=watch, name="die-with-parent", daemon=True).start()


def _exit_through_python(signum, frame):
    raise SystemExit(128 + signum)


def _exit_now(signum, frame):
    # for workers that write no file: SystemExit could land in the interpreter's own shutdown and print there
    os._exit(128 + signum)


def setup_worker(parent_pid, *, quit="exit"):
    """The first call in a worker: Ctrl-C is ignored, SIGTERM and SIGHUP end it, it dies with its parent.

    ``quit="exit"`` raises ``SystemExit`` (``finally`` blocks run); ``"now"`` ends the process at once.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for signum in TERMINATING:
        signal.signal(signum, _exit_through_python if quit == "exit" else _exit_now)
    die_with_parent(parent_pid)


def bootstrap(parent_pid, quit, rank, connection, main, args):
    setup_worker(parent_pid, quit=quit)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, SIGNALS)     # blocked by the parent while it started us
    main(rank, connection, *args)


_task = {}           # in a Pool worker: its connection, the task it runs, the last progress and when it was sent


def report(value):
    """From inside a Pool task: how far it is (epochs done, say); the parent's ``on_progress`` sees it.

    Sent at most ten times a second; the last value always arrives before the
    task's result.  Outside a Pool worker it does nothing.
    """
    if not _task:
        return
    _task["value"] = value
    now = time.monotonic()
    if now - _task["sent"] >= 0.1:
        _task["connection"].send(("progress", _task["index"], value))
        _task["sent"], _task["value"] = now, None


def portable(error):
    """``error`` if it survives the trip to the parent, else a RuntimeError with its text."""
    try:
        ForkingPickler.loads(ForkingPickler.dumps(error))
        return error
    except Exception:
        return RuntimeError(f"{type(error).__name__}: {error}")


def serve(rank, connection, function):
    """A Pool worker: run ``function`` on each ``(index, task)`` received until told to stop (None)."""
    while True:
        try:
            message = connection.recv()
        except EOFError:         # the parent is gone
            return
        if message is None:
            return
        index, task = message
        _task.update(connection=connection, index=index, sent=time.monotonic(), value=None)
        try:
            answer = ForkingPickler.dumps(("done", index, function(task)))
        except Exception as error:
            answer = ForkingPickler.dumps(("error", index, (portable(error), traceback.format_exc())))
        if _task["value"] is not None:
            connection.send(("progress", index, _task["value"]))
        _task.clear()
        connection.send_bytes(answer)
