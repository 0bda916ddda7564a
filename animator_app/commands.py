"""What each ``animator`` command does, once its options are parsed.

Every command checks everything it can (options, output path, the chosen
layout's frame size) before any training, then computes its scene, prints
what the book prints, and writes the file.
"""

import os
import sys
import time

import numpy as np

from animator.chapter import DESCENTS, NETWORK_RACES
from animator.errors import UserError
from animator.fileio import check_writable
from animator.descent import outcome
from animator.functions import CURVE
from animator.lifecycle import exit_status
from animator.optimizers import DEFAULT as DEFAULT_OPTIMIZER, OptimizerSpec, hyperparameter_names
from animator.progress import ProgressBar
from animator.race import entrant
from animator.recording import Recording
from animator.run import RunConfig, planned_frames
from renderers.layout import describe
from renderers.render import check_render_budget, check_render_options, write_animation
from renderers.writers import format_bytes, pick_frame
from renderers.writers.budget import format_seconds

from .provenance import command_inputs, shareable_command
from .scenes import ContourRaceScene, DescentScene, NetworkRaceScene, TrainingScene

HYPERPARAMETERS = tuple(hyperparameter_names())   # every optimizer's, as flags spell them


def note(text):
    print(text, file=sys.stderr, flush=True)


def hyperparameters(args):
    return {name: getattr(args, name) for name in HYPERPARAMETERS if getattr(args, name, None) is not None}


def config_from_args(args, *, optimizer=None):
    if args.data is not None and args.dataset != "spiral":
        raise UserError("give either --data FILE.csv or --dataset, not both")
    spec = optimizer or OptimizerSpec(args.optimizer, hyperparameters(args))
    return RunConfig(dataset=args.dataset, samples=args.samples, classes=args.classes, data_file=args.data,
                     hidden=args.hidden, optimizer=spec.name, hyperparameters=dict(spec.hyperparameters),
                     epochs=args.epochs, seed=args.seed, frames=args.frames, frame_spacing=args.frame_spacing,
                     every=args.every, grid_resolution=args.grid, grid_padding=args.grid_padding,
                     record=getattr(args, "record", "frames"))


def is_recording_path(path):
    return os.path.splitext(path)[1].lower() == ".npz" and not path.endswith(os.sep)


def _extras(args):
    """The animation-only options given, as their flags (for the error when there is no animation)."""
    given = [("--max-bytes", args.max_bytes is not None), ("--poster", args.poster is not None),
             ("--latex", args.latex)]
    return [flag for flag, present in given if present]


def check_outputs(args, layout):
    """Validate -o (and --save) against the layout that will draw it, before any work; returns the kind."""
    if args.output is None or (is_recording_path(args.output) and args.command == "train"):
        if _extras(args):
            raise UserError(f"{' and '.join(_extras(args))} need{'s' if len(_extras(args)) == 1 else ''} "
                            f"-o with an animation (.gif, .mp4, .html or a folder/)")
    if args.output is None:
        if getattr(args, "save", None):
            raise UserError("--save needs -o with an animation to render (or use -o RUN.npz)")
        return None
    if is_recording_path(args.output) and args.command == "train":
        if getattr(args, "save", None):
            raise UserError("-o already saves the Recording; --save is for when -o is an animation")
        check_writable(args.output)
        return "recording"
    kind = check_render_options(args.output, size=args.size, fps=args.fps, hold=args.hold, layout=layout,
                                max_bytes=args.max_bytes, poster=args.poster, latex=args.latex)
    if getattr(args, "save", None):
        if not is_recording_path(args.save):
            raise UserError(f"{args.save}: --save writes a Recording, which must end in .npz")
        check_writable(args.save)
    return kind


DRAWN_AT_MOST = 200   # frames a descent or a 2-D race draws at most (their scenes' max_frames)


