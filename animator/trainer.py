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


class _Columns:
    """Growable storage: one list of fixed-size blocks per declared column."""

    def __init__(self):
        self._blocks = {}
        self._templates = {}
        self.rows = 0

    def declare(self, name, shape, dtype):
        self._templates[name] = (tuple(shape), np.dtype(dtype))
        self._blocks[name] = []

    def put(self, name, row, value):
        blocks = self._blocks[name]
        block, offset = divmod(row, _CHUNK)
        if len(blocks) <= block:
            shape, dtype = self._templates[name]
            blocks.append(np.empty((_CHUNK, *shape), dtype=dtype))
        blocks[block][offset] = value

    def finish(self):
        """Return ``{name: array}`` holding the first ``rows`` rows of every column."""
        out = {}
        for name, blocks in self._blocks.items():
            shape, dtype = self._templates[name]
            if len(blocks) == 1:
                out[name] = blocks[0][: self.rows].copy()
            elif blocks:
                out[name] = np.concatenate(blocks)[: self.rows]
            else:
                out[name] = np.empty((0, *shape), dtype=dtype)
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


class Trainer:
    """Runs the book's loop on ``network`` with ``optimizer`` over the full batch ``X, y``.

    >>> result = Trainer(network, SGD(decay=1e-2), X, y).run(10000, keep=[0, 5000, 10000])   # doctest: +SKIP
    """

    def __init__(self, network, optimizer, X, y):
        self.network = network
        self.optimizer = optimizer
        self.X = X
        self.y = y

    def run(self, epochs, *, on_epoch=None, keep=None, record=True):
        """Train for epochs ``0..epochs`` inclusive (the book's ``range(epochs + 1)``).

        ``on_epoch(epoch, loss, accuracy, learning_rate)`` is called after each
        forward pass, where the book prints.  ``keep`` are the epochs whose
        per-layer arrays are stored (``None``: every epoch); the last recorded
        epoch is stored too, whatever stops the run.  ``record=False`` stores no
        per-layer arrays at all (the benchmark's baseline).  Returns a
        :class:`TrainingResult`.
        """
        net, opt, X, y = self.network, self.optimizer, self.X, self.y
        layers = net.dense
        slot_names = [f"{kind}_{slot}" for slot in opt.slots for kind in ("weight", "bias")]
        columns, params = _Columns(), _Columns()
        result = TrainingResult(columns={}, epochs_requested=epochs)
        columns.declare("epoch", (), np.int64)
        columns.declare("loss", (), np.float32)
        columns.declare("accuracy", (), np.float64)
        columns.declare("learning_rate", (), np.float64)
        params.declare("epoch", (), np.int64)
        shapes = {}
        for i, dense in enumerate(layers, start=1):
            for name in ("weights", "biases", "weight_updates", "bias_updates", *slot_names):
                shapes[f"dense{i}.{name}"] = dense.weights.shape if name.startswith("weight") else dense.biases.shape
        for name, shape in shapes.items():
            params.declare(name, shape, np.float32)
        keep_all = keep is None
        keep = set() if keep_all else {int(e) for e in keep}
        # the last two epochs' arrays, by parity: Ctrl-C in epoch e+1 leaves epoch e's intact
        rolling = [{name: np.empty(shape, np.float32) for name, shape in shapes.items()} for _ in range(2)]
        peaks = np.zeros(len(layers), dtype=np.float32)
        peak = np.zeros_like(peaks)
        last_kept = -1
        row_arrays = None
        try:
            with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
                for epoch in range(epochs + 1):
                    loss = net.forward(X, y)
                    predictions = np.argmax(net.output, axis=1)
                    accuracy = np.mean(predictions == y)
                    lr = opt.current_learning_rate
                    if not math.isfinite(loss):
                        result.diverged_at = epoch
                        result.divergence_cause = f"loss is {float(loss)}"
                        result.divergence_learning_rate = lr
                        break
                    if on_epoch is not None:
                        on_epoch(epoch, loss, accuracy, lr)
                    row = columns.rows
                    columns.put("epoch", row, epoch)
                    columns.put("loss", row, loss)
                    columns.put("accuracy", row, accuracy)
                    columns.put("learning_rate", row, lr)
                    if record:
                        row_arrays = rolling[epoch % 2]
                        for i, dense in enumerate(layers, start=1):
                            # recorded weights are finite: the previous epoch's check saw to that
                            peak[i - 1] = max(peaks[i - 1], dense.weights.max(), -dense.weights.min(),
                                              dense.biases.max(), -dense.biases.min())
                            np.copyto(row_arrays[f"dense{i}.weights"], dense.weights)
                            np.copyto(row_arrays[f"dense{i}.biases"], dense.biases)

                    net.backward(y)
                    opt.pre_update_params()
                    for dense in layers:
                        opt.update_params(dense)
                    opt.post_update_params()

                    if record:
                        for i, dense in enumerate(layers, start=1):
                            np.copyto(row_arrays[f"dense{i}.weight_updates"], dense.weight_updates)
                            np.copyto(row_arrays[f"dense{i}.bias_updates"], dense.bias_updates)
                            for name in slot_names:
                                np.copyto(row_arrays[f"dense{i}.{name}"], getattr(dense, name))
                    columns.rows += 1   # the epoch is complete: this line commits it
                    if record:
                        peaks[:] = peak
                        if keep_all or epoch in keep:
                            _append(params, epoch, row_arrays)
                            last_kept = epoch

                    bad = _first_non_finite(layers)
                    if bad:
                        result.diverged_at = epoch + 1
                        result.divergence_cause = f"{bad} after the update of epoch {epoch}"
                        result.divergence_learning_rate = opt.current_learning_rate
                        break
        except KeyboardInterrupt:
            result.interrupted = True
        last = columns.rows - 1
        if record and last >= 0:
            # Ctrl-C may land between an epoch's commit and its bookkeeping: settle both from its row
            last_row = rolling[last % 2]
            for i in range(1, len(layers) + 1):
                for name in ("weights", "biases"):
                    peaks[i - 1] = max(peaks[i - 1], np.abs(last_row[f"dense{i}.{name}"]).max())
            if last_kept != last:
                _append(params, last, last_row)
        result.columns = columns.finish()
        result.params = params.finish()
        result.peaks = peaks
        return result


def _append(params, epoch, arrays):
    """Add one kept row: ``epoch`` and a copy of each of ``arrays``."""
    params.put("epoch", params.rows, epoch)
    for name, value in arrays.items():
        params.put(name, params.rows, value)
    params.rows += 1


def _first_non_finite(dense_layers):
    for i, dense in enumerate(dense_layers, start=1):
        for kind, array in (("weights", dense.weights), ("biases", dense.biases)):
            if not np.isfinite(array).all():
                what = "nan" if np.isnan(array).any() else "inf"
                return f"Dense {i} {kind} are {what}"
    return None
