"""Animated GIF: one global palette, no dithering, only changed rectangles stored, loops for ever or N times.

GIF frame delays are whole hundredths of a second and players clamp anything
under 0.02 s, so a GIF plays at most 50 fps; :func:`gif_delay` is the one rule
for the delay of each frame.  Colour quantisation (:class:`.palette.ColourIndex`)
runs in the frame workers as the writer's ``transform``, and so does encoding
(:meth:`GifWriter.encoder`: each frame's changed rectangle, LZW-coded, as the
bytes it adds to the file); the parent only writes those bytes in order.
Meeting a byte budget is :mod:`.gif_fit`.
"""

import contextlib
import io
import struct

import numpy as np
from PIL import Image

from animator.errors import ArgumentError, UserError
from animator.fileio import atomic_output
from animator.untrusted import open_input

from .gif_fit import GifFit
from .metadata import GIF_IMAGE, gif_blocks, gif_comment, read_gif_metadata
from .palette import ColourIndex, changed_patch, source_palette
from .registry import Writer, register

MAX_GIF_FPS = 50          # GIF delays are in 1/100 s and players clamp anything under 2


def gif_delay(index, fps):
    """The delay of frame ``index`` in centiseconds, before any hold: the one rule every GIF follows.

    Frame ``k`` ends at ``round(100 * (k + 1) / fps)`` hundredths of a second, so
    where 100 / fps is not whole, delays alternate (for 30 fps: 3, 3, 4, ...) and
    the animation keeps its rate without drifting.
    """
    return int(round((index + 1) * 100.0 / fps)) - int(round(index * 100.0 / fps))


def gif_delays(count, fps, hold=0.0):
    """Per-frame delays in centiseconds for ``count`` frames; ``hold`` seconds are added to the last.

    >>> gif_delays(3, 20, hold=2)
    [5, 5, 205]
    """
    check_gif_fps(fps)
    delays = [gif_delay(k, fps) for k in range(count)]
    if count:
        delays[-1] += int(round(hold * 100))
    return delays


def check_gif_fps(fps):
    """An :class:`ArgumentError` (``fps``) for a rate no GIF can play."""
    if not 0 < fps <= MAX_GIF_FPS:
        raise ArgumentError("fps", f"{fps:g} is not possible in a GIF: frame delays are whole hundredths of a "
                                   f"second and at least 0.02 s, so at most {MAX_GIF_FPS} fps (use .mp4 for more)")



def _lzw_blocks(indices):
    """The LZW-coded image data (min code size, sub-blocks, terminator) of palette indices, via Pillow.

    The indices go in as a greyscale image: Pillow then writes them unchanged
    (a "P" image may have its palette reordered), and we keep only the data.
    """
    image = Image.fromarray(indices, mode="L")
    buffer = io.BytesIO()
    image.save(buffer, format="GIF", optimize=False, interlace=False)
    data = buffer.getvalue()
    for introducer, _, start, end in gif_blocks(data):
        if introducer == GIF_IMAGE:
            return data[start:end]
    raise RuntimeError("Pillow wrote a GIF without image data")


def netscape_loop(plays):
    """The NETSCAPE2.0 block that makes a GIF play ``plays`` times (0: for ever); none for once.

    Its count is of repeats after the first play, as browsers read it, so a
    GIF that plays once has no block at all and three plays are a count of 2.
    """
    if plays == 1:
        return b""
    return b"\x21\xff\x0bNETSCAPE2.0\x03\x01" + (0 if plays == 0 else plays - 1).to_bytes(2, "little") + b"\x00"


