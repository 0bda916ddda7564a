"""Optimizer races: several optimizers trained on the same data from the same weights, in lock-step.

A race draws the data and the network once, as a solo run with the same
settings would (``animator.run.build``), and trains a copy of that network with
each optimizer.  Each entrant's :class:`Recording` is the one a solo
``train()`` gives for that optimizer, number for number, except for the frames:
every entrant is drawn at the race's frame epochs, chosen on the whole epoch
range, so frame ``i`` shows every entrant at the same epoch.

>>> result = race(["sgd:lr=1,decay=1e-3,momentum=0.9", "adam:lr=0.05"], RunConfig(epochs=2000))  # doctest: +SKIP
>>> result.specs                                                                                # doctest: +SKIP
[OptimizerSpec('sgd', {'lr': 1.0, 'decay': 0.001, 'momentum': 0.9}), OptimizerSpec('adam', {'lr': 0.05})]

A recorded run (a Recording ``animator record`` or a Recorder made) may be one
of the entrants: the race then takes its data, network, epochs and frames, and
says whether the book's entrants start from its very weights
(:mod:`animator.race_recorded`).

An entrant that diverges (or is interrupted) stops there; the others go on.
Its ``frame_epochs`` are the race's, clamped to its last recorded epoch: the
frames after it stopped repeat its last finite state, and its spec's
``status`` says why it stopped.
"""

import copy
import logging
from dataclasses import dataclass, replace

import numpy as np

from . import pool
from .chapter import NETWORK_RACES
from .errors import ArgumentError, UserError
from .frames import frame_epochs
from .optimizers import OPTIMIZERS, OptimizerSpec
from .run import RunConfig, build, make_recording
from .run_spec import Race
from .trainer import Trainer

log = logging.getLogger(__name__)

MAX_ENTRANTS = 4  # what a 960x540 frame shows legibly, one decision-region panel each

PRESETS = NETWORK_RACES   # compare --preset NAME

_SPEC_FORM = "NAME or NAME:KEY=VALUE,... like sgd:lr=1,decay=1e-3"


def parse_spec(text):
    """``"sgd:lr=1,momentum=0.9"`` -> ``OptimizerSpec("sgd", {"lr": 1.0, "momentum": 0.9})``; bad specs raise UserError.

    A bare name (``"adam"``) takes the optimizer's defaults.  Values are checked
    by the optimizer itself, so the messages are the optimizers' own
    (``Invalid learning rate: -1.0``).
    """
    if not text.strip():
        raise UserError(f"empty optimizer spec; expected {_SPEC_FORM}")
    where = f"optimizer spec {text!r}"
    name, colon, rest = text.strip().partition(":")
    name = name.strip().lower()
    if name not in OPTIMIZERS:
        raise UserError(f"{where}: unknown optimizer {name!r} (choose from {', '.join(OPTIMIZERS)})")
    hyper = {}
    if colon:
        for item in rest.split(","):
            key, equals, value = item.partition("=")
            key, value = key.strip().lower(), value.strip()
            if not equals or not key or not value:
                raise UserError(f"{where}: expected KEY=VALUE after {name}:, got {item.strip()!r}")
            if key in hyper:
                raise UserError(f"{where}: {key} is given twice")
            try:
                hyper[key] = float(value)
            except ValueError:
                raise UserError(f"{where}: {key} must be a number, got {value!r}") from None
    return _checked(name, hyper, where)


def _checked(name, hyper, where):
    """The :class:`OptimizerSpec` if the optimizer accepts these settings, else UserError with its own message."""
    spec = OptimizerSpec(name, hyper)
    try:
        spec.build()
    except ValueError as error:
        raise UserError(f"{where}: {error}") from None
    return spec


def entrant(value):
    """A race entrant as an :class:`OptimizerSpec`: from a spec string, a spec, or ``(name, hyperparameters)``."""
    if isinstance(value, str):
        return parse_spec(value)
    spec = OptimizerSpec.of(value)
    return _checked(spec.name, spec.hyperparameters, f"optimizer {spec.name!r}")


def preset_specs(name):
    """The entrants of preset ``name`` (:data:`animator.chapter.NETWORK_RACES`)."""
    try:
        return list(PRESETS[name])
    except KeyError:
        raise ArgumentError("preset", f"{name!r} is unknown (choose from {', '.join(PRESETS)})") from None


@dataclass
class RaceResult:
    """What a race produced, entrant by entrant, in the order the specs were given.

    ``frame_epochs`` are the race's shared frame epochs; entrant ``k`` shows its
    state at epoch ``min(frame_epochs[i], last epoch it recorded)`` in frame ``i``
    (``recordings[k].frame_epochs``), so all stay in lock-step.  ``start``, in a
    race with a recorded run: ``"same"`` if the book's entrants started from its
    data and weights, ``"book"`` if from the book's own initial weights (see
    :mod:`animator.race_recorded`); None when every entrant is the book's.
    """

    specs: list          # an OptimizerSpec per entrant
    recordings: list     # one Recording per entrant
    frame_epochs: np.ndarray
    config: RunConfig    # the shared settings (its optimizer fields are unused)
    start: str = None

    @property
    def recorded(self):
        """The positions of the recorded entrants (runs animator did not train)."""
        return tuple(k for k, r in enumerate(self.recordings) if r.spec.recorded)

    def __len__(self):
        return len(self.recordings)

    @property
    def interrupted(self):
        return any(r.interrupted for r in self.recordings)

    def __repr__(self):
        lines = [f"<RaceResult: {len(self)} entrants, {self.config.epochs} epochs, "
                 f"{len(self.frame_epochs)} frames"]
        for spec, recording in zip(self.specs, self.recordings):
            if recording.diverged_at is not None:
                end = f"diverged at epoch {recording.diverged_at}"
            elif len(recording.epochs):
                end = f"acc {recording.accuracy[-1]:.3f}, loss {recording.loss[-1]:.3f}"
            else:
                end = "no epochs"
            lines.append(f"  {spec!r}: {end}")
        return "\n".join(lines) + ">"


