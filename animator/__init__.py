"""animator: the optimizers of "Neural Networks from Scratch" Chapter 10, trained exactly and animated."""

__version__ = "0.1.0"

from .datasets import circles, gaussians, load_csv, make_dataset, moons, spiral, vertical, xor
from .errors import UserError
from .layers import (Activation_ReLU, Activation_Softmax, Activation_Softmax_Loss_CategoricalCrossentropy,
                     CategoricalCrossentropy, Dense, Layer_Dense, Loss_CategoricalCrossentropy, ReLU,
                     Softmax, SoftmaxCrossEntropy, book_dot)
from .network import Network, predict_proba
from .optimizers import (SGD, Adagrad, Adam, Optimizer, Optimizer_Adagrad, Optimizer_Adam,
                         Optimizer_RMSprop, Optimizer_SGD, RMSprop, State, make_optimizer)
from .recording import Recording
from .rng import make_rng
from .run import RunConfig, build, train
from .schedules import inverse_time_decay
from .sweep import Sweep, SweepResult, make_sweep, run_sweep
from .trainer import Trainer, TrainingResult
