"""The animations a deck or a Beamer source holds, read as data: bounded, checked, then decoded.

The files come from anywhere (a downloaded GIF, a shared folder), so each is
read once, bounded, as a regular file (:mod:`animator.untrusted`); a
picture's declared size is checked before Pillow opens it, a video is decoded
by ffmpeg with a pixel limit and a timeout, and what a deck embeds is exactly
the bytes that were checked.

Every animation also has a *poster*: the still a printout or a PDF export
shows.  It is the animation's last frame unless another is chosen (``first``,
``last`` or a frame's index), or, when none is chosen, the ``NAME.poster.png``
that ``--poster`` wrote beside it.
"""

import contextlib
import io
import os
import re
import struct
import subprocess
import tempfile
import warnings
from dataclasses import dataclass

from PIL import Image, ImageSequence

from animator.errors import ArgumentError, UserError
from animator.untrusted import Untrusted, open_input, read_bounded, shown

from .writers.registry import formats

# The deck holds every animation whole, in memory while it is made: far above any animator writes,
# far below what would exhaust a laptop.
MAX_INPUT_BYTES = 256 << 20
FFMPEG_TIMEOUT = 60            # seconds to decode one frame of a video; a sane file needs well under one
FRAMES_TIMEOUT = 600           # seconds to decode every frame of a video (for a Beamer source)
MAX_FRAMES = 2000              # frames of one animation a Beamer source takes (the book's are 200)


@dataclass(frozen=True)
class Media:
    """One input as a slide holds it: its bytes, pixel size, kind (``picture``/``movie``) and poster (PNG bytes).

    ``still`` is True for a picture of one frame (a PNG), whose poster is itself;
    ``seconds`` is a video's length (None when unknown or not a video).
    """

    data: bytes
    size: tuple
    kind: str
    poster: bytes
    still: bool = False
    seconds: float = None


def deck_extensions():
    """Extension -> the writer of each format a deck takes (its ``DECK``: a picture or a movie)."""
    return {extension: writer for writer in formats() if writer.DECK for extension in writer.EXTENSIONS}


def kind_of(path):
    """``picture`` or ``movie``: how a deck holds the file ``path`` (its extension is one a deck takes)."""
    return deck_extensions()[os.path.splitext(path)[1].lower()].DECK


def input_size(path):
    """The size of the regular file ``path``, refused in one line if it is empty or larger than a slide takes."""
    label = shown(path)
    with open_input(path, what=label) as handle:
        size = os.fstat(handle.fileno()).st_size
    if size == 0:
        raise Untrusted(f"{label}: is empty")
    if size > MAX_INPUT_BYTES:
        raise Untrusted(f"{label}: {mib(size)}, more than the {mib(MAX_INPUT_BYTES)} a slide takes")
    return size


def mib(count):
    return f"{count / (1 << 20):.4g} MiB"


def check_poster(poster):
    """``None``, ``first``, ``last`` or a frame's index (0 or more); anything else is an ArgumentError."""
    if poster is None or poster in ("first", "last"):
        return poster
    if isinstance(poster, int) and not isinstance(poster, bool) and poster >= 0:
        return poster
    if isinstance(poster, str) and poster.isdigit():
        return int(poster)
    raise ArgumentError("poster", f"expected first, last or a frame number (0 for the first), not {poster!r}")


def read_media(path, scratch, *, poster=None, show_log=False):
    """The GIF, PNG or MP4 ``path`` as :class:`Media`, its poster chosen by ``poster`` (see the module)."""
    poster = check_poster(poster)
    if kind_of(path) == "movie":
        return _read_video(path, scratch, poster=poster, show_log=show_log)
    picture, size, count = read_picture(path)
    if count == 1:
        return Media(picture, size, "picture", picture, still=True)
    beside = _beside(path) if poster is None else None
    if beside is None:
        index = _frame_index(path, poster, count)
        with _opened(shown(path), "GIF", picture) as image:
            image.seek(index)
            beside = png_bytes(image)
    return Media(picture, size, "picture", beside)


def _beside(path):
    """The bytes of ``NAME.poster.png`` beside ``path``, read as carefully as the animation; None if there is none."""
    beside = os.path.splitext(path)[0] + ".poster.png"
    if not os.path.lexists(beside):
        return None
    return read_picture(beside)[0]           # there but not a sound PNG: an error, not skipped


