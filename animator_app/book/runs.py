"""The book's cache of training runs, shared by its jobs, and what a file's bytes depend on besides its settings.

The cache (a :class:`animator.cache.RunCache`, or None for none) is set by
:func:`use` before the pool forks, so every worker inherits the same one.
"""

import os
from dataclasses import replace

from animator.cache import config_check
from animator.versions import engine_versions, source_fingerprint
from animator.race import RaceResult, entrant
from animator.run import planned_frames

_CACHE = None       # the RunCache of the book being made; set before the pool forks (None: no cache)


def use(cache):
    """Make ``cache`` (a RunCache, or None) the one the jobs run with; returns it."""
    global _CACHE
    _CACHE = cache
    return cache


def current():
    """The RunCache the jobs run with, or None."""
    return _CACHE


def runs(parts, compute, check):
    """The Recordings of the run ``parts`` describes: from the cache, or ``compute()`` and kept."""
    if _CACHE is None:
        return list(compute())
    return _CACHE.fetch(parts, compute, check)


def race(scene):
    """A race's result, its entrants' Recordings from the cache when they are there."""
    fresh = []

    def compute():
        fresh.append(scene.compute())
        return fresh[0].recordings

    configs = [replace(scene.config, optimizer=spec.name, hyperparameters=dict(spec.hyperparameters))
               for spec in scene.specs]
    recordings = runs(("race", scene.config, scene.specs), compute, config_check(*configs))
    if fresh:
        return fresh[0]
    return RaceResult([entrant(spec) for spec in scene.specs], recordings, planned_frames(scene.config),
                      scene.config)


def render_versions():
    """What a file's bytes depend on besides its settings: the engine, the drawing and encoding code and libraries."""
    import imageio_ffmpeg
    import matplotlib
    import PIL

    import animator_app
    import renderers

    return {**engine_versions(), "matplotlib": matplotlib.__version__, "PIL": PIL.__version__,
            "imageio_ffmpeg": imageio_ffmpeg.__version__, "ffmpeg": os.path.basename(imageio_ffmpeg.get_ffmpeg_exe()),
            "source": source_fingerprint(renderers, animator_app)}
