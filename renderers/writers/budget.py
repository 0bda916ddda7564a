"""Fitting an animation into a byte budget: encode, measure, and reduce what hurts the picture least first.

:func:`write_within` writes the animation once at full quality, as it would
without a budget, and keeps every frame the writer received (compressed, in a
temporary *spill* file beside the target, so memory stays flat however long
the animation).  If the file fits, that is the result.  Otherwise the format's
:class:`Fitter` re-encodes the spilled frames with settings reduced *stage by
stage*, never drawing a frame again; the stages are the format's order of
harm (:class:`~.gif_fit.GifFit`, :class:`~.mp4.Mp4Fit`, :class:`~.webp.WebpFit`).  In each stage one setting
moves from where the previous stages left it toward the stage's floor:

* a model of how size follows the setting (frames: proportional; width:
  proportional to the area; H.264 CRF: half the size every 6) guesses the
  least reduction that fits, aiming at 97% of the budget;
* the guess is encoded and measured; from then on the two measurements
  nearest the budget give the next guess (a straight line through them, on
  axes where size is nearly linear in the setting), kept strictly between the
  least reduction known too big and the most known to fit (halving that
  interval when the line points outside it); at most :data:`TRIES` encodes a
  stage, stopping early once a result fills 90% of the budget;
* if even the floor is too big, the next stage starts from the floor.

Every attempt is written to its own temporary file beside the target; the
fitting one is moved into place (``os.replace``), the rest are removed.  If
nothing fits, an :class:`ArgumentError` names the smallest size reached and
nothing is left behind.  The search depends only on sizes, so the same input
gives the same attempts and the same bytes.
"""

import contextlib
import logging
import math
import os
import tempfile
import time
import zlib
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from PIL import Image

from animator.errors import ArgumentError, UserError
from animator.fileio import atomic_output, write_failure

log = logging.getLogger(__name__)

TRIES = 5            # encodes per stage at most
AIM = 0.97           # the size a model guess aims at, as a share of the budget
GOOD_ENOUGH = 0.90   # a fitting result this full ends the stage's search


def format_bytes(count):
    """``4.82 MB``, ``500 kB``, ``812 B``: decimal units (1 MB = 10^6 bytes), three significant digits."""
    for unit, size in (("GB", 10 ** 9), ("MB", 10 ** 6), ("kB", 10 ** 3)):
        if count >= size:
            return f"{count / size:.3g} {unit}"
    return f"{count} B"


@dataclass(frozen=True)
class Stage:
    """One step of a format's order of harm: move ``knob`` from where it is toward ``floor``.

    ``floor`` is a value of the knob, or a function of the starting settings
    that gives one (half the frames).  ``choices``, if given, are the only
    values tried, best first (palette sizes).
    """

    knob: str
    floor: object
    choices: tuple = ()


@dataclass(frozen=True)
class Fit:
    """What fitting a budget did: the sizes, and each setting reduced as ``(name, before, after)``.

    ``settings`` are the final values of every knob, ``attempts`` the number
    of encodes (the first, full-quality one included), ``seconds`` the time
    spent after the first encode.
    """

    budget: int
    bytes: int
    original_bytes: int
    reductions: tuple
    settings: dict
    attempts: int
    seconds: float
    frames: int = 0          # frames in the file
    size: tuple = (0, 0)     # their width and height

    @property
    def reduced(self):
        return bool(self.reductions)

    def __repr__(self):
        changes = ", ".join(f"{name} {before} -> {after}" for name, before, after in self.reductions) or "nothing"
        return (f"<Fit {format_bytes(self.bytes)} within {format_bytes(self.budget)} "
                f"(was {format_bytes(self.original_bytes)}): {changes}>")


class Spill:
    """Frames (any numpy arrays) kept compressed in one temporary file; only their offsets stay in memory.

    >>> with Spill(".", "demo") as spill:                                     # doctest: +SKIP
    ...     spill.append(frame); spill[0]
    """

    def __init__(self, directory, name):
        self._directory, self._name = directory, name
        self._entries = []
        self._file = None
        self._path = None

    def __enter__(self):
        try:
            fd, self._path = tempfile.mkstemp(prefix=f".{self._name}.", suffix=".spill", dir=self._directory)
        except OSError as error:
            raise UserError(f"{os.path.join(self._directory, self._name)}: cannot write here "
                            f"({error.strerror or error})") from None
        self._file = os.fdopen(fd, "w+b")
        return self

    def __exit__(self, *exc):
        self._file.close()
        with contextlib.suppress(OSError):
            os.unlink(self._path)
        return False

    def __len__(self):
        return len(self._entries)

    def append(self, item):
        item = np.ascontiguousarray(item)
        data = zlib.compress(item.data, 1)
        self._file.seek(0, os.SEEK_END)
        offset = self._file.tell()
        try:
            self._file.write(data)
        except OSError as error:       # name the user's target, never the spill file beside it
            raise write_failure(os.path.join(self._directory, self._name), error) from None
        self._entries.append((offset, len(data), item.shape, item.dtype.str))

    def __getitem__(self, index):
        offset, length, shape, dtype = self._entries[index]
        self._file.seek(offset)
        return np.frombuffer(zlib.decompress(self._file.read(length)), dtype=dtype).reshape(shape)


