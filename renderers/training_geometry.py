"""Where the parts of a training animation's frame go, for each frame shape.

A frame is arranged for its shape (:data:`ARRANGEMENTS`), never squeezed.  From
1.4:1 (16:10, 16:9, 21:9) the decision regions fill the left and the weight bars
stand over the curves on the right (``side``)::

    +--------------------------------------------------------------+
    | SGD · lr=1.0 · decay=0.001 · momentum=0.9       spiral · ... |
    | epoch 1234   acc 0.873   loss 0.345   lr 0.447               |
    | +--------------------+  Dense 1   [weights & biases bar]     |
    | |  decision regions  |  update    [update bar, own scale]    |
    | |  + data points     |  Dense 2   [...]                      |
    | |                    |  loss      [curve, cursor]            |
    | |                    |  accuracy  [curve, cursor]            |
    | +--------------------+  lr        [curve, cursor]            |
    +--------------------------------------------------------------+

From 1.2:1 to 1.4:1 (4:3, 5:4) the curves stand beside the regions and the bars
run beneath both, a column per layer (``beneath``)::

    +----------------------------------------------+
    | SGD · lr=1.0 · decay=0.001 · momentum=0.9    |
    | epoch 1234   acc 0.873   loss 0.345   lr ... |
    | +--------------------+  loss                 |
    | |                    |  [curve, cursor]      |
    | |  decision regions  |  accuracy             |
    | |  + data points     |  [curve, cursor]      |
    | |                    |  learning rate        |
    | +--------------------+  [curve, cursor]      |
    | Dense 1 [weights]       Dense 2 [weights]    |
    | update  [update]        update  [update]     |
    +----------------------------------------------+

Under 1.2:1 (a square) the bars sit under the regions, as wide as they are, and
the curves run the whole height on the right (``under``)::

    +------------------------------------+
    | SGD · lr=1.0 · decay=0.001 · ...   |
    | epoch 1234   acc 0.873   loss ...  |
    | +------------------+  loss         |
    | |                  |  [curve]      |
    | | decision regions |               |
    | |  + data points   |  accuracy     |
    | +------------------+  [curve]      |
    | Dense 1 [weights]                  |
    | update  [update]      learning rate|
    | Dense 2 [weights]     [curve]      |
    | update  [update]                   |
    +------------------------------------+

Type is sized from the frame's height (times the theme's ``type_scale``), with a
floor that keeps it legible.  :class:`TrainingGeometry` computes the rectangles
(in pixels) that :class:`renderers.training.TrainingAnimation` draws into.
"""

from dataclasses import dataclass

import numpy as np

from animator.errors import ArgumentError

from .raster import font
from .shapes import least_px, type_px
from .story import caption_height, caption_lines

MAX_CELL = 24                     # pixels per weight in a bar, at most
MIN_STEP_CELL = 3                 # pixels per weight the bars need, step sizes shown, before another arrangement
SIDE_FROM = 1.4                   # frames this wide (16:10 and wider) put the bars over the curves


@dataclass(frozen=True)
class Arrangement:
    """Where the regions, the weight bars and the curves go, for frames at least ``min_aspect`` wide.

    ``name`` picks the geometry (:meth:`TrainingGeometry._arrange_side` and its
    siblings); ``min_font_px`` is the floor of the body text, whose smallest
    relatives (tick labels) are 0.7 of it.
    """

    name: str
    min_aspect: float
    min_font_px: int


# widest first: a frame takes the first arrangement whose min_aspect it reaches
ARRANGEMENTS = (
    Arrangement("side", SIDE_FROM, 9),   # 16:10, 16:9, 21:9: regions left; bars over curves right
    Arrangement("beneath", 1.2, 12),    # 5:4, 4:3: regions and curves side by side; bars beneath both
    Arrangement("under", 0.0, 12),      # 1:1: regions with the bars under them; curves down the right
)


def arrangement_for(size):
    """The :class:`Arrangement` of a frame of ``size`` = (width, height).

    >>> [arrangement_for(s).name for s in [(1280, 720), (1024, 768), (720, 720)]]
    ['side', 'beneath', 'under']
    """
    width, height = size
    return next(a for a in ARRANGEMENTS if width >= a.min_aspect * height)


