"""The chapter's training loop, recording every epoch's numbers and the arrays it is asked to keep.

The loop runs the book's order exactly: forward, loss, accuracy, report, backward,
``pre_update_params``, ``update_params`` for each layer, ``post_update_params``.
What it records is what the animation needs:

* every epoch: ``epoch``, ``loss``, ``accuracy`` and ``learning_rate`` (the
  optimizer's ``current_learning_rate`` when the epoch is reported, as the book
  prints it);
* at the kept epochs (``params["epoch"]``), for each Dense layer ``i`` (from 1):
  ``dense{i}.weights`` and ``.biases`` as they were in that epoch's forward pass,
  ``.weight_updates`` and ``.bias_updates`` the optimizer applied after it, and
  the optimizer's state arrays after that update (``.weight_momentums``, ...);
* ``peaks``: per layer, the largest ``|weight|`` or ``|bias|`` over *every*
  recorded epoch, so a picture scaled to the whole run needs no other epochs.

Keeping arrays only at the frames' epochs is what lets a run's memory follow its
frames rather than its epochs.  Divergence stops the loop and is reported, not
raised; Ctrl-C stops it too and keeps every finished epoch.
"""

import math
from dataclasses import dataclass, field

import numpy as np

_CHUNK = 1024  # rows per storage block: memory grows with the run, not with the epochs asked for


class _Column:
    """One growable column: a list of fixed-size blocks."""

    def __init__(self, shape, dtype):
        self.shape, self.dtype = tuple(shape), np.dtype(dtype)
        self.blocks = []

    def put(self, row, value):
        block, offset = divmod(row, _CHUNK)
        if len(self.blocks) <= block:
            self.blocks.append(np.empty((_CHUNK, *self.shape), dtype=self.dtype))
        self.blocks[block][offset] = value


class _Columns:
    """Growable storage: named columns that fill row by row."""

    def __init__(self):
        self._columns = {}
        self.rows = 0

    def declare(self, name, shape, dtype):
        """Add a column; returns it, so a hot loop can ``put`` without looking it up by name."""
        self._columns[name] = _Column(shape, dtype)
        return self._columns[name]

    def put(self, name, row, value):
        self._columns[name].put(row, value)

    def row(self, name, row):
        """Row ``row`` of column ``name`` as stored (a view: blocks never move while the columns fill)."""
        block, offset = divmod(row, _CHUNK)
        return self._columns[name].blocks[block][offset]

    def finish(self):
        """Return ``{name: array}`` holding the first ``rows`` rows of every column."""
        out = {}
        for name, column in self._columns.items():
            blocks = column.blocks
            if len(blocks) == 1:
                out[name] = blocks[0][: self.rows].copy()
            elif blocks:
                out[name] = np.concatenate(blocks)[: self.rows]
            else:
                out[name] = np.empty((0, *column.shape), dtype=column.dtype)
            blocks.clear()
        return out


@dataclass
class TrainingResult:
    """What a training run produced and how it ended.

    ``columns`` holds the per-epoch scalars; ``params`` the per-layer arrays at
    the epochs in ``params["epoch"]`` (always including the last recorded one);
    ``peaks`` (layers,) float32 is each layer's largest ``|weight|`` or ``|bias|``
    over every recorded epoch.
    """

    columns: dict
    epochs_requested: int
    diverged_at: int = None
    divergence_cause: str = None
    divergence_learning_rate: float = None
    interrupted: bool = False
    notes: list = field(default_factory=list)
    params: dict = field(default_factory=dict)
    peaks: np.ndarray = None

    @property
    def epochs_recorded(self):
        return len(self.columns["epoch"])


