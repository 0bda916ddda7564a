"""The decision regions of a traced model, evaluated beside the reader's loop without touching it.

:class:`Regions` replays the model's own forward chain on the grid, on deep
copies made once.  Where that chain computes what the book's Dense, ReLU, ...,
softmax chain computes (checked once, on made-up weights), the regions are
evaluated as ``animator train`` evaluates them, :func:`animator.frames.decision_grid`'s
numbers to the bit, by :func:`book_grid`, which is the same arithmetic in a
cheaper order; otherwise the reader's own classes are replayed.  Either way in
one background thread (numpy lets go of the interpreter in its large
products, so the grid and the loop share the two cores).  A chain whose
forward draws random numbers is replayed in the loop's thread with
``np.random``'s state saved and restored, so the script's own numbers never change.

Why :func:`book_grid` is cheaper: ``decision_grid``'s first product has two
rows of weights (the points' x and y) and most of its time goes to writing and
re-reading the (points, hidden) array; done a block of points at a time, while
the block is in the cache, the same products give the same numbers (each
output element is one 2-term dot product, whatever the block) at about a third
of the cost.  The later products (as many terms as the hidden layer is wide)
are made as ``decision_grid`` makes them, on all the points at once, since a
block of another size may sum them in another order.
"""

import copy
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from .frames import decision_grid, grid_points, softmax_rows

BLOCK = 2048          # points per block of the first product: (2048, 64) float32 is 512 kB


def book_grid(points, weights, biases, resolution):
    """``decision_grid``'s grid for one frame, ``(resolution, resolution, classes)`` uint8, the same bits."""
    last = len(weights) - 1
    first = np.asarray(weights[0]).astype(np.float32)
    out = np.empty((len(points), first.shape[1]), dtype=np.float32)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        for start in range(0, len(points), BLOCK):
            block = out[start:start + BLOCK]
            np.matmul(points[start:start + BLOCK], first, out=block)
            block += biases[0]
            if last:
                np.maximum(block, 0, out=block)
        for i in range(1, last + 1):
            out = out @ np.asarray(weights[i]).astype(np.float32)
            out += biases[i]
            if i < last:
                np.maximum(out, 0, out=out)
        softmax_rows(out)
        np.nan_to_num(out, copy=False, nan=0.0)
        out *= 255
        return np.rint(out).astype(np.uint8).reshape(resolution, resolution, out.shape[1])


class _AheadGrid:
    """A grid handed to the helper process (:class:`~animator.grids_ahead.GridsAhead`), offered as a future is."""

    def __init__(self, regions, key, params):
        self.regions, self.key, self.params = regions, key, params

    def result(self):
        grid = self.regions._ahead_grids().get(self.key)
        # the helper died or had no room: evaluated here, the same numbers
        return self.regions._book_of(self.params) if grid is None else grid

    def cancel(self):
        return False


