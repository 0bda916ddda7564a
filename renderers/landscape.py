"""Every optimizer's path on the chapter network's own loss landscape, as frame sources.

Two layouts of an :class:`animator.landscape.Landscape`:

* :class:`LandscapePlane`: the loss on a plane through parameter space, as
  contours drawn once; each run's path grows epoch by epoch with its ball, in
  its optimizer's identity (colour, marker, line style)::

    +-----------------------------------------------------------------+
    | Loss landscape · PCA plane through the initial weights  epoch 400 |
    | +--------------------------+   ● SGD                 loss 0.912  |
    | |  contours of the loss    |     lr=1.0 · decay=0.001 · ...      |
    | |  on the plane, a path    |     plane 1.04 · 3.21 off the plane |
    | |  and a ball per run      |   ...                               |
    | +--------------------------+   [each run's true loss, so far]    |
    |                                [colour bar: loss on the plane]   |
    | footnote: the share of variance the plane explains; what a ball is |
    +-----------------------------------------------------------------+

* :class:`LandscapeLine`: the loss along the straight line from the initial
  weights through each run's final weights, one curve per run, each ball where
  its run's weights project onto its line, as the chapter's ball on a curve.

Squarer frames put the legend and the chart under the plot
(:mod:`renderers.landscape_geometry`).  What never changes is drawn once with
matplotlib; paths and the loss so far are :class:`renderers.trails.StepLayer`\\ s,
so any frame is drawn alone, in any worker.
"""

import math

import numpy as np
from matplotlib.colors import LinearSegmentedColormap, LogNorm
from matplotlib.ticker import FuncFormatter

from animator.errors import UserError

from .contour_map import contour_levels, contour_ramp
from .identity import marker_sprite
from .landscape_geometry import LandscapeGeometry, entrant_looks
from .layout import Layout
from .race import _short_names
from .layout import optimizer_text
from .raster import add_axes_px, blend, draw_text, figure_rgba, new_figure
from .shapes import text_width
from .theme import hex_rgb
from .trails import EDGE, StepLayer, polyline_events
from .words import count_text, short_loss_text

LINE_HEADROOM = 1.6      # the line's loss scale reaches this much above its highest loss between t = 0 and 1
PLANE_NOTES = {
    "pca": "The plane of the paths' two principal directions explains {share} of their variance (PC1 {first}, "
           "PC2 {second}).",
    "random": "Two random filter-normalized directions (Li et al., 2018; seed {seed}) through {centre}.",
}
BALL_NOTE = ("A ball is its run's weights projected onto the plane: the loss under it is the plane's, not the "
             "run's, and 'off' is how far the weights are from the plane.")
LINE_NOTE = ("Each curve is the loss on the straight line from the initial weights (t = 0) through that run's final "
             "weights (t = 1) (Goodfellow et al., 2015). A ball is the run's weights projected onto its line; "
             "'off' is how far they are from it.")


def _distance(value):
    """A distance from the plane or line: three significant digits; rounding's dust (under 1e-9) is 0."""
    return f"{value:.3g}" if value >= 1e-9 else "0"


def _percent(value):
    return f"{value:.1%}"


