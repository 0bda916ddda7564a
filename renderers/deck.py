"""A slide deck from finished animations: one slide each, the caption above, the animation below.

>>> make_deck([Slide("sgd.gif", "SGD · lr=1.0 · decay=0.001")], "lecture.pptx", aspect="4:3")   # doctest: +SKIP

GIFs go in as pictures (PowerPoint and LibreOffice play them in the slide show),
MP4s as videos showing a poster frame until they play, PNGs as pictures.  The
poster is what a printed handout or a PDF export of the deck shows, so a video
always gets one: ``NAME.poster.png`` beside it (``--poster`` writes it) or else
its last frame.

The animations are data from anywhere (a downloaded GIF, a shared folder), so
each is read once, bounded, as a regular file (:mod:`animator.untrusted`); a
picture's declared size is checked before Pillow opens it, a video is decoded
by ffmpeg with a pixel limit and a timeout, and what the deck embeds is exactly
the bytes that were checked.  Text bound for the deck's XML is checked
(:func:`text_problem`) or cleaned (:func:`deck_text`) first.

Decks are deterministic: python-pptx stamps the save time into the document
properties and the zip entries, so both are fixed here and the same inputs
give the same bytes.  python-pptx is the optional extra ``slides``.
"""

import datetime
import io
import os
import re
import struct
import subprocess
import tempfile
import unicodedata
import warnings
import zipfile
from dataclasses import dataclass

from PIL import Image

from animator.errors import ArgumentError, UserError
from animator.fileio import atomic_output
from animator.untrusted import Untrusted, open_input, read_bounded, shown

from .writers.registry import formats

ASPECTS = {"16:9": (13.333, 7.5), "4:3": (10.0, 7.5)}   # slide size in inches, as PowerPoint's own
EMU_PER_INCH = 914400
FIXED_TIME = datetime.datetime(2000, 1, 1)   # document properties: no save time, same bytes every time
# The deck holds every animation whole, in memory while it is made: far above any animator writes,
# far below what would exhaust a laptop.
MAX_INPUT_BYTES = 256 << 20
MAX_DECK_BYTES = 512 << 20
MAX_CAPTION_CHARS = 300
FFMPEG_TIMEOUT = 60            # seconds to decode a video's last second; a sane file needs well under one


@dataclass(frozen=True)
class Slide:
    """One animation and the caption shown above it."""

    path: str
    caption: str


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

def check_deck(paths, output, aspect, *, title=None):
    """Every check that needs no decoding: python-pptx present, the title, the target .pptx, and
    the inputs: regular files named .gif/.mp4/.png, none and not all together too large for a deck."""
    pptx_module()
    if aspect not in ASPECTS:
        raise UserError(f"unknown aspect {aspect!r} (choose from {', '.join(ASPECTS)})")
    if title is not None:
        problem = text_problem(title)
        if problem:
            raise ArgumentError("title", problem)
    if not output.lower().endswith(".pptx"):
        raise UserError(f"{output}: a deck is written as .pptx")
    taken = deck_extensions()
    if not paths:
        raise UserError(f"give at least one animation ({_listed(taken)})")
    total = 0
    for path in paths:
        extension = os.path.splitext(path)[1].lower()
        if extension not in taken:
            raise UserError(f"{shown(path)}: not an animation a deck can hold (expected {_listed(taken)})")
        total += _input_size(path)
    if total > MAX_DECK_BYTES:
        raise UserError(f"the animations add up to {_mib(total)}, more than the {_mib(MAX_DECK_BYTES)} a deck holds")


def deck_extensions():
    """Extension -> the writer of each format a deck takes (its ``DECK``: a picture or a movie)."""
    return {extension: writer for writer in formats() if writer.DECK for extension in writer.EXTENSIONS}


def _listed(extensions):
    names = list(extensions)
    return ", ".join(names[:-1]) + " or " + names[-1] if len(names) > 1 else "".join(names)


