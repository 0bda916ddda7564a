"""The chapter's "ball on a curve" (Figures 2-13) as a frame source, and layers that grow with the step.

Layout of a frame (16:9 by default)::

    +--------------------------------------------------------------+
    | SGD · lr=0.09 · momentum=0.85          Figure 8 · (title)    |
    | step 37 / 150    x = 1.234    f(x) = -1.1                    |
    | +----------------------------------------------------------+ |
    | |  the curve, its minima, a dot per step so far (green ->  | |
    | |  orange -> red by step number) and the ball              | |
    | +----------------------------------------------------------+ |
    |  the caption, wrapped                                        |
    +--------------------------------------------------------------+

As in :mod:`renderers.training`, what never changes (axes, curve, minima,
labels) is drawn once with matplotlib; a frame is composed in numpy.  The
trail (dots and the thin chords between consecutive steps) is precomputed as
a :class:`StepLayer`: every pixel it ever paints, with the step from which each
paint shows, so frame ``i`` costs only the pixels painted by then and does not
depend on any frame before it (frames can be drawn in any order, in workers).

>>> from animator.descent import PRESETS, run_preset
>>> from animator.functions import CURVE
>>> anim = DescentAnimation(run_preset("good"), CURVE, title="Figure 12", caption=PRESETS["good"].caption)
>>> len(anim), anim.frame(len(anim) - 1).shape
(101, (540, 960, 3))

A still (the chapter's figures) is ``write_animation(anim, "fig12.png", frame="last")``.

Positions outside the plotted domain (an exploding run leaves it in a few
steps) are drawn clamped to the edge of the plot with an arrow pointing the
way the ball went and its true ``x`` written beside it.
"""

import ast
import math
import re

import numpy as np
from PIL import Image, ImageDraw

from animator.errors import UserError

from .raster import Overlay, add_axes_px, blend, disc, draw_text, figure_rgba, font, new_figure
from .theme import THEMES, hex_rgb
from .training import describe_optimizer

MIN_SIZE = (480, 270)
STEP_STOPS = ("#1a9850", "#f39c12", "#d7301f")   # green -> orange -> red, as in the chapter
STEP_LEVELS = 64                                 # distinct step colours (they seed the GIF palette)
CURVE_COLOUR = "#2b4c7e"
CHORD_COLOUR = "#b9b9b9"
EDGE = (40, 40, 40)


# -- describing a trajectory ----------------------------------------------------------------

def optimizer_spec(text):
    """``("sgd", {"lr": 0.02, ...})`` from a Trajectory's ``optimizer`` text ``SGD(lr=0.02, ...)``, or None."""
    match = re.fullmatch(r"\s*(\w+)\((.*)\)\s*", text or "")
    if not match:
        return None
    hyper = {}
    for part in filter(None, (p.strip() for p in match.group(2).split(","))):
        key, _, value = part.partition("=")
        try:
            hyper[key.strip()] = ast.literal_eval(value.strip())
        except (ValueError, SyntaxError):
            return None
    return match.group(1).lower(), hyper


def describe_trajectory(trajectory):
    """``SGD · lr=0.09 · momentum=0.85``: the optimizer and every hyper-parameter not at its default."""
    spec = optimizer_spec(trajectory.optimizer)
    if spec is None or "lr" not in spec[1]:
        return str(trajectory.optimizer)
    return describe_optimizer({"optimizer": {"name": spec[0], "hyperparameters": spec[1]}})


def hyper_parameters(trajectory):
    """The hyper-parameters of the optimizer that made ``trajectory`` (empty if unreadable)."""
    spec = optimizer_spec(trajectory.optimizer)
    return spec[1] if spec else {}


def step_lut(levels=STEP_LEVELS):
    """(levels, 3) uint8: the step colours from the first step (green) to the last (red)."""
    stops = np.array([hex_rgb(c) for c in STEP_STOPS], dtype=np.float64)
    where = np.linspace(0.0, 1.0, len(stops))
    t = np.linspace(0.0, 1.0, levels)
    return np.rint(np.stack([np.interp(t, where, stops[:, k]) for k in range(3)], axis=1)).astype(np.uint8)


def step_level(steps, total, levels=STEP_LEVELS):
    """Index into :func:`step_lut` of each step: ``step / total``, so a step keeps its colour in every frame."""
    return np.rint(np.asarray(steps, dtype=np.float64) / max(int(total), 1) * (levels - 1)).astype(np.intp)


