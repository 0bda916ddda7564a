"""Members of an ``.npz`` compressed ahead of time, elsewhere, while other work went on.

A Recording's largest member is its decision grids (the chapter's run: 15 MB
that deflate to 4.6 MB, some 0.13 s of one core).  The helper process that
evaluates the grids during training (:mod:`animator.grids_ahead`) has time to
spare, so it also deflates them, in order, as a :class:`Deflater` would, and the
parent keeps the stream here (:func:`offer`).  When :func:`animator.fileio.write_npz_to`
then writes a member whose bytes are exactly those (the same length and
BLAKE2 digest), it writes the stream instead of compressing again (:func:`take`).
zlib's deflate gives the same stream however its input is cut, so the file is
byte for byte the one compressing on the spot makes.
"""

import contextlib
import hashlib
import zlib

KEPT = 2                  # streams kept at once (each a Recording's grids, a few MB)

_streams = []             # (level, size, digest, stream), the newest last


class Deflater:
    """Deflate, as a ZIP member at ``level``, bytes handed over a piece at a time; :meth:`finish` gives the result."""

    def __init__(self, level):
        self.level = level
        self._compressor = zlib.compressobj(level, zlib.DEFLATED, -15)     # as zipfile deflates a member
        self._digest = hashlib.blake2b(digest_size=16)
        self._size = 0
        self._pieces = []

    def add(self, data):
        view = memoryview(data).cast("B")
        self._digest.update(view)
        self._size += view.nbytes
        self._pieces.append(self._compressor.compress(view))

    def finish(self):
        """``(level, size, digest, stream)``, what :func:`offer` takes."""
        self._pieces.append(self._compressor.flush())
        return self.level, self._size, self._digest.digest(), b"".join(self._pieces)


def offer(deflated):
    """Keep ``deflated`` (:meth:`Deflater.finish`'s) for the next file with a member of exactly those bytes."""
    level, size, digest, stream = deflated
    if not (isinstance(level, int) and isinstance(size, int) and isinstance(digest, bytes)
            and isinstance(stream, bytes)):
        return
    _streams.append((level, size, digest, stream))
    del _streams[:-KEPT]


def take(payload, level):
    """The deflated stream of ``payload`` (bytes) at ``level`` if one was offered, else None; taken once."""
    candidates = [entry for entry in _streams if entry[:2] == (level, len(payload))]
    if not candidates:
        return None
    digest = hashlib.blake2b(payload, digest_size=16).digest()        # once, however many streams are that long
    for entry in candidates:
        if entry[2] == digest:
            with contextlib.suppress(ValueError):                       # another thread may take it meanwhile
                _streams.remove(entry)
            return entry[3]
    return None
