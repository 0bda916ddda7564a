"""What a contour race's map shows: the part of the plane in view, the contour levels and their colours.

These depend on the function and the runs only, never on the frame's size, so
they are plain functions of those; :class:`renderers.contour_race.ContourRace`
draws with them.  :func:`end_labels` places the runs' names where their trails
end, in the map's pixels.
"""

import math

import numpy as np
from matplotlib.colors import LogNorm, Normalize
from matplotlib.ticker import MaxNLocator

from animator.errors import UserError

from .identity import nudge_apart
from .shapes import rgb_hex, text_width, toward_ink
from .theme import hex_rgb

LOG_RATIO = 10.0        # log-spaced levels when max(f) - min(f) exceeds this many times median(f) - min(f)
LEVELS = 16
# the contour map's ramp, low to high: (depth from the page toward the ink, coolness), a grey
# (renderers.shapes.toward_ink) made bluer by the coolness: white, #e4e8ec, #b9c0c7, #8e959c on the
# default page, cool greys rising from a dark one
CONTOUR_RAMP = ((0, 0), (23, 4), (63, 7), (106, 7))
LABEL_GAP = 1.6         # end labels' baselines at least this many type sizes apart: their boxes just clear


def contour_ramp(theme):
    """The contour map's colours from low to high (``#rrggbb``): cool greys from the theme's page toward its ink."""
    stops = []
    for depth, cool in CONTOUR_RAMP:
        grey = np.array(hex_rgb(toward_ink(theme, depth)), dtype=np.int64)
        stops.append(rgb_hex(np.clip(grey + [-cool, 0, cool], 0, 255)))
    return stops


def choose_view(function, trajectories, view):
    """``(xlim, ylim)`` of the map: the function's domain, the given view, or (None) one that fits the runs.

    Fitting takes the minima, each run's start and every position inside the
    domain, in a square 12% larger than their span.
    """
    f = function
    if view == "domain":
        (x0, x1), (y0, y1) = f.domain
    elif view is not None:
        (x0, x1), (y0, y1) = view
    else:
        (dx0, dx1), (dy0, dy1) = f.domain
        points = [np.asarray(f.minima, dtype=np.float64).reshape(-1, 2)]
        for t in trajectories:
            p = t.positions
            inside = (p[:, 0] >= dx0) & (p[:, 0] <= dx1) & (p[:, 1] >= dy0) & (p[:, 1] <= dy1)
            points += [p[inside], p[:1]]
        points = np.concatenate(points)
        low, high = points.min(axis=0), points.max(axis=0)
        centre = (low + high) / 2
        half = max(float((high - low).max()) / 2 * 1.12, 1e-3)
        (x0, x1), (y0, y1) = (centre[0] - half, centre[0] + half), (centre[1] - half, centre[1] + half)
    if not (x1 > x0 and y1 > y0):
        raise UserError(f"view {((x0, x1), (y0, y1))} is empty")
    return (float(x0), float(x1)), (float(y0), float(y1))


def contour_levels(z, minimum_value, log_levels):
    """What to contour, its levels (round numbers), the norm, colour-bar ticks, and the offset taken off.

    ``z`` are the function's values over the view, ``minimum_value`` its lowest
    value anywhere; ``log_levels`` None picks log-spaced levels when the range
    is wide (Rosenbrock, Beale).
    """
    low = min(float(z.min()), float(minimum_value))
    high, median = float(z.max()), float(np.median(z))
    if log_levels is None:
        log_levels = (high - low) > LOG_RATIO * max(median - low, 1e-300)
    if log_levels:
        shifted = z - low
        floor = max(float(np.percentile(shifted, 0.5)), (high - low) * 1e-6, 1e-12)
        first, last = math.floor(math.log10(floor)), math.ceil(math.log10(max(high - low, floor * 10)))
        decades = max(last - first, 1)
        per = min(4, max(1, round(LEVELS / decades)))
        levels = 10.0 ** np.linspace(first, first + decades, decades * per + 1)
        ticks = 10.0 ** np.arange(first, first + decades + 1, 1 if decades <= 6 else 2)
        return shifted, levels, LogNorm(levels[0], levels[-1]), ticks, low
    levels = MaxNLocator(nbins=LEVELS).tick_values(low, high)
    ticks = MaxNLocator(nbins=5).tick_values(levels[0], levels[-1])
    return z, levels, Normalize(levels[0], levels[-1]), ticks, 0.0


