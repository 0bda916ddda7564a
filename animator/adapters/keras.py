"""Record a Keras 3 model's ``fit`` with a callback: its ``Dense`` layers, loss, accuracy and learning rate.

>>> callback = RecordingCallback(X, y)                                    # doctest: +SKIP
>>> model.fit(X, y, epochs=1001, batch_size=len(X), callbacks=[callback], verbose=0)
>>> recording = callback.recording        # save, render, race or snapshot it

Any backend works; animator's tests use ``KERAS_BACKEND=torch``. Each epoch keeps
the loss and accuracy from ``fit``'s logs (the accuracy, when the model was not
compiled with ``metrics=["accuracy"]``, is computed as the book does from the
model's predictions on ``X`` at the epoch's start), the learning rate the epoch
starts with, and the Dense layers' kernels ``(inputs, outputs)`` and biases
``(1, outputs)`` as they were at the epoch's start, the weights its loss was
computed with when the batch is the whole data set, as in the book. The decision
regions are the model's own predictions (``predict_on_batch``: inference mode,
no gradients) at that moment too. The optimizer is described by :func:`book_optimizer`.
"""

import contextlib

try:
    import keras
except ImportError as error:                      # pragma: no cover - the message is the point
    raise ImportError(f"the Keras adapter needs Keras 3 and a backend: pip install -e '.[keras]' "
                      f"(KERAS_BACKEND=torch uses PyTorch) ({error})") from None
import numpy as np

from ..errors import UserError
from ..frames import grid_points
from ..optimizers import SGD
from ..recorder import Recorder
from ..source import Source
from .common import accuracy as book_accuracy, book, check_outputs, custom, follows_schedule, log, probabilities

__all__ = ["RecordingCallback", "book_optimizer", "dense_layers"]

ACCURACY_LOGS = ("accuracy", "acc", "sparse_categorical_accuracy", "categorical_accuracy")
BOOK_NAMES = {"beta_1": "beta1", "beta_2": "beta2"}          # Keras's settings by the book's short names
IGNORED = ("learning_rate", "name", "loss_scale_factor")


