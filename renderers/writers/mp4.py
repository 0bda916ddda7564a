"""H.264 in MP4, through the ffmpeg that imageio-ffmpeg bundles.

We start ffmpeg ourselves (the same command imageio-ffmpeg would run) so that
its log is ours to show: it goes to a temporary file, and a failure (a full
disk, a killed encoder) becomes one :class:`UserError` line naming the cause,
instead of ffmpeg's chatter and a dump of its command line on the terminal.
``Mp4Writer(..., show_log=True)`` (the CLI's ``--debug``) lets ffmpeg write
to the terminal and puts the command line in the error.
"""

import contextlib
import math
import os
import re
import subprocess
import tempfile
from fractions import Fraction

import numpy as np

from animator.errors import ArgumentError, UserError
from animator.fileio import atomic_output
from animator.untrusted import open_input

from .budget import Fitter, Stage
from .metadata import read_mp4_metadata
from .registry import Writer, register


def check_even(size):
    """An :class:`ArgumentError` (``size``) for a frame H.264 in yuv420p cannot hold."""
    width, height = size
    if width % 2 or height % 2:
        raise ArgumentError("size", f"{width}x{height}: H.264 needs even width and height")


@register
class Mp4Writer(Writer):
    """H.264 in MP4: yuv420p, ``+faststart`` (plays while downloading), bit-exact (same input, same bytes)."""

    KIND = "mp4"
    EXTENSIONS = (".mp4",)
    MIME = "video/mp4"
    HTML_TAG = "video"
    DECK = "movie"

    @classmethod
    def check_options(cls, *, size, fps, hold):
        super().check_options(size=size, fps=fps, hold=hold)
        check_even(size)

    @classmethod
    def read_metadata(cls, path):
        return read_mp4_metadata(path)

    @classmethod
    def read_frame(cls, path, index):
        """Frame ``index`` as ffmpeg decodes it (H.264 is lossy: near the frame drawn, not equal to it)."""
        import imageio_ffmpeg

        open_input(path).close()                # a regular file, never a FIFO or a device
        reader = imageio_ffmpeg.read_frames(os.fspath(path))
        try:
            width, height = next(reader)["size"]
            for position, raw in enumerate(reader):
                if position == index:
                    return np.frombuffer(raw, dtype=np.uint8).reshape(height, width, 3).copy()
        finally:
            reader.close()
        raise IndexError(f"{path} has no frame {index}")

    @classmethod
    def for_source(cls, path, source, *, fps, hold, metadata=None, show_log=False, **options):
        return cls(path, fps=fps, hold=hold, metadata=metadata, show_log=show_log)

    def __init__(self, path, *, fps, hold=0.0, crf=18, preset="veryfast", metadata=None, show_log=False):
        """``crf``: x264's constant rate factor (18 is visually lossless; +6 halves the size);
        ``metadata``: text for the ``comment`` tag (see :mod:`.metadata`); ``show_log``: let ffmpeg
        write to the terminal (for ``--debug``)."""
        if not fps > 0:
            raise ArgumentError("fps", f"must be positive (got {fps:g})")
        self.path, self.fps, self.hold, self.crf, self.preset = path, fps, hold, crf, preset
        self.metadata, self.show_log = metadata, show_log
        self._process = None
        self._last = None

    def __enter__(self):
        self._stack = contextlib.ExitStack()
        self._temporary = self._stack.enter_context(atomic_output(self.path))
        return self

    def _command(self, width, height):
        import imageio_ffmpeg

        return [imageio_ffmpeg.get_ffmpeg_exe(), "-y", "-f", "rawvideo", "-vcodec", "rawvideo",
                "-s", f"{width}x{height}", "-pix_fmt", "rgb24", "-r", str(Fraction(self.fps).limit_denominator()),
                "-i", "-", "-an", "-vcodec", "libx264", "-pix_fmt", "yuv420p", "-v", "error",
                "-f", "mp4", "-preset", self.preset, "-crf", str(self.crf), "-tune", "animation",
                "-movflags", "+faststart", "-fflags", "+bitexact", "-flags:v", "+bitexact", "-map_metadata", "-1",
                *(["-metadata", f"comment={self.metadata}"] if self.metadata is not None else []),
                self._temporary]

    def _start(self, width, height):
        check_even((width, height))
        self._command_line = self._command(width, height)
        self._log = None if self.show_log else self._stack.enter_context(tempfile.TemporaryFile())
        # its own process group: Ctrl-C in a terminal is ours to handle, and we stop ffmpeg ourselves
        self._process = subprocess.Popen(self._command_line, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                         stderr=self._log, process_group=0)
        self._stack.callback(self._stop)

    def _stop(self):
        """Kill ffmpeg if it still runs (an error or an interruption): the partial video is discarded."""
        process = self._process
        if process.poll() is None:
            process.kill()
        with contextlib.suppress(OSError):
            process.stdin.close()
        process.wait()

    def _failure(self, error=None):
        """ffmpeg stopped or failed: one line with its last words (e.g. ``No space left on device``)."""
        with contextlib.suppress(subprocess.TimeoutExpired):
            self._process.wait(timeout=10)
        cause = ""
        if self._log is not None:
            self._log.seek(0)
            lines = [line.strip() for line in self._log.read().decode("utf-8", "replace").splitlines()]
            lines = [re.sub(r"^\[[^\]]*\]\s*", "", line) for line in lines if line]
            cause = lines[-1] if lines else ""
        if getattr(self, "_temporary", None):    # ffmpeg names its file, a temporary: say the target
            cause = cause.replace(self._temporary, self.path)
        if not cause:
            cause = (error.strerror or str(error)) if error is not None else f"exit status {self._process.returncode}"
        message = f"{self.path}: ffmpeg could not write the video ({cause})"
        if self.show_log:
            message += f"; command: {' '.join(self._command_line)}"
        return UserError(message)

    def write(self, frame):
        frame = np.ascontiguousarray(frame)
        if self._process is None:
            height, width = frame.shape[:2]
            self._start(width, height)
            self.size = (width, height)
        try:
            self._process.stdin.write(frame.data)
        except OSError as error:        # a broken pipe: ffmpeg has stopped
            raise self._failure(error) from None
        self._last = frame

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None:
            return self._stack.__exit__(exc_type, exc, tb)
        with self._stack:
            if self._process is None:
                raise UserError(f"{self.path}: no frames to write")
            for _ in range(int(round(self.hold * self.fps))):
                self.write(self._last)
            try:
                self._process.stdin.close()
            except OSError as error:
                raise self._failure(error) from None
            if self._process.wait() != 0:
                raise self._failure()
        return False


