"""``animator descent``: the chapter's ball on a curve, a 1-D descent with any optimizer (Figures 2-13)."""

from animator.chapter import DESCENTS
from animator.descent import outcome
from animator.errors import UserError
from animator.functions import CURVE
from animator.optimizers import DEFAULT as DEFAULT_OPTIMIZER, OptimizerSpec

from .. import presets
from .options import COMMON, OPTIMIZER, finite, hyperparameters, integer, outputs, preset, render
from .registry import Command, Option, register
from .shared import (DRAWN_AT_MOST, animation_extras, check_budget, check_outputs, command_line, described, drawing,
                     write)


def checked(spec):
    """``spec`` if its optimizer accepts the settings; else a UserError in the optimizer's own words."""
    try:
        spec.build()
    except ValueError as error:
        raise UserError(str(error)) from None
    return spec


def scene_of(options):
    from ..scenes import DescentScene   # layouts import matplotlib: only when the command runs
    hyper = hyperparameters(options)
    if not options.preset:
        return DescentScene(optimizer=OptimizerSpec(options.optimizer, hyper), steps=options.steps,
                            start=options.start)
    if options.preset not in DESCENTS:
        raise UserError(f"unknown preset {options.preset!r} (choose from {', '.join(DESCENTS)})")
    if options.optimizer not in (DEFAULT_OPTIMIZER, DESCENTS[options.preset].optimizer.name):
        raise UserError("--optimizer cannot change a preset's optimizer; drop --preset to choose freely")
    return DescentScene(preset=options.preset, steps=options.steps, start=options.start, overrides=hyper)


def run(options):
    if options.list:
        for name, descent in DESCENTS.items():
            print(f"{name:22s} Figure {descent.figure:2d}  {dict(descent.hyper)}  {descent.caption}")
        return 0
    scene = scene_of(options)
    writer = check_outputs(options, scene.layout) if options.output or animation_extras(options) else None
    if scene.preset:
        chosen = DESCENTS[scene.preset]
        checked(OptimizerSpec(chosen.optimizer.name, {**chosen.hyper, **scene.overrides}))
    else:
        checked(scene.optimizer)
    workers = check_budget(options, writer, DRAWN_AT_MOST)
    trajectory = scene.compute()
    if not options.quiet:
        if trajectory.diverged_at is not None:
            print(f"diverged at step {trajectory.diverged_at}: {trajectory.cause}")
        else:
            result = outcome(trajectory, CURVE)
            where = f"x = {trajectory.positions[-1, 0]:.4f}, f(x) = {trajectory.values[-1]:.4f}"
            print(f"{trajectory.steps} steps: {result.behaviour}"
                  + (f" in minimum {result.basin}" if result.basin is not None else "") + f"; ends at {where}")
    if options.output:
        write(scene.animation(trajectory, size=options.size, theme=options.theme), options, writer,
              described(scene.metadata(trajectory, command_line(options)), options), **drawing(options, workers))
    return 0


register(Command(
    "descent",
    description="Descend the chapter's 1-D curve (three local minima, then the global one) with one of "
                "the network's optimizers, and draw it (Figures 2-13). --preset NAME replays a figure; "
                "hyper-parameter options given with it override the preset's.",
    options=(
        preset(presets.help_text("descent")),
        Option(("--list",), "list the presets and exit", action="store_true"),
        *OPTIMIZER,
        Option(("--steps",), "number of updates (default: the preset's, else 200)", type=integer(0), metavar="N",
               arguments=("steps",)),
        Option(("--start",), "starting point (default: the curve's, x = -3.8)", type=finite, metavar="X",
               arguments=("start",)),
        Option(("-o", "--output"), f"write the descent: {outputs(described=False)} (default: print only)",
               metavar="PATH", arguments=("output",)),
        *render(),
        *COMMON,
    ),
    run=run, reproducible=True))
