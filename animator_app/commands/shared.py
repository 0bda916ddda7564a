"""What several commands do with their options: the run to train, the checks before any work, the write.

Each function takes the values it needs by name, or the options value of a
command that declares them (see :mod:`.options`); none probes for an option.
"""

import os
import sys

import numpy as np

from animator.errors import UserError
from animator.fileio import check_writable
from animator.run import RunConfig, planned_frames
from animator.optimizers import OptimizerSpec
from animator.progress import ProgressBar
from renderers.render import check_render_budget, check_render_options, write_animation
from renderers.writers import format_bytes, pick_frame
from renderers.writers.estimate import format_seconds

from ..provenance import file_identity, shareable_command
from .options import extensions, hyperparameters

DRAWN_AT_MOST = 200   # frames a descent or a 2-D race draws at most (their scenes' max_frames)
REDUCED = {"frames": "{} -> {} frames", "colours": "{} -> {} colours", "size": "{} -> {} pixels",
           "crf": "CRF {} -> {}"}


def note(text):
    print(text, file=sys.stderr, flush=True)


def is_recording_path(path):
    return os.path.splitext(path)[1].lower() == ".npz" and not path.endswith(os.sep)


def run_config(options, *, optimizer=None, record="frames"):
    """The RunConfig of a command with the training options; ``optimizer`` (a spec) instead of --optimizer."""
    if options.data is not None and options.dataset != "spiral":
        raise UserError("give either --data FILE.csv or --dataset, not both")
    spec = optimizer or OptimizerSpec(options.optimizer, hyperparameters(options))
    return RunConfig(dataset=options.dataset, samples=options.samples, classes=options.classes,
                     data_file=options.data, hidden=options.hidden, optimizer=spec.name,
                     hyperparameters=dict(spec.hyperparameters), epochs=options.epochs, seed=options.seed,
                     frames=options.frames, frame_spacing=options.frame_spacing, every=options.every,
                     grid_resolution=options.grid, grid_padding=options.grid_padding, record=record)


def animation_extras(options):
    """The animation-only options given, as their flags (for the error when there is no animation)."""
    given = [("--max-bytes", options.max_bytes is not None), ("--poster", options.poster is not None),
             ("--latex", options.latex), ("--loop", options.loop is not None)]
    return [flag for flag, present in given if present]


def check_outputs(options, layout, *, save=None, recording=False):
    """Validate -o (and ``save``, train's --save) against the layout that will draw it, before any work;
    returns the output's writer class (for :func:`check_budget` and :func:`write`: chosen and checked once,
    here), ``"recording"`` (``recording``: -o may save one) or None (no -o)."""
    output, extras = options.output, animation_extras(options)
    saves_recording = output is not None and recording and is_recording_path(output)
    if (output is None or saves_recording) and extras:
        raise UserError(f"{' and '.join(extras)} need{'s' if len(extras) == 1 else ''} "
                        f"-o with an animation ({', '.join(extensions(still=False) + extensions(player=True))} "
                        f"or a folder/)")
    if output is None:
        if save:
            raise UserError("--save needs -o with an animation to render (or use -o RUN.npz)")
        return None
    if saves_recording:
        if save:
            raise UserError("-o already saves the Recording; --save is for when -o is an animation")
        check_writable(output)
        return "recording"
    writer = check_render_options(output, size=options.size, fps=options.fps, hold=options.hold, layout=layout,
                                  max_bytes=options.max_bytes, poster=options.poster, latex=options.latex,
                                  loop=options.loop)
    if save:
        if not is_recording_path(save):
            raise UserError(f"{save}: --save writes a Recording, which must end in .npz")
        check_writable(save)
    return writer


def check_budget(options, writer, frames):
    """The workers to draw with, after estimating the render's memory (every frame worker together), bytes and
    time before any work and refusing beyond the machine in one line.  An asked-for ``--workers`` beyond the
    cores or the frames is lowered, with a note."""
    if writer in (None, "recording"):
        return options.workers
    estimate = check_render_budget(options.output, size=options.size, frames=frames, workers=options.workers,
                                   writer=writer)
    workers = options.workers
    if workers is not None and estimate.workers < workers:
        if not options.quiet:
            note(f"note: --workers {workers}: drawing with {estimate.workers}, one per core "
                 f"(more draw no faster, and each holds a frame's memory)")
        workers = estimate.workers
    if estimate.seconds is not None and estimate.seconds > 60 and not options.quiet:
        note(f"note: {options.output} will be about {format_bytes(estimate.bytes)} and take about "
             f"{format_seconds(estimate.seconds)} to draw")
    return workers