def _input_size(path):
    """The size of the regular file ``path``, refused in one line if it is empty or larger than a slide takes."""
    label = shown(path)
    with open_input(path, what=label) as handle:
        size = os.fstat(handle.fileno()).st_size
    if size == 0:
        raise Untrusted(f"{label}: is empty")
    if size > MAX_INPUT_BYTES:
        raise Untrusted(f"{label}: {_mib(size)}, more than the {_mib(MAX_INPUT_BYTES)} a slide takes")
    return size


def _mib(count):
    return f"{count / (1 << 20):.4g} MiB"


def pptx_module():
    try:
        import pptx
    except ImportError:
        raise UserError("decks need python-pptx: pip install 'animator[slides]'") from None
    return pptx


# -- the deck -------------------------------------------------------------------------------------------

def make_deck(slides, output, *, aspect="16:9", title=None, subtitle=None, show_log=False):
    """Write ``slides`` (a list of :class:`Slide`) to the deck ``output``, atomically; return ``output``.

    Captions, title and subtitle must be XML-fit text (:func:`text_problem`;
    clean text from files with :func:`deck_text`), else an :class:`ArgumentError`.
    A damaged, bogus or oversized animation is a one-line :class:`UserError`
    naming it, before anything is written.
    """
    pptx = pptx_module()
    from pptx.util import Emu, Pt

    check_deck([s.path for s in slides], output, aspect, title=title)
    for name, text in [("subtitle", subtitle)] + [("caption", s.caption) for s in slides]:
        problem = text_problem(text) if text is not None else None
        if problem:
            raise ArgumentError(name, problem)
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
            for paragraph in frame.paragraphs:
                for run in paragraph.runs:
                    run.font.size = Pt(24 if aspect == "16:9" else 22)
            if deck_extensions()[os.path.splitext(slide.path)[1].lower()].DECK == "movie":
                video = _read_video(slide.path, os.path.join(scratch, f"video{number}"), show_log=show_log)
                left, top, w, h = _fit(video.size, deck.slide_width, deck.slide_height, margin, margin + caption_h)
                shape = page.shapes.add_movie(io.BytesIO(video.data), left, top, w, h,
                                              poster_frame_image=io.BytesIO(video.poster), mime_type="video/mp4")
            else:
                picture = _read_picture(slide.path)
                left, top, w, h = _fit(picture.size, deck.slide_width, deck.slide_height, margin, margin + caption_h)
                shape = page.shapes.add_picture(io.BytesIO(picture.data), left, top, w, h)
            shape.name = deck_text(os.path.basename(slide.path)) or f"animation {number}"
        core = deck.core_properties
        core.title = title or ""
        core.created = core.modified = FIXED_TIME
        core.last_modified_by = "animator"
        buffer = io.BytesIO()
        deck.save(buffer)
    with atomic_output(output) as temporary:
        _deterministic_zip(buffer.getvalue(), temporary)
    return output


@dataclass(frozen=True)
class _Picture:
    data: bytes
    size: tuple


@dataclass(frozen=True)
class _Video:
    data: bytes
    size: tuple
    poster: bytes


def _read_picture(path, *, what=None):
    """The bytes and pixel size of the GIF or PNG ``path``, its declared size checked before Pillow opens it."""
    label = what or shown(path)
    data = read_bounded(path, MAX_INPUT_BYTES, what=label)
    extension = os.path.splitext(path)[1].lower()
    writer = deck_extensions()[extension]
    if not data.startswith(writer.SIGNATURES):
        raise Untrusted(f"{label}: not a {extension[1:].upper()} file")
    declared = writer.declared_size(data)
    if declared is None:
        raise Untrusted(f"{label}: a damaged {extension[1:].upper()} (no image header)")
    _check_pixels(label, declared, "picture")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                size = image.size
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise Untrusted(f"{label}: larger than the {Image.MAX_IMAGE_PIXELS} pixels animator opens "
                        f"(a decompression bomb?)") from None
    except (OSError, SyntaxError, ValueError, struct.error, IndexError) as error:
        raise Untrusted(f"{label}: a damaged {extension[1:].upper()} ({shown(_first_line(error))[:120]})") from None
    _check_pixels(label, size, "picture")
    return _Picture(data, size)


