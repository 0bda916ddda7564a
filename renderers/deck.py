"""A slide deck from finished animations: one slide each, the caption above, the animation below.

>>> make_deck([Slide("sgd.gif", "SGD · lr=1.0 · decay=0.001")], "lecture.pptx", aspect="4:3")   # doctest: +SKIP

GIFs go in as pictures (PowerPoint and LibreOffice play them in the slide show),
MP4s as videos showing a poster frame until they play, PNGs as pictures.  The
poster is what a printed handout or a PDF export of the deck shows, so a video
always gets one: ``NAME.poster.png`` beside it (``--poster`` writes it) or else
its last frame.

Decks are deterministic: python-pptx stamps the save time into the document
properties and the zip entries, so both are fixed here and the same inputs
give the same bytes.  python-pptx is the optional extra ``slides``.
"""

import datetime
import io
import os
import tempfile
import zipfile
from dataclasses import dataclass

import numpy as np
from PIL import Image

from animator.errors import UserError
from animator.fileio import atomic_output

ASPECTS = {"16:9": (13.333, 7.5), "4:3": (10.0, 7.5)}   # slide size in inches, as PowerPoint's own
KINDS = {".gif": "picture", ".png": "picture", ".mp4": "movie"}
EMU_PER_INCH = 914400
FIXED_TIME = datetime.datetime(2000, 1, 1)   # document properties: no save time, same bytes every time


@dataclass(frozen=True)
class Slide:
    """One animation and the caption shown above it."""

    path: str
    caption: str


def check_deck(paths, output, aspect):
    """Every check that needs no work: python-pptx present, inputs exist and are GIF/MP4/PNG, the target .pptx."""
    pptx_module()
    if aspect not in ASPECTS:
        raise UserError(f"unknown aspect {aspect!r} (choose from {', '.join(ASPECTS)})")
    if not output.lower().endswith(".pptx"):
        raise UserError(f"{output}: a deck is written as .pptx")
    if not paths:
        raise UserError("give at least one animation (.gif, .mp4 or .png)")
    for path in paths:
        extension = os.path.splitext(path)[1].lower()
        if extension not in KINDS:
            raise UserError(f"{path}: not an animation a deck can hold (expected .gif, .mp4 or .png)")
        if not os.path.isfile(path):
            raise UserError(f"{path}: no such file")


def pptx_module():
    try:
        import pptx
    except ImportError:
        raise UserError("decks need python-pptx: pip install 'animator[slides]'") from None
    return pptx


def make_deck(slides, output, *, aspect="16:9", title=None, subtitle=None):
    """Write ``slides`` (a list of :class:`Slide`) to the deck ``output``, atomically; return ``output``."""
    pptx = pptx_module()
    from pptx.util import Emu, Pt

    check_deck([s.path for s in slides], output, aspect)
    width_in, height_in = ASPECTS[aspect]
    deck = pptx.Presentation()
    deck.slide_width, deck.slide_height = Emu(round(width_in * EMU_PER_INCH)), Emu(round(height_in * EMU_PER_INCH))
    if title:
        cover = deck.slides.add_slide(deck.slide_layouts[0])
        cover.shapes.title.text = title
        cover.placeholders[1].text = subtitle or ""
    blank = deck.slide_layouts[6]
    margin = round(0.35 * EMU_PER_INCH)
    caption_h = round(0.8 * EMU_PER_INCH)
    with tempfile.TemporaryDirectory(prefix=".animator-deck-") as scratch:
        for number, slide in enumerate(slides, start=1):
            page = deck.slides.add_slide(blank)
            box = page.shapes.add_textbox(margin, margin, deck.slide_width - 2 * margin, caption_h)
            frame = box.text_frame
            frame.word_wrap = True
            frame.text = slide.caption
            frame.paragraphs[0].runs[0].font.size = Pt(24 if aspect == "16:9" else 22)
            left, top, w, h = _fit(_pixel_size(slide.path), deck.slide_width, deck.slide_height,
                                   margin, margin + caption_h)
            if KINDS[os.path.splitext(slide.path)[1].lower()] == "movie":
                poster = _poster(slide.path, os.path.join(scratch, f"poster{number}.png"))
                page.shapes.add_movie(slide.path, left, top, w, h, poster_frame_image=poster, mime_type="video/mp4")
            else:
                page.shapes.add_picture(slide.path, left, top, w, h)
        core = deck.core_properties
        core.title = title or ""
        core.created = core.modified = FIXED_TIME
        core.last_modified_by = "animator"
        buffer = io.BytesIO()
        deck.save(buffer)
    with atomic_output(output) as temporary:
        _deterministic_zip(buffer.getvalue(), temporary)
    return output


def _pixel_size(path):
    if path.lower().endswith(".mp4"):
        reader = _mp4_reader(path)
        try:
            return tuple(reader.get_meta_data()["size"])
        finally:
            reader.close()
    with Image.open(path) as image:
        return image.size


def _mp4_reader(path):
    import imageio.v2 as imageio
    return imageio.get_reader(path, format="FFMPEG")


def _fit(size, slide_w, slide_h, margin, top):
    """The largest box of the image's aspect inside the slide below the caption, centred."""
    room_w, room_h = slide_w - 2 * margin, slide_h - top - margin
    width, height = size
    scale = min(room_w / width, room_h / height)
    w, h = round(width * scale), round(height * scale)
    return (slide_w - w) // 2, top + (room_h - h) // 2, w, h


def _poster(path, scratch_png):
    """``NAME.poster.png`` beside the video if there is one, else its last frame written to ``scratch_png``."""
    beside = os.path.splitext(path)[0] + ".poster.png"
    if os.path.isfile(beside):
        return beside
    reader = _mp4_reader(path)
    try:
        last = None
        for last in reader:
            pass
    finally:
        reader.close()
    if last is None:
        raise UserError(f"{path}: the video has no frames")
    Image.fromarray(np.asarray(last)).save(scratch_png, format="PNG")
    return scratch_png


def _deterministic_zip(data, target):
    """Rewrite the package with every entry dated 1980-01-01, in the same order, so the bytes never vary."""
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o600 << 16
            out.writestr(fixed, source.read(info.filename))
