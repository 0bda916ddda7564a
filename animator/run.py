"""One run from start to finish: a :class:`RunConfig` in, a :class:`Recording` out.

>>> from animator import RunConfig, train
>>> recording = train(RunConfig(optimizer="sgd", hyperparameters={"decay": 1e-2}))  # doctest: +SKIP
"""

import os
from dataclasses import asdict, replace

import numpy as np

from .datasets import load_csv, make_dataset
from .errors import ArgumentError, UserError
from .frames import decision_grid, frame_count, frame_epochs, grid_extent
from .grids_ahead import GridsAhead
from .network import Network
from .optimizers import OPTIMIZERS, make_optimizer
from .plain import plain
from .recording import Recording
from .rng import make_rng
from .run_spec import MAX_GRID_RESOLUTION, RECORD, Architecture, Dataset, RunConfig, RunSpec, Status
from .threads import one_blas_thread
from .trainer import Trainer
from .versions import run_versions as versions   # a Recording's; sweeps import it from here too


def check(config):
    """Refuse bad values and runs too big for this machine, before any work; see :func:`estimate_bytes`."""
    if config.epochs < 0:
        raise ArgumentError("epochs", f"must be 0 or more (got {config.epochs})")
    if not config.hidden or any(h < 1 for h in config.hidden):
        raise ArgumentError("hidden", f"sizes must be positive (got {','.join(map(str, config.hidden))})")
    if not 2 <= config.grid_resolution <= MAX_GRID_RESOLUTION:
        raise ArgumentError("grid_resolution",
                            f"must be between 2 and {MAX_GRID_RESOLUTION} (got {config.grid_resolution})")
    if not 0 <= config.grid_padding <= 10:
        raise ArgumentError("grid_padding", f"must be between 0 and 10 (got {config.grid_padding})")
    if config.record not in RECORD:
        raise ArgumentError("record", f"must be {' or '.join(RECORD)} (got {config.record!r})")
    # validates frames, every and frame_spacing without building the list
    frame_count(config.epochs, frames=config.frames, spacing=config.frame_spacing, every=config.every)
    if config.data_file is None:
        if config.samples < 1:
            raise ArgumentError("samples", f"must be at least 1 (got {config.samples})")
        if config.classes < 2:
            raise ArgumentError("classes", f"must be at least 2 (got {config.classes})")
        check_memory(config)


def build(config, *, data=None):
    """Draw the data and the network and make the optimizer, in the book's order.

    ``data`` is ``(X, y)`` already read from ``config.data_file``: a sweep reads
    its CSV once and ships the points to workers that may not see the file.
    """
    check(config)
    one_blas_thread()
    try:
        optimizer = make_optimizer(config.optimizer, **config.hyperparameters)
    except ValueError as error:
        raise UserError(str(error)) from None
    rng = make_rng(config.seed)
    if config.data_file is not None:
        X, y = load_csv(config.data_file) if data is None else data
        check_memory(config, points=len(X), classes=int(y.max()) + 1)
    else:
        X, y = make_dataset(config.dataset, config.samples, config.classes, rng=rng)
    classes = int(y.max()) + 1
    network = Network(X.shape[1], config.hidden, classes, rng=rng)
    return X, y, network, optimizer


# -- memory ------------------------------------------------------------------------------

_GRID_WORKERS = 4                                           # frames.decision_grid's thread cap


