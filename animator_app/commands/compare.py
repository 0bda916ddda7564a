"""``animator compare``: race several optimizers from the same initial weights, drawn side by side.

A SPEC may also be a recorded run (``mine.npz``, from ``animator record``):
``animator compare mine.npz adam:lr=0.05,decay=5e-7`` races the reader's own
run against the book's optimizers on its data, network, epochs and frames, and
says whether the book's entrants start from its very weights
(:mod:`animator.race_recorded`).
"""

import os
from dataclasses import asdict

from animator.chapter import NETWORK_RACES
from animator.errors import UserError
from animator.lifecycle import exit_status
from animator.progress import ProgressBar
from animator.race import entrant
from animator.run import planned_frames
from renderers.layout import describe

from .. import presets
from .options import COMMON, animation_output, preset, story, training
from .registry import Command, Option, register
from .shared import (check_budget, check_outputs, check_poster, command_line, described, drawing, is_recording_path,
                     note, run_config, write)

# what a recorded run fixes for the race: given with one, these are refused rather than ignored
FIXED_BY_RECORDING = ("--dataset", "--samples", "--classes", "--data", "--hidden", "--epochs", "--seed", "--frames",
                      "--frame-spacing", "--every", "--grid", "--grid-padding", "--record")


def recorded(options):
    """``(path, Recording)`` of the one recorded run among the SPECs, or ``(None, None)``; checked in one line."""
    from animator.recording import Recording

    paths = [text for text in options.specs if is_recording_path(text)]
    if not paths:
        return None, None
    if len(paths) > 1:
        raise UserError(f"compare races one recorded run against the book's optimizers (got {len(paths)})")
    given = [flag for flag in FIXED_BY_RECORDING
             if any(token == flag or token.startswith(flag + "=") for token in options.argv)]
    if given:
        raise UserError(f"{given[0]}: a race with a recorded run takes its data, network, epochs, frames and grid "
                        f"from {os.path.basename(paths[0])}; drop {given[0]}")
    recording = Recording.load(paths[0])
    if not recording.spec.recorded:
        raise UserError(f"{paths[0]}: a run animator trained, not a recorded one; race its optimizer by its SPEC")
    return paths[0], recording


def entrants(options):
    """The specs to race: a preset's, or each SPEC parsed once, before any training."""
    if options.preset:
        if options.specs:
            raise UserError("give either SPECs or --preset, not both")
        if options.preset not in NETWORK_RACES:
            raise UserError(f"unknown preset {options.preset!r} (choose from {', '.join(NETWORK_RACES)})")
        specs = list(NETWORK_RACES[options.preset])
    else:
        specs = [entrant(text) for text in options.specs if not is_recording_path(text)]
        specs[:0] = [None] * (len(options.specs) - len(specs))       # counted here, put in place by the caller
    if not 2 <= len(specs) <= 4:
        raise UserError(f"compare races 2 to 4 optimizers (got {len(specs)}); e.g. 'sgd adam' or --preset chapter")
    return specs


def run(options):
    path, recording = recorded(options)
    if recording is not None:
        return _run_recorded(options, path, recording)
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
    write(scene.animation(result, size=options.size, theme=options.theme, caption=options.caption), options, writer,
          described(scene.metadata(result, command_line(options)), options, data=options.data),
          **drawing(options, workers))
    return 0


def _run_recorded(options, path, recording):
    from animator.race import race
    from animator.race_recorded import book_config
    from renderers.race import RaceAnimation
    from renderers.render import run_metadata
    from renderers.words import START_TEXT

    position = list(options.specs).index(path)
    specs = [spec for spec in entrants(options) if spec is not None]
    config = book_config(recording)
    writer = check_outputs(options, RaceAnimation)
    check_poster(options, config)
    workers = check_budget(options, writer, len(recording.frame_epochs))
    bar = ProgressBar(len(specs) * (config.epochs + 1), "training", enabled=False if options.quiet else None)
    result = race([*specs[:position], recording, *specs[position:]],
                  workers=workers or min(os.cpu_count() or 1, 4), on_progress=lambda done, total: bar.update(done))
    bar.close()
    note(f"{START_TEXT[result.start]} ({os.path.basename(path)}: {recording.spec.source.text()})")
    if result.interrupted:
        note(f"interrupted; not rendering {options.output}")
        return exit_status()
    if not options.quiet:
        for k, (spec, run) in enumerate(zip(result.specs, result.recordings)):
            ending = (f"diverged at epoch {run.diverged_at}" if run.diverged_at is not None
                      else f"acc {run.accuracy[-1]:.3f}, loss {run.loss[-1]:.3f}")
            print(f"{describe(spec)}{' (yours)' if k in result.recorded else ''}: {ending}")
    shared = {key: value for key, value in asdict(result.config).items() if key not in ("optimizer", "hyperparameters")}
    spec = {"config": shared, "entrants": [spec.as_dict() for spec in result.specs], "recorded": position,
            "start": result.start, "source": recording.spec.source.to_json()}
    caption = " | ".join(describe(spec) + (" (yours)" if k == position else "") for k, spec in enumerate(result.specs))
    write(RaceAnimation(result, size=options.size, theme=options.theme), options, writer,
          described(run_metadata("race", caption, spec, command_line(options, recording=path)), options,
                    recording=path),
          **drawing(options, workers))
    return 0


register(Command(
    "compare",
    description="Train several optimizers on the same data from the same initial weights and render them "
                "in lock-step. A SPEC is NAME or NAME:key=value,... with the CLI's hyper-parameter names, "
                "e.g. sgd:lr=1,decay=1e-3,momentum=0.9 adagrad:decay=1e-4 "
                "rmsprop:lr=0.02,decay=1e-5,rho=0.999 adam:lr=0.05,decay=5e-7. One SPEC may be a run you "
                "recorded (mine.npz, from animator record): the race then takes its data, network, epochs and "
                "frames, and says whether the book's optimizers start from your very weights (your data and "
                "first weights are the book's, as when you follow the chapter under nnfs.init()) or, where they "
                "are not, from the book's own.",
    options=(
        Option(("specs",), "optimizers to race (2 to 4); one may be a recorded run, RUN.npz", nargs="*",
               metavar="SPEC", arguments=("specs",)),
        preset(presets.help_text("compare")),
        *training(optimizer=False),
        *animation_output("the race animation"),
        *story(show=False),
        *COMMON,
    ),
    run=run, reproducible=True))
