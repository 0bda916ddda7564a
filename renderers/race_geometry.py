"""Where the parts of a race frame go: the entrants' panels, their captions and the two charts.

The arrangement is chosen for the frame's shape: panels in a row or a 2x2
grid, the curves below them or to their right, whichever gives the largest
panels.  At 16:9 and wider four panels stand in a row over the two charts
(see :mod:`renderers.race`); at 4:3 and 1:1 they form a 2x2 grid with the
charts stacked on the right::

    +---------------------------------------------+
    | epoch 1,234 / 10,000       spiral · ...     |
    | ━ SGD            ━ AdaGrad     loss  ━ ━ ━ ━|
    | +----------+     +----------+  [curves]     |
    | | regions  |     | regions  |               |
    | +----------+     +----------+               |
    | ━ RMSProp        ━ Adam        accuracy     |
    | +----------+     +----------+  [curves]     |
    | | regions  |     | regions  |               |
    | +----------+     +----------+        epoch  |
    +---------------------------------------------+

Type is sized from the frame's height times the theme's ``type_scale``; an
entrant's settings wrap onto up to three lines, and shrink until they fit.
Each chart keeps a column on its right for the entrants' names where their
curves end, if the curves keep :data:`CURVES_EM` type sizes of width beside it.
"""

from .layout import wrap
from .raster import font
from .shapes import least_px, type_px
from .story import caption_height, caption_lines

MIN_TEXT_PX = 8        # no caption shrinks below this to fit its panel
CURVES_EM = 8          # the end labels' column is left out where it would leave the curves less width
STATS_SAMPLE = "acc 0.000 · loss 00.000"    # as wide as an entrant's numbers under its panel get
GRID_BELOW = 1.5       # frames squarer than 3:2 (4:3, 1:1) always take the 2x2 grid, whatever the type's size


