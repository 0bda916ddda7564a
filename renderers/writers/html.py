"""A self-contained web page that plays, pauses and steps through the exact frames (see :mod:`renderers.player`).

Frames are mapped to one palette for the whole animation, as in a GIF
(:func:`.gif.gif_palette`, :class:`.gif.ColourIndex`, run in the frame workers),
and stored as lossless WebP images: every ``KEYFRAME``-th frame whole, every
other frame as the rectangle that changed since the one before, unchanged
pixels transparent.  The page asks the network for nothing.
"""

import base64
import html
import io
import os
import re

import numpy as np
from PIL import Image

from animator.errors import UserError
from animator.fileio import atomic_output

from ..player import player_page
from .gif import ColourIndex, gif_palette
from .metadata import decode_metadata
from .registry import Writer, register

DATA_ATTRIBUTE = re.compile(r'<html\b[^>]*\sdata-animator="([^"]*)"')
KEYFRAME = 50        # a whole frame this often: a seek draws at most KEYFRAME patches
WEBP_QUALITY, WEBP_METHOD = 50, 4   # for lossless WebP, how hard the encoder tries (pixels are exact either way)


def lossless_webp(indices, palette, transparent=None):
    """Lossless WebP bytes of palette ``indices``; pixels at index ``transparent`` (if given) fully see-through.

    Lossless WebP keeps every pixel exact and, for these pictures (flat
    colours, few shades), takes about 35% fewer bytes than a paletted PNG;
    effort 4 of 6 at quality 50 is as small as the slowest settings within 1%
    and some fifty times faster.
    """
    colours = np.asarray(palette, dtype=np.uint8)[indices]
    if transparent is not None:
        alpha = np.where(indices == transparent, 0, 255).astype(np.uint8)
        image = Image.fromarray(np.dstack([colours, alpha]), mode="RGBA")
    else:
        image = Image.fromarray(colours, mode="RGB")
    buffer = io.BytesIO()
    image.save(buffer, format="WEBP", lossless=True, quality=WEBP_QUALITY, method=WEBP_METHOD)
    return buffer.getvalue()


def changed_patch(indices, previous, transparent):
    """``(left, top, patch)``: the rectangle of ``indices`` that differs from ``previous``, the rest ``transparent``.

    None when nothing changed (the GIF writer's rule, without GIF's 1x1 placeholder).
    """
    changed = indices != previous
    rows, cols = np.flatnonzero(changed.any(axis=1)), np.flatnonzero(changed.any(axis=0))
    if rows.size == 0:
        return None
    top, bottom, left, right = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
    patch = indices[top:bottom, left:right].copy()
    patch[~changed[top:bottom, left:right]] = transparent
    return int(left), int(top), patch


@register
class HtmlWriter(Writer):
    """One file to drop into a course page or open offline: a player for the exact frames.

    The page is UTF-8 and its title (the file's name by default) is escaped, so
    any file name will do; the run's description is its ``data-animator``
    attribute and its caption.  ``epochs`` label the frames (``unit`` says
    whether they are epochs or steps); ``entrants`` (name, rectangles and
    opacity, from a race layout's optional ``entrants()``) get a checkbox each;
    unticked, the page colour is painted over their rectangles at that opacity.
    Written atomically once the last frame is in.
    """

    KIND = "html"
    EXTENSIONS = (".html",)

    @classmethod
    def read_metadata(cls, path):
        with open(path, encoding="utf-8") as handle:
            head = handle.read(1 << 16)                      # the <html> tag comes first; the frames follow
        found = DATA_ATTRIBUTE.search(head)
        return decode_metadata(html.unescape(found.group(1))) if found else None

    @classmethod
    def for_source(cls, path, source, *, fps, hold, metadata=None, **options):
        """A writer with the source's palette (as a GIF's), frame labels and entrants."""
        total = len(source)
        samples = [source.frame(i)[::2, ::2] for i in sorted({0, total // 3, (2 * total) // 3, total - 1})]
        required = source.colours()
        entrants = source.entrants() if hasattr(source, "entrants") else None
        return cls(path, fps=fps, hold=hold, palette=gif_palette(samples, required), required=required,
                   epochs=source.epochs, unit=getattr(source, "FRAME_UNIT", "epoch"), entrants=entrants,
                   title=os.path.basename(os.fspath(path)), metadata=metadata)

    def __init__(self, path, *, fps, palette, epochs, hold=0.0, required=(), unit="epoch", entrants=None,
                 title="animator", metadata=None, keyframe=KEYFRAME):
        """``palette``: 256 colours, the last standing for "unchanged";
        ``entrants``: ``[{"name": ..., "rects": [(x, y, w, h)], "opacity": 1.0}]``."""
        self.path, self.title = os.fspath(path), title
        self.fps, self.hold = fps, hold
        self.palette = np.asarray(palette, dtype=np.uint8)
        self.transparent = len(self.palette) - 1
        self.quantize = self.transform = ColourIndex(self.palette, required)
        self.epochs = [int(e) for e in np.asarray(epochs).tolist()]
        self.unit, self.keyframe, self.metadata = unit, int(keyframe), metadata
        self.entrants = [{"name": str(e["name"]), "rects": [[int(v) for v in rect] for rect in e["rects"]],
                          "opacity": float(e.get("opacity", 1.0))} for e in (entrants or [])]
        self._frames, self._previous, self._size = [], None, None

    def __enter__(self):
        self._frames, self._previous = [], None
        return self

    def write(self, frame):
        """Add a frame: (H, W, 3) RGB, or (H, W) palette indices from ``transform``."""
        frame = np.asarray(frame)
        indices = self.quantize(frame) if frame.ndim == 3 else frame
        if self._previous is not None and indices.shape != self._previous.shape:
            raise ValueError("all frames of a page must have the same size")
        if len(self._frames) % self.keyframe == 0:
            item = [0, 0, lossless_webp(indices, self.palette)]
        else:
            patch = changed_patch(indices, self._previous, self.transparent)
            item = None if patch is None else [patch[0], patch[1],
                                               lossless_webp(patch[2], self.palette, self.transparent)]
        if item is not None:
            item[2] = base64.b64encode(item[2]).decode("ascii")
        self._frames.append(item)
        self._previous = indices
        self._size = (indices.shape[1], indices.shape[0])

    def page(self):
        """The page's text for the frames written so far."""
        if not self._frames:
            raise UserError(f"{self.path}: no frames to write")
        described = decode_metadata(self.metadata) if self.metadata is not None else None
        count = len(self._frames)
        epochs = self.epochs[:count] if len(self.epochs) >= count else list(range(count))
        data = {"fps": self.fps, "hold": self.hold, "size": list(self._size), "unit": self.unit,
                "keyframe": self.keyframe, "epochs": epochs, "frames": self._frames,
                "caption": (described or {}).get("caption") or "", "entrants": self.entrants,
                "background": self._page_colour()}
        return player_page(data, title=self.title, metadata=self.metadata)

    def _page_colour(self):
        """The colour of the first frame's top-left pixel: what a hidden entrant's rectangle is covered with."""
        first = base64.b64decode(self._frames[0][2])
        with Image.open(io.BytesIO(first)) as image:
            return [int(c) for c in image.convert("RGB").getpixel((0, 0))]

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None:
            return False
        page = self.page()
        with atomic_output(self.path) as temporary:
            with open(temporary, "w", encoding="utf-8") as handle:
                handle.write(page)
        return False

