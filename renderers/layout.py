"""What every layout offers the writers, and the pieces layouts share.

A *frame source* is anything a writer can draw from: the :class:`FrameSource`
protocol.  The layouts in this package (training run, network race, 1-D
descent, 2-D contour race, Figure 14) subclass :class:`Layout`, which declares
their size limits as class attributes, so the command line can ask the chosen
layout, before any training, whether a frame size will do
(``TrainingAnimation.check_size((720, 720))``).

Adding a layout is one new module: subclass :class:`Layout`, set ``MIN_SIZE``,
``MIN_ASPECT``, ``MAX_ASPECT`` and ``WHAT``, and implement ``__len__``, ``frame``
and ``colours``.
"""

import contextlib
import functools
from typing import ClassVar, Protocol, runtime_checkable

import numpy as np

from animator.errors import ArgumentError
from animator.frames import frame_epochs

from .raster import font
from .theme import THEMES
from .words import describe, optimizer_text  # noqa: F401 (the layouts' and the application's import path)


@contextlib.contextmanager
def pinned():
    """matplotlib's default settings, whatever a matplotlibrc or style of the user's says (fonts, sizes, lines).

    A layout reads matplotlib's settings while it builds its static layers, so
    every subclass's ``__init__`` runs inside this (see :class:`Layout`): the same
    frames on every machine, from the command line, a notebook or a test.
    """
    import matplotlib.style

    with matplotlib.style.context("default"):
        yield


def _pinning(init):
    @functools.wraps(init)
    def pinned_init(self, *args, **kwargs):
        with pinned():
            return init(self, *args, **kwargs)

    return pinned_init


@runtime_checkable
class FrameSource(Protocol):
    """What a writer needs: a fixed frame size, a frame count, frames by index, their labels, their colours."""

    size: tuple                 # (width, height) in pixels, the same for every frame
    epochs: np.ndarray          # the epoch (or step) each frame shows: frame labels, and --frame EPOCH

    def __len__(self) -> int: ...

    def frame(self, index: int) -> np.ndarray:
        """Frame ``index`` as an (height, width, 3) uint8 array; frames are independent of each other."""

    def colours(self) -> np.ndarray:
        """(k, 3) uint8 colours frames are made of exactly, so a GIF palette keeps them unchanged."""


class Layout:
    """The base of every layout: size limits as class attributes, theme lookup, text wrapping.

    A frame must be at least ``MIN_SIZE`` and its shape (width / height) between
    ``MIN_ASPECT`` and ``MAX_ASPECT``; :meth:`check_size` says so in one line,
    before any training, and a layout's constructor calls it too.
    """

    MIN_SIZE: ClassVar[tuple] = (480, 270)   # smallest (width, height) the layout can hold
    MIN_ASPECT: ClassVar[float] = 0.0        # width / height at least this (0: any shape)
    MAX_ASPECT: ClassVar[float] = float("inf")   # width / height at most this (inf: any shape)
    WHAT: ClassVar[str] = "the layout"       # how size errors name it

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "__init__" in cls.__dict__:          # where a layout draws what never changes: pinned, see pinned()
            cls.__init__ = _pinning(cls.__init__)

    def __len__(self):
        """A frame per entry of ``epochs`` (what each frame shows); a layout of another count says so."""
        return len(self.epochs)

    @classmethod
    def check_size(cls, size):
        """An :class:`ArgumentError` (argument ``size``) for a frame this layout cannot hold."""
        width, height = size
        minimum = cls.MIN_SIZE
        if width < minimum[0] or height < minimum[1]:
            raise ArgumentError("size", f"{width}x{height} is too small for {cls.WHAT} "
                                        f"(at least {minimum[0]}x{minimum[1]})")
        if width < cls.MIN_ASPECT * height:
            if cls.MIN_ASPECT == 1:
                raise ArgumentError("size", f"{width}x{height}: {cls.WHAT} needs a frame at least as wide as it is "
                                            f"tall (1:1 is {height}x{height})")
            raise ArgumentError("size", f"{width}x{height}: {cls.WHAT} needs a frame at least {cls.MIN_ASPECT:g} "
                                        f"times as wide as it is tall (16:9 is {round(height * 16 / 9)}x{height})")
        if width > cls.MAX_ASPECT * height:
            raise ArgumentError("size", f"{width}x{height}: {cls.WHAT} needs a frame at most {cls.MAX_ASPECT:g} "
                                        f"times as wide as it is tall (16:9 is {width}x{round(width * 9 / 16)})")

    @staticmethod
    def no_room(size, what):
        """The error for a frame that passed :meth:`check_size` but whose content does not fit."""
        return ArgumentError("size", f"{size[0]}x{size[1]} leaves no room for {what}; use a larger frame")

    @staticmethod
    def theme_named(name):
        try:
            return THEMES[name]
        except KeyError:
            raise ArgumentError("theme", f"{name!r} is not a theme (choose from {', '.join(THEMES)})") from None


def wrap(pieces, width_px, size_px, *, separator=" "):
    """``pieces`` joined by ``separator`` into lines at most ``width_px`` wide in the DejaVu Sans inside matplotlib.

    A piece wider than the line gets a line of its own; no piece is ever split.
    Empty input gives no lines.

    >>> wrap("the ball rolls into the first dip".split(), 120, 12)   # doctest: +SKIP
    ['the ball rolls', 'into the first', 'dip']
    """
    face = font(size_px)
    lines, line = [], ""
    for piece in pieces:
        candidate = f"{line}{separator}{piece}" if line else piece
        if line and face.getlength(candidate) > width_px:
            lines.append(line)
            line = piece
        else:
            line = candidate
    return lines + [line] if line else lines


LOSS_HEADROOM = 1.5   # a loss scale stops at 1.5 x the starting loss, so rare spikes leave the top


def loss_ceiling(high, start):
    """The top of a loss scale: ``high``, but at most :data:`LOSS_HEADROOM` times the starting loss ``start``.

    The chapter's rare spikes (AdaGrad and RMSProp briefly pass 10) then run off
    the top instead of flattening every other loss against the axis.
    """
    return min(high, start * LOSS_HEADROOM)


def origin_pad(label_px, length_pt, pad_pt, dpi=100):
    """The y tick labels' pad (points) that keeps the lowest one clear of the x axis's ``0`` under the origin.

    Type grows with the frame but tick lengths and pads are in points; past about
    1000 pixels of height the two labels at a chart's corner would touch.  The
    result is ``pad_pt`` until then, and just enough beyond it.
    """
    half_zero = font(max(1, round(label_px))).getlength("0") / 2 * 72 / dpi
    return max(pad_pt, half_zero - length_pt + 1)


def frame_steps(total, max_frames=None, spacing="linear"):
    """The steps ``0..total`` that get a frame: all of them, or ``max_frames`` (first and last kept).

    The same rule as the frames of a training Recording
    (:func:`animator.frames.frame_epochs`): evenly spaced, or with
    ``spacing="log"`` dense at the start, where a run changes fastest.
    """
    if max_frames is None:
        return np.arange(int(total) + 1)
    if max_frames < 2:
        raise ArgumentError("max_frames", f"must be at least 2 (got {max_frames})")
    return frame_epochs(int(total), frames=int(max_frames), spacing=spacing)
