"""The chapter's training loop, recording every epoch.

The loop runs the book's order exactly: forward, loss, accuracy, report, backward,
``pre_update_params``, ``update_params`` for each layer, ``post_update_params``.
What it records per epoch is what the animation needs:

* ``epoch``, ``loss``, ``accuracy`` and ``learning_rate`` (the optimizer's
  ``current_learning_rate`` when the epoch is reported, as the book prints it);
* for each Dense layer ``i`` (from 1): ``dense{i}.weights`` and ``.biases`` as
  they were in that epoch's forward pass, ``.weight_updates`` and ``.bias_updates``
  the optimizer applied after it, and the optimizer's state arrays after that
  update (``.weight_momentums``, ``.bias_cache``, ...).

Divergence stops the loop and is reported, not raised; Ctrl-C stops it too and
keeps every finished epoch.
"""

import math
from dataclasses import dataclass, field

import numpy as np

_CHUNK = 1024  # epochs per storage block: memory grows with the run, not with --epochs


class _Columns:
    """Growable per-epoch storage: one list of fixed-size blocks per declared column."""

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
    """What a training run produced: per-epoch columns and how the run ended."""

    columns: dict
    epochs_requested: int
    diverged_at: int = None
    divergence_cause: str = None
    divergence_learning_rate: float = None
    interrupted: bool = False
    notes: list = field(default_factory=list)

    @property
    def epochs_recorded(self):
        return len(self.columns["epoch"])


class Trainer:
    """Runs the book's loop on ``network`` with ``optimizer`` over the full batch ``X, y``.

    >>> result = Trainer(network, SGD(decay=1e-2), X, y).run(10000)   # doctest: +SKIP
    """

    def __init__(self, network, optimizer, X, y):
        self.network = network
        self.optimizer = optimizer
        self.X = X
        self.y = y

    def run(self, epochs, *, on_epoch=None, record=True):
        """Train for epochs ``0..epochs`` inclusive (the book's ``range(epochs + 1)``).

        ``on_epoch(epoch, loss, accuracy, learning_rate)`` is called after each
        forward pass, where the book prints.  ``record=False`` keeps only the
        per-epoch scalars (the benchmark's baseline).  Returns a :class:`TrainingResult`.
        """
        net, opt, X, y = self.network, self.optimizer, self.X, self.y
        columns = _Columns()
        result = TrainingResult(columns={}, epochs_requested=epochs)
        slot_names = [f"{kind}_{slot}" for slot in opt.slots for kind in ("weight", "bias")]
        columns.declare("epoch", (), np.int64)
        columns.declare("loss", (), np.float32)
        columns.declare("accuracy", (), np.float64)
        columns.declare("learning_rate", (), np.float64)
        for i, dense in enumerate(net.dense, start=1):
            for name in ("weights", "weight_updates"):
                columns.declare(f"dense{i}.{name}", dense.weights.shape, np.float32)
            for name in ("biases", "bias_updates"):
                columns.declare(f"dense{i}.{name}", dense.biases.shape, np.float32)
            for name in slot_names:
                shape = dense.weights.shape if name.startswith("weight") else dense.biases.shape
                columns.declare(f"dense{i}.{name}", shape, np.float32)
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
                        for i, dense in enumerate(net.dense, start=1):
                            columns.put(f"dense{i}.weights", row, dense.weights)
                            columns.put(f"dense{i}.biases", row, dense.biases)

                    net.backward(y)
                    opt.pre_update_params()
                    for dense in net.dense:
                        opt.update_params(dense)
                    opt.post_update_params()

                    if record:
                        for i, dense in enumerate(net.dense, start=1):
                            columns.put(f"dense{i}.weight_updates", row, dense.weight_updates)
                            columns.put(f"dense{i}.bias_updates", row, dense.bias_updates)
                            for name in slot_names:
                                columns.put(f"dense{i}.{name}", row, getattr(dense, name))
                    columns.rows += 1

                    bad = _first_non_finite(net.dense)
                    if bad:
                        result.diverged_at = epoch + 1
                        result.divergence_cause = f"{bad} after the update of epoch {epoch}"
                        result.divergence_learning_rate = opt.current_learning_rate
                        break
        except KeyboardInterrupt:
            result.interrupted = True
        result.columns = columns.finish()
        return result


def _first_non_finite(dense_layers):
    for i, dense in enumerate(dense_layers, start=1):
        for kind, array in (("weights", dense.weights), ("biases", dense.biases)):
            if not np.isfinite(array).all():
                what = "nan" if np.isnan(array).any() else "inf"
                return f"Dense {i} {kind} are {what}"
    return None
