"""animator: the optimizers of "Neural Networks from Scratch" Chapter 10, trained exactly and animated."""

__version__ = "0.1.0"

from .lazy import exports

__getattr__, __dir__, __all__ = exports(__name__, {
    ".datasets": ("circles", "gaussians", "load_csv", "make_dataset", "moons", "spiral", "vertical", "xor"),
    ".errors": ("UserError",),
    ".layers": ("Activation_ReLU", "Activation_Softmax", "Activation_Softmax_Loss_CategoricalCrossentropy",
                "CategoricalCrossentropy", "Dense", "Layer_Dense", "Loss_CategoricalCrossentropy", "ReLU",
                "Softmax", "SoftmaxCrossEntropy", "book_dot"),
    ".network": ("Network", "predict_proba"),
    ".optimizers": ("SGD", "Adagrad", "Adam", "Optimizer", "Optimizer_Adagrad", "Optimizer_Adam",
                    "Optimizer_RMSprop", "Optimizer_SGD", "RMSprop", "State", "make_optimizer"),
    ".recording": ("Recording",),
    ".rng": ("make_rng",),
    ".run": ("RunConfig", "build", "train"),
    ".schedules": ("inverse_time_decay",),
    ".sweep": ("Sweep", "SweepResult", "make_sweep", "run_sweep"),
    ".trainer": ("Trainer", "TrainingResult"),
})
