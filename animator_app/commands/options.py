"""The option types and the option groups several commands share, each declared once.

A command lists these in its own module's ``options``; where one command
shows an option differently (the book's shorter help, a sweep's smaller
defaults) it takes the shared declaration with ``dataclasses.replace``.
"""

import argparse
import math
import re
from dataclasses import replace

from animator.datasets import GENERATORS
from animator.frames import SPACINGS
from animator.optimizers import DEFAULT as DEFAULT_OPTIMIZER, OPTIMIZERS, hyperparameter_names
from animator.optimizers import takers as optimizer_takers
from renderers.theme import LOOKS, SCALES
from renderers.writers.registry import formats

from .registry import Option

# --max-bytes units: decimal as disk and network sizes are counted, binary as some file managers show them
BYTE_UNITS = {"": 1, "b": 1, "k": 10 ** 3, "kb": 10 ** 3, "m": 10 ** 6, "mb": 10 ** 6, "g": 10 ** 9, "gb": 10 ** 9,
              "kib": 2 ** 10, "mib": 2 ** 20, "gib": 2 ** 30}


# -- types: text -> value, or argparse's one-line complaint -------------------------------------------

def integer(minimum):
    """An argparse type: a whole number of at least ``minimum``."""

    def parse(text) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"invalid integer value: {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum} (got {value})")
        return value

    return parse


