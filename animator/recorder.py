"""Record a training loop animator did not write, as a :class:`~animator.recording.Recording`.

Any loop, numpy, PyTorch or Keras, hands a :class:`Recorder` each epoch's loss,
accuracy, learning rate and its layers' weights and biases; :meth:`Recorder.finish`
returns a Recording that renders, saves, loads, races and snapshots like one
``animator train`` made.  Its spec says where it came from (a
:class:`~animator.source.Source`) instead of a training config.

>>> recorder = Recorder(X, y, epochs=1000)                                # doctest: +SKIP
>>> for epoch in range(1001):
...     loss, accuracy = train_one_epoch()                                # your loop
...     recorder.epoch(loss, accuracy, lr, [(w1, b1), (w2, b2)])          # the arrays of this forward pass
>>> recording = recorder.finish()
>>> recording.save("mine.npz")             # then: animator render mine.npz -o mine.gif

Book-style layers (objects with ``.weights`` and ``.biases``) can be handed over
as they are, and a book-style optimizer gives the learning rate:
``recorder.book_epoch(loss, accuracy, optimizer, dense1, dense2)``.

Frames: with ``epochs`` (the last epoch, as :class:`~animator.run_spec.RunConfig`
counts) the frame epochs are exactly ``animator train``'s; without it the
recorder keeps every ``stride``-th epoch, doubling ``stride`` whenever it holds
more than twice ``frames``, so memory stays bounded and frames evenly spaced.
The decision regions are evaluated only at those epochs, when they happen:
``predict(points)`` (points (m, 2) float32 -> class probabilities (m, classes))
asks the live model; without ``predict`` the layers are taken for the book's
chain (Dense, ReLU, ..., Dense, softmax) and evaluated from the arrays.

Optimizer state: pass ``state`` (``{slot: [(weight_state, bias_state) per
layer]}``, the book's slot names, as ``layer.weight_cache`` holds them after the
update) where the optimizer is a registered one that keeps state (the step-size
bars of ``--show step-sizes`` need AdaGrad's, RMSProp's or Adam's cache); a
Recording has it only if every kept epoch gave it.

Updates: pass ``updates`` (each layer's ``(weight_update, bias_update)``) if the
loop knows them; otherwise an epoch's update is the next epoch's parameters
minus its own (the last epoch's is zero unless :meth:`finish` gets ``layers``
after the last update).  A non-finite loss or parameter ends the recording
there as a divergence (:attr:`Recorder.diverged`): it is shown, not raised.
"""

import math

import numpy as np

from .errors import ArgumentError
from .frames import decision_grid, frame_count, frame_epochs, grid_extent, grid_points
from .run_spec import MAX_GRID_RESOLUTION, Architecture, Dataset, RunConfig, RunSpec, Status
from .source import ADAPTERS, Source
from . import recorder_ring
from .recorder_parts import (check_chain, describe_optimizer, flat_views, grid_of, layer_arrays, not_finite,
                             number, read_data, shapes_text)
from .versions import run_versions


