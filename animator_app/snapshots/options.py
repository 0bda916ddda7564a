"""The snapshot plugin's command-line and ini options, and how it keeps out of syrupy's way.

``--snapshot-update`` is the flag syrupy defines too, with the same ``dest``:
when syrupy is installed it defines the flag, and one ``--snapshot-update``
updates both kinds of snapshots.
"""

import argparse
import importlib.metadata
import math
import os

import pytest

from animator.testing.tolerances import ATOL, LAYER_EPOCHS, RTOL

FRAME_TOLERANCE = 1.0
RESULTS = "animator-snapshots"   # the results folder in pytest's temporary folder, unless --snapshot-results
_INI = {  # name: (help, default)
    "animator_snapshot_rtol": ("relative tolerance of recording_snapshot (numpy.isclose's rtol)", str(RTOL)),
    "animator_snapshot_atol": ("absolute tolerance of recording_snapshot (numpy.isclose's atol)", str(ATOL)),
    "animator_snapshot_layer_epochs": ("epochs whose layer arrays a recording snapshot keeps", str(LAYER_EPOCHS)),
    "animator_frame_tolerance": ("RMS tolerance of frame_snapshot, on the 0-255 scale", str(FRAME_TOLERANCE)),
}


_SETTINGS = pytest.StashKey[dict]()
# flags syrupy defines too, with the same dest: ours only where syrupy's will not be there
_SHARED_FLAGS = {
    "--snapshot-update": ("update_snapshots", "write missing snapshots, rewrite those that differ and delete unused ones"),
    "--snapshot-warn-unused": ("warn_unused_snapshots", "report unused snapshots without failing the session"),
}


def pytest_addoption(parser, pluginmanager):
    group = parser.getgroup("animator", "animator snapshots (recording_snapshot, frame_snapshot)")
    if not _syrupy_defines_update(pluginmanager):
        for flag, (dest, text) in _SHARED_FLAGS.items():
            try:
                group.addoption(flag, action="store_true", default=False, dest=dest, help=text)
            except (ValueError, argparse.ArgumentError):
                pass    # another plugin defines it; it is read by its dest below
    group.addoption("--snapshot-results", metavar="DIR", default=None, dest="animator_snapshot_results",
                    help=f"where failing frame and recording snapshots write expected, actual and diff files "
                         f"(default: {RESULTS}/ in pytest's temporary folder)")
    for name, (text, default) in _INI.items():
        parser.addini(name, f"{text} (default {default})", default=default)


def _syrupy_defines_update(pluginmanager):
    """Whether syrupy has registered, or will register in this session, its own ``--snapshot-update``.

    Two plugins adding the same flag stop pytest, so ours is added only when
    syrupy's will not be.  syrupy comes in by its entry point (unless autoload is
    off), by ``-p syrupy`` or by ``PYTEST_PLUGINS``, and not when ``-p no:syrupy``.
    """
    if pluginmanager.is_blocked("syrupy"):
        return False
    if pluginmanager.has_plugin("syrupy"):
        return True
    config = pluginmanager.get_plugin("pytestconfig")
    autoload = not os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD") and not getattr(
        getattr(config, "known_args_namespace", None), "disable_plugin_autoload", False)
    if autoload and "syrupy" in entry_point_names("pytest11"):
        return True
    args = [str(a) for a in getattr(getattr(config, "invocation_params", None), "args", ())]
    asked = {b for a, b in zip(args, args[1:]) if a == "-p"} | {a[2:] for a in args if a.startswith("-p")}
    asked |= set(os.environ.get("PYTEST_PLUGINS", "").replace(" ", "").split(","))
    return "syrupy" in asked


def entry_point_names(group):
    """The names of the installed entry points in ``group`` (Python 3.9's ``entry_points()`` is a dict)."""
    found = importlib.metadata.entry_points()
    chosen = found.select(group=group) if hasattr(found, "select") else found.get(group, ())
    return {entry.name for entry in chosen}


def updating(config):
    # syrupy's dest, and pytest-snapshot's, whichever plugin defined the flag
    return bool(getattr(config.option, "update_snapshots", False) or getattr(config.option, "snapshot_update", False))


def warn_unused(config):
    return bool(getattr(config.option, "warn_unused_snapshots", False))


def check_settings(config):
    """Read and check the ini options once, at start-up: every bad value in one :class:`pytest.UsageError`."""
    values, problems = {}, []
    for name in _INI:
        text = config.getini(name)
        try:
            value = float(text)
        except (TypeError, ValueError):
            problems.append(f"{name} = {text!r} is not a number")
            continue
        whole = name == "animator_snapshot_layer_epochs"
        if not math.isfinite(value) or value < (1 if whole else 0) or (whole and not value.is_integer()):
            problems.append(f"{name} = {text!r} must be {'a whole number, 1 or more' if whole else '0 or more'}")
        values[name] = int(value) if whole else value
    if problems:
        raise pytest.UsageError("animator snapshots: " + "; ".join(problems) + " (in the pytest configuration)")
    config.stash[_SETTINGS] = values


def ini_float(config, name):
    """An ini option's value, as checked at start-up by :func:`check_settings`."""
    if _SETTINGS not in config.stash:
        check_settings(config)
    return config.stash[_SETTINGS][name]

