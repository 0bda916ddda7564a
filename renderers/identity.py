"""How a figure draws each optimizer: its declared identity, read for the theme, twins told apart.

Every optimizer declares an :class:`~animator.optimizers.base.Identity` once, in
its module (colours for light and dark pages, a marker, a line style); SGD with
momentum declares a variant of its own.  Every figure that draws optimizers (the
network race, the 2-D race) asks :func:`looks` for its entrants, never a list of
colours by position, so an optimizer looks the same in every figure, theme and
deck.

Two entrants with the same identity (two SGD settings in one race) are *twins*:
the first keeps the identity as declared; each later one is the same colour
mixed ``1 - TWIN_KEEP ** k`` of the way toward the page (a lighter shade on a
light page, a deeper one on a dark page) and draws its marker hollow, so twins
share their optimizer's hue, marker and line style yet never look the same.

Line styles are dash patterns in line widths (matplotlib's own for the four it
names), so a dashed trail of a thick line has longer dashes; :func:`dashes_px`
gives them in pixels for the rasterised trails.
"""

import math
from dataclasses import dataclass

import numpy as np

from animator.optimizers import OptimizerSpec

from .theme import hex_rgb

# on, off, on, ... in line widths; () is a solid line
DASHES = {"solid": (), "dashed": (3.7, 1.6), "dotted": (1.0, 1.65), "dashdot": (6.4, 1.6, 1.0, 1.6),
          "dashdotdot": (6.4, 1.6, 1.0, 1.6, 1.0, 1.6), "longdash": (9.0, 3.0)}
TWIN_KEEP = 0.7          # a twin's colour keeps this much of the identity's per place after the first


@dataclass(frozen=True)
class Look:
    """One entrant's look in one figure: the identity's name, its colour for the page, marker, line style."""

    name: str
    rgb: tuple
    marker: str
    line: str
    hollow: bool = False       # a twin after the first: its marker is an outline

    @property
    def hex(self):
        return "#%02x%02x%02x" % self.rgb

    def linestyle(self):
        """The line style as matplotlib takes it (dashes scale with the line width there too)."""
        pattern = DASHES[self.line]
        return (0, pattern) if pattern else "solid"

    def dashes_px(self, width):
        """The dash pattern in pixels for a line ``width`` pixels wide (``()``: solid)."""
        return tuple(length * max(width, 1.0) for length in DASHES[self.line])


def looks(optimizers, theme):
    """Each entrant's :class:`Look`, in order: ``optimizers`` are OptimizerSpecs (or what ``OptimizerSpec.of`` takes)."""
    page = np.array(theme.rgb("background"), dtype=np.float64)
    seen = {}
    out = []
    for optimizer in optimizers:
        identity = OptimizerSpec.of(optimizer).identity
        place = seen[identity] = seen.get(identity, -1) + 1
        colour = np.array(hex_rgb(identity.on_dark if theme.dark else identity.colour), dtype=np.float64)
        share = 1 - TWIN_KEEP ** place
        rgb = tuple(int(v) for v in np.rint(colour + (page - colour) * share))
        out.append(Look(identity.name, rgb, identity.marker, identity.line, hollow=place > 0))
    return out


# -- marker sprites ----------------------------------------------------------------------------

_SIN60 = math.sqrt(3) / 2


def _norm(marker, x, y):
    """A marker's shape as a norm: the shape of radius r is ``norm <= r`` (areas close to a circle's)."""
    if marker == "s":
        return np.maximum(np.abs(x), np.abs(y)) / 0.886
    if marker == "D":
        return (np.abs(x) + np.abs(y)) / 1.25
    if marker in ("^", "v"):
        y = y if marker == "^" else -y                      # image rows grow downward: "^" points up
        # an equilateral triangle's three edges, each at an inradius of 0.75 r from the centre
        return np.maximum.reduce([y, _SIN60 * x - 0.5 * y, -_SIN60 * x - 0.5 * y]) / 0.75
    if marker == "P":
        # a plus: arms 0.8 r wide reaching r from the centre, scaled to a circle's area
        near, far = np.minimum(np.abs(x), np.abs(y)), np.maximum(np.abs(x), np.abs(y))
        return np.maximum(far, near / 0.4) / 1.108
    return np.hypot(x, y)