class _LandscapeLayout(LandscapeGeometry, Layout):
    """What both landscape layouts share: legend, true-loss chart, footnote, balls, frames, entrants."""

    MIN_SIZE = (480, 270)
    MIN_ASPECT = 1.0
    MAX_ASPECT = 2.4
    WHAT = "a landscape"
    FRAME_UNIT = "epoch"

    def __init__(self, result, *, size=(960, 540), theme="default", title=None):
        self.check_size(size)
        if result.slice != self.SLICE:
            raise UserError(f"{type(self).__name__} draws a landscape's {self.SLICE}, not its {result.slice}")
        self.theme = self.theme_named(theme)
        self.result, self.size = result, (int(size[0]), int(size[1]))
        self.looks = entrant_looks(result, self.theme)
        self.names = _short_names([look.name for look in self.looks], [optimizer_text(s) for s in result.specs])
        self.epochs = np.asarray(result.frame_epochs, dtype=np.int64)
        self.total = result.total_epochs
        self.note = self._note()
        self._arrange()
        self.title = title if title is not None else self._fitting_title()
        fig = new_figure(*self.size, facecolor=self.theme.background)
        self._draw_plot(fig)
        self._draw_legend(fig)
        self._draw_chart(fig)
        self._draw_note(fig)
        pt = 72 / fig.dpi
        fig.text(self.margin / self.size[0], 1 - (self.arrangement.header_h - round(self.font_px * 0.7)) / self.size[1],
                 self.title, ha="left", va="baseline", fontsize=self.font_px * 1.1 * pt, fontweight="bold",
                 color=self.theme.ink)
        self.figure = fig
        self.background = np.ascontiguousarray(figure_rgba(fig)[..., :3])
        self._place()

    def __repr__(self):
        return f"<{type(self).__name__}: {', '.join(self.names)}; {len(self)} frames, {self.size[0]}x{self.size[1]}>"

    def _fitting_title(self):
        """The longest wording of the title that leaves room for the epoch counter on its line."""
        fp = self.font_px
        room = self.size[0] - 2 * self.margin - fp - text_width(f"epoch {count_text(self.total)} / "
                                                                 f"{count_text(self.total)}", fp * 1.05, bold=True)
        titles = self._titles()
        return next((t for t in titles if text_width(t, fp * 1.1, bold=True) <= room), titles[-1])

    # -- per run, per frame --------------------------------------------------------------------
    def _shown_epoch(self, k, index):
        return min(int(self.epochs[index]), int(self.result.recordings[k].epochs[-1]))

    def _to_pixels(self, ax, x, y):
        uv = ax.transData.transform(np.c_[np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)])
        uv[:, 1] = self.size[1] - uv[:, 1]
        return uv

    def _place(self):
        """Every run's trail on the plot and on the chart as layers by step, and the balls' sprites."""
        H, W = self.size[1], self.size[0]
        panel = self.theme.rgb("panel")
        self.sprites = [marker_sprite(look.marker, self.ball_r, look.rgb, edge=EDGE, hollow=look.hollow, face=panel)
                        for look in self.looks]
        self.small_sprites = [marker_sprite(look.marker, self.ball_r * 0.7, look.rgb, edge=EDGE, hollow=look.hollow,
                                            face=panel) for look in self.looks]
        self.chart_trails, self.chart_uv = [], []
        for k, r in enumerate(self.result.recordings if self.chart_axes is not None else ()):
            cx, cy, cw, ch = self.arrangement.chart
            far = self.chart_top * 10          # off the chart's top, finite: a diverged run's last losses
            loss = np.nan_to_num(np.asarray(r.loss, dtype=np.float64), nan=far, posinf=far)
            uv = self._to_pixels(self.chart_axes, r.epochs, np.minimum(loss, self.chart_top * 10))
            pix, starts, alpha = polyline_events(uv, width=self.line_w * 0.8, shape=(H, W), box=(cx, cy, cw, ch),
                                                 dashes=self.looks[k].dashes_px(self.line_w * 0.8))
            self.chart_trails.append(StepLayer.coverage(pix, starts, alpha, self.looks[k].rgb))
            self.chart_uv.append(np.c_[np.clip(uv[:, 0], cx, cx + cw), np.clip(uv[:, 1], cy, cy + ch)])
        self._place_plot()

    def frame(self, index, *, entrants=None):
        """Frame ``index`` (showing epoch ``epochs[index]``) as an (H, W, 3) uint8 array; ``entrants``: runs drawn."""
        image = self.background.copy()
        shown = range(len(self.names)) if entrants is None else sorted(entrants)
        chart = self.chart_axes is not None
        for k in shown:
            if chart:
                self.chart_trails[k].apply(image, self._shown_epoch(k, index))
            self._plot_trail(image, k, index)
        for k in shown:
            if chart:
                sprite, c = self.small_sprites[k]
                u, v = self.chart_uv[k][self._shown_epoch(k, index)]
                blend(image, sprite, int(math.floor(v)) - c, int(math.floor(u)) - c)
            self._plot_ball(image, k, index)
        self._draw_numbers(image, index)
        return image

    def _ball(self, image, k, u, v):
        sprite, c = self.sprites[k]
        blend(image, sprite, int(math.floor(v)) - c, int(math.floor(u)) - c)

    def _draw_numbers(self, image, index):
        W = self.size[0]
        fp, m, theme = self.font_px, self.margin, self.theme
        draw_text(image, (W - m, self.arrangement.header_h - round(fp * 0.7)),
                  f"epoch {count_text(self.epochs[index])} / {count_text(self.total)}", size_px=round(fp * 1.05),
                  colour=theme.rgb("ink"), bold=True, anchor="rs")
        x0, _, width = self.arrangement.legend
        third = self._legend_rows(fp)[2]
        for k, (tx, base) in enumerate(self.legend_rows):
            r = self.result.recordings[k]
            epoch = self._shown_epoch(k, index)
            if r.diverged_at is not None and epoch == int(r.epochs[-1]) and int(self.epochs[index]) > epoch:
                text, role = f"diverged at epoch {r.diverged_at}", "warning"
            else:
                text, role = f"loss {short_loss_text(float(r.loss[epoch]))}", "ink"
            draw_text(image, (x0 + width, base), text, size_px=round(self._type(0.85)), colour=theme.rgb(role),
                      anchor="rs")
            draw_text(image, (tx, base + third), self._numbers(k, index), size_px=round(self._type(0.78)),
                      colour=theme.rgb("ink"), anchor="ls")

    def entrants(self):
        """Each run's name and legend rectangle; ``frame(i, entrants=...)`` draws any runs alone (layers)."""
        x0, top, width = self.arrangement.legend
        row_h = self.arrangement.row_h
        return [{"name": name, "rects": [(x0, top + k * row_h, width, row_h)], "opacity": 0.75, "layer": True}
                for k, name in enumerate(self.names)]

    def colours(self):
        """The colours frames are made of exactly: the runs', the page's inks, the markers' edge, the map's."""
        theme = self.theme
        fixed = [hex_rgb(c) for c in (theme.background, theme.ink, theme.muted, theme.warning, theme.panel)]
        return np.concatenate([np.array([look.rgb for look in self.looks], dtype=np.uint8).reshape(-1, 3),
                               np.array(fixed + [EDGE], dtype=np.uint8), self._plot_colours()])

    def _plot_axes(self, fig):
        theme = self.theme
        pt = 72 / fig.dpi
        ax = add_axes_px(fig, *self.arrangement.plot)
        ax.tick_params(labelsize=self._type(0.7) * pt, colors=theme.muted, labelcolor=theme.ink, length=2, pad=2,
                       width=0.8 * theme.line_scale)
        ax.locator_params(nbins=5)
        for spine in ax.spines.values():
            spine.set_color(theme.frame)
            spine.set_linewidth(0.8 * theme.line_scale)
        return ax, pt


