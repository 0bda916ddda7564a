"""One run from start to finish: a :class:`RunConfig` in, a :class:`Recording` out.

>>> from animator import RunConfig, train
>>> recording = train(RunConfig(optimizer="sgd", hyperparameters={"decay": 1e-2}))  # doctest: +SKIP
"""

import platform
from dataclasses import asdict, dataclass, field

import numpy as np

from .datasets import load_csv, make_dataset
from .errors import UserError
from .frames import decision_grid, frame_epochs, grid_extent
from .network import Network
from .optimizers import make_optimizer
from .recording import FORMAT, FORMAT_VERSION, Recording
from .rng import make_rng
from .trainer import Trainer

MAX_GRID_RESOLUTION = 2000


@dataclass(frozen=True)
class RunConfig:
    """Everything that defines a run; the defaults are the chapter's.

    ``seed=None`` is book mode: the book's random stream and draw order.
    ``hyperparameters`` use the CLI names (``lr``, ``decay``, ``momentum``,
    ``epsilon``, ``rho``, ``beta1``, ``beta2``); unset ones take the book's defaults.
    """

    dataset: str = "spiral"
    samples: int = 100
    classes: int = 3
    data_file: str = None
    hidden: tuple = (64,)
    optimizer: str = "sgd"
    hyperparameters: dict = field(default_factory=dict)
    epochs: int = 10000
    seed: int = None
    frames: int = 200
    frame_spacing: str = "linear"
    every: int = None
    grid_resolution: int = 160
    grid_padding: float = 0.1

    @property
    def mode(self):
        return "book" if self.seed is None else "seeded"


def build(config):
    """Draw the data and the network and make the optimizer, in the book's order."""
    if config.epochs < 0:
        raise UserError(f"--epochs must be 0 or more (got {config.epochs})")
    if not config.hidden or any(h < 1 for h in config.hidden):
        raise UserError(f"--hidden sizes must be positive (got {','.join(map(str, config.hidden))})")
    if not 2 <= config.grid_resolution <= MAX_GRID_RESOLUTION:
        raise UserError(f"--grid must be between 2 and {MAX_GRID_RESOLUTION} (got {config.grid_resolution})")
    if not 0 <= config.grid_padding <= 10:
        raise UserError(f"--grid-padding must be between 0 and 10 (got {config.grid_padding})")
    try:
        optimizer = make_optimizer(config.optimizer, **config.hyperparameters)
    except ValueError as error:
        raise UserError(str(error)) from None
    rng = make_rng(config.seed)
    if config.data_file is not None:
        X, y = load_csv(config.data_file)
    else:
        X, y = make_dataset(config.dataset, config.samples, config.classes, rng=rng)
    classes = int(y.max()) + 1
    network = Network(X.shape[1], config.hidden, classes, rng=rng)
    return X, y, network, optimizer


def train(config=RunConfig(), *, on_epoch=None):
    """Train as ``config`` says and return the :class:`Recording` (divergence and Ctrl-C included)."""
    X, y, network, optimizer = build(config)
    # validate frame options before spending time on training
    frame_epochs(config.epochs, frames=config.frames, spacing=config.frame_spacing, every=config.every)
    result = Trainer(network, optimizer, X, y).run(config.epochs, on_epoch=on_epoch)
    return make_recording(config, X, y, network, optimizer, result)


def make_recording(config, X, y, network, optimizer, result):
    columns = result.columns
    recorded = result.epochs_recorded
    frames = frame_epochs(recorded - 1, frames=config.frames, spacing=config.frame_spacing, every=config.every)
    n_layers = len(network.dense)
    weights = [[columns[f"dense{i}.weights"][e] for i in range(1, n_layers + 1)] for e in frames]
    biases = [[columns[f"dense{i}.biases"][e] for i in range(1, n_layers + 1)] for e in frames]
    extent = grid_extent(X, config.grid_padding)
    arrays = dict(columns)
    arrays.update(X=X, y=y, frame_epochs=frames, grid_extent=extent,
                  grid_probs=decision_grid(weights, biases, extent, config.grid_resolution))
    classes = int(y.max()) + 1
    spec = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "mode": config.mode,
        "seed": config.seed,
        "dataset": {"name": "csv" if config.data_file else config.dataset,
                    "file": config.data_file, "samples": int(len(X)), "classes": classes},
        "architecture": {"inputs": int(X.shape[1]), "hidden": list(config.hidden), "classes": classes,
                         "layers": [repr(d) for d in network.dense],
                         "activation": "ReLU", "output": "Softmax + categorical cross-entropy"},
        "optimizer": {"name": optimizer.name, "hyperparameters": optimizer.hyperparameters()},
        "epochs": config.epochs,
        "frames": {"count": config.frames, "spacing": config.frame_spacing, "every": config.every},
        "grid": {"resolution": config.grid_resolution, "padding": config.grid_padding},
        "config": _jsonable(asdict(config)),
        "status": {"epochs_recorded": recorded, "diverged_at": result.diverged_at,
                   "divergence_cause": result.divergence_cause,
                   "divergence_learning_rate": result.divergence_learning_rate, "interrupted": result.interrupted},
        "versions": versions(),
    }
    return Recording(spec, arrays)


def versions():
    from . import __version__

    return {"animator": __version__, "numpy": np.__version__, "python": platform.python_version()}


def _jsonable(value):
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value