def race(specs, base_config=RunConfig(), *, on_epoch=None, workers=1, on_progress=None):
    """Train every optimizer in ``specs`` on ``base_config``'s data from the same initial weights.

    ``specs`` are :class:`OptimizerSpec` values, spec strings (see :func:`parse_spec`)
    or ``(name, hyperparameters)`` pairs, and at most one recorded :class:`~animator.recording.Recording`
    (then ``base_config`` is not used: the recorded run's settings are the race's); ``base_config`` gives everything else (dataset, network, epochs, seed,
    frames, grid).  Returns a :class:`RaceResult`.

    With ``workers=1`` entrants train one after another in this process;
    ``on_epoch(entrant, epoch, loss, accuracy, learning_rate)`` is called where
    the book prints, and Ctrl-C stops the entrant in training (its Recording
    says so) and skips the rest.  With more workers, entrants train in forked
    processes at the same time (each is independent, so the numbers are the
    same); ``on_epoch`` is not called there and Ctrl-C raises.  Either way
    ``on_progress(epochs_done, epochs_total)`` follows the whole race.
    """
    from .recording import Recording

    recorded = [k for k, s in enumerate(specs) if isinstance(s, Recording)]
    entrants = [s if isinstance(s, Recording) else entrant(s) for s in specs]
    if not 1 <= len(entrants) <= MAX_ENTRANTS:
        raise ArgumentError("specs", f"must name 1 to {MAX_ENTRANTS} optimizers (got {len(entrants)})")
    for k, spec in enumerate(entrants):
        if k not in recorded and spec in entrants[:k]:
            raise ArgumentError("specs", f"name {spec.name} with the same settings twice ({spec.shown()})")
    if recorded:
        from .race_recorded import race_recorded

        if len(recorded) > 1:
            raise ArgumentError("specs", f"may hold one recorded run (got {len(recorded)})")
        return race_recorded(entrants[recorded[0]], [e for e in entrants if not isinstance(e, Recording)],
                             recorded[0], workers=workers, on_progress=on_progress)
    configs = [replace(base_config, optimizer=spec.name, hyperparameters=dict(spec.hyperparameters))
               for spec in entrants]
    X, y, network, _ = build(configs[0])
    shared = frame_epochs(base_config.epochs, frames=base_config.frames, spacing=base_config.frame_spacing,
                          every=base_config.every)
    start = [(d.weights.copy(), d.biases.copy()) for d in network.dense]
    total = len(entrants) * (base_config.epochs + 1)

    def run_entrant(k, callback):
        entrant = copy.deepcopy(network)
        if not all(np.array_equal(w, d.weights) and np.array_equal(b, d.biases)
                   for (w, b), d in zip(start, entrant.dense)):
            raise RuntimeError("race entrants must start from identical weights")
        optimizer = entrants[k].build()
        keep = None if configs[k].record == "all" else shared
        result = Trainer(entrant, optimizer, X, y).run(configs[k].epochs, on_epoch=callback, keep=keep)
        recording = make_recording(configs[k], X, y, entrant, optimizer, result, frames=shared)
        return _in_lock_step(recording, tuple(entrants), k)

    workers = min(workers or 1, len(entrants))
    if workers > 1 and pool.can_fork():
        recordings = _in_parallel(run_entrant, len(entrants), workers, total, on_progress)
    else:
        recordings = []
        done = [0]
        for k in range(len(entrants)):
            def callback(*args, k=k):
                done[0] += 1
                if on_epoch is not None:
                    on_epoch(k, *args)
                if on_progress is not None:
                    on_progress(done[0], total)

            recordings.append(run_entrant(k, callback))
            if recordings[-1].interrupted:
                log.info("race interrupted while training %r; later entrants skipped", entrants[k])
                break
    return RaceResult(entrants[:len(recordings)], recordings, shared, base_config)


def _in_parallel(run_entrant, count, workers, total, on_progress):
    """Every entrant in a forked worker (which inherits ``run_entrant``); their Recordings in entrant order."""
    show = None if on_progress is None else (lambda epochs: on_progress(sum(epochs), total))
    with pool.Pool(workers, lambda k: run_entrant(k, lambda epoch, *_: pool.report(epoch + 1))) as entrants:
        return list(entrants.map(range(count), on_progress=show))


def _in_lock_step(recording, entrants, position):
    """Mark ``recording`` as entrant ``position``; ``make_recording`` already drew it at the race's frames."""
    recording.spec = replace(recording.spec, race=Race(entrants, position))
    return recording