def _check_pixels(label, size, what):
    width, height = size
    if width == 0 or height == 0:
        raise Untrusted(f"{label}: a {width}x{height} {what} has no pixels to show")
    limit = Image.MAX_IMAGE_PIXELS
    if limit is not None and width * height > limit:
        raise Untrusted(f"{label}: a {width}x{height} {what}, more than the {limit} pixels animator opens "
                        f"(a decompression bomb?)")


def _read_video(path, scratch, *, show_log=False):
    """The MP4 ``path``: its bytes, frame size and poster (PNG bytes), or one line saying why it cannot be shown.

    ffmpeg decodes the copy at ``scratch`` (so it checks exactly the bytes the
    deck embeds), only the last second, with Pillow's pixel limit and a timeout;
    its log is kept for a short reason, never shown unless ``show_log`` (the
    CLI's ``--debug``) lets it through.
    """
    label = shown(path)
    data = read_bounded(path, MAX_INPUT_BYTES, what=label)
    copy, last = scratch + ".mp4", scratch + ".ppm"
    with open(copy, "wb") as handle:
        handle.write(data)
    _decode_last_frame(label, copy, last, show_log=show_log)
    with Image.open(last) as frame:           # ffmpeg's own output, already held to the pixel limit
        size = frame.size
        png = io.BytesIO()
        frame.convert("RGB").save(png, format="PNG")
    beside = os.path.splitext(path)[0] + ".poster.png"
    if os.path.lexists(beside):               # a poster that is there but not a sound PNG is an error, not skipped
        poster = _read_picture(beside).data
    else:
        poster = png.getvalue()
    return _Video(data, size, poster)


def _decode_last_frame(label, video, target, *, show_log=False):
    import imageio_ffmpeg

    limit = Image.MAX_IMAGE_PIXELS or 2 ** 31 - 1
    command = [imageio_ffmpeg.get_ffmpeg_exe(), "-nostdin", "-hide_banner", "-v", "error",
               "-max_pixels", str(limit), "-sseof", "-1", "-i", video,
               "-map", "0:v:0", "-an", "-update", "1", "-c:v", "ppm", "-f", "image2", "-y", target]
    with tempfile.TemporaryFile() as log:
        try:
            # its own process group: Ctrl-C is ours to handle (run() kills ffmpeg on any exception)
            completed = subprocess.run(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                       stderr=None if show_log else log,
                                       timeout=FFMPEG_TIMEOUT, process_group=0)
        except subprocess.TimeoutExpired:
            raise Untrusted(f"{label}: ffmpeg took more than {FFMPEG_TIMEOUT} s to read the video's end") from None
        log.seek(0)
        lines = [re.sub(r"^(\[[^\]]*\]\s*)+", "", line).strip()
                 for line in log.read(1 << 16).decode("utf-8", "replace").splitlines()]
    lines = [line for line in lines if line]
    oversized = next((line for line in lines if "exceeds specified max pixel count" in line), None)
    if oversized:
        found = re.search(r"(\d+)x(\d+)", oversized)
        frames = f"{found[1]}x{found[2]} frames" if found else "frames"
        raise Untrusted(f"{label}: {frames}, more than the {limit} pixels animator opens (a decompression bomb?)")
    if completed.returncode != 0 or not os.path.isfile(target):
        reason = lines[-1] if lines else (f"exit status {completed.returncode}" if completed.returncode
                                          else "no frames at its end")
        raise Untrusted(f"{label}: not a video animator can show (ffmpeg: {shown(reason)[:120]})")


def _fit(size, slide_w, slide_h, margin, top):
    """The largest box of the image's aspect inside the slide below the caption, centred."""
    room_w, room_h = slide_w - 2 * margin, slide_h - top - margin
    width, height = size
    scale = min(room_w / width, room_h / height)
    w, h = max(1, round(width * scale)), max(1, round(height * scale))
    return (slide_w - w) // 2, top + (room_h - h) // 2, w, h


def _first_line(error):
    return str(error).splitlines()[0] if str(error) else type(error).__name__


def _deterministic_zip(data, target):
    """Rewrite the package with every entry dated 1980-01-01, in the same order, so the bytes never vary."""
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o600 << 16
            out.writestr(fixed, source.read(info.filename))
