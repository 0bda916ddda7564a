"""Small pixel helpers shared by the layouts: figures to arrays, blending, text."""

import functools

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from .theme import font_path


def new_figure(width, height, dpi=100, facecolor="white"):
    """A matplotlib Figure of exactly ``width`` x ``height`` pixels on the Agg canvas."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg   # here: layouts are imported long before they draw
    from matplotlib.figure import Figure
    fig = Figure(figsize=(width / dpi, height / dpi), dpi=dpi, facecolor=facecolor)
    FigureCanvasAgg(fig)
    return fig


def add_axes_px(fig, x, y, w, h):
    """Axes whose box is the pixel rectangle with top-left corner (x, y), width w, height h."""
    W, H = fig.canvas.get_width_height()
    return fig.add_axes([x / W, (H - y - h) / H, w / W, h / H])


def figure_rgba(fig):
    """Draw ``fig`` and return its pixels as an (H, W, 4) uint8 array (a copy)."""
    fig.canvas.draw()
    return np.asarray(fig.canvas.buffer_rgba()).copy()


def blend(dest, rgba, top, left):
    """Alpha-blend the (h, w, 4) ``rgba`` onto ``dest`` (uint8 RGB) at (top, left), clipped to dest."""
    h, w = rgba.shape[:2]
    H, W = dest.shape[:2]
    y0, x0 = max(top, 0), max(left, 0)
    y1, x1 = min(top + h, H), min(left + w, W)
    if y0 >= y1 or x0 >= x1:
        return
    src = rgba[y0 - top:y1 - top, x0 - left:x1 - left]
    alpha = src[..., 3:4].astype(np.uint16)
    region = dest[y0:y1, x0:x1]
    region[...] = ((region * (255 - alpha) + src[..., :3] * alpha + 127) // 255).astype(np.uint8)


class Overlay:
    """A fixed RGBA layer composited quickly: only its non-transparent pixels are touched."""

    def __init__(self, rgba):
        alpha = rgba[..., 3]
        self.index = np.nonzero(alpha)
        self.alpha = alpha[self.index].astype(np.uint16)[:, None]
        self.colour = rgba[..., :3][self.index].astype(np.uint16)

    def apply(self, image):
        """Composite onto ``image`` (h, w, 3) uint8 in place."""
        under = image[self.index].astype(np.uint16)
        image[self.index] = ((under * (255 - self.alpha) + self.colour * self.alpha + 127) // 255).astype(np.uint8)


@functools.lru_cache(maxsize=16)
def font(size_px, bold=False):
    return ImageFont.truetype(font_path(bold), int(size_px))


def draw_text(image, xy, text, *, size_px, colour, bold=False, anchor="la", background=None):
    """Draw ``text`` onto the uint8 RGB ``image`` (in place) with the DejaVu Sans inside matplotlib.

    Only the pixels under the text's box go through PIL, so this is cheap per frame.
    Returns the box drawn, ``(left, top, right, bottom)`` in pixels, clipped to the
    image (``None`` if nothing of it is inside).
    """
    face = font(size_px, bold)
    pad = max(2, size_px // 4) if background is not None else 1
    box = face.getbbox(text, anchor=anchor)
    H, W = image.shape[:2]
    left, top = max(int(xy[0] + box[0]) - pad, 0), max(int(xy[1] + box[1]) - pad, 0)
    right, bottom = min(int(xy[0] + box[2]) + pad + 1, W), min(int(xy[1] + box[3]) + pad + 1, H)
    if left >= right or top >= bottom:
        return None
    crop = Image.fromarray(image[top:bottom, left:right])
    draw = ImageDraw.Draw(crop)
    if background is not None:
        draw.rectangle((0, 0, right - left, bottom - top), fill=background)
    draw.text((xy[0] - left, xy[1] - top), text, font=face, fill=colour, anchor=anchor)
    image[top:bottom, left:right] = np.asarray(crop)
    return left, top, right, bottom


def disc(radius_px, colour, edge=(34, 34, 34)):
    """An anti-aliased dot with a thin dark edge as an RGBA sprite; returns (sprite, centre offset)."""
    scale = 4
    r = radius_px * scale
    n = int(np.ceil(radius_px + 1.5)) * 2 + 1
    yy, xx = np.mgrid[0:n * scale, 0:n * scale]
    centre = n * scale / 2
    d = np.hypot(xx + 0.5 - centre, yy + 0.5 - centre)
    inside = (d <= r).astype(np.float64)
    ring = ((d <= r) & (d > r - scale)).astype(np.float64)
    inside = inside.reshape(n, scale, n, scale).mean(axis=(1, 3))
    ring = ring.reshape(n, scale, n, scale).mean(axis=(1, 3))
    rgb = np.empty((n, n, 3))
    frac = np.divide(ring, inside, out=np.zeros_like(ring), where=inside > 0)[..., None]
    rgb[:] = np.array(colour, dtype=np.float64) * (1 - frac) + np.array(edge, dtype=np.float64) * frac
    sprite = np.dstack([np.rint(rgb), np.rint(inside * 255)]).astype(np.uint8)
    return sprite, n // 2


def decision_regions(probs, side, colours, *, shade=False, background=(255, 255, 255)):
    """Decision regions of a (rows, cols, classes) uint8 probability grid as a (side, side, 3) image.

    The probabilities are interpolated up to the panel's pixels before the
    argmax, so class boundaries are smooth curves rather than grid steps.  With
    ``shade``, regions fade towards ``background`` (the page) where the top class
    is unsure.
    """
    classes = probs.shape[-1]
    channels = [np.asarray(Image.fromarray(np.ascontiguousarray(probs[..., k])).resize(
        (side, side), Image.BILINEAR)) for k in range(classes)]
    # argmax channel by channel: several times faster than ndarray.argmax over a short last axis
    best = channels[0].copy()
    winner = np.zeros(best.shape, dtype=np.uint8)
    for k in range(1, classes):
        np.putmask(winner, channels[k] > best, k)
        np.maximum(best, channels[k], out=best)
    palette = np.zeros((256, 3), dtype=np.uint8)
    palette[:classes] = colours[:classes]
    indexed = Image.fromarray(winner, mode="P")
    indexed.putpalette(palette.tobytes())
    region = np.array(indexed.convert("RGB"))
    if shade:
        confidence = best / 255.0
        t = np.clip((confidence - 1 / classes) / (1 - 1 / classes), 0, 1)[..., None] * 0.75 + 0.25
        page = np.asarray(background, dtype=np.float32)
        region = np.rint(page - (page - region.astype(np.float32)) * t).astype(np.uint8)
    return region


def points_overlay(X, y, extent, side, colours, radius_px):
    """The data points as a fixed :class:`Overlay` for a square panel of ``side`` pixels showing ``extent``.

    Each point is its class's saturated colour with a thin dark edge, drawn once
    with matplotlib on a transparent layer and composited onto every frame.
    """
    layer = new_figure(side, side, facecolor="none")
    ax = layer.add_axes([0, 0, 1, 1])
    ax.set_axis_off()
    xmin, xmax, ymin, ymax = extent
    ax.set_xlim(xmin, xmax)
    ax.set_ylim(ymin, ymax)
    ax.scatter(X[:, 0], X[:, 1], s=(2 * radius_px * 72 / layer.dpi) ** 2, c=colours[y] / 255,
               edgecolors="#1a1a1a", linewidths=max(0.35, radius_px / 5) * 72 / layer.dpi)
    return Overlay(figure_rgba(layer))
