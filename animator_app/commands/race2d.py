"""``animator race2d``: the chapter's optimizers racing down a 2-D test function, on its contour map."""

from animator.chapter import RACES_2D
from animator.frames import SPACINGS

from .. import presets
from .options import COMMON, animation_output, integer, point, preset
from .registry import Command, Option, register
from .shared import DRAWN_AT_MOST, check_budget, check_outputs, command_line, described, drawing, write


def run(options):
    from ..scenes import ContourRaceScene   # layouts import matplotlib: only when the command runs
    scene = ContourRaceScene(options.function, steps=options.steps, start=options.start,
                             spacing=options.frame_spacing)
    writer = check_outputs(options, scene.layout)
    workers = check_budget(options, writer, DRAWN_AT_MOST)
    trajectories = scene.compute()
    if not options.quiet:
        for label, trajectory in trajectories.items():
            print(f"{label}: {scene.ending(trajectory)}")
    write(scene.animation(trajectories, size=options.size, theme=options.theme), options, writer,
          described(scene.metadata(trajectories, command_line(options)), options), **drawing(options, workers))
    return 0


register(Command(
    "race2d",
    description="Five optimizers (SGD, SGD with momentum, AdaGrad, RMSProp, Adam) with tuned settings race "
                "from one start down a 2-D test function, drawn on its contour map.",
    options=(
        Option(("function",), "the test function", choices=tuple(RACES_2D), arguments=("function",)),
        Option(("--steps",), "updates per optimizer (default: the race's own)", type=integer(1), metavar="N",
               arguments=("steps",)),
        Option(("--start",), "common starting point (default: the function's)", type=point, metavar="X,Y",
               arguments=("start",)),
        Option(("--frame-spacing",), "spread frames over the steps linearly or logarithmically "
                                     "(default: log for races over 1000 steps)",
               choices=SPACINGS, arguments=("frame_spacing",)),
        *animation_output("the race animation"),
        *COMMON,
        preset(presets.help_text("race2d")),
    ),
    run=run, reproducible=True))