class _Snapshot:
    """One epoch's layer arrays, in buffers reused every other epoch, and the running extremes.

    ``take_parameters`` copies the weights and biases the forward pass used and
    extends the previous epoch's per-element maximum and minimum by them;
    ``take_updates`` copies what the optimizer applied and its state after that.
    Two snapshots alternate by parity, so Ctrl-C while one is being filled leaves
    the last finished epoch's intact.  A layer's weights and biases sit in one
    array (biases as its last row), so each extreme is one operation per layer.
    """

    def __init__(self, layers, slot_names):
        self.arrays = {}
        self._parameters, self._updates, self._highs, self._lows = [], [], [], []
        self._update_names = ("weight_updates", "bias_updates", *slot_names)
        for i, dense in enumerate(layers, start=1):
            n_in, n_out = dense.weights.shape
            parameters = np.empty((n_in + 1, n_out), np.float32)
            self.arrays[f"dense{i}.weights"], self.arrays[f"dense{i}.biases"] = parameters[:n_in], parameters[n_in:]
            for name in self._update_names:
                self.arrays[f"dense{i}.{name}"] = np.empty(dense.weights.shape if name.startswith("weight")
                                                           else dense.biases.shape, np.float32)
            self._parameters.append(parameters)
            self._updates.append([self.arrays[f"dense{i}.{name}"] for name in self._update_names])
            self._highs.append(np.empty_like(parameters))
            self._lows.append(np.empty_like(parameters))

    def start_extremes(self, layers):
        """Seed the running maximum and minimum with the current parameters (before epoch 0)."""
        for dense, high, low in zip(layers, self._highs, self._lows):
            for extreme in (high, low):
                np.copyto(extreme[:-1], dense.weights)
                np.copyto(extreme[-1:], dense.biases)

    def take_parameters(self, layers, previous):
        for dense, parameters, high, low, high_before, low_before in zip(
                layers, self._parameters, self._highs, self._lows, previous._highs, previous._lows):
            np.copyto(parameters[:-1], dense.weights)
            np.copyto(parameters[-1:], dense.biases)
            np.maximum(high_before, parameters, out=high)
            np.minimum(low_before, parameters, out=low)

    def take_updates(self, layers):
        for dense, targets in zip(layers, self._updates):
            for target, name in zip(targets, self._update_names):
                np.copyto(target, getattr(dense, name))

    def peaks(self):
        """Each layer's largest ``|weight|`` or ``|bias|`` over every epoch taken so far."""
        # the float32 value a running max(|w|, |b|) over the epochs gives: maxima of finite numbers
        return np.array([max(np.float32(0), high.max(), -low.min()) for high, low in zip(self._highs, self._lows)],
                        dtype=np.float32)