def _frame_index(path, poster, count):
    if poster in (None, "last"):
        return count - 1
    if poster == "first":
        return 0
    if poster >= count:
        raise ArgumentError("poster", f"{poster}: {shown(path)} has {count} frames (0-{count - 1})")
    return poster


def png_bytes(image):
    """``image`` (a Pillow frame) as the bytes of an RGB PNG: the same pixels give the same bytes."""
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format="PNG")
    return buffer.getvalue()


def read_picture(path, *, what=None):
    """``(bytes, size, frames)`` of the GIF or PNG ``path``, its declared size checked before Pillow opens it."""
    label = what or shown(path)
    data = read_bounded(path, MAX_INPUT_BYTES, what=label)
    extension = os.path.splitext(path)[1].lower()
    writer = deck_extensions()[extension]
    name = extension[1:].upper()
    if not data.startswith(writer.SIGNATURES):
        raise Untrusted(f"{label}: not a {name} file")
    declared = writer.declared_size(data)
    if declared is None:
        raise Untrusted(f"{label}: a damaged {name} (no image header)")
    check_pixels(label, declared, "picture")
    with _opened(label, name, data) as image:
        size = image.size
        count = getattr(image, "n_frames", 1)
    check_pixels(label, size, "picture")
    return data, size, count


@contextlib.contextmanager
def _opened(label, name, data):
    """Pillow's image of ``data``, loaded; a bomb or damage (also while reading its frames) is one line naming it."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                image.load()
                yield image
    except UserError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise Untrusted(f"{label}: larger than the {Image.MAX_IMAGE_PIXELS} pixels animator opens "
                        f"(a decompression bomb?)") from None
    except (OSError, SyntaxError, ValueError, struct.error, IndexError, EOFError) as error:
        raise Untrusted(f"{label}: a damaged {name} ({shown(first_line(error))[:120]})") from None


def check_pixels(label, size, what):
    width, height = size
    if width == 0 or height == 0:
        raise Untrusted(f"{label}: a {width}x{height} {what} has no pixels to show")
    limit = Image.MAX_IMAGE_PIXELS
    if limit is not None and width * height > limit:
        raise Untrusted(f"{label}: a {width}x{height} {what}, more than the {limit} pixels animator opens "
                        f"(a decompression bomb?)")


def _read_video(path, scratch, *, poster=None, show_log=False):
    """The MP4 ``path`` as :class:`Media`, or one line saying why it cannot be shown.

    ffmpeg decodes the copy at ``scratch`` (so it checks exactly the bytes the
    deck embeds), one frame only, with Pillow's pixel limit and a timeout; its
    log is kept for a short reason, never shown unless ``show_log`` (the CLI's
    ``--debug``) lets it through.
    """
    label = shown(path)
    data = read_bounded(path, MAX_INPUT_BYTES, what=label)
    copy, frame = scratch + os.path.splitext(path)[1].lower(), scratch + ".ppm"   # ffmpeg reads the kind by name
    with open(copy, "wb") as handle:
        handle.write(data)
    if poster in (None, "last"):
        chosen = ["-sseof", "-1", "-i", copy, "-update", "1"]
    else:
        index = 0 if poster == "first" else poster
        chosen = ["-i", copy, "-vf", f"select=eq(n\\,{index})", "-frames:v", "1"]
    run_ffmpeg(label, [*chosen, "-map", "0:v:0", "-an", "-c:v", "ppm", "-f", "image2", "-y", frame],
               FFMPEG_TIMEOUT, show_log=show_log)
    if not os.path.isfile(frame):
        if isinstance(poster, int):
            raise ArgumentError("poster", f"{poster}: {label} has no frame {poster}")
        raise Untrusted(f"{label}: not a video animator can show (ffmpeg: no frames)")
    with Image.open(frame) as image:           # ffmpeg's own output, already held to the pixel limit
        size = image.size
        chosen_frame = png_bytes(image)
    beside = _beside(path) if poster is None else None
    return Media(data, size, "movie", beside or chosen_frame, seconds=mp4_seconds(data))


def run_ffmpeg(label, arguments, timeout, *, show_log=False):
    """Run ffmpeg with ``arguments`` under the pixel limit and ``timeout``; a failure is one line naming ``label``."""
    import imageio_ffmpeg

    limit = Image.MAX_IMAGE_PIXELS or 2 ** 31 - 1
    command = [imageio_ffmpeg.get_ffmpeg_exe(), "-nostdin", "-hide_banner", "-v", "error",
               "-max_pixels", str(limit), *arguments]
    with tempfile.TemporaryFile() as log:
        try:
            # its own process group: Ctrl-C is ours to handle (run() kills ffmpeg on any exception)
            completed = subprocess.run(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                       stderr=None if show_log else log, timeout=timeout, process_group=0)
        except subprocess.TimeoutExpired:
            raise Untrusted(f"{label}: ffmpeg took more than {timeout} s to read the video") from None
        log.seek(0)
        lines = [re.sub(r"^(\[[^\]]*\]\s*)+", "", line).strip()
                 for line in log.read(1 << 16).decode("utf-8", "replace").splitlines()]
    lines = [line for line in lines if line]
    oversized = next((line for line in lines if "exceeds specified max pixel count" in line), None)
    if oversized:
        found = re.search(r"(\d+)x(\d+)", oversized)
        frames = f"{found[1]}x{found[2]} frames" if found else "frames"
        raise Untrusted(f"{label}: {frames}, more than the {limit} pixels animator opens (a decompression bomb?)")
    if completed.returncode != 0:
        reason = lines[-1] if lines else f"exit status {completed.returncode}"
        raise Untrusted(f"{label}: not a video animator can show (ffmpeg: {shown(reason)[:120]})")


def mp4_seconds(data):
    """The length of the MP4 ``data`` from its movie header (``mvhd``), or None if it has none that reads."""
    at = data.find(b"mvhd")
    if at < 4 or at + 32 > len(data):
        return None
    version = data[at + 4]
    try:
        if version == 1:
            scale, length = struct.unpack(">IQ", data[at + 24:at + 36])
        else:
            scale, length = struct.unpack(">II", data[at + 16:at + 24])
    except struct.error:
        return None
    return length / scale if scale and 0 < length / scale < 86400 else None


# -- every frame, for a Beamer source ----------------------------------------------------------------

def frames_of(path, scratch, *, show_log=False):
    """``(frames per second, [PNG bytes of each frame])`` of the GIF or MP4 ``path``; a PNG is one frame."""
    label = shown(path)
    if kind_of(path) == "movie":
        data = read_bounded(path, MAX_INPUT_BYTES, what=label)
        os.makedirs(scratch)
        copy = os.path.join(scratch, "video" + os.path.splitext(path)[1].lower())
        with open(copy, "wb") as handle:
            handle.write(data)
        run_ffmpeg(label, ["-i", copy, "-map", "0:v:0", "-an", "-frames:v", str(MAX_FRAMES), "-c:v", "ppm",
                                 "-f", "image2", "-y", os.path.join(scratch, "f%05d.ppm")],
                         FRAMES_TIMEOUT, show_log=show_log)
        names = sorted(name for name in os.listdir(scratch) if name.endswith(".ppm"))
        if not names:
            raise Untrusted(f"{label}: not a video animator can show (no frames)")
        frames = []
        for name in names:
            with Image.open(os.path.join(scratch, name)) as image:
                frames.append(png_bytes(image))
        seconds = mp4_seconds(data)       # animator's videos are constant-rate: the hold is repeated frames
        return (float(f"{len(frames) / seconds:.4g}") if seconds else 25.0), frames
    data, size, count = read_picture(path)
    if count > MAX_FRAMES:
        raise Untrusted(f"{label}: {count} frames, more than the {MAX_FRAMES} a LaTeX animation takes")
    frames, durations = [], []
    with _opened(label, os.path.splitext(path)[1][1:].upper(), data) as image:
        for frame in ImageSequence.Iterator(image):
            frames.append(png_bytes(frame))
            durations.append(frame.info.get("duration") or 0)
    usual = sorted(d for d in durations if d > 0)
    return (1000 / usual[len(usual) // 2] if usual else 25.0), frames


def first_line(error):
    return str(error).splitlines()[0] if str(error) else type(error).__name__
