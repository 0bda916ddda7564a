"""The chapter's training animation (Figure 1, Figures 15-21) as a frame source.

Layout of a frame (16:9 by default)::

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

Everything that never changes (frames, labels, ticks, the data points, the
faint whole-run curves) is drawn once with matplotlib.  A frame is then built
in numpy: the region image, the weight and update bars, the part of each curve
up to the current epoch, the cursor dots and one line of text.  That is what
makes rendering fast (see ``benchmarks/render_speed.py``).
"""

import numpy as np

from animator.errors import UserError

from .raster import add_axes_px, blend, decision_regions, disc, draw_text, figure_rgba, new_figure, points_overlay
from .layout import Layout, describe

FRAME_COLOUR = (154, 154, 154)


def describe_optimizer(spec):
    """The caption of a Recording's optimizer, e.g. ``SGD · lr=1.0 · decay=0.001 · momentum=0.9``."""
    return describe(spec["optimizer"])


def layer_matrix(weights, biases):
    """A layer's parameters as one 2-D block, biases as the last row, the long side horizontal."""
    block = np.concatenate([weights, biases], axis=-2)
    return block if block.shape[-2] <= block.shape[-1] else np.swapaxes(block, -1, -2)


class TrainingAnimation(Layout):
    """Frames of a Recording's training animation.

    >>> anim = TrainingAnimation(recording, size=(960, 540))   # doctest: +SKIP
    >>> image = anim.frame(len(anim) - 1)                      # (540, 960, 3) uint8

    ``theme`` is ``"default"`` (colour-blind safe) or ``"book"``; ``shade=True``
    lightens the background where the model is unsure.
    """

    MIN_SIZE = (480, 270)
    MIN_ASPECT = 1.4
    WHAT = "the layout"

    def __init__(self, recording, *, size=(960, 540), theme="default", shade=False):
        width, height = size
        self.check_size(size)
        self.theme = self.theme_named(theme)
        if len(recording.frame_epochs) == 0:
            raise UserError("the recording has no frames (it diverged before its first epoch)")
        self.recording = recording
        self.size = (width, height)
        self.shade = shade
        self.epochs = recording.frame_epochs
        self.rows = np.array([recording.row(e) for e in self.epochs])
        classes = recording.grid_probs.shape[-1]
        self.region_colours = self.theme.region_rgb(classes)
        self.point_colours = self.theme.class_rgb(classes)
        self.lut = self.theme.diverging_lut()     # an odd number of levels: the middle one is zero
        self.half = len(self.lut) // 2
        self._layout()
        self._draw_static()

    def __len__(self):
        return len(self.epochs)

    # -- layout ------------------------------------------------------------------------
    def _layout(self):
        W, H = self.size
        rec = self.recording
        self.margin = m = max(6, round(H * 0.022))
        self.font_px = max(9, round(H * 0.026))
        self.caption_h = round(self.font_px * 3.2)
        S = H - self.caption_h - 2 * m
        self.panel = (m, self.caption_h + m, S, S)                  # x, y, w, h
        right_x = m + S + 2 * m
        right_w = W - right_x - m
        top = self.caption_h + m
        fp = self.font_px
        self.label_x = right_x

        n_layers = rec.n_layers
        # the layers' arrays exist at param_epochs (the frames' epochs, or every epoch)
        self.param_rows = np.array([rec.param_row(e) for e in self.epochs])
        layers = [rec.layer(i) for i in range(1, n_layers + 1)]
        self.matrices = [layer_matrix(layer["weights"], layer["biases"]) for layer in layers]
        self.update_matrices = [layer_matrix(layer["weight_updates"], layer["bias_updates"]) for layer in layers]
        shapes = [m_.shape[1:] for m_ in self.matrices]
        self.text_h = text_h = round(fp * 1.25)          # a label line above each bar
        bars_budget = round(S * 0.45)
        total_rows = sum(2 * r for r, _ in shapes)
        fixed = n_layers * (2 * text_h + 4) + 4
        cell = min((right_w - 2) // max(c for _, c in shapes), max(1, (bars_budget - fixed) // total_rows))
        self.cell = cell = max(1, min(cell, 24))
        self.bars = []   # per layer: (weights rect, update rect) as (x, y, w, h), one pixel of frame around
        y = top
        for r, c in shapes:
            w, h = c * cell + 2, r * cell + 2
            weights_rect = (right_x, y + text_h, w, h)
            y += text_h + h
            update_rect = (right_x, y + text_h, w, h)
            y += text_h + h + 4
            self.bars.append((weights_rect, update_rect))
        bars_bottom = y

        tick_w = round(fp * 2.6)
        curve_x = right_x + tick_w
        curve_w = W - m - curve_x
        label_h = round(fp * 1.3)                          # the curve's name above it
        axis_label_h = round(fp * 1.9)                     # tick labels and "epoch" below the last
        each = (top + S - axis_label_h - bars_bottom) // 3 - label_h
        if each < fp * 2 or curve_w < 60:
            raise self.no_room(self.size, "the curves")
        self.curves = [(curve_x, bars_bottom + label_h + k * (each + label_h), curve_w, each) for k in range(3)]

    # -- static layers -----------------------------------------------------------------
    def _draw_static(self):
        W, H = self.size
        rec, theme, fp = self.recording, self.theme, self.font_px
        fig = new_figure(W, H, facecolor=theme.background)
        pt = fp * 72 / fig.dpi   # font pixels -> points
        title = fig.text(self.margin / W, 1 - (self.margin * 0.6) / H, describe_optimizer(rec.spec), ha="left",
                 va="top", fontsize=pt * 1.15, fontweight="bold", color=theme.ink)
        data = rec.spec["dataset"]
        arch = " → ".join(rec.spec["architecture"]["layers"])
        mode = "book mode" if rec.spec["mode"] == "book" else f"seed {rec.spec['seed']}"
        meta = fig.text(1 - self.margin / W, 1 - (self.margin * 0.6) / H,
                        f"{data['name']} · {data['samples']} points · {data['classes']} classes · {arch} · {mode}",
                        ha="right", va="top", fontsize=pt * 0.8, color=theme.muted)
        renderer = fig.canvas.get_renderer()
        if meta.get_window_extent(renderer).x0 < title.get_window_extent(renderer).x1 + fp:
            meta.remove()   # a small frame has room for the optimizer only

        self.scales = []
        for i, (wr, ur) in enumerate(self.bars, start=1):
            scale = rec.weight_peak(i)     # over every epoch of the run, not only the frames'
            scale = scale if np.isfinite(scale) and scale > 0 else 1.0
            self.scales.append(scale)
            _label(fig, wr, [(f"Dense {i}", theme.ink, "bold"), (f"  weights & biases, scale ±{scale:.3g}",
                                                                theme.muted, "normal")], pt * 0.8)
            _label(fig, ur, [("update", theme.ink, "bold"), ("  the step just applied, scaled to its own maximum",
                                                            theme.muted, "normal")], pt * 0.8)

        epochs = rec.epochs
        series = [("loss", rec.loss), ("accuracy", rec.accuracy), ("learning rate", rec.learning_rate)]
        self.curve_axes, lines = [], []
        last = max(int(epochs[-1]) if len(epochs) else 1, 1)
        for k, ((label, values), rect) in enumerate(zip(series, self.curves)):
            ax = add_axes_px(fig, *rect)
            values = np.asarray(values, dtype=np.float64)
            finite = values[np.isfinite(values)]
            high = float(finite.max()) if finite.size else 1.0
            ax.set_xlim(0, last)
            ax.set_ylim(0, 1.0 if label == "accuracy" else (high * 1.08 if high > 0 else 1.0))
            line, = ax.plot(epochs, values, color="#d0d0d0", lw=1.0, solid_capstyle="butt")
            lines.append(line)
            ax.tick_params(labelsize=pt * 0.7, length=2, pad=1, colors=theme.muted)
            ax.locator_params(axis="y", nbins=3)
            ax.locator_params(axis="x", nbins=5)
            if k < 2:
                ax.tick_params(labelbottom=False)
            else:
                ax.set_xlabel("epoch", fontsize=pt * 0.75, color=theme.muted, labelpad=1)
            for spine in ax.spines.values():
                spine.set_color("#bbbbbb")
            _label(fig, rect, [(label, theme.ink, "bold")], pt * 0.8, left=self.label_x)
            self.curve_axes.append(ax)

        # one full draw with the faint whole-run curves; the bold curves are then drawn over them
        # alone (draw_artist), which costs a fraction of a second full draw
        faint = figure_rgba(fig)[..., :3]
        for ax, line in zip(self.curve_axes, lines):
            line.set_color(theme.ink)
            line.set_linewidth(1.4)
            ax.draw_artist(line)
        bold = np.asarray(fig.canvas.buffer_rgba())[..., :3]
        self.background = np.ascontiguousarray(faint)
        self.bold = np.ascontiguousarray(bold)
        # the panel's and the bars' one-pixel frames, drawn straight into the pixels
        for x, y, w, h in [self.panel, *(rect for pair in self.bars for rect in pair)]:
            _frame(self.background, x, y, w, h, FRAME_COLOUR)

        # pixel column and row of each frame's epoch and value on every curve
        self.cursor = []
        for ax, (_, values) in zip(self.curve_axes, series):
            v = np.nan_to_num(np.asarray(values, dtype=np.float64)[self.rows])
            pts = ax.transData.transform(np.c_[self.epochs.astype(np.float64), v])
            cols = np.rint(pts[:, 0]).astype(int)
            rows = np.rint(H - pts[:, 1]).astype(int)
            self.cursor.append((cols, rows))
        self.dot, self.dot_centre = disc(max(2.0, fp * 0.22), (204, 51, 17))

        # the data points, drawn once on a transparent layer the size of the panel's inside
        inner = self.panel[2] - 2
        self.points = points_overlay(rec.X, rec.y, rec.grid_extent, inner, self.point_colours,
                                     max(1.6, inner / 150))

    # -- frames --------------------------------------------------------------------------
    def frame(self, index):
        """Frame ``index`` as an (H, W, 3) uint8 array."""
        image = self.background.copy()
        row = self.rows[index]
        self._draw_regions(image, index)
        self._draw_bars(image, index)
        self._draw_curves(image, index)
        self._draw_caption(image, index, row)
        return image

    def region_image(self, index):
        """The panel's inside for frame ``index``: decision regions under the data points."""
        region = decision_regions(self.recording.grid_probs[index], self.panel[2] - 2, self.region_colours,
                                  shade=self.shade)
        self.points.apply(region)
        return region

    def _draw_regions(self, image, index):
        x, y, w, h = self.panel
        image[y + 1:y + h - 1, x + 1:x + w - 1] = self.region_image(index)

    def _paint_bar(self, image, rect, matrix, scale):
        x, y, w, h = rect
        c = self.cell
        with np.errstate(invalid="ignore", divide="ignore"):
            levels = np.rint(np.nan_to_num(matrix / scale, posinf=1.0, neginf=-1.0) * self.half + self.half)
        cells = self.lut[np.clip(levels, 0, 2 * self.half).astype(np.intp)]
        image[y + 1:y + h - 1, x + 1:x + w - 1] = np.repeat(np.repeat(cells, c, axis=0), c, axis=1)

    def _draw_bars(self, image, index):
        row = self.param_rows[index]
        for (wrect, urect), params, updates, scale in zip(self.bars, self.matrices, self.update_matrices,
                                                          self.scales):
            self._paint_bar(image, wrect, params[row], scale)
            update = updates[row]
            finite = np.abs(update[np.isfinite(update)])
            peak = float(finite.max()) if finite.size else 0.0
            self._paint_bar(image, urect, update, peak if peak > 0 else 1.0)

    def _draw_curves(self, image, index):
        for (x, y, w, h), (cols, rows) in zip(self.curves, self.cursor):
            cut = min(max(cols[index] + 1, x + 1), x + w - 1)
            image[y + 1:y + h - 1, x + 1:cut] = self.bold[y + 1:y + h - 1, x + 1:cut]
            blend(image, self.dot, rows[index] - self.dot_centre, cols[index] - self.dot_centre)

    def _draw_caption(self, image, index, row):
        rec, fp = self.recording, self.font_px
        epoch = int(self.epochs[index])
        text = (f"epoch {epoch:,}    acc {rec.accuracy[row]:.3f}    loss {rec.loss[row]:.3f}    "
                f"lr {rec.learning_rate[row]:.4g}")
        baseline_y = self.caption_h - round(fp * 0.55)
        draw_text(image, (self.margin, baseline_y), text, size_px=fp, colour=self.theme.ink, anchor="ls")
        if index == len(self) - 1:
            status = rec.status
            if status["diverged_at"] is not None:
                self._banner(image, f"diverged at epoch {status['diverged_at']}")
            elif status["interrupted"]:
                self._banner(image, f"interrupted after epoch {epoch}")

    def _banner(self, image, text):
        x, y, w, h = self.panel
        draw_text(image, (x + w // 2, y + round(self.font_px * 1.6)), text, size_px=round(self.font_px * 1.2),
                  colour=(255, 255, 255), bold=True, anchor="mm", background=self.theme.warning)

    # -- where things are, for tests and palettes ---------------------------------------
    def colours(self):
        """Colours a frame is made of exactly: regions, points, the bars' scale, ink, background."""
        from .theme import hex_rgb

        fixed = [hex_rgb(self.theme.background), hex_rgb(self.theme.ink), hex_rgb(self.theme.warning),
                 (204, 51, 17), (255, 255, 255)]
        return np.concatenate([self.region_colours, self.point_colours, self.lut,
                               np.array(fixed, dtype=np.uint8)])

    def data_to_pixel(self, x, y):
        """The frame pixel (row, col) where the data point (x, y) is drawn."""
        px, py, w, h = self.panel
        xmin, xmax, ymin, ymax = self.recording.grid_extent
        inner = w - 2
        col = px + 1 + (x - xmin) / (xmax - xmin) * inner
        row = py + 1 + (ymax - y) / (ymax - ymin) * inner
        return int(row), int(col)


def _label(fig, rect, pieces, size_pt, left=None):
    """Text just above the pixel rectangle ``rect``: a run of (text, colour, weight) pieces."""
    W, H = fig.canvas.get_width_height()
    x, y = (rect[0] if left is None else left), rect[1] - 3

    for text, colour, weight in pieces:
        artist = fig.text(x / W, 1 - y / H, text, ha="left", va="baseline", fontsize=size_pt,
                          color=colour, fontweight=weight)
        x += artist.get_window_extent(renderer=fig.canvas.get_renderer()).width


def _frame(image, x, y, w, h, colour):
    """A one-pixel outline just inside the pixel rectangle (x, y, w, h)."""
    image[y, x:x + w] = colour
    image[y + h - 1, x:x + w] = colour
    image[y:y + h, x] = colour
    image[y:y + h, x + w - 1] = colour