class RecordingCallback(keras.callbacks.Callback):
    """A ``keras.callbacks.Callback`` that records the ``fit`` it is given to; :attr:`recording` when it ends.

    ``X`` (n, 2) and ``y`` (n,) labels or one-hot rows are the training data;
    ``outputs`` says what the model returns (``auto``, ``logits``, ``probabilities``,
    ``log_probabilities``); other keywords go to :class:`~animator.recorder.Recorder`
    (``frames``, ``grid_resolution``, ``dataset`` ...). ``fit``'s ``epochs`` plan the
    frames as ``animator train`` does. Each ``fit`` makes a new recording. After a
    Ctrl-C, :meth:`finish` with ``interrupted=True`` keeps the finished epochs.
    """

    def __init__(self, X, y, *, outputs="auto", **options):
        super().__init__()
        self.outputs = check_outputs(outputs)
        if "epochs" in options:
            raise UserError("RecordingCallback takes its epochs from fit(epochs=...)")
        self._data, self._labels, self._options = X, y, options
        Recorder(X, y, **options)                 # the data and options checked now, not inside fit
        self.recording = self.described = self._recorder = None

    def __repr__(self):
        epochs = self._recorder.epochs_recorded if self._recorder else 0
        return f"RecordingCallback({epochs} epochs recorded)"

    @property
    def recorder(self):
        """The :class:`~animator.recorder.Recorder` of the ``fit`` under way (None before it)."""
        return self._recorder

    # -- fit's side -------------------------------------------------------------------------
    def on_train_begin(self, logs=None):
        self.recording, self._recorder, self._rates = None, None, []
        self.dense = dense_layers(self.model)
        self.described = book_optimizer(self.model.optimizer)
        self._logs_accuracy = None                # unknown until the first epoch's logs

    def on_epoch_begin(self, epoch, logs=None):
        if self._recorder is None:                # the first epoch fit runs: its initial_epoch is known now
            last = self.params.get("epochs")
            self._recorder = Recorder(
                self._data, self._labels, self._stashed, epochs=None if last is None else max(last - 1 - epoch, 0),
                optimizer=self.described.spec,
                source=Source("record", "keras", optimizer_class=type(self.model.optimizer).__name__),
                **self._options)
            self._points = grid_points(self._recorder.extent, self._recorder.grid_resolution)
        recorder = self._recorder
        self._layers = self.layers()
        self._rate = learning_rate(self.model.optimizer)
        self._grid = (probabilities(self._predict(self._points), self.outputs)
                      if recorder.keeps(recorder.epochs_recorded) else None)
        self._accuracy = (None if self._logs_accuracy else
                          book_accuracy(self._predict(recorder.X), recorder.y))

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if "loss" not in logs:
            raise UserError(f"fit's logs have no loss at epoch {epoch} (they have: {', '.join(logs) or 'nothing'})")
        found = [key for key in ACCURACY_LOGS if key in logs]
        self._logs_accuracy = bool(found)
        accuracy = _shortest(logs[found[0]]) if found else self._accuracy
        self._rates.append(self._rate)
        self._recorder.epoch(float(logs["loss"]), accuracy, self._rate, self._layers)

    def on_train_end(self, logs=None):
        if self._recorder is not None and self._recorder.epochs_recorded:
            self.finish()

    def finish(self, *, interrupted=False):
        """The :class:`~animator.recording.Recording` of the epochs recorded (``fit`` calls it when it ends)."""
        if self._recorder is None:
            raise UserError("RecordingCallback has recorded nothing yet: pass it to model.fit(callbacks=[...])")
        self._recorder.optimizer = follows_schedule(self.described, self._rates).spec
        self.recording = self._recorder.finish(layers=self.layers(), interrupted=interrupted)
        return self.recording

    def layers(self):
        """The Dense layers' ``(kernel (in, out), bias (1, out))`` now, as float64 numpy copies."""
        out = []
        for layer in self.dense:
            kernel = np.array(keras.ops.convert_to_numpy(layer.kernel), dtype=np.float64)
            bias = (np.array(keras.ops.convert_to_numpy(layer.bias), dtype=np.float64) if layer.bias is not None
                    else np.zeros(kernel.shape[1]))
            out.append((kernel, bias.reshape(1, -1)))
        return out

    # -- the model, asked without changing it -------------------------------------------------
    def _predict(self, points):
        with _untouched_random():
            outputs = self.model.predict_on_batch(np.asarray(points, dtype=np.float32))
        if isinstance(outputs, (list, tuple)):
            raise UserError("the model must have one output (class scores for each point)")
        return np.asarray(outputs, dtype=np.float64)

    def _stashed(self, points):
        """The regions the epoch started with (the Recorder asks once the epoch has ended and the weights moved)."""
        return self._grid


def dense_layers(model):
    """The model's ``Dense`` layers, nested models included, in order (one-line error if there are none)."""
    found = []

    def walk(layer):
        if isinstance(layer, keras.layers.Dense):
            found.append(layer)
        for inner in getattr(layer, "layers", ()) or ():
            walk(inner)

    for layer in model.layers:
        walk(layer)
    if not found:
        raise UserError(f"model has no keras.layers.Dense layer to record ({type(model).__name__})")
    if not all(layer.built for layer in found):
        raise UserError("model is not built: give it an Input (or build it) before fit")
    return found


def learning_rate(optimizer):
    """The learning rate the optimizer's next step uses (a schedule evaluated at its iterations)."""
    return _shortest(np.asarray(keras.ops.convert_to_numpy(optimizer.learning_rate)))


