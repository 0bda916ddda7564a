"""A Recorder's recent epochs: a ring of parameter rows, checked and folded a block at a time.

Each epoch's parameters are copied into a row of the ring (one float64 row in
the layers' order, weights then biases as ``(1, n)``); a block of epochs is
checked finite and folded into the running extremes at once (:func:`settle`,
with :class:`~.recorder_parts.Extremes`), and a whole block of a traced loop is
recorded at once (:func:`take`).  The ring holds two blocks, so the epoch
before the block under way is always intact (the Recorder's last epoch, should
the block diverge).  Nothing outside can tell this from checking each epoch as it
comes: every public reading of the Recorder, every kept epoch and every
refused input settles first.
"""

import bisect

import numpy as np

from .errors import ArgumentError
from .recorder_parts import Extremes

BLOCK = 64                # epochs checked and folded into the extremes at once
RING_NUMBERS = 1 << 21    # at most this many float64 (16 MiB) in the ring of recent epochs' parameters


def make_ring(recorder):
    """Give ``recorder`` (its shapes known, at the first epoch) its extremes and ring."""
    recorder._extremes = Extremes(recorder._shapes)
    recorder._block = max(1, min(BLOCK, RING_NUMBERS // (2 * recorder._extremes.size)))
    recorder._ring = np.empty((2 * recorder._block, recorder._extremes.size))
    recorder._rows = [recorder._pairs(row) for row in recorder._ring]
    recorder._given = [None] * len(recorder._ring)


def settle(recorder):
    """Check the epochs ``recorder`` recorded since the last settle and fold them into the extremes.

    An epoch found not finite ends the recording there, as if it had been found
    when it was recorded: the epochs after it are dropped, and an update derived
    from it is undone.
    """
    start, stop = recorder._settled, len(recorder._losses)
    if stop <= start or recorder._divergence is not None:
        return
    size = len(recorder._ring)
    bad = recorder._extremes.fold(recorder._ring[start % size:(stop - 1) % size + 1])
    if bad is None:
        recorder._settled = stop
        return
    epoch = recorder._settled = start + bad
    cause, rate = recorder._extremes.cause(recorder._ring[epoch % size]), recorder._rates[epoch]
    del recorder._losses[epoch:], recorder._accuracies[epoch:], recorder._rates[epoch:]
    for later in [e for e in recorder._kept if e >= epoch]:
        del recorder._kept[later]
        grid = recorder._grids.pop(later, None)
        if hasattr(grid, "cancel"):
            grid.cancel()
    before = recorder._kept.get(epoch - 1)
    if before is not None and before["derived"]:
        before["updates"], before["derived"] = None, False     # derived from the epoch that diverged
    recorder._diverge(epoch, cause, rate)


def take(recorder, losses, accuracies, rates, rows, given):
    """Record ``len(losses)`` epochs at once, as that many ``recorder.epoch()`` calls would (the tracer's way).

    ``rows`` (epochs, size): each epoch's parameters in the ring's layout;
    ``given``: ``{index: (updates, state)}`` for the kept epochs among them.
    Where the epochs are the usual case (finite losses, accuracies in range,
    learning rates given, frames planned, updates given at every kept epoch),
    the rows go into the ring a block at a time; anything else goes through
    ``epoch()`` one epoch at a time, for its exact checks and errors.
    """
    first = len(recorder._losses)
    count = len(losses)
    planned = recorder._wanted is not None          # unplanned frames thin as they go: epoch by epoch, below
    kept = [e - first for e in _kept_between(recorder, first, first + count)] if planned else []
    try:
        values = [float(rate) for rate in rates]         # as epoch() reads them
    except (TypeError, ValueError):
        values = None
    usual = (values is not None and not recorder._finished and recorder._divergence is None
             and recorder._ring is not None and planned
             and np.isfinite(losses).all() and ((0 <= accuracies) & (accuracies <= 1)).all()
             and all(given.get(k, (None,))[0] is not None for k in kept))
    if usual:
        try:
            checked = {k: (recorder._checked_updates(given[k][0]), None if given[k][1] is None else
                           recorder._checked_state(given[k][1])) for k in kept}
        except ArgumentError:
            usual = False
    if not usual:
        for k in range(count):
            updates, state = given.get(k, (None, None))
            recorder.epoch(losses[k], accuracies[k], rates[k], recorder._pairs(rows[k]), updates=updates, state=state)
        return
    size, block = len(recorder._ring), recorder._block
    recorder._derive_update(recorder._pairs(rows[0]))
    # pieces end at the ring's block edges and right after each kept epoch, where epoch() would have kept it:
    # whatever a kept epoch raises (Ctrl-C), the epochs before it are recorded as epoch() leaves them
    ends = [k + 1 for k in kept]
    start = 0
    while start < count:
        epoch = first + start
        after = bisect.bisect_right(ends, start)
        stop = min(count, start + block - epoch % block, ends[after] if after < len(ends) else count)
        row, last = epoch % size, first + stop - 1
        recorder._ring[row:row + stop - start] = rows[start:stop]
        recorder._given[row:row + stop - start] = [(None, None)] * (stop - start)
        if stop - 1 in checked:
            recorder._given[last % size] = checked[stop - 1]
        recorder._losses += losses[start:stop].tolist()
        recorder._accuracies += accuracies[start:stop].tolist()
        recorder._rates += values[start:stop]
        if stop - 1 in checked:
            recorder._keep(last, recorder._rows[last % size], *checked[stop - 1])
            if recorder._divergence is not None:
                return               # keeping it settled the block and found it diverged: the rest is dropped
        if (last + 1) % block == 0 and recorder._settle_diverged():
            return
        start = stop


def _kept_between(recorder, start, stop):
    """The planned frame epochs from ``start`` to before ``stop``."""
    if recorder._wanted_in_order is None:
        recorder._wanted_in_order = sorted(recorder._wanted)
    ordered = recorder._wanted_in_order
    return ordered[bisect.bisect_left(ordered, start):bisect.bisect_left(ordered, stop)]
