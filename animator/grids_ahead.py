"""Decision grids evaluated while training goes on, in a forked process where that pays, else in a thread.

>>> with GridsAhead(extent, 160, layers=2, frames=len(keep)) as ahead:            # doctest: +SKIP
...     Trainer(...).run(epochs, keep=keep, on_keep=ahead.add)
...     grids = ahead.grids()          # {epoch: (160, 160, classes) uint8}

Training is one thread of small steps and leaves a core idle; a grid is a few
large products and exponentials.  In a thread of the same process the two
overlap, but they share the interpreter lock: the training loop, which takes
and gives it back thousands of times a second, then runs about 10% slower
(the chapter's run: 1.65 s against 1.49 s).  A forked process shares nothing
with it, and costs training nothing measurable; it is used when the grids are
many cells (:data:`PROCESS_CELLS`) and this process may fork (one thread, not
itself a pool's daemon worker).  The parent copies each kept epoch's weights
into a shared slot and sends the slot's number; the child writes the grid into
shared memory.  Either way each grid is :func:`~animator.frames.decision_grid`'s
for that epoch alone, to the bit, and leaving the block on an error or Ctrl-C
stops the helper without evaluating what is queued: whatever was not evaluated
is evaluated by whoever asks for it (:func:`animator.run.make_recording`).
"""

import mmap
import multiprocessing
import queue
import threading

import numpy as np

from . import deflated, pool
from .deflated import Deflater
from .fileio import npy_header
from .frames import _fill, grid_points

# Below this many grid cells in all (frames x resolution ** 2) a thread is used: its contention costs less than
# starting a process (a few milliseconds).  The chapter's 200 frames at 160 x 160 are 5.1 million.
PROCESS_CELLS = 1_000_000


class GridsAhead:
    """Evaluate the decision grid of each epoch handed to :meth:`add`, while the caller goes on training.

    ``frames``: how many epochs will be handed over at most (the kept
    epochs); without it, or for few cells, the grids are evaluated in a thread.
    """

    def __init__(self, extent, resolution, *, layers, frames=None):
        self.extent, self.resolution, self.layers = extent, resolution, layers
        self._points = grid_points(extent, resolution)
        self._capacity = 0 if frames is None else int(frames)
        self._in_process = self.would_fork(self._capacity, resolution)
        self._done = {}
        self._failure = None
        self._abandoned = False
        self._thread = self._queue = None
        self._helper = None          # the process's side: see _Helper
        self._slots = {}             # epoch -> slot in the helper's shared memory

    @staticmethod
    def would_fork(frames, resolution):
        """True where ``frames`` grids at ``resolution`` are evaluated in a helper process, not a thread."""
        return frames * resolution * resolution >= PROCESS_CELLS and _may_fork()

    def __enter__(self):
        if not self._in_process:
            self._queue = queue.SimpleQueue()
            self._thread = threading.Thread(target=self._serve, name="grids-ahead", daemon=True)
            self._thread.start()
        return self

    def __exit__(self, kind, error, tb):
        self._abandoned = kind is not None      # an error or Ctrl-C: what is queued is not wanted
        self._stop(abandon=self._abandoned)
        return False

    def add(self, epoch, arrays):
        """Evaluate the grid of ``epoch`` from its stored ``arrays`` (``dense{i}.weights`` and ``.biases``)."""
        self.hand(epoch, [arrays[f"dense{i}.weights"] for i in range(1, self.layers + 1)],
                  [arrays[f"dense{i}.biases"] for i in range(1, self.layers + 1)])

    def hand(self, epoch, weights, biases):
        """Evaluate the grid of ``epoch`` from each layer's ``weights`` and ``biases`` (arrays that stay as they are)."""
        if self._thread is not None:
            self._queue.put((int(epoch), weights, biases))
            return
        if not self._in_process or len(self._slots) >= self._capacity:
            return                       # evaluated when asked for
        if self._helper is None:
            # asked again now: training may have started threads since (a fork would copy their locks)
            self._helper = (_Helper.start(self._points, self.resolution, self._capacity, weights, biases)
                            if _may_fork() else None)
            if self._helper is None:
                self._in_process = False
                return
        if not self._helper.takes(weights, biases):
            return                       # wider numbers than the first epoch's: evaluated when asked for
        slot = len(self._slots)
        if self._helper.send(slot, weights, biases):
            self._slots[int(epoch)] = slot
        else:                            # the helper died: the grids are evaluated when asked for
            self._in_process = False

    def grids(self):
        """Every grid evaluated so far, ``{epoch: grid}`` (waits for the helper to finish those handed over)."""
        if self._helper is not None:
            done = self._helper.finish()
            if isinstance(done, BaseException):
                self._stop(abandon=True)
                raise done
            if done is not None:
                self._done.update({epoch: done[slot] for epoch, slot in self._slots.items()})
            self._slots = {}
        self._stop()
        if self._failure is not None:
            raise self._failure
        return dict(self._done)

    def _stop(self, abandon=False):
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._thread = None
        if self._helper is not None:
            self._helper.close(abandon=abandon)
            self._helper = None

    def _serve(self):
        while True:
            item = self._queue.get()
            if item is None:
                return
            if self._failure is not None or self._abandoned:
                continue
            epoch, weights, biases = item
            try:
                grid = np.empty((self.resolution, self.resolution, weights[-1].shape[1]), dtype=np.uint8)
                _fill(grid, self._points, weights, biases)
                self._done[epoch] = grid
            except BaseException as error:        # raised where the grids are asked for
                self._failure = error