class Mp4Fit(Fitter):
    """How an MP4 meets a byte budget, in the order that hurts the picture least.

    1. Raise x264's CRF from 18 up to 28 (each +6 about halves the size): the
       encoder spends fewer bits where the eye misses them first; flat regions,
       lines and text stay clean far longer than the fine noise it drops.
    2. Scale the frames down, to half the width at least (even sizes, as H.264
       needs), at CRF 28: text becomes hard to read, so it comes last.

    Frames are not drawn again: each attempt re-encodes the RGB frames the
    first encode spilled.
    """

    STAGES = (Stage("crf", 28), Stage("size", lambda start: max(2, start["size"] // 2)))

    def settings(self):
        return {"crf": self.writer.crf, "size": self.width}

    def candidates(self, knob, start, floor, stage):
        if knob == "crf":
            return list(range(start, floor + 1))
        return list(range(start, floor - 1, -2))          # even widths

    # CRF: the size's logarithm falls about linearly (width: as every fitter, the size follows the area)
    AXES = {**Fitter.AXES, "crf": (lambda crf: crf, lambda crf: crf, math.log2)}

    def guess(self, knob, value, size, target):
        if knob == "crf":
            return value + 6 * math.log2(size / target)
        return super().guess(knob, value, size, target)

    def height_at(self, width):
        return max(2, 2 * int(round(self.height * width / self.width / 2)))     # H.264 needs even sizes

    def encode(self, settings, path):
        width = settings["size"]
        writer = Mp4Writer(path, fps=self.fps, hold=self.hold, crf=settings["crf"], metadata=self.metadata)
        with writer:
            for position in range(len(self.spill)):
                writer.write(self.at_width(self.spill[position], width))


Mp4Writer.FIT = Mp4Fit