class _PlannedFrames:
    """The frames a run will have, as far as :func:`pick_frame` asks: their count and epochs."""

    def __init__(self, epochs):
        self.epochs = np.asarray(epochs)

    def __len__(self):
        return len(self.epochs)


def check_story(options, config):
    """Refuse ``--show step-sizes`` (before training) for an optimizer with one step size for every weight, and
    --caption/--show without an animation.  ``config``: a RunConfig or a Recording's spec (its ``optimizer``), or
    None where the optimizer is not known yet (record, before the script runs: only the output is checked)."""
    from renderers.step_sizes import adaptive

    wanted = [flag for flag, given in (("--caption", options.caption), ("--show", options.show)) if given]
    if wanted and (options.output is None or is_recording_path(options.output)):
        raise UserError(f"{' and '.join(wanted)} need{'s' if len(wanted) == 1 else ''} -o with an animation")
    if config is not None and "step-sizes" in (options.show or ()):
        spec = config.optimizer if isinstance(config.optimizer, OptimizerSpec) else \
            OptimizerSpec(config.optimizer, config.hyperparameters)
        if not adaptive(spec):
            raise UserError(f"--show step-sizes is for optimizers that keep a cache of squared gradients (each "
                            f"weight's own step size); {spec.name} takes one step size for every weight")


def check_poster(options, config):
    """Refuse ``--poster EPOCH`` before training when no frame will be at that epoch (they follow from the config).

    A run that diverges or is interrupted ends sooner; the writer checks again then.
    """
    if options.poster is not None and options.poster.isdigit() and options.output is not None:
        pick_frame(_PlannedFrames(planned_frames(config)), options.poster, "poster")


def command_line(options, *, recording=None):
    """The command as run, for the description every file carries: ``["animator", "train", ...]``.

    Paths are made shareable (inputs by base name, the output as ``OUTPUT.gif``):
    see :mod:`..provenance`.  ``recording``: the positional path a render read.
    """
    return ["animator", *shareable_command(list(options.argv), positional_paths=(recording,) if recording else ())]


def described(metadata, options, *, data=None, recording=None):
    """The description plus the identity (base name, content hash) of each file of the user's the command read."""
    inputs = options.inputs
    if inputs is None:
        inputs = {role: file_identity(path, what=path) for role, path in (("data", data), ("recording", recording))
                  if path}
    return {**metadata, "inputs": inputs} if inputs else metadata


def fit_note(fit):
    """``fit 4.82 MB under 5 MB: 200 -> 100 frames, 256 -> 128 colours`` (or ``..., nothing reduced``)."""
    changes = [REDUCED.get(name, name + " {} -> {}").format(before, after) for name, before, after in fit.reductions]
    return (f"fit {format_bytes(fit.bytes)} under {format_bytes(fit.budget)}: "
            + (", ".join(changes) if changes else "nothing reduced"))


def drawing(options, workers):
    """What a command with the render options asks of :func:`write` beyond its picture."""
    return {"workers": workers, "frame": options.frame, "max_bytes": options.max_bytes, "poster": options.poster,
            "latex": options.latex, "loop": options.loop}


def write(animation, options, writer, metadata, *, workers, frame="last", max_bytes=None, poster=None, latex=False,
          loop=None):
    """Write a frame source to ``options.output`` with a progress bar; say what a byte budget reduced.

    ``writer`` is the class :func:`check_outputs` returned: the options it checked are not checked again.
    """
    bar = ProgressBar(1, "rendering", enabled=False if options.quiet else None)

    def progress(done, total):
        bar.total = max(total, 1)
        bar.update(done)

    written = write_animation(animation, options.output, writer=writer, fps=options.fps, hold=options.hold,
                              frame=frame, progress=progress, workers=workers, max_bytes=max_bytes, poster=poster,
                              latex=latex, metadata=metadata, show_log=options.debug, loop=loop)
    bar.close()
    if not options.quiet:
        note(f"wrote {options.output} ({written.frames} frame{'s' if written.frames != 1 else ''}, "
             f"{written.size[0]}x{written.size[1]})")
        if written.fit is not None:
            note(fit_note(written.fit))
        if written.poster is not None:
            note(f"wrote {written.poster}")