def _may_fork():
    return pool.start_method() == "fork" and not multiprocessing.current_process().daemon


class _Helper:
    """The forked process and its shared memory: ``capacity`` slots of parameters in, of grids out."""

    def __init__(self, workers, params, grids, layout):
        self.workers, self.params, self.grids, self.layout = workers, params, grids, layout

    @classmethod
    def start(cls, points, resolution, capacity, weights, biases):
        """The running helper for parameters shaped as ``weights`` and ``biases``, or None where it cannot start."""
        layout, size = [], 0
        for array in (*weights, *biases):
            layout.append((size, array.shape))
            size += array.size
        classes = weights[-1].shape[1]
        # the parameters as they come (float32 from train, float64 from a recorded loop): the same products
        dtype = np.result_type(np.float32, *[np.asarray(a).dtype for a in (*weights, *biases)])
        from .recording import LEVEL

        # the grids as a saved Recording stores them (animator.deflated): deflated by the helper, which has time
        planes = (LEVEL, npy_header((capacity, classes, resolution, resolution), np.uint8))
        try:             # no memory or no process for it: the grids are evaluated when asked for
            params = np.frombuffer(mmap.mmap(-1, capacity * size * dtype.itemsize), dtype).reshape(capacity, size)
            grids = np.frombuffer(mmap.mmap(-1, capacity * resolution * resolution * classes),
                                  np.uint8).reshape(capacity, resolution, resolution, classes)
            workers = pool.Workers(1, _helper_main, args=(points, params, grids, layout, len(weights), planes),
                                   quit="now")
            workers.__enter__()
        except (OSError, pool.WorkerDied):
            return None
        return cls(workers, params, grids, layout)

    def takes(self, weights, biases):
        """True if these arrays fit the slots unchanged (no wider type than the first epoch's, the same shapes)."""
        return all(np.can_cast(array.dtype, self.params.dtype, "safe") and array.shape == shape
                   for array, (_, shape) in zip((*weights, *biases), self.layout))

    def send(self, slot, weights, biases):
        row = self.params[slot]
        for (offset, shape), array in zip(self.layout, (*weights, *biases)):
            row[offset:offset + array.size] = array.reshape(-1)
        try:
            self.workers.send(0, slot)
            return True
        except pool.WorkerDied:
            return False

    def finish(self):
        """The grids, shaped ``(capacity, resolution, resolution, classes)``, once the helper has done them;
        the helper's exception if one failed; None if the helper died."""
        try:
            self.workers.send(0, "end")
            answer, failure, planes = self.workers.receive(0)
        except pool.WorkerDied:
            return None
        if answer == "failed":
            return failure
        if planes is not None:
            deflated.offer(planes)
        return self.grids

    def close(self, abandon=False):
        if abandon:
            self.workers.stop()
        else:
            self.workers.close()


def _helper_main(rank, connection, points, params, grids, layout, layers, planes):
    """The helper process: evaluate the grid of each slot sent, answer "end" with how it went, stop at None.

    ``planes``: ``(level, npy header)`` of the grids as a saved Recording stores them, one plane per class; each
    grid is deflated so, in order, and "end" hands the stream over when every slot was filled.
    """
    from .pool_worker import portable

    failure = None
    level, header = planes
    deflater = Deflater(level)
    deflater.add(header)
    filled = 0
    while True:
        try:
            message = connection.recv()
        except EOFError:         # the parent is gone
            return
        if message is None:
            return
        if message == "end":
            if failure is not None:
                connection.send(("failed", portable(failure), None))
            else:
                done = deflater is not None and filled == len(grids)
                connection.send(("ok", None, deflater.finish() if done else None))
            continue
        if failure is not None:
            continue
        row = params[message]
        arrays = [row[offset:offset + int(np.prod(shape))].reshape(shape) for offset, shape in layout]
        try:
            _fill(grids[message], points, arrays[:layers], arrays[layers:])
        except Exception as error:
            failure = error
            continue
        if deflater is not None and message == filled:
            try:
                deflater.add(np.ascontiguousarray(grids[message].transpose(2, 0, 1)))
                filled += 1
            except Exception:    # no room, say: the file is deflated when saved, as without the helper
                deflater = None
