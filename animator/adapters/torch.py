"""Record a PyTorch model's training: its ``nn.Linear`` layers, its loss and accuracy, the optimizer's learning rate.

>>> recorder = TorchRecorder(model, X, y, optimizer, epochs=1000)       # doctest: +SKIP
>>> for epoch in range(1001):
...     optimizer.zero_grad()
...     output = model(X)
...     loss = loss_function(output, y)
...     recorder.epoch(loss, output)              # after the forward pass, before optimizer.step()
...     loss.backward()
...     optimizer.step()
>>> recording = recorder.finish()                 # save, render, race or snapshot it

Weights are kept as the book keeps them, ``(inputs, outputs)`` (torch stores
``Linear.weight`` transposed), biases as ``(1, outputs)``.  The decision regions are
the model's own predictions on the grid, made in eval mode under ``no_grad``, the
model's training flags restored and torch's random state untouched, so recording
changes nothing in the training.  The optimizer is described by :func:`book_optimizer`.
"""

try:
    import torch
except ImportError as error:                      # pragma: no cover - the message is the point
    raise ImportError(f"the PyTorch adapter needs torch: pip install -e '.[torch]' ({error})") from None
import numpy as np

from ..errors import UserError
from ..optimizers import Adagrad, Adam, RMSprop, SGD
from ..recorder import Recorder
from ..source import Source
from .common import accuracy as book_accuracy, book, check_outputs, custom, follows_schedule, log, probabilities

__all__ = ["TorchRecorder", "book_optimizer", "linear_layers"]


class TorchRecorder:
    """Records a PyTorch training loop; call :meth:`epoch` once an epoch, then :meth:`finish`.

    ``model`` is the ``nn.Module`` trained, ``X`` (n, 2) and ``y`` (n,) its
    training data (tensors or arrays), ``optimizer`` its ``torch.optim`` optimizer
    (the learning rate is read from its ``param_groups``). ``outputs`` says what the
    model returns: ``logits``, ``probabilities``, ``log_probabilities``, or ``auto``
    (told apart by their values). Other keywords go to
    :class:`~animator.recorder.Recorder`: ``epochs`` (the last epoch, for exactly
    ``animator train``'s frames), ``frames``, ``grid_resolution``, ``dataset`` ...

    Also a context manager: leaving it finishes the recording (:attr:`recording`),
    and a Ctrl-C inside it ends the loop keeping the finished epochs.
    """

    def __init__(self, model, X, y, optimizer, *, outputs="auto", **options):
        if not isinstance(model, torch.nn.Module):
            raise UserError(f"model must be a torch.nn.Module (got {type(model).__name__})")
        if not isinstance(optimizer, torch.optim.Optimizer):
            raise UserError(f"optimizer must be a torch.optim optimizer (got {type(optimizer).__name__})")
        self.model, self.optimizer, self.outputs = model, optimizer, check_outputs(outputs)
        self.linears = linear_layers(model)
        self.described = book_optimizer(optimizer)
        self._recorder = Recorder(X, y, self._predict, optimizer=self.described.spec,
                                  source=Source("record", "torch", optimizer_class=type(optimizer).__name__),
                                  **options)
        self._data = X
        self._rates = []
        self.recording = None

    def __repr__(self):
        return (f"TorchRecorder({type(self.model).__name__}, {len(self.linears)} Linear layers, "
                f"{self._recorder.epochs_recorded} epochs)")

    @property
    def recorder(self):
        """The :class:`~animator.recorder.Recorder` underneath (``keeps(epoch)``, ``diverged``, ...)."""
        return self._recorder

    def epoch(self, loss, output=None, *, accuracy=None):
        """Record this epoch: ``loss`` (a tensor or number) and the model's ``output`` for all of ``X``.

        Call it after the forward pass and before ``optimizer.step()``: the weights
        recorded are those the loss was computed with. The accuracy is the book's,
        from ``output``; pass ``accuracy=`` instead if you compute your own, or
        neither, and the model is asked (eval mode, one more forward pass).
        """
        if accuracy is None:
            values = output if output is not None else self._outputs(self._data)
            accuracy = book_accuracy(_array(values), self._recorder.y)
        rate = learning_rate(self.optimizer)
        self._rates.append(rate)
        loss = float(loss.detach()) if isinstance(loss, torch.Tensor) else loss
        self._recorder.epoch(loss, accuracy, rate, self.layers())

    def layers(self):
        """The Linear layers' ``(weights (in, out), biases (1, out))`` now, as float64 numpy copies."""
        out = []
        for layer in self.linears:
            weights = _array(layer.weight).T
            biases = (_array(layer.bias) if layer.bias is not None
                      else np.zeros(layer.out_features)).reshape(1, -1)
            out.append((weights, biases))
        return out

    def finish(self, *, interrupted=False):
        """The :class:`~animator.recording.Recording`; the model's weights now give the last epoch's update."""
        self._recorder.optimizer = follows_schedule(self.described, self._rates).spec
        self.recording = self._recorder.finish(layers=self.layers(), interrupted=interrupted)
        return self.recording

    def __enter__(self):
        return self

    def __exit__(self, kind, value, traceback):
        if kind is None or kind is KeyboardInterrupt:
            if self._recorder.epochs_recorded or kind is None:
                self.finish(interrupted=kind is KeyboardInterrupt)
            if kind is KeyboardInterrupt:
                log.warning("interrupted: the recording keeps the %d finished epochs", self._recorder.epochs_recorded)
            return kind is KeyboardInterrupt
        return False

    # -- the model, untouched -----------------------------------------------------------------
    def _outputs(self, inputs):
        """The model's outputs for ``inputs`` in eval mode, without gradients or random draws, modes restored."""
        modes = [(module, module.training) for module in self.model.modules()]
        first = next(self.model.parameters())
        try:
            with torch.random.fork_rng(devices=[]), torch.no_grad():
                self.model.eval()
                return self.model(torch.as_tensor(np.asarray(inputs) if not isinstance(inputs, torch.Tensor)
                                                  else inputs, dtype=first.dtype, device=first.device))
        finally:
            for module, mode in modes:
                module.training = mode

    def _predict(self, points):
        return probabilities(_array(self._outputs(points)), self.outputs)


