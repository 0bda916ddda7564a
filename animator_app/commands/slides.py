"""``animator slides FILE... -o lecture.pptx`` (or ``lecture.tex``): one titled slide per animation, with notes.

Given one folder made by ``animator book``, the slides are its figures in the
chapter's order with the chapter's words (:mod:`animator_app.slides`).
"""

import os

from animator import __version__
from animator.errors import UserError
from animator.untrusted import shown
from renderers.deck import STARTS, check_deck, deck_extensions, make_deck

from .. import slides
from .options import COMMON
from .registry import Command, Option, register
from .shared import note

SOURCES = (".pptx", ".tex")


def run(options):
    kind = os.path.splitext(options.output)[1].lower()
    if kind not in SOURCES:
        raise UserError(f"{options.output}: a deck is written as .pptx (PowerPoint) or .tex (a Beamer source)")
    paths = list(options.files)
    if len(paths) > 1 and any(slides.is_book(path) for path in paths):
        folder = next(path for path in paths if slides.is_book(path))
        raise UserError(f"{shown(folder)}: give one book folder alone, or animation files")
    chosen = None
    if len(paths) == 1 and slides.is_book(paths[0]):
        chosen = slides.book_lecture(paths[0])
        if not chosen.slides:
            raise UserError(f"{shown(paths[0])}: holds none of the book's figures (as animator book writes them)")
        paths = [slide.path for slide in chosen.slides]
    subtitle = f"made with animator {__version__}" if options.title else None
    if kind == ".tex":
        from renderers.beamer import check_beamer, make_beamer
        if options.template is not None:
            raise UserError("--template is for a .pptx deck; a Beamer source takes its look from its theme")
        check_beamer(paths, options.output, options.aspect, title=options.title)
    else:
        check_deck(paths, options.output, options.aspect, title=options.title, template=options.template)
    chosen = chosen or slides.lecture(paths)
    settings = dict(aspect=options.aspect, title=options.title, subtitle=subtitle, poster=options.poster,
                    start=options.start, loop=options.loop, show_log=options.debug)
    if kind == ".tex":
        make_beamer(list(chosen.slides), options.output, **settings)
    else:
        make_deck(list(chosen.slides), options.output, template=options.template, **settings)
    if not options.quiet:
        if chosen.missing:
            note(f"not in {shown(options.files[0])}, so left out: {', '.join(chosen.missing)}")
        count = len(chosen.slides)
        shape = "the template's size" if options.template else options.aspect or "16:9"
        note(f"wrote {options.output}: {count} slide{'s' * (count != 1)}"
             f"{' and a title slide' if options.title else ''}, {shape}")
    return 0


register(Command(
    "slides",
    description="Make a .pptx deck (or, with -o NAME.tex, a LaTeX Beamer source) with one titled slide per "
                "animation, in the order given: GIFs and PNGs as pictures (GIFs play in the slide show), MP4s as "
                "videos. A printout or PDF export shows each animation's poster: its last frame, or --poster's "
                "choice, or else NAME.poster.png beside it. Each slide's title is the run's optimizer and settings, "
                "read from the file. Given a folder made by 'animator book', the slides are its figures in the "
                "chapter's order, titled with their figure numbers, with the chapter's explanation as speaker "
                "notes. Needs python-pptx for .pptx (pip install 'animator[slides]'); a .tex also writes a folder "
                "of frames beside it, for LaTeX's animate package.",
    options=(
        Option(("files",), f"animations made by animator ({', '.join(deck_extensions())}), or one folder made "
                           f"by animator book", nargs="+", metavar="FILE"),
        Option(("-o", "--output"), "the deck to write: .pptx, or .tex for Beamer", required=True,
               metavar="DECK.pptx|DECK.tex"),
        Option(("--aspect",), "slide shape (default: 16:9, or the template's)", metavar="16:9|4:3",
               arguments=("aspect",)),
        Option(("--title",), "add a title slide with this title first (default: none)", metavar="TEXT",
               arguments=("title",)),
        Option(("--poster",), "what a printout or PDF shows of each animation: first, last or a frame number "
                              "from 0 (default: NAME.poster.png beside it, else the last frame)",
               metavar="first|last|N", arguments=("poster",)),
        Option(("--start",), "when videos play: auto, as their slide starts, or on a click (default: %(default)s)",
               default="auto", choices=STARTS, arguments=("start",)),
        Option(("--loop",), "play each video until its slide ends, not once (default: once)", action="store_true"),
        Option(("--template",), "a .pptx whose slide size, layouts and fonts the deck uses (default: none)",
               metavar="FILE.pptx", arguments=("template",)),
        *COMMON,
    ),
    run=run))