def book_optimizer(optimizer):
    """How a Keras optimizer is recorded: ``.spec``, the book's optimizer or a custom one, and ``.note``.

    - ``SGD(learning_rate, momentum)`` is the book's SGD, formula and all (the buffer
      is ``momentum * m - lr * g``), and an ``InverseTimeDecay`` schedule (not staircase)
      is the book's decay, ``decay_rate / decay_steps``;
    - Keras's ``Adam`` adds epsilon to the root of the uncorrected cache (the book:
      of the corrected one), ``RMSprop`` and ``Adagrad`` add it inside the square root
      (the book: outside), and Adagrad's cache starts at ``initial_accumulator_value``
      (the book's at 0): these, and anything with ``weight_decay`` (shrinks the
      weights, not the book's decay of the learning rate), Nesterov, clipping, EMA,
      gradient accumulation or another schedule, are custom optimizers named by class.
    """
    config = optimizer.get_config()
    name = type(optimizer).__name__
    label = f"keras {name}"
    rate, decay, schedule = _rate(config.get("learning_rate"))
    numbers = {"lr": rate, **({"decay": decay} if decay else {}),
               **{BOOK_NAMES.get(k, k): _shortest(v) for k, v in config.items()
                  if k not in IGNORED and (config.get("use_ema") or not k.startswith("ema_"))
                  and isinstance(v, (int, float)) and not isinstance(v, bool) and v}}
    why = []
    if schedule:
        why.append(f"its learning rate follows {schedule}")
    if config.get("weight_decay"):
        why.append("weight_decay shrinks the weights (the book's decay lowers the learning rate)")
    for key in ("clipnorm", "clipvalue", "global_clipnorm"):
        if config.get(key):
            why.append(f"{key} clips the gradients")
    if config.get("use_ema"):
        why.append("use_ema averages the weights")
    if config.get("gradient_accumulation_steps"):
        why.append("it accumulates gradients over several steps")
    if isinstance(optimizer, keras.optimizers.SGD):
        if config.get("nesterov"):
            why.append("Nesterov momentum")
        if not why:
            return book(SGD, {"lr": rate, "decay": decay, "momentum": config.get("momentum", 0.0)})
    elif isinstance(optimizer, keras.optimizers.Adam):
        why.append("Keras adds epsilon to the root of the uncorrected cache (the book: of the corrected cache)")
    elif isinstance(optimizer, (keras.optimizers.RMSprop, keras.optimizers.Adagrad)):
        why.append("Keras adds epsilon inside the square root (the book: outside)")
        if isinstance(optimizer, keras.optimizers.Adagrad) and config.get("initial_accumulator_value"):
            why.append("its cache starts at initial_accumulator_value (the book's at 0)")
    else:
        why.append(f"{name} is not one of the book's optimizers")
    note = "; ".join(why)
    log.info("%s is recorded as a custom optimizer: %s", label, note)
    return custom(label, numbers, note)


def _rate(value):
    """``(initial learning rate, the book's decay, what other schedule)`` from a config's ``learning_rate``."""
    if isinstance(value, dict):
        kind, settings = value.get("class_name"), value.get("config", {})
        if kind == "InverseTimeDecay" and not settings.get("staircase"):
            return (_shortest(settings["initial_learning_rate"]),
                    _shortest(settings["decay_rate"]) / _shortest(settings["decay_steps"]), None)
        return _shortest(settings.get("initial_learning_rate", float("nan"))), 0.0, f"a {kind} schedule"
    return _shortest(value), 0.0, None


def _shortest(value):
    """A float32 setting or metric as the number it was written as (0.02, not 0.019999999552965164)."""
    value = float(value)
    single = np.float32(value)
    return float(str(single)) if np.isfinite(single) and float(single) == value else value


@contextlib.contextmanager
def _untouched_random():
    """torch's random state kept as it was (the torch backend); inference draws nothing on the others."""
    if keras.backend.backend() == "torch":
        import torch

        with torch.random.fork_rng(devices=[]):
            yield
    else:
        yield
