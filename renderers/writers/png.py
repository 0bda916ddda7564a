"""PNG: one chosen frame as a file, and the choice of that frame and of a poster.

:class:`PngWriter` writes the frame ``frame`` picks (``first``, ``last`` or an
epoch); a poster is such a frame beside an animation, ``NAME.poster.png``, and
may replace only a poster animator wrote.  Every frame as a PNG in a folder is
:mod:`.frames_folder`.
"""

import io
import os
import struct

import numpy as np
from PIL import Image

from animator.errors import ArgumentError, UserError
from animator.fileio import atomic_output
from animator.untrusted import open_input

from .metadata import read_png_metadata, with_png_text
from .registry import Writer, register

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
POSTER_NAME = "poster.png"     # a frames folder's poster, inside it


def read_png(path):
    """An animator PNG's pixels as RGB, read as data (a regular file, Pillow's pixel limit)."""
    with open_input(path) as handle, Image.open(handle) as image:
        return np.asarray(image.convert("RGB"))


def png_bytes(frame, metadata=None):
    """A frame's PNG file as bytes, ``metadata`` (text) in a ``tEXt`` chunk: every PNG animator writes."""
    buffer = io.BytesIO()
    Image.fromarray(np.asarray(frame)).save(buffer, format="PNG", optimize=False, compress_level=6)
    data = buffer.getvalue()
    return data if metadata is None else with_png_text(data, metadata)


def write_png(path, frame, *, metadata=None):
    """One frame as a PNG, atomically; ``metadata`` (text) goes into a ``tEXt`` chunk ``animator``."""
    with atomic_output(path) as temporary:
        with open(temporary, "wb") as handle:
            handle.write(png_bytes(frame, metadata))



def check_frame_choice(which, argument="frame"):
    """An :class:`ArgumentError` unless ``which`` is ``first``, ``last``, None or a whole number (an epoch)."""
    if which in (None, "first", "last"):
        return
    try:
        int(which)
    except (TypeError, ValueError):
        raise ArgumentError(argument, f"must be first, last or an epoch number (got {which!r})") from None


def pick_frame(source, which, argument="frame"):
    """Index of ``which`` (``first``, ``last`` or an epoch number) among the frames of ``source``.

    ``argument`` names the option in errors (``frame``, or ``poster`` for a poster frame).
    """
    check_frame_choice(which, argument)
    if which in (None, "last"):
        return len(source) - 1
    if which == "first":
        return 0
    epoch = int(which)
    matches = np.flatnonzero(source.epochs == epoch)
    if matches.size == 0:
        near = source.epochs[np.argsort(np.abs(source.epochs - epoch))[:3]]
        raise ArgumentError(argument, f"{epoch}: no frame at that epoch; the nearest are at epochs "
                                      f"{', '.join(str(e) for e in sorted(near))}")
    return int(matches[0])


def poster_path(path, *, directory=False):
    """Where the poster of the animation ``path`` goes: ``NAME.poster.png`` beside it, or
    ``poster.png`` inside a frames folder (``directory=True``), listed in its marker with the frames."""
    text = os.fspath(path)
    if directory:
        return os.path.join(text.rstrip(os.sep) or os.sep, POSTER_NAME)
    return os.path.splitext(text)[0] + ".poster.png"


def check_poster_target(path):
    """A poster may replace only a poster: an existing ``NAME.poster.png`` must be a PNG animator wrote.

    Anything else there (the user's own picture, a folder, a link) is refused
    in one line before any work, and left as it is.
    """
    from .metadata import read_png_metadata

    if not os.path.lexists(path):
        return
    if os.path.islink(path) or not os.path.isfile(path):
        raise UserError(f"{path}: exists and is not a poster animator wrote; move it or choose another output name")
    try:
        ours = read_png_metadata(path)
    except (OSError, ValueError):
        ours = None
    if not isinstance(ours, dict) or "animator" not in ours:
        raise UserError(f"{path}: exists and is not a poster animator wrote; move it or choose another output name")


@register
class PngWriter(Writer):
    """One frame of the animation (``frame``: ``first``, ``last`` or an epoch) as a PNG."""

    KIND = "png"
    EXTENSIONS = (".png",)
    STILL = True
    SUMMARY = "one frame"
    MIME = "image/png"
    HTML_TAG = "img"
    DECK = "picture"
    SIGNATURES = (PNG_SIGNATURE,)

    @classmethod
    def declared_size(cls, head):
        if len(head) < 24 or head[12:16] != b"IHDR":
            return None
        return struct.unpack(">II", head[16:24])

    @classmethod
    def read_frame(cls, path, index):
        if index != 0:
            raise IndexError(f"{path} is one frame, not a frame {index}")
        return read_png(path)

    @classmethod
    def frames_to_write(cls, source, *, frame=None):
        return [pick_frame(source, frame)]

    @classmethod
    def read_metadata(cls, path):
        return read_png_metadata(path)

    @classmethod
    def for_source(cls, path, source, *, fps, hold, metadata=None, **options):
        return cls(path, metadata=metadata)

    def __init__(self, path, *, fps=None, hold=None, metadata=None):
        self.path = path
        self.metadata = metadata
        self._written = False

    def write(self, frame):
        if self._written:
            raise ValueError("a PNG holds one frame")
        write_png(self.path, frame, metadata=self.metadata)
        self._written = True
