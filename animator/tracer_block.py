"""A block of a traced run's epochs, gathered by :class:`animator.tracer.BookTracer` and handed to the Recorder at once.

Each update round the tracer copies the parameters the round started from into
a row of this block (in the Recorder's ring layout) and notes the loss, the
accuracy and the learning rate; :meth:`~animator.recorder.Recorder._take` then
records the whole block as that many ``epoch()`` calls would.  A reader's loop
pays for one copy of its parameters an epoch instead of the Recorder's
per-epoch checks (see benchmarks/record_overhead.py).
"""

import math

import numpy as np


class ShapeChanged(Exception):
    """The layers' arrays no longer have the shapes the block was made for (the tracer goes on epoch by epoch)."""


class EpochBlock:
    """Up to a Recorder's block of epochs of its model (``labels``: the classes the book's accuracy counts)."""

    def __init__(self, recorder, labels):
        self.recorder, self.labels = recorder, labels
        self.size = recorder._block
        self.rows = np.empty((self.size, recorder._extremes.size))
        self.pairs = [recorder._pairs(row) for row in self.rows]
        self.losses, self.accuracies = np.empty(self.size), np.empty(self.size)
        self.rates = [None] * self.size
        self.given = {}
        self.count = 0

    @classmethod
    def usable(cls, recorder):
        """Whether ``recorder`` takes blocks: its frames are planned and it has seen the layers' shapes."""
        return recorder._wanted is not None and recorder._ring is not None and recorder._divergence is None

    def copy_in(self, dense):
        """Copy the layers' parameters into the next epoch's row; its ``[(weights, biases), ...]`` views."""
        pairs = self.pairs[self.count]
        try:
            for (weights, biases), layer in zip(pairs, dense):
                new_weights, new_biases = layer.weights, layer.biases
                if new_weights.shape != weights.shape or new_biases.size != biases.size:
                    raise ShapeChanged
                np.copyto(weights, new_weights)
                np.copyto(biases, new_biases if new_biases.shape == biases.shape else new_biases.reshape(biases.shape))
        except (AttributeError, TypeError, ValueError):      # not arrays, or not real numbers
            raise ShapeChanged from None
        return pairs

    def add(self, loss, rate, output, updates=None, state=None):
        """Gather the epoch whose parameters :meth:`copy_in` copied last; hand the block over when it is full.

        An epoch that ``epoch()`` would refuse or end the recording at (a loss
        that is not finite, a learning rate that is not a number, updates or state
        of other shapes) is handed over at once, after the block, through
        ``epoch()``: it raises or diverges at its own epoch, as without blocks.
        """
        slot, recorder = self.count, self.recorder
        try:
            value = float(rate)              # now: a rate held in an array may change in place later
            checked = (None if updates is None else recorder._checked_updates(updates),
                       None if state is None else recorder._checked_state(state))
            usual = math.isfinite(loss)
        except Exception:
            usual = False
        if not usual:
            self.flush()
            recorder.epoch(loss, accuracy(output, self.labels), rate, self.pairs[slot], updates=updates, state=state)
            return
        self.losses[slot], self.accuracies[slot], self.rates[slot] = loss, accuracy(output, self.labels), value
        if updates is not None or state is not None:
            self.given[slot] = checked
        self.count += 1
        if self.count == self.size:
            self.flush()

    def flush(self):
        """Hand the epochs gathered to the Recorder."""
        count, self.count = self.count, 0
        if count:
            given, self.given = self.given, {}
            self.recorder._take(self.losses[:count].copy(), self.accuracies[:count].copy(), self.rates[:count],
                                self.rows[:count], given)


def accuracy(output, labels):
    """The book's accuracy: the share of rows whose largest output is the label's."""
    return np.count_nonzero(np.argmax(output, axis=1) == labels) / len(labels)
