"""Find the book's objects in a running script by what they do, and hand its epochs to a :class:`Recorder`.

``animator record`` runs a reader's chapter code unmodified inside a
:class:`BookTracer`.  During the first update round a ``sys.settrace`` hook
watches calls: the objects passed to an optimizer's ``update_params(layer)``
are the Dense layers (``weights``, ``biases``, ``dweights``, ``dbiases``,
``forward``), its ``self`` the optimizer; the first call of ``forward`` or
``calculate`` that receives ``(output, y)`` is the loss, and its return value
the epoch's loss; the outermost ``forward`` calls before it are the model's
chain, whose first input is the data.  Then tracing stops (it would cost a
Python call per numpy call) and only the optimizer classes' ``update_params``
is wrapped, for the length of the run: after the last layer's update of each
round the tracer reads the loss from the variable the loop keeps it in, the
accuracy as the book computes it (argmax of the softmax output against ``y``),
the learning rate the next epoch prints (``current_learning_rate``), and, at
the frame epochs, the weights and the updates the optimizer made (weights
after the update minus before).  If the loss is in no variable the tracer
keeps tracing, slower but the same.

The decision regions are :mod:`animator.record_grids`'s, beside the loop.
Where the script does not say its last epoch (``--epochs``), it is read from
the loop's own ``for ... in range(...)`` line (:mod:`animator.loop_range`), so
the frame epochs are known in advance and no grid is evaluated for an epoch
that is not a frame.
"""

import sys

import numpy as np

from .errors import UserError
from .loop_range import planned_last_epoch
from .record_grids import Regions
from .tracer_block import EpochBlock, ShapeChanged, accuracy

LAYER_ATTRIBUTES = ("weights", "biases", "dweights", "dbiases", "forward")


class NotRecognised(UserError):
    """The script trains nothing the tracer can record, said in one line."""


def is_dense(value):
    return all(hasattr(value, name) for name in LAYER_ATTRIBUTES)


class _Model:
    """What discovery found for one optimizer: its layers, chain, loss, data and where the loop keeps the loss."""

    def __init__(self, optimizer, name):
        self.optimizer, self.name = optimizer, name
        self.layers = []          # in update order, one round
        self.calls = 0