def estimate_bytes(config, *, points=None, classes=None):
    """Roughly the most memory a run of ``config`` holds at once, by what it is for.

    Returns ``{argument: bytes}``, each part under the argument that drives it:
    ``samples`` (the data), ``hidden`` (the layers, their gradients and
    optimizer state, the hidden activations of the full batch, and the layer
    arrays kept at the frames), ``classes`` (the output layer's activations),
    ``epochs`` (the per-epoch numbers), ``record`` (every epoch's layer arrays,
    with ``record="all"``) and ``grid_resolution`` (the decision grids).
    ``points`` and ``classes`` override the config's (a CSV's data).  Generous
    by design: the point is refusing a run that cannot fit, before it starts.
    """
    n = points if points is not None else config.samples * config.classes
    k = classes if classes is not None else config.classes
    sizes = [2, *config.hidden, k]
    parameters = sum((a + 1) * b for a, b in zip(sizes[:-1], sizes[1:]))
    slots = len(OPTIMIZERS[config.optimizer].state_slots) if config.optimizer in OPTIMIZERS else 2
    frames = frame_count(config.epochs, frames=config.frames, spacing=config.frame_spacing, every=config.every)
    kept_rows = config.epochs + 1 if config.record == "all" else frames + 1
    widest = max(sizes[1:])
    parts = {
        "samples": n * (2 * 4 + 8),
        # forward and backward keep a few float32 and float64 copies of each activation
        "hidden": 32 * n * sum(config.hidden) + 4 * parameters * (4 + 2 * slots),
        "classes": 40 * n * k,
        "epochs": 28 * (config.epochs + 1 + 1024),
        "record": 0,
        "grid_resolution": config.grid_resolution ** 2 * (frames * k
                                                          + min(frames, _GRID_WORKERS) * 4 * 3 * widest),
    }
    # the kept layer arrays: every epoch's when asked for, else a few rows whose size is the network's
    parts["record" if config.record == "all" else "hidden"] += 4 * parameters * (4 + 2 * slots) * kept_rows
    # and once more, the frames' parameters shared with the decision grids' helper process (grids_ahead)
    parts["hidden"] += 4 * parameters * frames
    return parts


def memory_limit():
    """Half of this machine's memory (``MemTotal`` in ``/proc/meminfo``), or 4 GiB where that is unknown."""
    try:
        with open("/proc/meminfo") as handle:
            for line in handle:
                if line.startswith("MemTotal:"):
                    return int(line.split()[1]) * 1024 // 2
    except (OSError, ValueError, IndexError):
        pass
    return 4 << 30


def check_memory(config, *, points=None, classes=None):
    """Refuse ``config`` when :func:`estimate_bytes` exceeds :func:`memory_limit`.

    The error names the argument behind the largest part, so the message points at what to change.
    """
    parts = estimate_bytes(config, points=points, classes=classes)
    total, limit = sum(parts.values()), memory_limit()
    if total <= limit:
        return total
    argument = max(parts, key=parts.get)
    value = getattr(config, argument)
    if argument == "hidden":
        value = ",".join(map(str, value))
    elif argument == "classes" and classes is not None:
        value = classes
    elif argument == "samples" and points is not None:
        argument, value = "data_file", f"{config.data_file} ({points} points)"
    raise ArgumentError(argument, f"{value} would need about {_gib(total)} of memory, more than the "
                                  f"{_gib(limit)} a run may use (half of this machine's)")


def _gib(count):
    return f"{count / (1 << 30):.1f} GiB"


# -- the run -------------------------------------------------------------------------------

def train(config=RunConfig(), *, on_epoch=None):
    """Train as ``config`` says and return the :class:`Recording` (divergence and Ctrl-C included)."""
    X, y, network, optimizer = build(config)
    if config.record == "all":
        result = Trainer(network, optimizer, X, y).run(config.epochs, on_epoch=on_epoch)
        return make_recording(config, X, y, network, optimizer, result)
    # the frames' decision grids are evaluated as training reaches them, on the core training leaves idle
    keep = planned_frames(config)
    with GridsAhead(grid_extent(X, config.grid_padding), config.grid_resolution, layers=len(network.dense),
                    frames=len(keep)) as ahead:
        result = Trainer(network, optimizer, X, y).run(config.epochs, on_epoch=on_epoch, keep=keep, on_keep=ahead.add)
        grids = ahead.grids()
    return make_recording(config, X, y, network, optimizer, result, grids=grids)


def planned_frames(config):
    """The frame epochs of ``config`` run to its end."""
    return frame_epochs(config.epochs, frames=config.frames, spacing=config.frame_spacing, every=config.every)


