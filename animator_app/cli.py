"""The ``animator`` command.

Every failure the user can cause ends in one line on stderr and exit status 2
(``--debug`` shows the traceback instead).  Ctrl-C ends with status 130 after
saving what was finished.
"""

import argparse
import os
import sys
import time

from animator import __version__
from animator.datasets import GENERATORS
from animator.errors import UserError
from animator.fileio import check_writable
from animator.frames import SPACINGS
from animator.optimizers import OPTIMIZERS
from animator.progress import ProgressBar
from animator.run import RunConfig, train

EXIT_USAGE = 2
EXIT_INTERRUPTED = 130

# CLI option -> (optimizers that take it, default shown in --help)
HYPERPARAMETER_OPTIONS = {
    "lr": "learning rate (default: the optimizer's own: sgd 1.0, adagrad 1.0, rmsprop 0.001, adam 0.001)",
    "decay": "learning-rate decay: lr * 1 / (1 + decay * step) (default: 0.0, no decay)",
    "momentum": "SGD momentum in [0, 1) (default: 0.0, no momentum)",
    "epsilon": "AdaGrad/RMSProp/Adam epsilon, added outside the square root (default: 1e-07)",
    "rho": "RMSProp cache decay rate (default: 0.9)",
    "beta1": "Adam first-moment decay (default: 0.9)",
    "beta2": "Adam second-moment decay (default: 0.999)",
}

