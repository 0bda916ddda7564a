"""Animated GIF: one global palette, no dithering, only changed rectangles stored, loops forever.

GIF frame delays are whole hundredths of a second and players clamp anything
under 0.02 s, so a GIF plays at most 50 fps; :func:`gif_delay` is the one rule
for the delay of each frame.  Colour quantisation (:class:`ColourIndex`) runs in
the frame workers as the writer's ``transform``; the writer then only encodes.
"""

import contextlib
import io
import struct

import numpy as np
from PIL import Image

from animator.errors import ArgumentError, UserError
from animator.fileio import atomic_output
from animator.untrusted import open_input

from .budget import Fitter, Stage
from .metadata import GIF_IMAGE, gif_blocks, gif_comment, read_gif_metadata
from .registry import Writer, register

MAX_GIF_FPS = 50          # GIF delays are in 1/100 s and players clamp anything under 2
TRANSPARENT = 255         # the GIF palette index meaning "unchanged since the previous frame"
LUT_BITS = 6              # colour look-up table resolution per channel for GIF quantisation


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


def gif_palette(sample_frames, required=()):
    """A 255-colour palette (+ the transparent slot) for the whole animation.

    ``required`` colours come first and map to themselves exactly; the rest is
    Pillow's median cut of ``sample_frames``.  One palette for every frame means
    no colour flicker between frames.
    """
    colours = []
    seen = set()
    for colour in np.asarray(required, dtype=np.uint8).reshape(-1, 3):
        key = tuple(int(c) for c in colour)
        if key not in seen and len(colours) < TRANSPARENT:
            seen.add(key)
            colours.append(key)
    if sample_frames:
        strip = Image.fromarray(np.concatenate([np.asarray(f) for f in sample_frames], axis=0))
        cut = strip.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
        counts = sorted(cut.getcolors(256), reverse=True)
        flat = cut.getpalette()[:768]
        for _, index in counts:
            key = tuple(flat[3 * index:3 * index + 3])
            if key not in seen and len(colours) < TRANSPARENT:
                seen.add(key)
                colours.append(key)
    while len(colours) < 256:
        colours.append((0, 0, 0))
    return np.array(colours, dtype=np.uint8)


class ColourIndex:
    """Maps RGB pixels to the nearest palette index through a 6-bit-per-channel table filled lazily.

    Only colours that actually occur are ever searched, once each, so building
    it costs nothing up front; colours in ``required`` map to themselves exactly.
    The transparent slot (the palette's last) is never chosen.
    """

    UNKNOWN = 0xFFFF

    def __init__(self, palette, required=()):
        self.usable = np.asarray(palette, dtype=np.int32)[:len(palette) - 1]
        self.table = np.full(1 << (3 * LUT_BITS), self.UNKNOWN, dtype=np.uint16)
        required = np.asarray(required, dtype=np.uint8).reshape(-1, 3)
        for colour in required:
            matches = np.flatnonzero((self.usable == colour.astype(np.int32)).all(axis=1))
            if matches.size:
                self.table[_lut_key(colour[None, None, :])[0, 0]] = matches[0]

    def __call__(self, frame):
        keys = _lut_key(frame)
        indices = self.table[keys]
        unknown = indices == self.UNKNOWN
        if unknown.any():
            self._learn(np.unique(keys[unknown]))
            indices = self.table[keys]
        return indices.astype(np.uint8)

    def _learn(self, keys):
        shift = 8 - LUT_BITS
        mask = (1 << LUT_BITS) - 1
        half = 1 << (shift - 1)
        cells = np.stack([(keys >> (2 * LUT_BITS)) & mask, (keys >> LUT_BITS) & mask, keys & mask], axis=1)
        centres = (cells.astype(np.int32) << shift) + half
        for start in range(0, len(keys), 4096):
            chunk = centres[start:start + 4096]
            distance = ((chunk[:, None, :] - self.usable[None, :, :]) ** 2).sum(axis=2)
            self.table[keys[start:start + 4096]] = distance.argmin(axis=1)


