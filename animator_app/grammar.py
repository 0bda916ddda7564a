"""The command line's small notations, read into the engine's values.

The engine takes values (an :class:`~animator.sweep.Axis`, a dict of
settings); the texts users type for them are read here, at the edge:

- a sweep's grid, ``NAME=V1,V2,...`` or ``NAME=LOW..HIGH/N`` (N values spaced
  evenly on a log scale from LOW to HIGH), and a fixed setting, ``NAME=VALUE``.

Errors are :class:`~animator.errors.ArgumentError` for ``grids`` or
``settings``, which the command line words as ``--grid`` and ``--set``.
"""

import math
import re

from animator.errors import ArgumentError
from animator.optimizers import OPTIMIZERS, hyperparameter_names
from animator.sweep import MAX_VALUES, SIGNIFICANT, Axis, log_range

FORMS = "NAME=V1,V2,... or NAME=LOW..HIGH/N"
_RANGE = re.compile(r"^(?P<low>[^/]*?)\.\.(?P<high>[^/]*)/(?P<count>.*)$")


def _takes(optimizer):
    return [h.name for h in OPTIMIZERS[optimizer].HYPERPARAMETERS]


def _name(text, optimizer, argument):
    name, equals, rest = text.partition("=")
    name = name.strip().lower()
    if not equals or not name:
        expected = FORMS if argument == "grids" else "NAME=VALUE"
        raise ArgumentError(argument, f"{text!r}: expected {expected}")
    if name not in hyperparameter_names():
        raise ArgumentError(argument, f"{text!r}: {name!r} is not a hyper-parameter "
                                      f"(they are {', '.join(hyperparameter_names())})")
    if name not in _takes(optimizer):
        raise ArgumentError(argument, f"{text!r}: {optimizer} has no hyper-parameter {name!r} "
                                      f"(it takes {', '.join(_takes(optimizer))})")
    return name, rest.strip()


def _number(text, where, argument):
    try:
        value = float(text)
    except ValueError:
        raise ArgumentError(argument, f"{where}: {text.strip()!r} is not a number") from None
    if not math.isfinite(value):
        raise ArgumentError(argument, f"{where}: {text.strip()!r} is not a finite number")
    return value


def parse_grid(text, optimizer):
    """``"lr=0.1,1"`` or ``"lr=0.001..10/8"`` -> :class:`Axis`; a bad grid is an :class:`ArgumentError` (``grids``)."""
    where = repr(text)
    name, rest = _name(text, optimizer, "grids")
    if not rest:
        raise ArgumentError("grids", f"{where}: no values after '{name}=' (expected {FORMS})")
    match = _RANGE.match(rest)
    if match:
        low = _number(match["low"], where, "grids")
        high = _number(match["high"], where, "grids")
        try:
            count = int(match["count"])
        except ValueError:
            raise ArgumentError("grids", f"{where}: the N of LOW..HIGH/N must be a whole number "
                                         f"(got {match['count'].strip()!r})") from None
        if count < 2:
            raise ArgumentError("grids", f"{where}: a range needs at least 2 values (got {count})")
        if count > MAX_VALUES:
            raise ArgumentError("grids", f"{where}: at most {MAX_VALUES} values (got {count})")
        if not 0 < low < high:
            raise ArgumentError("grids", f"{where}: a log-spaced range needs 0 < LOW < HIGH")
        values = log_range(low, high, count)
    elif ".." in rest:
        raise ArgumentError("grids", f"{where}: a range is LOW..HIGH/N, like {name}=0.001..10/8")
    else:
        values = tuple(_number(part, where, "grids") for part in rest.split(","))
        if len(values) > MAX_VALUES:
            raise ArgumentError("grids", f"{where}: at most {MAX_VALUES} values (got {len(values)})")
    repeated = [v for k, v in enumerate(values) if v in values[:k]]
    if repeated:
        raise ArgumentError("grids", f"{where}: {repeated[0]:g} comes twice"
                                     + (f" (after rounding to {SIGNIFICANT} digits)" if match else ""))
    return Axis(name, values)


def parse_setting(text, optimizer):
    """``"decay=1e-3"`` -> ``("decay", 0.001)``; a bad setting is an :class:`ArgumentError` (``settings``)."""
    name, rest = _name(text, optimizer, "settings")
    if not rest:
        raise ArgumentError("settings", f"{text!r}: no value after '{name}='")
    return name, _number(rest, repr(text), "settings")


def parse_settings(texts, optimizer):
    """``["decay=1e-3", ...]`` -> ``{"decay": 0.001}``; a name given twice is an :class:`ArgumentError`."""
    fixed = {}
    for text in texts:
        name, value = parse_setting(text, optimizer)
        if name in fixed:
            raise ArgumentError("settings", f"{name} is set twice")
        fixed[name] = value
    return fixed


def sweep_from_text(optimizer, grids, settings=(), config=None):
    """:func:`animator.sweep.make_sweep` from the command line's texts: grids such as ``"lr=0.001..10/8"`` and
    settings such as ``"decay=1e-3"`` (a dict of settings is taken as it is)."""
    from animator.run import RunConfig
    from animator.sweep import make_sweep

    if optimizer not in OPTIMIZERS:
        raise ArgumentError("optimizer", f"{optimizer!r} is unknown (choose from {', '.join(OPTIMIZERS)})")
    axes = [grid if isinstance(grid, Axis) else parse_grid(grid, optimizer) for grid in grids]
    fixed = dict(settings) if isinstance(settings, dict) else parse_settings(settings, optimizer)
    return make_sweep(optimizer, axes, fixed, config if config is not None else RunConfig())
