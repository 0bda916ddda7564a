"""A package's public names, imported when first used rather than when the package is.

``import animator`` (or any ``animator.x`` submodule, which imports the package
first) then costs nothing beyond the package itself: the command line's parser
and ``animator --help`` need a few declarations, not the trainer, the sweep
or matplotlib.  ``from animator import Recording`` still works, and so do
``dir()`` and tab completion.
"""

import importlib


def exports(package, table):
    """``__getattr__``, ``__dir__`` and ``__all__`` for ``package``; ``table`` maps a submodule to the names it gives.

    >>> __getattr__, __dir__, __all__ = exports(__name__, {".run": ("RunConfig", "train")})
    """
    where = {name: module for module, names in table.items() for name in names}

    def __getattr__(name):
        try:
            module = where[name]
        except KeyError:
            raise AttributeError(f"module {package!r} has no attribute {name!r}") from None
        value = getattr(importlib.import_module(module, package), name)
        setattr(importlib.import_module(package), name, value)   # later lookups skip this function
        return value

    def __dir__():
        return sorted(set(importlib.import_module(package).__dict__) | set(where))

    return __getattr__, __dir__, sorted(where)