class LandscapePlane(_LandscapeLayout):
    """A plane of the landscape: contours of the loss, each run's projected path and ball."""

    SLICE = "plane"
    square_plot = True
    has_bar = True

    def _titles(self):
        plane = self.result.plane
        how = "PCA plane" if plane.kind == "pca" else "random directions"
        return (f"Loss landscape · {how} through {plane.centre}", f"{how[0].upper()}{how[1:]} through {plane.centre}",
                how[0].upper() + how[1:])

    def _note(self):
        plane = self.result.plane
        if plane.kind == "pca":
            first, second = plane.explained
            head = PLANE_NOTES["pca"].format(share=_percent(first + second), first=_percent(first),
                                             second=_percent(second))
        else:
            head = PLANE_NOTES["random"].format(seed=plane.seed, centre=plane.centre)
        return f"{head} {BALL_NOTE}"

    def _sample_numbers(self, k):
        return "plane 10.00 · 100.0 off the plane"

    def _numbers(self, k, index):
        row = int(self.result.rows[k][index])
        return (f"plane {short_loss_text(float(self.result.projected_loss[k][index]))} · "
                f"{_distance(self.result.offsets[k][row])} off the plane")

    def _draw_plot(self, fig):
        grid, theme = self.result.grid, self.theme
        ax, pt = self._plot_axes(fig)
        z = np.asarray(grid.loss, dtype=np.float64)
        finite = z[np.isfinite(z)]
        if not finite.size:
            raise UserError("the loss is not finite anywhere on the plane")
        z = np.nan_to_num(z, nan=finite.max(), posinf=finite.max(), neginf=finite.min())
        shown, levels, norm, ticks, offset = contour_levels(z, float(finite.min()), None)
        shown = np.clip(shown, levels[0], levels[-1])
        ramp = LinearSegmentedColormap.from_list("landscape", contour_ramp(theme))
        filled = ax.contourf(grid.a, grid.b, shown, levels=levels, cmap=ramp, norm=norm)
        ax.contour(grid.a, grid.b, shown, levels=levels[1:-1], colors=theme.background,
                   linewidths=0.6 * theme.line_scale, alpha=0.8)
        faces = np.rint(np.asarray(filled.get_facecolor())[:, :3] * 255).astype(np.uint8)
        self.level_colours = np.unique(faces, axis=0)
        ax.set_xlim(grid.a[0], grid.a[-1])
        ax.set_ylim(grid.b[0], grid.b[-1])
        plane = self.result.plane
        names = ("PC1", "PC2") if plane.kind == "pca" else ("direction 1", "direction 2")
        ax.set_xlabel(names[0], fontsize=fp_pt(self, 0.75, pt), color=theme.muted, labelpad=1)
        ax.set_ylabel(names[1], fontsize=fp_pt(self, 0.75, pt), color=theme.muted, labelpad=1)
        starts = np.unique(np.array([p[0] for p in self.result.paths]), axis=0)
        ax.plot(starts[:, 0], starts[:, 1], marker="o", ms=self.unit * theme.point_scale * 0.65, mfc="none",
                mec=theme.ink, mew=1.6 * theme.line_scale, linestyle="none", zorder=5)
        ax.annotate("start", (starts[0, 0], starts[0, 1]), xytext=(0.9, 0.9), textcoords="offset fontsize",
                    fontsize=fp_pt(self, 0.75, pt), color=theme.ink)
        bx, by, bw, bh = self.arrangement.bar
        cax = add_axes_px(fig, bx, by, bw, bh)
        bar = fig.colorbar(filled, cax=cax, orientation="horizontal", ticks=ticks,
                           format=FuncFormatter(lambda v, _: f"{v:g}"))
        bar.minorticks_off()
        bar.outline.set_edgecolor(theme.frame)
        bar.outline.set_linewidth(0.6 * theme.line_scale)
        cax.tick_params(labelsize=fp_pt(self, 0.65, pt), colors=theme.muted, length=2, pad=1,
                        width=0.8 * theme.line_scale)
        label = "loss on the plane" if offset == 0 else f"loss on the plane − {offset:.3g}"
        label += ", log scale" if isinstance(norm, LogNorm) else ""
        fig.text(bx / self.size[0], 1 - (by - 4) / self.size[1], label, ha="left", va="bottom",
                 fontsize=fp_pt(self, 0.72, pt), color=theme.muted)
        self.plot_axes = ax

    def _place_plot(self):
        H, W = self.size[1], self.size[0]
        px, py, pw, ph = self.arrangement.plot
        self.plot_trails, self.plot_uv = [], []
        for k, path in enumerate(self.result.paths):
            uv = self._to_pixels(self.plot_axes, path[:, 0], path[:, 1])
            pix, starts, alpha = polyline_events(uv, width=self.line_w, shape=(H, W),
                                                 box=(px + 1, py + 1, pw - 2, ph - 2),
                                                 dashes=self.looks[k].dashes_px(self.line_w))
            self.plot_trails.append(StepLayer.coverage(pix, starts, alpha, self.looks[k].rgb))
            self.plot_uv.append(uv)

    def _plot_trail(self, image, k, index):
        self.plot_trails[k].apply(image, int(self.result.rows[k][index]))

    def _plot_ball(self, image, k, index):
        u, v = self.plot_uv[k][int(self.result.rows[k][index])]
        self._ball(image, k, u, v)

    def _plot_colours(self):
        return self.level_colours