class Recorder:
    """Collects a loop's epochs and makes the Recording; see the module docstring.

    ``X`` (n, 2) and ``y`` (n,) class labels (or one-hot rows) are the data the
    loop trains on; ``optimizer`` describes it (an
    :class:`~animator.optimizers.OptimizerSpec`, a registered name, or the
    loop's optimizer object: a book-style one maps to the registered optimizer
    with its settings, anything else is shown as a custom optimizer);
    ``source`` says what recorded the run (default: this API).
    """

    def __init__(self, X, y, predict=None, *, epochs=None, frames=200, frame_spacing="linear", every=None,
                 grid_resolution=160, grid_padding=0.1, optimizer=None, source=None, dataset="your data"):
        self.X, self.y = read_data(X, y)
        if predict is not None and not callable(predict):
            raise ArgumentError("predict", f"must be a function of the grid points (got {type(predict).__name__})")
        if epochs is not None and (isinstance(epochs, bool) or not isinstance(epochs, (int, np.integer))
                                   or epochs < 0):
            raise ArgumentError("epochs", f"must be a whole number, 0 or more, or None (got {epochs!r})")
        if not (isinstance(grid_resolution, (int, np.integer)) and 2 <= grid_resolution <= MAX_GRID_RESOLUTION):
            raise ArgumentError("grid_resolution", f"must be between 2 and {MAX_GRID_RESOLUTION} (got {grid_resolution})")
        if not 0 <= grid_padding <= 10:
            raise ArgumentError("grid_padding", f"must be between 0 and 10 (got {grid_padding})")
        frame_count(0 if epochs is None else int(epochs), frames=frames, spacing=frame_spacing, every=every)
        if epochs is None and (every is not None or frame_spacing != "linear"):
            raise ArgumentError("epochs", "must be given for every= or log frame spacing (the frames depend on it)")
        source = source if source is not None else Source("record", "api")
        if not isinstance(source, Source) or source.adapter not in ADAPTERS:
            raise ArgumentError("source", "must be an animator.source.Source")
        self.predict = predict
        self.planned = None if epochs is None else int(epochs)
        self.frames, self.frame_spacing, self.every = int(frames), frame_spacing, every
        self.grid_resolution, self.grid_padding = int(grid_resolution), float(grid_padding)
        self.optimizer = describe_optimizer(optimizer)
        self._optimizer_given = optimizer is not None
        self.source, self.dataset = source, str(dataset)[:120]
        self.extent = grid_extent(self.X, self.grid_padding)
        self._points = grid_points(self.extent, self.grid_resolution)
        self._wanted = None if epochs is None else {int(e) for e in frame_epochs(
            int(epochs), frames=frames, spacing=frame_spacing, every=every)}
        self._stride = 1
        self._losses, self._accuracies, self._rates = [], [], []
        self._kept = {}             # epoch -> {"weights": [...], "biases": [...], "updates": [...] or None}
        self._grids = {}            # epoch -> (rows, cols, classes) uint8, evaluated when the epoch happened
        self._shapes = None
        self._extremes = self._ring = self._rows = None    # made with the shapes, at the first epoch
        self._given = None          # (updates, state) as each ring row's epoch gave them
        self._settled = 0           # the epochs before this one are checked finite and folded into the extremes
        self._given_shapes = None               # the arrays' shapes as the first epoch gave them
        self._divergence = None     # (epoch, cause, learning rate) once a non-finite number ended the recording
        self._finished = False
        self._slots_of = None       # (optimizer, its state slots)
        self._wanted_in_order = None    # the planned frame epochs, sorted (see _kept_between)
        self._grid_later = None     # the tracer's: params -> a future of the grid (see animator.tracer)

    # -- the loop's side ----------------------------------------------------------------
    @property
    def epochs_recorded(self):
        self._settle()
        return len(self._losses)

    @property
    def diverged(self):
        """Whether a non-finite loss or parameter ended the recording (later epochs are ignored)."""
        return self.diverged_at is not None

    @property
    def diverged_at(self):
        """The epoch whose loss or parameters were not finite, or None."""
        self._settle()
        return None if self._divergence is None else self._divergence[0]

    @property
    def divergence_cause(self):
        """What was not finite (``loss is nan``, ``Dense 2 weights are inf``), or None."""
        self._settle()
        return None if self._divergence is None else self._divergence[1]

    @property
    def divergence_learning_rate(self):
        """The learning rate of the epoch that diverged, or None."""
        self._settle()
        return None if self._divergence is None else self._divergence[2]

    def keeps(self, epoch):
        """Whether ``epoch``'s arrays and decision regions will be kept (a loop may skip work for others)."""
        if self._wanted is not None:
            return epoch in self._wanted
        return epoch % self._stride == 0

    def plan(self, epochs):
        """Say the loop's last epoch once it is known, before the first epoch is recorded (None: still unknown).

        The frames are then ``animator train``'s, as if ``epochs`` had been given,
        and no epoch that is not a frame has its regions evaluated.
        """
        if epochs is None:
            return
        if self.epochs_recorded or self.planned is not None:
            raise ArgumentError("epochs", "can be planned only once, before the first epoch is recorded")
        if isinstance(epochs, bool) or not isinstance(epochs, (int, np.integer)) or epochs < 0:
            raise ArgumentError("epochs", f"must be a whole number, 0 or more (got {epochs!r})")
        frame_count(int(epochs), frames=self.frames, spacing=self.frame_spacing, every=self.every)
        self.planned = int(epochs)
        self._wanted = {int(e) for e in frame_epochs(self.planned, frames=self.frames, spacing=self.frame_spacing,
                                                     every=self.every)}

    @property
    def state_slots(self):
        """The state slots the optimizer keeps, by the registry (none for a custom optimizer)."""
        from .optimizers import OPTIMIZERS

        optimizer = self.optimizer
        if self._slots_of is None or self._slots_of[0] is not optimizer:      # worked out once per optimizer
            self._slots_of = (optimizer, optimizer.build().slots if optimizer.name in OPTIMIZERS else ())
        return self._slots_of[1]

    def epoch(self, loss, accuracy, learning_rate, layers, *, updates=None, state=None):
        """Record the next epoch (0, 1, 2, ...): its loss, accuracy, learning rate and the layers' parameters.

        ``layers`` are ``(weights, biases)`` pairs (or objects with ``.weights`` and
        ``.biases``), as they were in this epoch's forward pass; they are copied.
        ``updates``, optional, are ``(weight_update, bias_update)`` pairs the
        optimizer applied after it; ``state``, optional, its state after that
        update, ``{slot: [(weight_state, bias_state), ...]}`` for each of
        :attr:`state_slots`.
        """
        if self._finished:
            raise ArgumentError("epoch", "cannot be recorded after finish()")
        if self._divergence is not None:
            return
        epoch = len(self._losses)
        try:
            loss, accuracy, learning_rate = number(loss, "loss"), number(accuracy, "accuracy"), \
                number(learning_rate, "learning_rate")
            params = layer_arrays(layers, "layers")
            self._check_shapes(params)
            if math.isfinite(loss) and not 0 <= accuracy <= 1:
                raise ArgumentError("accuracy", f"must be between 0 and 1 (got {accuracy} at epoch {epoch})")
        except Exception:
            if self._settle_diverged():
                return                       # an earlier epoch ended the recording: this one is not even read
            raise
        if not math.isfinite(loss):
            if not self._settle_diverged():
                self._diverge(epoch, f"loss is {loss}", learning_rate)
            return
        row = epoch % len(self._ring)
        copies = self._rows[row]
        try:
            if updates is not None:
                updates = self._checked_updates(updates)
            if state is not None:
                state = self._checked_state(state)
        except Exception:
            if self._settle_diverged():
                return
            # this epoch's own parameters end the recording before its other checks
            cause = not_finite(a for pair in params for a in pair)
            if cause is None:
                raise
            return self._diverge(epoch, cause, learning_rate)
        # into the ring: the previous epoch's row stays intact for _derive_update; _keep copies
        for (to_w, to_b), (w, b) in zip(copies, params):
            np.copyto(to_w, w)
            np.copyto(to_b, b.reshape(1, -1))
        self._derive_update(params)
        self._given[row] = (updates, state)
        self._losses.append(loss)
        self._accuracies.append(accuracy)
        self._rates.append(learning_rate)
        if self.keeps(epoch):
            self._keep(epoch, copies, updates, state)
        if (epoch + 1) % self._block == 0:
            self._settle()

    def _take(self, losses, accuracies, rates, rows, given):
        """Record ``len(losses)`` epochs at once, as so many :meth:`epoch` calls would (:func:`.recorder_ring.take`)."""
        recorder_ring.take(self, losses, accuracies, rates, rows, given)

    def _pairs(self, row):
        """A ring-layout row as ``[(weights, biases), ...]`` views."""
        views = flat_views(row, self._shapes)
        return list(zip(views[::2], views[1::2]))

    def book_epoch(self, loss, accuracy, optimizer, *layers, updates=None):
        """:meth:`epoch` with book-style objects: the learning rate is ``optimizer.current_learning_rate``."""
        rate = getattr(optimizer, "current_learning_rate", None)
        if rate is None:
            raise ArgumentError("optimizer", "has no current_learning_rate (the book's optimizers have one)")
        if not self._optimizer_given:
            self.optimizer, self._optimizer_given = describe_optimizer(optimizer), True
        self.epoch(loss, accuracy, rate, layers, updates=updates)

    def finish(self, *, layers=None, interrupted=False):
        """The :class:`~animator.recording.Recording` of the epochs recorded so far.

        ``layers``: the parameters after the last epoch's update (its update is then
        derived, not zero); ``interrupted``: the loop was stopped (Ctrl-C) before its end.
        """
        from .recorder_parts import assemble

        if self._finished:
            raise ArgumentError("finish", "was already called")
        self._settle()
        if layers is not None and self._last is not None and not self.diverged:
            params = layer_arrays(layers, "layers")
            self._check_shapes(params)
            self._derive_update(params)
        self._finished = True
        return assemble(self, bool(interrupted))

    # -- inside ----------------------------------------------------------------------------
    @property
    def _peaks(self):
        """Each layer's largest ``|weight|`` or ``|bias|`` over the epochs recorded (float64), or None before any."""
        self._settle()
        return None if self._extremes is None else self._extremes.peaks()

    @property
    def _last(self):
        """The latest epoch recorded, ``(epoch, its ring row as pairs, its updates, its state)``, or None before any:
        the last frame, and the parameters an update is derived from."""
        epoch = len(self._losses) - 1
        if epoch < 0:
            return None
        row = epoch % len(self._ring)
        return (epoch, self._rows[row], *self._given[row])

    def _settle(self):
        """Check and fold the epochs recorded since the last settle: see :func:`.recorder_ring.settle`."""
        recorder_ring.settle(self)

    def _settle_diverged(self):
        self._settle()
        return self._divergence is not None

    def _check_shapes(self, params):
        shapes = [a.shape for pair in params for a in pair]
        if shapes == self._given_shapes:       # every epoch after the first, as a rule: nothing to work out
            return
        if self._shapes is None:
            check_chain(params, self.X.shape[1], int(self.y.max()) + 1)
            self._shapes = [tuple(a.shape) for w, b in params for a in (w, np.reshape(b, (1, -1)))]
            recorder_ring.make_ring(self)
            self._given_shapes = shapes         # only once the chain is accepted: a refused one is refused again
        elif [s if k % 2 == 0 else (1, int(np.prod(s))) for k, s in enumerate(shapes)] != self._shapes:
            raise ArgumentError("layers", f"changed shape at epoch {len(self._losses)} "
                                          f"({shapes_text(self._shapes)} before)")

    def _diverge(self, epoch, cause, learning_rate):
        self._divergence = (epoch, cause, learning_rate)

    def _derive_update(self, params):
        """Fill the previous kept epoch's missing updates from this epoch's parameters."""
        if self._last is None:
            return
        epoch, before, given, _ = self._last
        if given is None and epoch in self._kept:
            self._kept[epoch]["updates"] = [(np.asarray(w, np.float64) - bw, np.reshape(b, (1, -1)) - bb)
                                            for (w, b), (bw, bb) in zip(params, before)]
            self._kept[epoch]["derived"] = True

    def _checked_updates(self, updates):
        updates = layer_arrays(updates, "updates")
        # biases as the layers give them: (n,) or (1, n), as for the parameters and the state
        if [tuple(a.shape) for w, b in updates for a in (w, np.reshape(b, (1, -1)))] != self._shapes:
            raise ArgumentError("updates", "must have the shapes of the layers' weights and biases")
        return updates

    def _checked_state(self, state):
        """``state`` copied as ``{slot: [(weights, biases), ...]}``, each slot of :attr:`state_slots`, each shape the
        layers'."""
        slots = self.state_slots
        if not isinstance(state, dict):
            raise ArgumentError("state", "must be a dict of slot -> per-layer pairs")
        if set(state) != set(slots):
            raise ArgumentError("state", f"must give the slots {', '.join(slots) or '(none)'} of the "
                                         f"{self.optimizer.name} optimizer (got {', '.join(map(str, state)) or 'none'})")
        copies = {}
        for slot in slots:
            pairs = layer_arrays(state[slot], f"state[{slot!r}]")
            if [tuple(a.shape) for w, b in pairs for a in (w, np.reshape(b, (1, -1)))] != self._shapes:
                raise ArgumentError("state", f"{slot} must have the shapes of the layers' weights and biases")
            copies[slot] = [(np.array(w, np.float64), np.reshape(np.array(b, np.float64), (1, -1))) for w, b in pairs]
        return copies

    def _keep(self, epoch, copies, updates, state=None, *, thin=True):
        self._settle()
        if self._divergence is not None and self._divergence[0] <= epoch:
            return                       # this epoch or one before it ended the recording: nothing to keep
        copies = [(w.copy(), b.copy()) for w, b in copies]
        self._kept[epoch] = {"params": copies, "state": state, "derived": False, "updates": None if updates is None else
                             [(np.array(u, np.float64), np.reshape(np.array(v, np.float64), (1, -1)))
                              for u, v in updates]}
        if self._grid_later is not None:
            self._grids[epoch] = self._grid_later(copies)     # a future: the tracer evaluates it beside the loop
        elif self.predict is not None:
            self._grids[epoch] = self._grid(copies)
        if thin and self._wanted is None and len(self._kept) > 2 * self.frames:
            self._stride *= 2
            for old in [e for e in self._kept if e % self._stride]:
                del self._kept[old]
                grid = self._grids.pop(old, None)
                if hasattr(grid, "cancel"):
                    grid.cancel()

    def _grid(self, params):
        """The decision grid of one epoch: ``predict`` on the grid points, as uint8."""
        return grid_of(self.predict(self._points), self.grid_resolution, self._classes())

    def _book_grids(self, epochs):
        params = [self._kept[e]["params"] for e in epochs]
        return decision_grid([[w for w, _ in p] for p in params], [[b for _, b in p] for p in params],
                             self.extent, self.grid_resolution)

    def _classes(self):
        return self._shapes[-1][1] if self._shapes else int(self.y.max()) + 1

    def spec(self, *, last_epoch, frames, interrupted):
        """The :class:`~animator.run_spec.RunSpec` of what was recorded (see :func:`.recorder_parts.assemble`)."""
        sizes = [self._shapes[0][0], *[s[1] for s in self._shapes[::2]]]
        hidden, classes = tuple(sizes[1:-1]), sizes[-1]
        optimizer = self.optimizer
        config = RunConfig(dataset=self.dataset, samples=len(self.X), classes=classes, hidden=hidden,
                           optimizer=optimizer.name, hyperparameters=dict(optimizer.hyperparameters),
                           epochs=last_epoch if self.planned is None else self.planned, seed=None, frames=frames,
                           frame_spacing=self.frame_spacing, every=self.every,
                           grid_resolution=self.grid_resolution, grid_padding=self.grid_padding)
        return RunSpec(config=config, dataset=Dataset(self.dataset, None, len(self.X), classes),
                       architecture=Architecture(2, hidden, classes,
                                                 tuple(f"Dense({a}, {b})" for a, b in zip(sizes[:-1], sizes[1:]))),
                       optimizer=optimizer,
                       status=Status(len(self._losses), self.diverged_at, self.divergence_cause,
                                     self.divergence_learning_rate, interrupted),
                       versions=run_versions(), source=self.source)