def marker_sprite(marker, radius, colour, *, edge=(34, 34, 34), hollow=False, face=None):
    """An anti-aliased marker ``radius`` px across from its centre, with a one-pixel ``edge``, as RGBA.

    ``hollow`` paints it as an outline in ``colour`` around ``face`` (the page).
    Returns ``(sprite, centre offset)`` like :func:`renderers.raster.disc`.
    """
    scale = 4
    reach = radius * 1.7 + 2                        # the triangles' corners reach furthest
    n = int(math.ceil(reach)) * 2 + 1
    yy, xx = np.mgrid[0:n * scale, 0:n * scale]
    x = (xx + 0.5) / scale - n / 2
    y = (yy + 0.5) / scale - n / 2
    norm = _norm(marker, x, y)

    def cover(r):
        return (norm <= r).astype(np.float64).reshape(n, scale, n, scale).mean(axis=(1, 3))

    outer = cover(radius)
    if hollow:
        ring = max(1.5, radius * 0.38)
        inner, fill, rim = cover(radius - ring), face, colour
    else:
        inner, fill, rim = cover(radius - 1.0), colour, edge
    frac = np.divide(inner, outer, out=np.zeros_like(inner), where=outer > 0)[..., None]
    rgb = np.array(fill, dtype=np.float64) * frac + np.array(rim, dtype=np.float64) * (1 - frac)
    return np.dstack([np.rint(rgb), np.rint(outer * 255)]).astype(np.uint8), n // 2


def swatch(width, height, look, face, *, line_px):
    """An RGBA legend swatch: the look's line (dashed as it is drawn) with its marker in the middle."""
    sprite = np.zeros((height, width, 4), dtype=np.uint8)
    middle, thick = height // 2, max(2, round(line_px))
    top = middle - thick // 2
    on = np.ones(width, dtype=bool)
    pattern = look.dashes_px(thick)
    if pattern:
        period = sum(pattern)
        phase = np.arange(width) % period
        on[:] = False
        start = 0.0
        for k, length in enumerate(pattern):
            if k % 2 == 0:
                on |= (phase >= start) & (phase < start + length)
            start += length
    sprite[top:top + thick, on, :3] = look.rgb
    sprite[top:top + thick, on, 3] = 255
    mark, c = marker_sprite(look.marker, height * 0.27, look.rgb, hollow=look.hollow, face=face)
    left, up = width // 2 - c, middle - c
    h, w = mark.shape[:2]
    box = sprite[max(up, 0):up + h, max(left, 0):left + w]
    part = mark[max(-up, 0):max(-up, 0) + box.shape[0], max(-left, 0):max(-left, 0) + box.shape[1]]
    alpha = part[..., 3:].astype(np.float64) / 255
    under_a = box[..., 3:].astype(np.float64) / 255
    out_a = alpha + under_a * (1 - alpha)
    rgb = np.divide(part[..., :3] * alpha + box[..., :3] * under_a * (1 - alpha), out_a,
                    out=np.zeros(part[..., :3].shape), where=out_a > 0)
    box[..., :3] = np.rint(rgb)
    box[..., 3:] = np.rint(out_a * 255)
    return sprite


def nudge_apart(wanted, gap, low, high):
    """Positions as close to ``wanted`` as they can be, at least ``gap`` apart, within ``[low, high]``.

    For direct labels at the ends of lines: labels of lines that end close
    together are pushed apart (order kept), then the whole group is moved back
    inside the bounds.  ``None`` if they cannot all fit.
    """
    wanted = [float(v) for v in wanted]
    if not wanted:
        return []
    if (len(wanted) - 1) * gap > high - low:
        return None
    order = sorted(range(len(wanted)), key=lambda k: (wanted[k], k))
    placed = [min(max(wanted[k], low), high) for k in order]
    for _ in range(len(placed)):
        for i in range(1, len(placed)):                 # push down
            placed[i] = max(placed[i], placed[i - 1] + gap)
        overflow = placed[-1] - high
        if overflow > 0:
            placed = [p - overflow for p in placed]
        for i in range(len(placed) - 2, -1, -1):        # push up
            placed[i] = min(placed[i], placed[i + 1] - gap)
        underflow = low - placed[0]
        if underflow > 0:
            placed = [p + underflow for p in placed]
        # centre each cluster on what its members want
        clusters, start = [], 0
        for i in range(1, len(placed) + 1):
            if i == len(placed) or placed[i] - placed[i - 1] > gap + 1e-9:
                clusters.append((start, i))
                start = i
        for a, b in clusters:
            shift = sum(wanted[order[i]] - placed[i] for i in range(a, b)) / (b - a)
            lo = low if a == 0 else placed[a - 1] + gap
            hi = high if b == len(placed) else placed[b] - gap
            shift = min(max(shift, lo - placed[a]), hi - placed[b - 1])
            for i in range(a, b):
                placed[i] += shift
    out = [0.0] * len(wanted)
    for i, k in enumerate(order):
        out[k] = placed[i]
    return out
