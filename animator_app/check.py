"""A reader's optimizer class, loaded from their file or notebook: the isolating loader ``animator check`` uses.

>>> loaded = load_file("alice/optimizers.py")                          # doctest: +SKIP
>>> cls = loaded.pick("Optimizer_Adam")                                # doctest: +SKIP
>>> cls = load_class("lecture.ipynb:Optimizer_Adam")                   # doctest: +SKIP

The file is imported under a module name of its own (no two submissions
share one), with its folder first on ``sys.path`` for its own imports; the
modules it brings in from its folder (its ``helpers.py``) are taken out of
``sys.modules`` again afterwards, and a module of the same name that another
file loaded before is set aside meanwhile, so each file imports its own.  (A
module imported lazily, inside a method, at check time, is not covered: the
command runs each check in a fresh process, :mod:`.grading`, which is.)

A notebook (``.ipynb``) runs its code cells (:mod:`.notebook`).  Code written
for IPython runs with stand-ins for ``get_ipython()`` and ``display()``; what
was left out is listed in ``Loaded.skipped``.  Every failure to load is a
one-line :class:`UserError`: no such file, a syntax error, an exception or an
exit while importing (with its line), no such class.
"""

import itertools
import os
import sys
import time
import types
from dataclasses import dataclass

from animator.errors import UserError
from animator.optimizers import OPTIMIZERS
from animator.testing import lacks, look_alikes
from animator.testing.reader import raised, where
from animator.untrusted import is_regular_file

from .notebook import is_notebook, read_notebook, run_notebook, stand_ins

EXIT_DIFFERS = 1
_loads = itertools.count(1)


@dataclass(frozen=True)
class Loaded:
    """A reader's file once imported: its module, how long the import took, and the IPython lines left out."""

    path: str
    module: types.ModuleType
    seconds: float
    skipped: tuple = ()

    def classes(self):
        """The classes the file itself defines, by name, in order."""
        return {key: value for key, value in vars(self.module).items()
                if isinstance(value, type) and value.__module__ == self.module.__name__}

    def pick(self, name=None, *, optimizer=None):
        """The class ``name``; without it, the one optimizer class (or the one named like ``optimizer``, e.g. adam).

        Refusals name what is there: the classes defined, and without a name
        each candidate with what it lacks (``update_parameters`` looks like
        ``update_params``).
        """
        path, classes = self.path, self.classes()
        if name is not None:
            if not hasattr(self.module, name):
                raise UserError(f"{path} has no {name} (it defines {', '.join(classes) or 'no classes'})")
            value = getattr(self.module, name)
            if not callable(value):
                raise UserError(f"{path}: {name} is a {type(value).__name__}, not a class")
            return value
        usable = [key for key, value in classes.items() if not lacks(value)]
        if optimizer is not None and len(usable) > 1:
            named = [key for key in usable if _names(key, optimizer)]
            if len(named) == 1:
                return classes[named[0]]
        if len(usable) == 1:
            return classes[usable[0]]
        if usable:
            raise UserError(f"{path}: say which class to check, as {path}:CLASS "
                            f"(optimizer classes found: {', '.join(usable)})")
        near = {key: value for key, value in classes.items()
                if look_alikes(value) or any(_names(key, o) for o in OPTIMIZERS) or "optim" in key.lower()}
        named = [key for key in near if optimizer is not None and _names(key, optimizer)]
        if len(named) == 1 or len(near) == 1:
            key = named[0] if len(named) == 1 else next(iter(near))
            raise UserError(f"{path}: {key} has {lacks(near[key])}")
        if not near:
            raise UserError(f"{path}: no optimizer class found, with update_params(layer) or init(param) and "
                            f"update(grad, state) (it defines {', '.join(classes) or 'no classes'})")
        listed = ", ".join(f"{key} (its {look_alikes(value)['update_params']} looks like update_params)"
                           if "update_params" in look_alikes(value) else key for key, value in near.items())
        raise UserError(f"{path}: no optimizer class found: none has update_params(layer), nor init(param) and "
                        f"update(grad, state): {listed}")


def load_class(target, *, optimizer=None):
    """The class of ``FILE.py:CLASS`` (or ``NOTEBOOK.ipynb:CLASS``), the file imported as by :func:`load_file`.

    Without ``:CLASS`` the file's one optimizer class is taken, or the one
    whose name names ``optimizer`` (``Optimizer_Adam`` for ``adam``).
    """
    path, name = split_target(target)
    return load_file(path).pick(name, optimizer=optimizer)


def split_target(target):
    """``("mine.py", "Optimizer_Adam")`` from ``mine.py:Optimizer_Adam``; ``("mine.py", None)`` from ``mine.py``."""
    path, colon, name = target.rpartition(":")
    if not colon or not path or os.sep in name or name.endswith((".py", ".ipynb")) or not name.isidentifier():
        return target, None
    return path, name


