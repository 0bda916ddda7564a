"""A slide deck from finished animations: a titled slide each, with a caption, the animation, notes and alt text.

>>> make_deck([Slide("sgd.gif", "SGD · lr=1.0 · decay=0.001", title="Figure 17")], "lecture.pptx")  # doctest: +SKIP

GIFs go in as pictures (PowerPoint and LibreOffice play them in the slide
show) under a still of their poster that vanishes as the slide starts, MP4s as
videos showing their poster until they play (at the slide's start, or on a
click), PNGs as pictures.  The poster is what a printed handout or a PDF
export of the deck shows: the animation's last frame unless another is chosen,
or the ``NAME.poster.png`` beside it (:mod:`.deck_media`).  How slides are
built, on python-pptx's own presentation or a template's layouts and fonts, is
:mod:`.deck_pptx`.

The animations and a template are data from anywhere, read bounded and checked
before use (:mod:`.deck_media`, :func:`.deck_pptx.read_template`).  Text bound
for the deck's XML is checked (:func:`text_problem`) or cleaned
(:func:`deck_text`) first.

Decks are deterministic: python-pptx stamps the save time into the document
properties and the zip entries, so both are fixed here and the same inputs
give the same bytes.  python-pptx is the optional extra ``slides``.
"""

import datetime
import io
import os
import tempfile
import unicodedata
import zipfile
from dataclasses import dataclass

from animator.errors import ArgumentError, UserError
from animator.fileio import atomic_output
from animator.untrusted import shown

from . import deck_pptx as build
from .deck_media import MAX_INPUT_BYTES, check_poster, deck_extensions, input_size, mib, read_media
from .deck_pptx import ASPECTS, EMU_PER_INCH

__all__ = ["ASPECTS", "MAX_INPUT_BYTES", "Slide", "check_deck", "deck_extensions", "deck_text", "make_deck",
           "text_problem"]

FIXED_TIME = datetime.datetime(2000, 1, 1)   # document properties: no save time, same bytes every time
MAX_DECK_BYTES = 512 << 20
MAX_CAPTION_CHARS = 300
STARTS = ("auto", "click")                   # when a video plays: as its slide starts, or on a click


@dataclass(frozen=True)
class Slide:
    """One animation or still and its words: the caption under the title, the title (the caption when None),
    the speaker notes and the alt text (what the picture shows, for a screen reader)."""

    path: str
    caption: str
    title: str = None
    notes: str = ""
    alt: str = ""


# -- text bound for the deck's XML ------------------------------------------------------------------

_NOT_XML = {"Cc", "Cs"}                                       # controls and lone surrogates (undecodable bytes)
_BIDI = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")   # would reorder a caption on the slide


def text_problem(text, *, allow_newline=True):
    """What keeps ``text`` out of the deck (a control character, an undecodable byte), or None if nothing."""
    for position, char in enumerate(text, start=1):
        if char == "\n" and allow_newline:
            continue
        if unicodedata.category(char) in _NOT_XML or char in "\ufffe\uffff":
            kind = "an undecodable byte" if unicodedata.category(char) == "Cs" else "a control character"
            return f"has {kind} ({shown(char)}) at position {position}; give plain text"
    return None


def deck_text(text, *, limit=MAX_CAPTION_CHARS):
    """``text`` from a file (a description's caption, a file name) made fit for a slide: one line, valid XML.

    Line breaks and tabs become spaces, other control characters and bidi
    overrides are dropped, undecodable bytes become U+FFFD, and anything longer
    than ``limit`` characters is cut with an ellipsis.

    >>> deck_text("SGD\\x1b[2J · lr=1.0\\n")
    'SGD[2J · lr=1.0'
    """
    kept = []
    for char in text:
        category = unicodedata.category(char)
        if char in "\t\n\r\v\f" or category in ("Zl", "Zp"):
            kept.append(" ")
        elif category == "Cs" or char in "\ufffe\uffff":
            kept.append("\ufffd")
        elif category != "Cc" and char not in _BIDI:
            kept.append(char)
    cleaned = "".join(kept).strip()
    return cleaned if len(cleaned) <= limit else cleaned[:limit - 1].rstrip() + "…"


