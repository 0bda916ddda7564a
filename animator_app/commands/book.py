"""``animator book``: every figure of the chapter into one folder, with an index.html gallery."""

import os
import time

from renderers.writers import format_bytes
from renderers.writers.registry import animation_formats

from .. import presets
from .options import COMMON, delivery, integer, picture, preset, with_help
from .registry import Command, Option, register
from .shared import command_line, fit_note, note

SIZE, FPS, HOLD, THEME, SCALE = picture(None)


def book_options(options):
    """The book's options from its parsed command line (``reproduce`` makes one figure of a book with them)."""
    from ..book import BookOptions

    return BookOptions(epochs=options.epochs, frames=options.frames, size=options.size, fps=options.fps,
                       hold=options.hold, format=options.format, theme=options.theme, max_bytes=options.max_bytes,
                       poster=options.poster, loop=options.loop, command=tuple(command_line(options)))


def run(options):
    from ..book import check_book_options, make_book

    chosen = book_options(options)
    check_book_options(options.output, chosen)
    started = time.monotonic()
    fitted = []                                   # every animation a byte budget measured: one summary at the end

    def report(done, total, name, seconds, error, outputs=(), notes=()):
        if error:
            note(f"[{done}/{total}] {name}: FAILED: {error}")
        damaged = [text for text in notes if "damaged" in text]
        fitted.extend(output.fit for output in outputs if output.fit is not None)
        if not options.quiet and not error:
            # a figure's own line says what its budget reduced; a figure that fit as it was says nothing of it
            fits = [f"{output.filename}: {fit_note(output.fit)}" for output in outputs
                    if output.fit is not None and output.fit.reductions]
            reused = "".join(f", {text}" for text in notes if "damaged" not in text)
            note(f"[{done}/{total}] {name} ({seconds:.1f}s{reused})"
                 + "".join(f"\n  {line}" for line in fits + damaged))
        elif damaged:
            note("".join(f"  {line}\n" for line in damaged).rstrip("\n"))

    _, failures = make_book(options.output, chosen, workers=options.jobs, report=report,
                            cache=options.cache, force=options.force)
    elapsed = time.monotonic() - started
    if failures:
        note(f"{len(failures)} figure{'s' if len(failures) != 1 else ''} failed; the rest are in {options.output}/ "
             f"(index.html lists them), {elapsed:.0f}s")
        return 1
    if not options.quiet:
        if fitted:
            note(budget_summary(fitted))
        note(f"wrote every figure and {os.path.join(options.output, 'index.html')} in {elapsed:.0f}s")
    return 0


def budget_summary(fits):
    """``--max-bytes 10 MB: 24 animations fit, 2 of them reduced; the largest is 9.61 MB``."""
    reduced = sum(1 for fit in fits if fit.reductions)
    return (f"--max-bytes {format_bytes(fits[0].budget)}: {len(fits)} animation{'s' if len(fits) != 1 else ''} fit, "
            f"{reduced} of them reduced; the largest is {format_bytes(max(fit.bytes for fit in fits))}")


register(Command(
    "book",
    description="Regenerate every figure of Chapter 10 into one folder: the training animations "
                "(Figure 1, Figures 15-21, Adam), the ball-on-a-curve figures (2-13), Figure 14, "
                "optimizer races, and an index.html gallery.",
    options=(
        Option(("-o", "--output"), "folder to write into (default: %(default)s)", metavar="DIR", default="outputs",
               arguments=("output",)),
        Option(("--epochs",), "epochs of every training run (default: %(default)s)", type=integer(0), default=10000,
               metavar="N", arguments=("epochs",)),
        Option(("--frames",), "frames of every training animation (default: %(default)s)", type=integer(2),
               default=200, metavar="N", arguments=("frames", "max_frames")),
        with_help(SIZE, SIZE.help),
        with_help(FPS, "frames per second (default: 25)"),
        with_help(HOLD, "show each last frame this much longer (default: %(default)s)"),
        Option(("--format",), "animation format (default: %(default)s)", default=animation_formats()[0],
               choices=tuple(animation_formats()), arguments=("format",)),
        with_help(THEME, "look: default, book, dark, or projector (the default look at projector scale) "
                         "(default: %(default)s)"),
        with_help(SCALE, "screen or projector (larger type, thicker lines) (default: screen; projector with "
                         "--theme projector or a preset)"),
        Option(("--jobs",), "figures made at once (default: one per core, at most 4)", type=integer(1), metavar="N",
               arguments=("jobs",)),
        Option(("--cache",), "keep every training run's Recording here, keyed by its full settings and the engine's "
                             "version and code, and a record of each figure's files, so a second book trains only "
                             "runs it has not seen and redraws only figures whose options changed (default: the "
                             "runs in your cache folder, ~/.cache/animator/runs, shared by every book, so another "
                             "theme or size trains nothing; the records in OUTPUT/.animator-cache)", metavar="DIR"),
        Option(("--force",), "compute and draw everything again, ignoring (and then refreshing) the cache "
                             "(default: off)", action="store_true"),
        *delivery(),
        *COMMON,
        preset(presets.help_text("book")),
    ),
    run=run, reproducible=True))