def end_labels(ends, names, plot, ball_r, size_px, beside=None):
    """Where each run's name stands once its trail has ended: ``[((x, y), anchor), ...]``, or None if they do not fit.

    ``ends`` are the (row, col) pixels where the runs end, ``plot`` the map's
    (left, top, width, height).  A name stands right of its run's end, or left
    where it would leave the map; names whose boxes would share columns are
    nudged apart vertically (order kept), as close to their ends as they can be.
    ``beside``: per run, None or the ``(x, anchor)`` its name must stand at
    (:func:`group_labels`' column beside a fanned-out group).
    """
    px, py, pw, ph = plot
    pad = ball_r + size_px * 0.4
    boxes = []
    for k, ((row, col), name) in enumerate(zip(ends, names)):
        width = text_width(name, size_px)
        right = col + pad + width <= px + pw - 2
        x = col + pad if right else col - pad
        if beside is not None and beside[k] is not None:
            x, anchor = beside[k]
            right = anchor == "lm"
        boxes.append((x, row, "lm" if right else "rm", (x, x + width) if right else (x - width, x)))
    # runs whose names share columns, as groups (transitively)
    group = list(range(len(boxes)))
    for a in range(len(boxes)):
        for b in range(a):
            (a0, a1), (b0, b1) = boxes[a][3], boxes[b][3]
            if a0 < b1 and b0 < a1:
                old, new = group[a], group[b]
                group = [new if g == old else g for g in group]
    rows = [float(row) for _, row, _, _ in boxes]
    for g in sorted(set(group)):
        members = [k for k in range(len(boxes)) if group[k] == g]
        placed = nudge_apart([rows[k] for k in members], size_px * LABEL_GAP, py + size_px, py + ph - size_px)
        if placed is None:
            return None
        for k, y in zip(members, placed):
            rows[k] = y
    return [((round(x), round(y)), anchor) for (x, _, anchor, _), y in zip(boxes, rows)]


def fan_out(points, radius, fixed=None):
    """``points`` (n, 2) as drawn, with each group of markers that would overlap spread on a ring round its centre.

    Markers of ``radius`` whose centres are closer than one radius, so that one
    hides more than half of another, form a group (transitively); a
    group's members go round its centre, first at the top, clockwise, in order,
    neighbours 2.5 radii apart, so that four runs ending at one minimum show four
    markers instead of the last one drawn.  A member marked ``fixed`` (a run that
    stopped earlier, which stays where it stopped) keeps its place, and the
    group's others go round it.
    """
    return fanned(points, radius, fixed)[0]


def fanned(points, radius, fixed=None):
    """:func:`fan_out`'s places, and per point its group's centre (None for a point left where it was)."""
    points = np.asarray(points, dtype=np.float64)
    fixed = np.zeros(len(points), dtype=bool) if fixed is None else np.asarray(fixed, dtype=bool)
    centres = [None] * len(points)
    group = list(range(len(points)))
    for a in range(len(points)):
        for b in range(a):
            if np.hypot(*(points[a] - points[b])) < radius and group[a] != group[b]:
                old, new = group[a], group[b]
                group = [new if g == old else g for g in group]
    spread = points.copy()
    for g in sorted(set(group)):
        members = [k for k in range(len(points)) if group[k] == g]
        if len(members) < 2:
            continue
        anchors = [k for k in members if fixed[k]]
        centre = points[anchors[0]] if anchors else points[members].mean(axis=0)
        moving = [k for k in members if not fixed[k]]
        ring = 1.25 * radius / np.sin(np.pi / max(len(moving), 2)) + (1.25 * radius if anchors else 0)
        for j, k in enumerate(moving):
            theta = 2 * np.pi * j / len(moving) - np.pi / 2
            spread[k] = centre + ring * np.array([np.cos(theta), np.sin(theta)])
        for k in members:
            centres[k] = centre
    return spread, centres


def group_column(places, centre, radius, names, size_px, plot):
    """Where the names of one fanned-out group's markers stand: ``(x, anchor)``, a column just clear of the group,
    right of it or, where that leaves the ``plot``, left (:func:`end_labels` then sets their heights)."""
    px, py, pw, ph = plot
    places = np.asarray(places, dtype=np.float64)
    reach = float(np.max(np.abs(places[:, 0] - centre[0]))) + radius + size_px * 0.4
    width = max(text_width(name, size_px) for name in names)
    if centre[0] + reach + width <= px + pw - 2:
        return round(centre[0] + reach), "lm"
    return round(centre[0] - reach), "rm"
