"""Frame sinks: GIF, MP4, PNG, a directory of PNGs, and a null writer that counts.

A writer is a context manager with one method, ``write(frame)``, taking (H, W, 3)
uint8 arrays.  Frames stream to disk as they come, into a temporary file beside
the target that is moved into place only when the block finishes without error;
an error or Ctrl-C leaves the target as it was and removes the temporary file.

Writers know nothing of networks or recordings (they never import animator's
training code), only of pixels.
"""

import base64
import contextlib
import html
import io
import os
import shutil
import tempfile

import numpy as np
from PIL import Image

from animator.errors import UserError
from animator.fileio import atomic_output

MAX_GIF_FPS = 50          # GIF delays are in 1/100 s and players clamp anything under 2
TRANSPARENT = 255         # the GIF palette index meaning "unchanged since the previous frame"
LUT_BITS = 6              # colour look-up table resolution per channel for GIF quantisation


class NullWriter:
    """Counts frames and remembers their shape; writes nothing.  For tests and dry runs."""

    def __init__(self):
        self.frames = 0
        self.shape = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def write(self, frame):
        self.shape = frame.shape
        self.frames += 1


# -- GIF ------------------------------------------------------------------------------------

def gif_delays(count, fps, hold=0.0):
    """Per-frame delays in centiseconds: each at least 2, together keeping ``fps`` on average.

    Where 100 / fps is not whole, delays alternate (for 30 fps: 3, 3, 4, ...) so
    the animation does not drift; ``hold`` seconds are added to the last frame.
    """
    check_gif_fps(fps)
    ticks = np.rint(np.arange(count + 1) * 100.0 / fps).astype(int)
    delays = np.diff(ticks)
    if count:
        delays[-1] += int(round(hold * 100))
    return delays.tolist()


