"""``animator compare``: race several optimizers from the same initial weights, drawn side by side."""

import os

from animator.chapter import NETWORK_RACES
from animator.errors import UserError
from animator.lifecycle import exit_status
from animator.progress import ProgressBar
from animator.race import entrant
from animator.run import planned_frames
from renderers.layout import describe

from .. import presets
from .options import COMMON, animation_output, preset, training
from .registry import Command, Option, register
from .shared import check_budget, check_outputs, check_poster, command_line, described, drawing, note, run_config, write


def entrants(options):
    """The specs to race: a preset's, or each SPEC parsed once, before any training."""
    if options.preset:
        if options.specs:
            raise UserError("give either SPECs or --preset, not both")
        if options.preset not in NETWORK_RACES:
            raise UserError(f"unknown preset {options.preset!r} (choose from {', '.join(NETWORK_RACES)})")
        specs = list(NETWORK_RACES[options.preset])
    else:
        specs = [entrant(text) for text in options.specs]
    if not 2 <= len(specs) <= 4:
        raise UserError(f"compare races 2 to 4 optimizers (got {len(specs)}); e.g. 'sgd adam' or --preset chapter")
    return specs


def run(options):
    from ..scenes import NetworkRaceScene   # layouts import matplotlib: only when the command runs
    specs = entrants(options)
    scene = NetworkRaceScene(tuple(specs), run_config(options, optimizer=specs[0], record=options.record))
    writer = check_outputs(options, scene.layout)
    check_poster(options, scene.config)
    workers = check_budget(options, writer, len(planned_frames(scene.config)))
    bar = ProgressBar(len(specs) * (scene.config.epochs + 1), "training", enabled=False if options.quiet else None)
    result = scene.compute(workers=workers or min(os.cpu_count() or 1, 4),
                           on_progress=lambda done, total: bar.update(done))
    bar.close()
    if result.interrupted:
        note(f"interrupted; not rendering {options.output}")
        return exit_status()
    if not options.quiet:
        for spec, recording in zip(result.specs, result.recordings):
            print(f"{describe(spec)}: {scene.ending(recording)}")
    write(scene.animation(result, size=options.size, theme=options.theme), options, writer,
          described(scene.metadata(result, command_line(options)), options, data=options.data),
          **drawing(options, workers))
    return 0


register(Command(
    "compare", help="race several optimizers from the same initial weights, rendered side by side",
    description="Train several optimizers on the same data from the same initial weights and render them "
                "in lock-step. A SPEC is NAME or NAME:key=value,... with the CLI's hyper-parameter names, "
                "e.g. sgd:lr=1,decay=1e-3,momentum=0.9 adagrad:decay=1e-4 "
                "rmsprop:lr=0.02,decay=1e-5,rho=0.999 adam:lr=0.05,decay=5e-7.",
    options=(
        Option(("specs",), "optimizers to race (2 to 4)", nargs="*", metavar="SPEC", arguments=("specs",)),
        preset(presets.help_text("compare")),
        *training(optimizer=False),
        *animation_output("the race animation"),
        *COMMON,
    ),
    run=run, reproducible=True))