@register
class GifWriter(Writer):
    """An animated GIF written frame by frame: one global palette, no dithering, looping ``loop`` plays (0: for ever).

    Each frame after the first stores only the rectangle that changed, with
    unchanged pixels inside it transparent, so files stay small.  ``write``
    takes an RGB frame, or a frame already mapped to palette indices by
    ``transform`` (which :func:`~renderers.render.write_animation` runs in the
    frame workers).
    """

    KIND = "gif"
    EXTENSIONS = (".gif",)
    MIME = "image/gif"
    HTML_TAG = "img"
    DECK = "picture"
    SIGNATURES = (b"GIF87a", b"GIF89a")
    FIT = GifFit
    LOOPS = True

    @classmethod
    def check_options(cls, *, size, fps, hold):
        super().check_options(size=size, fps=fps, hold=hold)
        check_gif_fps(fps)

    @classmethod
    def read_metadata(cls, path):
        return read_gif_metadata(path)

    @classmethod
    def declared_size(cls, head):
        return struct.unpack("<HH", head[6:10]) if len(head) >= 10 else None      # the logical screen

    @classmethod
    def read_frame(cls, path, index):
        with open_input(path) as handle, Image.open(handle) as gif:
            count = getattr(gif, "n_frames", 1)
            if not 0 <= index < count:
                raise IndexError(f"{path} has {count} frames, not a frame {index}")
            gif.seek(index)
            return np.asarray(gif.convert("RGB"))

    @classmethod
    def for_source(cls, path, source, *, fps, hold, metadata=None, **options):
        """A writer whose palette holds ``source.colours()`` exactly, and the commonest colours of a few frames."""
        palette, required = source_palette(source)
        return cls(path, fps=fps, hold=hold, palette=palette, required=required, metadata=metadata,
                   loop=options.get("loop") or 0)

    def __init__(self, path, *, fps, palette, hold=0.0, required=(), metadata=None, loop=0):
        """``palette``: 2, 4, ..., 256 colours, the last standing for "unchanged" (so never drawn);
        ``metadata``: text for a comment block (see :mod:`.metadata`); ``loop``: plays, 0 for ever."""
        self.loop = loop
        check_gif_fps(fps)
        self.path = path
        self.fps = fps
        self.hold = hold
        self.palette = np.asarray(palette, dtype=np.uint8)
        entries = len(self.palette)
        if entries < 2 or entries > 256 or entries & (entries - 1):
            raise ValueError(f"a GIF palette has 2, 4, ..., 256 colours (got {entries})")
        self.transparent = entries - 1
        self.palette_bytes = self.palette.tobytes()
        self.required = np.asarray(required, dtype=np.uint8).reshape(-1, 3)
        self.metadata = metadata
        self.quantize = self.transform = ColourIndex(self.palette, self.required)
        self._stack = None
        self._pending = None   # the last frame is held back until we know it is the last
        self._position = 0     # where the next frame starts, in frames at ``fps``
        self._encoded = 0      # frames added by write_encoded

    def __enter__(self):
        self._stack = contextlib.ExitStack()
        temporary = self._stack.enter_context(atomic_output(self.path))
        self._file = self._stack.enter_context(open(temporary, "wb"))
        self._previous = None
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None:
            return self._stack.__exit__(exc_type, exc, tb)
        with self._stack:
            if self._pending is None and not self._encoded:
                raise UserError(f"{self.path}: no frames to write")
            if self._pending is not None:
                self._emit(*self._pending, last=True)
            self._file.write(b"\x3b")
        return False

    def write(self, frame, *, frames=1):
        """Add a frame: (H, W, 3) RGB, or (H, W) palette indices from ``transform``.

        ``frames``: how many frames at ``fps`` it stands for (more than one when
        frames were dropped to fit a budget, so the animation keeps its length).
        """
        frame = np.asarray(frame)
        self.write_indices(self.quantize(frame) if frame.ndim == 3 else frame, frames=frames)

    def write_indices(self, indices, *, frames=1):
        """Add a frame already mapped to palette indices by ``self.quantize``."""
        if self._encoded:
            raise ValueError("a GIF's frames are written either encoded or as pictures, not both")
        if self._pending is not None:
            self._emit(*self._pending, last=False)
        self._pending = (indices, frames)

    def _header(self, height, width):
        """The file's first bytes: the screen of ``width`` x ``height``, the palette, looping, the description."""
        out = bytearray(b"GIF89a")
        out += int(width).to_bytes(2, "little") + int(height).to_bytes(2, "little")
        bits = len(self.palette).bit_length() - 1
        out += bytes([0xF0 | (bits - 1), 0, 0])                 # a global table of 2 ** bits colours
        out += self.palette_bytes
        out += netscape_loop(self.loop)
        if self.metadata is not None:
            out += gif_comment(self.metadata)
        return bytes(out)

    def _delay(self, frames, last):
        """Centiseconds until the next frame: :func:`gif_delay`'s rule over ``frames`` frame slots."""
        start = self._position
        self._position += frames
        delay = int(round(self._position * 100.0 / self.fps)) - int(round(start * 100.0 / self.fps))
        return delay + (int(round(self.hold * 100)) if last else 0)

    def _emit(self, indices, frames, last):
        if self._previous is None:
            self._file.write(self._header(*indices.shape))
        self._file.write(frame_block(indices, self._previous, delay=self._delay(frames, last),
                                     transparent=self.transparent))
        self._previous = indices

    # -- encoding in the frame workers -------------------------------------------------------

    def encoder(self, count):
        """The function the frame workers run to encode frame ``position`` of ``count``, one frame each.

        ``encode(position, indices, previous)`` returns the bytes that frame adds
        to the file (the header too, for the first): ``previous`` is frame
        ``position - 1``'s indices (None for the first).  It reads nothing that
        changes while frames are written, so it runs in forked workers; the
        parent hands each frame's bytes, in order, to :meth:`write_encoded`.  The
        bytes are those :meth:`write_indices` writes for the same frames, one
        frame slot each.
        """
        hold = int(round(self.hold * 100))

        def encode(position, indices, previous):
            delay = gif_delay(position, self.fps) + (hold if position == count - 1 else 0)
            block = frame_block(indices, previous, delay=delay, transparent=self.transparent)
            return self._header(*indices.shape) + block if previous is None else block

        return encode

    def write_encoded(self, data):
        """Add a frame as the bytes :meth:`encoder`'s function made of it, in order."""
        if self._pending is not None:
            raise ValueError("a GIF's frames are written either encoded or as pictures, not both")
        self._file.write(data)
        self._encoded += 1


def frame_block(indices, previous, *, delay, transparent):
    """The bytes of one frame after the header: its control block (``delay`` centiseconds) and image.

    The first frame (``previous`` None) is stored whole; every later one as the
    rectangle of ``indices`` that differs from ``previous``, the rest of it the
    ``transparent`` index (one transparent pixel if nothing changed: a GIF
    frame still needs an image).
    """
    if previous is None:
        top, left, patch, see_through = 0, 0, indices, False
    else:
        if previous.shape != indices.shape:
            raise ValueError("all frames of a GIF must have the same size")
        left, top, patch = (changed_patch(indices, previous, transparent)
                            or (0, 0, np.full((1, 1), transparent, dtype=np.uint8)))
        see_through = True
    packed = (1 << 2) | (1 if see_through else 0)           # disposal: leave in place
    out = bytearray(b"\x21\xf9\x04")
    out += bytes([packed]) + int(delay).to_bytes(2, "little") + bytes([transparent, 0])
    h, w = patch.shape
    out += b"\x2c" + b"".join(int(v).to_bytes(2, "little") for v in (left, top, w, h)) + b"\x00"
    out += _lzw_blocks(np.ascontiguousarray(patch))
    return bytes(out)