def linear_layers(model):
    """The model's ``nn.Linear`` layers in the order they were registered (one-line error if there are none)."""
    layers = [module for module in model.modules() if isinstance(module, torch.nn.Linear)]
    if not layers:
        raise UserError(f"model has no torch.nn.Linear layer to record ({type(model).__name__})")
    for layer in layers:
        if isinstance(layer.weight, torch.nn.parameter.UninitializedParameter):
            raise UserError("model has a LazyLinear layer not yet initialised: run one forward pass first")
    return layers


def learning_rate(optimizer):
    """The learning rate the next step uses: the first param group's ``lr``, with Adagrad's ``lr_decay`` applied."""
    group = optimizer.param_groups[0]
    rate = float(group["lr"])
    if isinstance(optimizer, torch.optim.Adagrad) and group.get("lr_decay"):
        state = optimizer.state.get(group["params"][0], {})
        steps = float(state["step"]) if "step" in state else 0.0
        rate = rate / (1 + steps * float(group["lr_decay"]))
    return rate


def book_optimizer(optimizer):
    """How a ``torch.optim`` optimizer is recorded: ``.spec``, the book's optimizer or a custom one, and ``.note``.

    - ``SGD(lr, momentum)`` is the book's SGD: torch keeps ``momentum * b + g`` and
      steps ``-lr * b``, the book keeps the step itself, the same with a constant rate;
    - ``Adagrad(lr, lr_decay, eps)`` is the book's AdaGrad with ``decay = lr_decay``
      (``initial_accumulator_value`` must be 0: the book's cache starts at 0);
    - ``RMSprop(lr, alpha, eps)`` is the book's RMSProp: torch's ``alpha`` is the book's ``rho``;
    - ``Adam(lr, betas, eps)`` is the book's Adam: epsilon is added to the root of
      the corrected cache in both (torch's defaults differ: eps 1e-8, the book's 1e-7).

    Anything else is a custom optimizer named by its class: ``weight_decay`` (an L2
    term in the gradient, not the book's learning-rate decay), Nesterov, dampening,
    RMSprop's momentum or ``centered``, AMSGrad, ``maximize``, param groups with
    different settings, and every other class (AdamW, NAdam, ...).
    """
    groups = optimizer.param_groups
    settings = {k: v for k, v in groups[0].items() if k != "params"}
    name = type(optimizer).__name__
    label = f"torch {name}"
    numbers = _numbers(settings)
    if any({k: v for k, v in g.items() if k != "params"} != settings for g in groups[1:]):
        return _custom(label, numbers, "its param groups have different settings")
    why = []
    if settings.get("weight_decay"):
        why.append("weight_decay adds an L2 term to the gradient (the book's decay lowers the learning rate)")
    if settings.get("maximize"):
        why.append("it maximizes")
    lr = float(settings["lr"])
    kind = type(optimizer)
    if kind is torch.optim.SGD:
        momentum = float(settings.get("momentum", 0))
        if momentum and settings.get("nesterov"):
            why.append("Nesterov momentum")
        if momentum and settings.get("dampening"):
            why.append("dampening scales the gradient in the momentum buffer")
        return _custom(label, numbers, *why) if why else book(SGD, {"lr": lr, "momentum": momentum})
    if kind is torch.optim.Adagrad:
        if settings.get("initial_accumulator_value"):
            why.append("its cache starts at initial_accumulator_value (the book's at 0)")
        return _custom(label, numbers, *why) if why else book(
            Adagrad, {"lr": lr, "decay": settings.get("lr_decay", 0), "epsilon": settings["eps"]})
    if kind is torch.optim.RMSprop:
        if settings.get("momentum"):
            why.append("momentum on the scaled step")
        if settings.get("centered"):
            why.append("centered (the cache minus the mean gradient squared)")
        return _custom(label, numbers, *why) if why else book(
            RMSprop, {"lr": lr, "rho": settings["alpha"], "epsilon": settings["eps"]},
            "torch's alpha is the book's rho")
    if kind is torch.optim.Adam:
        if settings.get("amsgrad"):
            why.append("AMSGrad keeps the largest cache")
        beta1, beta2 = settings["betas"]
        return _custom(label, numbers, *why) if why else book(
            Adam, {"lr": lr, "beta1": beta1, "beta2": beta2, "epsilon": settings["eps"]})
    return _custom(label, numbers, f"{name} is not one of the book's optimizers")


def _custom(label, numbers, *why):
    note = "; ".join(why)
    log.info("%s is recorded as a custom optimizer: %s", label, note)
    return custom(label, numbers, note)


def _numbers(settings):
    """The numeric settings of a param group, by the book's names where it has them (``betas`` -> beta1, beta2)."""
    out = {"lr": float(settings["lr"])}
    for key, value in settings.items():
        if key == "betas":
            out["beta1"], out["beta2"] = (float(b) for b in value)
        elif key == "eps":
            out["epsilon"] = value
        elif key not in ("lr",) and not isinstance(value, bool) and isinstance(value, (int, float)) and value:
            out[key] = value
    return out


def _array(value):
    """A tensor's values as a float64 numpy array (detached, on the CPU); numbers pass through numpy."""
    if isinstance(value, torch.Tensor):
        return value.detach().to("cpu", torch.float64).numpy()
    return np.asarray(value, dtype=np.float64)