def make_recording(config, X, y, network, optimizer, result, *, frames=None, grids=None):
    """The :class:`Recording` of a finished :class:`~animator.trainer.TrainingResult`.

    The frames are ``frames`` (a race's shared epochs; repeats allowed) or the
    config's planned frame epochs, either clamped to the last recorded epoch: a
    run that stopped early shows the planned frames it reached, then its last
    state.  The trainer must have kept the arrays of those epochs.  ``grids``:
    decision grids already evaluated, ``{epoch: grid}`` (:class:`~.grids_ahead.GridsAhead`'s;
    it is emptied); the other frames' are evaluated here.
    """
    columns = result.columns
    recorded = result.epochs_recorded
    planned = planned_frames(config) if frames is None else np.asarray(frames, dtype=np.int64)
    if recorded == 0:
        # not even epoch 0 was finite: nothing to show
        frames = np.zeros(0, dtype=np.int64)
    elif frames is None:
        reached = planned[planned < recorded - 1]
        frames = np.append(reached, recorded - 1).astype(np.int64)
    else:
        frames = np.minimum(planned, recorded - 1)
    params = dict(result.params)
    param_epochs = params.pop("epoch")
    unique, inverse = np.unique(frames, return_inverse=True)
    if not np.isin(unique, param_epochs).all():
        raise ValueError("the trainer did not keep the arrays of every frame epoch")
    rows = np.searchsorted(param_epochs, unique)
    n_layers = len(network.dense)
    weights = [[params[f"dense{i}.weights"][r] for i in range(1, n_layers + 1)] for r in rows]
    biases = [[params[f"dense{i}.biases"][r] for i in range(1, n_layers + 1)] for r in rows]
    extent = grid_extent(X, config.grid_padding)
    classes = int(y.max()) + 1
    if len(unique):
        grid = _grids(weights, biases, extent, config.grid_resolution, unique, {} if grids is None else grids)
        grid = grid if len(unique) == len(frames) else grid[inverse.reshape(-1)]
    else:
        grid = np.zeros((0, config.grid_resolution, config.grid_resolution, classes), dtype=np.uint8)
    arrays = dict(columns)
    arrays.update(params)
    arrays.update(X=X, y=y, frame_epochs=frames, grid_extent=extent, grid_probs=grid,
                  param_epochs=param_epochs, param_peaks=np.asarray(result.peaks, dtype=np.float32))
    spec = RunSpec(
        config=shared_config(config),
        dataset=Dataset("csv" if config.data_file else config.dataset, shared_name(config.data_file),
                        int(len(X)), classes),
        architecture=Architecture(int(X.shape[1]), tuple(config.hidden), classes,
                                  tuple(repr(d) for d in network.dense)),
        optimizer=optimizer.spec,
        status=Status(recorded, result.diverged_at, result.divergence_cause, result.divergence_learning_rate,
                      result.interrupted),
        versions=versions())
    return Recording(spec, arrays)


def _grids(weights, biases, extent, resolution, epochs, ready):
    """:func:`decision_grid` of the frames at ``epochs``, taking those in ``ready`` (``{epoch: grid}``) from there."""
    missing = [k for k, epoch in enumerate(epochs) if int(epoch) not in ready]
    if len(missing) == len(epochs):
        return decision_grid(weights, biases, extent, resolution)
    grid = np.empty((len(epochs), resolution, resolution, weights[0][-1].shape[1]), dtype=np.uint8)
    if missing:
        grid[missing] = decision_grid([weights[k] for k in missing], [biases[k] for k in missing], extent, resolution)
    for k, epoch in enumerate(epochs):
        if int(epoch) in ready:
            grid[k] = ready.pop(int(epoch))       # each dropped once copied: memory holds the grids once
    return grid


def shared_name(path):
    """A data file as a Recording names it: its base name, never the local path it was read from."""
    return None if path is None else os.path.basename(os.fspath(path))


def shared_config(config):
    """``config`` as a Recording's spec keeps it: the data file by base name."""
    return replace(config, data_file=shared_name(config.data_file), hidden=tuple(config.hidden))


def config_record(config):
    """``config`` as a Recording's spec stores it in its file (JSON-able, the data file by base name)."""
    return plain(asdict(shared_config(config)))