class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors: ``animator train: error: ...``, exit 2."""

    def error(self, message):
        raise UserError(message)


def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid integer value: {text!r}") from None
    return value


def _hidden(text):
    try:
        sizes = tuple(int(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected sizes like 64 or 64,32, got {text!r}") from None
    if not sizes or any(s < 1 for s in sizes):
        raise argparse.ArgumentTypeError(f"hidden sizes must be positive, got {text!r}")
    return sizes


def _add_optimizer_options(parser, title="optimizer"):
    opt = parser.add_argument_group(title)
    opt.add_argument("--optimizer", default="sgd", choices=list(OPTIMIZERS),
                     help="optimizer (default: %(default)s)")
    for name, text in HYPERPARAMETER_OPTIONS.items():
        opt.add_argument(f"--{name}", type=float, default=None, metavar="X", help=text)


def _hyperparameters(args):
    return {name: getattr(args, name) for name in HYPERPARAMETER_OPTIONS if getattr(args, name) is not None}


def _add_training_options(parser, *, optimizer=True):
    data = parser.add_argument_group("data")
    data.add_argument("--dataset", default="spiral", choices=sorted(GENERATORS),
                      help="generated dataset (default: %(default)s, the chapter's)")
    data.add_argument("--samples", type=_positive_int, default=100, metavar="N",
                      help="points per class (default: %(default)s)")
    data.add_argument("--classes", type=_positive_int, default=3, metavar="K",
                      help="number of classes (default: %(default)s; xor and moons have 2)")
    data.add_argument("--data", metavar="FILE.csv",
                      help="read points from a CSV of x, y, label rows instead (header optional; default: none)")

    model = parser.add_argument_group("model")
    model.add_argument("--hidden", type=_hidden, default=(64,), metavar="SIZES",
                       help="hidden layer sizes, comma-separated (default: 64, the chapter's)")

    if optimizer:
        _add_optimizer_options(parser)

    run = parser.add_argument_group("training")
    run.add_argument("--epochs", type=_positive_int, default=10000, metavar="N",
                     help="train epochs 0..N, as the book's range(N + 1) (default: %(default)s)")
    run.add_argument("--seed", type=_positive_int, default=None, metavar="N",
                     help="use an independent numpy Generator seeded with N instead of the "
                          "book's stream (default: book mode, the book's seed and draw order)")
    run.add_argument("--print-every", type=_positive_int, default=100, metavar="N",
                     help="print the book's progress line every N epochs; 0 never (default: %(default)s)")

    rec = parser.add_argument_group("recording")
    rec.add_argument("--frames", type=_positive_int, default=200, metavar="N",
                     help="epochs to evaluate decision regions at (default: %(default)s)")
    rec.add_argument("--frame-spacing", default="linear", choices=SPACINGS,
                     help="spread the frames linearly or logarithmically over the epochs (default: %(default)s)")
    rec.add_argument("--every", type=_positive_int, default=None, metavar="K",
                     help="instead of --frames, a frame every K epochs and at the last (default: off)")
    rec.add_argument("--grid", type=_positive_int, default=160, metavar="N",
                     help="decision-region grid resolution, N x N (default: %(default)s)")
    rec.add_argument("--grid-padding", type=float, default=0.1, metavar="F",
                     help="grid margin around the data, as a fraction of its span (default: %(default)s)")


def _point(text):
    try:
        x, y = (float(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected X,Y like -1.2,1, got {text!r}") from None
    return x, y


def _size(text):
    parts = text.lower().split("x")
    try:
        width, height = (int(p) for p in parts)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected WIDTHxHEIGHT like 960x540, got {text!r}") from None
    if width < 1 or height < 1:
        raise argparse.ArgumentTypeError(f"expected positive WIDTHxHEIGHT, got {text!r}")
    return width, height


def _add_render_options(parser):
    out = parser.add_argument_group("animation (when -o is .gif, .mp4, .png, .html or a directory/)")
    out.add_argument("--size", type=_size, default=(960, 540), metavar="WxH",
                     help="frame size in pixels (default: 960x540)")
    out.add_argument("--fps", type=float, default=25.0, metavar="N",
                     help="frames per second; a GIF allows at most 50 (default: 25)")
    out.add_argument("--hold", type=float, default=2.0, metavar="SECONDS",
                     help="show the last frame this much longer (default: %(default)s)")
    out.add_argument("--theme", default="default", choices=("default", "book"),
                     help="class colours: colour-blind safe, or the book's blue/red/green (default: %(default)s)")
    out.add_argument("--shade", action="store_true",
                     help="lighten the decision regions where the model is unsure (default: off)")
    out.add_argument("--frame", default="last", metavar="first|last|EPOCH",
                     help="which frame a .png output shows (default: %(default)s)")
    out.add_argument("--workers", type=_positive_int, default=None, metavar="N",
                     help="processes drawing frames, and training the optimizers of a race "
                          "(default: one per core, at most 4)")


def _add_animation_output(parser, what):
    parser.add_argument("-o", "--output", metavar="PATH", required=True,
                        help=f"{what}: .gif, .mp4, .png, .html (a page with the video), or a directory/ of PNG frames")
    _add_render_options(parser)


def _add_common_options(parser):
    parser.add_argument("-q", "--quiet", action="store_true", help="print nothing but errors")
    parser.add_argument("--debug", action="store_true", help="show tracebacks instead of one-line errors")


def build_parser():
    parser = _Parser(prog="animator", description="Train the optimizers of Neural Networks from Scratch, "
                     "Chapter 10, exactly as the book does, and animate the runs.")
    parser.add_argument("--version", action="version", version=f"animator {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    train_parser = commands.add_parser(
        "train", help="train the chapter's model, print the book's log, save the Recording",
        description="Train the chapter's model (book mode by default) and print the book's progress lines. "
                    "With -o run.npz the whole run is saved as a Recording.")
    _add_training_options(train_parser)
    train_parser.add_argument("-o", "--output", metavar="PATH",
                              help="save the Recording (.npz) or render the animation (.gif, .mp4, .png, .html, "
                                   "or a directory/ of PNG frames) here (default: neither)")
    train_parser.add_argument("--save", metavar="RUN.npz",
                              help="also save the Recording here when -o renders an animation (default: not saved)")
    _add_render_options(train_parser)
    _add_common_options(train_parser)
    train_parser.set_defaults(handler=cmd_train)

    render_parser = commands.add_parser(
        "render", help="render a saved Recording without retraining",
        description="Render a Recording saved by 'animator train -o RUN.npz' as GIF, MP4, PNG or PNG frames.")
    render_parser.add_argument("recording", metavar="RUN.npz", help="a Recording saved by animator train")
    _add_animation_output(render_parser, "the animation to write")
    _add_common_options(render_parser)
    render_parser.set_defaults(handler=cmd_render)

    compare_parser = commands.add_parser(
        "compare", help="race several optimizers from the same initial weights, rendered side by side",
        description="Train several optimizers on the same data from the same initial weights and render them "
                    "in lock-step. A SPEC is NAME or NAME:key=value,... with the CLI's hyper-parameter names, "
                    "e.g. sgd:lr=1,decay=1e-3,momentum=0.9 adagrad:decay=1e-4 "
                    "rmsprop:lr=0.02,decay=1e-5,rho=0.999 adam:lr=0.05,decay=5e-7.")
    compare_parser.add_argument("specs", nargs="*", metavar="SPEC", help="optimizers to race (2 to 4)")
    compare_parser.add_argument("--preset", metavar="NAME",
                                help="a named set of specs instead: 'chapter' is the chapter's tuned settings (default: none)")
    _add_training_options(compare_parser, optimizer=False)
    _add_animation_output(compare_parser, "the race animation")
    _add_common_options(compare_parser)
    compare_parser.set_defaults(handler=cmd_compare)

    descent_parser = commands.add_parser(
        "descent", help="the chapter's ball on a curve: a 1-D descent with any optimizer",
        description="Descend the chapter's 1-D curve (three local minima, then the global one) with one of "
                    "the network's optimizers, and draw it (Figures 2-13). --preset NAME replays a figure; "
                    "hyper-parameter options given with it override the preset's.")
    descent_parser.add_argument("--preset", metavar="NAME", help="one of the chapter's descents, see --list (default: none)")
    descent_parser.add_argument("--list", action="store_true", help="list the presets and exit")
    _add_optimizer_options(descent_parser)
    descent_parser.add_argument("--steps", type=_positive_int, default=None, metavar="N",
                                help="number of updates (default: the preset's, else 200)")
    descent_parser.add_argument("--start", type=float, default=None, metavar="X",
                                help="starting point (default: the curve's, x = -3.8)")
    descent_parser.add_argument("-o", "--output", metavar="PATH",
                                help="write the descent: .gif, .mp4, .png, .html, or a directory/ (default: print only)")
    _add_render_options(descent_parser)
    _add_common_options(descent_parser)
    descent_parser.set_defaults(handler=cmd_descent)

    race2d_parser = commands.add_parser(
        "race2d", help="optimizers racing down a 2-D test function, on its contour map",
        description="Five optimizers (SGD, SGD with momentum, AdaGrad, RMSProp, Adam) with tuned settings race "
                    "from one start down a 2-D test function, drawn on its contour map.")
    race2d_parser.add_argument("function", choices=("parabola", "rosenbrock", "beale", "saddle"),
                               help="the test function")
    race2d_parser.add_argument("--steps", type=_positive_int, default=None, metavar="N",
                               help="updates per optimizer (default: the race's own)")
    race2d_parser.add_argument("--start", type=_point, default=None, metavar="X,Y",
                               help="common starting point (default: the function's)")
    race2d_parser.add_argument("--frame-spacing", default=None, choices=SPACINGS,
                               help="spread frames over the steps linearly or logarithmically "
                                    "(default: log for races over 1000 steps)")
    _add_animation_output(race2d_parser, "the race animation")
    _add_common_options(race2d_parser)
    race2d_parser.set_defaults(handler=cmd_race2d)

    book_parser = commands.add_parser(
        "book", help="regenerate every figure of the chapter, with an index.html gallery",
        description="Regenerate every figure of Chapter 10 into one folder: the training animations "
                    "(Figure 1, Figures 15-21, Adam), the ball-on-a-curve figures (2-13), Figure 14, "
                    "optimizer races, and an index.html gallery.")
    book_parser.add_argument("-o", "--output", metavar="DIR", default="outputs",
                             help="folder to write into (default: %(default)s)")
    book_parser.add_argument("--epochs", type=_positive_int, default=10000, metavar="N",
                             help="epochs of every training run (default: %(default)s)")
    book_parser.add_argument("--frames", type=_positive_int, default=200, metavar="N",
                             help="frames of every training animation (default: %(default)s)")
    book_parser.add_argument("--size", type=_size, default=(960, 540), metavar="WxH",
                             help="frame size in pixels (default: 960x540)")
    book_parser.add_argument("--fps", type=float, default=25.0, metavar="N", help="frames per second (default: 25)")
    book_parser.add_argument("--hold", type=float, default=2.0, metavar="SECONDS",
                             help="show each last frame this much longer (default: %(default)s)")
    book_parser.add_argument("--format", default="gif", choices=("gif", "mp4"),
                             help="animation format (default: %(default)s)")
    book_parser.add_argument("--theme", default="default", choices=("default", "book"),
                             help="class colours (default: %(default)s)")
    book_parser.add_argument("--jobs", type=_positive_int, default=None, metavar="N",
                             help="figures made at once (default: one per core, at most 4)")
    _add_common_options(book_parser)
    book_parser.set_defaults(handler=cmd_book)
    return parser


def config_from_args(args):
    hyper = _hyperparameters(args) if hasattr(args, "optimizer") else {}
    if args.data is not None and args.dataset != "spiral":
        raise UserError("give either --data FILE.csv or --dataset, not both")
    return RunConfig(dataset=args.dataset, samples=args.samples, classes=args.classes, data_file=args.data,
                     hidden=args.hidden, optimizer=getattr(args, "optimizer", "sgd"), hyperparameters=hyper, epochs=args.epochs,
                     seed=args.seed, frames=args.frames, frame_spacing=args.frame_spacing, every=args.every,
                     grid_resolution=args.grid, grid_padding=args.grid_padding)


def _check_outputs(args):
    """Validate -o (and --save) before any training: returns "recording" or the render kind."""
    if args.output is None:
        if getattr(args, "save", None):
            raise UserError("--save needs -o with an animation to render (or use -o RUN.npz)")
        return None
    if os.path.splitext(args.output)[1].lower() == ".npz" and not args.output.endswith(os.sep):
        if getattr(args, "save", None):
            raise UserError("-o already saves the Recording; --save is for when -o is an animation")
        check_writable(args.output)
        return "recording"
    from renderers import check_render_options

    kind = check_render_options(args.output, size=args.size, fps=args.fps, hold=args.hold)
    if getattr(args, "save", None):
        if os.path.splitext(args.save)[1].lower() != ".npz":
            raise UserError(f"{args.save}: --save writes a Recording, which must end in .npz")
        check_writable(args.save)
    return kind


def cmd_train(args):
    config = config_from_args(args)
    kind = _check_outputs(args)
    print_every = args.print_every
    quiet = args.quiet
    bar = ProgressBar(config.epochs + 1, "training", enabled=False if quiet else None)

    def on_epoch(epoch, loss, accuracy, lr):
        if print_every and not quiet and epoch % print_every == 0:
            bar.close()
            print(f"epoch: {epoch}, acc: {accuracy:.3f}, loss: {loss:.3f}, lr: {lr}", flush=True)
        bar.update(epoch + 1, f"loss {float(loss):.3f}")

    recording = train(config, on_epoch=on_epoch)
    bar.close()
    status = recording.status
    if status["diverged_at"] is not None:
        _note(f"diverged at epoch {status['diverged_at']}: {status['divergence_cause']} "
              f"(lr={status['divergence_learning_rate']})")
    if status["interrupted"]:
        _note(f"interrupted after epoch {status['epochs_recorded'] - 1}")
    target = args.output if kind == "recording" else args.save
    if target:
        recording.save(target)
        if not quiet or status["interrupted"]:
            _note(f"saved {target} ({status['epochs_recorded']} epochs, {len(recording.frame_epochs)} frames)")
    if status["interrupted"]:
        if kind not in (None, "recording"):
            _note(f"not rendering {args.output}: training was interrupted")
        return EXIT_INTERRUPTED
    if kind not in (None, "recording"):
        _render(recording, args, kind)
    return 0


def cmd_render(args):
    from animator.recording import Recording

    kind = _check_outputs(args)
    recording = Recording.load(args.recording)
    _render(recording, args, kind)
    return 0


def cmd_compare(args):
    from animator.race import PRESETS, race

    if args.preset:
        if args.specs:
            raise UserError("give either SPECs or --preset, not both")
        if args.preset not in PRESETS:
            raise UserError(f"unknown preset {args.preset!r} (choose from {', '.join(PRESETS)})")
        specs = list(PRESETS[args.preset])
    else:
        specs = list(args.specs)
    if not 2 <= len(specs) <= 4:
        raise UserError(f"compare races 2 to 4 optimizers (got {len(specs)}); e.g. 'sgd adam' or --preset chapter")
    config = config_from_args(args)
    from animator.race import parse_spec

    for spec in specs:
        parse_spec(spec)                       # every spec checked before any training
    _check_outputs(args)
    bar = ProgressBar(len(specs) * (config.epochs + 1), "training", enabled=False if args.quiet else None)
    result = race(specs, config, workers=args.workers or min(os.cpu_count() or 1, 4),
                  on_progress=lambda done, total: bar.update(done))
    bar.close()
    if result.interrupted:
        _note(f"interrupted; not rendering {args.output}")
        return EXIT_INTERRUPTED
    if not args.quiet:
        for label, recording in zip(result.labels, result.recordings):
            status = recording.status
            end = (f"diverged at epoch {status['diverged_at']}" if status["diverged_at"] is not None else
                   f"acc {recording.accuracy[-1]:.3f}, loss {recording.loss[-1]:.3f}")
            print(f"{label}: {end}")
    from renderers.race import RaceAnimation

    animation = RaceAnimation(result, size=args.size, theme=args.theme)
    _write(animation, args)
    return 0


def cmd_descent(args):
    from animator.descent import PRESETS, descend, outcome, run_preset
    from animator.functions import CURVE

    if args.list:
        for name, preset in PRESETS.items():
            print(f"{name:22s} Figure {preset.figure:2d}  {dict(preset.hyper)}  {preset.caption}")
        return 0
    hyper = _hyperparameters(args)
    caption = title = None
    try:
        if args.preset:
            if args.preset not in PRESETS:
                raise UserError(f"unknown preset {args.preset!r} (choose from {', '.join(PRESETS)})")
            preset = PRESETS[args.preset]
            if args.optimizer != "sgd" and args.optimizer != preset.optimizer:
                raise UserError("--optimizer cannot change a preset's optimizer; drop --preset to choose freely")
            overrides = dict(hyper)
            if args.steps is not None:
                overrides["steps"] = args.steps
            if args.start is not None:
                overrides["start"] = args.start
            if args.output:
                _check_outputs(args)
            trajectory = run_preset(args.preset, **overrides)
            caption, title = preset.caption, f"Figure {preset.figure}"
        else:
            from animator.optimizers import make_optimizer

            optimizer = make_optimizer(args.optimizer, **hyper)
            if args.output:
                _check_outputs(args)
            trajectory = descend(CURVE, optimizer, args.start, args.steps if args.steps is not None else 200)
    except ValueError as error:
        if isinstance(error, UserError):
            raise
        raise UserError(str(error)) from None
    result = outcome(trajectory, CURVE)
    where = f"x = {trajectory.positions[-1, 0]:.4f}, f(x) = {trajectory.values[-1]:.4f}"
    if not args.quiet:
        if trajectory.diverged_at is not None:
            print(f"diverged at step {trajectory.diverged_at}: {trajectory.cause}")
        else:
            print(f"{trajectory.steps} steps: {result.behaviour}"
                  + (f" in minimum {result.basin}" if result.basin is not None else "") + f"; ends at {where}")
    if args.output:
        from renderers.descent import DescentAnimation

        animation = DescentAnimation(trajectory, CURVE, size=args.size, caption=caption, title=title)
        _write(animation, args)
    return 0


def cmd_race2d(args):
    from animator.descent import RACES, run_race
    from animator.functions import FUNCTIONS_2D

    _check_outputs(args)
    race = RACES[args.function]
    trajectories = run_race(args.function, steps=args.steps, start=args.start)
    if not args.quiet:
        for label, trajectory in trajectories.items():
            end = (f"diverged at step {trajectory.diverged_at}" if trajectory.diverged_at is not None else
                   f"f = {trajectory.values[-1]:.3g} at ({trajectory.positions[-1, 0]:.4g}, "
                   f"{trajectory.positions[-1, 1]:.4g})")
            print(f"{label}: {end}")
    from renderers.contour_race import ContourRace

    steps = args.steps or race.steps
    spacing = args.frame_spacing or ("log" if steps > 1000 else "linear")
    animation = ContourRace(list(trajectories.values()), FUNCTIONS_2D[race.function], size=args.size,
                            labels=list(trajectories), spacing=spacing,
                            title=f"{race.function.capitalize()}: five optimizers, one start")
    _write(animation, args)
    return 0


def cmd_book(args):
    from animator_app.book import BookOptions, make_book

    directory = args.output
    if os.path.exists(directory) and not os.path.isdir(directory):
        raise UserError(f"{directory}: exists and is not a directory")
    from renderers.render import check_animation_options

    check_animation_options(args.format, size=args.size, fps=args.fps, hold=args.hold)
    if args.size[0] < 640 or args.size[1] < 360:
        raise UserError(f"--size {args.size[0]}x{args.size[1]} is too small for the book's races "
                        "(at least 640x360)")
    check_writable(os.path.join(directory if os.path.isdir(directory) else
                                os.path.dirname(os.path.abspath(directory)), "probe"))
    options = BookOptions(epochs=args.epochs, frames=args.frames, size=args.size, fps=args.fps, hold=args.hold,
                          format=args.format, theme=args.theme)
    started = time.monotonic()

    def report(done, total, name, seconds, error):
        if error:
            _note(f"[{done}/{total}] {name}: FAILED: {error}")
        elif not args.quiet:
            _note(f"[{done}/{total}] {name} ({seconds:.1f}s)")

    _, failures = make_book(directory, options, workers=args.jobs, report=report)
    elapsed = time.monotonic() - started
    if failures:
        _note(f"{len(failures)} figure{'s' if len(failures) != 1 else ''} failed; the rest are in {directory}/ "
              f"(index.html lists them), {elapsed:.0f}s")
        return 1
    if not args.quiet:
        _note(f"wrote every figure and {os.path.join(directory, 'index.html')} in {elapsed:.0f}s")
    return 0


def _write(animation, args):
    """Write any frame source to ``args.output`` with a progress bar."""
    from renderers.render import write_animation

    kind = _check_outputs(args)
    bar = ProgressBar(1, "rendering", enabled=False if args.quiet else None)

    def progress(done, total):
        bar.total = max(total, 1)
        bar.update(done)

    written = write_animation(animation, args.output, kind=kind, fps=args.fps, hold=args.hold, frame=args.frame,
                              progress=progress, workers=args.workers)
    bar.close()
    if not args.quiet:
        _note(f"wrote {args.output} ({written.frames} frame{'s' if written.frames != 1 else ''}, "
              f"{written.size[0]}x{written.size[1]})")


def _render(recording, args, kind):
    from renderers import TrainingAnimation

    _write(TrainingAnimation(recording, size=args.size, theme=args.theme, shade=args.shade), args)


def _note(text):
    print(text, file=sys.stderr, flush=True)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    debug = "--debug" in argv
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if args.command is None:
            parser.print_help()
            return EXIT_USAGE
        return args.handler(args)
    except UserError as error:
        if debug:
            raise
        _note(f"animator: error: {error}")
        return EXIT_USAGE
    except KeyboardInterrupt:
        if debug:
            raise
        _note("animator: interrupted")
        return EXIT_INTERRUPTED
    except OSError as error:
        if debug:
            raise
        where = f"{error.filename}: " if getattr(error, "filename", None) else ""
        _note(f"animator: error: {where}{error.strerror or error}")
        return EXIT_USAGE
    except Exception as error:  # a bug: still one line, with the way to see more
        if debug:
            raise
        _note(f"animator: internal error: {type(error).__name__}: {error} (run with --debug for details)")
        return 1


if __name__ == "__main__":
    sys.exit(main())
