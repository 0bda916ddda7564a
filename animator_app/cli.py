"""The ``animator`` command: its options, and the one place errors become messages and exit statuses.

Every failure the user can cause ends in one line on stderr and exit status 2
(``--debug`` shows the traceback instead).  Ctrl-C ends with status 130,
SIGTERM with 143 and SIGHUP with 129, after saving what was finished.
"""

import argparse
import math
import re
import sys

from animator import __version__
from animator.chapter import RACES_2D
from animator.datasets import GENERATORS
from animator.errors import ArgumentError, UserError
from animator.frames import SPACINGS
from animator.lifecycle import exit_status, terminate_as_interrupt
from animator.untrusted import shown
from animator.optimizers import DEFAULT as DEFAULT_OPTIMIZER, OPTIMIZERS, hyperparameter_names
from animator.optimizers import takers as optimizer_takers
from animator.testing import DEFAULT_RTOL
from renderers.theme import THEMES
from renderers.writers import Mp4Writer
from renderers.writers.registry import animation_formats, formats

from . import commands, presets, slides
from .check import cmd_check
from .reproduce import cmd_info, cmd_reproduce
from .sweep import cmd_sweep

EXIT_USAGE = 2
EXIT_PIPE = 128 + 13      # as a process killed by SIGPIPE: what `set -o pipefail` expects of `cmd | head`



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


# option -> help, for the hyper-parameters every optimizer command takes (declared by the optimizers)
HYPERPARAMETER_OPTIONS = {name: _hyperparameter_help(name) for name in hyperparameter_names()}

# the library's argument names (ArgumentError.argument) as this command line spells them
FLAGS = {"epochs": "--epochs", "samples": "--samples", "classes": "--classes", "hidden": "--hidden",
         "frames": "--frames", "max_frames": "--frames", "every": "--every", "grid_resolution": "--grid",
         "grid_padding": "--grid-padding", "frame_spacing": "--frame-spacing", "seed": "--seed",
         "record": "--record", "data_file": "--data", "size": "--size", "fps": "--fps", "hold": "--hold",
         "frame": "--frame", "theme": "--theme", "steps": "--steps", "start": "--start", "workers": "--workers",
         "preset": "--preset", "format": "--format", "jobs": "--jobs", "output": "-o", "specs": "SPEC",
         "max_bytes": "--max-bytes", "poster": "--poster", "latex": "--latex",
         "grids": "--grid", "settings": "--set", "optimizer": "--optimizer", "scheduler": "--scheduler",
         "table": "--table", "save_runs": "--save-runs"}
# where a command spells an argument differently: a sweep's --grid is a hyper-parameter grid
COMMAND_FLAGS = {"sweep": {"grid_resolution": "--resolution"}}