class LandscapeLine(_LandscapeLayout):
    """The loss along each run's line from its initial through its final weights, a ball riding each curve."""

    SLICE = "line"
    square_plot = False
    has_bar = False

    def _titles(self):
        return ("Loss along the line from the initial weights through each run's final weights",
                "Loss along the line from the initial to the final weights", "Loss along the line")

    def _note(self):
        return LINE_NOTE

    def _sample_numbers(self, k):
        return "t = -0.00 · 100.0 off the line"

    def _numbers(self, k, index):
        row = int(self.result.rows[k][index])
        return f"t = {float(self.result.paths[k][row]):.2f} · {_distance(self.result.offsets[k][row])} off the line"

    def _draw_plot(self, fig):
        line, theme = self.result.line, self.theme
        ax, pt = self._plot_axes(fig)
        loss = np.asarray(line.loss, dtype=np.float64)
        inside = loss[:, (line.t >= 0) & (line.t <= 1)]           # the curves may leave the top beyond the runs
        finite = inside[np.isfinite(inside)]
        top = float(finite.max()) if finite.size else 1.0
        self.line_top = top * LINE_HEADROOM if top > 0 else 1.0
        ax.set_xlim(line.t[0], line.t[-1])
        ax.set_ylim(0, self.line_top)
        ax.set_facecolor(theme.panel)
        ax.grid(axis="y", color=theme.grid, lw=0.8)
        ax.set_axisbelow(True)
        for edge, words in ((0.0, "initial weights"), (1.0, "final weights")):
            ax.axvline(edge, color=theme.frame, lw=0.9 * theme.line_scale, linestyle=(0, (2, 2)), zorder=1)
            ax.text(edge, self.line_top, f" {words}", ha="left", va="top", fontsize=fp_pt(self, 0.72, pt),
                    color=theme.muted)
        for k, look in enumerate(self.looks):
            ax.plot(line.t, np.minimum(loss[k], self.line_top * 10), color=look.hex, lw=self.line_w * pt,
                    linestyle=look.linestyle(), dash_capstyle="butt", zorder=2 + k)
        ax.set_xlabel("t, along the line", fontsize=fp_pt(self, 0.75, pt), color=theme.muted, labelpad=1)
        ax.set_ylabel("loss", fontsize=fp_pt(self, 0.75, pt), color=theme.muted, labelpad=1)
        self.plot_axes = ax

    def _place_plot(self):
        px, py, pw, ph = self.arrangement.plot
        self.plot_uv = []
        for k, path in enumerate(self.result.paths):
            t = np.asarray(path, dtype=np.float64)[np.asarray(self.result.rows[k])]
            loss = np.minimum(np.nan_to_num(np.asarray(self.result.projected_loss[k], dtype=np.float64),
                                            nan=self.line_top, posinf=self.line_top), self.line_top)
            uv = self._to_pixels(self.plot_axes, t, loss)
            self.plot_uv.append(np.c_[np.clip(uv[:, 0], px, px + pw), np.clip(uv[:, 1], py, py + ph)])

    def _plot_trail(self, image, k, index):
        pass

    def _plot_ball(self, image, k, index):
        u, v = self.plot_uv[k][index]
        self._ball(image, k, u, v)

    def _plot_colours(self):
        return np.zeros((0, 3), dtype=np.uint8)


def fp_pt(layout, share, pt):
    """``share`` of the layout's type size, in points, never under the theme's least type."""
    return layout._type(share) * pt


def landscape_animation(result, *, size=(960, 540), theme="default", title=None):
    """The layout that draws ``result``: its plane or its line."""
    layout = LandscapePlane if result.slice == "plane" else LandscapeLine
    return layout(result, size=size, theme=theme, title=title)
