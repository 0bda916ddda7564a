"""Each check in a fresh process of its own: bounded in time, its output captured, nothing shared, nothing left.

``animator check`` runs every (file, setting) here, one child process each,
``jobs`` at a time:

- the child is forked (spawned where this process has threads), starts a
  session of its own (so it and every process it starts form one process
  group), imports the reader's file there and checks the class; nothing of
  one submission is left for the next (two submissions' ``helpers.py`` never
  meet);
- its standard output and error (file descriptors 1 and 2, so C code and
  child processes too) go to a file of ours, read back bounded; stdin is
  empty; the files it may write are capped (``RLIMIT_FSIZE``);
- it answers with one JSON message on a pipe, read bounded and checked like
  any file (never unpickled);
- past ``timeout`` seconds, or on Ctrl-C, SIGTERM or any error here, its whole
  process group is killed; it kills its group itself if this process dies.
  An answer never sent (``os._exit``, a crash) is an error, never a pass.
"""

import contextlib
import json
import multiprocessing
import os
import signal
import tempfile
import time
from dataclasses import dataclass
from multiprocessing.connection import wait as wait_for

from animator.errors import UserError
from animator.pool import how_it_ended, start_method
from animator.pool_worker import SIGNALS, die_with_parent
from animator.untrusted import load_json

from .outcome import Outcome

MAX_ANSWER = 4 << 20            # a result is a few KiB; the reader's output travels in a file, not here
MAX_OUTPUT_FILE = 64 << 20      # what a child may write to its output (and any file): RLIMIT_FSIZE
MAX_SHOWN = 64 << 10            # the tail of its output kept with the outcome
PYTHON_OUTPUT_LIMIT = 8 << 20   # characters of print() kept before the rest is dropped (counted)


@dataclass(frozen=True)
class Task:
    """One check: the reader's file, the class (None: the one the file has for ``against``), the setting."""

    file: str
    name: str
    against: str
    epochs: int
    rtol: float


def run_checks(tasks, *, jobs=1, timeout=None, debug=False):
    """Yield an :class:`~.outcome.Outcome` for each task, in the tasks' order, ``jobs`` children at a time."""
    tasks = list(tasks)
    method = start_method()
    context = multiprocessing.get_context(method)
    waiting = list(range(len(tasks)))[::-1]
    running, done, following = {}, {}, 0
    with tempfile.TemporaryDirectory(prefix="animator-check-") as scratch:
        try:
            while waiting or running:
                while waiting and len(running) < jobs:
                    index = waiting.pop()
                    running[index] = _start(context, tasks[index], os.path.join(scratch, f"{index}.out"), debug)
                now = time.monotonic()
                deadlines = [child.started + timeout - now for child in running.values()] if timeout else []
                watched = [s for child in running.values() for s in (child.connection, child.process.sentinel)]
                ready = set(wait_for(watched, max(0.0, min(deadlines)) if deadlines else None))
                for index, child in list(running.items()):
                    if child.connection in ready and child.answer is None:
                        child.answer = _receive(child.connection)
                    ended = child.process.sentinel in ready
                    late = timeout is not None and time.monotonic() - child.started >= timeout
                    if ended or late or child.answer is not None:
                        if child.answer is not None and not ended:
                            child.process.join(5)        # it exits at once once it has answered
                        _end(child)
                        done[index] = _outcome(tasks[index], child, timed_out=late and child.answer is None
                                               and not ended, timeout=timeout)
                        del running[index]
                while following in done:
                    yield done.pop(following)
                    following += 1
        finally:
            for child in running.values():
                _end(child)


class _Child:
    def __init__(self, process, connection, output):
        self.process, self.connection, self.output = process, connection, output
        self.started = time.monotonic()
        self.answer = None


def _start(context, task, output, debug):
    ours, theirs = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(task, theirs, output, os.getpid(), debug),
                              name="animator-check", daemon=True)
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, SIGNALS)    # no signal before its handlers are set
    try:
        process.start()
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)
        theirs.close()
    return _Child(process, ours, output)


def _receive(connection):
    try:
        return connection.recv_bytes(MAX_ANSWER)
    except (EOFError, OSError):
        return b""          # none, or too long: judged as no answer