def shown_steps(total, max_frames, spacing="linear"):
    """The steps that get a frame: all of ``0..total``, or at most ``max_frames`` of them (first and last kept).

    ``spacing="linear"`` spreads them evenly; ``"log"`` evenly in ``log(1 + step)``,
    so the first, fast steps of a long race get more frames (repeats are dropped).
    """
    if spacing not in ("linear", "log"):
        raise UserError(f"spacing must be 'linear' or 'log' (got {spacing!r})")
    if max_frames is not None and max_frames < 2:
        raise UserError(f"max_frames must be at least 2 (got {max_frames})")
    if max_frames is None or total + 1 <= max_frames:
        return np.arange(total + 1)
    if spacing == "log":
        return np.unique(np.rint(np.expm1(np.linspace(0.0, np.log1p(total), max_frames))).astype(np.int64))
    return np.unique(np.rint(np.linspace(0, total, max_frames)).astype(np.int64))


def pull_in(points, centre, radius):
    """Points farther than ``radius`` (max-norm) from ``centre`` moved along their direction to that distance.

    Keeps later pixel arithmetic finite for an exploding run while every
    segment still leaves the view in the direction it really went.
    """
    points = np.array(points, dtype=np.float64)
    offset = points - centre
    reach = np.abs(offset).max(axis=-1, keepdims=True)
    scale = np.where(reach > radius, radius / np.maximum(reach, radius), 1.0)
    return centre + offset * scale


# -- sprites ----------------------------------------------------------------------------------

def _supersampled(n, scale, paint):
    """An (n, n) coverage array: ``paint(x, y)`` is a boolean of subpixel centres, averaged to pixels."""
    yy, xx = np.mgrid[0:n * scale, 0:n * scale]
    x = (xx + 0.5) / scale - n / 2
    y = (yy + 0.5) / scale - n / 2
    return paint(x, y).astype(np.float64).reshape(n, scale, n, scale).mean(axis=(1, 3))


def _sprite(fill, outer, colour, edge):
    """RGBA from a fill coverage inside an outer (edge) coverage."""
    frac = np.divide(fill, outer, out=np.zeros_like(fill), where=outer > 0)[..., None]
    rgb = np.array(colour, dtype=np.float64) * frac + np.array(edge, dtype=np.float64) * (1 - frac)
    return np.dstack([np.rint(rgb), np.rint(outer * 255)]).astype(np.uint8)


def arrow_sprite(length, colour, direction, edge=(255, 255, 255)):
    """A filled triangle ``length`` px long pointing along ``direction`` (image coordinates, y down).

    Returns (sprite, centre offset) like :func:`renderers.raster.disc`.
    """
    dx, dy = direction
    norm = math.hypot(dx, dy) or 1.0
    dx, dy = dx / norm, dy / norm
    n = int(math.ceil(length + 3)) | 1
    scale = 4
    big = n * scale
    c = big / 2
    L = length * scale
    tip = (c + dx * L / 2, c + dy * L / 2)
    back = (c - dx * L / 2, c - dy * L / 2)
    half = 0.42 * L
    poly = [tip, (back[0] - dy * half, back[1] + dx * half), (back[0] + dy * half, back[1] - dx * half)]
    outer_img = Image.new("L", (big, big), 0)
    ImageDraw.Draw(outer_img).polygon(poly, fill=255, outline=255, width=int(1.5 * scale))
    inner_img = Image.new("L", (big, big), 0)
    ImageDraw.Draw(inner_img).polygon(poly, fill=255)
    outer = (np.asarray(outer_img, dtype=np.float64) / 255).reshape(n, scale, n, scale).mean(axis=(1, 3))
    inner = (np.asarray(inner_img, dtype=np.float64) / 255).reshape(n, scale, n, scale).mean(axis=(1, 3))
    return _sprite(inner, outer, colour, edge), n // 2


def cross_sprite(size, colour, edge=EDGE, thickness=None):
    """An x marker ``size`` px across with a dark edge; returns (sprite, centre offset)."""
    thickness = thickness or max(2.0, size / 4)
    n = int(math.ceil(size + 3)) | 1
    half = size / 2

    def stroke(width):
        def paint(x, y):
            d = np.minimum(np.abs(x - y), np.abs(x + y)) / math.sqrt(2)
            return (d <= width / 2) & (np.abs(x) <= half) & (np.abs(y) <= half)
        return paint

    outer = _supersampled(n, 4, stroke(thickness + 2.0))
    inner = _supersampled(n, 4, stroke(thickness))
    return _sprite(inner, outer, colour, edge), n // 2


# -- layers that grow with the step ---------------------------------------------------------

