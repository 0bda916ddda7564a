"""``animator render``: draw a saved Recording without retraining."""

from animator.errors import UserError
from animator.recording import Recording

from .. import presets
from .options import COMMON, animation_output, preset, story
from .registry import Command, Option, register
from .options import outputs
from .shared import (check_budget, check_outputs, check_story, command_line, described, drawing, is_recording_path,
                     write)


def run(options):
    from ..scenes import TrainingScene   # layouts import matplotlib: only when the command runs
    scene = TrainingScene()
    if is_recording_path(options.output):
        raise UserError(f"{options.output}: render writes an animation ({outputs(described=False)}); "
                        "a Recording is already saved")
    writer = check_outputs(options, scene.layout)
    recording = Recording.load(options.recording)
    workers = check_budget(options, writer, len(recording.frame_epochs))
    metadata = scene.metadata(recording, command_line(options, recording=options.recording))
    check_story(options, recording.spec)
    write(scene.animation(recording, size=options.size, theme=options.theme, shade=options.shade,
                          caption=options.caption, show=options.show), options, writer,
          described(metadata, options, recording=options.recording), **drawing(options, workers))
    return 0


register(Command(
    "render",
    description="Render a Recording saved by 'animator train -o RUN.npz' as GIF, MP4, PNG or PNG frames.",
    options=(
        Option(("recording",), "a Recording saved by animator train", metavar="RUN.npz"),
        *animation_output("the animation to write"),
        *story(),
        *COMMON,
        preset(presets.help_text("render")),
    ),
    run=run, reproducible=True))
