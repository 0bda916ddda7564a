"""``animator record SCRIPT.py|NOTEBOOK.ipynb [-- SCRIPT ARGS] -o run.gif``: run a reader's own chapter code and record it.

The script runs unmodified, in this process, as ``__main__`` with ``sys.argv``
set to the script and its arguments; :class:`animator.tracer.BookTracer` finds
the Dense layers, the optimizer, the loss and the data by what they do, and
hands each epoch to a :class:`animator.recorder.Recorder`.  Its own printed
lines go to stdout untouched; what animator says goes to stderr.  The output is
what ``animator train`` writes, through the same checks and writer.

Where the arguments go (:func:`split_output`): animator's options anywhere
before ``--``; everything after ``--`` is the script's, except a last
``-o FILE`` (or ``--output FILE``) when no ``-o`` came before the ``--``: that
one is animator's, so the issue's ``record mine.py -- 5000 -o run.gif`` means
what it says.  A script that itself ends in ``-o X`` gets it when animator's
``-o`` stands before the ``--``.
"""

import hashlib
import os
import runpy
import sys
from dataclasses import replace

from animator.errors import ArgumentError, UserError
from animator.lifecycle import exit_status
from animator.recorder import Recorder
from animator.source import Source
from animator.threads import one_blas_thread
from animator.tracer import BookTracer, NotRecognised
from animator.untrusted import shown

from .options import COMMON, integer, outputs, render, story, training
from .registry import Command, Option, flags, register
from .shared import check_budget, check_outputs, check_story, command_line, described, drawing, note, write

RECORDING_OPTIONS = ("--frames", "--frame-spacing", "--every", "--grid", "--grid-padding")
MAX_SCRIPT_BYTES = 64 << 20


def _script(path):
    """``(base name, sha256)`` of the script, refused in one line if it is not a readable .py or .ipynb file."""
    if not path.lower().endswith((".py", ".ipynb")):
        raise UserError(f"{shown(path)}: record runs a Python script (.py) or a notebook (.ipynb)")
    if not os.path.isfile(path):
        raise UserError(f"{shown(path)}: no such script")
    if os.path.getsize(path) > MAX_SCRIPT_BYTES:
        raise UserError(f"{shown(path)}: larger than {MAX_SCRIPT_BYTES >> 20} MiB, not a chapter script")
    with open(path, "rb") as handle:
        return os.path.basename(path), hashlib.sha256(handle.read()).hexdigest()


def _runner(path, args, quiet):
    """A function that runs the script or notebook as ``__main__`` with ``sys.argv`` set, restoring both after."""
    def run():
        saved_argv, saved_main, saved_path = sys.argv[:], sys.modules.get("__main__"), sys.path[:]
        sys.argv = [path, *args]
        sys.path.insert(0, os.path.dirname(os.path.abspath(path)))
        try:
            if path.lower().endswith(".ipynb"):
                from ..notebook import read_notebook, run_notebook, skipped_note

                notebook = read_notebook(path)
                if notebook.skipped and not quiet:
                    note(skipped_note(path, [text for _, _, text in notebook.skipped]))
                run_notebook(notebook, "__main__")
            else:
                runpy.run_path(path, run_name="__main__")
        except SystemExit as done:
            if done.code not in (None, 0):
                raise UserError(f"{shown(path)}: the script exited with status {shown(done.code)}") from None
        finally:
            sys.argv, sys.path[:] = saved_argv, saved_path
            if saved_main is not None:
                sys.modules["__main__"] = saved_main
    return run


def split_output(options):
    """``options`` with a last ``-o FILE`` of the script's arguments taken as animator's, when no -o came before."""
    args = list(options.script_args)
    if options.output is not None or not args:
        return options
    last = args[-1]
    if len(args) >= 2 and args[-2] in ("-o", "--output"):
        return replace(options, output=last, script_args=tuple(args[:-2]))
    if last.startswith("--output=") or (last.startswith("-o") and not last.startswith("--") and len(last) > 2):
        return replace(options, output=last.split("=", 1)[1] if last.startswith("--") else last[2:],
                       script_args=tuple(args[:-1]))
    return options


def _not_recordable(options, error):
    """An :class:`ArgumentError` of the Recorder, said in the script's words (or as our option's, if it is one)."""
    if error.argument in flags("record"):
        return error                             # one of our options: the command line names its flag
    # the Recorder's Python arguments (X, y, layers, ...) are what the script trains: say it in those words
    return UserError(f"{shown(options.script)}: what the script trains cannot be recorded: {error}")