class StepLayer:
    """An RGBA layer in which every painted pixel shows from a given step on.

    Stored as events ``(pixel, start, end, colour, alpha)``: from step
    ``start`` until step ``end`` (exclusive) the pixel carries that
    (premultiplied) colour and alpha.  Events are sorted by ``start``, so
    showing step ``s`` touches only the events started by then: no frame
    depends on another, and the cost is the number of pixels painted so far.
    """

    NEVER = np.iinfo(np.int64).max

    def __init__(self, pixels, starts, ends, colour, alpha):
        order = np.argsort(starts, kind="stable")
        self.pixels = np.ascontiguousarray(pixels[order], dtype=np.intp)
        self.starts = np.ascontiguousarray(starts[order], dtype=np.int64)
        self.ends = np.ascontiguousarray(ends[order], dtype=np.int64)
        self.colour = np.ascontiguousarray(colour[order], dtype=np.float32)
        self.alpha = np.ascontiguousarray(alpha[order], dtype=np.float32).reshape(-1, 1)

    def __len__(self):
        return len(self.pixels)

    @classmethod
    def empty(cls):
        none = np.zeros(0, dtype=np.int64)
        return cls(none, none, none, np.zeros((0, 3)), np.zeros(0))

    @staticmethod
    def _ends(pixels, starts):
        """For events sorted by (pixel, start): the start of the pixel's next event, else NEVER."""
        ends = np.full(len(pixels), StepLayer.NEVER, dtype=np.int64)
        if len(pixels) > 1:
            same = pixels[1:] == pixels[:-1]
            ends[:-1][same] = starts[1:][same]
        return ends

    @classmethod
    def coverage(cls, pixels, starts, alpha, rgb):
        """A one-colour layer from :func:`polyline_events` (alpha already the running maximum per pixel)."""
        if len(pixels) == 0:
            return cls.empty()
        order = np.lexsort((starts, pixels))
        pixels, starts, alpha = pixels[order], starts[order], alpha[order]
        colour = alpha[:, None] * np.asarray(rgb, dtype=np.float64)[None, :]
        return cls(pixels, starts, cls._ends(pixels, starts), colour, alpha)

    @classmethod
    def sprites(cls, shape, items):
        """A layer of sprites painted one over another in the order given.

        ``items`` are ``(step, rgba, top, left)``; a sprite shows from its step on.
        """
        H, W = shape
        pix, step, order, rgb, alpha = [], [], [], [], []
        for k, (s, sprite, top, left) in enumerate(items):
            h, w = sprite.shape[:2]
            rows, cols = np.nonzero(sprite[..., 3])
            r, c = rows + top, cols + left
            inside = (r >= 0) & (r < H) & (c >= 0) & (c < W)
            rows, cols = rows[inside], cols[inside]
            pix.append((r[inside] * W + c[inside]).astype(np.int64))
            step.append(np.full(len(rows), s, dtype=np.int64))
            order.append(np.full(len(rows), k, dtype=np.int64))
            rgb.append(sprite[rows, cols, :3].astype(np.float64))
            alpha.append(sprite[rows, cols, 3].astype(np.float64) / 255)
        if not pix or sum(len(p) for p in pix) == 0:
            return cls.empty()
        pix, step, order = np.concatenate(pix), np.concatenate(step), np.concatenate(order)
        rgb, alpha = np.concatenate(rgb), np.concatenate(alpha)
        sort = np.lexsort((order, pix))
        pix, step, rgb, alpha = pix[sort], step[sort], rgb[sort], alpha[sort]
        # "over" in painting order, per pixel: accumulate rank by rank (rank = place in its pixel's list)
        first = np.r_[True, pix[1:] != pix[:-1]]
        group_start = np.maximum.accumulate(np.where(first, np.arange(len(pix)), 0))
        rank = np.arange(len(pix)) - group_start
        acc_c = rgb * alpha[:, None]
        acc_a = alpha.copy()
        by_rank = np.argsort(rank, kind="stable")
        bounds = np.searchsorted(rank[by_rank], np.arange(1, rank.max() + 2))
        for r in range(1, rank.max() + 1):
            idx = by_rank[bounds[r - 1]:bounds[r]]
            keep = (1 - alpha[idx])
            acc_c[idx] = acc_c[idx] + acc_c[idx - 1] * keep[:, None]
            acc_a[idx] = acc_a[idx] + acc_a[idx - 1] * keep
        # a pixel painted twice at one step shows only the result of both
        last = np.r_[(pix[1:] != pix[:-1]) | (step[1:] != step[:-1]), True]
        pix, step, acc_c, acc_a = pix[last], step[last], acc_c[last], acc_a[last]
        return cls(pix, step, cls._ends(pix, step), acc_c, acc_a)

    def apply(self, image, step):
        """Composite what the layer shows at ``step`` onto ``image`` ((H, W, 3) uint8, C-contiguous) in place."""
        n = int(np.searchsorted(self.starts, step, side="right"))
        if n == 0:
            return
        live = self.ends[:n] > step
        idx = self.pixels[:n][live]
        flat = image.reshape(-1, 3)
        under = flat[idx].astype(np.float32)
        out = under * (1 - self.alpha[:n][live]) + self.colour[:n][live]
        flat[idx] = np.rint(out).astype(np.uint8)


