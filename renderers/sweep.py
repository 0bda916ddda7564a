"""A sweep's pictures: the map of final loss and accuracy, and every run's decision regions side by side.

:class:`SweepMap` is one still (``-o map.png``)::

    +-------------------------------------------------------------------+
    | SGD · decay=0.001: lr × momentum, 10,000 epochs each              |
    | spiral · 300 points · 3 classes · 2→64→3 · book mode              |
    |  final loss                        final accuracy                 |
    |  lr 10  [////][////][////]  |█|    [////][////][////]  |█|        |
    |      1  [.412][.160][.103]  |█|    [.850][.943][.967]  |█|        |
    |    0.1  [.981][.702][.433]  |█|    [.463][.667][.817]  |█|        |
    |          0    0.5   0.9            0    0.5   0.9                 |
    |                momentum                  momentum                 |
    | best (framed): lr=1 · momentum=0.9: loss 0.103, accuracy 0.967 ... |
    +-------------------------------------------------------------------+

Cells are labelled with their values; diverged runs are hatched and say
where they diverged; the run with the lowest final loss is framed in both
maps.  Both colour scales put good in yellow (viridis): low loss, high
accuracy.  The loss scale stops at 1.5 times the starting loss, so one
run thrown far up does not wash out the rest (its label keeps its value).

:class:`~renderers.sweep_grid.SweepGrid` is the small multiples (``.gif``,
``.mp4``, frames): every run's decision regions at the same epoch.  This module
also holds what both pictures and the player page share: the loss colour
scale, the grid's cells, the heading.
"""

import math

import matplotlib
import numpy as np
from matplotlib.colors import Normalize
from matplotlib.patches import Rectangle

from .layout import Layout, loss_ceiling
from .raster import add_axes_px, figure_rgba, font, new_figure
from .shapes import fitting_px, least_px, text_width, type_px
from .theme import hex_rgb
from .words import accuracy_text, best_text, count_text, data_text, headline, short_loss_text, value_text

LOSS_CMAP = "viridis_r"        # low loss is yellow
ACCURACY_CMAP = "viridis"      # high accuracy is yellow
DIVERGED_FILL = "#ececec"


# -- scales shared by the pictures (and the player page) -------------------------------------

def loss_norm(result):
    """The loss colour scale: the lowest final loss to the highest, but at most 1.5 x the starting loss."""
    finals = np.array([r.final_loss for r in result.runs if not r.diverged and math.isfinite(r.final_loss)])
    starts = [float(r.frame_loss[0]) for r in result.runs if len(r.frame_loss)]
    if finals.size == 0:
        return Normalize(0.0, 1.0)
    low, high = float(finals.min()), float(finals.max())
    if starts:
        high = loss_ceiling(high, max(starts))
    if not high > low:
        high = low + 1e-3
    return Normalize(low, high)


def loss_colours(result):
    """(runs, 3) uint8: each run's final loss on the map's colour scale (diverged runs: the diverged fill)."""
    norm, cmap = loss_norm(result), matplotlib.colormaps[LOSS_CMAP]
    out = np.empty((len(result.runs), 3), dtype=np.uint8)
    for k, run in enumerate(result.runs):
        if run.diverged or not math.isfinite(run.final_loss):
            out[k] = hex_rgb(DIVERGED_FILL)
        else:
            out[k] = np.rint(np.array(cmap(float(np.clip(norm(run.final_loss), 0, 1)))[:3]) * 255)
    return out


def draw_heading(fig, size, result, theme, margin, font_px, *, title, gap, data):
    """The headline, bold, in the top-left corner and the data caption ``gap`` type sizes under it.

    ``title`` and ``data`` are their type sizes, in units of ``font_px``.
    """
    W, H = size
    pt = 72 / fig.dpi
    room, least = W - 2 * margin, least_px(size, theme)      # a long headline on a square frame: smaller
    fig.text(margin / W, 1 - margin * 0.8 / H, headline(result), ha="left", va="top", fontweight="bold",
             fontsize=fitting_px(headline(result), font_px * title, room, bold=True, least=least) * pt,
             color=theme.ink)
    fig.text(margin / W, 1 - (margin * 0.8 + font_px * gap) / H, data_text(result), ha="left", va="top",
             fontsize=fitting_px(data_text(result), font_px * data, room, least=least) * pt, color=theme.muted)


def _grid_shape(result):
    """(rows, columns) of the maps: the first grid down, the second across; one grid is a single row."""
    shape = result.sweep.shape
    return (1, shape[0]) if len(shape) == 1 else shape


def _values(result, key):
    """(rows, columns) of a summary number; NaN where the run diverged."""
    rows, cols = _grid_shape(result)
    out = np.full((rows, cols), np.nan)
    for run in result.runs:
        r, c = (0, run.cell[0]) if len(run.cell) == 1 else run.cell
        if not run.diverged:
            out[r, c] = getattr(run, key)
    return out


