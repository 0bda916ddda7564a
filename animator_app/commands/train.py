"""``animator train``: train the chapter's model, print the book's log, save the Recording or render it."""

from animator.lifecycle import exit_status
from animator.progress import ProgressBar
from animator.run import planned_frames

from .. import presets
from .options import COMMON, outputs, preset, render, story, training
from .registry import Command, Option, register
from .shared import (check_budget, check_outputs, check_poster, check_story, command_line, described, drawing, note,
                     run_config, write)


def run(options):
    from ..scenes import TrainingScene   # layouts import matplotlib: only when the command runs
    scene = TrainingScene(run_config(options, record=options.record))
    writer = check_outputs(options, scene.layout, save=options.save, recording=True)
    check_story(options, scene.config)
    check_poster(options, scene.config)
    workers = check_budget(options, writer, len(planned_frames(scene.config)))
    print_every, quiet = options.print_every, options.quiet
    bar = ProgressBar(scene.config.epochs + 1, "training", enabled=False if quiet else None)

    def on_epoch(epoch, loss, accuracy, lr):
        if print_every and not quiet and epoch % print_every == 0:
            bar.close()
            print(f"epoch: {epoch}, acc: {accuracy:.3f}, loss: {loss:.3f}, lr: {lr}", flush=True)
        bar.update(epoch + 1, f"loss {float(loss):.3f}")

    recording = scene.compute(on_epoch=on_epoch)
    bar.close()
    status = recording.status
    if status.diverged_at is not None:
        note(f"diverged at epoch {status.diverged_at}: {status.divergence_cause} "
             f"(lr={status.divergence_learning_rate})")
    if status.interrupted:
        note(f"interrupted after epoch {status.epochs_recorded - 1}")
    target = options.output if writer == "recording" else options.save
    if target:
        recording.save(target)
        if not quiet or status.interrupted:
            note(f"saved {target} ({status.epochs_recorded} epochs, {len(recording.frame_epochs)} frames)")
    if status.interrupted:
        if writer not in (None, "recording"):
            note(f"not rendering {options.output}: training was interrupted")
        return exit_status()
    if writer not in (None, "recording"):
        write(scene.animation(recording, size=options.size, theme=options.theme, shade=options.shade,
                              caption=options.caption, show=options.show), options, writer,
              described(scene.metadata(recording, command_line(options)), options, data=options.data),
              **drawing(options, workers))
    return 0


register(Command(
    "train",
    description="Train the chapter's model (book mode by default) and print the book's progress lines. "
                "With -o run.npz the whole run is saved as a Recording.",
    options=(
        *training(),
        Option(("-o", "--output"), f"save the Recording (.npz) or render the animation ({outputs()}) here "
                                   "(default: neither)", metavar="PATH", arguments=("output",)),
        Option(("--save",), "also save the Recording here when -o renders an animation (default: not saved)",
               metavar="RUN.npz"),
        *render(),
        *story(),
        *COMMON,
        preset(presets.help_text("train")),
    ),
    run=run, reproducible=True))