# -- checks that need no work -------------------------------------------------------------------------

def check_deck(paths, output, aspect, *, title=None, template=None):
    """Every check that needs no decoding: python-pptx present, the title, the target .pptx, the template's name,
    and the inputs: regular files named .gif/.mp4/.png, none and not all together too large for a deck."""
    pptx_module()
    if aspect is not None and aspect not in ASPECTS:
        raise UserError(f"unknown aspect {aspect!r} (choose from {', '.join(ASPECTS)})")
    if aspect is not None and template is not None:
        raise ArgumentError("aspect", "does not apply with a template: its slides have their own size")
    if title is not None:
        problem = text_problem(title)
        if problem:
            raise ArgumentError("title", problem)
    if not output.lower().endswith(".pptx"):
        raise UserError(f"{output}: a deck is written as .pptx")
    if template is not None:
        if not os.fspath(template).lower().endswith(".pptx"):
            raise ArgumentError("template", f"{shown(template)}: a template is a .pptx presentation")
        input_size(template)
    taken = deck_extensions()
    if not paths:
        raise UserError(f"give at least one animation ({_listed(taken)})")
    total = 0
    for path in paths:
        extension = os.path.splitext(path)[1].lower()
        if extension not in taken:
            raise UserError(f"{shown(path)}: not an animation a deck can hold (expected {_listed(taken)})")
        total += input_size(path)
    if total > MAX_DECK_BYTES:
        raise UserError(f"the animations add up to {mib(total)}, more than the {mib(MAX_DECK_BYTES)} a deck holds")


def _listed(extensions):
    names = list(extensions)
    return ", ".join(names[:-1]) + " or " + names[-1] if len(names) > 1 else "".join(names)


def pptx_module():
    try:
        import pptx
    except ImportError:
        raise UserError("decks need python-pptx: pip install 'animator[slides]'") from None
    return pptx


# -- the deck -------------------------------------------------------------------------------------------

def make_deck(slides, output, *, aspect=None, title=None, subtitle=None, template=None, poster=None, start="auto",
              loop=False, show_log=False):
    """Write ``slides`` (a list of :class:`Slide`) to the deck ``output``, atomically; return ``output``.

    ``aspect`` is ``16:9`` (the default) or ``4:3``, or ``template`` (a .pptx
    path) gives the slide size, layouts and fonts; ``poster`` chooses what a
    printout shows (``first``, ``last`` or a frame's index; None: the
    ``NAME.poster.png`` beside an animation, else its last frame); ``start``
    is when a video plays (``auto``: as its slide starts; ``click``) and
    ``loop`` plays it until the slide ends.  Every text must be XML-fit
    (:func:`text_problem`; clean text from files with :func:`deck_text`), else
    an :class:`ArgumentError`.  A damaged, bogus or oversized input is a
    one-line :class:`UserError` naming it, before anything is written.
    """
    pptx_module()
    check_deck([s.path for s in slides], output, aspect, title=title, template=template)
    poster = check_poster(poster)
    if start not in STARTS:
        raise ArgumentError("start", f"must be {' or '.join(STARTS)} (got {start!r})")
    for number, slide in enumerate(slides, start=1):
        for name, text in (("caption", slide.caption), ("title", slide.title), ("notes", slide.notes),
                           ("alt text", slide.alt)):
            problem = text_problem(text) if text is not None else None
            if problem:           # the library's words: no option of the command line gives a slide's text
                raise ArgumentError(name, f"{problem} (slide {number})")
    problem = text_problem(subtitle) if subtitle is not None else None
    if problem:
        raise UserError(f"the subtitle {problem}")
    template_bytes = build.read_template(template) if template is not None else None
    deck = build.new_presentation(aspect or "16:9", template_bytes, shown(template) if template else None)
    cover_layout, layout = build.layouts(deck)
    if title:
        cover = deck.slides.add_slide(cover_layout)
        cover.shapes.title.text = title
        subtitles = [ph for ph in cover.placeholders if ph.placeholder_format.idx != 0]
        if subtitles:
            subtitles[0].text = subtitle or ""
    with tempfile.TemporaryDirectory(prefix=".animator-deck-") as scratch:
        for number, slide in enumerate(slides, start=1):
            media = read_media(slide.path, os.path.join(scratch, f"input{number}"), poster=poster,
                               show_log=show_log)
            _add_slide(deck, layout, slide, media, number, start=start, loop=loop)
        core = deck.core_properties
        core.title = title or ""
        core.created = core.modified = FIXED_TIME
        core.last_modified_by = "animator"
        core.revision = 1
        buffer = io.BytesIO()
        deck.save(buffer)
    with atomic_output(output) as temporary:
        _deterministic_zip(buffer.getvalue(), temporary)
    return output


