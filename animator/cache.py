"""Recordings kept in a folder by what made them, so a run is trained once and loaded after.

An entry's key is the SHA-256 of its *key parts* (everything that defines the
run: the :class:`~animator.run.RunConfig`, a race's entrants, ...) together
with the engine's versions (:func:`animator.versions.engine_versions`: animator,
numpy, Python, the engine's source and the Recording format), so a new engine
or numpy never reuses an old run.  An entry is ``KEY.json`` (the parts, and how many Recordings) and
``KEY.0.npz``, ``KEY.1.npz``, ...: each a Recording saved by
:meth:`Recording.save`, so writes are atomic and loads are checked array by
array against the spec; the manifest is written last, so an entry cut short
by Ctrl-C is simply absent.  A damaged entry (a truncated or garbage file, a
manifest that does not match its key, a Recording whose config is not the one
asked for) is never trusted: :meth:`RunCache.get` says why, and the caller
computes again.

>>> cache = RunCache("outputs/.animator-cache")           # doctest: +SKIP
>>> recordings = cache.fetch(("training", config), lambda: [train(config)])  # doctest: +SKIP
"""

import glob
import hashlib
import json
import logging
import os
import re
import numpy as np

from .errors import UserError
from .fileio import atomic_output
from .plain import plain
from .recording import Recording
from .untrusted import load_json, read_bounded, shown
from .versions import engine_versions

MAX_MANIFEST_BYTES = 1 << 20    # a manifest is a few kilobytes: the run's settings and one hash per Recording
MAX_RECORDINGS = 64             # a race has at most a handful of entrants
_SHA256 = re.compile(r"[0-9a-f]{64}")

log = logging.getLogger(__name__)


def digest(value):
    """The hex SHA-256 of a plain value's canonical JSON."""
    text = json.dumps(plain(value), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def cache_key(parts):
    """The hex SHA-256 of ``parts`` and :func:`engine_versions`: equal keys mean the same run, number for number."""
    return digest({"parts": parts, "engine": engine_versions()})


def is_sha256(value):
    """True for a hex SHA-256 as this module writes it (64 lower-case hex digits)."""
    return isinstance(value, str) and _SHA256.fullmatch(value) is not None


def recording_digest(recording):
    """The hex SHA-256 of a Recording's content: its spec (canonical JSON) and every array's name, type, shape and bytes.

    Two Recordings with the same digest hold the same settings and the same numbers.
    """
    content = hashlib.sha256()
    content.update(json.dumps(recording.spec.to_json(), sort_keys=True, separators=(",", ":")).encode("utf-8") + b"\0")
    for name in sorted(recording.arrays):
        array = np.ascontiguousarray(recording.arrays[name])
        content.update(f"{name}\0{array.dtype.str}\0{array.shape}\0".encode("ascii"))
        content.update(array.tobytes())
    return content.hexdigest()


class Damaged(Exception):
    """Why a cache entry cannot be used."""


class RunCache:
    """Recordings by key in ``directory`` (made when first written).

    ``force=True`` never reads (every run is computed again) but still writes,
    so the next run finds the fresh entries.  ``notes`` collects one line per
    damaged entry met, for the caller to show.
    """

    def __init__(self, directory, *, force=False):
        self.directory = os.fspath(directory)
        self.force = force
        self.notes = []
        self.hits = 0
        self.misses = 0

    def _path(self, key, suffix):
        return os.path.join(self.directory, key[:2], f"{key}{suffix}")

    def get(self, parts, check=None):
        """The Recordings stored under ``parts``, or None (absent, forced, or damaged: then a note says why).

        ``check(recordings)`` may raise :class:`Damaged` for recordings that load but are not what was asked.
        """
        if self.force:
            return None
        key = cache_key(parts)
        manifest = self._path(key, ".json")
        if not os.path.lexists(manifest):
            return None
        try:
            recordings = self._verified(key, parts, manifest)
            if check is not None:
                check(recordings)
        except Damaged as error:
            self.notes.append(f"cache entry {key[:12]} is damaged, computing again: {shown(error)}")
            log.info("%s", self.notes[-1])      # the caller shows the notes; a warning here would print it twice
            return None
        self.hits += 1
        return recordings

    def _verified(self, key, parts, manifest):
        """The Recordings of entry ``key`` if its manifest is sound and each Recording hashes as it says; else Damaged."""
        try:
            stored = load_json(read_bounded(manifest, MAX_MANIFEST_BYTES, what="its manifest"), what="its manifest")
        except UserError as error:
            raise Damaged(str(error)) from None
        if not isinstance(stored, dict) or set(stored) != {"key", "parts", "count", "content"}:
            raise Damaged("its manifest is not one this animator writes")
        if stored["key"] != key or stored["parts"] != plain(parts):
            raise Damaged("the manifest is not this entry's")
        count, content = stored["count"], stored["content"]
        if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= MAX_RECORDINGS:
            raise Damaged("its manifest has no valid count of recordings")
        if not isinstance(content, list) or len(content) != count or not all(map(is_sha256, content)):
            raise Damaged("its manifest has no content hash for each recording")
        recordings = []
        for i, expected in enumerate(content):
            try:
                recording = Recording.load(self._path(key, f".{i}.npz"))
            except UserError as error:
                raise Damaged(str(error)) from None
            if recording_digest(recording) != expected:
                raise Damaged(f"recording {i} is not the one stored (its content hash differs)")
            if recording.interrupted:
                raise Damaged("holds an interrupted run")
            recordings.append(recording)
        return recordings

    def put(self, parts, recordings):
        """Store ``recordings`` under ``parts`` (not if any was interrupted: it is not the run asked for).

        A cache that cannot be written is not a failure of the run: a note says
        why (naming the entry, never a temporary file) and nothing is kept.
        """
        if any(recording.interrupted for recording in recordings):
            return
        key = cache_key(parts)
        target = self._path(key, ".json")
        try:
            os.makedirs(os.path.dirname(target), exist_ok=True)
            for i, recording in enumerate(recordings):
                recording.save(self._path(key, f".{i}.npz"))
            record = {"key": key, "parts": plain(parts), "count": len(recordings),
                      "content": [recording_digest(recording) for recording in recordings]}
            with atomic_output(target) as temporary:
                with open(temporary, "w", encoding="utf-8") as handle:
                    json.dump(record, handle, sort_keys=True)
        except (OSError, UserError) as error:
            self.notes.append(f"cache entry {key[:12]} could not be kept: {shown(_reason(error))}")
            log.info("%s", self.notes[-1])

    def fetch(self, parts, compute, check=None):
        """The Recordings under ``parts``, computed by ``compute()`` (a list) and stored when absent or damaged."""
        recordings = self.get(parts, check)
        if recordings is None:
            self.misses += 1
            recordings = list(compute())
            self.put(parts, recordings)
        return recordings

    def entries(self):
        """The keys of the complete entries."""
        return sorted(os.path.basename(path)[:-5] for path in glob.glob(os.path.join(self.directory, "*", "*.json")))


def _reason(error):
    """Why writing failed, in words that name no temporary file (``.KEY.json.x1y2.part``)."""
    if isinstance(error, OSError):
        return error.strerror or type(error).__name__
    return str(error)


def config_check(*configs):
    """A ``check`` for :meth:`RunCache.get`: each Recording's stored config must be the one asked for."""
    from .run import config_record

    def check(recordings):
        if len(recordings) != len(configs):
            raise Damaged(f"{len(recordings)} recordings where {len(configs)} were stored")
        for recording, config in zip(recordings, configs):
            if config_record(recording.spec.config) != config_record(config):
                raise Damaged("a recording of another run")

    return check
