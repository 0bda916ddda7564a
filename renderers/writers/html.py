"""A self-contained web page that plays, pauses and steps through the exact frames (see :mod:`renderers.player`).

Frames are mapped to one palette for the whole animation, as in a GIF
(:func:`.palette.source_palette`, :class:`.palette.ColourIndex`, run in the frame workers),
and stored as lossless WebP images: every ``KEYFRAME``-th frame whole, every
other frame as the rectangle that changed since the one before, unchanged
pixels transparent (:func:`stream_entry`, encoded in the frame workers too,
except for a race's entrant layers).  The page asks the network for nothing.
"""

import base64
import contextlib
import html
import io
import os
import re

import numpy as np
from PIL import Image

from animator.errors import UserError
from animator.fileio import atomic_output
from animator.untrusted import load_json, open_input

from ..player import page_end, page_frame, page_start
from .palette import ColourIndex, changed_patch, source_palette
from .metadata import HEAD_BYTES, decode_metadata
from .estimate import Cost
from .registry import Writer, register

MAX_PAGE_BYTES = 1 << 30    # a page read back whole (for snapshot tests): far above any player animator writes
DATA_ATTRIBUTE = re.compile(r'<html\b[^>]*\sdata-animator="([^"]*)"')
KEYFRAME = 50        # a whole frame this often: a seek draws at most KEYFRAME patches
WEBP_QUALITY, WEBP_METHOD = 50, 4   # for lossless WebP, how hard the encoder tries (pixels are exact either way)


def _script(page, name, path):
    """The text of the page's ``<script type="application/json" id=NAME>`` element."""
    opening = f'<script type="application/json" id="{name}">'
    start = page.find(opening)
    end = page.find("</script>", start)
    if start < 0 or end < 0:
        raise UserError(f"{path}: not a player page animator wrote (no {name})")
    return page[start + len(opening):end]


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


class Stream:
    """One sequence of frames as the page stores it: keyframes, then rectangles, each ``[x, y, base64]`` or None.

    ``replace=False`` (a whole picture): a rectangle's unchanged pixels are transparent and it is drawn over
    the frame before.  ``replace=True`` (a layer, transparent where it has nothing): the rectangle is the
    layer's whole content there, drawn after clearing it.
    """

    def __init__(self, palette, *, keyframe, replace=False):
        self.palette, self.keyframe, self.replace = palette, keyframe, replace
        self.transparent = len(palette) - 1
        self.count, self.previous = 0, None

    def add(self, indices):
        """The entry for the next frame (palette ``indices``)."""
        item = stream_entry(self.count, indices, self.previous, palette=self.palette, keyframe=self.keyframe,
                            replace=self.replace)
        self.count += 1
        self.previous = indices
        return item


def stream_entry(position, indices, previous, *, palette, keyframe, replace=False):
    """A :class:`Stream`'s entry for frame ``position`` (palette ``indices``; ``previous``: the frame before it).

    Depends on nothing else, so frame workers can make the entries of the frames they draw.
    """
    transparent = len(palette) - 1
    if position % keyframe == 0:
        item = [0, 0, lossless_webp(indices, palette, transparent if replace else None)]
    else:
        patch = changed_patch(indices, previous, transparent)
        if patch is None:
            return None
        left, top, rectangle = patch
        if replace:
            rectangle = indices[top:top + rectangle.shape[0], left:left + rectangle.shape[1]]
        item = [left, top, lossless_webp(rectangle, palette, transparent)]
    item[2] = base64.b64encode(item[2]).decode("ascii")
    return item


