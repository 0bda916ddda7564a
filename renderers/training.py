"""The chapter's training animation (Figure 1, Figures 15-21) as a frame source.

Where the regions, the weight bars and the curves go for each frame shape is
:mod:`renderers.training_geometry`; a label that would not fit its column falls
back to a shorter wording, and the caption line shrinks to the frame's width.
Every colour comes from the theme.

Everything that never changes (frames, labels, ticks, the data points, the
faint whole-run curves) is drawn once with matplotlib.  A frame is then built
in numpy: the region image, the weight and update bars, the part of each curve
up to the current epoch, the cursor dots and one line of text.  That is what
makes rendering fast (see ``benchmarks/render_speed.py``).
"""

import numpy as np

from animator.errors import UserError

from .raster import (add_axes_px, blend, decision_regions, disc, draw_text, figure_rgba, font, new_figure,
                     points_overlay)
from . import story
from .layout import Layout, describe, origin_pad
from .step_sizes import effective_steps, levels, log_range, scale_lut
from .training_geometry import TrainingGeometry
from .words import accuracy_text, count_text, data_captions, diverged_text, layers_text, loss_text, rate_text

BANNER_INK = (255, 255, 255)      # the text on a warning banner, whatever the page


def describe_optimizer(spec):
    """The caption of a Recording's optimizer, e.g. ``SGD · lr=1.0 · decay=0.001 · momentum=0.9``."""
    return describe(spec.optimizer)


def layer_matrix(weights, biases):
    """A layer's parameters as one 2-D block, biases as the last row, the long side horizontal."""
    block = np.concatenate([weights, biases], axis=-2)
    return block if block.shape[-2] <= block.shape[-1] else np.swapaxes(block, -1, -2)


