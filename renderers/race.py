"""An optimizer race (``animator compare``) as a frame source.

One decision-region panel per entrant and the loss and accuracy curves of all
entrants overlaid, every entrant at the same epoch in every frame::

    +--------------------------------------------------------------------+
    | epoch 1,234 / 10,000                   spiral · 300 points · ...   |
    | ━ SGD            ━ AdaGrad         ━ RMSProp         ━ Adam        |
    | lr=1.0 · ...     lr=1.0 · ...      lr=0.02 · ...     lr=0.05 · ... |
    | +----------+     +----------+      +----------+      +----------+  |
    | | regions  |     | regions  |      | regions  |      | regions  |  |
    | +----------+     +----------+      +----------+      +----------+  |
    | acc · loss       acc · loss        acc · loss        acc · loss    |
    | loss  [curves, cursor]             accuracy  [curves, cursor]      |
    +--------------------------------------------------------------------+

Where the panels and charts go for each frame shape is :mod:`renderers.race_geometry`.

Each entrant is drawn with its optimizer's identity (:func:`renderers.identity.looks`:
the colour, marker and line style its optimizer declares, the same in every
figure and theme): its panel's frame, its caption's swatch, its curves (dashed
as the identity says), the marker riding them and its legend entry; its name
stands where its curves end, beside each chart, where there is room (names of
lines that end close together are nudged apart).  Type is sized from the
frame's height times the theme's ``type_scale``; an entrant's title shrinks if
it would reach the next panel.

As in :mod:`renderers.training`, everything static (captions, frames, axes,
faint whole-race curves, the legend) is drawn once; a frame is composed in
numpy from the region images, the part of the bold curves up to the cursor,
the cursor and a few lines of text.

Both charts keep one scale for the whole race: epochs 0 to the last, accuracy
0 to 1, and loss 0 to the highest loss seen but at most 1.5 times the starting
loss, so that the chapter's rare spikes (AdaGrad and RMSProp briefly pass 10)
run off the top instead of flattening every curve against the axis.

A recorded run (``animator compare mine.npz adam``) is drawn as ``Adam (yours)``
with its optimizer's identity (a twin of the book's Adam where both race), or
a custom optimizer's neutral one; the header says where the book's entrants
started from (:data:`renderers.words.START_TEXT`).

An entrant that diverged keeps its last finite regions, under a banner
saying so; its curves end in an x where it stopped, and its dot leaves the
charts.  Its caption's numbers stay at their last values, greyed.
"""

import numpy as np
from matplotlib.lines import Line2D

from animator.errors import UserError
from animator.race import MAX_ENTRANTS
from animator.untrusted import shown

from .identity import looks, marker_sprite, nudge_apart, swatch
from . import story
from .layout import Layout, optimizer_text, origin_pad
from .raster import (add_axes_px, blend, decision_regions, draw_text, figure_rgba, font, new_figure,
                     points_overlay)
from .race_geometry import MIN_TEXT_PX, RaceGeometry, short_names
from .theme import hex_rgb
from .words import (SHORT_START_TEXT, START_TEXT, accuracy_text, count_text, data_captions, diverged_text,
                    layers_text, loss_text, recorded_title)

_short_names = short_names      # the name renderers.landscape imports it by
BANNER_INK = (255, 255, 255)   # the text on a warning banner, whatever the page
_FAINT = 0.72          # share of the page mixed into the not-yet-reached part of a curve