def check_budget(args, kind, frames):
    """Estimate the render's memory (every frame worker together), bytes and time before any work; refuse beyond
    the machine in one line.  An asked-for ``--workers`` beyond the cores or the frames is lowered, with a note."""
    if kind in (None, "recording"):
        return
    estimate = check_render_budget(args.output, size=args.size, frames=frames, workers=args.workers, kind=kind)
    if args.workers is not None and estimate.workers < args.workers:
        if not args.quiet:
            note(f"note: --workers {args.workers}: drawing with {estimate.workers}, one per core "
                 f"(more draw no faster, and each holds a frame's memory)")
        args.workers = estimate.workers
    if estimate.seconds is not None and estimate.seconds > 60 and not args.quiet:
        note(f"note: {args.output} will be about {format_bytes(estimate.bytes)} and take about "
             f"{format_seconds(estimate.seconds)} to draw")


class _PlannedFrames:
    """The frames a run will have, as far as :func:`pick_frame` asks: their count and epochs."""

    def __init__(self, epochs):
        self.epochs = np.asarray(epochs)

    def __len__(self):
        return len(self.epochs)


def check_poster(args, config):
    """Refuse ``--poster EPOCH`` before training when no frame will be at that epoch (they follow from the config).

    A run that diverges or is interrupted ends sooner; the writer checks again then.
    """
    if args.poster is not None and args.poster.isdigit() and args.output is not None:
        pick_frame(_PlannedFrames(planned_frames(config)), args.poster, "poster")


def command_line(args):
    """The command as run, for the description every file carries: ``["animator", "train", ...]``.

    Paths are made shareable (inputs by base name, the output as ``OUTPUT.gif``):
    see :mod:`.provenance`.
    """
    recording = getattr(args, "recording", None)
    return ["animator", *shareable_command(getattr(args, "argv", []),
                                           positional_paths=(recording,) if recording else ())]


def described(metadata, args):
    """The description plus the identity (base name, content hash) of each file of the user's the command read."""
    inputs = getattr(args, "inputs", None)
    if inputs is None:
        inputs = args.inputs = command_inputs(args)
    return {**metadata, "inputs": inputs} if inputs else metadata


REDUCED = {"frames": "{} -> {} frames", "colours": "{} -> {} colours", "size": "{} -> {} pixels",
           "crf": "CRF {} -> {}"}


def fit_note(fit):
    """``fit 4.82 MB under 5 MB: 200 -> 100 frames, 256 -> 128 colours`` (or ``..., nothing reduced``)."""
    changes = [REDUCED.get(name, name + " {} -> {}").format(before, after) for name, before, after in fit.reductions]
    return (f"fit {format_bytes(fit.bytes)} under {format_bytes(fit.budget)}: "
            + (", ".join(changes) if changes else "nothing reduced"))


def write(animation, args, kind, metadata):
    """Write a frame source to ``args.output`` with a progress bar; say what a byte budget reduced."""
    bar = ProgressBar(1, "rendering", enabled=False if args.quiet else None)

    def progress(done, total):
        bar.total = max(total, 1)
        bar.update(done)

    written = write_animation(animation, args.output, kind=kind, fps=args.fps, hold=args.hold, frame=args.frame,
                              progress=progress, workers=args.workers, max_bytes=getattr(args, "max_bytes", None),
                              poster=getattr(args, "poster", None), latex=getattr(args, "latex", False),
                              metadata=described(metadata, args))
    bar.close()
    if not args.quiet:
        note(f"wrote {args.output} ({written.frames} frame{'s' if written.frames != 1 else ''}, "
             f"{written.size[0]}x{written.size[1]})")
        if written.fit is not None:
            note(fit_note(written.fit))
        if written.poster is not None:
            note(f"wrote {written.poster}")


# -- train and render -------------------------------------------------------------------------