class Fitter:
    """A format's way of meeting a budget: its stages, and how to encode the spilled frames with settings.

    Subclasses set ``STAGES`` and ``NAMES`` (how each knob is reported) and
    implement :meth:`settings` (the full-quality values, from the first
    writer), :meth:`encode` and, for knobs that are not whole numbers where
    bigger is better, :meth:`candidates` and :meth:`predict`.
    """

    STAGES: ClassVar[tuple] = ()

    def __init__(self, writer, spill, *, fps, hold, metadata=None):
        self.writer, self.spill, self.fps, self.hold, self.metadata = writer, spill, fps, hold, metadata
        self.height, self.width = spill[0].shape[:2]

    def settings(self):
        raise NotImplementedError

    def encode(self, settings, path):
        """Write the spilled frames with ``settings`` to ``path``."""
        raise NotImplementedError

    def candidates(self, knob, start, floor, stage):
        """The values ``knob`` may take from ``start`` to ``floor``, least reduced first."""
        if stage.choices:
            return [start] + [value for value in stage.choices if floor <= value < start]
        return list(range(start, floor - 1, -1))

    # knob -> (x, inverse of x, y): the axes on which size is about a straight line of the knob; a frame
    # width ("size") makes the file about proportional to the frame's area
    AXES: ClassVar[dict] = {"size": (lambda width: width * width, math.sqrt, lambda size: size)}
    # knobs whose first step changes the kind of picture (resampled frames gain blended colours that
    # compress worse), so the size before the step says little about the sizes after it
    JUMPS: ClassVar[tuple] = ("size",)

    def predict(self, knob, points, target):
        """The value of ``knob`` expected to give ``target`` bytes, from ``points``, ``(value, size)`` pairs.

        With one point, :meth:`guess`; with two, the straight line through
        them on the knob's :attr:`AXES` (a secant step), which learns the part of
        the size that does not follow the knob (a GIF's first, whole frame).
        """
        if len(points) < 2:
            return self.guess(knob, *points[0], target)
        x, inverse, y = self.AXES.get(knob, (_same, _same, _same))
        (v1, s1), (v2, s2) = points[-2:]
        if y(s1) == y(s2) or x(v1) == x(v2):
            return self.guess(knob, v2, s2, target)
        slope = (x(v2) - x(v1)) / (y(s2) - y(s1))
        return inverse(max(x(v2) + (y(target) - y(s2)) * slope, 0.0))

    def guess(self, knob, value, size, target):
        """A first guess from one measurement: size proportional to the knob (frames), or to the area (width)."""
        if knob == "size":
            return value * math.sqrt(target / size)
        return value * target / size

    def shown(self, knob, value):
        """How a value is reported (``960x540`` rather than a width)."""
        return f"{value}x{self.height_at(value)}" if knob == "size" else value

    def frames(self, settings):
        """How many frames the file holds with ``settings``."""
        return settings.get("frames", len(self.spill))

    def frame_size(self, settings):
        """The frames' ``(width, height)`` with ``settings``."""
        if "size" in settings:
            return settings["size"], self.height_at(settings["size"])
        return self.width, self.height

    def height_at(self, width):
        """The frame height that keeps the aspect at ``width``."""
        return max(1, int(round(self.height * width / self.width)))

    def at_width(self, frame, width):
        """The RGB ``frame`` scaled to ``width`` (Lanczos, the aspect kept), or as it is at full width."""
        if width == self.width:
            return frame
        return np.asarray(Image.fromarray(frame).resize((width, self.height_at(width)), Image.Resampling.LANCZOS))

    def kept(self, settings):
        """``[(position, frames it stands for)]``: the spilled frames ``settings["frames"]`` keeps, each lasting
        until the next kept one starts (so the animation keeps its length)."""
        count = len(self.spill)
        keep = kept_frames(count, settings.get("frames", count))
        return [(position, (keep[k + 1] if k + 1 < len(keep) else count) - position)
                for k, position in enumerate(keep)]


def kept_frames(count, keep):
    """Positions of ``keep`` of ``count`` frames, evenly spread, the first and last always among them.

    >>> kept_frames(10, 4)
    [0, 3, 6, 9]
    """
    if keep >= count:
        return list(range(count))
    return sorted({int(round(i * (count - 1) / (keep - 1))) for i in range(keep)}) if keep > 1 else [count - 1]