def load_file(path):
    """Import the reader's ``.py`` file, or run their notebook's code cells, in a module of its own; a :class:`Loaded`."""
    if not os.path.exists(path) or os.path.isdir(path) or not is_regular_file(path):
        what = ("is a folder" if os.path.isdir(path) else "no such file" if not os.path.exists(path)
                else "is not a regular file")
        raise UserError(f"{path}: {what} (expected FILE.py:CLASS or NOTEBOOK.ipynb:CLASS, "
                        f"e.g. my_optimizers.py:Optimizer_Adam)")
    stem = os.path.splitext(os.path.basename(path))[0]
    module_name = f"_animator_checked_{next(_loads)}_{''.join(c if c.isalnum() else '_' for c in stem)}"
    notebook = read_notebook(path) if is_notebook(path) else None
    folder = os.path.dirname(os.path.abspath(path))
    started = time.monotonic()
    with _own_imports(folder, keep=module_name):
        try:
            if notebook is not None:
                module = run_notebook(notebook, module_name)
                skipped = tuple(text for _, _, text in notebook.skipped) + module.__ipython_calls__
            else:
                module, calls = _import(path, module_name)
                skipped = tuple(calls)
        except UserError:
            sys.modules.pop(module_name, None)
            raise
        except SyntaxError as error:
            sys.modules.pop(module_name, None)
            raise UserError(f"{path}, line {error.lineno}: SyntaxError: {error.msg}") from None
        except KeyboardInterrupt:
            sys.modules.pop(module_name, None)
            raise
        except BaseException as error:
            sys.modules.pop(module_name, None)
            hint = (" (keep a script's own code under if __name__ == '__main__':)"
                    if isinstance(error, SystemExit) else "")
            what = raised(error) if not isinstance(error, SystemExit) else f"raised SystemExit: {error}"
            raise UserError(f"importing {path} {what}{_line(error, path)}{hint}") from None
    return Loaded(path, module, time.monotonic() - started, skipped)


def _import(path, module_name):
    """Run a ``.py`` file as the module ``module_name``; its ``get_ipython()`` calls (an exported notebook) listed."""
    with open(path, "rb") as handle:
        source = handle.read()
    module = types.ModuleType(module_name)
    module.__file__ = os.path.abspath(path)
    names, ipython = stand_ins()
    if b"get_ipython" in source:
        module.__dict__["get_ipython"] = names["get_ipython"]
    sys.modules[module_name] = module
    exec(compile(source, module.__file__, "exec"), module.__dict__)
    return module, ipython.calls


def _line(error, path):
    """`` (line 12)`` or `` (cell 3, line 2)``: where in the reader's file the error was raised."""
    found = where(error, os.path.abspath(path))
    name = os.path.basename(path)
    if found.startswith(f" ({name}, "):
        return " (" + found[len(f" ({name}, "):]
    return found


class _own_imports:
    """Within the block the folder's own modules are what it imports; afterwards they leave ``sys.modules``."""

    def __init__(self, folder, *, keep):
        self.folder, self.keep = folder, keep

    def __enter__(self):
        self.before = set(sys.modules)
        self.set_aside = {}
        for name in _local_names(self.folder):
            module = sys.modules.get(name)
            if module is not None and not _inside(module, self.folder):
                self.set_aside[name] = sys.modules.pop(name)
        sys.path.insert(0, self.folder)
        return self

    def __exit__(self, *exc):
        if self.folder in sys.path:
            sys.path.remove(self.folder)
        for name in set(sys.modules) - self.before - {self.keep}:
            if _inside(sys.modules[name], self.folder):
                del sys.modules[name]        # the loaded module keeps its own reference
        for name, module in self.set_aside.items():
            sys.modules[name] = module
        return False


def _local_names(folder):
    """Names a folder's files and packages would be imported by."""
    try:
        entries = os.listdir(folder)
    except OSError:
        return set()
    names = {os.path.splitext(entry)[0] for entry in entries if entry.endswith(".py")}
    names |= {entry for entry in entries if os.path.isfile(os.path.join(folder, entry, "__init__.py"))}
    return names


def _inside(module, folder):
    where = getattr(module, "__file__", None)
    return bool(where) and os.path.abspath(where).startswith(folder + os.sep)


def _names(class_name, optimizer):
    """Whether ``class_name`` names the optimizer ``optimizer`` (``Optimizer_Adam``, ``AdamOptimizer`` for adam),
    and no other whose name holds that one's (as ``rmsprop`` holds ``rms``)."""
    plain = class_name.lower()

    def words(name):
        return {name.lower(), OPTIMIZERS[name].title.lower()} if name in OPTIMIZERS else {name.lower()}

    if not any(word in plain for word in words(optimizer)):
        return False
    return not any(other != optimizer and any(word in plain for word in words(other))
                   and any(mine in word and mine != word for mine in words(optimizer) for word in words(other))
                   for other in OPTIMIZERS)
