"""The versions a result depends on besides its settings, collected in one place.

A Recording stores :func:`run_versions`; the run cache keys entries by
:func:`engine_versions` (those plus the engine's own source and the Recording
format); a sweep's store and a snapshot test name the same packages the same
way, and :func:`library_versions` adds the drawing libraries where pixels are
at stake.

>>> sorted(run_versions())
['animator', 'numpy', 'python']
"""

import glob
import hashlib
import importlib
import os
import platform

import numpy as np


def run_versions():
    """What a run's numbers depend on besides its settings: animator, numpy and Python."""
    from . import __version__

    return {"animator": __version__, "numpy": np.__version__, "python": platform.python_version()}


def engine_versions():
    """:func:`run_versions` plus the engine's source (:func:`source_fingerprint`) and the Recording format.

    A version number alone would let an edited checkout reuse runs of the code before the edit.
    """
    import animator

    from .run_spec import FORMAT_VERSION

    return {**run_versions(), "engine_source": source_fingerprint(animator), "recording_format": FORMAT_VERSION}


def library_versions(*modules):
    """``{module: __version__}`` of libraries by import name, imported here: ``library_versions("PIL")``."""
    return {name: importlib.import_module(name).__version__ for name in modules}


_SOURCES = {}


def source_fingerprint(*packages):
    """The SHA-256 of the ``.py`` files of ``packages`` (imported modules): a change to the code is a new engine."""
    digest = hashlib.sha256()
    for package in packages:
        root = os.path.dirname(os.path.abspath(package.__file__))
        if root not in _SOURCES:
            files = hashlib.sha256()
            for path in sorted(glob.glob(os.path.join(root, "**", "*.py"), recursive=True)):
                files.update(os.path.relpath(path, root).encode() + b"\0")
                with open(path, "rb") as handle:
                    files.update(handle.read())
            _SOURCES[root] = files.hexdigest()
        digest.update(_SOURCES[root].encode())
    return digest.hexdigest()