class TrainingAnimation(TrainingGeometry, Layout):
    """Frames of a Recording's training animation.

    >>> anim = TrainingAnimation(recording, size=(960, 540))   # doctest: +SKIP
    >>> image = anim.frame(len(anim) - 1)                      # doctest: +SKIP

    ``theme`` names one of :data:`renderers.theme.THEMES` (``"default"`` is
    colour-blind safe); ``shade=True`` fades the regions toward the page where
    the model is unsure.  Any frame from 480x270 to 4K and from 1:1 to 2.4:1
    will do; :data:`renderers.training_geometry.ARRANGEMENTS` says how each shape is laid out.
    """

    MIN_SIZE = (480, 270)
    MIN_ASPECT = 1.0
    MAX_ASPECT = 2.4          # 21:9 and a little more; wider, the curves are all length and no height
    WHAT = "the layout"

    def __init__(self, recording, *, size=(960, 540), theme="default", shade=False, caption=None,
                 step_sizes=False):
        width, height = size
        self.check_size(size)
        self.theme = self.theme_named(theme)
        self.caption = caption          # a line at the foot: the figure's number and what it shows
        self.bar_kinds = 3 if step_sizes else 2     # weights, update and, for an adaptive optimizer, step sizes
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
        # the layers' arrays exist at param_epochs (the frames' epochs, or every epoch)
        self.param_rows = np.array([recording.param_row(e) for e in self.epochs])
        layers = [recording.layer(i) for i in range(1, recording.n_layers + 1)]
        self.matrices = [layer_matrix(layer["weights"], layer["biases"]) for layer in layers]
        self.update_matrices = [layer_matrix(layer["weight_updates"], layer["bias_updates"]) for layer in layers]
        self.shapes = [m_.shape[1:] for m_ in self.matrices]
        self.steps = effective_steps(recording, layer_matrix) if step_sizes else None
        if step_sizes:
            self.step_range, self.step_lut = log_range(self.steps), scale_lut()
        self._layout()
        self._draw_static()

    # -- static layers -----------------------------------------------------------------
    def _draw_static(self):
        W, H = self.size
        rec, theme, fp, m = self.recording, self.theme, self.font_px, self.margin
        fig = new_figure(W, H, facecolor=theme.background)
        pt = fp * 72 / fig.dpi   # font pixels -> points
        renderer = fig.canvas.get_renderer()
        title = fig.text(m / W, 1 - (m * 0.6) / H, describe_optimizer(rec.spec), ha="left",
                         va="top", fontsize=pt * 1.15, fontweight="bold", color=theme.ink)
        _shrink_to(title, W - 2 * m, renderer)
        data = rec.spec.dataset
        caption = data_captions(data.name, data.samples, data.classes, layers_text(rec.spec.architecture.layers),
                                seed=rec.spec.seed, source=rec.spec.source)[0]
        meta = fig.text(1 - m / W, 1 - (m * 0.6) / H, caption, ha="right", va="top", fontsize=pt * 0.8,
                        color=theme.muted)
        if meta.get_window_extent(renderer).x0 < title.get_window_extent(renderer).x1 + fp:
            meta.remove()   # a small frame has room for the optimizer only

        self.scales = []
        for i, ((wr, ur, *sr), (_, right)) in enumerate(zip(self.bars, self.bar_columns), start=1):
            scale = rec.weight_peak(i)     # over every epoch of the run, not only the frames'
            scale = scale if np.isfinite(scale) and scale > 0 else 1.0
            self.scales.append(scale)
            _fitted_label(fig, wr, [f"  weights & biases, scale ±{scale:.3g}", f"  scale ±{scale:.3g}", ""],
                          f"Dense {i}", pt * 0.8, right, theme)
            _fitted_label(fig, ur, ["  the step just applied, scaled to its own maximum",
                                    "  scaled to its own maximum", ""], "update", pt * 0.8, right, theme)
            if sr:
                low, high = (f"{10 ** v:.2g}" for v in self.step_range)
                _fitted_label(fig, sr[0], [f"  lr / (√cache + ε), {low} (dark) to {high}, log scale",
                                           f"  {low} to {high}, log scale", ""], "step size", pt * 0.8, right, theme)

        epochs = rec.epochs
        series = [("loss", rec.loss), ("accuracy", rec.accuracy), ("learning rate", rec.learning_rate)]
        self.curve_axes, lines = [], []
        last = max(int(epochs[-1]) if len(epochs) else 1, 1)
        for k, ((label, values), rect) in enumerate(zip(series, self.curves)):
            ax = add_axes_px(fig, *rect)
            ax.set_facecolor(theme.panel)
            values = np.asarray(values, dtype=np.float64)
            finite = values[np.isfinite(values)]
            high = float(finite.max()) if finite.size else 1.0
            top = 1.0 if label == "accuracy" else (high * 1.08 if high > 0 else 1.0)
            if label == "loss":          # the axis keeps to what the run mostly does; spikes are marked
                top = story.loss_top([values], float(values[0]) if len(values) else 1.0)
            ax.set_xlim(0, last)
            ax.set_ylim(0, top)
            line, = ax.plot(epochs, values, color=theme.faint, lw=1.0 * theme.line_scale, solid_capstyle="butt")
            lines.append(line)
            ax.tick_params(labelsize=pt * 0.7, length=2, pad=1, colors=theme.muted)
            ax.tick_params(axis="y", pad=origin_pad(fp * 0.7, 2, 1))
            ax.locator_params(axis="y", nbins=3)
            # as many epoch ticks as leave a type size between the widest labels ("10000"), up to 6
            widest = font(max(1, round(fp * 0.7))).getlength(str(last))
            ax.locator_params(axis="x", nbins=max(1, min(5, int(rect[2] // (widest + fp * 0.6)) - 1)))
            if k < 2:
                ax.tick_params(labelbottom=False)
            else:
                ax.set_xlabel("epoch", fontsize=pt * 0.75, color=theme.muted, labelpad=1)
            for spine in ax.spines.values():
                spine.set_color(theme.axis)
            _label(fig, rect, [(label, theme.ink, "bold")], pt * 0.8)
            self.curve_axes.append(ax)
            if label == "loss":
                story.mark_spikes(ax, story.spikes([(epochs, values)], ax.get_ylim()[1]), [theme.ink],
                                  size_pt=max(fp * 0.7, self.least_px) * 72 / fig.dpi, marker_pt=pt * 0.55,
                                  text_colour=theme.ink)

        # one full draw with the faint whole-run curves; the bold curves are then drawn over them
        # alone (draw_artist), which costs a fraction of a second full draw
        faint = figure_rgba(fig)[..., :3]
        for ax, line in zip(self.curve_axes, lines):
            line.set_color(theme.ink)
            line.set_linewidth(1.4 * theme.line_scale)
            ax.draw_artist(line)
        bold = np.asarray(fig.canvas.buffer_rgba())[..., :3]
        self.background = np.ascontiguousarray(faint)
        self.bold = np.ascontiguousarray(bold)
        # the panel's and the bars' one-pixel frames, drawn straight into the pixels
        for x, y, w, h in [self.panel, *(rect for pair in self.bars for rect in pair)]:
            _frame(self.background, x, y, w, h, theme.rgb("frame"))
        story.draw_caption(self.background, self.foot_lines, size_px=self.foot_px, margin=m, colour=theme.rgb("ink"))

        # pixel column and row of each frame's epoch and value on every curve
        self.cursor = []
        for ax, (_, values) in zip(self.curve_axes, series):
            v = np.clip(np.nan_to_num(np.asarray(values, dtype=np.float64)[self.rows]), None, ax.get_ylim()[1])
            pts = ax.transData.transform(np.c_[self.epochs.astype(np.float64), v])
            cols = np.rint(pts[:, 0]).astype(int)
            rows = np.rint(H - pts[:, 1]).astype(int)
            self.cursor.append((cols, rows))
        # sized from the type before the theme's type_scale, so the dot grows by point_scale alone
        self.dot, self.dot_centre = disc(max(2.0, fp / theme.type_scale * 0.22) * theme.point_scale,
                                         theme.rgb("highlight"))

        # the data points, drawn once on a transparent layer the size of the panel's inside
        inner = self.panel[2] - 2
        self.points = points_overlay(rec.X, rec.y, rec.grid_extent, inner, self.point_colours,
                                     max(1.6, inner / 150) * theme.point_scale)
        self.caption_px = self._caption_size()

    def _caption_size(self):
        """The caption line's type size: the body size, or less if the widest frame's line would not fit."""
        fp, width = self.font_px, self.size[0] - 2 * self.margin
        widest = max((self._caption_text(i) for i in range(len(self))), key=lambda t: font(fp).getlength(t))
        size = fp
        while size > self.arrangement.min_font_px and font(size).getlength(widest) > width:
            size -= 1
        return size

    # -- frames --------------------------------------------------------------------------
    def frame(self, index):
        """Frame ``index`` as an (H, W, 3) uint8 array."""
        image = self.background.copy()
        self._draw_regions(image, index)
        self._draw_bars(image, index)
        self._draw_curves(image, index)
        self._draw_caption(image, index)
        return image

    def region_image(self, index):
        """The panel's inside for frame ``index``: decision regions under the data points."""
        region = decision_regions(self.recording.grid_probs[index], self.panel[2] - 2, self.region_colours,
                                  shade=self.shade, background=self.theme.rgb("background"))
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
        for k, ((wrect, urect, *srect), params, updates, scale) in enumerate(
                zip(self.bars, self.matrices, self.update_matrices, self.scales)):
            if srect:                   # each parameter's own step size, on the run's log scale
                x, y, w, h = srect[0]
                cells = self.step_lut[levels(self.steps[k][row], *self.step_range)]
                image[y + 1:y + h - 1, x + 1:x + w - 1] = np.repeat(np.repeat(cells, self.cell, 0), self.cell, 1)
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

    def _caption_text(self, index):
        rec, row = self.recording, self.rows[index]
        return (f"epoch {count_text(self.epochs[index])}    acc {accuracy_text(rec.accuracy[row])}    "
                f"loss {loss_text(rec.loss[row])}    lr {rate_text(rec.learning_rate[row])}")

    def _draw_caption(self, image, index):
        rec, fp = self.recording, self.font_px
        baseline_y = self.caption_h - round(fp * 0.55)
        draw_text(image, (self.margin, baseline_y), self._caption_text(index), size_px=self.caption_px,
                  colour=self.theme.rgb("ink"), anchor="ls")
        if index == len(self) - 1:
            status = rec.status
            if status.diverged_at is not None:
                self._banner(image, diverged_text(status.diverged_at))
            elif status.interrupted:
                self._banner(image, f"interrupted after epoch {int(self.epochs[index])}")

    def _banner(self, image, text):
        x, y, w, h = self.panel
        draw_text(image, (x + w // 2, y + round(self.font_px * 1.6)), text, size_px=round(self.font_px * 1.2),
                  colour=BANNER_INK, bold=True, anchor="mm", background=self.theme.warning)

    # -- where things are, for tests and palettes ---------------------------------------
    def colours(self):
        """Colours a frame is made of exactly: regions, points, the bars' scale, ink, page, banner, cursor."""
        theme = self.theme
        fixed = [theme.rgb("background"), theme.rgb("ink"), theme.rgb("warning"), theme.rgb("highlight"),
                 BANNER_INK]
        steps = [self.step_lut] if self.steps is not None else []
        return np.concatenate([self.region_colours, self.point_colours, self.lut, *steps,
                               np.array(fixed, dtype=np.uint8)])

    def data_to_pixel(self, x, y):
        """The frame pixel (row, col) where the data point (x, y) is drawn."""
        px, py, w, h = self.panel
        xmin, xmax, ymin, ymax = self.recording.grid_extent
        inner = w - 2
        col = px + 1 + (x - xmin) / (xmax - xmin) * inner
        row = py + 1 + (ymax - y) / (ymax - ymin) * inner
        return int(row), int(col)


def _label(fig, rect, pieces, size_pt):
    """Text just above the pixel rectangle ``rect``: a run of (text, colour, weight) pieces.

    Returns the artists and the pixel column where the run ends.
    """
    W, H = fig.canvas.get_width_height()
    x, y = rect[0], rect[1] - 3
    artists = []
    for text, colour, weight in pieces:
        artist = fig.text(x / W, 1 - y / H, text, ha="left", va="baseline", fontsize=size_pt,
                          color=colour, fontweight=weight)
        x += artist.get_window_extent(renderer=fig.canvas.get_renderer()).width
        artists.append(artist)
    return artists, x


def _fitted_label(fig, rect, notes, name, size_pt, right, theme):
    """A bar's label: ``name`` in bold, then the first of ``notes`` (longest first) that ends left of ``right``."""
    for note in notes:
        pieces = [(name, theme.ink, "bold")] + ([(note, theme.muted, "normal")] if note else [])
        artists, end = _label(fig, rect, pieces, size_pt)
        if end <= right or note == notes[-1]:
            return
        for artist in artists:
            artist.remove()


def _shrink_to(text, width, renderer):
    """Make the matplotlib ``text`` smaller, if need be, until it is at most ``width`` pixels wide."""
    extent = text.get_window_extent(renderer)
    if extent.width > width:
        text.set_fontsize(text.get_fontsize() * width / extent.width * 0.98)


def _frame(image, x, y, w, h, colour):
    """A one-pixel outline just inside the pixel rectangle (x, y, w, h)."""
    image[y, x:x + w] = colour
    image[y + h - 1, x:x + w] = colour
    image[y:y + h, x] = colour
    image[y:y + h, x + w - 1] = colour


def last_frame_png(recording, size=(640, 360)):
    """A Recording's last frame as PNG bytes: what a notebook shows under its summary."""
    import io

    from PIL import Image

    animation = TrainingAnimation(recording, size=size)
    buffer = io.BytesIO()
    Image.fromarray(animation.frame(len(animation) - 1)).save(buffer, format="png")
    return buffer.getvalue()

