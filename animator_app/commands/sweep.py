"""``animator sweep``: every combination of one or two grids of hyper-parameters, as a table and a picture.

Everything is checked before the first run (grids, settings, outputs, the
frame size, the folders); then the runs train where ``--workers`` or
``--scheduler`` says, each finished run is kept in the resume folder beside
the table as it arrives, and the table and the picture are written at the
end.  Ctrl-C stops the runs and writes neither; the same command run again
takes the finished runs from the folder and trains only the rest.
"""

import os
import time

from animator.errors import UserError
from animator.executors import executor_for
from animator.optimizers import DEFAULT as DEFAULT_OPTIMIZER, OPTIMIZERS, OptimizerSpec
from animator.fileio import check_writable
from animator.progress import ProgressBar
from animator.run import versions
from animator.sweep import write_table
from animator.untrusted import shown
from animator.sweep_store import RecordingFolder, RunStore
from renderers.render import check_render_options
from renderers.writers import writer_for
from renderers.words import settings_text, short_loss_text

from ..grammar import sweep_from_text
from .options import COMMON, HYPERPARAMETERS, extensions, integer, picture, training
from .registry import Command, Option, register
from .shared import command_line, described, note, run_config, write

STORE_SUFFIX = ".runs"


def store_folder(table, output):
    """Where finished runs are kept: beside the table (``results.csv`` -> ``results.runs``), else beside the picture."""
    base = (table or output).rstrip(os.sep) or "sweep"
    return os.path.splitext(base)[0] + STORE_SUFFIX


def check_outputs(options, scene):
    """The table, the picture and the folders, before any run; returns the picture's writer class (or None).

    The writer is chosen once, here, from -o; a picture's options are checked once, here, and not again when
    it is written.
    """
    if not options.table and not options.output:
        raise UserError("say where the results go: --table FILE.csv, -o PICTURE (.png map, .gif/.mp4 small "
                        "multiples, .html page), or both")
    if options.table:
        if os.path.splitext(options.table)[1].lower() != ".csv":
            raise UserError(f"{options.table}: the table is written as CSV, so it must end in .csv")
        check_writable(options.table)
    writer = None
    if options.output:
        writer = writer_for(options.output)
        if scene.is_page(writer.KIND):
            from renderers.sweep_player import check_player   # the page's layouts import matplotlib
            check_player(options.output, size=options.size, fps=options.fps, hold=options.hold)
        else:
            check_render_options(options.output, writer=writer, size=options.size, fps=options.fps,
                                 hold=options.hold, layout=scene.layout_for(writer.KIND))
    return writer


def run(options):
    from ..scenes import SweepScene   # layouts import matplotlib: only when the command runs
    config = run_config(options, optimizer=OptimizerSpec(options.optimizer, {}))   # the grids set the rest
    sweep = sweep_from_text(options.optimizer, list(options.grids), list(options.set), config)
    scene = SweepScene(sweep)
    writer = check_outputs(options, scene)
    store = RunStore(store_folder(options.table, options.output)).prepare()
    save_runs = RecordingFolder(options.save_runs).prepare() if options.save_runs else None
    executor = executor_for(workers=options.workers, scheduler=options.scheduler)
    quiet = options.quiet
    bar = ProgressBar(1, f"{len(sweep)} runs", enabled=False if quiet else None)
    arrived = [0]

    def progress(done, total):
        bar.total = max(total, 1)
        bar.update(done, f"{arrived[0]} finished")

    def on_run(done, total, summary):
        arrived[0] = done            # resumed runs included

    started = time.monotonic()
    try:
        result = scene.compute(executor=executor, store=store, save_runs=save_runs, on_progress=progress,
                               on_run=on_run)
    except KeyboardInterrupt:
        bar.close()
        note(f"{arrived[0]} run{'s' if arrived[0] != 1 else ''} finished before the interruption "
             f"{'are' if arrived[0] != 1 else 'is'} kept in {store.directory}/; the same command resumes from them")
        raise
    bar.close()
    elapsed = time.monotonic() - started
    if result.rejected:
        count = len(result.rejected)
        note(f"note: {count} stored run{'s' if count != 1 else ''} in {store.directory}/ did not verify and "
             f"{'were' if count != 1 else 'was'} trained again (first: {shown(result.rejected[0])})")
    if not quiet:
        report(result, store, executor, elapsed)
    if options.table:
        write_table(result, options.table)
        if not quiet:
            note(f"wrote {options.table} ({len(result.runs)} rows)")
    if writer is not None and scene.is_page(writer.KIND):
        bar = ProgressBar(len(result.runs), "drawing", enabled=False if quiet else None)
        scene.write_page(result, options.output, size=options.size, theme=options.theme, fps=options.fps,
                         hold=options.hold, workers=options.workers, progress=lambda done, total: bar.update(done),
                         metadata=described(scene.metadata(command_line(options)), options, data=options.data))
        bar.close()
        if not quiet:
            note(f"wrote {options.output} ({len(result.runs)} runs, {len(result.frame_epochs)} frames each)")
    elif writer is not None:
        write(scene.animation(result, writer.KIND, size=options.size, theme=options.theme), options, writer,
              described(scene.metadata(command_line(options)), options, data=options.data), workers=options.workers)
    return 0


