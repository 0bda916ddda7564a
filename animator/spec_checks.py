"""The one-line checks :meth:`animator.run_spec.RunSpec.from_json` makes of a stored run spec.

A spec comes from a file, so each value is checked for its type and range
before anything is built from it; each check either returns the value or
raises :class:`SpecError` naming where in the spec it failed
(``its run spec has no valid status.interrupted (true or false)``).
"""

import math
from dataclasses import fields

from .errors import UserError
from .optimizers import OptimizerSpec, make_optimizer
from .plain import plain


class SpecError(UserError):
    """A run spec that does not verify, said in one line."""


def bad(where, what):
    raise SpecError(f"its run spec has no valid {where} ({what})")


def check_keys(value, where, part=None, *, known=None, optional=()):
    """Refuse a missing or an unexpected key of ``value`` (a part's fields, or ``known``)."""
    if known is None:
        known = {f.name for f in fields(part)}
    for key in value:
        if key not in known:
            raise SpecError(f"its run spec has an unexpected key {str(key)[:40]!r}" + (f" in {where}" if where else ""))
    for key in sorted(known - set(value) - set(optional)):
        bad(f"{where}.{key}" if where else key, "missing")


def a_dict(value, where):
    if not isinstance(value, dict):
        bad(where, "a dict")
    return value


def is_whole(value):
    return isinstance(value, int) and not isinstance(value, bool)


def whole(value, where, low, *, none=False):
    if (value is None and none) or (is_whole(value) and value >= low):
        return value
    bad(where, f"a whole number from {low}" + (" or null" if none else ""))


def number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def a_text(value, where, *, none=False):
    if (value is None and none) or isinstance(value, str):
        return value
    bad(where, "a text" + (" or null" if none else ""))


def sizes(value, where):
    if isinstance(value, list) and value and all(is_whole(h) and h >= 1 for h in value):
        return tuple(value)
    bad(where, "a list of positive sizes")


def optimizer_of(value, where, *, custom=False):
    """An :class:`OptimizerSpec` this animator can build, from ``{"name": ..., "hyperparameters": ...}``.

    ``custom``: a recorded run's optimizer may also be a :class:`~animator.source.CustomOptimizer`
    (``{"name": "custom", "hyperparameters": ..., "label": ...}``).
    """
    from .source import CUSTOM, MAX_LABEL, custom_optimizer

    value = a_dict(value, where)
    is_custom = custom and value.get("name") == CUSTOM
    check_keys(value, where, known={"name", "hyperparameters", *(("label",) if is_custom else ())})
    name, hyper = a_text(value["name"], f"{where}.name"), a_dict(value["hyperparameters"], f"{where}.hyperparameters")
    if not all(number(v) for v in hyper.values()):
        bad(f"{where}.hyperparameters", "numbers")
    if is_custom:
        label = a_text(value["label"], f"{where}.label")
        if not 0 < len(label) <= MAX_LABEL or len(hyper) > 16 or any(len(str(k)) > 40 for k in hyper):
            bad(where, f"a name of at most {MAX_LABEL} characters and a few settings")
        return custom_optimizer(label, hyper)
    try:
        make_optimizer(name, **hyper)
    except (ValueError, TypeError) as error:
        message = str(error).strip().splitlines()
        raise SpecError(f"its run spec has an optimizer this animator cannot make "
                        f"({message[0] if message else type(error).__name__})") from None
    return OptimizerSpec(name, hyper)


def same(stored, derived):
    """Whether a value the file stores twice agrees with the one derived from its config."""
    return plain(stored) == plain(derived)
