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
from animator.fileio import check_writable
from animator.progress import ProgressBar
from animator.run import versions
from animator.sweep import make_sweep, write_table
from animator.untrusted import shown
from animator.sweep_store import RecordingFolder, RunStore
from renderers.render import check_render_options, output_kind
from renderers.sweep import loss_text, settings_text
from renderers.sweep_player import check_player

from .commands import command_line, config_from_args, described, note, write
from .scenes import SweepScene

STORE_SUFFIX = ".runs"


def store_folder(table, output):
    """Where finished runs are kept: beside the table (``results.csv`` -> ``results.runs``), else beside the picture."""
    base = (table or output).rstrip(os.sep) or "sweep"
    return os.path.splitext(base)[0] + STORE_SUFFIX


def check_outputs(args, scene):
    """The table, the picture and the folders, before any run; returns the picture's kind (or None)."""
    if not args.table and not args.output:
        raise UserError("say where the results go: --table FILE.csv, -o PICTURE (.png map, .gif/.mp4 small "
                        "multiples, .html page), or both")
    if args.table:
        if os.path.splitext(args.table)[1].lower() != ".csv":
            raise UserError(f"{args.table}: the table is written as CSV, so it must end in .csv")
        check_writable(args.table)
    kind = None
    if args.output:
        kind = output_kind(args.output)
        if scene.is_page(kind):
            check_player(args.output, size=args.size, fps=args.fps, hold=args.hold)
        else:
            check_render_options(args.output, size=args.size, fps=args.fps, hold=args.hold,
                                 layout=scene.layout_for(kind))
    return kind


def cmd_sweep(args):
    config = config_from_args(args)
    sweep = make_sweep(args.optimizer, args.grids, args.set, config)
    scene = SweepScene(sweep)
    kind = check_outputs(args, scene)
    store = RunStore(store_folder(args.table, args.output)).prepare()
    save_runs = RecordingFolder(args.save_runs).prepare() if args.save_runs else None
    executor = executor_for(workers=args.workers, scheduler=args.scheduler)
    quiet = args.quiet
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
    if args.table:
        write_table(result, args.table)
        if not quiet:
            note(f"wrote {args.table} ({len(result.runs)} rows)")
    if kind is not None and scene.is_page(kind):
        bar = ProgressBar(len(result.runs), "drawing", enabled=False if quiet else None)
        scene.write_page(result, args.output, size=args.size, theme=args.theme, fps=args.fps, hold=args.hold,
                         workers=args.workers, progress=lambda done, total: bar.update(done),
                         metadata=described(scene.metadata(command_line(args)), args))
        bar.close()
        if not quiet:
            note(f"wrote {args.output} ({len(result.runs)} runs, {len(result.frame_epochs)} frames each)")
    elif kind is not None:
        write(scene.animation(result, kind, size=args.size, theme=args.theme), args, kind,
              described(scene.metadata(command_line(args)), args))
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
        print(f"best: {settings_text(result, best.cell, ', ')}: loss {loss_text(best.final_loss)}, "
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
