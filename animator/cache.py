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

Several programs may share one cache (``animator book`` keeps its runs in
the user's cache folder, :func:`user_cache_folder`, so a second book with
another look trains nothing): entries are written atomically, read as
untrusted data, and the folder is kept under ``max_bytes`` by removing the
entries used longest ago (a hit marks its entry as used).

>>> cache = RunCache(os.path.join(user_cache_folder(), "runs"))   # doctest: +SKIP
>>> recordings = cache.fetch(("training", config), lambda: [train(config)])  # doctest: +SKIP
"""

import contextlib
import glob
import hashlib
import json
import logging
import os
import re
import sys
import time

import numpy as np

from .errors import UserError
from .fileio import atomic_output
from .plain import plain
from .recording import Recording
from .untrusted import load_json, read_bounded, shown
from .versions import engine_versions

MAX_MANIFEST_BYTES = 1 << 20    # a manifest is a few kilobytes: the run's settings and one hash per Recording
MAX_RECORDINGS = 64             # a race has at most a handful of entrants
MAX_CACHE_BYTES = 2 << 30       # a shared cache keeps at most this much: the chapter's book needs about 90 MB
ORPHAN_SECONDS = 600            # Recordings without a manifest this old are a write cut short, not one under way
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


def user_cache_folder():
    """Where animator keeps what it may recompute, per user: ``$XDG_CACHE_HOME/animator`` (``~/.cache/animator``),
    ``~/Library/Caches/animator`` on macOS, ``%LOCALAPPDATA%\\animator\\Cache`` on Windows."""
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or os.path.join(os.path.expanduser("~"), "AppData", "Local")
        return os.path.join(base, "animator", "Cache")
    if sys.platform == "darwin":
        return os.path.join(os.path.expanduser("~"), "Library", "Caches", "animator")
    base = os.environ.get("XDG_CACHE_HOME")
    if not base or not os.path.isabs(base):           # the XDG rule: a relative path is to be ignored
        base = os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "animator")


class Damaged(Exception):
    """Why a cache entry cannot be used."""


class RunCache:
    """Recordings by key in ``directory`` (made when first written, readable by its user only).

    ``force=True`` never reads (every run is computed again) but still writes,
    so the next run finds the fresh entries.  ``notes`` collects one line per
    damaged entry met, for the caller to show.  After each write the folder is
    brought under ``max_bytes`` (None: no limit) by removing the entries used
    longest ago, never the one just written.
    """

    def __init__(self, directory, *, force=False, max_bytes=None):
        self.directory = os.fspath(directory)
        self.force = force
        self.max_bytes = max_bytes
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
        with contextlib.suppress(OSError):
            os.utime(manifest)               # used now: the last entry a size limit would remove
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
            os.makedirs(self.directory, mode=0o700, exist_ok=True)
            os.makedirs(os.path.dirname(target), mode=0o700, exist_ok=True)
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
            return
        if self.max_bytes is not None:
            self.trim(self.max_bytes, keep=key)

    def trim(self, max_bytes, *, keep=None):
        """Remove the entries used longest ago (and writes cut short) until the folder holds at most ``max_bytes``.

        An entry goes manifest first, so a reader never finds a manifest whose
        Recordings are gone; ``keep`` (a key) is never removed.  Returns the keys removed.
        """
        entries = {}                                       # key -> [last use, bytes, paths, has a manifest]
        now = time.time()
        for path in glob.glob(os.path.join(self.directory, "[0-9a-f][0-9a-f]", "*")):
            name = os.path.basename(path)
            key = name.split(".", 1)[0]
            try:
                info = os.lstat(path)
            except OSError:
                continue
            entry = entries.setdefault(key, [0.0, 0, [], False])
            entry[1] += info.st_size
            entry[2].append(path)
            if name == f"{key}.json":
                entry[0], entry[3] = info.st_mtime, True
            elif not entry[3]:
                entry[0] = max(entry[0], info.st_mtime)
        total = sum(entry[1] for entry in entries.values())
        removed = []
        # writes cut short first (no manifest, and too old to be one under way), then the least recently used
        order = sorted(entries.items(), key=lambda item: (item[1][3], item[1][0]))
        for key, (used, size, paths, complete) in order:
            orphan = not complete and now - used > ORPHAN_SECONDS
            if key == keep or (total <= max_bytes and not orphan) or (not complete and not orphan):
                continue
            paths.sort(key=lambda path: not path.endswith(".json"))     # the manifest first
            for path in paths:
                with contextlib.suppress(OSError):
                    os.unlink(path)
            total -= size
            removed.append(key)
        return removed

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