class BookTracer:
    """Runs ``run()`` (the script) and records the model it trains into a Recorder made by ``make_recorder``.

    ``make_recorder(X, y, optimizer)`` is called once the data and optimizer are
    known; ``model``: the variable or class name of the optimizer to record where
    a script trains several.
    """

    def __init__(self, make_recorder, *, model=None):
        self.make_recorder, self.wanted = make_recorder, model
        self.recorder = None
        self.model = None
        self.others = {}          # id -> "name: Class" of every other optimizer seen
        self._epoch_calls = []    # outermost forward calls of the round under way: (object, first argument)
        self._loss = None         # (object, args, value) of this round's loss call
        self._depth = 0
        self._patched = []
        self._fast = False
        self._loss_slot = None    # (namespace owner frame, name) holding the loss
        self._first_loss = None
        self._regions = None
        self._epochs = 0          # update rounds completed
        self._block = None        # the epochs gathered for the Recorder (animator.tracer_block), once it takes them

    # -- running ---------------------------------------------------------------------------
    def run(self, script):
        """Call ``script()`` under the tracer; KeyboardInterrupt propagates (the finished epochs stay recorded)."""
        previous = sys.gettrace()
        sys.settrace(self._global)
        try:
            script()
        finally:
            sys.settrace(previous)
            for cls, name, original in reversed(self._patched):
                if original is None:
                    delattr(cls, name)
                else:
                    setattr(cls, name, original)
            self._patched.clear()

    def finish(self, *, interrupted=False):
        """The Recording, or :class:`NotRecognised` naming what was not found."""
        failed = True
        try:
            if self.model is None or self.recorder is None:
                raise NotRecognised(self._missing())
            if self.others and self.wanted is None:
                names = ", ".join(sorted({self._label(self.model), *self.others.values()}))
                raise NotRecognised(f"it trains more than one model ({names}); pick one with --model NAME")
            if self._block is not None:
                self._block.flush()
            recording = self.recorder.finish(interrupted=interrupted)
            failed = False
            return recording
        finally:
            if self._regions is not None:
                self._regions.close(abandon=failed)      # on an error, what is queued is not wanted

    def _missing(self):
        if self.wanted is not None and self.others:
            return (f"no optimizer called {self.wanted!r} trains a model (found "
                    f"{', '.join(sorted(self.others.values()))})")
        if self._seen_update is None:
            return "no optimizer call found: nothing calls update_params(layer) on a Dense layer"
        return self._seen_update

    _seen_update = None

    # -- discovery: every call, until the first update round is complete ---------------------
    def _global(self, frame, event, arg):
        name = frame.f_code.co_name
        if name == "update_params" or name == "forward" or name == "calculate":
            return self._call(frame, name)
        return None

    def _call(self, frame, name):
        args = frame.f_locals
        code = frame.f_code
        names = code.co_varnames[:code.co_argcount]
        if not names:
            return None
        owner = args.get(names[0])
        if name == "update_params":
            layer = args.get(names[1]) if len(names) > 1 else None
            if not is_dense(layer):
                self._seen_update = (f"update_params is called on a {type(layer).__name__}, not a Dense layer "
                                     f"(weights, biases, dweights, dbiases, forward)")
                return None
            return self._update(owner, layer, frame)
        if self._depth or self._loss is not None:
            return None                       # inside another forward, or after the loss: not the chain
        inputs = args.get(names[1]) if len(names) > 1 else None
        targets = args.get(names[2]) if len(names) > 2 else None
        if targets is not None and _labels_for(inputs, targets):
            self._loss = [owner, inputs, targets, None]
            self._depth += 1
            return self._returned_loss
        if name == "forward":
            self._epoch_calls.append((owner, inputs))
            self._depth += 1
            return self._returned
        return None

    def _returned(self, frame, event, arg):
        if event == "return":
            self._depth -= 1
        return self._returned

    def _returned_loss(self, frame, event, arg):
        if event == "return":
            self._depth -= 1
            self._loss[3] = arg
        return self._returned_loss

    def _label(self, model):
        return f"{model.name}: {type(model.optimizer).__name__}" if model.name else type(model.optimizer).__name__

    def _update(self, optimizer, layer, frame):
        """An ``update_params(layer)`` call seen by the trace, before it runs; returns the frame's local tracer."""
        name = _name_of(optimizer, frame.f_back)
        label = f"{name}: {type(optimizer).__name__}" if name else type(optimizer).__name__
        if self.model is not None or (self.wanted is not None and self.wanted not in (name, type(optimizer).__name__)):
            if self.model is None or optimizer is not self.model.optimizer:
                self.others[id(optimizer)] = label
            self._epoch_calls, self._loss = [], None
            return None
        if self._loss is None or self._loss[3] is None:
            raise NotRecognised("no loss found: no forward(output, y) call returns a number before the update")
        model = self.model = _Model(optimizer, name)
        model.chain = _chain(self._epoch_calls, [layer], self._loss[1])
        model.layers = [obj for obj, _ in model.chain if is_dense(obj)]
        self._loop_frame = frame.f_back
        self._before = [(np.array(d.weights, copy=True), np.array(d.biases, copy=True)) for d in model.layers]
        self._lr = getattr(optimizer, "current_learning_rate", None)
        return self._first_update_returned

    def _first_update_returned(self, frame, event, arg):
        if event != "return":
            return self._first_update_returned
        self.model.calls = 1
        self._setup()
        for cls in _optimizer_classes(self.model.optimizer, self._loop_frame):
            self._wrap(cls)
        return None

    def _wrap(self, cls):
        original = cls.__dict__.get("update_params")
        self._patched.append((cls, "update_params", original))
        inherited = getattr(cls, "update_params")
        tracer = self

        def update_params(optimizer, layer, *args, **kwargs):
            tracer._before_update(optimizer)
            result = inherited(optimizer, layer, *args, **kwargs)
            tracer._after_update(optimizer)
            return result

        update_params.__wrapped__ = inherited
        setattr(cls, "update_params", update_params)

    def _before_update(self, optimizer):
        model = self.model
        if optimizer is model.optimizer and model.calls % len(model.layers) == 0:
            # a round's first update: the layers still hold the parameters this epoch's forward pass used
            if self._block is not None:
                try:
                    self._params_now = self._block.copy_in(self._dense)
                    return
                except ShapeChanged:     # the Recorder says what changed, epoch by epoch
                    self._block.flush()
                    self._block = None
            self._params_now = [(np.array(d.weights, copy=True), np.array(d.biases, copy=True)) for d in self._dense]

    def _after_update(self, optimizer):
        model = self.model
        if optimizer is not model.optimizer:
            if id(optimizer) not in self.others:
                name = _name_of(optimizer, sys._getframe(2))
                self.others[id(optimizer)] = (f"{name}: {type(optimizer).__name__}" if name
                                              else type(optimizer).__name__)
            return
        model.calls += 1
        if model.calls % len(model.layers) == 0:
            self._end_round()

    # -- set up once the first round is complete ----------------------------------------------------
    def _setup(self):
        from .recorder_parts import read_data
        from .source import Source

        model = self.model
        owner, outputs, targets, loss = self._loss
        X = model.chain[0][1]
        read_data(X, targets)
        self.recorder = self.make_recorder(X, targets, model.optimizer)
        source = self.recorder.source
        self.recorder.source = Source(**{**source.to_json(), "optimizer_class": type(model.optimizer).__name__[:120],
                                         "model": (model.name or type(model.optimizer).__name__)[:120]
                                         if self.wanted else None})
        self._y = self.recorder.y
        self._dense = model.layers
        self._probabilities = ((owner, "output") if hasattr(getattr(owner, "activation", None), "forward")
                               else (model.chain[-1][0], "output"))
        chain = [obj for obj, _ in model.chain]
        if self.recorder.planned is None:
            self.recorder.plan(planned_last_epoch(self._loop_frame))
        self._regions = Regions(chain, getattr(owner, "activation", None),
                                [k for k, obj in enumerate(chain) if is_dense(obj)], self._before, self.recorder)
        self.recorder._grid_later = self._regions.later
        self._loss_name = _name_of(loss, self._loop_frame)
        self._first = (loss, self._lr)
        self._params_now = self._before
        self._fast = self._loss_name is not None
        self._loss, self._epoch_calls = None, []
        sys.settrace(None if self._fast else self._global_slow)   # the loss in no variable: keep watching calls

    def _global_slow(self, frame, event, arg):
        name = frame.f_code.co_name
        if name in ("forward", "calculate") and not self._depth and self._loss is None:
            return self._call(frame, name)
        return None

    def _end_round(self):
        """After the last layer's update of a round: the epoch that round trained is complete."""
        recorder, model = self.recorder, self.model
        epoch, self._epochs = self._epochs, self._epochs + 1     # the recorder's count would settle it each epoch
        if epoch == 0:
            loss, lr = self._first
        elif self._fast:
            namespace = self._loop_frame.f_locals
            loss, lr = namespace.get(self._loss_name), self._lr
        else:
            loss, lr = (self._loss[3] if self._loss else None), self._lr
            self._loss = None
        params, block = self._params_now, self._block
        updates = state = None
        if recorder.keeps(epoch):
            # in the layers' own type, as the script computes (a block's rows hold float64)
            updates = [(np.asarray(d.weights) - np.asarray(w, np.asarray(d.weights).dtype).reshape(np.shape(d.weights)),
                        np.asarray(d.biases) - np.asarray(b, np.asarray(d.biases).dtype).reshape(np.shape(d.biases)))
                       for d, (w, b) in zip(self._dense, params)]
            state = self._state()
        owner, attribute = self._probabilities
        if block is None:
            recorder.epoch(float(loss), accuracy(getattr(owner, attribute), self._y), lr, params,
                           updates=updates, state=state)
            if epoch == 0 and EpochBlock.usable(recorder):
                self._block = EpochBlock(recorder, self._y)
        else:
            block.add(float(loss), lr, getattr(owner, attribute), updates, state)
        # the next epoch prints the learning rate the optimizer holds now (pre_update_params comes after its print)
        self._lr = getattr(model.optimizer, "current_learning_rate", None)

    def _state(self):
        """The optimizer's state on the layers after this round's updates, under the book's names
        (``layer.weight_cache``, ...), or None where a layer lacks one or holds it in another shape."""
        slots = self.recorder.state_slots
        if not slots:
            return None
        state = {}
        for slot in slots:
            pairs = []
            for dense in self._dense:
                w, b = getattr(dense, f"weight_{slot}", None), getattr(dense, f"bias_{slot}", None)
                if not (isinstance(w, np.ndarray) and isinstance(b, np.ndarray) and w.shape == dense.weights.shape
                        and b.size == np.size(dense.biases)):
                    return None
                pairs.append((w.copy(), b.copy()))     # AdaGrad's cache grows in place: as it is now
            state[slot] = pairs
        return state