def check_gif_fps(fps):
    if not 0 < fps <= MAX_GIF_FPS:
        raise UserError(f"--fps {fps:g} is not possible in a GIF: frame delays are whole hundredths of a "
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
    The transparent slot is never chosen.
    """

    UNKNOWN = 0xFFFF

    def __init__(self, palette, required=()):
        self.usable = np.asarray(palette, dtype=np.int32)[:TRANSPARENT]
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
    pos = 13
    flags = data[10]
    if flags & 0x80:
        pos += 3 * (2 << (flags & 7))
    while pos < len(data):
        introducer = data[pos]
        if introducer == 0x21:                     # an extension: skip its sub-blocks
            pos += 2
            while data[pos]:
                pos += data[pos] + 1
            pos += 1
        elif introducer == 0x2C:                   # the image: descriptor, then the data we want
            local = data[pos + 9]
            pos += 10
            if local & 0x80:
                pos += 3 * (2 << (local & 7))
            start = pos
            pos += 1
            while data[pos]:
                pos += data[pos] + 1
            return data[start:pos + 1]
        else:
            break
    raise RuntimeError("Pillow wrote a GIF without image data")


class GifWriter:
    """An animated GIF written frame by frame: one global palette, no dithering, loops forever.

    Each frame after the first stores only the rectangle that changed, with
    unchanged pixels inside it transparent, so files stay small.
    """

    def __init__(self, path, *, fps, palette, hold=0.0, required=()):
        check_gif_fps(fps)
        self.path = path
        self.fps = fps
        self.hold = hold
        self.palette = np.asarray(palette, dtype=np.uint8)
        self.palette_bytes = self.palette.tobytes()
        self.quantize = ColourIndex(self.palette, required)
        self._stack = None
        self._pending = None   # the last frame is held back until we know it is the last
        self._count = 0
        self._ticks = 0

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
            self._emit(self._pending, last=True)
            self._file.write(b"\x3b")
        return False

    def write(self, frame):
        """Add an RGB frame."""
        self.write_indices(self.quantize(np.asarray(frame)))

    def write_indices(self, indices):
        """Add a frame already mapped to palette indices by ``self.quantize``."""
        if self._pending is not None:
            self._emit(self._pending, last=False)
        self._pending = indices

    def _header(self, height, width):
        out = bytearray(b"GIF89a")
        out += int(width).to_bytes(2, "little") + int(height).to_bytes(2, "little")
        out += bytes([0xF7, 0, 0])                              # global table of 256 colours
        out += self.palette_bytes
        out += b"\x21\xff\x0bNETSCAPE2.0\x03\x01\x00\x00\x00"  # loop forever
        return bytes(out)

    def _delay(self, last):
        self._count += 1
        end = int(round(self._count * 100.0 / self.fps))
        delay = end - self._ticks
        self._ticks = end
        return delay + (int(round(self.hold * 100)) if last else 0)

    def _emit(self, indices, last):
        height, width = indices.shape
        previous = self._previous
        if previous is None:
            self._file.write(self._header(height, width))
            top, left, patch, transparent = 0, 0, indices, False
        else:
            if previous.shape != indices.shape:
                raise ValueError("all frames of a GIF must have the same size")
            changed = indices != previous
            rows, cols = np.flatnonzero(changed.any(axis=1)), np.flatnonzero(changed.any(axis=0))
            if rows.size == 0:
                top, left, patch = 0, 0, np.full((1, 1), TRANSPARENT, dtype=np.uint8)
            else:
                top, bottom, left, right = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
                patch = indices[top:bottom, left:right].copy()
                patch[~changed[top:bottom, left:right]] = TRANSPARENT
            transparent = True
        delay = self._delay(last)
        packed = (1 << 2) | (1 if transparent else 0)           # disposal: leave in place
        out = bytearray(b"\x21\xf9\x04")
        out += bytes([packed]) + int(delay).to_bytes(2, "little") + bytes([TRANSPARENT, 0])
        h, w = patch.shape
        out += b"\x2c" + b"".join(int(v).to_bytes(2, "little") for v in (left, top, w, h)) + b"\x00"
        out += _lzw_blocks(np.ascontiguousarray(patch))
        self._file.write(out)
        self._previous = indices


# -- MP4 ------------------------------------------------------------------------------------

class Mp4Writer:
    """H.264 in MP4 through imageio-ffmpeg's bundled ffmpeg: yuv420p, ``+faststart``, bit-exact."""

    def __init__(self, path, *, fps, hold=0.0, crf=18, preset="veryfast"):
        if fps <= 0:
            raise UserError(f"--fps must be positive (got {fps:g})")
        self.path, self.fps, self.hold, self.crf, self.preset = path, fps, hold, crf, preset
        self._generator = None
        self._last = None

    def __enter__(self):
        self._stack = contextlib.ExitStack()
        self._temporary = self._stack.enter_context(atomic_output(self.path))
        return self

    def write(self, frame):
        frame = np.ascontiguousarray(frame)
        height, width = frame.shape[:2]
        if self._generator is None:
            if width % 2 or height % 2:
                raise UserError(f"--size {width}x{height}: H.264 needs even width and height")
            import imageio_ffmpeg

            self._generator = imageio_ffmpeg.write_frames(
                self._temporary, (width, height), fps=self.fps, codec="libx264", pix_fmt_out="yuv420p",
                macro_block_size=1, quality=None, ffmpeg_log_level="error",
                output_params=["-f", "mp4", "-preset", self.preset, "-crf", str(self.crf), "-tune", "animation",
                               "-movflags", "+faststart", "-fflags", "+bitexact", "-flags:v", "+bitexact",
                               "-map_metadata", "-1"])
            self._generator.send(None)
        self._generator.send(frame)
        self._last = frame
        self.size = (width, height)

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None:
            if self._generator is not None:
                with contextlib.suppress(Exception):
                    self._generator.close()
            return self._stack.__exit__(exc_type, exc, tb)
        with self._stack:
            if self._generator is None:
                raise UserError(f"{self.path}: no frames to write")
            for _ in range(int(round(self.hold * self.fps))):
                self._generator.send(self._last)
            self._generator.close()
        return False


# -- HTML -----------------------------------------------------------------------------------

class HtmlWriter:
    """A self-contained web page: the animation as an embedded H.264 video with player controls.

    One file to drop into a course page or open offline; the video plays, pauses
    and scrubs in any modern browser.  Written atomically, like every output.
    """

    def __init__(self, path, *, fps, hold=0.0, title="animator"):
        self.path, self.title = os.fspath(path), title
        self._video_path = None
        self._video = None
        self.fps, self.hold = fps, hold

    def __enter__(self):
        directory = os.path.dirname(os.path.abspath(self.path))
        try:
            fd, self._video_path = tempfile.mkstemp(prefix=f".{os.path.basename(self.path)}.", suffix=".mp4",
                                                    dir=directory)
        except OSError as error:
            raise UserError(f"{self.path}: cannot write here ({error.strerror or error})") from None
        os.close(fd)
        self._video = Mp4Writer(self._video_path, fps=self.fps, hold=self.hold)
        try:
            self._video.__enter__()
        except BaseException:
            os.unlink(self._video_path)
            raise
        return self

    def write(self, frame):
        self._video.write(frame)

    def __exit__(self, exc_type, exc, tb):
        try:
            if exc_type is not None:
                return self._video.__exit__(exc_type, exc, tb)
            self._video.__exit__(None, None, None)
            with open(self._video_path, "rb") as handle:
                data = base64.b64encode(handle.read()).decode("ascii")
            width, height = self._video.size
            page = (f'<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>{html.escape(self.title)}'
                    f'</title></head>\n<body style="margin:0;background:#fff">\n'
                    f'<video controls autoplay loop muted playsinline width="{width}" height="{height}" '
                    f'style="max-width:100%;height:auto" src="data:video/mp4;base64,{data}"></video>\n'
                    f"</body></html>\n")
            with atomic_output(self.path) as temporary:
                with open(temporary, "w", encoding="ascii") as handle:
                    handle.write(page)
            return False
        finally:
            with contextlib.suppress(OSError):
                os.unlink(self._video_path)


# -- PNG ------------------------------------------------------------------------------------

def _png_bytes(frame):
    buffer = io.BytesIO()
    Image.fromarray(np.asarray(frame)).save(buffer, format="PNG", optimize=False, compress_level=6)
    return buffer.getvalue()


def write_png(path, frame):
    """One frame as a PNG, atomically."""
    with atomic_output(path) as temporary:
        with open(temporary, "wb") as handle:
            handle.write(_png_bytes(frame))


class PngSequenceWriter:
    """Every frame as ``frame_00000.png``, ... in a directory that appears complete or not at all."""

    def __init__(self, directory):
        self.directory = os.fspath(directory).rstrip(os.sep) or os.sep
        self.count = 0

    def __enter__(self):
        parent = os.path.dirname(os.path.abspath(self.directory))
        if not os.path.isdir(parent):
            raise UserError(f"{self.directory}: directory {parent} does not exist")
        if os.path.exists(self.directory) and not os.path.isdir(self.directory):
            raise UserError(f"{self.directory}: exists and is not a directory")
        try:
            self._temporary = tempfile.mkdtemp(prefix=f".{os.path.basename(self.directory)}.", suffix=".part",
                                               dir=parent)
        except OSError as error:
            raise UserError(f"{self.directory}: cannot write here ({error.strerror or error})") from None
        return self

    def write(self, frame):
        with open(os.path.join(self._temporary, f"frame_{self.count:05d}.png"), "wb") as handle:
            handle.write(_png_bytes(frame))
        self.count += 1

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None:
            shutil.rmtree(self._temporary, ignore_errors=True)
            return False
        old = None
        if os.path.exists(self.directory):
            old = self._temporary + ".old"
            os.replace(self.directory, old)
        os.replace(self._temporary, self.directory)
        if old:
            shutil.rmtree(old, ignore_errors=True)
        return False
