"""The optimizers, one module each, chosen by name from one registry (:data:`OPTIMIZERS`).

Differences from optax/PyTorch/Keras that are the book's on purpose: the SGD
momentum buffer holds ``momentum * m - lr * g`` (the update itself); the AdaGrad
cache starts at zero; epsilon is added outside the square root; Adam corrects
its moments with ``iterations + 1``.  To add an optimizer, add one module here
declaring what :class:`~animator.optimizers.base.Optimizer` lists, import it
below, and give it its hand-worked tests; the contract tests run over it.
"""

from .base import (LINE_STYLES, MARKERS, OPTIMIZERS, Hyperparameter, Identity, Optimizer, State, book_arguments,
                   hyperparameter_names, identities, optimizer_class, register, state_slot_names, takers)
from .spec import OptimizerSpec, make_optimizer
from .sgd import SGD, Optimizer_SGD
from .adagrad import Adagrad, Optimizer_Adagrad
from .rmsprop import RMSprop, Optimizer_RMSprop
from .adam import Adam, Optimizer_Adam

DEFAULT = SGD.name      # the chapter's first optimizer, what a run uses unless told
