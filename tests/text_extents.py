"""Where every text of a frame lands: the boxes matplotlib and PIL draw, measured as drawn.

:func:`measured` builds a layout and draws some of its frames while recording
the box of every text: matplotlib's through ``get_window_extent`` with the
figure's own renderer (each time a layout turns a figure into pixels), PIL's
from the font's own box at the anchor ``draw_text`` was given (unclipped, so a
text running off the frame shows as such).  Each box carries the text and its
type size in pixels, for the checks of ``tests/renderers/test_text_extents.py``.
"""

import contextlib
import dataclasses
import importlib
import pkgutil

import renderers
from renderers import raster

DRAW_TEXT, FIGURE_RGBA = raster.draw_text, raster.figure_rgba     # the originals, which the recorder calls


def text_boxes(fig, *, with_size=False):
    """``[(left, top, right, bottom, text)]``: the pixel box of every visible text in a drawn ``fig``
    (``with_size``: and its type size in pixels, a sixth member).

    Tick labels, axis labels, legend entries and figure texts alike, with the
    origin at the top-left as in a frame; what tests use to check that no text
    leaves the frame or lands on another.
    """
    from matplotlib.axis import Tick, XTick
    from matplotlib.text import Text

    renderer = fig.canvas.get_renderer()
    height = fig.canvas.get_width_height()[1]
    # one walk over the figure: each walk asks every axis's locator for its ticks again
    found = fig.findobj(lambda artist: isinstance(artist, (Text, Tick)))
    # an axis keeps labels for ticks its locator offers outside the view; only those inside are drawn
    hidden = set()
    for tick in found:
        if isinstance(tick, Tick):
            low, high = sorted((tick.axes.xaxis if isinstance(tick, XTick) else tick.axes.yaxis).get_view_interval())
            slack = (high - low) * 1e-9
            if not low - slack <= tick.get_loc() <= high + slack:
                hidden.update((id(tick.label1), id(tick.label2)))
    boxes = []
    for artist in found:
        if not isinstance(artist, Text):
            continue
        if (not artist.get_visible() or not artist.get_text().strip() or artist.figure is None
                or id(artist) in hidden):
            continue
        box = artist.get_window_extent(renderer)
        boxes.append((box.x0, height - box.y1, box.x1, height - box.y0, artist.get_text())
                     + ((artist.get_fontsize() * fig.dpi / 72,) if with_size else ()))
    return boxes


@dataclasses.dataclass(frozen=True)
class Box:
    left: float
    top: float
    right: float
    bottom: float
    text: str
    size_px: float          # the type's size (its em) in pixels

    def meets(self, other, slack):
        """True if the insides of the two boxes overlap by more than ``slack`` pixels each way."""
        return (min(self.right, other.right) - max(self.left, other.left) > slack
                and min(self.bottom, other.bottom) - max(self.top, other.top) > slack)

    def outside(self, size, allowed=1.0):
        width, height = size
        return (self.left < -allowed or self.top < -allowed or self.right > width + allowed
                or self.bottom > height + allowed)


def figure_boxes(fig):
    """Every visible text of a drawn matplotlib figure: its box (top-left origin) and size in pixels."""
    return [Box(*box) for box in text_boxes(fig, with_size=True)]


def pil_box(xy, text, size_px, bold=False, anchor="la"):
    """The ink box of ``draw_text(image, xy, text, ...)``, not clipped to the image."""
    left, top, right, bottom = raster.font(size_px, bold).getbbox(text, anchor=anchor)
    return Box(xy[0] + left, xy[1] + top, xy[0] + right, xy[1] + bottom, text, size_px)


class Recorder:
    """Collects the boxes drawn while it is :meth:`installed`; ``take()`` hands over those since the last."""

    def __init__(self):
        self.boxes = []
        self.page = None         # the opaque figure the static layers were last drawn from

    def take(self):
        boxes, self.boxes = list(dict.fromkeys(self.boxes)), []
        return boxes

    def draw_text(self, image, xy, text, **options):
        if text.strip():
            self.boxes.append(pil_box(xy, text, options["size_px"], options.get("bold", False),
                                      options.get("anchor", "la")))
        return DRAW_TEXT(image, xy, text, **options)

    def figure_rgba(self, fig):
        pixels = FIGURE_RGBA(fig)
        if pixels[..., 3].min() == 255 and fig is not self.page:
            # a new opaque page: a layout that lays itself out again (the descent trying its key inside the
            # plot first) starts over, and what was drawn for the page it gave up is not in any frame
            self.page, self.boxes = fig, []
        self.boxes.extend(figure_boxes(fig))
        return pixels

    @contextlib.contextmanager
    def installed(self, monkeypatch):
        """Every module of ``renderers`` that draws text or figures does so through this recorder."""
        for info in pkgutil.iter_modules(renderers.__path__):
            module = importlib.import_module(f"renderers.{info.name}")
            for name, original in (("draw_text", DRAW_TEXT), ("figure_rgba", FIGURE_RGBA)):
                if module is not raster and getattr(module, name, None) is original:
                    monkeypatch.setattr(module, name, getattr(self, name))
        yield self


def measured(monkeypatch, make, frames=(0, -1)):
    """``(layout, static boxes, [boxes of each frame drawn])``: ``make()`` builds it, then ``frames`` are drawn."""
    recorder = Recorder()
    with recorder.installed(monkeypatch):
        layout = make()
        static = recorder.take()
        drawn = []
        for index in frames:
            layout.frame(index % len(layout))
            drawn.append(recorder.take())
    return layout, static, drawn


def overlaps(boxes, share=0.1):
    """Pairs of boxes that meet by more than ``share`` of the smaller type each way (a descender may graze)."""
    pairs = []
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            if a.meets(b, max(1.0, share * min(a.size_px, b.size_px))):
                pairs.append((a.text, b.text))
    return pairs