class RaceGeometry:
    """The rectangles of a race frame, set on the layout by :meth:`_layout`.

    The layout sets ``size``, ``theme``, ``recordings``, ``texts`` (each
    entrant's title and settings) and ``names`` (what its legend entry and end label say) first; :meth:`_layout` then sets the type
    sizes, ``cells`` (per entrant, its caption's corner and its panel) and
    ``charts`` (the loss and accuracy plots), in pixels.
    """

    def _layout(self):
        """The arrangement at the theme's type size, or, where that leaves panels too small for an entrant's
        numbers (the projector's large type on a 4:3 grid), at the largest smaller size whose panels hold them."""
        screen = type_px(self.size, 1.0, 0.028, floor=9, by_height=True)
        for fp in range(type_px(self.size, self.theme.type_scale, 0.028, floor=9, by_height=True), screen - 1, -1):
            self._layout_at(fp)
            if fp == screen or font(max(7, self.least_px)).getlength(STATS_SAMPLE) <= self.cells[0][1][2]:
                return

    def _layout_at(self, fp):
        W, H = self.size
        n = len(self.recordings)
        self.margin = m = max(6, round(H * 0.022))
        self.font_px = fp
        self.least_px = least = least_px(self.size, self.theme)
        self.small_px = sp = max(8, round(fp * 0.86), least)
        self.caption_px = max(least, round(fp * 0.9))
        self.caption_lines = caption_lines(self.caption, W - 2 * m, self.caption_px)
        self.caption_h = caption_height(self.caption_lines, self.caption_px, m)
        H -= self.caption_h                 # everything else sits above the caption
        self.header_h = round(fp * 2.4)
        self.title_h = round(fp * 1.45)
        self.line_h = round(sp * 1.3)
        self.stats_h = round(fp * 1.6)
        self.params = [settings for _, settings in self.texts]

        best = None
        shapes = [(1, n), ((n + 1) // 2, min(n, 2))]
        if W < GRID_BELOW * self.size[1] and n > 2:
            shapes = shapes[1:]             # the README's promise: a 2x2 grid at 4:3 and 1:1 in every theme
        for rows, cols in dict.fromkeys(shapes):
            for place in ("below", "right"):
                side, lines = self._panel_side(rows, cols, place)
                if best is None or side > best[0]:
                    best = (side, lines, rows, cols, place)
        side, lines, rows, cols, place = best
        if side < 64:
            raise self.no_room(self.size, f"{n} race panels")
        self.arrangement = (rows, cols, place)
        self.params_px = self._settings_size(side, lines)
        self.lines = max(len(self._wrap(p, side)) for p in self.params)
        cell_h = self.title_h + self.lines * self.line_h + side + self.stats_h
        block_w = cols * side + (cols - 1) * 2 * m
        block_h = rows * cell_h + (rows - 1) * m
        top = self.header_h
        right_pad = round(fp * 1.3)     # room for the last x tick label, centred on the chart's edge
        if place == "below":
            left = (W - block_w) // 2
            charts = (m, top + block_h + m, W - 2 * m - right_pad, H - m)
        else:
            left = m
            charts = (left + block_w + 3 * m, top, W - m - right_pad - (left + block_w + 3 * m), H - m)
            top += max(0, (H - m - top - block_h) // 2)
        self.border = b = max(2, round(fp * 0.2))
        self.cells = []   # per entrant: caption top-left (x, y) and the panel (x, y, side, side), frame included
        for k in range(n):
            r, c = divmod(k, cols)
            x = left + c * (side + 2 * m)
            y = top + r * (cell_h + m)
            self.cells.append(((x, y), (x, y + self.title_h + self.lines * self.line_h, side, side)))
        self.inner = side - 2 * b
        widest = font(fp).getlength(STATS_SAMPLE)
        self.stats_px = fp if widest <= side else max(7, least, int(fp * side / widest))

        # the two curve charts: side by side below the panels, or stacked to their right
        cx, cy, cw, bottom = charts
        # how high a two-row legend may reach: the panels' last line above the charts, or the header's text
        self.legend_ceiling = cy if place == "below" else round(self.header_h * 0.55 + sp * 0.7)
        tick_w = round(fp * 2.7)
        label_h = round(fp * 1.5)
        axis_h = round(fp * 2.3)      # tick labels and "epoch" under a chart
        if place == "below":
            each = (cw - m) // 2
            h = bottom - cy - label_h - axis_h
            self.charts = [(cx + k * (each + m) + tick_w, cy + label_h, each - tick_w, h) for k in range(2)]
            self.x_labels = [True, True]
        else:
            h = (bottom - cy - 2 * label_h - axis_h - m) // 2
            self.charts = [(cx + tick_w, cy + label_h + k * (h + label_h + m), cw - tick_w, h) for k in range(2)]
            self.x_labels = [False, True]
        if min(h, self.charts[0][2]) < 3 * fp:
            raise self.no_room(self.size, "the race's curves")
        # the entrants' names where their curves end, in a column right of each chart, where there is room
        self.end_label_px = max(MIN_TEXT_PX, round(fp * 0.72), least)
        column = round(max(font(self.end_label_px).getlength(name) for name in self.names) + fp * 0.6)
        self.end_labels = column if self.charts[0][2] - column >= CURVES_EM * fp else 0
        self.charts = [(x, y, w - self.end_labels, h) for x, y, w, h in self.charts]

    def _panel_side(self, rows, cols, place):
        """The largest square panel for this arrangement, with room for captions and curves, and its caption lines.

        The settings may take 1 to 3 lines under an entrant's title; the fewest that hold them wins.
        """
        W, H = self.size[0], self.size[1] - self.caption_h
        m = self.margin
        width = W - 2 * m - (cols - 1) * 2 * m
        height = H - self.header_h - m - (rows - 1) * m
        if place == "below":
            height -= round(H * 0.34) + m
        else:
            width -= round(W * 0.32) + 3 * m
        side = 0
        for lines in (1, 2, 3):
            extra = self.title_h + lines * self.line_h + self.stats_h
            side = max(0, min(width // cols, height // rows - extra))
            if all(len(self._wrap(p, side, self.small_px)) <= lines for p in self.params):
                return side, lines
        return side, 3

    def _settings_size(self, side, lines):
        """The settings' type size: the small size, or smaller until every setting fits the panel's width
        and every entrant's settings fit ``lines`` lines (large type in a small frame)."""
        size = self.small_px
        while size > max(MIN_TEXT_PX, self.least_px) and not all(
                len(self._wrap(p, side, size)) <= lines and max(font(size).getlength(x) for x in p or [""]) <= side
                for p in self.params):
            size -= 1
        return size

    def _wrap(self, parts, width, size=None):
        """``parts`` joined by `` · `` into lines no wider than ``width`` pixels (a long part gets its own)."""
        return wrap(parts, width, self.params_px if size is None else size, separator=" · ") or [""]


def short_names(titles, texts):
    """Legend names: the identity's name, and for entrants sharing one the first setting that tells them apart.

    ``titles`` are the entrants' identity names (``SGD with momentum``), ``texts`` their ``(title, settings)``
    pairs from :func:`renderers.layout.optimizer_text`.

    >>> short_names(["SGD", "SGD", "Adam"], [("SGD", ["lr=0.5"]), ("SGD", ["lr=1.0"]), ("Adam", ["lr=0.05"])])
    ['SGD · lr=0.5', 'SGD · lr=1.0', 'Adam']
    """
    names = []
    for title, (_, settings) in zip(titles, texts):
        twins = [own for name, (_, own) in zip(titles, texts) if name == title]
        shared = set.intersection(*(set(own) for own in twins))
        distinct = [x for x in settings if x not in shared]
        names.append(" · ".join([title] + distinct[:1]) if len(twins) > 1 else title)
    return names