def _labels_for(inputs, targets):
    """Whether ``targets`` are labels (or one-hot rows) for the rows of ``inputs``."""
    if not (isinstance(inputs, np.ndarray) and isinstance(targets, np.ndarray)) or inputs.ndim != 2:
        return False
    return len(targets) == len(inputs) and (targets.ndim == 1 and targets.dtype.kind in "iu"
                                             or targets.ndim == 2 and targets.shape == inputs.shape)


def _chain(calls, layers, loss_inputs):
    """The forward calls from the first Dense layer to the loss, each fed the one before's output."""
    start = next((k for k, (obj, _) in enumerate(calls) if any(obj is layer for layer in layers)), None)
    if start is None:
        raise NotRecognised("no Dense layer's forward found before the loss")
    chain = calls[start:]
    for (before, _), (obj, inputs) in zip(chain, chain[1:]):
        if getattr(before, "output", None) is not inputs:
            raise NotRecognised(f"its model is not a chain: {type(obj).__name__}.forward does not take "
                                f"{type(before).__name__}'s output")
    if getattr(chain[-1][0], "output", None) is not loss_inputs:
        raise NotRecognised("its loss does not take the model's last output")
    inside = [obj for obj, _ in chain]
    if any(not any(layer is obj for obj in inside) for layer in layers):
        raise NotRecognised("it updates a layer that is not in the forward chain to the loss")
    if not isinstance(chain[0][1], np.ndarray) or chain[0][1].ndim != 2 or chain[0][1].shape[1] != 2:
        raise NotRecognised("its data are not (n, 2) points (animator draws 2-D decision regions)")
    return chain


def _optimizer_classes(optimizer, frame):
    """The optimizer's class and every class the script defines with an ``update_params`` (to see other models)."""
    found = [type(optimizer)]
    module = frame.f_globals.get("__name__")
    for value in list(frame.f_globals.values()):
        if (isinstance(value, type) and value.__module__ == module and "update_params" in vars(value)
                and value not in found):
            found.append(value)
    return found


def _name_of(value, frame):
    """The name ``frame`` (its locals, else its globals) binds to ``value``, or None."""
    if frame is None:
        return None
    for namespace in (frame.f_locals, frame.f_globals):
        for name, bound in namespace.items():
            if bound is value and not name.startswith("_"):
                return name
    return None