def finite(text) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid number: {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be a finite number (got {text!r})")
    return value


def hidden(text) -> tuple:
    try:
        sizes = tuple(int(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected sizes like 64 or 64,32, got {text!r}") from None
    if not sizes or any(s < 1 for s in sizes):
        raise argparse.ArgumentTypeError(f"hidden sizes must be positive, got {text!r}")
    return sizes


def point(text) -> tuple:
    try:
        x, y = (finite(part) for part in text.split(","))
    except (ValueError, argparse.ArgumentTypeError):
        raise argparse.ArgumentTypeError(f"expected finite X,Y like -1.2,1, got {text!r}") from None
    return x, y


def positive(text) -> float:
    value = finite(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be positive (got {text!r})")
    return value


def byte_size(text) -> int:
    """An argparse type: ``5MB``, ``500kB``, ``2.5MiB`` or ``800000`` as a whole number of bytes (at least 1)."""
    found = re.fullmatch(r"\s*(\d+(?:\.\d*)?|\.\d+)\s*([A-Za-z]*)\s*", text)
    unit = found and BYTE_UNITS.get(found.group(2).lower())
    if not unit:
        raise argparse.ArgumentTypeError(f"expected a size like 5MB, 500kB, 2.5MiB or 800000 (bytes), got {text!r}")
    value = int(float(found.group(1)) * unit)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1 byte (got {text!r})")
    return value


def loop_count(text) -> int:
    """An argparse type: ``forever`` (0), ``once`` (1) or how many times to play (a whole number, 1 or more)."""
    named = {"forever": 0, "once": 1}
    if text in named:
        return named[text]
    if text.isdigit() and int(text) >= 1:
        return int(text)
    raise argparse.ArgumentTypeError(f"expected forever, once or a number of plays like 3, got {text!r}")


def frame_choice(text) -> str:
    """An argparse type: ``first``, ``last`` or an epoch (a whole number, 0 or more)."""
    if text in ("first", "last") or text.isdigit():
        return text
    raise argparse.ArgumentTypeError(f"expected first, last or an epoch number, got {text!r}")


def size(text) -> tuple:
    parts = text.lower().split("x")
    try:
        width, height = (int(p) for p in parts)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected WIDTHxHEIGHT like 960x540, got {text!r}") from None
    if not (1 <= width <= 7680 and 1 <= height <= 4320):
        raise argparse.ArgumentTypeError(f"expected WIDTHxHEIGHT between 1x1 and 7680x4320, got {text!r}")
    return width, height


# -- what -o may name, from the format registry ----------------------------------------------------------

def outputs(*, described=True):
    """The outputs -o may name: ``.gif, .mp4, .png (one frame), ..., or a directory/``."""
    files = [extension + (f" ({writer.SUMMARY})" if described and writer.SUMMARY else "")
             for writer in formats() if not writer.DIRECTORY for extension in writer.EXTENSIONS]
    folders = [f"a directory/ ({writer.SUMMARY})" if described and writer.SUMMARY else "a directory/"
               for writer in formats() if writer.DIRECTORY]
    return ", ".join(files) + "".join(f", or {folder}" for folder in folders)


def extensions(*, still=None, player=False, looping=False):
    """The extensions of the file formats that are stills (``still=True``), animations, player pages, or that
    take a loop count (``looping``)."""
    return [extension for writer in formats() for extension in writer.EXTENSIONS
            if (writer.LOOPS if looping else writer.PLAYER if player else not writer.PLAYER and writer.STILL == still)]


# -- the optimizer and its hyper-parameters (declared by the optimizers) ----------------------------------

def _hyperparameter_help(name):
    """The help of ``--NAME``, from the optimizers that declare it: who takes it, what it is, its defaults."""
    takers = optimizer_takers(name)
    classes, text = [cls for cls, _ in takers], takers[0][1].help
    who = "" if len(classes) == len(OPTIMIZERS) else "/".join(cls.title for cls in classes) + " "
    defaults = {cls.name: h.default for cls, h in takers}
    if len(set(defaults.values())) == 1:
        default = f"{next(iter(defaults.values()))!r}"
    else:
        default = "the optimizer's own: " + ", ".join(f"{n} {v!r}" for n, v in defaults.items())
    return f"{who}{text} (default: {default})"


HYPERPARAMETERS = tuple(hyperparameter_names())       # every optimizer's, as flags spell them
CHOSEN_OPTIMIZER = Option(("--optimizer",), "optimizer (default: %(default)s)", default=DEFAULT_OPTIMIZER,
                          choices=tuple(OPTIMIZERS), arguments=("optimizer",), group="optimizer")
OPTIMIZER = (CHOSEN_OPTIMIZER, *(Option((f"--{name}",), _hyperparameter_help(name), type=finite, metavar="X",
                                        group="optimizer") for name in HYPERPARAMETERS))


def hyperparameters(options):
    """The hyper-parameters given on the command line: ``{"lr": 0.5}``."""
    return {name: getattr(options, name) for name in HYPERPARAMETERS if getattr(options, name) is not None}


# -- data, model, training and recording ------------------------------------------------------------------

def training(*, optimizer=True, resolution="--grid", book_log=True, record=True, frames=200, grid=160):
    """Data, model, training and recording options; a sweep spells the grid resolution ``--resolution``
    (its ``--grid`` is a hyper-parameter grid), has smaller defaults and no progress lines or ``--record``."""
    return (
        Option(("--dataset",), "generated dataset (default: %(default)s, the chapter's)", default="spiral",
               choices=tuple(sorted(GENERATORS)), arguments=("dataset",), group="data"),
        Option(("--samples",), "points per class (default: %(default)s)", type=integer(1), default=100,
               metavar="N", arguments=("samples",), group="data"),
        Option(("--classes",), "number of classes (default: %(default)s; xor and moons have 2)", type=integer(2),
               default=3, metavar="K", arguments=("classes",), group="data"),
        Option(("--data",), "read points from a CSV of x, y, label rows instead (header optional; default: none)",
               metavar="FILE.csv", arguments=("data_file",), group="data"),
        Option(("--hidden",), "hidden layer sizes, comma-separated (default: 64, the chapter's)", type=hidden,
               default=(64,), metavar="SIZES", arguments=("hidden",), group="model"),
        *(OPTIMIZER if optimizer else ()),
        Option(("--epochs",), "train epochs 0..N, as the book's range(N + 1) (default: %(default)s)",
               type=integer(0), default=10000, metavar="N", arguments=("epochs",), group="training"),
        Option(("--seed",), "use an independent numpy Generator seeded with N instead of the book's stream "
                            "(default: book mode, the book's seed and draw order)",
               type=integer(0), metavar="N", arguments=("seed",), group="training"),
        *((Option(("--print-every",), "print the book's progress line every N epochs; 0 never "
                                      "(default: %(default)s)",
                  type=integer(0), default=100, metavar="N", group="training"),) if book_log else ()),
        Option(("--frames",), "epochs to evaluate decision regions at (default: %(default)s)", type=integer(1),
               default=frames, metavar="N", arguments=("frames", "max_frames"), group="recording"),
        Option(("--frame-spacing",), "spread the frames linearly or logarithmically over the epochs "
                                     "(default: %(default)s)",
               default="linear", choices=SPACINGS, arguments=("frame_spacing",), group="recording"),
        Option(("--every",), "instead of --frames, a frame every K epochs and at the last (default: off)",
               type=integer(1), metavar="K", arguments=("every",), group="recording"),
        Option((resolution,), "decision-region grid resolution, N x N (default: %(default)s)", type=integer(2),
               default=grid, metavar="N", dest="grid", arguments=("grid_resolution",), group="recording"),
        Option(("--grid-padding",), "grid margin around the data, as a fraction of its span (default: %(default)s)",
               type=finite, default=0.1, metavar="F", arguments=("grid_padding",), group="recording"),
        *((Option(("--record",), "keep weights, updates and optimizer state at the frame epochs only, or at every "
                                 "epoch (default: %(default)s; loss, accuracy and lr are kept for every epoch)",
                  default="frames", choices=("frames", "all"), arguments=("record",), group="recording"),)
          if record else ()),
    )


# -- pictures: size, rate, hold, look; and what an animation may also be asked for ---------------------

def picture(group):
    """Frame size, rate, hold, look and scale: every command that draws takes these."""
    return (
        Option(("--size",), "frame size in pixels (default: 960x540)", type=size, default=(960, 540), metavar="WxH",
               arguments=("size",), group=group),
        Option(("--fps",), "frames per second; a GIF allows at most 50 (default: 25)", type=finite, default=25.0,
               metavar="N", arguments=("fps",), group=group),
        Option(("--hold",), "show the last frame this much longer (default: %(default)s)", type=finite, default=2.0,
               metavar="SECONDS", arguments=("hold",), group=group),
        Option(("--theme",), "look: default (light, colour-blind safe), book (the chapter's blue/red/green), dark "
                             "(for dark slides), or projector (the default look at projector scale) "
                             "(default: %(default)s)",
               default="default", choices=THEME_CHOICES, arguments=("theme",), group=group),
        replace(SCALE, group=group),
    )


# --theme names a look (or the older projector); --scale sizes it; presets.resolve joins the two into one theme
THEME_CHOICES = (*LOOKS, "projector")
SCALE = Option(("--scale",), "size of type, lines and points: screen, or projector (larger type, thicker lines, "
                             "more contrast, for the back of a room); any look at any scale "
                             "(default: screen; projector with --theme projector or --preset slides/beamer)",
               choices=tuple(SCALES), arguments=("scale",))


def delivery(group=None):
    """--max-bytes, --poster and --loop: every command that writes animations has them, book included."""
    return (
        Option(("--max-bytes",), "make a .gif or .mp4 fit in SIZE: 5MB, 500kB, 2.5MiB or 800000 bytes (kB, MB, GB "
                                 "are decimal, 10^3, 10^6, 10^9 bytes; KiB, MiB, GiB binary, 2^10, 2^20, 2^30). A GIF "
                                 "drops frames (keeping its length), then colours, then pixels; an MP4 lowers its "
                                 "quality (CRF), then pixels; what was reduced is reported, and a budget that cannot "
                                 "be met is an error, with no file (default: no limit)",
               type=byte_size, metavar="SIZE", arguments=("max_bytes",), group=group),
        Option(("--poster",), "also write NAME.poster.png beside the animation (in a frames folder: poster.png): "
                              "that frame as a still, for a printed handout, a PDF or a slide's video placeholder "
                              "(default: none)",
               type=frame_choice, metavar="first|last|EPOCH", arguments=("poster",), group=group),
        Option(("--loop",), f"how many times a {'/'.join(extensions(looping=True))} plays: forever, once (it stops on "
                            "its last frame, while you explain it) or a number of plays (default: forever)",
               type=loop_count, metavar="forever|once|N", arguments=("loop",), group=group),
    )


WORKERS_HELP = "processes drawing frames, and training the optimizers of a race (default: one per core, at most 4)"


def render():
    """Picture, delivery and drawing options of every command that writes an animation to -o."""
    group = f"animation (when -o is {outputs(described=False)})"
    return (
        *picture(group),
        Option(("--shade",), "lighten the decision regions where the model is unsure (default: off)",
               action="store_true", group=group),
        Option(("--frame",), "which frame a .png output shows (default: %(default)s)", default="last",
               metavar="first|last|EPOCH", arguments=("frame",), group=group),
        *delivery(group),
        Option(("--latex",), "with -o DIR/, also write DIR/animation.tex: the \\animategraphics line of LaTeX's "
                             "animate package that plays the frames, to paste into a Beamer slide (default: off)",
               action="store_true", arguments=("latex",), group=group),
        Option(("--workers",), WORKERS_HELP, type=integer(1), metavar="N", arguments=("workers",), group=group),
    )


SHOWABLE = ("step-sizes",)


def story(group="the chapter's story", *, show=True):
    """--caption and (``show``: a training frame's) --show: what a frame says beyond its data."""
    caption = Option(("--caption",), "a line at the foot of every frame, as the book's figures have: the figure's "
                                     "number and one sentence, e.g. 'Figure 20 · AdaGrad: the loss falls steadily' "
                                     "(default: none)", metavar="TEXT", arguments=("caption",), group=group)
    if not show:
        return (caption,)
    return (
        caption,
        Option(("--show",), "also show step-sizes: each weight's effective step size, lr / (sqrt(cache) + epsilon), "
                            "under its weights and update, for optimizers that keep a cache (AdaGrad, RMSProp, Adam) "
                            "(default: nothing more)",
               choices=SHOWABLE, action="append", arguments=("show",), group=group),
    )


def animation_output(what):
    """A required -o naming the animation, then every render option."""
    return (Option(("-o", "--output"), f"{what}: {outputs()}", metavar="PATH", required=True,
                   arguments=("output",)), *render())


def preset(help_text):
    return Option(("--preset",), help_text, metavar="NAME", action="append", arguments=("preset",))


COMMON = (
    Option(("-q", "--quiet"), "print nothing but errors", action="store_true"),
    Option(("--debug",), "show tracebacks and external tools' logs instead of one-line errors", action="store_true"),
)


def with_help(option, help, **changes):
    """A shared option shown with other words (the book's shorter help), in the command's own section."""
    return replace(option, help=help, group=None, **changes)