def _end(child):
    """Kill the child's whole process group (before it is reaped, so the group id is still its own), then reap it."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(child.process.pid, signal.SIGKILL)
    with contextlib.suppress(ProcessLookupError, PermissionError, AttributeError):
        child.process.kill()          # not yet in a group of its own
    child.process.join()
    child.connection.close()


def _outcome(task, child, *, timed_out, timeout):
    seconds = time.monotonic() - child.started
    output, lines = _tail(child.output)
    common = dict(file=task.file, name=task.name, setting=task.against, seconds=seconds, output=output,
                  output_lines=lines)
    if timed_out:
        return Outcome(**common, error="timeout",
                       message=f"{task.file}: the check took more than {timeout:g} s and was stopped "
                               f"(an endless loop? in the file's top level or in the class)")
    if not child.answer:
        return Outcome(**common, error="crashed",
                       message=f"{task.file}: the check ended without a result: its process ended "
                               f"({how_it_ended(child.process)}; os._exit or a crash in the file's code), "
                               "so it cannot pass")
    try:
        answer = load_json(child.answer, what="a check's answer")
        return Outcome.from_answer(answer, **common)
    except UserError as error:
        return Outcome(**common, error="crashed", message=f"{task.file}: the check's answer was damaged ({error})")


def _tail(path):
    """The last :data:`MAX_SHOWN` bytes of the child's output as text, and how many lines it wrote in all."""
    try:
        with open(path, "rb") as handle:
            lines = 0
            size = 0
            while True:
                piece = handle.read(1 << 20)
                if not piece:
                    break
                lines += piece.count(b"\n")
                size += len(piece)
                last = piece
            if size == 0:
                return "", 0
            handle.seek(max(0, size - MAX_SHOWN))
            tail = handle.read(MAX_SHOWN)
    except OSError:
        return "", 0
    if not last.endswith(b"\n"):
        lines += 1
    text = tail.decode("utf-8", errors="replace")
    if size > MAX_SHOWN:
        text = text.split("\n", 1)[-1]       # from the first whole line
    return text, lines


# -- the child's side -------------------------------------------------------------------------------

def _child(task, connection, output, parent, debug):
    os.setsid()
    for signum in SIGNALS:
        signal.signal(signum, _kill_group)
    signal.signal(signal.SIGINT, signal.default_int_handler)    # no terminal reaches us: any Ctrl-C is theirs
    signal.pthread_sigmask(signal.SIG_UNBLOCK, SIGNALS)
    die_with_parent(parent)
    _capture(output)
    try:
        answer = _check(task, debug)
    except BaseException as error:     # noqa: B902  an internal failure is still an answer, never a pass
        answer = {"error": "crashed", "message": f"{task.file}: internal error: {type(error).__name__}: {error}"}
    with contextlib.suppress(Exception):
        connection.send_bytes(json.dumps(answer, allow_nan=False).encode("utf-8"))
    os._exit(0)


def _kill_group(signum, frame):
    os.killpg(0, signal.SIGKILL)


def _capture(path):
    import io
    import resource
    import sys

    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)       # a write past the cap fails (EFBIG) instead of killing
    with contextlib.suppress(ValueError, OSError):
        _, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
        limit = MAX_OUTPUT_FILE if hard == resource.RLIM_INFINITY else min(MAX_OUTPUT_FILE, hard)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, hard))
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)
    os.close(null)
    sys.stdin = open(os.devnull)
    sys.stdout = _Capped(io.TextIOWrapper(io.FileIO(1, "w", closefd=False), line_buffering=True))
    sys.stderr = _Capped(io.TextIOWrapper(io.FileIO(2, "w", closefd=False), line_buffering=True))


class _Capped:
    """A text stream that keeps the first :data:`PYTHON_OUTPUT_LIMIT` characters and drops the rest quietly."""

    def __init__(self, stream):
        self.stream, self.left = stream, PYTHON_OUTPUT_LIMIT

    def write(self, text):
        if self.left > 0:
            with contextlib.suppress(OSError):
                self.stream.write(text[:self.left])
            self.left -= len(text)
        return len(text)

    def flush(self):
        with contextlib.suppress(OSError):
            self.stream.flush()

    def __getattr__(self, name):
        return getattr(self.stream, name)


def _check(task, debug):
    """The child's work: load, pick the class, check; an answer as a JSON-able dict."""
    import traceback

    from animator.race import parse_spec
    from animator.testing import check_optimizer

    from .check import load_file

    try:
        spec = parse_spec(task.against)
        loaded = load_file(task.file)
        cls = loaded.pick(task.name, optimizer=spec.name)
        result = check_optimizer(cls, spec, epochs=task.epochs, rtol=task.rtol)
        return {"result": result.to_dict(), "class": getattr(cls, "__name__", None),
                "import_seconds": loaded.seconds, "skipped": list(loaded.skipped)}
    except UserError as error:
        return {"error": "unusable", "message": str(error), **({"traceback": traceback.format_exc()} if debug else {})}
    except BaseException as error:     # the reader's own KeyboardInterrupt, or anything else: never a pass
        return {"error": "unusable", "message": f"{task.file}: {type(error).__name__}: {error}",
                **({"traceback": traceback.format_exc()} if debug else {})}