def write_within(writer_class, path, source, frames, *, fps, hold, max_bytes, metadata=None, progress=None,
                 total=None, loop=None):
    """Write ``source``'s frames to ``path`` in at most ``max_bytes``; returns a :class:`Fit`.

    ``frames(transform)`` gives the frames to write, each passed through the
    writer's ``transform``, as a context manager (so frame workers are stopped
    on any error).  See the module docstring for the search.
    ``progress(done, total)`` is called as the first encode writes each frame.
    """
    target = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(target))
    base = os.path.basename(target)
    extension = os.path.splitext(base)[1]
    report = progress or (lambda done, count: None)
    attempts = []

    def new_attempt():
        try:
            fd, name = tempfile.mkstemp(prefix=f".{base}.", suffix=f".fit{extension}", dir=directory)
        except OSError as error:
            raise UserError(f"{target}: cannot write here ({error.strerror or error})") from None
        os.close(fd)
        attempts.append(name)
        return name

    try:
        with Spill(directory, base) as spill:
            first = new_attempt()
            extras = {} if loop is None else {"loop": loop}       # the writer's fits keep its loop count
            writer = writer_class.for_source(first, source, fps=fps, hold=hold, metadata=metadata, **extras)
            with writer, frames(writer.transform) as items:
                for done, item in enumerate(items, 1):
                    writer.write(item)
                    spill.append(item)
                    report(done, total or done)
            fitter = writer_class.FIT(writer, spill, fps=fps, hold=hold, metadata=metadata)
            started = time.perf_counter()
            settings = fitter.settings()
            original = os.path.getsize(first)
            best, size, count = _search(fitter, settings, first, original, max_bytes, new_attempt)
            seconds = time.perf_counter() - started
        final = best.pop("_path")
        if size > max_bytes:
            tried = ", ".join(f"{name} {fitter.shown(name, value)}" for name, value in best.items())
            raise ArgumentError("max_bytes", f"{format_bytes(max_bytes)} cannot be met for {target}: the smallest "
                                             f"version tried ({tried}) is {format_bytes(size)}")
        with atomic_output(target) as temporary:
            os.replace(final, temporary)
        reductions = tuple((name, fitter.shown(name, settings[name]), fitter.shown(name, best[name]))
                           for name in settings if best[name] != settings[name])
        return Fit(budget=max_bytes, bytes=size, original_bytes=original, reductions=reductions, settings=best,
                   attempts=count, seconds=seconds, frames=fitter.frames(best), size=fitter.frame_size(best))
    finally:
        for name in attempts:
            with contextlib.suppress(OSError):
                os.unlink(name)


def _search(fitter, settings, first, size, budget, new_attempt):
    """Run the stages; returns ``(settings with their file as "_path", size, encodes)``.

    On failure the settings are the last (most reduced) ones tried.
    """
    current = dict(settings, _path=first)
    count = 1
    if size <= budget:
        return current, size, count

    def measure(candidate):
        nonlocal count
        path = new_attempt()
        fitter.encode(candidate, path)
        count += 1
        written = os.path.getsize(path)
        log.info("budget %s: %s -> %s", format_bytes(budget),
                 ", ".join(f"{k} {fitter.shown(k, v)}" for k, v in candidate.items() if k != "_path"),
                 format_bytes(written))
        return written, dict(candidate, _path=path)

    for stage in fitter.STAGES:
        knob = stage.knob
        floor = stage.floor(settings) if callable(stage.floor) else stage.floor
        values = fitter.candidates(knob, current[knob], floor, stage)
        if len(values) < 2:
            continue
        sizes = {0: (size, current)}
        too_big, fits = 0, None
        for _ in range(TRIES):
            top = fits if fits is not None else len(values)
            if top - too_big < 2:
                break
            near = [too_big, fits] if fits is not None else sorted(p for p in sizes if p <= too_big)[-2:]
            if knob in fitter.JUMPS and len(near) > 1:
                near = [p for p in near if p != 0]
            guess = fitter.predict(knob, [(values[p], sizes[p][0]) for p in near], budget * AIM)
            position = _position(values, guess)
            if not too_big < position < top:
                position = (too_big + top) // 2 if fits is not None else min(max(position, too_big + 1), top - 1)
            measured = measure(dict(current, **{knob: values[position]}))
            sizes[position] = measured
            if measured[0] <= budget:
                fits = position
                if measured[0] >= budget * GOOD_ENOUGH:
                    break
            else:
                too_big = position
        if fits is None and len(values) - 1 not in sizes:
            last = len(values) - 1
            sizes[last] = measure(dict(current, **{knob: values[last]}))
            if sizes[last][0] <= budget:
                fits = last
        if fits is not None:
            return sizes[fits][1], sizes[fits][0], count
        size, current = sizes[len(values) - 1]
    return current, size, count


def _same(value):
    return value


def _position(values, guess):
    """The index of the first of ``values`` (least reduced first) at least as reduced as ``guess``."""
    if not math.isfinite(guess):
        return len(values) - 1
    decreasing = values[-1] < values[0]
    for index, value in enumerate(values):
        if (value <= guess) if decreasing else (value >= guess):
            return index
    return len(values) - 1
