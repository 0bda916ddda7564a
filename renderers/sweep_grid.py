"""A sweep's small multiples: every run's decision regions at the same epoch, frame after frame.

:class:`SweepGrid` is what a sweep writes to an animation (``.gif``, ``.mp4``,
frames): rows and columns labelled with the grids' values, each panel's loss
(and accuracy, when there is room) under it.  A run that diverged keeps its
last finite regions in a red frame, and its label says where it stopped; the
run with the lowest final loss is framed in ink.

What never changes is drawn once with matplotlib; a frame is composed in numpy
from the region images (the same :func:`~renderers.raster.decision_regions` as
the training animation) and a few lines of text.
"""

import math

import numpy as np

from animator.errors import UserError

from .layout import Layout
from .raster import decision_regions, draw_text, figure_rgba, font, new_figure, points_overlay
from .shapes import least_px, text_width, type_px
from .sweep import draw_heading
from .theme import hex_rgb
from .words import accuracy_text, count_text, headline, settings_text, short_loss_text, value_text

FRAME_COLOUR = (190, 190, 190)    # a panel's frame; the best run's is the ink, a diverged run's the warning


class SweepGrid(Layout):
    """Every run's decision regions at the same epoch, frame after frame.

    >>> grid = SweepGrid(result, size=(960, 540))    # doctest: +SKIP
    >>> len(grid) == len(result.frame_epochs)         # doctest: +SKIP
    True
    """

    MIN_SIZE = (480, 270)
    WHAT = "a sweep's small multiples"
    MIN_TEXT_PX = 7           # smaller than this, a panel's numbers are left out

    def __init__(self, result, *, size=(960, 540), theme="default"):
        self.check_size(size)
        self.theme = self.theme_named(theme)
        if len(result.frame_epochs) == 0:
            raise UserError("the sweep has no frames")
        self.result = result
        self.size = tuple(size)
        self.epochs = np.asarray(result.frame_epochs, dtype=np.int64)
        self.runs = result.runs
        self.stopped = [np.ones(len(self.epochs), dtype=bool) if len(r.frame_epochs) == 0
                        else np.asarray(r.frame_epochs) < self.epochs for r in self.runs]
        self.region_colours = self.theme.region_rgb(result.classes)
        self.point_colours = self.theme.class_rgb(result.classes)
        best = result.best()
        self.best = None if best is None else result.sweep.cells().index(best.cell)
        self._layout()
        self._draw_static()

    # -- layout ------------------------------------------------------------------------
    def _layout(self):
        W, H = self.size
        sweep = self.result.sweep
        self.margin = m = max(6, round(H * 0.022))
        self.font_px = fp = type_px(self.size, self.theme.type_scale, share=0.026, floor=9, by_height=True)
        self.least_px = least = least_px(self.size, self.theme)
        self.small_px = sp = max(8, round(fp * 0.85), least)
        self.header_h = round(fp * 3.4)
        # the epoch counter shares the headline's line where both fit, else it takes a line under the data's
        total = count_text(self.result.sweep.config.epochs)
        wide = (text_width(headline(self.result), fp * 1.05, bold=True) + fp
                + text_width(f"epoch {total} of {total}", round(fp * 1.05), bold=True))
        self.counter_below = wide > W - 2 * m
        if self.counter_below:
            self.header_h += round(fp * 1.4)
        n = len(self.runs)
        two = len(sweep.axes) == 2
        if two:
            shapes = [sweep.shape]
            row_labels = [value_text(v) for v in sweep.axes[0].values]
            self.label_w = round(max(font(sp).getlength(t) for t in row_labels) + sp * 2.2 + m)
            self.top_h = round(sp * 2.9)
        else:
            shapes = [(math.ceil(n / c), c) for c in range(1, n + 1)]
            self.label_w, self.top_h = 0, 0
        avail_w = W - 2 * m - self.label_w
        avail_h = H - self.header_h - self.top_h - m
        best = None
        for rows, cols in shapes:
            gap = max(2, min(round(m * 0.7), (avail_w // cols) // 8))
            # the largest text that fits under a panel and stays small beside it; else no text
            for text_px in [*range(sp, max(self.MIN_TEXT_PX, least) - 1, -1), 0]:
                stats_h = round(text_px * 1.45)
                label_h = 0 if two else stats_h
                side = min((avail_w - (cols - 1) * gap) // cols,
                           (avail_h - rows * (stats_h + label_h) - (rows - 1) * gap) // rows)
                if text_px == 0 or (text_px <= side * 0.3 and font(text_px).getlength("0.000") <= side + gap):
                    break
            if best is None or side > best[0]:
                best = (side, rows, cols, gap, text_px, stats_h, label_h)
        side, rows, cols, gap, text_px, stats_h, label_h = best
        if side < 8:
            raise self.no_room(self.size, f"{n} panels")
        self.side, self.gap, self.grid = side, gap, (rows, cols)
        self.text_px, self.stats_h, self.label_h = text_px, stats_h, label_h
        self.border = 2 if side >= 40 else 1
        self.inner = side - 2 * self.border
        block_w = cols * side + (cols - 1) * gap
        self.left = m + self.label_w + (W - 2 * m - self.label_w - block_w) // 2
        self.top = self.header_h + self.top_h
        self.panels = []       # per run, in cell order: (x, y) of the panel's top-left corner
        for k, cell in enumerate(sweep.cells()):
            r, c = cell if two else divmod(k, cols)
            self.panels.append((self.left + c * (side + gap),
                                self.top + r * (label_h + side + stats_h + gap) + label_h))
        # the longest number format that fits under every panel
        self.stats_format = None
        if text_px:
            for template, kind in (("loss 00.000 · acc 0.00", "both"), ("loss 00.000", "loss"), ("00.000", "bare")):
                if font(text_px).getlength(template) <= side + gap * 0.8:
                    self.stats_format = kind
                    break
            self.stats_format = self.stats_format or "bare"

    # -- static layers -----------------------------------------------------------------
    def _draw_static(self):
        W, H = self.size
        theme, fp, sp, m = self.theme, self.font_px, self.small_px, self.margin
        result, sweep = self.result, self.result.sweep
        fig = new_figure(W, H, facecolor=theme.background)
        pt = 72 / fig.dpi
        draw_heading(fig, self.size, result, theme, m, fp, title=1.05, gap=1.6, data=0.8)
        rows, cols = self.grid
        if len(sweep.axes) == 2:
            side, gap = self.side, self.gap
            middle = self.left + (cols * side + (cols - 1) * gap) / 2
            fig.text(middle / W, 1 - (self.header_h + sp * 0.2) / H, sweep.names[1], ha="center", va="top",
                     fontsize=sp * pt, fontweight="bold", color=theme.ink)
            # crowded headers show every k-th value, always the first
            labels = [value_text(v) for v in sweep.axes[1].values]
            every = math.ceil((max(font(sp).getlength(t) for t in labels) + sp * 0.6) / (side + gap))
            for c, text in enumerate(labels):
                if c % every == 0:
                    x = self.left + c * (side + gap) + side / 2
                    fig.text(x / W, 1 - (self.top - sp * 0.35) / H, text, ha="center", va="baseline",
                             fontsize=sp * pt, color=theme.ink)
            row_h = self.side + self.stats_h + gap
            every = math.ceil(sp * 1.25 / row_h)
            for r, value in enumerate(sweep.axes[0].values):
                if r % every == 0:
                    y = self.top + r * row_h + side / 2
                    fig.text((self.left - sp * 0.5) / W, 1 - y / H, value_text(value), ha="right", va="center",
                             fontsize=sp * pt, color=theme.ink)
            block_h = rows * row_h - gap
            fig.text((self.left - self.label_w + m * 0.3) / W, 1 - (self.top + block_h / 2) / H, sweep.names[0],
                     ha="left", va="center", rotation=90, fontsize=sp * pt, fontweight="bold", color=theme.ink)
        self.background = background = np.ascontiguousarray(figure_rgba(fig)[..., :3])
        ink = hex_rgb(theme.ink)
        for k, (x, y) in enumerate(self.panels):
            background[y:y + self.side, x:x + self.side] = ink if k == self.best else FRAME_COLOUR
            if self.label_h:
                draw_text(background, (x, y - self.label_h // 2), self._fit(settings_text(result, sweep.cells()[k],
                                                                                          " "), self.side + self.gap),
                          size_px=self.text_px, colour=ink, anchor="lm")
        self.points = None
        if self.inner >= 48:
            self.points = points_overlay(result.X, result.y, result.grid_extent, self.inner, self.point_colours,
                                         max(0.9, self.inner / 110))
        self.no_frames = np.full((self.inner, self.inner, 3), 236, dtype=np.uint8)

    def _fit(self, text, width):
        face = font(self.text_px)
        while len(text) > 1 and face.getlength(text) > width:
            text = text[:-2] + "…"
        return text

    # -- frames --------------------------------------------------------------------------
    def frame(self, index):
        """Frame ``index`` as an (H, W, 3) uint8 array."""
        image = self.background.copy()
        theme, b, side = self.theme, self.border, self.side
        warning, ink = hex_rgb(theme.warning), hex_rgb(theme.ink)
        for k, (run, (x, y)) in enumerate(zip(self.runs, self.panels)):
            stopped = self.stopped[k][index]
            if stopped and k != self.best:
                image[y:y + side, x:x + side] = warning
            image[y + b:y + side - b, x + b:x + side - b] = self.region_image(k, index)
            if self.text_px:
                if stopped:
                    text = self._stopped_text(run)
                    colour = warning
                else:
                    text, colour = self._stats(run, index), ink
                draw_text(image, (x, y + side + self.stats_h // 2 + 1), text, size_px=self.text_px,
                          colour=colour, anchor="lm")
        total = self.result.sweep.config.epochs
        counter_y = self.margin * 0.8 + self.font_px * (3.55 if self.counter_below else 0.55)
        draw_text(image, (self.size[0] - self.margin, round(counter_y)),
                  f"epoch {count_text(self.epochs[index])} of {count_text(total)}", size_px=round(self.font_px * 1.05),
                  colour=ink, bold=True, anchor="rm")
        return image

    def region_image(self, k, index):
        """Run ``k``'s panel inside at frame ``index``: its decision regions (under the data, if they fit)."""
        run = self.runs[k]
        if len(run.grid_probs) == 0:
            return self.no_frames
        region = decision_regions(run.grid_probs[index], self.inner, self.region_colours)
        if self.points is not None:
            self.points.apply(region)
        return region

    def _stats(self, run, index):
        loss, accuracy = float(run.frame_loss[index]), float(run.frame_accuracy[index])
        if self.stats_format == "both":
            return f"loss {short_loss_text(loss)} · acc {accuracy_text(accuracy, 2)}"
        if self.stats_format == "loss":
            return f"loss {short_loss_text(loss)}"
        return short_loss_text(loss)

    def _stopped_text(self, run):
        width = self.side + self.gap * 0.8
        where = run.diverged_at
        options = ([f"diverged at {count_text(where)}", f"div. {count_text(where)}", "div."] if where is not None
                   else [f"stopped at {count_text(run.last_epoch)}", "stopped"])
        face = font(self.text_px)
        return next((text for text in options if face.getlength(text) <= width), options[-1])

    # -- where things are, for tests and palettes ---------------------------------------
    def colours(self):
        theme = self.theme
        fixed = [hex_rgb(c) for c in (theme.background, theme.ink, theme.muted, theme.warning)]
        return np.concatenate([self.region_colours, self.point_colours,
                               np.array(fixed + [FRAME_COLOUR, (236, 236, 236), (255, 255, 255)], dtype=np.uint8)])

    def panel_inside(self, k):
        """``(x, y, size)``: where run ``k``'s region image starts in the frame, and its size."""
        x, y = self.panels[k]
        return x + self.border, y + self.border, self.inner
