"""``animator landscape``: a race's paths on the chapter network's own loss landscape, a plane or a line."""

import argparse
from dataclasses import replace

from animator.chapter import NETWORK_RACES
from animator.errors import UserError
from animator.landscape import DIRECTIONS, PATH_POINTS, RESOLUTION, SLICES, check
from animator.progress import ProgressBar
from animator.race import entrant
from animator.run import RunConfig
from renderers.layout import describe

from .options import COMMON, animation_output, integer, training
from .registry import Command, Option, register
from .shared import check_budget, check_outputs, command_line, described, drawing, write

UNUSED = ("--grid", "--grid-padding", "--seed")      # decision regions are not drawn; --seed is the directions'


def centre(text) -> str:
    """An argparse type for one word of ``--centre``: start, mean, end, or an entrant after end."""
    if not text.strip():
        raise argparse.ArgumentTypeError("expected start, mean, end or end NAME")
    return text.strip()


def entrants(options):
    """The specs to race: a preset's, or each SPEC parsed once, before any training."""
    if options.preset:
        if options.specs:
            raise UserError("give either SPECs or --preset, not both")
        return list(NETWORK_RACES[options.preset])
    specs = [entrant(text) for text in options.specs]
    if not 1 <= len(specs) <= 4:
        raise UserError(f"landscape draws 1 to 4 optimizers (got {len(specs)}); e.g. 'sgd adam' or --preset chapter")
    return specs


def run(options):
    from ..scenes import LandscapeScene   # layouts import matplotlib: only when the command runs
    specs = entrants(options)
    if options.data is not None and options.dataset != "spiral":
        raise UserError("give either --data FILE.csv or --dataset, not both")
    if options.slice == "line" and (options.directions != "pca" or options.centre):
        raise UserError("--directions and --centre choose a plane; --slice line has none")
    check(slice=options.slice, directions=options.directions, resolution=options.resolution)
    config = RunConfig(dataset=options.dataset, samples=options.samples, classes=options.classes,
                       data_file=options.data, hidden=options.hidden, optimizer=specs[0].name,
                       hyperparameters=dict(specs[0].hyperparameters), epochs=options.epochs,
                       seed=options.train_seed, frames=options.frames, frame_spacing=options.frame_spacing,
                       every=options.every)
    scene = LandscapeScene(tuple(specs), config, slice=options.slice, directions=options.directions,
                           centre=" ".join(options.centre) if options.centre else None, seed=options.seed,
                           resolution=options.resolution, path_points=options.path_points)
    writer = check_outputs(options, scene.layout)
    workers = check_budget(options, writer, options.frames)
    quiet = False if options.quiet else None
    bar = ProgressBar(len(specs) * (config.epochs + 1), "training", enabled=quiet)
    grid = ProgressBar(1, "landscape", enabled=quiet)

    def on_grid(done, total):
        grid.total = max(total, 1)
        grid.update(done)

    try:
        result = scene.compute(workers=workers, on_progress=lambda done, total: bar.update(done), on_grid=on_grid)
    finally:
        bar.close()
        grid.close()
    if not options.quiet:
        for k, spec in enumerate(result.specs):
            print(f"{describe(spec)}: {scene.ending(result, k)}")
        if result.plane is not None and result.plane.explained is not None:
            print(f"the plane explains {result.plane.explained_share:.1%} of the paths' variance")
    write(scene.animation(result, size=options.size, theme=options.theme), options, writer,
          described(scene.metadata(result, command_line(options)), options, data=options.data),
          **drawing(options, workers))
    return 0


def _training_options():
    """The race's data, model, training and frame options, less what a landscape does not draw."""
    kept = [option for option in training(optimizer=False, book_log=False, record=False)
            if option.flags[0] not in UNUSED]
    seed = next(option for option in training(optimizer=False) if option.flags[0] == "--seed")
    return (*kept, replace(seed, flags=("--train-seed",), arguments=("train_seed",)))


register(Command(
    "landscape",
    description="Race optimizers from the same initial weights (as compare does) and draw every path on the "
                "network's own loss landscape, computed with training's arithmetic: on the plane of the paths' "
                "principal directions (or of random filter-normalized ones), or along the straight line from the "
                "initial weights through each run's final weights. A SPEC is NAME or NAME:key=value,... as for "
                "compare.",
    options=(
        Option(("specs",), "optimizers to race (1 to 4)", nargs="*", metavar="SPEC", arguments=("specs",
                                                                                             "recordings")),
        Option(("--preset",), "chapter: the chapter's four tuned optimizers, and/or a look for slides (slides, "
                              "beamer), each at most once; options given explicitly win (default: none)",
               metavar="NAME", action="append", arguments=("preset",)),
        Option(("--slice",), "plane: the loss on a plane through parameter space; line: along the straight line "
                             "from the initial weights through each run's final weights (default: %(default)s)",
               default="plane", choices=SLICES, arguments=("slice",), group="landscape"),
        Option(("--directions",), "pca: the plane of all paths' two principal directions; random: two "
                                  "filter-normalized random directions (Li et al.) (default: %(default)s)",
               default="pca", choices=DIRECTIONS, arguments=("directions",), group="landscape"),
        Option(("--centre",), "where the plane passes: start (the initial weights), mean (the paths' mean), end "
                              "(the first run's final weights) or end NAME (that run's, e.g. end adam) (default: "
                              "start, or end with --directions random)",
               type=centre, nargs="+", metavar="WHERE", arguments=("centre",), group="landscape"),
        Option(("--seed",), "the random directions' seed (default: %(default)s)", type=integer(0), default=0,
               metavar="N", arguments=("seed",), group="landscape"),
        Option(("--path-points",), "epochs whose weights each path keeps, evenly spread; the animation shows "
                                   "--frames of them (default: %(default)s)",
               type=integer(2), default=PATH_POINTS, metavar="N", arguments=("path_points",), group="landscape"),
        Option(("--resolution",), "the plane's grid of N x N losses, or N points per unit of the line "
                                  "(default: %(default)s)",
               type=integer(3), default=RESOLUTION, metavar="N", arguments=("resolution",), group="landscape"),
        *_training_options(),
        *animation_output("the landscape animation"),
        *COMMON,
    ),
    run=run, reproducible=True))
