"""What the torch and Keras adapters share: a model's outputs as class probabilities, and the honest optimizer.

A model may end in logits, in probabilities (a softmax layer) or in log-probabilities
(``LogSoftmax`` for ``NLLLoss``); the Recording stores probabilities.
"""

import logging

import numpy as np

from ..errors import UserError
from ..optimizers import OptimizerSpec
from ..source import CustomOptimizer, custom_optimizer

OUTPUTS = ("auto", "logits", "probabilities", "log_probabilities")
log = logging.getLogger("animator.adapters")


def check_outputs(outputs):
    if outputs not in OUTPUTS:
        raise UserError(f"outputs must be one of {', '.join(OUTPUTS)} (got {outputs!r})")
    return outputs


def probabilities(values, outputs="auto"):
    """Class probabilities (m, classes) from a model's outputs, read as ``outputs`` says.

    ``auto``: rows of numbers in [0, 1] summing to 1 are probabilities, rows of
    numbers at most 0 whose exponentials sum to 1 are log-probabilities, anything
    else is logits (a softmax makes them probabilities).
    """
    values = np.asarray(values, dtype=np.float64)
    if values.ndim != 2:
        raise UserError(f"the model's output must be (points, classes) (got shape {values.shape})")
    if outputs == "auto":
        outputs = _kind(values)
    if outputs == "probabilities":
        return values
    if outputs == "log_probabilities":
        return np.exp(values)
    shifted = np.exp(values - values.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


def _kind(values):
    with np.errstate(all="ignore"):
        if not np.isfinite(values).all():
            return "logits"
        if values.min() >= 0 and values.max() <= 1 and np.allclose(values.sum(axis=1), 1, atol=1e-3):
            return "probabilities"
        if values.max() <= 0 and np.allclose(np.exp(values).sum(axis=1), 1, atol=1e-3):
            return "log_probabilities"
    return "logits"


def accuracy(values, labels):
    """The book's accuracy: the share of rows whose largest output is the label's."""
    values = np.asarray(values)
    if values.ndim != 2 or len(values) != len(labels):
        raise UserError(f"output must be the model's output for all {len(labels)} training points, "
                        f"(points, classes) (got shape {values.shape}); or pass accuracy=")
    return float(np.mean(values.argmax(axis=1) == labels))


class Described:
    """How a framework's optimizer is recorded: ``spec`` and ``note``, the reason where it is not the book's."""

    def __init__(self, spec, note=None):
        self.spec, self.note = spec, note

    def __repr__(self):
        return f"Described({self.spec!r}, {self.note!r})"


def book(cls, settings, note=None):
    """The book's optimizer ``cls`` with ``settings`` (short names); ``note`` says what else is worth knowing."""
    return Described(OptimizerSpec(cls.name, {k: float(v) for k, v in settings.items()}), note)


def custom(label, settings, note):
    """A custom optimizer named ``label``, with its numeric ``settings``, and why it is not the book's."""
    numbers = {k: float(v) for k, v in settings.items()
               if isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)
               and np.isfinite(float(v))}
    return Described(custom_optimizer(label, dict(list(numbers.items())[:16])), note)


def follows_schedule(described, rates):
    """``described``, or a custom optimizer if the learning rates recorded are not its schedule's.

    A learning-rate scheduler the loop stepped changes the rate; the book's
    optimizers know only their own decay, so such a run is not theirs.
    """
    spec = described.spec
    if not rates or isinstance(spec, CustomOptimizer):
        return described
    optimizer = spec.build()
    expected = np.array([optimizer.learning_rate_at(step) for step in range(len(rates))])
    if np.allclose(np.asarray(rates, dtype=np.float64), expected, rtol=1e-6, atol=0):
        return described
    note = (f"its learning rate changed from {rates[0]:g} to {rates[-1]:g} by a schedule that is not "
            f"{spec.title}'s own")
    log.info("recorded as a custom optimizer: %s", note)
    return Described(custom_optimizer(f"{spec.title} with a schedule", dict(spec.hyperparameters)), note)