def _add_slide(deck, layout, slide, media, number, *, start, loop):
    """One slide: the title across the top, the caption under it, the animation filling the rest, centred."""
    page = deck.slides.add_slide(layout)
    width, height = deck.slide_width, deck.slide_height
    margin = round(0.3 * EMU_PER_INCH)
    for placeholder in list(page.placeholders):          # a layout's body or picture box: not used here
        if placeholder.placeholder_format.idx != 0:
            placeholder._element.getparent().remove(placeholder._element)
    heading = page.shapes.title
    heading_text = slide.title or slide.caption
    size, lines = build.fit(heading_text, heading.width, build.TITLE_SIZES)
    left, across = heading.left, heading.width
    heading.left, heading.width, heading.top = left, across, margin
    heading.height = build.box_height(size, lines)
    build.set_text(heading.text_frame, heading_text, size)
    top = heading.top + heading.height
    if slide.title and slide.caption and slide.caption != slide.title:
        size, lines = build.fit(slide.caption, width - 2 * margin, build.CAPTION_SIZES)
        box = page.shapes.add_textbox(margin, top, width - 2 * margin, build.box_height(size, lines))
        box.name = "Caption"
        build.set_text(box.text_frame, slide.caption, size)
        top += box.height
    left, top, w, h = _fit(media.size, width, height, margin, top + margin // 2)
    alt = slide.alt or slide.title or slide.caption
    if media.kind == "movie":
        shape = page.shapes.add_movie(io.BytesIO(media.data), left, top, w, h,
                                      poster_frame_image=io.BytesIO(media.poster), mime_type="video/mp4")
        build.describe_shape(shape, alt, f"Animation {number}")
        build.set_timing(page, video=shape.shape_id, autoplay=start == "auto", seconds=media.seconds, loop=loop)
    else:
        shape = page.shapes.add_picture(io.BytesIO(media.data), left, top, w, h)
        build.describe_shape(shape, alt, f"{'Figure' if media.still else 'Animation'} {number}")
        if not media.still:
            cover = page.shapes.add_picture(io.BytesIO(media.poster), left, top, w, h)
            build.describe_shape(cover, alt, f"Poster {number}")
            build.set_timing(page, hide=cover.shape_id)
    if slide.notes:
        page.notes_slide.notes_text_frame.text = slide.notes


def _fit(size, slide_w, slide_h, margin, top):
    """The largest box of the image's aspect inside the slide below ``top``, centred."""
    room_w, room_h = slide_w - 2 * margin, slide_h - top - margin
    width, height = size
    scale = min(room_w / width, room_h / height)
    w, h = max(1, round(width * scale)), max(1, round(height * scale))
    return (slide_w - w) // 2, top + (room_h - h) // 2, w, h


def _deterministic_zip(data, target):
    """Rewrite the package with every entry dated 1980-01-01, in the same order, so the bytes never vary."""
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o600 << 16
            out.writestr(fixed, source.read(info.filename))