def cmd_train(args):
    scene = TrainingScene(config_from_args(args))
    kind = check_outputs(args, scene.layout)
    check_poster(args, scene.config)
    check_budget(args, kind, len(planned_frames(scene.config)))
    print_every, quiet = args.print_every, args.quiet
    bar = ProgressBar(scene.config.epochs + 1, "training", enabled=False if quiet else None)

    def on_epoch(epoch, loss, accuracy, lr):
        if print_every and not quiet and epoch % print_every == 0:
            bar.close()
            print(f"epoch: {epoch}, acc: {accuracy:.3f}, loss: {loss:.3f}, lr: {lr}", flush=True)
        bar.update(epoch + 1, f"loss {float(loss):.3f}")

    recording = scene.compute(on_epoch=on_epoch)
    bar.close()
    status = recording.status
    if status["diverged_at"] is not None:
        note(f"diverged at epoch {status['diverged_at']}: {status['divergence_cause']} "
             f"(lr={status['divergence_learning_rate']})")
    if status["interrupted"]:
        note(f"interrupted after epoch {status['epochs_recorded'] - 1}")
    target = args.output if kind == "recording" else args.save
    if target:
        recording.save(target)
        if not quiet or status["interrupted"]:
            note(f"saved {target} ({status['epochs_recorded']} epochs, {len(recording.frame_epochs)} frames)")
    if status["interrupted"]:
        if kind not in (None, "recording"):
            note(f"not rendering {args.output}: training was interrupted")
        return exit_status()
    if kind not in (None, "recording"):
        write(scene.animation(recording, size=args.size, theme=args.theme, shade=args.shade), args, kind,
              scene.metadata(recording, command_line(args)))
    return 0


def cmd_render(args):
    scene = TrainingScene()
    if is_recording_path(args.output):
        raise UserError(f"{args.output}: render writes an animation (.gif, .mp4, .png, .html or a folder/); "
                        "a Recording is already saved")
    kind = check_outputs(args, scene.layout)
    recording = Recording.load(args.recording)
    check_budget(args, kind, len(recording.frame_epochs))
    write(scene.animation(recording, size=args.size, theme=args.theme, shade=args.shade), args, kind,
          scene.metadata(recording, command_line(args)))
    return 0


# -- races and descents ------------------------------------------------------------------------

def cmd_compare(args):
    if args.preset:
        if args.specs:
            raise UserError("give either SPECs or --preset, not both")
        if args.preset not in NETWORK_RACES:
            raise UserError(f"unknown preset {args.preset!r} (choose from {', '.join(NETWORK_RACES)})")
        specs = list(NETWORK_RACES[args.preset])
    else:
        specs = [entrant(text) for text in args.specs]      # each spec parsed once, before any training
    if not 2 <= len(specs) <= 4:
        raise UserError(f"compare races 2 to 4 optimizers (got {len(specs)}); e.g. 'sgd adam' or --preset chapter")
    scene = NetworkRaceScene(tuple(specs), config_from_args(args, optimizer=specs[0]))
    kind = check_outputs(args, scene.layout)
    check_poster(args, scene.config)
    check_budget(args, kind, len(planned_frames(scene.config)))
    bar = ProgressBar(len(specs) * (scene.config.epochs + 1), "training", enabled=False if args.quiet else None)
    result = scene.compute(workers=args.workers or min(os.cpu_count() or 1, 4),
                           on_progress=lambda done, total: bar.update(done))
    bar.close()
    if result.interrupted:
        note(f"interrupted; not rendering {args.output}")
        return exit_status()
    if not args.quiet:
        for spec, recording in zip(result.specs, result.recordings):
            print(f"{describe(spec)}: {scene.ending(recording)}")
    write(scene.animation(result, size=args.size, theme=args.theme), args, kind,
          scene.metadata(result, command_line(args)))
    return 0


def checked(spec):
    """``spec`` if its optimizer accepts the settings; else a UserError in the optimizer's own words."""
    try:
        spec.build()
    except ValueError as error:
        raise UserError(str(error)) from None
    return spec


def descent_scene(args):
    hyper = hyperparameters(args)
    if not args.preset:
        return DescentScene(optimizer=OptimizerSpec(args.optimizer, hyper), steps=args.steps, start=args.start)
    if args.preset not in DESCENTS:
        raise UserError(f"unknown preset {args.preset!r} (choose from {', '.join(DESCENTS)})")
    if args.optimizer not in (DEFAULT_OPTIMIZER, DESCENTS[args.preset].optimizer.name):
        raise UserError("--optimizer cannot change a preset's optimizer; drop --preset to choose freely")
    return DescentScene(preset=args.preset, steps=args.steps, start=args.start, overrides=hyper)