def clip_segments(a, b, box):
    """Liang-Barsky: the parts ``(t0, t1, ok)`` of segments ``a -> b`` inside ``box = (x0, y0, x1, y1)``."""
    d = b - a
    t0 = np.zeros(len(a))
    t1 = np.ones(len(a))
    ok = np.ones(len(a), dtype=bool)
    x0, y0, x1, y1 = box
    for p, q in ((-d[:, 0], a[:, 0] - x0), (d[:, 0], x1 - a[:, 0]), (-d[:, 1], a[:, 1] - y0), (d[:, 1], y1 - a[:, 1])):
        parallel = p == 0
        ok &= ~(parallel & (q < 0))
        r = np.divide(q, p, out=np.zeros_like(q), where=~parallel)
        t0 = np.where(p < 0, np.maximum(t0, r), t0)
        t1 = np.where(p > 0, np.minimum(t1, r), t1)
    return t0, t1, ok & (t0 <= t1)


def polyline_events(points, *, width, shape, box, min_move=0.5, chunk=6.0, batch=4096):
    """Where a polyline that grows step by step paints, anti-aliased: ``(pixels, steps, alpha)``.

    ``points`` (m, 2) are the positions of steps ``0..m-1`` in image
    coordinates (x right, y down; the pixel in row r, column c has its centre
    at (c + 0.5, r + 0.5)).  The segment into point ``k`` shows from step ``k``.
    ``box = (left, top, width, height)`` is the pixel rectangle drawn into.
    For each pixel the result lists the steps at which its coverage rises and
    the coverage from then on, so step ``s`` shows the line up to point ``s``
    exactly (to ``min_move`` pixels: moves shorter than that are merged).

    Long segments are cut into ``chunk``-pixel pieces, each measured in a small
    window, so the cost follows the drawn length, not the bounding boxes.
    """
    H, W = shape
    bx, by, bw, bh = box
    empty = (np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.float64))
    points = np.asarray(points, dtype=np.float64)
    if len(points) < 2:
        return empty
    keep = [0]
    lx, ly = points[0].tolist()
    for k, (x, y) in enumerate(points[1:].tolist(), start=1):
        if abs(x - lx) + abs(y - ly) >= min_move:
            keep.append(k)
            lx, ly = x, y
    keep = np.array(keep)
    if len(keep) < 2:
        return empty
    a, b, seg_step = points[keep[:-1]], points[keep[1:]], keep[1:]
    hw = width / 2
    t0, t1, ok = clip_segments(a, b, (bx - hw - 1, by - hw - 1, bx + bw + hw + 1, by + bh + hw + 1))
    a, b, seg_step, t0, t1 = a[ok], b[ok], seg_step[ok], t0[ok], t1[ok]
    if len(a) == 0:
        return empty
    d = b - a
    a, b = a + d * t0[:, None], a + d * t1[:, None]
    d = b - a
    pieces = np.maximum(1, np.ceil(np.hypot(d[:, 0], d[:, 1]) / chunk)).astype(np.int64)
    owner = np.repeat(np.arange(len(a)), pieces)
    j = np.arange(len(owner)) - np.repeat(np.cumsum(pieces) - pieces, pieces)
    n = pieces[owner]
    pa = a[owner] + d[owner] * (j / n)[:, None]
    pb = a[owner] + d[owner] * ((j + 1) / n)[:, None]
    steps = seg_step[owner]
    S = int(math.ceil(chunk + 2 * hw + 2)) + 1
    ramp = np.arange(S)
    pixels, starts, alphas = [], [], []
    for lo in range(0, len(pa), batch):
        p0, p1, st = pa[lo:lo + batch], pb[lo:lo + batch], steps[lo:lo + batch]
        ox = np.floor(np.minimum(p0[:, 0], p1[:, 0]) - hw - 1).astype(np.int64)
        oy = np.floor(np.minimum(p0[:, 1], p1[:, 1]) - hw - 1).astype(np.int64)
        cols = ox[:, None] + ramp[None, :]                      # (b, S)
        rows = oy[:, None] + ramp[None, :]
        wx = (cols + 0.5 - p0[:, :1])[:, None, :]               # (b, 1, S)
        wy = (rows + 0.5 - p0[:, 1:])[:, :, None]               # (b, S, 1)
        v = p1 - p0
        vv = (v ** 2).sum(axis=1)
        vx, vy = v[:, 0, None, None], v[:, 1, None, None]
        t = np.divide(wx * vx + wy * vy, vv[:, None, None], out=np.zeros((len(p0), S, S)),
                      where=vv[:, None, None] > 0)
        t = np.clip(t, 0.0, 1.0)
        dist = np.hypot(wx - t * vx, wy - t * vy)
        alpha = np.clip(hw + 0.5 - dist, 0.0, 1.0)
        rr = np.broadcast_to(rows[:, :, None], alpha.shape)
        cc = np.broadcast_to(cols[:, None, :], alpha.shape)
        mask = (alpha > 1 / 255) & (rr >= by) & (rr < by + bh) & (cc >= bx) & (cc < bx + bw)
        mask &= (rr >= 0) & (rr < H) & (cc >= 0) & (cc < W)
        pixels.append(rr[mask] * W + cc[mask])
        starts.append(np.broadcast_to(st[:, None, None], alpha.shape)[mask])
        alphas.append(alpha[mask])
    pix, step, alpha = np.concatenate(pixels), np.concatenate(starts), np.concatenate(alphas)
    if len(pix) == 0:
        return empty
    order = np.lexsort((alpha, step, pix))
    pix, step, alpha = pix[order], step[order], alpha[order]
    # running maximum of coverage within each pixel, in whole 1/65535ths so it is exact: pixels are kept
    # apart by an offset of 65536 per pixel, more than any coverage
    level = np.rint(alpha * 65535).astype(np.int64)
    group = np.cumsum(np.r_[True, pix[1:] != pix[:-1]]) * 65536
    running = np.maximum.accumulate(group + level) - group
    last = np.r_[(pix[1:] != pix[:-1]) | (step[1:] != step[:-1]), True]
    pix, step, running = pix[last], step[last], running[last]
    new = np.r_[True, pix[1:] != pix[:-1]]
    rises = new | (running > np.r_[-1, running[:-1]])
    return pix[rises], step[rises], running[rises] / 65535.0


