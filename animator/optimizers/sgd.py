"""SGD, optionally with the book's momentum: the buffer holds ``momentum * m - lr * g`` and is the update."""

from .base import DECAY, Hyperparameter, Identity, Optimizer, learning_rate, register, unit_interval


@register
class SGD(Optimizer):
    """Stochastic gradient descent, optionally with the book's momentum.

    Without momentum the update is ``-lr * g``; with it the buffer becomes
    ``momentum * m - lr * g`` and that buffer is the update.
    Defaults: learning rate 1.0, no decay, no momentum.
    """

    name = "sgd"
    title = "SGD"
    HYPERPARAMETERS = (learning_rate(1.0), DECAY,
                       Hyperparameter("momentum", "momentum", 0.0, unit_interval("Invalid momentum value"),
                                      "momentum in [0, 1); 0 is none"))
    state_slots = ("momentums",)
    # plain SGD is the page's ink, the baseline every other line is read against; with momentum it is a
    # variant of its own (wine, squares, dash-dots) wherever it appears, whatever its learning rate
    IDENTITY = Identity("SGD", "#000000", "#FFFFFF", "o", "solid")
    VARIANTS = (("momentum", Identity("SGD with momentum", "#882255", "#DD55FF", "s", "dashdot")),)

    @property
    def slots(self):
        return self.state_slots if self.momentum else ()

    def _delta(self, grad, slots, lr, t):
        if self.momentum:
            (momentums,) = slots
            update = self.momentum * momentums - lr * grad
            return update, (update,)
        return -lr * grad, ()

    def mistaken(self, grad, slots, lr, t, *, momentum_sign=1.0, keep_momentum=True):
        """Switches: ``momentum_sign=-1`` adds the momentum term with the wrong sign;
        ``keep_momentum=False`` never stores the new buffer."""
        if not self.momentum:
            return -lr * grad, {}
        update = momentum_sign * self.momentum * slots["momentums"] - lr * grad
        return update, {"momentums": update if keep_momentum else slots["momentums"]}


Optimizer_SGD = SGD       # the book's name