def cmd_descent(args):
    if args.list:
        for name, preset in DESCENTS.items():
            print(f"{name:22s} Figure {preset.figure:2d}  {dict(preset.hyper)}  {preset.caption}")
        return 0
    scene = descent_scene(args)
    kind = check_outputs(args, scene.layout) if args.output or _extras(args) else None
    if scene.preset:
        preset = DESCENTS[scene.preset]
        checked(OptimizerSpec(preset.optimizer.name, {**preset.hyper, **scene.overrides}))
    else:
        checked(scene.optimizer)
    check_budget(args, kind, DRAWN_AT_MOST)
    trajectory = scene.compute()
    if not args.quiet:
        if trajectory.diverged_at is not None:
            print(f"diverged at step {trajectory.diverged_at}: {trajectory.cause}")
        else:
            result = outcome(trajectory, CURVE)
            where = f"x = {trajectory.positions[-1, 0]:.4f}, f(x) = {trajectory.values[-1]:.4f}"
            print(f"{trajectory.steps} steps: {result.behaviour}"
                  + (f" in minimum {result.basin}" if result.basin is not None else "") + f"; ends at {where}")
    if args.output:
        write(scene.animation(trajectory, size=args.size, theme=args.theme), args, kind,
              scene.metadata(trajectory, command_line(args)))
    return 0


def cmd_race2d(args):
    scene = ContourRaceScene(args.function, steps=args.steps, start=args.start, spacing=args.frame_spacing)
    kind = check_outputs(args, scene.layout)
    check_budget(args, kind, DRAWN_AT_MOST)
    trajectories = scene.compute()
    if not args.quiet:
        for label, trajectory in trajectories.items():
            print(f"{label}: {scene.ending(trajectory)}")
    write(scene.animation(trajectories, size=args.size, theme=args.theme), args, kind,
          scene.metadata(trajectories, command_line(args)))
    return 0


# -- the whole chapter -------------------------------------------------------------------------

def book_options(args):
    """The book's options from its parsed command line (``reproduce`` makes one figure of a book with them)."""
    from .book import BookOptions

    return BookOptions(epochs=args.epochs, frames=args.frames, size=args.size, fps=args.fps, hold=args.hold,
                       format=args.format, theme=args.theme, max_bytes=args.max_bytes, poster=args.poster,
                       command=tuple(command_line(args)))


def cmd_book(args):
    from .book import check_book_options, make_book

    options = book_options(args)
    check_book_options(args.output, options)
    started = time.monotonic()

    def report(done, total, name, seconds, error, outputs=(), notes=()):
        if error:
            note(f"[{done}/{total}] {name}: FAILED: {error}")
        damaged = [text for text in notes if "damaged" in text]
        if not args.quiet and not error:
            fits = [f"{output.filename}: {fit_note(output.fit)}" for output in outputs if output.fit is not None]
            reused = "".join(f", {text}" for text in notes if "damaged" not in text)
            note(f"[{done}/{total}] {name} ({seconds:.1f}s{reused})"
                 + "".join(f"\n  {line}" for line in fits + damaged))
        elif damaged:
            note("".join(f"  {line}\n" for line in damaged).rstrip("\n"))

    _, failures = make_book(args.output, options, workers=args.jobs, report=report,
                            cache=args.cache, force=args.force)
    elapsed = time.monotonic() - started
    if failures:
        note(f"{len(failures)} figure{'s' if len(failures) != 1 else ''} failed; the rest are in {args.output}/ "
             f"(index.html lists them), {elapsed:.0f}s")
        return 1
    if not args.quiet:
        note(f"wrote every figure and {os.path.join(args.output, 'index.html')} in {elapsed:.0f}s")
    return 0