def report(result, store, executor, elapsed):
    """What the sweep found, on stdout: how the runs were made, the best one, the diverged ones."""
    total, resumed = len(result.runs), result.resumed
    trained = f"{total - resumed} trained"
    if total > resumed:
        workers = min(executor.workers, total - resumed) or executor.workers
        trained += f" on {workers} worker{'s' if workers != 1 else ''} in {elapsed:.1f} s"
    if resumed:
        print(f"{total} runs: {resumed} finished earlier (kept in {store.directory}/), {trained}")
    else:
        print(f"{total} runs {trained[len(str(total)) + 1:]}")
    best = result.best()
    if best is not None:
        print(f"best: {settings_text(result, best.cell, ', ')}: loss {short_loss_text(best.final_loss)}, "
              f"accuracy {best.final_accuracy:.3f} (best {best.best_accuracy:.3f} at epoch {best.best_epoch})")
    else:
        print("every run diverged")
    if result.diverged:
        cells = "; ".join(settings_text(result, r.cell, ", ") + f" at epoch {r.diverged_at}"
                          for r in result.diverged[:6])
        more = f"; and {len(result.diverged) - 6} more" if len(result.diverged) > 6 else ""
        print(f"diverged: {cells}{more}")
    here = versions()
    for run in result.runs:
        other = {k: v for k, v in run.versions.items() if here.get(k) != v}
        if other:
            note("note: some runs were trained with " + ", ".join(f"{k} {v}" for k, v in other.items())
                 + " (here " + ", ".join(f"{k} {here.get(k)}" for k in other) + "); their last bits may differ")
            break


RESULTS, WHERE = "results", "where the runs train"

register(Command(
    "sweep",
    description="Train one run for every combination of one or two grids of an optimizer's hyper-parameters "
                "(same data, same initial weights, the book's arithmetic) and write a table of the results "
                "and a picture of them. Runs train on every core, or on a Dask cluster with --scheduler. "
                "Each finished run is kept in a folder beside the table (results.csv: results.runs/), so a "
                "sweep stopped with Ctrl-C resumes where it stopped when the same command is run again. "
                "Example: animator sweep --grid lr=0.01..10/8 --grid momentum=0,0.5,0.9 --set decay=1e-3 "
                "--table results.csv -o map.png",
    options=(
        Option(("--optimizer",), "optimizer of every run (default: %(default)s)", default=DEFAULT_OPTIMIZER,
               choices=tuple(OPTIMIZERS), arguments=("optimizer",)),
        Option(("--grid",), "one hyper-parameter's values, given once or twice: NAME=V1,V2,... "
                            "(e.g. momentum=0,0.5,0.9) or NAME=LOW..HIGH/N for N values spaced evenly on a "
                            "log scale from LOW to HIGH (e.g. lr=0.001..10/8; the values between the ends "
                            "rounded to 3 significant digits); NAME is one the optimizer takes: "
                            + ", ".join(HYPERPARAMETERS),
               dest="grids", action="append", required=True, metavar="NAME=VALUES", arguments=("grids",)),
        Option(("--set",), "fix another hyper-parameter for every run, e.g. --set decay=1e-3; repeatable "
                           "(default: the optimizer's own defaults)",
               action="append", default=[], metavar="NAME=V", arguments=("settings",)),
        *training(optimizer=False, resolution="--resolution", book_log=False, record=False, frames=40, grid=48),
        Option(("--table",), "one row per run: optimizer, every hyper-parameter, final_loss, final_accuracy, "
                             "best_accuracy, best_epoch, diverged_at (empty if none), seconds (default: none)",
               metavar="FILE.csv", arguments=("table",), group=RESULTS),
        Option(("-o", "--output"), f"the picture: a still ({', '.join(extensions(still=True))}) a map of final loss "
                                   f"and accuracy; an animation ({', '.join(extensions(still=False))} or a "
                                   f"directory/) every run's decision regions side by side; a player page "
                                   f"({', '.join(extensions(player=True))}) with a slider per grid (default: none)",
               metavar="PATH", arguments=("output",), group=RESULTS),
        Option(("--save-runs",), "also save every run's whole Recording in DIR, named by its settings "
                                 "(default: only summaries come back from the workers)",
               metavar="DIR", arguments=("save_runs",), group=RESULTS),
        Option(("--workers",), "processes training runs on this machine, which also draw the picture "
                               "(default: one per core)", type=integer(1), metavar="N", arguments=("workers",),
               group=WHERE),
        Option(("--scheduler",), "send the runs to this Dask distributed scheduler instead (needs the dask extra: "
                                 "pip install -e '.[dask]'; default: this machine)",
               metavar="tcp://HOST:PORT", arguments=("scheduler",), group=WHERE),
        *picture("picture (when -o is given)"),
        *COMMON,
    ),
    run=run, reproducible=True))