class Trainer:
    """Runs the book's loop on ``network`` with ``optimizer`` over the full batch ``X, y``.

    >>> result = Trainer(network, SGD(decay=1e-2), X, y).run(10000, keep=[0, 5000, 10000])   # doctest: +SKIP
    """

    def __init__(self, network, optimizer, X, y):
        self.network = network
        self.optimizer = optimizer
        self.X = X
        self.y = y

    def run(self, epochs, *, on_epoch=None, keep=None, record=True, on_keep=None):
        """Train for epochs ``0..epochs`` inclusive (the book's ``range(epochs + 1)``).

        ``on_epoch(epoch, loss, accuracy, learning_rate)`` is called after each
        forward pass, where the book prints.  ``keep`` are the epochs whose
        per-layer arrays are stored (``None``: every epoch); the last recorded
        epoch is stored too, whatever stops the run.  ``record=False`` stores no
        per-layer arrays at all (the benchmark's baseline).  ``on_keep(epoch,
        arrays)`` is called as each epoch in ``keep`` is stored, with its arrays
        as stored (``{"dense1.weights": ..., ...}``; they do not change
        afterwards), so work on them can start while training goes on (the
        decision grids, see :func:`animator.run.train`).  Returns a
        :class:`TrainingResult`.
        """
        net, opt, X, y = self.network, self.optimizer, self.X, self.y
        layers = net.dense
        slot_names = [f"{kind}_{slot}" for slot in opt.slots for kind in ("weight", "bias")]
        columns, params = _Columns(), _Columns()
        result = TrainingResult(columns={}, epochs_requested=epochs)
        epoch_column = columns.declare("epoch", (), np.int64)
        loss_column = columns.declare("loss", (), np.float32)
        accuracy_column = columns.declare("accuracy", (), np.float64)
        rate_column = columns.declare("learning_rate", (), np.float64)
        params.declare("epoch", (), np.int64)
        # the last two epochs' arrays, by parity: Ctrl-C in epoch e+1 leaves epoch e's intact
        rolling = [_Snapshot(layers, slot_names) for _ in range(2)]
        for name, array in rolling[0].arrays.items():
            params.declare(name, array.shape, np.float32)
        if record:
            rolling[1].start_extremes(layers)
        keep_all = keep is None
        keep = set() if keep_all else {int(e) for e in keep}
        samples = len(y)
        last_kept = -1
        try:
            with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
                for epoch in range(epochs + 1):
                    loss = net.forward(X, y)
                    lr = opt.current_learning_rate
                    if not math.isfinite(loss):
                        result.diverged_at = epoch
                        result.divergence_cause = f"loss is {float(loss)}"
                        result.divergence_learning_rate = lr
                        break
                    # np.mean(predictions == y), without its overhead: a count over the rows, in float64
                    accuracy = np.float64(np.count_nonzero(net.output.argmax(axis=1) == y) / samples)
                    if on_epoch is not None:
                        on_epoch(epoch, loss, accuracy, lr)
                    row = columns.rows
                    epoch_column.put(row, epoch)
                    loss_column.put(row, loss)
                    accuracy_column.put(row, accuracy)
                    rate_column.put(row, lr)
                    if record:
                        # recorded weights are finite: the previous epoch's check saw to that
                        snapshot = rolling[epoch % 2]
                        snapshot.take_parameters(layers, rolling[(epoch + 1) % 2])

                    net.backward(y)
                    opt.pre_update_params()
                    for dense in layers:
                        opt.update_params(dense)
                    opt.post_update_params()

                    if record:
                        snapshot.take_updates(layers)
                    columns.rows += 1   # the epoch is complete: this line commits it
                    if record and (keep_all or epoch in keep):
                        stored = _append(params, epoch, snapshot.arrays)
                        last_kept = epoch
                        if on_keep is not None:
                            on_keep(epoch, stored)

                    bad = _first_non_finite(layers)
                    if bad:
                        result.diverged_at = epoch + 1
                        result.divergence_cause = f"{bad} after the update of epoch {epoch}"
                        result.divergence_learning_rate = opt.current_learning_rate
                        break
        except KeyboardInterrupt:
            result.interrupted = True
        last = columns.rows - 1
        peaks = np.zeros(len(layers), dtype=np.float32)
        if record and last >= 0:
            # Ctrl-C may land between an epoch's commit and its keeping: keep it from its snapshot
            last_snapshot = rolling[last % 2]
            peaks = last_snapshot.peaks()
            if last_kept != last:
                _append(params, last, last_snapshot.arrays)
        result.columns = columns.finish()
        result.params = params.finish()
        result.peaks = peaks
        return result


def _append(params, epoch, arrays):
    """Add one kept row: ``epoch`` and a copy of each of ``arrays``; returns the copies, as stored."""
    params.put("epoch", params.rows, epoch)
    for name, value in arrays.items():
        params.put(name, params.rows, value)
    params.rows += 1
    return {name: params.row(name, params.rows - 1) for name in arrays}


def _first_non_finite(dense_layers):
    """``"Dense i weights are nan"`` (or biases, or inf) for the first such array, else None."""
    # A sum is finite only if every element is (NaN and inf survive any addition), so one
    # finite total clears every array at once; an overflowing sum of finite numbers only
    # sends us to the element-by-element test below.
    total = 0.0
    for dense in dense_layers:
        total += float(np.add.reduce(dense.weights, axis=None)) + float(np.add.reduce(dense.biases, axis=None))
    if math.isfinite(total):
        return None
    for i, dense in enumerate(dense_layers, start=1):
        for kind, array in (("weights", dense.weights), ("biases", dense.biases)):
            if not np.isfinite(array).all():
                what = "nan" if np.isnan(array).any() else "inf"
                return f"Dense {i} {kind} are {what}"
    return None