def _position(cell):
    return (0, cell[0]) if len(cell) == 1 else cell


# -- the map -----------------------------------------------------------------------------------

class SweepMap(Layout):
    """The final loss and accuracy of every run of a :class:`~animator.sweep.SweepResult`, as one still.

    >>> still = SweepMap(result, size=(960, 540))    # doctest: +SKIP
    >>> still.frame(0).shape                         # doctest: +SKIP
    (540, 960, 3)
    """

    MIN_SIZE = (480, 270)
    WHAT = "a sweep's map"

    def __init__(self, result, *, size=(960, 540), theme="default"):
        self.check_size(size)
        self.theme = self.theme_named(theme)
        self.result = result
        self.size = tuple(size)
        self.epochs = np.array([result.sweep.config.epochs], dtype=np.int64)
        self.image = self._draw()

    def __len__(self):
        return 1

    def frame(self, index):
        if index != 0:
            raise IndexError(f"a sweep's map has one frame (asked for {index})")
        return self.image.copy()

    def colours(self):
        theme = self.theme
        return np.array([hex_rgb(c) for c in (theme.background, theme.ink, theme.muted, DIVERGED_FILL)],
                        dtype=np.uint8)

    # -- drawing ---------------------------------------------------------------------------
    def _geometry(self, rotate):
        """Each map's pixel rectangle, its colour bar's, and the cell size, for side-by-side or stacked maps."""
        W, H = self.size
        fp, m = self.font_px, self.margin
        rows, cols = _grid_shape(self.result)
        tick_px = self.tick_px
        x_labels = [value_text(v) for v in self.result.sweep.axes[-1].values]
        y_labels = [value_text(v) for v in self.result.sweep.axes[0].values] if rows > 1 else []
        widest_x = max(font(tick_px).getlength(t) for t in x_labels)
        left = (max(font(tick_px).getlength(t) for t in y_labels) + fp * 2.2) if y_labels else fp * 0.6
        bottom = (widest_x if rotate else tick_px) + fp * 2.6
        colour_bar = fp * 4.2
        title_h = fp * 1.6
        top, foot = self.header_h, self.footer_h
        best = None
        for place in ("side", "stacked"):
            if place == "side":
                area_w = (W - 2 * m - 2 * m) / 2
                area_h = H - top - foot
            else:
                area_w = W - 2 * m
                area_h = (H - top - foot - m) / 2
            cell_w = (area_w - left - colour_bar) / cols
            cell_h = (area_h - title_h - bottom) / rows
            cell_h = min(cell_h, cell_w)
            cell_w = min(cell_w, 2 * cell_h)
            if best is None or min(cell_w, cell_h) > best[0]:
                best = (min(cell_w, cell_h), place, area_w, area_h, cell_w, cell_h)
        _, place, area_w, area_h, cell_w, cell_h = best
        if min(cell_w, cell_h) < 4:
            raise self.no_room(self.size, f"a {rows}x{cols} map")
        maps = []
        for k in range(2):
            ax_ = m + k * (area_w + 2 * m) if place == "side" else m
            ay_ = top if place == "side" else top + k * (area_h + m)
            w, h = cols * cell_w, rows * cell_h
            x = ax_ + left + (area_w - left - colour_bar - w) / 2
            y = ay_ + title_h + (area_h - title_h - bottom - h) / 2
            maps.append(((x, y, w, h), (x + w + fp * 0.6, y, max(4, fp * 0.7), h)))
        return maps, cell_w, cell_h, widest_x

    def _draw(self):
        W, H = self.size
        theme, result = self.theme, self.result
        self.font_px = fp = type_px(self.size, theme.type_scale, share=0.026, floor=9, by_height=True)
        self.least_px = least_px(self.size, theme)
        self.tick_px = max(8, round(fp * 0.8), self.least_px)
        self.margin = m = max(6, round(H * 0.022))
        self.header_h = round(fp * 3.6)
        # the best run's line, in two where one leaves the frame (a square frame)
        best_line = best_text(result)
        self.footer_lines = ([best_line] if text_width(best_line, fp * 0.85) <= W - 2 * m
                             else [part.strip() for part in best_line.split("   ") if part.strip()])
        self.footer_h = round(fp * (0.8 + 1.2 * len(self.footer_lines)))
        rows, cols = _grid_shape(result)
        maps, cell_w, cell_h, widest = self._geometry(rotate=False)
        rotate = widest > cell_w * 0.92
        if rotate:
            maps, cell_w, cell_h, widest = self._geometry(rotate=True)
        self.maps = [rect for rect, _ in maps]
        self.cell = (cell_w, cell_h)

        fig = new_figure(W, H, facecolor=theme.background)
        pt = 72 / fig.dpi
        draw_heading(fig, self.size, result, theme, m, fp, title=1.1, gap=1.7, data=0.85)
        for k, line in enumerate(self.footer_lines):
            y = self.footer_h * 0.45 if len(self.footer_lines) == 1 else self.footer_h - fp * (0.9 + 1.2 * k)
            fig.text(m / W, y / H, line, ha="left", va="center", color=theme.ink,
                     fontsize=fitting_px(line, fp * 0.85, W - 2 * m, least=self.least_px) * pt)

        panels = [("final loss", _values(result, "final_loss"), LOSS_CMAP, loss_norm(result), short_loss_text),
                  ("final accuracy", _values(result, "final_accuracy"), ACCURACY_CMAP, Normalize(0.0, 1.0),
                   accuracy_text)]
        best = result.best()
        sweep = result.sweep
        for ((rect, bar), (title, values, cmap_name, norm, text)) in zip(maps, panels):
            ax = add_axes_px(fig, *rect)
            cmap = matplotlib.colormaps[cmap_name].with_extremes(bad=DIVERGED_FILL)
            image = ax.imshow(np.ma.masked_invalid(values), cmap=cmap, norm=norm, origin="upper", aspect="auto",
                              interpolation="nearest", extent=(-0.5, cols - 0.5, rows - 0.5, -0.5))
            ax.set_xticks(range(cols), [value_text(v) for v in sweep.axes[-1].values],
                          rotation=90 if rotate else 0)
            ax.set_xlabel(sweep.names[-1], fontsize=fp * 0.9 * pt, color=theme.ink, labelpad=2)
            if rows > 1:
                ax.set_yticks(range(rows), [value_text(v) for v in sweep.axes[0].values])
                ax.set_ylabel(sweep.names[0], fontsize=fp * 0.9 * pt, color=theme.ink, labelpad=3)
            else:
                ax.set_yticks([])
            ax.tick_params(labelsize=self.tick_px * pt, length=0, pad=3, colors=theme.ink)
            ax.set_xticks(np.arange(cols + 1) - 0.5, minor=True)
            ax.set_yticks(np.arange(rows + 1) - 0.5, minor=True)
            ax.tick_params(which="minor", length=0)
            ax.grid(which="minor", color=theme.background, lw=max(1.0, fp * 0.12) * pt)
            for spine in ax.spines.values():
                spine.set_visible(False)
            ax.text(0, 1, title, transform=ax.transAxes, ha="left", va="bottom", fontweight="bold", color=theme.ink,
                    fontsize=fitting_px(title, fp, rect[2], bold=True, least=self.least_px) * pt)
            self._label_cells(ax, values, image, text, pt)
            if best is not None:
                r, c = _position(best.cell)
                ax.add_patch(Rectangle((c - 0.5, r - 0.5), 1, 1, fill=False, edgecolor=theme.ink,
                                       lw=max(2.0, fp * 0.25) * pt, zorder=5, clip_on=False))
            colour_bar = fig.colorbar(image, cax=add_axes_px(fig, *bar))
            colour_bar.ax.tick_params(labelsize=max(self.tick_px * 0.9, self.least_px) * pt, length=2,
                                      colors=theme.muted)
            colour_bar.outline.set_visible(False)
        return np.ascontiguousarray(figure_rgba(fig)[..., :3])

    def _label_cells(self, ax, values, image, text, pt):
        """Each cell's value, dark or light against its colour; a diverged cell hatched, with where it stopped."""
        cell_w, cell_h = self.cell
        theme = self.theme
        rows, cols = values.shape
        labels = {}
        for run in self.result.runs:
            r, c = _position(run.cell)
            if run.diverged:
                labels[r, c] = (None, [f"diverged\nat {count_text(run.diverged_at)}", "diverged", "div."])
            else:
                labels[r, c] = (values[r, c], [text(values[r, c])])
        size = min(self.font_px * 0.95, cell_h * 0.36,
                   cell_w / (0.62 * max(len(t[1][0]) for t in labels.values() if t[0] is not None) + 0.6)
                   if any(t[0] is not None for t in labels.values()) else self.font_px)
        for (r, c), (value, texts) in labels.items():
            if value is None:
                ax.add_patch(Rectangle((c - 0.5, r - 0.5), 1, 1, fill=False, hatch="///", edgecolor="#c4c4c4",
                                       lw=0, zorder=2))
                for option in texts:
                    lines = option.split("\n")
                    fits = min(self.font_px * 0.8, cell_h * 0.8 / (1.3 * len(lines)),
                               cell_w * 0.92 / (0.6 * max(len(line) for line in lines)))
                    if fits >= max(6, self.least_px):
                        ax.text(c, r, option, ha="center", va="center", fontsize=fits * pt, color=theme.warning,
                                fontweight="bold", zorder=3, linespacing=1.1)
                        break
            elif size >= max(6, self.least_px):
                rgba = image.cmap(image.norm(value))
                light = 0.2126 * rgba[0] + 0.7152 * rgba[1] + 0.0722 * rgba[2] > 0.5
                ax.text(c, r, texts[0], ha="center", va="center", fontsize=size * pt, zorder=3,
                        color=theme.ink if light else "#ffffff")