class TrainingGeometry:
    """The rectangles of a training frame, set on the layout by :meth:`_layout`.

    The layout sets ``size``, ``theme``, ``recording`` and ``shapes`` (each
    layer's (rows, columns) of weights) first; :meth:`_layout` then sets the
    type sizes, ``panel`` (the decision regions), ``bars`` (per layer, the
    weights' and the update's rectangles) and ``curves`` (three plots), each
    (x, y, w, h) in pixels.
    """

    def _layout(self):
        """Type sizes, then the arrangement's rectangles: ``panel``, ``bars`` and ``curves``.

        A figure's caption (``caption``), if any, takes a line or two at the foot
        (``foot_h``); everything else is arranged above it.  With step sizes
        shown (``bar_kinds`` 3) each layer has a third bar; where the frame's own
        arrangement then leaves the curves no room (the bars over the curves at
        16:9, large type), the next squarer arrangement is tried.
        """
        first = ARRANGEMENTS.index(arrangement_for(self.size))
        for arrangement in ARRANGEMENTS[first:]:
            try:
                self._layout_as(arrangement)
            except ArgumentError:
                if self.bar_kinds == 2 and self.foot_h == 0 or arrangement is ARRANGEMENTS[-1]:
                    raise
                continue
            # three bars a layer squeezed to a pixel a weight say nothing: a squarer arrangement gives them room
            if self.bar_kinds == 2 or self.cell >= MIN_STEP_CELL or arrangement is ARRANGEMENTS[-1]:
                return

    def _layout_as(self, arrangement):
        W, H = self.size
        self.arrangement = arrangement
        self.margin = max(6, round(H * 0.022))
        self.font_px = fp = type_px(self.size, self.theme.type_scale, 0.026, floor=self.arrangement.min_font_px,
                                    by_height=True)
        self.least_px = least_px(self.size, self.theme)
        self.foot_px = max(self.least_px, round(fp * 0.9))
        self.foot_lines = caption_lines(self.caption, W - 2 * self.margin, self.foot_px)
        self.foot_h = caption_height(self.foot_lines, self.foot_px, self.margin)
        self.caption_h = round(fp * 3.2)
        self.text_h = round(fp * 1.25)          # a label line above each bar
        self.tick_w = round(fp * 2.6)           # room for a curve's y tick labels

        arrange = {"side": self._arrange_side, "beneath": self._arrange_beneath, "under": self._arrange_under}
        arrange[self.arrangement.name]()
        x, y, w, h = self.curves[0]
        if h < fp * 2 or w < 60:
            raise self.no_room(self.size, "the curves")
        if self.panel[2] < 64:
            raise self.no_room(self.size, "the decision regions")

    def _arrange_side(self):
        """Regions as tall as the frame allows on the left; on the right the bars, then the curves."""
        W, H = self.size[0], self.size[1] - self.foot_h
        m = self.margin
        S = H - self.caption_h - 2 * m
        top = self.caption_h + m
        self.panel = (m, top, S, S)                                 # x, y, w, h
        right_x = m + S + 2 * m
        right_w = W - right_x - m
        # larger type takes more of the bars' share in labels; a smaller share keeps the curves tall
        self.cell = self._bar_cell(right_w, round(S * 0.45 / self.theme.type_scale ** 0.5), columns=1)
        bars_bottom = self._place_bars(right_x, top, right_w, columns=1)
        self._place_curves(right_x + self.tick_w, bars_bottom, top + S, W - m - self._overhang())

    def _arrange_beneath(self):
        """Regions and curves side by side, the bars beneath both in a column per layer (up to two)."""
        W, H = self.size[0], self.size[1] - self.foot_h
        m = self.margin
        top = self.caption_h + m
        avail = H - top - m
        columns = min(len(self.shapes), 2)
        self.cell = self._bar_cell(W - 2 * m, round(avail * 0.28), columns=columns)
        bars_h = self._bars_height(columns)
        S = min(avail - bars_h - m // 2, W - 3 * m - self._min_curves_w())
        self.panel = (m, top, S, S)
        self._place_bars(m, top + S + m // 2, W - 2 * m, columns=columns)
        curves_x = m + S + 2 * m
        self._place_curves(curves_x + self.tick_w, top, top + S, W - m - self._overhang())

    def _arrange_under(self):
        """The regions with the bars under them, as large as the height allows; the curves down the right."""
        W, H = self.size[0], self.size[1] - self.foot_h
        m = self.margin
        top = self.caption_h + m
        avail = H - top - m
        widest = max(c for _, c in self.shapes)
        S = min(avail, W - 3 * m - self._min_curves_w())
        while S > widest + 2:   # the largest panel whose bars, spanning its width, still fit beneath it
            self.cell = min((S - 2) // widest, MAX_CELL)
            if S + m // 2 + self._bars_height(1) <= avail:
                break
            S -= 1
        self.panel = (m, top, S, S)
        self._place_bars(m, top + S + m // 2, S, columns=1)
        curves_x = m + S + 2 * m
        self._place_curves(curves_x + self.tick_w, top, top + avail, W - m - self._overhang())

    def _overhang(self):
        """How far the last epoch's tick label, centred on the curves' right end, reaches past the margin."""
        epochs = self.recording.epochs
        width = font(round(self.font_px * 0.7)).getlength(str(int(epochs[-1]) if len(epochs) else 1))
        return max(0, int(np.ceil(width / 2)) + 1 - self.margin)

    def _min_curves_w(self):
        """The narrowest the curves' column may get: tick labels and a plot of 8 type heights."""
        return self.tick_w + 8 * self.font_px

    def _bar_cell(self, width, height, *, columns):
        """Pixels per weight so the bars fit ``width`` x ``height``, layers ``columns`` abreast (1 to 24)."""
        text_h = self.text_h
        col_w = (width - (columns - 1) * self.margin) // columns
        rows = [self.shapes[i:i + columns] for i in range(0, len(self.shapes), columns)]
        total_rows = sum(self.bar_kinds * max(r for r, _ in row) for row in rows)
        fixed = len(rows) * (self.bar_kinds * text_h + 4) + 4
        cell = min((col_w - 2) // max(c for _, c in self.shapes), max(1, (height - fixed) // total_rows))
        return max(1, min(cell, MAX_CELL))

    def _bar_rows(self, columns):
        """The layers in rows of ``columns``, and the height each row of bars takes at ``self.cell``."""
        rows = [list(range(i, min(i + columns, len(self.shapes)))) for i in range(0, len(self.shapes), columns)]
        return [(row, self.bar_kinds * (self.text_h + max(self.shapes[k][0] for k in row) * self.cell + 2) + 4)
                for row in rows]

    def _bars_height(self, columns):
        return sum(h for _, h in self._bar_rows(columns))

    def _place_bars(self, x, y, width, *, columns):
        """``self.bars``: per layer (weights rect, update rect) as (x, y, w, h), one pixel of frame around.

        Layers go ``columns`` abreast from the top-left corner (x, y); returns the bottom of the last row.
        """
        text_h, c = self.text_h, self.cell
        col_w = (width - (columns - 1) * self.margin) // columns
        self.bars = [None] * len(self.shapes)
        for row, row_h in self._bar_rows(columns):
            for place, k in enumerate(row):
                r, cols = self.shapes[k]
                bx = x + place * (col_w + self.margin)
                w, h = cols * c + 2, r * c + 2
                self.bars[k] = tuple((bx, y + (j + 1) * text_h + j * h, w, h) for j in range(self.bar_kinds))
            y += row_h
        self.bar_columns = [(rect[0], rect[0] + col_w) for rect, *_ in self.bars]   # where each label may run
        return y

    def _place_curves(self, x, top, bottom, right):
        """``self.curves``: three plots (x, y, w, h) stacked from ``top`` to ``bottom``, each under its label.

        A label starts at its plot's left edge, clear of the tick labels to the left of it.
        """
        fp = self.font_px
        label_h = round(fp * 1.3)                          # the curve's name above it
        axis_label_h = round(fp * 1.9)                     # tick labels and "epoch" below the last
        each = (bottom - axis_label_h - top) // 3 - label_h
        self.curves = [(x, top + label_h + k * (each + label_h), right - x, each) for k in range(3)]
