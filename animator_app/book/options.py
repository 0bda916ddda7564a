"""The book's options and what they decide before any figure: the format, the files' names, the up-front checks."""

import os
import sys
from dataclasses import dataclass

from animator.errors import ArgumentError, UserError
from animator.fileio import check_writable
from renderers.figures import LossCurves
from renderers.render import check_animation_options, run_metadata
from renderers.writers import check_frame_choice, encode_metadata, format_bytes, writer_named
from renderers.writers.registry import animation_formats, still_formats

from ..scenes import ContourRaceScene, DescentScene, NetworkRaceScene, TrainingScene

FORMATS = tuple(animation_formats())     # every format that holds an animation a page shows inline
STILL = still_formats()[0]              # the format of the figures that are one picture


@dataclass(frozen=True)
class BookOptions:
    """What can be reduced for a quick run; the defaults are the chapter's."""

    epochs: int = 10000
    frames: int = 200
    size: tuple = (960, 540)
    fps: float = 25.0
    hold: float = 2.0
    format: str = FORMATS[0]
    theme: str = "default"
    max_bytes: int = None         # each animation fits in this many bytes
    poster: str = None            # first, last or an epoch: a NAME.poster.png beside each animation
    loop: int = None              # how many times each GIF or WebP plays (None or 0: for ever)
    command: tuple = None         # the command line, for the description each file carries


def animation_name(stem, options):
    """The file an animation called ``stem`` is written to, in the book's format: ``fig19_sgd.gif``."""
    return stem + writer_named(options.format).EXTENSIONS[0]


def still_name(stem):
    """The file a still called ``stem`` is written to: ``fig14_learning_rates.png``."""
    return stem + writer_named(STILL).EXTENSIONS[0]


def check_book_options(directory, options):
    """Everything that can be refused before the first figure: folder, format, size, rate, hold."""
    if os.path.exists(directory) and not os.path.isdir(directory):
        raise UserError(f"{directory}: exists and is not a directory")
    if options.format not in FORMATS:
        raise ArgumentError("format", f"must be one of {', '.join(FORMATS)} (got {options.format!r})")
    check_animation_options(options.format, size=options.size, fps=options.fps, hold=options.hold)
    writer_named(options.format).check_extras(max_bytes=options.max_bytes, poster=options.poster, loop=options.loop)
    check_frame_choice(options.poster, "poster")
    for layout in (*(scene.layout for scene in (TrainingScene, NetworkRaceScene, DescentScene, ContourRaceScene)),
                   LossCurves):
        layout.check_size(options.size)
    if options.max_bytes is not None:
        floor = sys.modules[__package__].smallest_description(options)   # on the package: a stand-in put there counts
        if options.max_bytes < floor:
            raise ArgumentError("max_bytes", f"{format_bytes(options.max_bytes)} cannot hold any figure of the book: "
                                             f"each file carries its description, {format_bytes(floor)} or more")
    check_writable(os.path.join(directory if os.path.isdir(directory) else
                                os.path.dirname(os.path.abspath(directory)), "probe"))


def smallest_description(options):
    """Fewer bytes than any animation of the book holds: a description with no caption and no settings.

    Every file carries its description uncompressed, the command line
    included, so a byte budget below this cannot be met by any figure.
    """
    return len(encode_metadata(run_metadata("race", "", {}, options.command)))

