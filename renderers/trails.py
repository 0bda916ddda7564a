"""Trails and markers for descents: sprites, and line layers indexed by step.

A :class:`StepLayer` stores every pixel a trajectory's trail will ever paint
together with the step from which it shows, so frame ``s`` composites only the
pixels of steps up to ``s``: frames are independent of each other (and so can be
drawn in any order, in any worker process) yet cost O(trail pixels) each.
"""

import math

import numpy as np
from PIL import Image, ImageDraw

EDGE = (40, 40, 40)


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


def dash_cover(arc, dashes):
    """How much of a dashed line is drawn at each arc length (pixels from its start), 0 to 1, anti-aliased.

    ``dashes`` are on, off, on, ... lengths in pixels, repeating; ``()`` is a solid line.
    """
    if not dashes:
        return np.ones_like(arc)
    period = float(sum(dashes))
    phase = np.mod(arc, period)
    cover = np.zeros_like(arc)
    start = 0.0
    for k, length in enumerate(dashes):
        if k % 2 == 0:
            for shift in (-period, 0.0, period):        # a dash's soft ends wrap around the period
                lo, hi = start + shift, start + length + shift
                cover = np.maximum(cover, np.clip(np.minimum(phase - lo + 0.5, hi - phase + 0.5), 0.0, 1.0))
        start += length
    return cover


def polyline_events(points, *, width, shape, box, min_move=0.5, chunk=6.0, batch=4096, dashes=()):
    """Where a polyline that grows step by step paints, anti-aliased: ``(pixels, steps, alpha)``.

    ``points`` (m, 2) are the positions of steps ``0..m-1`` in image
    coordinates (x right, y down; the pixel in row r, column c has its centre
    at (c + 0.5, r + 0.5)).  The segment into point ``k`` shows from step ``k``.
    ``box = (left, top, width, height)`` is the pixel rectangle drawn into.
    For each pixel the result lists the steps at which its coverage rises and
    the coverage from then on, so step ``s`` shows the line up to point ``s``
    exactly (to ``min_move`` pixels: moves shorter than that are merged).
    ``dashes`` (on, off, ... in pixels, see :func:`dash_cover`) dash the line
    along its length from the first point.

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
    lengths = np.hypot(*(b - a).T)
    arc = np.cumsum(lengths) - lengths                   # where each segment starts along the line
    hw = width / 2
    t0, t1, ok = clip_segments(a, b, (bx - hw - 1, by - hw - 1, bx + bw + hw + 1, by + bh + hw + 1))
    a, b, seg_step, t0, t1 = a[ok], b[ok], seg_step[ok], t0[ok], t1[ok]
    if len(a) == 0:
        return empty
    arc = arc[ok] + t0 * lengths[ok]
    d = b - a
    a, b = a + d * t0[:, None], a + d * t1[:, None]
    d = b - a
    span = np.hypot(d[:, 0], d[:, 1])
    pieces = np.maximum(1, np.ceil(span / chunk)).astype(np.int64)
    owner = np.repeat(np.arange(len(a)), pieces)
    j = np.arange(len(owner)) - np.repeat(np.cumsum(pieces) - pieces, pieces)
    n = pieces[owner]
    pa = a[owner] + d[owner] * (j / n)[:, None]
    pb = a[owner] + d[owner] * ((j + 1) / n)[:, None]
    piece_arc = arc[owner] + span[owner] * (j / n)
    steps = seg_step[owner]
    S = int(math.ceil(chunk + 2 * hw + 2)) + 1
    ramp = np.arange(S)
    pixels, starts, alphas = [], [], []
    for lo in range(0, len(pa), batch):
        p0, p1, st, s0 = pa[lo:lo + batch], pb[lo:lo + batch], steps[lo:lo + batch], piece_arc[lo:lo + batch]
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
        if dashes:
            alpha = alpha * dash_cover(s0[:, None, None] + t * np.sqrt(vv)[:, None, None], dashes)
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
