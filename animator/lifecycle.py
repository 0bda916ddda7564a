"""Signals in the main process: SIGTERM and SIGHUP end a run as Ctrl-C does, with the exit status to match.

The main process turns SIGTERM and SIGHUP into :class:`Terminated`, a
``KeyboardInterrupt``, so every path that already cleans up after Ctrl-C
(temporary files removed, finished epochs saved, worker processes stopped) does
the same for ``kill``, ``timeout``, systemd, CI runners and Jupyter.  Worker
processes, their signals and their end are :mod:`animator.pool`'s.
"""

import contextlib
import signal

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
