"""A reader's optimizer class, loaded from their file for ``animator check`` (:mod:`.commands.check`).

The file is imported as a module, so its top level runs; every failure to
load it is one line (:class:`UserError`, exit status 2).  A class that loads
but differs from the book's is exit status 1 (``EXIT_DIFFERS``).
"""

import importlib.util
import os
import sys
import traceback

from animator.errors import UserError

EXIT_DIFFERS = 1


def load_class(target):
    """The class ``CLASS`` of ``FILE.py:CLASS``, importing the file as a module (its top level runs).

    Without ``:CLASS`` the file's one optimizer class is taken: the one class
    with an ``update_params`` (or ``update``) method.  Every failure is a
    :class:`UserError` of one line: no such file, a syntax error or an exception
    while importing (with its line), no such class.
    """
    path, colon, name = target.rpartition(":")
    if not colon or not path or os.sep in name or name.endswith(".py"):
        path, name = target, None
    if not os.path.isfile(path):
        what = "is a folder" if os.path.isdir(path) else "no such file"
        raise UserError(f"{path}: {what} (expected FILE.py:CLASS, e.g. my_optimizers.py:Optimizer_Adam)")
    module = _import(path)
    classes = {key: value for key, value in vars(module).items()
               if isinstance(value, type) and value.__module__ == module.__name__}
    if name is None:
        found = [key for key, value in classes.items()
                 if callable(getattr(value, "update_params", None)) or callable(getattr(value, "update", None))]
        if len(found) != 1:
            listed = ", ".join(found) if found else "none"
            raise UserError(f"{path}: say which class to check, as {path}:CLASS "
                            f"(optimizer classes found: {listed})")
        name = found[0]
    if not hasattr(module, name):
        defined = ", ".join(classes) or "no classes"
        raise UserError(f"{path} has no {name} (it defines {defined})")
    value = getattr(module, name)
    if not callable(value):
        raise UserError(f"{path}: {name} is a {type(value).__name__}, not a class")
    return value


def _import(path):
    """Import ``path`` under a private module name, with its folder importable for its own imports."""
    folder = os.path.dirname(os.path.abspath(path))
    module_name = "_animator_checked_" + os.path.splitext(os.path.basename(path))[0].replace("-", "_")
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None:
        raise UserError(f"{path}: cannot be imported as Python (expected a .py file)")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    sys.path.insert(0, folder)
    try:
        spec.loader.exec_module(module)
    except SyntaxError as error:
        raise UserError(f"{path}, line {error.lineno}: SyntaxError: {error.msg}") from None
    except (Exception, SystemExit) as error:
        frames = [f for f in traceback.extract_tb(error.__traceback__)
                  if os.path.abspath(f.filename) == os.path.abspath(path)]
        where = f" (line {frames[-1].lineno})" if frames else ""
        raise UserError(f"importing {path} raised {type(error).__name__}: {error}{where}") from None
    finally:
        sys.path.remove(folder)
    return module
