"""A recorded run (``animator record``, the :class:`~animator.recorder.Recorder`) raced against the book's optimizers.

>>> result = race([Recording.load("mine.npz"), "adam:lr=0.05,decay=5e-7"])    # doctest: +SKIP
>>> result.start                                                            # doctest: +SKIP
'same'

The race takes the recorded run's data, network shape, epochs, frame epochs
and grid; each book entrant is trained by animator, exactly as the book
trains, and drawn at the recorded run's frames.  Where they start from is
checked, never assumed (:attr:`RaceResult.start <animator.race.RaceResult>`):

* ``"same"``: the recorded data and the first epoch's weights and biases are
  the ones animator's book mode draws for that network (a reader who follows the
  chapter's order under ``nnfs.init()``: ``spiral_data``, then the layers), to
  the float32 bit a Recording keeps; the book's entrants start from those very
  weights, on those very points.
* ``"book"``: they are not (other data, another seed, another order, or epoch 0
  not recorded); the book's entrants then start from the book's own initial
  weights for that network, trained on the recorded data, and the race says so.
"""

import copy
from dataclasses import replace

import numpy as np

from . import pool
from .errors import ArgumentError
from .frames import frame_epochs
from .recording import Recording
from .run import RunConfig, build, make_recording
from .run_spec import Race
from .trainer import Trainer

SAME, BOOK = "same", "book"      # RaceResult.start: where the book's entrants started


def book_config(recording):
    """The book-mode :class:`RunConfig` of the recorded run's network: the chapter's data drawn for its shape."""
    spec = recording.spec
    points, classes = len(recording.X), int(spec.dataset.classes)
    samples = points // classes if points % classes == 0 else 100
    grid = recording.grid_probs.shape[1] if recording.grid_probs.ndim == 4 else spec.config.grid_resolution
    return RunConfig(dataset="spiral", samples=samples, classes=classes, hidden=tuple(spec.architecture.hidden),
                     epochs=int(spec.config.epochs), seed=None, frames=int(spec.config.frames),
                     grid_resolution=int(grid), grid_padding=float(spec.config.grid_padding))


def same_start(recording, X, y, network):
    """Whether the recorded data and first epoch's parameters are ``X``, ``y`` and ``network``'s (as float32)."""
    if recording.X.shape != X.shape or not (np.array_equal(recording.X, X) and np.array_equal(recording.y, y)):
        return False
    if not len(recording.param_epochs) or int(recording.param_epochs[0]) != 0:
        return False
    for i, dense in enumerate(network.dense, start=1):
        for kind, ours in (("weights", dense.weights), ("biases", dense.biases)):
            theirs = recording.arrays.get(f"dense{i}.{kind}")
            if theirs is None or theirs.shape[1:] != np.shape(ours) or not np.array_equal(
                    theirs[0], np.asarray(ours, dtype=np.float32)):
                return False
    return len(network.dense) == sum(1 for key in recording.arrays if key.endswith(".weights"))


def race_recorded(recording, specs, position, *, workers=1, on_progress=None):
    """The race of ``recording`` (at ``position``) and the book's ``specs``; see the module docstring."""
    from .race import RaceResult, _in_parallel

    if not isinstance(recording, Recording) or not recording.spec.recorded:
        raise ArgumentError("specs", "may hold one recorded run (a Recording that animator record or a Recorder made)")
    if not len(recording.frame_epochs):
        raise ArgumentError("specs", "hold a recorded run with no frames (its loss was not finite at epoch 0)")
    config = book_config(recording)
    bX, by, network, _ = build(config)
    start = SAME if same_start(recording, bX, by, network) else BOOK
    X, y = (bX, by) if start == SAME else (recording.X, recording.y)
    last = len(recording.epochs) - 1
    shared = np.asarray(recording.frame_epochs, dtype=np.int64)
    if config.epochs > last:          # it stopped early (diverged or interrupted): the others go on to its plan
        planned = frame_epochs(config.epochs, frames=config.frames)
        shared = np.append(shared, planned[planned > last]).astype(np.int64)
    entrants = [*specs[:position], recording.spec.optimizer, *specs[position:]]
    configs = [replace(config, optimizer=spec.name, hyperparameters=dict(spec.hyperparameters)) for spec in specs]
    total = len(specs) * (config.epochs + 1)

    def run_entrant(k, callback):
        entrant = copy.deepcopy(network)
        optimizer = specs[k].build()
        result = Trainer(entrant, optimizer, X, y).run(config.epochs, on_epoch=callback, keep=shared)
        made = make_recording(configs[k], X, y, entrant, optimizer, result, frames=shared)
        if start == BOOK:
            made.spec = replace(made.spec, dataset=recording.spec.dataset)
        return made

    workers = min(workers or 1, len(specs))
    if workers > 1 and pool.can_fork():
        trained = _in_parallel(run_entrant, len(specs), workers, total, on_progress)
    else:
        trained, done = [], [0]
        for k in range(len(specs)):
            def callback(*_, k=k):
                done[0] += 1
                if on_progress is not None:
                    on_progress(done[0], total)

            trained.append(run_entrant(k, callback))
            if trained[-1].interrupted:
                break
    recordings = [*trained[:position], _at_frames(recording, shared), *trained[position:]]
    for k, made in enumerate(recordings):
        made.spec = replace(made.spec, race=Race(tuple(entrants[:len(recordings)]), k))
    return RaceResult(entrants[:len(recordings)], recordings, shared, config, start=start)


def _at_frames(recording, shared):
    """The recorded run drawn at the race's frames: its own, then its last state once it has stopped."""
    last = len(recording.epochs) - 1
    clamped = np.minimum(shared, last)
    rows = np.searchsorted(recording.frame_epochs, clamped)
    arrays = dict(recording.arrays)
    arrays.update(frame_epochs=clamped, grid_probs=recording.grid_probs[rows])
    return Recording(recording.spec, arrays)
