"""``animator slides FILE... -o lecture.pptx``: one slide per animation, captioned from the run's settings.

The caption is the one animator wrote into the file when it made it (its run's
optimizer and settings); a file from elsewhere is captioned with its name.  Both
are data from the file, so they are cleaned for the slide (``deck_text``), while
a --title the user typed is refused in one line if the deck cannot hold it.
"""

import os

from animator import __version__
from animator.errors import ArgumentError, UserError
from renderers.deck import Slide, check_deck, deck_text, make_deck
from renderers.writers import read_metadata

FLAGS = {"title": "--title"}      # make_deck's arguments the user typed as options


def caption_of(path):
    """The caption stored in an animator file, else the file's name without its extension, cleaned for a slide.

    A description is data: anything but a dict with a text ``caption`` counts
    as none, and a caption with control characters is cleaned, not refused.
    """
    try:
        metadata = read_metadata(path)
    except Exception:      # a foreign or damaged file still gets a slide, named after it
        metadata = None
    caption = metadata.get("caption") if isinstance(metadata, dict) else None
    caption = deck_text(caption) if isinstance(caption, str) else ""
    return caption or deck_text(os.path.splitext(os.path.basename(path))[0]) or "animation"


def cmd_slides(args):
    from .commands import note

    try:
        check_deck(args.files, args.output, args.aspect, title=args.title)
    except ArgumentError as error:
        raise UserError(error.worded(FLAGS)) from None
    slides = [Slide(path, caption_of(path)) for path in args.files]
    make_deck(slides, args.output, aspect=args.aspect, title=args.title,
              subtitle=f"made with animator {__version__}" if args.title else None)
    if not args.quiet:
        note(f"wrote {args.output}: {len(slides)} slide{'s' * (len(slides) != 1)}"
             f"{' and a title slide' if args.title else ''}, {args.aspect}")
    return 0


def add_parser(subcommands, common):
    """Declare ``animator slides``; ``common`` adds -q and --debug."""
    parser = subcommands.add_parser(
        "slides", help="make a PowerPoint deck: one slide per animation, with its caption",
        description="Make a .pptx deck with one slide per animation, in the order given: GIFs and PNGs as "
                    "pictures (GIFs play in the slide show), MP4s as videos showing their poster frame "
                    "(NAME.poster.png beside the video, written by --poster, or else its last frame). Each slide's "
                    "caption is the run's optimizer and settings, read from the file. Needs python-pptx "
                    "(pip install 'animator[slides]').")
    parser.add_argument("files", nargs="+", metavar="FILE", help="animations made by animator: .gif, .mp4 or .png")
    parser.add_argument("-o", "--output", required=True, metavar="DECK.pptx", help="the deck to write")
    parser.add_argument("--aspect", default="16:9", metavar="16:9|4:3",
                        help="slide shape (default: %(default)s)")
    parser.add_argument("--title", metavar="TEXT", default=None,
                        help="add a title slide with this title first (default: none)")
    common(parser)
    parser.set_defaults(handler=cmd_slides)
    return parser
