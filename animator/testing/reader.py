"""The optimizer under test: built with the book's argument names, driven through the methods it has.

The book's loop calls ``pre_update_params()``, ``update_params(layer)`` for
each Dense layer, then ``post_update_params()``.  A reader's class is driven
in that order with whichever of them it has: a class that counts its steps in
``pre_update_params`` and has no ``post_update_params`` is judged by its
arithmetic like any other.  Only a class whose step cannot be taken at all (no
``update_params`` and no pure ``init``/``update``) is refused, and then told
which of its methods looks like the one it lacks (:func:`look_alikes`).

Whatever the reader's code raises, ``SystemExit`` and other ``BaseException``
included, is a :class:`ReaderError` naming the reader's line: an exit inside
``update_params`` is never a pass.  A real Ctrl-C or SIGTERM still interrupts.
"""

import contextlib
import difflib
import inspect
import os
import signal
import threading
import traceback

import numpy as np

from ..errors import UserError
from ..lifecycle import Terminated

KINDS = (("weight", "weights", "dweights"), ("bias", "biases", "dbiases"))
PROTOCOL = ("pre_update_params", "update_params", "post_update_params")

# names readers give the book's methods (compared without underscores or case), besides near spellings
ALIASES = {
    "update_params": ("updateparameters", "updateparam", "updateparams", "update", "optimize", "optimise",
                      "step", "apply", "applygradients", "updatelayer", "updateweights", "updatelayerparams",
                      "updatelayerparameters", "updatelayers", "optimizerupdate"),
    "pre_update_params": ("preupdateparameters", "preupdateparam", "preupdate", "beforeupdate", "prestep",
                          "preupdates", "beforeupdateparams", "beforeupdateparameters"),
    "post_update_params": ("postupdateparameters", "postupdateparam", "postupdate", "afterupdate", "poststep",
                           "postupdates", "afterupdateparams", "afterupdateparameters"),
}


class ReaderError(UserError):
    """The optimizer under test cannot be built or driven: missing methods, settings it refuses, an exception."""


def look_alikes(cls):
    """``{book method: the class's method that looks like it}`` for each method of the book's protocol it lacks.

    >>> class Adam_Optimizer:
    ...     def update_parameters(self, layer): ...
    ...     def post_update(self): ...
    >>> look_alikes(Adam_Optimizer)
    {'update_params': 'update_parameters', 'post_update_params': 'post_update'}
    """
    own = [name for name in dir(cls) if not name.startswith("__") and callable(getattr(cls, name, None))]
    found = {}
    for wanted in ("update_params", "pre_update_params", "post_update_params"):
        if callable(getattr(cls, wanted, None)):
            continue
        key = wanted.replace("_", "")
        best, score = None, 0.0
        for name in own:
            if name in PROTOCOL or name in found.values():
                continue
            plain = name.lower().replace("_", "")
            if wanted == "update_params" and ("pre" in plain or "post" in plain or plain in ("init", "before",
                                                                                             "after")):
                continue
            ratio = 1.0 if plain in ALIASES[wanted] else difflib.SequenceMatcher(None, key, plain).ratio()
            if ratio > score and (ratio >= 0.8 or plain in ALIASES[wanted]):
                best, score = name, ratio
        if best is not None:
            found[wanted] = best
    return found


def lacks(cls):
    """What keeps ``cls`` from being checked, in words (``""`` if it offers a protocol the check drives)."""
    if callable(getattr(cls, "update_params", None)):
        return ""
    if callable(getattr(cls, "init", None)) and callable(getattr(cls, "update", None)):
        return ""
    similar = look_alikes(cls).get("update_params")
    why = "no update_params(layer) method (the book's protocol), nor init(param) and update(grad, state)"
    return f"{why}; its {similar} looks like update_params: rename it" if similar else why


