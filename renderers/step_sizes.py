"""Adaptive optimizers' per-parameter step sizes, the thing that sets them apart, from a Recording's state.

AdaGrad, RMSProp and Adam divide each parameter's step by the root of its own
cache of squared gradients: a parameter whose gradients have been large takes
small steps, one whose gradients have been small takes large ones.  The
*effective step size* of a parameter at an epoch is ``lr_t / (sqrt(cache) +
epsilon)`` (with Adam's bias-corrected cache), the factor its gradient (or
Adam's momentum) is multiplied by.  :func:`effective_steps` computes it for
every weight and bias from the optimizer state a Recording keeps at its frame
epochs; :class:`renderers.training.TrainingAnimation` shows it as a third bar
under each layer's weights and update (``--show step-sizes``).

Which optimizers have such a cache is asked of the optimizer registry: each
declares the state slot whose root divides its steps (``step_size_slot``),
and a bias-corrected one by counting steps; no optimizer is named here.
"""

import numpy as np

from animator.errors import UserError
from animator.optimizers import OPTIMIZERS

LEVELS = 33          # colours of the step-size scale, smallest to largest (log-spaced)
SCALE_MAP = "viridis"   # perceptually even and colour-blind safe, on light and dark pages alike


def adaptive(spec):
    """True if the optimizer of ``spec`` (an :class:`~animator.optimizers.OptimizerSpec`) keeps a cache."""
    return _slot(spec) is not None


def _slot(spec):
    """The state slot whose root divides each parameter's step, as the optimizer declares it (None: none)."""
    return getattr(OPTIMIZERS.get(spec.name), "step_size_slot", None)


def effective_steps(recording, matrix):
    """Per layer, ``lr_t / (sqrt(cache) + epsilon)`` for every parameter at each of the layer arrays' epochs.

    ``matrix(weights, biases)`` arranges a layer's arrays as the bars show them.
    A :class:`UserError` for a run whose optimizer keeps no cache (SGD), or whose
    Recording does not hold it.
    """
    spec = recording.spec.optimizer
    if not adaptive(spec):
        raise UserError(f"--show step-sizes is for optimizers that keep a cache of squared gradients "
                        f"(each parameter's own step size); this run's {spec.name} has one step size for all")
    cls, hyper, slot = OPTIMIZERS[spec.name], spec.complete(), _slot(spec)
    epochs = np.asarray(recording.param_epochs)
    rates = np.asarray(recording.learning_rate, dtype=np.float64)[[recording.row(int(e)) for e in epochs]]
    steps = []
    for index in range(1, recording.n_layers + 1):
        layer = recording.layer(index)
        if f"weight_{slot}" not in layer or f"bias_{slot}" not in layer:
            raise UserError("this Recording holds no optimizer cache (saved without the optimizer's state)")
        cache = matrix(layer[f"weight_{slot}"], layer[f"bias_{slot}"]).astype(np.float64)
        if cls.counts_steps and "beta2" in hyper:       # a bias-corrected cache: t + 1 updates so far
            cache = cache / (1 - float(hyper["beta2"]) ** (epochs + 1.0))[:, None, None]
        with np.errstate(invalid="ignore", over="ignore"):
            steps.append(rates[:, None, None] / (np.sqrt(cache) + float(hyper["epsilon"])))
    return steps


SPREAD = (0.01, 0.99)    # the scale spans these quantiles: a dead unit's empty cache (a step of lr / epsilon) saturates


def log_range(steps):
    """``(low, high)`` of log10 of the step sizes of every layer and epoch: one scale for the whole run.

    From the 1st to the 99th percentile of the finite positive ones, so that
    the few parameters whose gradient was always 0 (a step of ``lr / epsilon``)
    do not squeeze every other into one colour; they show at the top colour.
    """
    values = np.concatenate([s[np.isfinite(s) & (s > 0)].ravel() for s in steps])
    if not values.size:
        return -1.0, 0.0
    low, high = (float(v) for v in np.log10(np.quantile(values, SPREAD)))
    return (low, high) if high > low else (low - 0.5, high + 0.5)


def scale_lut():
    """(LEVELS, 3) uint8 colours of the step-size scale."""
    import matplotlib   # here: the command line imports this module before anything draws

    return np.rint(matplotlib.colormaps[SCALE_MAP](np.linspace(0, 1, LEVELS))[:, :3] * 255).astype(np.uint8)


def levels(step, low, high):
    """The scale level (0 .. LEVELS - 1) of each step size in ``step`` on the run's log scale ``low..high``."""
    with np.errstate(divide="ignore", invalid="ignore"):
        where = (np.log10(step) - low) / (high - low)
    return np.clip(np.rint(np.nan_to_num(where, nan=0.0, posinf=1.0, neginf=0.0) * (LEVELS - 1)), 0,
                   LEVELS - 1).astype(np.intp)