@register
class HtmlWriter(Writer):
    """One file to drop into a course page or open offline: a player for the exact frames.

    The page is UTF-8 and its title (the run's caption by default, never the
    file's name, so the bytes do not depend on it) is escaped; the run's description is its ``data-animator``
    attribute and its caption.  ``epochs`` label the frames (``unit`` says
    whether they are epochs or steps); ``entrants`` (name, rectangles and
    opacity, from a race layout's optional ``entrants()``) get a checkbox each;
    unticked, the page colour is painted over their rectangles at that opacity.
    Frames go to the file as they come (a temporary beside it, moved into place
    once the last is in).
    """

    KIND = "html"
    EXTENSIONS = (".html",)
    SUMMARY = "a player page"
    MIME = "text/html"
    HTML_TAG = "iframe"
    PLAYER = True

    @classmethod
    def read_frame(cls, path, index):
        """Frame ``index`` as the player draws it: its keyframe, then each rectangle up to it, composited."""
        with open_input(path) as handle:
            page = handle.read(MAX_PAGE_BYTES + 1)
        if len(page) > MAX_PAGE_BYTES:
            raise UserError(f"{path}: a page larger than animator reads back")
        text = page.decode("utf-8", "replace")
        frames = load_json(_script(text, "animator-frames", path), what=f"{path}: its frames", max_bytes=MAX_PAGE_BYTES)
        settings = load_json(_script(text, "animator-settings", path), what=f"{path}: its settings")
        if not 0 <= index < len(frames):
            raise IndexError(f"{path} has {len(frames)} frames, not a frame {index}")
        canvas = Image.new("RGBA", tuple(settings["size"]))
        for item in frames[index - index % int(settings["keyframe"]):index + 1]:
            if item is not None:
                left, top, data = item
                with Image.open(io.BytesIO(base64.b64decode(data))) as patch:
                    canvas.alpha_composite(patch.convert("RGBA"), (int(left), int(top)))
        return np.asarray(canvas.convert("RGB"))
    # measured on the chapter's layouts (base64 included); a browser parses the frames as one string,
    # and V8's longest is about 512 MiB, so a bigger page would not play
    COST = Cost(edge_bytes=4, max_bytes=500 * 10 ** 6)

    @classmethod
    def read_metadata(cls, path):
        with open_input(path) as handle:
            head = handle.read(HEAD_BYTES).decode("utf-8", "replace")   # the <html> tag comes first; frames follow
        found = DATA_ATTRIBUTE.search(head)
        return decode_metadata(html.unescape(found.group(1))) if found else None

    @classmethod
    def for_source(cls, path, source, *, fps, hold, metadata=None, **options):
        """A writer with the source's palette (as a GIF's), frame labels and entrants."""
        palette, required = source_palette(source)
        entrants = source.entrants() if hasattr(source, "entrants") else None
        layered = bool(entrants) and all(e.get("layer") for e in entrants)
        return cls(path, fps=fps, hold=hold, palette=palette, required=required,
                   epochs=source.epochs, unit=getattr(source, "FRAME_UNIT", "epoch"), entrants=entrants,
                   metadata=metadata, layers=source if layered else None)

    def __init__(self, path, *, fps, palette, epochs, hold=0.0, required=(), unit="epoch", entrants=None,
                 title=None, metadata=None, keyframe=KEYFRAME, layers=None):
        """``palette``: 256 colours, the last standing for "unchanged";
        ``entrants``: ``[{"name": ..., "rects": [(x, y, w, h)], "opacity": 1.0}]``; ``layers``: the frame
        source, if its ``frame(i, entrants=...)`` draws any entrants alone (then the page also holds the frames
        without entrants and each entrant's layer, so hiding one takes it off the picture)."""
        self.path, self.title = os.fspath(path), title
        self.fps, self.hold = fps, hold
        self.palette = np.asarray(palette, dtype=np.uint8)
        self.transparent = len(self.palette) - 1
        self.quantize = self.transform = ColourIndex(self.palette, required)
        self.epochs = [int(e) for e in np.asarray(epochs).tolist()]
        self.unit, self.keyframe, self.metadata = unit, int(keyframe), metadata
        self.entrants = [{"name": str(e["name"]), "rects": [[int(v) for v in rect] for rect in e["rects"]],
                          "opacity": float(e.get("opacity", 1.0))} for e in (entrants or [])]
        described = decode_metadata(metadata) if metadata is not None else None
        self.caption = (described or {}).get("caption") or ""
        # the run's caption, not the file's name: the same run gives the same page whatever it is called
        self.title = title or self.caption or "animator"
        self._source = layers
        self._count, self._previous, self._size, self._page = 0, None, None, None

    def __enter__(self):
        self._main = Stream(self.palette, keyframe=self.keyframe)
        layers = len(self.entrants) if self._source is not None else -1
        self._streams = [Stream(self.palette, keyframe=self.keyframe, replace=k > 0) for k in range(layers + 1)]
        self._layers = [[] for _ in self._streams]
        self._stack = contextlib.ExitStack()
        temporary = self._stack.enter_context(atomic_output(self.path))
        self._file = self._stack.enter_context(open(temporary, "w", encoding="utf-8"))
        self._count, self._previous, self._size, self._page = 0, None, None, None
        return self

    def write(self, frame):
        """Add a frame: (H, W, 3) RGB, or (H, W) palette indices from ``transform``."""
        frame = np.asarray(frame)
        indices = self.quantize(frame) if frame.ndim == 3 else frame
        if self._previous is None:
            self._size = (indices.shape[1], indices.shape[0])
            self._page = [int(c) for c in self.palette[indices[0, 0]]]   # what covers a hidden entrant
            self._file.write(page_start(size=self._size, title=self.title, caption=self.caption,
                                        entrants=self.entrants, metadata=self.metadata))
        elif indices.shape != self._previous.shape:
            raise ValueError("all frames of a page must have the same size")
        item = self._main.add(indices)
        if self._source is not None:
            self._add_layers(self._count)
        self._file.write(page_frame(item, first=self._count == 0))
        self._count += 1
        self._previous = indices

    def encoder(self, count):
        """The function frame workers run to make each frame's part of the page (see :meth:`GifWriter.encoder
        <renderers.writers.gif.GifWriter.encoder>`), or None for a page with layers (those are drawn here)."""
        if self._source is not None:
            return None
        palette, keyframe = self.palette, self.keyframe

        def encode(position, indices, previous):
            if previous is not None and previous.shape != indices.shape:
                raise ValueError("all frames of a page must have the same size")
            entry = stream_entry(position, indices, previous, palette=palette, keyframe=keyframe)
            first = (indices.shape, [int(c) for c in palette[indices[0, 0]]]) if position == 0 else None
            return page_frame(entry, first=position == 0), first

        return encode

    def write_encoded(self, encoded):
        """Add a frame as :meth:`encoder`'s function made it, in order."""
        text, first = encoded
        if first is not None:
            shape, self._page = first
            self._size = (shape[1], shape[0])
            self._file.write(page_start(size=self._size, title=self.title, caption=self.caption,
                                        entrants=self.entrants, metadata=self.metadata))
        self._file.write(text)
        self._count += 1

    def _add_layers(self, index):
        """The frame without any entrant (the base), and each entrant alone on it, as layers."""
        base = self.quantize(self._source.frame(index, entrants=()))
        self._layers[0].append(self._streams[0].add(base))
        for k in range(len(self.entrants)):
            alone = self.quantize(self._source.frame(index, entrants=(k,)))
            layer = np.where(alone != base, alone, self.transparent).astype(np.uint8)
            self._layers[k + 1].append(self._streams[k + 1].add(layer))

    def settings(self):
        """The player's settings block, once every frame is in."""
        count = self._count
        epochs = self.epochs[:count] if len(self.epochs) >= count else list(range(count))
        return {"fps": self.fps, "hold": self.hold, "size": list(self._size), "unit": self.unit,
                "keyframe": self.keyframe, "epochs": epochs, "caption": self.caption, "entrants": self.entrants,
                "background": self._page, "layers": self._source is not None}

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None:
            return self._stack.__exit__(exc_type, exc, tb)
        with self._stack:
            if not self._count:
                raise UserError(f"{self.path}: no frames to write")
            self._file.write(page_end(self.settings(), self._layers))
        return False