# --max-bytes units: decimal as disk and network sizes are counted, binary as some file managers show them
BYTE_UNITS = {"": 1, "b": 1, "k": 10 ** 3, "kb": 10 ** 3, "m": 10 ** 6, "mb": 10 ** 6, "g": 10 ** 9, "gb": 10 ** 9,
              "kib": 2 ** 10, "mib": 2 ** 20, "gib": 2 ** 30}


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors: ``animator train: error: ...``, exit 2."""

    def error(self, message):
        raise UserError(message)


def _integer(minimum):
    """An argparse type: a whole number of at least ``minimum``."""

    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"invalid integer value: {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum} (got {value})")
        return value

    return parse


def _finite(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid number: {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be a finite number (got {text!r})")
    return value


def _hidden(text):
    try:
        sizes = tuple(int(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected sizes like 64 or 64,32, got {text!r}") from None
    if not sizes or any(s < 1 for s in sizes):
        raise argparse.ArgumentTypeError(f"hidden sizes must be positive, got {text!r}")
    return sizes


def _point(text):
    try:
        x, y = (_finite(part) for part in text.split(","))
    except (ValueError, argparse.ArgumentTypeError):
        raise argparse.ArgumentTypeError(f"expected finite X,Y like -1.2,1, got {text!r}") from None
    return x, y


def _positive(text):
    value = _finite(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be positive (got {text!r})")
    return value


def _byte_size(text):
    """An argparse type: ``5MB``, ``500kB``, ``2.5MiB`` or ``800000`` as a whole number of bytes (at least 1)."""
    found = re.fullmatch(r"\s*(\d+(?:\.\d*)?|\.\d+)\s*([A-Za-z]*)\s*", text)
    unit = found and BYTE_UNITS.get(found.group(2).lower())
    if not unit:
        raise argparse.ArgumentTypeError(f"expected a size like 5MB, 500kB, 2.5MiB or 800000 (bytes), got {text!r}")
    value = int(float(found.group(1)) * unit)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1 byte (got {text!r})")
    return value


def _frame_choice(text):
    """An argparse type: ``first``, ``last`` or an epoch (a whole number, 0 or more)."""
    if text in ("first", "last") or text.isdigit():
        return text
    raise argparse.ArgumentTypeError(f"expected first, last or an epoch number, got {text!r}")


def _size(text):
    parts = text.lower().split("x")
    try:
        width, height = (int(p) for p in parts)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected WIDTHxHEIGHT like 960x540, got {text!r}") from None
    if not (1 <= width <= 7680 and 1 <= height <= 4320):
        raise argparse.ArgumentTypeError(f"expected WIDTHxHEIGHT between 1x1 and 7680x4320, got {text!r}")
    return width, height


def _add_optimizer_options(parser, title="optimizer"):
    opt = parser.add_argument_group(title)
    opt.add_argument("--optimizer", default=DEFAULT_OPTIMIZER, choices=list(OPTIMIZERS),
                     help="optimizer (default: %(default)s)")
    for name, text in HYPERPARAMETER_OPTIONS.items():
        opt.add_argument(f"--{name}", type=_finite, default=None, metavar="X", help=text)


def _add_training_options(parser, *, optimizer=True, resolution_flag="--grid", book_log=True, record=True):
    """Data, model, training and recording options; a sweep spells the grid resolution ``--resolution``
    (its ``--grid`` is a hyper-parameter grid) and has no progress lines or ``--record``."""
    data = parser.add_argument_group("data")
    data.add_argument("--dataset", default="spiral", choices=sorted(GENERATORS),
                      help="generated dataset (default: %(default)s, the chapter's)")
    data.add_argument("--samples", type=_integer(1), default=100, metavar="N",
                      help="points per class (default: %(default)s)")
    data.add_argument("--classes", type=_integer(2), default=3, metavar="K",
                      help="number of classes (default: %(default)s; xor and moons have 2)")
    data.add_argument("--data", metavar="FILE.csv",
                      help="read points from a CSV of x, y, label rows instead (header optional; default: none)")

    model = parser.add_argument_group("model")
    model.add_argument("--hidden", type=_hidden, default=(64,), metavar="SIZES",
                       help="hidden layer sizes, comma-separated (default: 64, the chapter's)")

    if optimizer:
        _add_optimizer_options(parser)

    run = parser.add_argument_group("training")
    run.add_argument("--epochs", type=_integer(0), default=10000, metavar="N",
                     help="train epochs 0..N, as the book's range(N + 1) (default: %(default)s)")
    run.add_argument("--seed", type=_integer(0), default=None, metavar="N",
                     help="use an independent numpy Generator seeded with N instead of the "
                          "book's stream (default: book mode, the book's seed and draw order)")
    if book_log:
        run.add_argument("--print-every", type=_integer(0), default=100, metavar="N",
                         help="print the book's progress line every N epochs; 0 never (default: %(default)s)")

    rec = parser.add_argument_group("recording")
    rec.add_argument("--frames", type=_integer(1), default=200, metavar="N",
                     help="epochs to evaluate decision regions at (default: %(default)s)")
    rec.add_argument("--frame-spacing", default="linear", choices=SPACINGS,
                     help="spread the frames linearly or logarithmically over the epochs (default: %(default)s)")
    rec.add_argument("--every", type=_integer(1), default=None, metavar="K",
                     help="instead of --frames, a frame every K epochs and at the last (default: off)")
    rec.add_argument(resolution_flag, dest="grid", type=_integer(2), default=160, metavar="N",
                     help="decision-region grid resolution, N x N (default: %(default)s)")
    rec.add_argument("--grid-padding", type=_finite, default=0.1, metavar="F",
                     help="grid margin around the data, as a fraction of its span (default: %(default)s)")
    if record:
        rec.add_argument("--record", default="frames", choices=("frames", "all"),
                         help="keep weights, updates and optimizer state at the frame epochs only, or at every "
                              "epoch (default: %(default)s; loss, accuracy and lr are kept for every epoch)")


def _add_picture_options(group):
    """Frame size, rate, hold and colours: every command that draws takes these."""
    group.add_argument("--size", type=_size, default=(960, 540), metavar="WxH",
                       help="frame size in pixels (default: 960x540)")
    group.add_argument("--fps", type=_finite, default=25.0, metavar="N",
                       help="frames per second; a GIF allows at most 50 (default: 25)")
    group.add_argument("--hold", type=_finite, default=2.0, metavar="SECONDS",
                       help="show the last frame this much longer (default: %(default)s)")
    group.add_argument("--theme", default="default", choices=list(THEMES),
                       help="look: default (colour-blind safe), book (the chapter's blue/red/green), projector "
                            "(large type, thick lines, high contrast) or dark (for dark slides) (default: %(default)s)")


def _outputs(*, described=True):
    """The outputs -o may name, from the format registry: ``.gif, .mp4, .png (one frame), ..., or a directory/``."""
    files = [extension + (f" ({writer.SUMMARY})" if described and writer.SUMMARY else "")
             for writer in formats() if not writer.DIRECTORY for extension in writer.EXTENSIONS]
    folders = [f"a directory/ ({writer.SUMMARY})" if described and writer.SUMMARY else "a directory/"
               for writer in formats() if writer.DIRECTORY]
    return ", ".join(files) + "".join(f", or {folder}" for folder in folders)


def _extensions(*, still=None, player=False):
    """The extensions of the file formats that are stills (``still=True``), animations, or player pages."""
    return [extension for writer in formats() for extension in writer.EXTENSIONS
            if (writer.PLAYER if player else not writer.PLAYER and writer.STILL == still)]


def _add_render_options(parser):
    out = parser.add_argument_group(f"animation (when -o is {_outputs(described=False)})")
    _add_picture_options(out)
    out.add_argument("--shade", action="store_true",
                     help="lighten the decision regions where the model is unsure (default: off)")
    out.add_argument("--frame", default="last", metavar="first|last|EPOCH",
                     help="which frame a .png output shows (default: %(default)s)")
    _add_delivery_options(out)
    out.add_argument("--latex", action="store_true",
                     help="with -o DIR/, also write DIR/animation.tex: the \\animategraphics line of LaTeX's "
                          "animate package that plays the frames, to paste into a Beamer slide (default: off)")
    out.add_argument("--workers", type=_integer(1), default=None, metavar="N",
                     help="processes drawing frames, and training the optimizers of a race "
                          "(default: one per core, at most 4)")


def _add_delivery_options(group):
    """--max-bytes and --poster: every command that writes animations has them, book included."""
    group.add_argument("--max-bytes", type=_byte_size, default=None, metavar="SIZE",
                       help="make a .gif or .mp4 fit in SIZE: 5MB, 500kB, 2.5MiB or 800000 bytes (kB, MB, GB are "
                            "decimal, 10^3, 10^6, 10^9 bytes; KiB, MiB, GiB binary, 2^10, 2^20, 2^30). A GIF drops "
                            "frames (keeping its length), then colours, then pixels; an MP4 lowers its quality "
                            "(CRF), then pixels; what was reduced is reported, and a budget that cannot be met is "
                            "an error, with no file (default: no limit)")
    group.add_argument("--poster", type=_frame_choice, default=None, metavar="first|last|EPOCH",
                       help="also write NAME.poster.png beside the animation (in a frames folder: poster.png): "
                            "that frame as a still, for a printed handout, a PDF or a slide's video placeholder "
                            "(default: none)")


def _add_animation_output(parser, what):
    parser.add_argument("-o", "--output", metavar="PATH", required=True,
                        help=f"{what}: {_outputs()}")
    _add_render_options(parser)


def _add_common_options(parser):
    parser.add_argument("-q", "--quiet", action="store_true", help="print nothing but errors")
    parser.add_argument("--debug", action="store_true",
                        help="show tracebacks and external tools' logs instead of one-line errors")


def build_parser():
    parser = _Parser(prog="animator", description="Train the optimizers of Neural Networks from Scratch, "
                     "Chapter 10, exactly as the book does, and animate the runs.")
    parser.add_argument("--version", action="version", version=f"animator {__version__}")
    subcommands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    train_parser = subcommands.add_parser(
        "train", help="train the chapter's model, print the book's log, save the Recording",
        description="Train the chapter's model (book mode by default) and print the book's progress lines. "
                    "With -o run.npz the whole run is saved as a Recording.")
    _add_training_options(train_parser)
    train_parser.add_argument("-o", "--output", metavar="PATH",
                              help=f"save the Recording (.npz) or render the animation ({_outputs()}) here "
                                   "(default: neither)")
    train_parser.add_argument("--save", metavar="RUN.npz",
                              help="also save the Recording here when -o renders an animation (default: not saved)")
    _add_render_options(train_parser)
    _add_common_options(train_parser)
    train_parser.add_argument("--preset", metavar="NAME", action="append", help=presets.help_text("train"))
    train_parser.set_defaults(handler=commands.cmd_train)

    render_parser = subcommands.add_parser(
        "render", help="render a saved Recording without retraining",
        description="Render a Recording saved by 'animator train -o RUN.npz' as GIF, MP4, PNG or PNG frames.")
    render_parser.add_argument("recording", metavar="RUN.npz", help="a Recording saved by animator train")
    _add_animation_output(render_parser, "the animation to write")
    _add_common_options(render_parser)
    render_parser.add_argument("--preset", metavar="NAME", action="append", help=presets.help_text("render"))
    render_parser.set_defaults(handler=commands.cmd_render)

    compare_parser = subcommands.add_parser(
        "compare", help="race several optimizers from the same initial weights, rendered side by side",
        description="Train several optimizers on the same data from the same initial weights and render them "
                    "in lock-step. A SPEC is NAME or NAME:key=value,... with the CLI's hyper-parameter names, "
                    "e.g. sgd:lr=1,decay=1e-3,momentum=0.9 adagrad:decay=1e-4 "
                    "rmsprop:lr=0.02,decay=1e-5,rho=0.999 adam:lr=0.05,decay=5e-7.")
    compare_parser.add_argument("specs", nargs="*", metavar="SPEC", help="optimizers to race (2 to 4)")
    compare_parser.add_argument("--preset", metavar="NAME", action="append", help=presets.help_text("compare"))
    _add_training_options(compare_parser, optimizer=False)
    _add_animation_output(compare_parser, "the race animation")
    _add_common_options(compare_parser)
    compare_parser.set_defaults(handler=commands.cmd_compare)

    descent_parser = subcommands.add_parser(
        "descent", help="the chapter's ball on a curve: a 1-D descent with any optimizer",
        description="Descend the chapter's 1-D curve (three local minima, then the global one) with one of "
                    "the network's optimizers, and draw it (Figures 2-13). --preset NAME replays a figure; "
                    "hyper-parameter options given with it override the preset's.")
    descent_parser.add_argument("--preset", metavar="NAME", action="append", help=presets.help_text("descent"))
    descent_parser.add_argument("--list", action="store_true", help="list the presets and exit")
    _add_optimizer_options(descent_parser)
    descent_parser.add_argument("--steps", type=_integer(0), default=None, metavar="N",
                                help="number of updates (default: the preset's, else 200)")
    descent_parser.add_argument("--start", type=_finite, default=None, metavar="X",
                                help="starting point (default: the curve's, x = -3.8)")
    descent_parser.add_argument("-o", "--output", metavar="PATH",
                                help=f"write the descent: {_outputs(described=False)} (default: print only)")
    _add_render_options(descent_parser)
    _add_common_options(descent_parser)
    descent_parser.set_defaults(handler=commands.cmd_descent)

    race2d_parser = subcommands.add_parser(
        "race2d", help="optimizers racing down a 2-D test function, on its contour map",
        description="Five optimizers (SGD, SGD with momentum, AdaGrad, RMSProp, Adam) with tuned settings race "
                    "from one start down a 2-D test function, drawn on its contour map.")
    race2d_parser.add_argument("function", choices=list(RACES_2D),
                               help="the test function")
    race2d_parser.add_argument("--steps", type=_integer(1), default=None, metavar="N",
                               help="updates per optimizer (default: the race's own)")
    race2d_parser.add_argument("--start", type=_point, default=None, metavar="X,Y",
                               help="common starting point (default: the function's)")
    race2d_parser.add_argument("--frame-spacing", default=None, choices=SPACINGS,
                               help="spread frames over the steps linearly or logarithmically "
                                    "(default: log for races over 1000 steps)")
    _add_animation_output(race2d_parser, "the race animation")
    _add_common_options(race2d_parser)
    race2d_parser.add_argument("--preset", metavar="NAME", action="append", help=presets.help_text("race2d"))
    race2d_parser.set_defaults(handler=commands.cmd_race2d)

    sweep_parser = subcommands.add_parser(
        "sweep", help="map a hyper-parameter search: every combination of one or two grids, as a table and a picture",
        description="Train one run for every combination of one or two grids of an optimizer's hyper-parameters "
                    "(same data, same initial weights, the book's arithmetic) and write a table of the results "
                    "and a picture of them. Runs train on every core, or on a Dask cluster with --scheduler. "
                    "Each finished run is kept in a folder beside the table (results.csv: results.runs/), so a "
                    "sweep stopped with Ctrl-C resumes where it stopped when the same command is run again. "
                    "Example: animator sweep --grid lr=0.01..10/8 --grid momentum=0,0.5,0.9 --set decay=1e-3 "
                    "--table results.csv -o map.png")
    sweep_parser.add_argument("--optimizer", default=DEFAULT_OPTIMIZER, choices=list(OPTIMIZERS),
                              help="optimizer of every run (default: %(default)s)")
    sweep_parser.add_argument("--grid", dest="grids", action="append", required=True, metavar="NAME=VALUES",
                              help="one hyper-parameter's values, given once or twice: NAME=V1,V2,... "
                                   "(e.g. momentum=0,0.5,0.9) or NAME=LOW..HIGH/N for N values spaced evenly on a "
                                   "log scale from LOW to HIGH (e.g. lr=0.001..10/8; the values between the ends "
                                   "rounded to 3 significant digits); NAME is one the optimizer takes: "
                                   + ", ".join(HYPERPARAMETER_OPTIONS))
    sweep_parser.add_argument("--set", action="append", default=[], metavar="NAME=V",
                              help="fix another hyper-parameter for every run, e.g. --set decay=1e-3; repeatable "
                                   "(default: the optimizer's own defaults)")
    _add_training_options(sweep_parser, optimizer=False, resolution_flag="--resolution", book_log=False,
                          record=False)
    results = sweep_parser.add_argument_group("results")
    results.add_argument("--table", metavar="FILE.csv",
                         help="one row per run: optimizer, every hyper-parameter, final_loss, final_accuracy, "
                              "best_accuracy, best_epoch, diverged_at (empty if none), seconds (default: none)")
    results.add_argument("-o", "--output", metavar="PATH",
                         help=f"the picture: a still ({', '.join(_extensions(still=True))}) a map of final loss and "
                              f"accuracy; an animation ({', '.join(_extensions(still=False))} or a directory/) "
                              f"every run's decision regions side by side; a player page "
                              f"({', '.join(_extensions(player=True))}) with a slider per grid (default: none)")
    results.add_argument("--save-runs", metavar="DIR",
                         help="also save every run's whole Recording in DIR, named by its settings "
                              "(default: only summaries come back from the workers)")
    where = sweep_parser.add_argument_group("where the runs train")
    where.add_argument("--workers", type=_integer(1), default=None, metavar="N",
                       help="processes training runs on this machine, which also draw the picture "
                            "(default: one per core)")
    where.add_argument("--scheduler", metavar="tcp://HOST:PORT",
                       help="send the runs to this Dask distributed scheduler instead (needs the dask extra: "
                            "pip install -e '.[dask]'; default: this machine)")
    _add_picture_options(sweep_parser.add_argument_group("picture (when -o is given)"))
    _add_common_options(sweep_parser)
    sweep_parser.set_defaults(handler=cmd_sweep, frames=40, grid=48, frame="last")

    book_parser = subcommands.add_parser(
        "book", help="regenerate every figure of the chapter, with an index.html gallery",
        description="Regenerate every figure of Chapter 10 into one folder: the training animations "
                    "(Figure 1, Figures 15-21, Adam), the ball-on-a-curve figures (2-13), Figure 14, "
                    "optimizer races, and an index.html gallery.")
    book_parser.add_argument("-o", "--output", metavar="DIR", default="outputs",
                             help="folder to write into (default: %(default)s)")
    book_parser.add_argument("--epochs", type=_integer(0), default=10000, metavar="N",
                             help="epochs of every training run (default: %(default)s)")
    book_parser.add_argument("--frames", type=_integer(2), default=200, metavar="N",
                             help="frames of every training animation (default: %(default)s)")
    book_parser.add_argument("--size", type=_size, default=(960, 540), metavar="WxH",
                             help="frame size in pixels (default: 960x540)")
    book_parser.add_argument("--fps", type=_finite, default=25.0, metavar="N", help="frames per second (default: 25)")
    book_parser.add_argument("--hold", type=_finite, default=2.0, metavar="SECONDS",
                             help="show each last frame this much longer (default: %(default)s)")
    book_parser.add_argument("--format", default=animation_formats()[0], choices=animation_formats(),
                             help="animation format (default: %(default)s)")
    book_parser.add_argument("--theme", default="default", choices=list(THEMES),
                             help="look: default, book, projector or dark (default: %(default)s)")
    book_parser.add_argument("--jobs", type=_integer(1), default=None, metavar="N",
                             help="figures made at once (default: one per core, at most 4)")
    book_parser.add_argument("--cache", metavar="DIR", default=None,
                             help="keep every training run's Recording here, keyed by its full settings and the "
                                  "engine's version and code, and a record of each figure's files, so a second "
                                  "book trains only runs it has not seen and redraws only figures whose options "
                                  "changed (a theme or size change trains nothing) (default: OUTPUT/.animator-cache)")
    book_parser.add_argument("--force", action="store_true",
                             help="compute and draw everything again, ignoring (and then refreshing) the cache "
                                  "(default: off)")
    _add_delivery_options(book_parser)
    _add_common_options(book_parser)
    book_parser.add_argument("--preset", metavar="NAME", action="append", help=presets.help_text("book"))
    book_parser.set_defaults(handler=commands.cmd_book)

    check_parser = subcommands.add_parser(
        "check", help="check your own optimizer class against the book's, epoch by epoch",
        description="Import FILE.py, build CLASS with the settings of SPEC under the book's argument names "
                    "(learning_rate, decay, momentum, epsilon, rho, beta_1, beta_2), and train the chapter's model "
                    "with the built-in optimizer, handing your class the same weights, gradients and state at "
                    "every epoch. Exit 0 if its steps match to within float32 rounding for every epoch; exit 1 "
                    "at the first epoch where they differ, with the array, the largest difference and the known "
                    "mistake it reproduces, if any; exit 2 if the file, class or settings cannot be used. "
                    "The file is imported, so keep scripts under if __name__ == '__main__':.")
    check_parser.add_argument("target", metavar="FILE.py:CLASS",
                              help="your optimizer: a class with the book's update_params(layer) "
                                   "(and pre_/post_update_params), or init(param) and update(grad, state); "
                                   ":CLASS may be left out if the file has only one")
    check_parser.add_argument("--against", required=True, metavar="SPEC",
                              help="the book's optimizer and settings, as in compare: sgd:lr=1,decay=1e-3,momentum=0.9, "
                                   "adagrad:decay=1e-4, rmsprop:lr=0.02,decay=1e-5,rho=0.999, adam:lr=0.05,decay=5e-7")
    check_parser.add_argument("--epochs", type=_integer(0), default=1000, metavar="N",
                              help="check epochs 0..N (default: %(default)s)")
    check_parser.add_argument("--rtol", type=_positive, default=DEFAULT_RTOL, metavar="X",
                              help="allowed difference, relative to the size of each update "
                                   "(default: %(default)g, a few float32 roundings)")
    _add_common_options(check_parser)
    check_parser.set_defaults(handler=cmd_check)

    info_parser = subcommands.add_parser(
        "info", help="print the run a file was made from: command, settings, animator version",
        description="Print the description every file animator writes carries (GIF comment, PNG text chunk, "
                    "MP4 comment, HTML data-animator attribute, a frames folder's animation.json): its kind, "
                    "caption, the animator version, the command line and the run's spec. Exit 2, with one line, "
                    "for a file without one or from a newer animator.")
    info_parser.add_argument("file", metavar="FILE", help="a .gif, .png, .mp4, .html, frames folder/ or Recording .npz animator wrote")
    info_parser.add_argument("--json", action="store_true", help="print the description as JSON, as stored "
                             "(default: readable lines)")
    _add_common_options(info_parser)
    info_parser.set_defaults(handler=cmd_info)

    reproduce_parser = subcommands.add_parser(
        "reproduce", help="make a file again from the command stored in it, byte for byte",
        description="Run the command stored in FILE again, writing NEW instead; NEW carries FILE's description, "
                    "so on the same machine (same animator and package versions) it is the same bytes for GIF, "
                    "PNG, MP4, HTML and frames folders. The stored command is the whole truth: no option here "
                    "changes the result. It is checked as the command line would check it and shown before it "
                    "runs; it reads no file you do not name here: a run trained on a CSV needs --data, a render "
                    "--recording, each checked against the content hash FILE stores. A file of 'animator book' "
                    "is made again alone: only its figure, with the book's options.")
    reproduce_parser.add_argument("file", metavar="FILE", help="a file animator wrote")
    reproduce_parser.add_argument("-o", "--output", metavar="NEW", required=True,
                                  help="where to write it again: the same kind of path as the original "
                                       "(.gif, .png, .mp4, .html or a folder/)")
    reproduce_parser.add_argument("--data", metavar="FILE.csv", default=None,
                                  help="the CSV the stored run was trained on (it must hash as FILE says; default: none)")
    reproduce_parser.add_argument("--recording", metavar="RUN.npz", default=None,
                                  help="the Recording a stored render drew (it must hash as FILE says; default: none)")
    _add_common_options(reproduce_parser)
    reproduce_parser.set_defaults(handler=cmd_reproduce)

    slides.add_parser(subcommands, _add_common_options)
    parser.commands = subcommands.choices      # command name -> its parser, for presets.resolve
    return parser



def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    debug = "--debug" in argv
    Mp4Writer.show_log = debug        # ffmpeg's own log reaches the terminal only under --debug
    parser = build_parser()
    command = None
    try:
        with terminate_as_interrupt():
            args = presets.resolve(parser, parser.commands, argv)
            command = args.command
            if args.command is None:
                parser.print_help()
                return EXIT_USAGE
            args.argv = argv              # the command line, for the description each file carries
            return args.handler(args)
    except BrokenPipeError:
        # the reader went away (``animator info x.gif | head -1``): end quietly, as Unix tools do
        _quiet_stdout()
        return EXIT_PIPE
    except UserError as error:
        if debug:
            raise
        names = {**FLAGS, **COMMAND_FLAGS.get(command, {})}
        message = error.worded(names) if isinstance(error, ArgumentError) else str(error)
        commands.note(f"animator: error: {shown(message)}")     # a message may quote a file's text
        return EXIT_USAGE
    except KeyboardInterrupt as interrupt:
        if debug:
            raise
        commands.note("animator: interrupted")
        return exit_status(interrupt)
    except MemoryError:
        if debug:
            raise
        commands.note("animator: error: out of memory; try fewer epochs, frames, a smaller --grid or --size")
        return EXIT_USAGE
    except OSError as error:
        if debug:
            raise
        # a move names its source first, and ours are temporaries (a private folder, a .part file): the
        # destination, when there is one, is the path the user gave
        named = getattr(error, "filename2", None) or getattr(error, "filename", None)
        where = f"{named}: " if named else ""
        commands.note(f"animator: error: {shown(where)}{shown(error.strerror or error)}")
        return EXIT_USAGE
    except Exception as error:  # a bug: still one line, with the way to see more
        if debug:
            raise
        commands.note(f"animator: internal error: {type(error).__name__}: {shown(error)} "
                      f"(run with --debug for details)")
        return 1


def _quiet_stdout():
    """Point stdout at /dev/null so the interpreter's final flush cannot fail on the closed pipe again."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass


if __name__ == "__main__":
    sys.exit(main())
