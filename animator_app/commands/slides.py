"""``animator slides FILE... -o lecture.pptx``: one slide per animation, captioned from the run's settings."""

from animator import __version__
from renderers.deck import Slide, check_deck, deck_extensions, make_deck

from .. import slides
from .options import COMMON
from .registry import Command, Option, register
from .shared import note


def run(options):
    check_deck(options.files, options.output, options.aspect, title=options.title)
    chosen = [Slide(path, slides.caption_of(path)) for path in options.files]
    make_deck(chosen, options.output, aspect=options.aspect, title=options.title,
              subtitle=f"made with animator {__version__}" if options.title else None, show_log=options.debug)
    if not options.quiet:
        note(f"wrote {options.output}: {len(chosen)} slide{'s' * (len(chosen) != 1)}"
             f"{' and a title slide' if options.title else ''}, {options.aspect}")
    return 0


register(Command(
    "slides", help="make a PowerPoint deck: one slide per animation, with its caption",
    description="Make a .pptx deck with one slide per animation, in the order given: GIFs and PNGs as "
                "pictures (GIFs play in the slide show), MP4s as videos showing their poster frame "
                "(NAME.poster.png beside the video, written by --poster, or else its last frame). Each slide's "
                "caption is the run's optimizer and settings, read from the file. Needs python-pptx "
                "(pip install 'animator[slides]').",
    options=(
        Option(("files",), f"animations made by animator: {', '.join(deck_extensions())}", nargs="+",
               metavar="FILE"),
        Option(("-o", "--output"), "the deck to write", required=True, metavar="DECK.pptx"),
        Option(("--aspect",), "slide shape (default: %(default)s)", default="16:9", metavar="16:9|4:3"),
        Option(("--title",), "add a title slide with this title first (default: none)", metavar="TEXT",
               arguments=("title",)),
        *COMMON,
    ),
    run=run))
