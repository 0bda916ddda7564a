"""Any value the engine hands across a layer, as the plain value JSON can hold.

Settings, cache keys, snapshot infos and run specs are made of dicts, lists,
strings, numbers, booleans and None; this is the one place that says how
everything else becomes one of those.

>>> plain({"hidden": (64,), "lr": np.float32(0.5), 1: np.int64(3)})
{'hidden': [64], 'lr': 0.5, '1': 3}
"""

from dataclasses import fields, is_dataclass

import numpy as np


def plain(value):
    """``value`` as dicts (string keys), lists, str, int, float, bool and None.

    A value with ``to_json()`` or ``as_dict()`` gives that; another dataclass its
    fields under its type's name (so two kinds of settings never compare equal);
    a mapping a dict; a tuple a list; a numpy scalar or array Python numbers;
    anything else its ``repr``.
    """
    if isinstance(value, np.generic):
        return value.item()
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if hasattr(value, "to_json"):
        return plain(value.to_json())
    if hasattr(value, "as_dict"):
        return plain(value.as_dict())
    if is_dataclass(value) and not isinstance(value, type):
        return {"type": type(value).__name__, **{f.name: plain(getattr(value, f.name)) for f in fields(value)}}
    if hasattr(value, "items"):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    if isinstance(value, np.ndarray):
        return plain(value.tolist())
    return repr(value)