# -- the animation ----------------------------------------------------------------------------

class DescentAnimation:
    """Frames of a 1-D descent: the ball rolling on the curve, one frame per step.

    >>> anim = DescentAnimation(trajectory, CURVE, size=(960, 540))   # doctest: +SKIP

    ``trail`` draws a dot for every step so far and thin chords between
    consecutive steps; without it only the ball is drawn.  At most
    ``max_frames`` frames are made (steps spread evenly, or evenly in
    ``log(1 + step)`` with ``spacing="log"``; the last one kept); ``epochs``
    holds the step each frame shows.
    """

    def __init__(self, trajectory, function, *, size=(960, 540), caption=None, title=None, trail=True,
                 max_frames=200, spacing="linear", theme="default"):
        width, height = size
        if width < MIN_SIZE[0] or height < MIN_SIZE[1]:
            raise UserError(f"--size {width}x{height} is too small (at least {MIN_SIZE[0]}x{MIN_SIZE[1]})")
        if getattr(function, "dim", 1) != 1 or trajectory.positions.shape[1] != 1:
            raise UserError("DescentAnimation draws 1-D descents; use ContourRace for 2-D ones")
        if theme not in THEMES:
            raise UserError(f"unknown theme {theme!r} (choose from {', '.join(THEMES)})")
        self.trajectory, self.function = trajectory, function
        self.size = (int(width), int(height))
        self.theme = THEMES[theme]
        self.caption, self.title, self.trail = caption, title, trail
        self.total = int(trajectory.steps)
        self.epochs = shown_steps(self.total, max_frames, spacing)
        self.lut = step_lut()
        self.levels = step_level(np.arange(self.total + 1), self.total)
        self.description = describe_trajectory(trajectory)
        self.hyper = hyper_parameters(trajectory)
        self._layout()
        self._draw_static()
        self._place_steps()
        self._make_layers()

    def __len__(self):
        return len(self.epochs)

    def __repr__(self):
        return (f"<DescentAnimation {self.trajectory.function}: {self.description}, {len(self)} frames, "
                f"{self.size[0]}x{self.size[1]}>")

    # -- layout ------------------------------------------------------------------------
    def _layout(self):
        W, H = self.size
        self.margin = m = max(6, round(H * 0.022))
        self.font_px = fp = max(10, round(H * 0.03))
        self.header_h = round(fp * 3.4)
        self.caption_lines = self._wrap(self.caption, W - 2 * m, round(fp * 0.9)) if self.caption else []
        footer = round(fp * 2.6) + round(len(self.caption_lines) * fp * 1.25) + m
        left = m + round(fp * 3.6)
        self.plot = (left, self.header_h + m, W - left - 2 * m, H - self.header_h - m - footer)
        if self.plot[3] < 4 * fp:
            raise UserError(f"--size {W}x{H} leaves no room for the curve; use a larger frame")
        self.dot_r = max(2.5, H * 0.0075)
        self.ball_r = max(5.0, H * 0.019)
        self.arrow_len = max(9.0, H * 0.03)

    @staticmethod
    def _wrap(text, width_px, size_px):
        face = font(size_px)
        lines, line = [], ""
        for word in str(text).split():
            trial = f"{line} {word}".strip()
            if line and face.getlength(trial) > width_px:
                lines.append(line)
                line = word
            else:
                line = trial
        return lines + ([line] if line else [])

    # -- static layers -----------------------------------------------------------------
    def _view(self):
        f = self.function
        xmin, xmax = (float(v) for v in f.domain)
        xs = np.linspace(xmin, xmax, 2001)
        ys = np.asarray(f.value(xs), dtype=np.float64)
        positions = self.trajectory.positions[:, 0]
        inside = (positions >= xmin) & (positions <= xmax)
        values = np.concatenate([ys, self.trajectory.values[inside]])
        low, high = float(values.min()), float(values.max())
        span = (high - low) or 1.0
        return xs, ys, (xmin, xmax), (low - 0.16 * span, high + 0.10 * span)

    def _draw_static(self):
        W, H = self.size
        theme, fp, m = self.theme, self.font_px, self.margin
        xs, ys, self.xlim, self.ylim = self._view()
        fig = new_figure(W, H, facecolor=theme.background)
        pt = fp * 72 / fig.dpi
        ax = add_axes_px(fig, *self.plot)
        ax.set_xlim(*self.xlim)
        ax.set_ylim(*self.ylim)
        ax.set_facecolor(theme.background)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        for side in ("left", "bottom"):
            ax.spines[side].set_color("#9a9a9a")
        ax.tick_params(labelsize=pt * 0.75, colors=theme.muted, length=3)
        ax.set_xlabel("x  (the parameter)", fontsize=pt * 0.8, color=theme.muted, labelpad=2)
        ax.set_ylabel("f(x)  (the loss)", fontsize=pt * 0.8, color=theme.muted, labelpad=2)
        ax.grid(True, color="#eeeeee", lw=0.8)
        ax.set_axisbelow(True)

        f = self.function
        local = np.atleast_1d(np.asarray(f.local_minima(), dtype=np.float64))
        best = np.atleast_1d(np.asarray(f.minima, dtype=np.float64)).reshape(-1)
        offset = 0.055 * (self.ylim[1] - self.ylim[0])
        others = [x for x in local if np.min(np.abs(best - x)) > 1e-9]
        if others:
            ox = np.array(others)
            ax.plot(ox, f.value(ox) - offset, linestyle="none", marker="^", ms=fp * 0.45, color="#c4c4c4",
                    mec="none")
            ax.text(ox[0], f.value(ox[0]) - 2.0 * offset, "local minima", ha="center", va="top",
                    fontsize=pt * 0.65, color="#a0a0a0")
        by = np.asarray(f.value(best), dtype=np.float64) - offset
        ax.plot(best, by, linestyle="none", marker="^", ms=fp * 0.65, color=theme.ink, mec="none")
        for x, y in zip(best, by):
            ax.text(x, y - offset * 0.7, "global minimum", ha="center", va="top", fontsize=pt * 0.75,
                    color=theme.ink, fontweight="bold")
        self.minimum_markers = [self._to_pixel(ax, x, y) for x, y in zip(best, by)]

        # step colour key, bottom right inside the plot (where the curve is not, for CURVE)
        px, py, pw, ph = self.plot
        kw, kh = round(fp * 7), max(6, round(fp * 0.45))
        kx, ky = px + pw - kw - round(fp * 2.8), py + ph - kh - round(fp * 0.8)
        key = add_axes_px(fig, kx, ky, kw, kh)
        key.imshow(self.lut[None, :, :], aspect="auto", interpolation="nearest", extent=(0, 1, 0, 1))
        key.set_xticks([])
        key.set_yticks([])
        for spine in key.spines.values():
            spine.set_color("#9a9a9a")
            spine.set_linewidth(0.6)
        ymid = 1 - (ky + kh / 2) / H
        fig.text((kx - 4) / W, ymid, "step 0", ha="right", va="center", fontsize=pt * 0.7, color=theme.muted)
        fig.text((kx + kw + 4) / W, ymid, f"{self.total}", ha="left", va="center", fontsize=pt * 0.7,
                 color=theme.muted)

        fig.text(m / W, 1 - (m * 0.6) / H, self.description, ha="left", va="top", fontsize=pt * 1.15,
                 fontweight="bold", color=theme.ink)
        if self.title:
            fig.text(1 - m / W, 1 - (m * 0.6) / H, str(self.title), ha="right", va="top", fontsize=pt * 0.9,
                     color=theme.muted)
        self.background = np.ascontiguousarray(figure_rgba(fig)[..., :3])
        for k, line in enumerate(self.caption_lines):
            draw_text(self.background, (m, H - m - (len(self.caption_lines) - 1 - k) * round(fp * 1.25)), line,
                      size_px=round(fp * 0.9), colour=hex_rgb(theme.ink), anchor="ls")

        # the curve on its own transparent layer: chords go under it, dots over it
        layer = new_figure(W, H, facecolor="none")
        cax = add_axes_px(layer, *self.plot)
        cax.set_axis_off()
        cax.set_xlim(*self.xlim)
        cax.set_ylim(*self.ylim)
        cax.plot(xs, ys, color=CURVE_COLOUR, lw=max(1.5, fp * 0.16), solid_capstyle="round")
        self.curve = Overlay(figure_rgba(layer))
        self.axes = ax

    def _to_pixel(self, ax, x, y):
        u, v = ax.transData.transform((x, y))
        return int(math.floor(self.size[1] - v)), int(math.floor(u))

    # -- where every step is drawn -------------------------------------------------------
    def _place_steps(self):
        """Image coordinates of every step, clamped into the plot; which ones left the view, and which way."""
        H = self.size[1]
        xs = self.trajectory.positions[:, 0]
        fs = self.trajectory.values
        (x0, x1), (y0, y1) = self.xlim, self.ylim
        # clamped per axis, so a ball far up and to the left sits in the top-left corner
        uv = self.axes.transData.transform(np.c_[np.clip(xs, x0, x1), np.clip(fs, y0, y1)])
        uv[:, 1] = H - uv[:, 1]
        self.out = np.stack([np.sign(np.where(xs < x0, -1, 0) + np.where(xs > x1, 1, 0)),
                             np.sign(np.where(fs > y1, -1, 0) + np.where(fs < y0, 1, 0))], axis=1)
        self.left_view = np.any(self.out != 0, axis=1)
        px, py, pw, ph = self.plot
        inset = self.dot_r + 1
        self.points = np.c_[np.clip(uv[:, 0], px + inset, px + pw - inset),
                            np.clip(uv[:, 1], py + inset, py + ph - inset)]
        inset = self.ball_r + self.arrow_len + 3
        self.ball_points = np.where(self.left_view[:, None],
                                    np.c_[np.clip(uv[:, 0], px + inset, px + pw - inset),
                                          np.clip(uv[:, 1], py + inset, py + ph - inset)], self.points)

    def step_pixel(self, step):
        """The (row, col) of the centre of step ``step``'s dot (clamped into the plot if it left the view)."""
        u, v = self.points[step]
        return int(math.floor(v)), int(math.floor(u))

    def ball_pixel(self, step):
        """The (row, col) of the centre of the ball when the frame shows ``step``."""
        u, v = self.ball_points[step]
        return int(math.floor(v)), int(math.floor(u))

    def data_to_pixel(self, x, y):
        """The frame pixel (row, col) where the data point (x, f) is drawn."""
        return self._to_pixel(self.axes, x, y)

    def step_colour(self, step):
        """The RGB colour of step ``step``'s dot (the same in every frame)."""
        return tuple(int(c) for c in self.lut[self.levels[step]])

    def _make_layers(self):
        W, H = self.size
        shape = (H, W)
        if self.trail:
            sprites = {}
            items = []
            for step in range(self.total + 1):
                level = int(self.levels[step])
                if level not in sprites:
                    fill = self.lut[level]
                    sprites[level] = disc(self.dot_r, tuple(int(c) for c in fill),
                                          edge=tuple(int(c) for c in np.rint(fill * 0.55)))
                sprite, c = sprites[level]
                r, col = self.step_pixel(step)
                items.append((step, sprite, r - c, col - c))
            self.dots = StepLayer.sprites(shape, items)
            pix, starts, alpha = polyline_events(self.points, width=max(1.0, self.font_px * 0.08), shape=shape,
                                                 box=self.plot)
            self.chords = StepLayer.coverage(pix, starts, alpha, hex_rgb(CHORD_COLOUR))
        else:
            self.dots = self.chords = StepLayer.empty()
        self.balls = {level: disc(self.ball_r, tuple(int(c) for c in self.lut[level]), edge=EDGE)
                      for level in np.unique(self.levels[self.epochs]).tolist()}
        self.arrows = {}
        for direction in {tuple(int(v) for v in d) for d in self.out[self.left_view]}:
            self.arrows[direction] = arrow_sprite(self.arrow_len, hex_rgb(self.theme.ink), direction)

    # -- frames --------------------------------------------------------------------------
    def frame(self, index):
        """Frame ``index`` (showing step ``epochs[index]``) as an (H, W, 3) uint8 array."""
        step = int(self.epochs[index])
        image = self.background.copy()
        self.chords.apply(image, step)
        self.curve.apply(image)
        self.dots.apply(image, step)
        self._draw_ball(image, step)
        self._draw_status(image, step)
        if index == len(self) - 1 and self.trajectory.diverged_at is not None:
            self._banner(image)
        return image

    def _draw_ball(self, image, step):
        sprite, c = self.balls[int(self.levels[step])]
        r, col = self.ball_pixel(step)
        blend(image, sprite, r - c, col - c)
        if not self.left_view[step]:
            return
        dx, dy = (int(v) for v in self.out[step])
        arrow, ac = self.arrows[(dx, dy)]
        gap = self.ball_r + self.arrow_len / 2 + 2
        norm = math.hypot(dx, dy)
        ar, acol = round(r + dy * gap / norm), round(col + dx * gap / norm)
        blend(image, arrow, ar - ac, acol - ac)
        x, f = float(self.trajectory.positions[step, 0]), float(self.trajectory.values[step])
        text = f"off the chart: x = {x:.3g}, f(x) = {f:.3g}"
        fp = self.font_px
        side = -dx if dx else 1
        anchor = "rm" if side < 0 else "lm"
        ty = r + (round(fp * 1.6) if dy < 0 else -round(fp * 1.6) if dy > 0 else 0)
        draw_text(image, (col + side * (self.ball_r + 6), ty), text, size_px=round(fp * 0.8),
                  colour=hex_rgb(self.theme.ink), anchor=anchor, background=(255, 255, 255))

    def _draw_status(self, image, step):
        fp, m = self.font_px, self.margin
        x = float(self.trajectory.positions[step, 0])
        f = float(self.trajectory.values[step])
        text = f"step {step} / {self.total}    x = {x:.4g}    f(x) = {f:.4g}"
        if self.hyper.get("decay") and step < len(self.trajectory.learning_rates):
            text += f"    lr now {self.trajectory.learning_rates[step]:.4g}"
        draw_text(image, (m, self.header_h - round(fp * 0.55)), text, size_px=fp,
                  colour=hex_rgb(self.theme.ink), anchor="ls")

    def _banner(self, image):
        px, py, pw, ph = self.plot
        fp = self.font_px
        t = self.trajectory
        top = py + round(ph * 0.36)
        draw_text(image, (px + pw // 2, top),
                  f"gradient explosion: overflow at step {t.diverged_at}", size_px=round(fp * 1.25),
                  colour=(255, 255, 255), bold=True, anchor="mm", background=hex_rgb(self.theme.warning))
        if t.cause:
            draw_text(image, (px + pw // 2, top + round(fp * 1.8)), t.cause, size_px=round(fp * 0.75),
                      colour=hex_rgb(self.theme.warning), anchor="mm", background=(255, 255, 255))

    # -- palettes ------------------------------------------------------------------------
    def colours(self):
        """Colours frames are made of exactly: the step colours, the curve, ink, background, warning."""
        theme = self.theme
        fixed = [theme.background, theme.ink, theme.warning, theme.muted, CURVE_COLOUR, CHORD_COLOUR,
                 "#ffffff", "#c4c4c4"]
        return np.concatenate([self.lut, np.rint(self.lut * 0.55).astype(np.uint8),
                               np.array([hex_rgb(c) for c in fixed] + [EDGE], dtype=np.uint8)])