class Regions:
    """Decision grids of a traced model: :meth:`later` hands back a future of one epoch's grid.

    ``chain`` is the model's forward objects from the first Dense layer to the
    last, ``activation`` the loss's own activation (or None), ``dense`` the
    positions of the Dense layers in ``chain``; ``first`` their parameters at
    the first epoch; ``recorder`` the :class:`~animator.recorder.Recorder`
    (its grid's extent, resolution and points).
    """

    def __init__(self, chain, activation, dense, first, recorder):
        self.recorder = recorder
        self._chain, self._activation = copy.deepcopy((list(chain), activation))
        self._layers = [self._chain[k] for k in dense]
        self._pool = None
        self._ahead = self._ahead_done = None    # the helper process, where the grids are many: see later()
        self._ahead_checked = False
        self._handed = 0
        self._book_grid = book_grid
        self.random = self._draws_random(first)
        self.book = not self.random and self._is_book_chain(first)

    def later(self, params):
        """A future of the grid of ``params`` (``[(weights, biases), ...]``, copies the loop no longer touches)."""
        if self.random:
            return _Done(self._own_grid(params, keep_random=True))
        recorder = self.recorder
        if self.book and recorder._wanted is not None and not self._ahead_checked:
            # a process of its own, where it pays: a thread shares the interpreter lock with the reader's loop
            from .grids_ahead import GridsAhead

            self._ahead_checked = True
            if GridsAhead.would_fork(len(recorder._wanted), recorder.grid_resolution):
                self._ahead = GridsAhead(recorder.extent, recorder.grid_resolution, layers=len(params),
                                         frames=len(recorder._wanted)).__enter__()
        if self._ahead is not None:
            key, self._handed = self._handed, self._handed + 1
            self._ahead.hand(key, [w for w, _ in params], [b for _, b in params])
            return _AheadGrid(self, key, params)
        if self._pool is None:
            self._pool = ThreadPoolExecutor(1, thread_name_prefix="record-grids")
        return self._pool.submit(self._book_of if self.book else self._own_grid, params)

    def close(self, abandon=False):
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=abandon)
        if self._ahead is not None:
            self._ahead.__exit__(KeyboardInterrupt if abandon else None, None, None)
            self._ahead = None

    def _ahead_grids(self):
        """The helper's grids, ``{key: grid}``, waited for once."""
        if self._ahead_done is None:
            self._ahead_done = self._ahead.grids() if self._ahead is not None else {}
        return self._ahead_done

    # -- inside ----------------------------------------------------------------------------
    def _book_of(self, params):
        """The grid of ``params`` by the book's chain (:func:`book_grid`, or ``decision_grid`` where it differs)."""
        recorder = self.recorder
        return self._book_grid(recorder._points, [w for w, _ in params], [b for _, b in params],
                               recorder.grid_resolution)

    def _replay(self, points, params):
        for layer, (weights, biases) in zip(self._layers, params):
            layer.weights, layer.biases = weights, biases
        values = points
        with np.errstate(all="ignore"):
            for obj in self._chain:
                obj.forward(values)
                values = obj.output
            if self._activation is not None:
                self._activation.forward(values)
                values = self._activation.output
        return values

    def _own_grid(self, params, keep_random=False):
        from .recorder_parts import grid_of

        recorder = self.recorder
        state = np.random.get_state() if keep_random else None
        try:
            return grid_of(self._replay(recorder._points, params), recorder.grid_resolution, recorder._classes())
        finally:
            if state is not None:
                np.random.set_state(state)

    def _is_book_chain(self, first):
        """Whether the replayed chain computes what the book's Dense, ReLU, ..., softmax chain does.

        Checked once on a few points with large made-up weights (so every unit
        matters); a replay of the reader's own classes costs some 100 ms a frame at
        the default grid, the book's chain in float32 a tenth of that.
        """
        rng = np.random.default_rng(0)          # animator's own generator: the reader's np.random is untouched
        params = [(rng.normal(0, 3, w.shape), rng.normal(0, 1, b.shape)) for w, b in first]
        extent = self.recorder.extent
        points = grid_points(extent, 8)
        try:
            theirs = np.asarray(self._replay(points, params), dtype=np.float64)
        except Exception:                       # a chain that cannot take other points is not the book's
            return False
        weights, biases = [w for w, _ in params], [b for _, b in params]
        ours = decision_grid([weights], [biases], extent, 8)[0]
        if theirs.shape != (64, ours.shape[-1]) or np.abs(np.rint(theirs * 255) - ours.reshape(64, -1)).max() > 2:
            return False
        # book_grid's blocks give decision_grid's bits; should some BLAS not, use decision_grid itself
        resolution = self.recorder.grid_resolution
        if not np.array_equal(book_grid(self.recorder._points, weights, biases, resolution),
                              decision_grid([weights], [biases], extent, resolution)[0]):
            self._book_grid = lambda _, w, b, r: decision_grid([w], [b], extent, r)[0]
        return True

    def _draws_random(self, first):
        state = np.random.get_state()
        self._replay(self.recorder._points[:4], first)
        after = np.random.get_state()
        np.random.set_state(state)
        return not (after[1] == state[1]).all() or after[2] != state[2]


class _Done:
    """A grid already evaluated, offered as a future is."""

    def __init__(self, value):
        self.value = value

    def result(self):
        return self.value

    def cancel(self):
        return False