def source_palette(source):
    """``(palette, required)`` for a frame source: its ``colours()`` exactly, then the commonest of a few frames.

    The samples are every other pixel of four frames spread over the animation:
    exact colours (no averaging) for a quarter of the work.
    """
    total = len(source)
    samples = [source.frame(i)[::2, ::2] for i in sorted({0, total // 3, (2 * total) // 3, total - 1})]
    required = source.colours()
    return gif_palette(samples, required), required


def changed_patch(indices, previous, transparent):
    """``(left, top, patch)``: the rectangle of ``indices`` that differs from ``previous``, the rest ``transparent``.

    None when nothing changed.  What a GIF and a player page store for every frame after the first.
    """
    changed = indices != previous
    rows, cols = np.flatnonzero(changed.any(axis=1)), np.flatnonzero(changed.any(axis=0))
    if rows.size == 0:
        return None
    top, bottom, left, right = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
    patch = indices[top:bottom, left:right].copy()
    patch[~changed[top:bottom, left:right]] = transparent
    return int(left), int(top), patch


def _lut_key(frame):
    shift = 8 - LUT_BITS
    f = frame.astype(np.uint32) >> shift
    return (f[..., 0] << (2 * LUT_BITS)) | (f[..., 1] << LUT_BITS) | f[..., 2]


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


@register
class GifWriter(Writer):
    """An animated GIF written frame by frame: one global palette, no dithering, loops forever.

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
        return cls(path, fps=fps, hold=hold, palette=palette, required=required, metadata=metadata)

    def __init__(self, path, *, fps, palette, hold=0.0, required=(), metadata=None):
        """``palette``: 2, 4, ..., 256 colours, the last standing for "unchanged" (so never drawn);
        ``metadata``: text for a comment block (see :mod:`.metadata`)."""
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
            if self._pending is None:
                raise UserError(f"{self.path}: no frames to write")
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
        if self._pending is not None:
            self._emit(*self._pending, last=False)
        self._pending = (indices, frames)

    def _header(self, height, width):
        out = bytearray(b"GIF89a")
        out += int(width).to_bytes(2, "little") + int(height).to_bytes(2, "little")
        bits = len(self.palette).bit_length() - 1
        out += bytes([0xF0 | (bits - 1), 0, 0])                 # a global table of 2 ** bits colours
        out += self.palette_bytes
        out += b"\x21\xff\x0bNETSCAPE2.0\x03\x01\x00\x00\x00"  # loop forever
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
        height, width = indices.shape
        previous = self._previous
        transparent_index = self.transparent
        if previous is None:
            self._file.write(self._header(height, width))
            top, left, patch, transparent = 0, 0, indices, False
        else:
            if previous.shape != indices.shape:
                raise ValueError("all frames of a GIF must have the same size")
            # nothing changed: a GIF frame still needs an image, so one transparent pixel
            left, top, patch = (changed_patch(indices, previous, transparent_index)
                                or (0, 0, np.full((1, 1), transparent_index, dtype=np.uint8)))
            transparent = True
        delay = self._delay(frames, last)
        packed = (1 << 2) | (1 if transparent else 0)           # disposal: leave in place
        out = bytearray(b"\x21\xf9\x04")
        out += bytes([packed]) + int(delay).to_bytes(2, "little") + bytes([transparent_index, 0])
        h, w = patch.shape
        out += b"\x2c" + b"".join(int(v).to_bytes(2, "little") for v in (left, top, w, h)) + b"\x00"
        out += _lzw_blocks(np.ascontiguousarray(patch))
        self._file.write(out)
        self._previous = indices


class GifFit(Fitter):
    """How a GIF meets a byte budget, in the order that hurts the picture least.

    1. Drop frames evenly, down to half of them: each kept frame stays exact and
       lasts until the next one starts, so the animation keeps its length; the
       motion is coarser, but at 25 fps half the frames still read as motion.
    2. A smaller palette, 128 then 64 colours: the layout's own colours (regions,
       points, text, bars) stay exact; what goes is anti-aliasing shades, and the
       colour table and the image data shrink.
    3. Drop frames down to a quarter.
    4. Scale the frames down (averaging pixels), to half the width at least:
       the last resort, since text becomes hard to read.

    Nothing is drawn again: each attempt re-encodes the palette indices the
    first encode spilled (re-mapped to the smaller palette, or turned back into
    colours, resized and quantised again).
    """

    STAGES = (Stage("frames", lambda start: max(2, start["frames"] // 2)),
              Stage("colours", 64, choices=(128, 64)),
              Stage("frames", lambda start: max(2, start["frames"] // 4)),
              Stage("size", lambda start: max(1, start["size"] // 2)))

    def __init__(self, writer, spill, *, fps, hold, metadata=None):
        super().__init__(writer, spill, fps=fps, hold=hold, metadata=metadata)
        self._palettes = {}
        self._counts = None

    def settings(self):
        return {"frames": len(self.spill), "colours": len(self.writer.palette), "size": self.width}

    def predict(self, knob, points, target):
        if knob == "colours":
            return points[-1][0] / 2                    # the next smaller palette; no model
        return super().predict(knob, points, target)

    def encode(self, settings, path):
        palette, required, mapping = self._palette(settings["colours"])
        width = settings["size"]
        writer = GifWriter(path, fps=self.fps, hold=self.hold, palette=palette, required=required,
                           metadata=self.metadata)
        colours = self.writer.palette
        with writer:
            for position, frames in self.kept(settings):
                indices = self.spill[position]
                if width == self.width:
                    writer.write_indices(mapping[indices], frames=frames)
                else:
                    # averaging (not Lanczos): fewer new shades, which a GIF's compression would pay for
                    image = Image.fromarray(colours[indices]).resize((width, self.height_at(width)),
                                                                     Image.Resampling.BOX)
                    writer.write(np.asarray(image), frames=frames)

    def _usage(self):
        """How often each palette index occurs over every spilled frame."""
        if self._counts is None:
            counts = np.zeros(256, dtype=np.int64)
            for position in range(len(self.spill)):
                counts += np.bincount(self.spill[position].ravel(), minlength=256)[:256]
            self._counts = counts
        return self._counts

    def _palette(self, entries):
        """``(palette, required colours, old index -> new index)`` for a palette of ``entries`` colours.

        The layout's required colours that occur are kept exactly (the most used
        first, if there are too many); the other slots are a median cut of the
        rest of the used colours, weighted by how often they occur.
        """
        if entries in self._palettes:
            return self._palettes[entries]
        old = self.writer.palette
        if entries >= len(old):
            result = (old, self.writer.required, np.arange(256, dtype=np.uint8))
            self._palettes[entries] = result
            return result
        counts = self._usage()[:len(old) - 1]
        used = np.flatnonzero(counts)
        required = {tuple(int(c) for c in colour) for colour in self.writer.required}
        exact = [i for i in used if tuple(int(c) for c in old[i]) in required]
        exact = sorted(exact, key=lambda i: (-counts[i], i))[:entries - 1]
        rest = [i for i in used if i not in set(exact)]
        colours = [tuple(int(c) for c in old[i]) for i in exact]
        room = entries - 1 - len(colours)
        if rest and room > 0:
            weights = counts[rest].astype(np.float64)
            repeats = np.maximum(1, np.round(weights / weights.sum() * 65536)).astype(np.int64)
            pixels = np.repeat(old[rest], repeats, axis=0)[None, :, :]
            cut = Image.fromarray(np.ascontiguousarray(pixels)).quantize(
                colors=room, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
            flat = cut.getpalette()[:3 * room]
            for _, index in sorted(cut.getcolors(room), reverse=True):
                colour = tuple(flat[3 * index:3 * index + 3])
                if colour not in colours:
                    colours.append(colour)
        palette = np.zeros((entries, 3), dtype=np.uint8)
        palette[:len(colours)] = colours
        usable = palette[:len(colours)].astype(np.int32)
        distance = ((old[:, None, :].astype(np.int32) - usable[None, :, :]) ** 2).sum(axis=2)
        mapping = distance.argmin(axis=1).astype(np.uint8)
        mapping = np.concatenate([mapping, np.zeros(256 - len(mapping), dtype=np.uint8)])
        kept = np.array([colours[i] for i in range(len(exact))], dtype=np.uint8).reshape(-1, 3)
        result = (palette, kept, mapping)
        self._palettes[entries] = result
        return result


GifWriter.FIT = GifFit
