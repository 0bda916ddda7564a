"""Signals and worker processes: SIGTERM and SIGHUP end a run as Ctrl-C does; workers die with their parent.

The main process turns SIGTERM and SIGHUP into :class:`Terminated`, a
``KeyboardInterrupt``, so every path that already cleans up after Ctrl-C
(temporary files removed, finished epochs saved, worker pools stopped) does the
same for ``kill``, ``timeout``, systemd, CI runners and Jupyter.  Forked
workers call :func:`setup_worker` first: Ctrl-C is the parent's to handle,
SIGTERM and SIGHUP exit through Python (so ``finally`` blocks run), and they
stop by themselves within a quarter of a second of their parent's death, even
by SIGKILL.
"""

import contextlib
import os
import signal
import sys
import threading
import time

_TERMINATING = (signal.SIGTERM, signal.SIGHUP)
_received = []     # the termination signals that arrived in this process, in order


class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP arrived; handled like Ctrl-C, and the process exits ``128 + signum``."""

    def __init__(self, signum):
        super().__init__(signal.Signals(signum).name)
        self.signum = int(signum)


def exit_status(interrupt=None):
    """The exit status for an interruption: 130 for Ctrl-C, 128 + the signal for SIGTERM (143) or SIGHUP (129).

    Without ``interrupt`` (it was caught on the way, as the Trainer does to keep
    the finished epochs), the first termination signal received decides.
    """
    signum = getattr(interrupt, "signum", None) or (_received[0] if _received else signal.SIGINT)
    return 128 + int(signum)


def _raise_terminated(signum, frame):
    _received.append(signum)
    raise Terminated(signum)


@contextlib.contextmanager
def terminate_as_interrupt():
    """Within the block, SIGTERM and SIGHUP raise :class:`Terminated` in the main thread."""
    previous = {s: signal.signal(s, _raise_terminated) for s in _TERMINATING}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def die_with_parent(parent_pid, sig=signal.SIGTERM, *, interval=0.25):
    """Send ``sig`` to this process as soon as its parent (``parent_pid``) is gone, even if it died by SIGKILL.

    A daemon thread watches the parent id (an orphan is adopted by another
    process).  This is used rather than Linux's ``PR_SET_PDEATHSIG``, which fires
    when the *thread* that forked the worker ends: a worker pool forks its
    replacement workers from a helper thread, and that thread ends while the
    pool shuts down, which would kill workers in the middle of the pool's own
    clean-up.
    """
    if os.getppid() != parent_pid:      # the parent died before the watch began
        os._exit(128 + int(sig))

    def watch():
        # signals must reach the main thread: one delivered to this thread would run no Python handler and
        # leave the main thread asleep in a lock (a pool worker waiting for its queue never woke on SIGTERM)
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGHUP, signal.SIGINT})
        while os.getppid() == parent_pid:
            time.sleep(interval)
        os.kill(os.getpid(), sig)

    threading.Thread(target=watch, name="die-with-parent", daemon=True).start()


def _exit_quietly(signum, frame):
    sys.exit(128 + signum)


def setup_worker(parent_pid):
    """The first call in a forked worker process.

    Ctrl-C reaches the whole process group, but it is the parent's to handle:
    workers ignore it and are stopped by the parent.  SIGTERM and SIGHUP raise
    ``SystemExit``, so a worker's ``finally`` blocks and atomic writes clean up.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for s in _TERMINATING:
        signal.signal(s, _exit_quietly)
    die_with_parent(parent_pid)