class Reader:
    """The optimizer under test, built with the book's argument names and driven through its protocol.

    ``steps`` counts the steps taken; ``counted_in`` is the method whose calls
    advanced a whole-number attribute of the optimizer by one (how it counts its
    steps), or None; ``hints`` are what its method names suggest.
    """

    def __init__(self, cls, kwargs):
        self.name = getattr(cls, "__name__", type(cls).__name__)
        self.source = _source_file(cls)
        self.book = callable(getattr(cls, "update_params", None))
        self.pure = not self.book and callable(getattr(cls, "init", None)) and callable(getattr(cls, "update", None))
        missing = lacks(cls)
        if missing:
            raise ReaderError(f"{self.name} has {missing}")
        self.hints = tuple(f"{self.name} has no {wanted}(); its {name} looks like it, but the check calls only "
                           f"the book's names: rename it"
                           for wanted, name in look_alikes(cls).items() if self.book)
        _check_signature(cls, self.name, kwargs)
        self.optimizer = self.call(f"{self.name}(...)", cls, **kwargs)
        self.states = {}
        self.steps = 0
        self.counts = {method: 0 for method in PROTOCOL}

    @property
    def counted_in(self):
        """Where the step count advances, from what the first steps showed (None: no count seen)."""
        seen = [method for method in PROTOCOL if self.counts[method]]
        return seen[0] if len(seen) == 1 else None

    def step(self, layers):
        """One step of the book's loop over ``layers``, with the methods the class has."""
        if self.pure:
            self._pure_step(layers)
        else:
            opt = self.optimizer
            if callable(getattr(opt, "pre_update_params", None)):
                self._counting("pre_update_params", opt.pre_update_params)
            for layer in layers:
                self._counting("update_params", opt.update_params, layer)
            if callable(getattr(opt, "post_update_params", None)):
                self._counting("post_update_params", opt.post_update_params)
        self.steps += 1

    def _counting(self, method, function, *args):
        before = _whole_numbers(self.optimizer)
        self.call(f"{self.name}.{method}({'layer' if args else ''})", function, *args)
        after = _whole_numbers(self.optimizer)
        if any(after.get(key) == value + 1 for key, value in before.items()):
            self.counts[method] += 1

    def _pure_step(self, layers):
        for i, layer in enumerate(layers):
            for kind, param, grad in KINDS:
                key = (i, kind)
                if key not in self.states:
                    self.states[key] = self.call(f"{self.name}.init(param)", self.optimizer.init,
                                                 getattr(layer, param))
                result = self.call(f"{self.name}.update(grad, state)", self.optimizer.update,
                                   getattr(layer, grad), self.states[key])
                try:
                    update, self.states[key] = result
                except (TypeError, ValueError):
                    raise ReaderError(f"{self.name}.update(grad, state) must return (update, new_state), "
                                      f"got {type(result).__name__}") from None
                value = getattr(layer, param) + np.asarray(update)
                setattr(layer, param, value.astype(getattr(layer, param).dtype, copy=False))

    def call(self, what, function, *args, **kwargs):
        """``function(*args, **kwargs)``; anything it raises or exits with is a ReaderError naming the reader's line."""
        with _interrupts() as signalled:
            try:
                return function(*args, **kwargs)
            except BaseException as error:
                if isinstance(error, KeyboardInterrupt) and (isinstance(error, Terminated) or signalled):
                    raise       # a real Ctrl-C or SIGTERM, not the reader's code raising one
                raise ReaderError(f"{what} {raised(error)}{where(error, self.source)}") from None


def raised(error):
    """``raised ValueError: bad shape``, ``exited (SystemExit 0)``: what the reader's code did, in words."""
    text = str(error).strip().splitlines()
    detail = f": {text[0]}" if text else ""
    if isinstance(error, SystemExit):
        return f"exited (SystemExit{' ' + text[0] if text else ''}), which is not a pass"
    return f"raised {type(error).__name__}{detail}"


def where(error, source):
    """`` (file.py, line 12)``: the innermost line of the reader's file (``source``) in the traceback.

    A notebook's cells are compiled as ``NOTEBOOK, cell N`` and count as its file.
    """
    frames = traceback.extract_tb(error.__traceback__)
    theirs = [f for f in frames if _is_theirs(f.filename, source)] if source else []
    if not theirs:
        here = os.path.dirname(os.path.abspath(__file__))
        theirs = [f for f in frames if not os.path.abspath(f.filename).startswith(here)
                  and "site-packages" not in f.filename and not f.filename.startswith("<frozen")]
    if not theirs:
        return ""
    frame = theirs[-1]
    return f" ({os.path.basename(frame.filename)}, line {frame.lineno})"


def _is_theirs(filename, source):
    name = os.path.abspath(filename)
    return name == source or name.startswith(source + ", cell ")


def _source_file(cls):
    try:
        return os.path.abspath(inspect.getsourcefile(cls) or "")
    except (TypeError, OSError):       # a class typed in a REPL has no source file
        return ""


def _whole_numbers(optimizer):
    values = getattr(optimizer, "__dict__", None) or {}
    return {key: int(value) for key, value in values.items()
            if isinstance(value, (int, np.integer)) and not isinstance(value, bool)}


_signalled = []        # Ctrl-Cs that arrived while a reader's method ran (in this process)


@contextlib.contextmanager
def _interrupts():
    """Within the block, a real SIGINT is recorded before it raises KeyboardInterrupt (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield ()
        return
    previous = signal.getsignal(signal.SIGINT)
    if not callable(previous):     # ignored, or not set from Python: nothing to record
        yield ()
        return
    mark = len(_signalled)

    def record(signum, frame):
        _signalled.append(signum)
        previous(signum, frame)

    signal.signal(signal.SIGINT, record)
    arrived = _Arrived(mark)
    try:
        yield arrived
    finally:
        signal.signal(signal.SIGINT, previous)
        del _signalled[mark:]


class _Arrived:
    """True once a Ctrl-C arrived within the block that made it."""

    def __init__(self, mark):
        self.mark = mark

    def __bool__(self):
        return len(_signalled) > self.mark


def _check_signature(cls, name, kwargs):
    """Refuse, in one line, settings the class's ``__init__`` does not take."""
    try:
        signature = inspect.signature(cls)
    except (TypeError, ValueError):
        return
    parameters = signature.parameters.values()
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters):
        return
    taken = [p.name for p in parameters if p.kind in (inspect.Parameter.POSITIONAL_OR_KEYWORD,
                                                        inspect.Parameter.KEYWORD_ONLY)]
    for argument in kwargs:
        if argument not in taken:
            raise ReaderError(f"{name} does not take {argument}= (its __init__ takes "
                              f"{', '.join(taken) or 'no settings'}), so it cannot be checked against these settings")