def run(options):
    options = split_output(options)
    name, digest = _script(options.script)
    # the training layout, loaded only where -o is an animation (the default layout of check_render_options)
    writer = check_outputs(options, None, save=options.save, recording=True)
    check_story(options, None)           # the optimizer is known once the script has run: see below
    workers = check_budget(options, writer, options.frames)

    def make_recorder(X, y, optimizer):
        return Recorder(X, y, epochs=options.epochs, frames=options.frames, frame_spacing=options.frame_spacing,
                        every=options.every, grid_resolution=options.grid, grid_padding=options.grid_padding,
                        optimizer=optimizer, source=Source("record", "book", script=name, sha256=digest),
                        dataset="data")

    tracer = BookTracer(make_recorder, model=options.model)
    # as train does: the chapter's matrices are far too small for BLAS threads (their results are the same with
    # one), and idle BLAS threads spin against the loop and the regions' thread on a busy machine
    one_blas_thread()
    interrupted = False
    try:
        tracer.run(_runner(options.script, options.script_args, options.quiet))
    except KeyboardInterrupt:
        interrupted = True
    except NotRecognised as error:
        raise UserError(f"{shown(options.script)}: nothing to record: {error}") from None
    except ArgumentError as error:
        raise _not_recordable(options, error) from None
    except UserError:
        raise
    except Exception as error:       # the reader's script failed: say so in its words, one line
        text = str(error).strip().splitlines()
        raise UserError(f"{shown(options.script)}: the script raised {type(error).__name__}"
                        + (f": {shown(text[0])}" if text else "")) from None
    try:
        recording = tracer.finish(interrupted=interrupted)
    except NotRecognised as error:
        raise UserError(f"{shown(options.script)}: nothing to record: {error}") from None
    except ArgumentError as error:          # the last epochs, handed over as the run ends
        raise _not_recordable(options, error) from None
    status = recording.status
    if status.diverged_at is not None:
        note(f"diverged at epoch {status.diverged_at}: {status.divergence_cause}")
    if interrupted:
        note(f"interrupted after epoch {status.epochs_recorded - 1}")
    target = options.output if writer == "recording" else options.save
    if target:
        recording.save(target)
        if not options.quiet or interrupted:
            note(f"saved {target} ({status.epochs_recorded} epochs, {len(recording.frame_epochs)} frames)")
    if interrupted:
        if writer not in (None, "recording"):
            note(f"not rendering {options.output}: the script was interrupted")
        return exit_status()
    if writer not in (None, "recording"):
        from ..scenes import TrainingScene   # every layout, and matplotlib: only to draw (-o run.npz needs none)

        check_story(options, recording.spec)
        scene = TrainingScene()
        write(scene.animation(recording, size=options.size, theme=options.theme, shade=options.shade,
                              caption=options.caption, show=options.show), options, writer,
              described(scene.metadata(recording, command_line(options, recording=options.script)), options),
              **drawing(options, workers))
    return 0


register(Command(
    "record",
    description="Run a script or notebook that trains the book's network (its own Layer_Dense, activations, loss "
                "and optimizer classes, unmodified) and record it: every epoch's loss, accuracy and learning rate, "
                "and at the frame epochs the weights, the optimizer's updates and the decision regions. Its own "
                "printed lines are unchanged. Arguments after -- go to the script, except a last -o FILE (when no -o "
                "came before the --): animator record mine.py -- 5000 -o run.gif. animator's own options may "
                "stand anywhere before the --.",
    options=(
        Option(("script",), "the script (.py) or notebook (.ipynb) that trains", metavar="SCRIPT"),
        Option(("script_args",), "arguments for the script, after -- (default: none); a last -o FILE there is "
                                 "animator's unless -o came before the --", nargs="*", metavar="ARG"),
        Option(("-o", "--output"), f"save the Recording (.npz) or render the animation ({outputs()}) here "
                                   "(default: neither)", metavar="PATH", arguments=("output",)),
        Option(("--save",), "also save the Recording here when -o renders an animation (default: not saved)",
               metavar="RUN.npz"),
        Option(("--model",), "where the script trains several models: the optimizer to record, by its variable "
                             "or class name (default: the only one)", metavar="NAME"),
        Option(("--epochs",), "the last epoch the script trains: frames then fall on the epochs animator train "
                              "would pick (default: read from the loop's for ... in range(...) where it can be, "
                              "else frames spread evenly as it runs)",
               type=integer(0), metavar="N", arguments=("epochs",)),
        *(option for option in training() if option.flags[0] in RECORDING_OPTIONS),
        *render(),
        *story(),
        *COMMON,
    ),
    run=run, rest="script_args"))