class RaceAnimation(RaceGeometry, Layout):
    """Frames of a :class:`animator.race.RaceResult`.

    >>> anim = RaceAnimation(result, size=(960, 540))   # doctest: +SKIP
    >>> anim.frame(len(anim) - 1).shape                 # doctest: +SKIP
    (540, 960, 3)
    """

    MIN_SIZE = (480, 270)
    MIN_ASPECT = 1.0
    MAX_ASPECT = 2.4     # 21:9 and a little more; wider, four panels in a row leave the charts no height
    WHAT = "a race"

    def __init__(self, result, *, size=(960, 540), theme="default", caption=None):
        width, height = size
        self.check_size(size)
        self.theme = self.theme_named(theme)
        self.caption = caption             # a line at the foot: the figure's number and what it shows
        if not 1 <= len(result.recordings) <= MAX_ENTRANTS:
            raise UserError(f"a race animation shows 1 to {MAX_ENTRANTS} optimizers (got {len(result.recordings)})")
        if len(result.frame_epochs) == 0 or any(len(r.frame_epochs) == 0 for r in result.recordings):
            raise UserError("the race has no frames (the loss was not finite at epoch 0)")
        self.result = result
        self.recordings = result.recordings
        self.size = (width, height)
        self.texts = [optimizer_text(spec) for spec in result.specs]    # (title, settings) per entrant
        self.looks = looks(result.specs, self.theme)
        self.names = short_names([look.name for look in self.looks], self.texts)
        for k, recording in enumerate(self.recordings):
            if recording.spec.recorded:          # a run animator did not train: its own name, said to be yours
                label = getattr(result.specs[k], "label", None)     # a custom optimizer's class name
                own = shown(label) if label is not None else None
                self.texts[k] = (recorded_title(own or self.texts[k][0]), self.texts[k][1])
                self.names[k] = recorded_title(own or self.looks[k].name)
        self.epochs = np.asarray(result.frame_epochs, dtype=np.int64)
        # per entrant and frame: the row it shows (its last one once it has stopped)
        self.rows = [np.array([r.row(e) for e in r.frame_epochs]) for r in self.recordings]
        self.stopped = [r.frame_epochs < self.epochs for r in self.recordings]
        classes = self.recordings[0].grid_probs.shape[-1]
        self.region_colours = self.theme.region_rgb(classes)
        self.point_colours = self.theme.class_rgb(classes)
        self.entrant_colours = np.array([look.rgb for look in self.looks], dtype=np.uint8)
        page = np.array(self.theme.rgb("background"), dtype=float)
        self.faint_colours = np.rint(self.entrant_colours + (page - self.entrant_colours.astype(float)) * _FAINT
                                     ).astype(np.uint8)
        self._layout()
        self._draw_static()

    # -- static layers -----------------------------------------------------------------
    def _draw_static(self):
        W, H = self.size
        theme, fp = self.theme, self.font_px
        recs = self.recordings
        fig = new_figure(W, H, facecolor=theme.background)
        pt = 72 / fig.dpi   # pixels -> points

        last = max(int(self.epochs[-1]), 1)
        loss_top = story.loss_top([r.loss for r in recs], max(float(r.loss[0]) for r in recs))
        series = [("loss", [r.loss for r in recs], loss_top), ("accuracy", [r.accuracy for r in recs], 1.0)]
        self.axes, lines, ends, labels = [], [], [], []
        for (name, values, top), rect, x_label in zip(series, self.charts, self.x_labels):
            ax = add_axes_px(fig, *rect)
            ax.set_facecolor(theme.panel)
            ax.set_xlim(0, last)
            ax.set_ylim(0, top)
            for k, (rec, v) in enumerate(zip(recs, values)):
                line, = ax.plot(rec.epochs, np.asarray(v, dtype=np.float64), color=self.faint_colours[k] / 255,
                                lw=1.3 * theme.line_scale, solid_capstyle="butt", dash_capstyle="butt",
                                linestyle=self.looks[k].linestyle(), zorder=2 + k)
                lines.append((line, k))
                if rec.diverged_at is not None and len(rec.epochs):
                    end, = ax.plot([rec.epochs[-1]], [min(float(v[-1]), top)], "x", ms=fp * 0.7 * pt,
                                   mew=2.5 * pt * theme.line_scale, color=self.entrant_colours[k] / 255,
                                   zorder=10, clip_on=False, visible=False)
                    ends.append(end)
            ax.tick_params(labelsize=fp * 0.78 * pt, length=3, pad=2, colors=theme.muted, labelcolor=theme.ink)
            ax.tick_params(axis="y", pad=origin_pad(fp * 0.78, 3, 2))
            ax.locator_params(axis="y", nbins=4)
            ax.locator_params(axis="x", nbins=4 if self.arrangement[2] == "below" else 5)
            ax.grid(axis="y", color=theme.grid, lw=0.8)
            ax.set_axisbelow(True)
            if x_label:
                ax.set_xlabel("epoch", fontsize=fp * 0.8 * pt, color=theme.muted, labelpad=1)
            else:
                ax.tick_params(labelbottom=False)
            for spine in ("top", "right"):
                ax.spines[spine].set_visible(False)
            for spine in ("left", "bottom"):
                ax.spines[spine].set_color(theme.frame)
            x, y, w, h = rect
            rise = round(fp * 0.6)    # clear of the top tick label
            labels.append(fig.text((x - round(fp * 2.7)) / W, 1 - (y - rise) / H, name, ha="left",
                                   va="baseline", fontsize=fp * pt, fontweight="bold", color=theme.ink))
            self.axes.append(ax)
            if name == "loss":         # a spike the axis cuts off: a mark at the top edge and its value
                story.mark_spikes(ax, story.spikes([(r.epochs, r.loss) for r in recs], top), self.entrant_colours / 255,
                                  size_pt=max(fp * 0.72, self.least_px) * pt, marker_pt=fp * 0.6 * pt,
                                  text_colour=theme.ink)
            self._draw_end_labels(fig, ax, rect, values, top)
        self._draw_legend(fig, labels)
        faint = figure_rgba(fig)[..., :3]
        for line, k in lines:
            line.set_color(self.entrant_colours[k] / 255)
            line.set_linewidth(2.0 * theme.line_scale)
        for end in ends:
            end.set_visible(True)
        self.bold = np.ascontiguousarray(figure_rgba(fig)[..., :3])
        self.background = background = np.ascontiguousarray(faint)

        self._draw_captions(background)
        self._place_cursors()
        self._draw_points()

    def _draw_end_labels(self, fig, ax, rect, values, top):
        """Each entrant's name beside the chart, level with where its curve ends, nudged apart to stay legible."""
        if not self.end_labels:
            return
        W, H = self.size
        x, y, w, h = rect
        size = self.end_label_px
        ends = []
        for rec, v in zip(self.recordings, values):
            finite = np.asarray(v, dtype=np.float64)
            finite = finite[np.isfinite(finite)]
            last = float(np.clip(finite[-1], 0, top)) if finite.size else 0.0
            ends.append(H - ax.transData.transform((float(rec.epochs[-1]), last))[1])
        places = nudge_apart(ends, size * 1.2, y + size * 0.5, y + h - size * 0.5)
        if places is None:
            return
        pt = 72 / fig.dpi
        for name, place in zip(self.names, places):
            fig.text((x + w + round(self.font_px * 0.35)) / W, 1 - place / H, name, ha="left", va="center_baseline",
                     fontsize=size * pt, color=self.theme.ink)

    def _draw_legend(self, fig, labels):
        """One legend for both charts, right-aligned above the top (or right) one, shrunk to clear its label.

        In two rows if one row will not clear it; left out if neither fits (the
        swatches beside the entrants' titles name the colours too).
        """
        W, H = self.size
        fp, pt = self.font_px, 72 / fig.dpi
        lw = 2.0 * self.theme.line_scale
        handles = [Line2D([], [], color=look.hex, lw=lw, linestyle=look.linestyle(), dash_capstyle="butt",
                          marker=look.marker, ms=fp * 0.62 * pt, mec=look.hex if look.hollow else "#222222",
                          mfc=self.theme.panel if look.hollow else look.hex, mew=0.8)
                   for look in self.looks]
        k = 0 if self.arrangement[2] == "right" else 1
        x, y, w, h = self.charts[k]
        w += self.end_labels
        renderer = fig.canvas.get_renderer()
        clear = labels[k].get_window_extent(renderer=renderer).x1 + fp
        for scale in (0.8, 0.72, 0.64, 0.56):
            if fp * scale < self.least_px:          # never below the theme's least type: left out instead
                continue
            legend = fig.legend(handles, self.names, loc="lower right", ncol=len(handles),
                                bbox_to_anchor=((x + w) / W, 1 - (y - round(fp * 0.1)) / H), frameon=False,
                                fontsize=fp * scale * pt, handlelength=1.4, columnspacing=1.0, handletextpad=0.4,
                                borderaxespad=0, borderpad=0, labelcolor=self.theme.legend)
            if legend.get_window_extent(renderer=renderer).x0 >= clear:
                return
            legend.remove()
        legend = fig.legend(handles, self.names, loc="lower right", ncol=2, frameon=False,
                            bbox_to_anchor=((x + w) / W, 1 - (y - round(fp * 0.1)) / H),
                            fontsize=max(fp * 0.56, self.least_px) * pt,
                            handlelength=1.4, columnspacing=1.0, handletextpad=0.4, borderaxespad=0, borderpad=0,
                            labelcolor=self.theme.legend)
        box = legend.get_window_extent(renderer=renderer)
        if box.x0 < clear - fp * 0.7 or H - box.y1 < self.legend_ceiling:   # two rows: a closer fit will do
            legend.remove()     # no room beside the label: the swatches by the entrants' titles name the colours

    def _draw_captions(self, image):
        W, fp, sp, m = self.size[0], self.font_px, self.small_px, self.margin
        theme = self.theme
        ink = hex_rgb(theme.ink)
        total = count_text(self.result.config.epochs)
        live = (font(round(fp * 1.25), True).getlength(f"epoch {total}") + fp * 0.4
                + font(sp).getlength(f"of {total}"))
        room = W - 2 * m - live - 2 * fp
        spec = self.recordings[0].spec
        data = spec.dataset
        captions = data_captions(data.name, data.samples, data.classes, layers_text(spec.architecture.layers),
                                 seed=spec.seed, source=spec.source)
        start = getattr(self.result, "start", None)
        if start is not None:
            captions = (*(f"{text} · {START_TEXT[start]}" for text in captions), START_TEXT[start],
                        *(f"{text} · {SHORT_START_TEXT[start]}" for text in captions), SHORT_START_TEXT[start])
        for info in captions:
            if font(sp).getlength(info) <= room:
                draw_text(image, (W - m, round(self.header_h * 0.55)), info, size_px=sp,
                          colour=hex_rgb(theme.muted), anchor="rm")
                break
        swatch_w, swatch_h = round(fp * 1.6), max(3, round(fp * 0.22))
        page = self.theme.rgb("background")
        room = self.cells[0][1][2] - swatch_w - round(fp * 0.4)
        title_px = fp
        while title_px > max(MIN_TEXT_PX, self.least_px) and max(font(title_px, True).getlength(t) for t, _ in self.texts) > room:
            title_px -= 1     # long titles over small panels: smaller, never into the next panel
        for k, ((x, y), (px, py, side, _)) in enumerate(self.cells):
            colour = tuple(int(c) for c in self.entrant_colours[k])
            middle = y + self.title_h // 2
            mark = swatch(swatch_w, self.title_h, self.looks[k], page, line_px=swatch_h)
            blend(image, mark, middle - self.title_h // 2, x)
            title = self.texts[k][0]
            draw_text(image, (x + swatch_w + round(fp * 0.4), middle), title, size_px=title_px, colour=ink, bold=True,
                      anchor="lm")
            for j, text in enumerate(self._wrap(self.params[k], side)):
                draw_text(image, (x, y + self.title_h + j * self.line_h + self.line_h // 2), text,
                          size_px=self.params_px, colour=ink, anchor="lm")
            image[py:py + side, px:px + side] = colour          # the frame; the inside is drawn per frame
        story.draw_caption(image, self.caption_lines, size_px=self.caption_px, margin=m, colour=ink)

    def _place_cursors(self):
        """Pixel positions, per frame, of the cursor line and of each entrant's dot on each chart."""
        H = self.size[1]
        self.cursor_cols = []
        self.dots = []    # per chart: per entrant (cols, rows)
        for ax, key in zip(self.axes, ("loss", "accuracy")):
            xs = ax.transData.transform(np.c_[self.epochs.astype(np.float64), np.zeros(len(self))])[:, 0]
            self.cursor_cols.append(np.rint(xs).astype(int))
            top = ax.get_ylim()[1]
            per = []
            for rec, rows in zip(self.recordings, self.rows):
                values = np.clip(np.asarray(rec.arrays[key], dtype=np.float64)[rows], 0, top)
                pts = ax.transData.transform(np.c_[rec.epochs[rows].astype(np.float64), values])
                per.append((np.rint(pts[:, 0]).astype(int), np.rint(H - pts[:, 1]).astype(int)))
            self.dots.append(per)
        # sized from the type before the theme's type_scale, so a dot grows by point_scale alone
        radius = max(2.5, self.font_px / self.theme.type_scale * 0.26) * self.theme.point_scale
        panel = self.theme.rgb("panel")
        self.sprites = [marker_sprite(look.marker, radius, look.rgb, hollow=look.hollow, face=panel)
                        for look in self.looks]
        self.cursor_colour = np.array(hex_rgb(self.theme.muted), dtype=np.uint8)

    def _draw_points(self):
        """The data points, drawn once on a transparent layer the size of a panel's inside."""
        rec = self.recordings[0]
        self.points = points_overlay(rec.X, rec.y, rec.grid_extent, self.inner, self.point_colours,
                                     max(1.8, self.inner / 110) * self.theme.point_scale)

    # -- frames --------------------------------------------------------------------------
    def frame(self, index):
        """Frame ``index`` as an (H, W, 3) uint8 array."""
        image = self.background.copy()
        b = self.border
        for k in range(len(self.recordings)):
            px, py, side, _ = self.cells[k][1]
            image[py + b:py + side - b, px + b:px + side - b] = self.region_image(k, index)
        self._draw_curves(image, index)
        self._draw_text(image, index)
        return image

    def region_image(self, entrant, index):
        """Entrant ``entrant``'s panel inside at frame ``index``: decision regions under the data points.

        As in :meth:`renderers.training.TrainingAnimation.region_image`, the grid's
        probabilities are interpolated to the panel's pixels before the argmax, so
        boundaries are smooth curves rather than grid steps.
        """
        region = decision_regions(self.recordings[entrant].grid_probs[index], self.inner, self.region_colours)
        self.points.apply(region)
        return region

    def _draw_curves(self, image, index):
        for (x, y, w, h), cols, dots in zip(self.charts, self.cursor_cols, self.dots):
            col = cols[index]
            cut = min(max(col + 1, x), x + w)
            # the x that ends a diverged curve may stick out of the plot area: copy a margin around it
            pad = self.font_px // 2
            image[y - pad:y + h + pad, x - pad:cut] = self.bold[y - pad:y + h + pad, x - pad:cut]
            if x <= col < x + w:
                image[y:y + h, col] = self.cursor_colour
            for k in reversed(range(len(self.recordings))):
                if not self.stopped[k][index]:
                    sprite, centre = self.sprites[k]
                    blend(image, sprite, dots[k][1][index] - centre, dots[k][0][index] - centre)

    def _draw_text(self, image, index):
        theme, fp, m = self.theme, self.font_px, self.margin
        ink, muted = hex_rgb(theme.ink), hex_rgb(theme.muted)
        epoch = int(self.epochs[index])
        face = font(round(fp * 1.25), True)
        text = f"epoch {count_text(epoch)}"
        draw_text(image, (m, round(self.header_h * 0.55)), text, size_px=round(fp * 1.25), colour=ink, bold=True,
                  anchor="lm")
        draw_text(image, (m + face.getlength(text) + fp * 0.4, round(self.header_h * 0.55)),
                  f"of {count_text(self.result.config.epochs)}", size_px=self.small_px, colour=muted, anchor="lm")
        for k, (rec, rows) in enumerate(zip(self.recordings, self.rows)):
            px, py, side, _ = self.cells[k][1]
            row = rows[index]
            stopped = self.stopped[k][index]
            stats = f"acc {accuracy_text(rec.accuracy[row])} · loss {loss_text(rec.loss[row])}"
            draw_text(image, (px, py + side + self.stats_h // 2 + 1), stats, size_px=self.stats_px,
                      colour=muted if stopped else ink, anchor="lm")
            if stopped:
                why = (diverged_text(rec.diverged_at) if rec.diverged_at is not None
                       else f"stopped after epoch {int(rec.epochs[row])}")
                draw_text(image, (px + side // 2, py + self.border + round(fp * 1.2)), why, size_px=self.stats_px,
                          colour=BANNER_INK, bold=True, anchor="mm", background=theme.warning)

    # -- where things are, for tests and palettes ---------------------------------------
    def colours(self):
        """Colours a frame is made of exactly: regions, points, entrants, ink, background, cursor."""
        theme = self.theme
        fixed = [theme.rgb("background"), theme.rgb("ink"), theme.rgb("muted"), theme.rgb("warning"), BANNER_INK]
        return np.concatenate([self.region_colours, self.point_colours, self.entrant_colours, self.faint_colours,
                               np.array(fixed, dtype=np.uint8)])

    def entrants(self):
        """Each entrant's name and the rectangle of its caption, panel and numbers, for a player's hide and show.

        ``[{"name": "SGD", "rects": [(x, y, w, h)], "opacity": 1.0}, ...]``: hiding covers the rectangle
        with the page; the curves share two charts and stay.
        """
        out = []
        for name, ((x, y), (px, py, side, _)) in zip(self.names, self.cells):
            out.append({"name": name, "rects": [(x, y, px + side - x, py + side + self.stats_h - y)], "opacity": 1.0})
        return out

    def panel_inside(self, entrant):
        """``(x, y, size)``: where entrant ``entrant``'s region image starts in the frame, and its size."""
        px, py, _, _ = self.cells[entrant][1]
        return px + self.border, py + self.border, self.inner

