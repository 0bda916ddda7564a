"""Where a landscape frame's parts go, and the parts both landscape layouts draw alike.

A frame has a header (title, epoch counter), the main plot (the plane's contour
map or the line's curves), a legend with each run's live numbers, a chart of
each run's true loss, the plane's colour bar, and a footnote saying what the
picture is and is not (a projection).  At 3:2 and wider the legend, chart and
colour bar stand in a column beside the plot (:meth:`LandscapeGeometry._beside`);
squarer frames put them under it, side by side (:meth:`_under`).  Type starts
at the theme's size and steps down toward the default size until the plot gets
:data:`PLOT_SHARE` of the frame's shorter side.  At projector scale no text may
be under the theme's least type (1/45 of the height): where the small type would
be, squarer frames keep their base type and floor the small type at the least
(:meth:`LandscapeGeometry._type`), spacing its lines to match.
"""

from dataclasses import dataclass

import numpy as np

from .identity import looks
from .layout import loss_ceiling, optimizer_text, wrap
from .raster import add_axes_px
from .shapes import least_px, text_width, toward_page, type_basis, type_px

BESIDE_FROM = 1.45       # frames at least this wide keep the legend beside the plot
PLOT_SHARE = 0.5         # the plot's side is at least this share of the frame's shorter side, if type allows
NOTE_SCALE = 0.72        # the footnote's type, as a share of the base type
SMALLEST = 0.65          # the smallest type (the colour bar's ticks), as a share of the base type


@dataclass(frozen=True)
class Arrangement:
    """Pixel rectangles ``(left, top, width, height)`` of a frame's parts, and its type size."""

    kind: str            # "beside" or "under"
    font_px: int
    header_h: int
    plot: tuple
    legend: tuple        # (left, top, width): rows of ``row_h`` from there
    row_h: int
    chart: tuple         # None where there is no room: the legend still gives each run's loss
    bar: tuple           # the colour bar, or None
    note: tuple          # (left, baseline of the first line, line height)
    note_lines: tuple


class LandscapeGeometry:
    """The arrangement of a landscape frame, set on the layout by :meth:`_arrange`.

    The layout sets ``size``, ``theme``, ``result``, ``names``, ``note`` (the
    footnote's text), ``has_bar`` and ``square_plot`` first.
    """

    def _arrange(self):
        theme = self.theme
        basis = type_basis(self.size)
        self.margin = max(6, round(basis * 0.022))
        self.unit = type_px(self.size)
        self.ball_r = max(4.0, basis * 0.012) * theme.point_scale
        self.line_w = max(1.5, basis * 0.0045) * theme.line_scale
        wanted = PLOT_SHARE * min(self.size)
        found = []
        # At projector scale the smallest type (the colour bar's ticks, SMALLEST of the base) must still be
        # 1/45 of the height.  Base sizes from which every share is legible come first; then smaller ones with
        # the small type floored at the least (squarer frames have no room for the first); sizes under the
        # least itself only if nothing legible fits.
        self.least = least_px(self.size, theme)
        legible_fp = max(self.unit, int(np.ceil(self.least / SMALLEST)))
        floored_fp = max(self.unit, self.least)
        largest = max(type_px(self.size, theme.type_scale), legible_fp)
        for low, high in ((legible_fp, largest), (floored_fp, legible_fp - 1), (self.unit, floored_fp - 1)):
            for fp in range(high, low - 1, -1):
                arrangement = self._beside(fp) if self.size[0] >= BESIDE_FROM * self.size[1] else self._under(fp)
                if arrangement is not None:
                    found.append(arrangement)
                    if min(arrangement.plot[2:]) >= wanted:
                        break
            if found:
                break
        if not found:
            raise self.no_room(self.size, f"the legend of {len(self.names)} runs")
        self.arrangement = max(found, key=lambda a: (min(a.plot[2:]) >= wanted, a.font_px if min(a.plot[2:]) >= wanted
                                                      else min(a.plot[2:])))
        self.font_px = self.arrangement.font_px

    def _type(self, share, fp=None):
        """``share`` of the base type ``fp`` (by default the arrangement's) in pixels, never under the least."""
        return max((self.font_px if fp is None else fp) * share, self.least)

    def _spaced(self, fp, share, least_share):
        """A distance of ``share`` of the base type, or of ``least_share`` of the least type where that is more.

        Each ``least_share`` is at most ``share / SMALLEST``: wherever no type is floored, the base decides.
        """
        return round(max(fp * share, self.least * least_share))

    def _legend_rows(self, fp):
        """A legend row's first baseline (below its top), its second and third lines' (below the first), and its
        height."""
        first, second, third = self._spaced(fp, 0.95, 1.0), self._spaced(fp, 1.05, 1.25), self._spaced(fp, 2.1, 2.5)
        floored = self.least * 2.5 > fp * 2.1
        return first, second, third, first + third + round(fp * 0.4) if floored else round(fp * 3.35)

    def _legend_width(self, fp):
        """The widest legend entry: swatch, name and live loss; the settings; the plane or line numbers."""
        widest = 0.0
        for k, name in enumerate(self.names):
            title, settings = optimizer_text(self.result.specs[k])
            first = text_width(name, self._type(0.95, fp), bold=True) + fp + text_width("loss 0.000",
                                                                                        self._type(0.85, fp))
            widest = max(widest, first, text_width(" · ".join(settings), self._type(0.78, fp)),
                         text_width(self._sample_numbers(k), self._type(0.78, fp)))
        return round(fp * 2.4 + widest * 1.03)

    def _parts(self, fp, width):
        m = self.margin
        header_h = round(fp * 2.2)
        # measured with Pillow's DejaVu, drawn by matplotlib's, which sets small type a few per cent wider
        lines = tuple(wrap(self.note.split(), (width - 2 * m) * 0.92, round(self._type(NOTE_SCALE, fp))))
        line_h = round(self._type(NOTE_SCALE, fp) * 1.35)
        note_h = len(lines) * line_h + m // 2
        return header_h, lines, line_h, note_h

    def _beside(self, fp):
        """Plot on the left; legend, loss chart and colour bar in a column right of it."""
        W, H = self.size
        m = self.margin
        header_h, lines, line_h, note_h = self._parts(fp, W)
        legend_w = self._legend_width(fp)
        column = max(legend_w, round(fp * 15))
        axis_left, axis_below = self._spaced(fp, 3.0, 4.3), self._spaced(fp, 2.5, 3.6)
        top = header_h + m // 2
        tall = H - top - axis_below - note_h - m // 2
        room = W - m - column - round(fp * 1.5) - axis_left - m
        if tall < fp * 8 or room < fp * 8:
            return None
        plot_w = min(tall, room) if self.square_plot else room
        plot = (m + axis_left, top, plot_w, tall)
        x0 = plot[0] + plot_w + round(fp * 1.5)
        width = W - m - x0
        legend = (x0, top, width)
        row_h = self._legend_rows(fp)[3]
        bar_h = self._spaced(fp, 2.7, 4.0) if self.has_bar else 0
        chart_top = top + len(self.names) * row_h + self._spaced(fp, 1.4, 2.1)
        chart_left = x0 + self._spaced(fp, 2.6, 3.7)
        chart = _chart_or_none((chart_left, chart_top, W - m - chart_left - round(fp * 1.2),
                                top + tall - chart_top - bar_h - self._spaced(fp, 1.6, 2.4)), fp)
        if top + len(self.names) * row_h + bar_h > top + tall or width < legend_w:
            return None
        bar = (x0 + round(fp * 0.3), top + tall - self._spaced(fp, 1.55, 2.3), width - round(fp * 0.8),
               max(6, round(fp * 0.55))) if self.has_bar else None
        note = (m, H - note_h + line_h - round(fp * 0.2), line_h)
        return Arrangement("beside", fp, header_h, plot, legend, row_h, chart, bar, note, lines)

    def _under(self, fp):
        """Plot on top; under it the legend (left) and the loss chart with the colour bar (right)."""
        W, H = self.size
        m = self.margin
        header_h, lines, line_h, note_h = self._parts(fp, W)
        legend_w = self._legend_width(fp)
        gap = round(fp * 1.2)
        if legend_w + gap + fp * 12 > W - 2 * m:
            return None
        row_h = self._legend_rows(fp)[3]
        block_h = max(len(self.names) * row_h, round(fp * 9))
        axis_left, axis_below = self._spaced(fp, 3.0, 4.3), self._spaced(fp, 2.5, 3.6)
        top = header_h + m // 2
        tall = H - top - axis_below - block_h - note_h - round(fp * 0.6)
        room = W - 2 * m - axis_left
        if tall < fp * 8:
            return None
        plot_w = min(tall, room) if self.square_plot else room
        left = (W - plot_w - axis_left) // 2 + axis_left
        plot = (left, top, plot_w, tall)
        block_top = top + tall + axis_below
        legend = (m, block_top, legend_w)
        x0 = m + legend_w + gap
        bar_h = self._spaced(fp, 2.7, 4.0) if self.has_bar else 0
        chart_left = x0 + self._spaced(fp, 2.6, 3.7)
        chart = _chart_or_none((chart_left, block_top + self._spaced(fp, 0.5, 0.75), W - m - chart_left - round(fp * 1.2),
                                block_h - bar_h - self._spaced(fp, 2.1, 3.1)), fp)
        bar = (x0 + round(fp * 0.3), block_top + block_h - self._spaced(fp, 1.55, 2.3), W - m - x0 - round(fp * 0.8),
               max(6, round(fp * 0.55))) if self.has_bar else None
        note = (m, H - note_h + line_h - round(fp * 0.2), line_h)
        return Arrangement("under", fp, header_h, plot, legend, row_h, chart, bar, note, lines)

    # -- the parts both layouts draw alike, with matplotlib, once ----------------------------------
    def _draw_legend(self, fig):
        """Each run's swatch (its line style and marker), name and settings; live numbers go on per frame."""
        W, H = self.size
        fp, theme = self.font_px, self.theme
        pt = 72 / fig.dpi
        x0, top, _ = self.arrangement.legend
        self.legend_rows = []
        first, second, _, _ = self._legend_rows(fp)
        for k, (name, look) in enumerate(zip(self.names, self.looks)):
            base = top + k * self.arrangement.row_h + first
            sw = add_axes_px(fig, x0, base - round(fp * 0.75), round(fp * 2.0), round(fp * 0.9))
            sw.set_axis_off()
            sw.set_xlim(0, 1)
            sw.set_ylim(0, 1)
            sw.plot([0.02, 0.7], [0.5, 0.5], color=look.hex, lw=self.line_w * pt, solid_capstyle="butt",
                    dash_capstyle="butt", linestyle=look.linestyle())
            sw.plot([0.7], [0.5], marker=look.marker, ms=2 * self.ball_r * pt,
                    mfc=theme.panel if look.hollow else look.hex, mec=look.hex if look.hollow else "#282828",
                    mew=0.9 * theme.line_scale)
            tx = x0 + round(fp * 2.4)
            fig.text(tx / W, 1 - base / H, name, ha="left", va="baseline", fontsize=self._type(0.95) * pt,
                     fontweight="bold", color=theme.ink)
            fig.text(tx / W, 1 - (base + second) / H, " · ".join(optimizer_text(self.result.specs[k])[1]),
                     ha="left", va="baseline", fontsize=self._type(0.78) * pt, color=theme.muted)
            self.legend_rows.append((tx, base))

    def _draw_chart(self, fig):
        """Each run's true loss against the epoch, faint for the whole run; the part so far is drawn per frame."""
        theme = self.theme
        if self.arrangement.chart is None:
            self.chart_axes = None
            return
        pt = 72 / fig.dpi
        ax = add_axes_px(fig, *self.arrangement.chart)
        recordings = self.result.recordings
        last = max(self.result.total_epochs, 1)
        finite = [np.asarray(r.loss, dtype=np.float64)[np.isfinite(r.loss)] for r in recordings]
        high = max((float(f.max()) for f in finite if f.size), default=1.0)
        start = max((float(f[0]) for f in finite if f.size), default=1.0)
        self.chart_top = max(loss_ceiling(high, start), 1e-6)
        ax.set_xlim(0, last)
        ax.set_ylim(0, self.chart_top)
        for k, r in enumerate(recordings):
            ax.plot(r.epochs, np.asarray(r.loss, dtype=np.float64), color=toward_page(theme, self.looks[k].hex, 0.7),
                    lw=1.2 * theme.line_scale, linestyle=self.looks[k].linestyle(), dash_capstyle="butt")
        ax.tick_params(labelsize=self._type(0.7) * pt, length=2, pad=2, colors=theme.muted, labelcolor=theme.ink,
                       width=0.8 * theme.line_scale)
        ax.locator_params(axis="y", nbins=4)
        ax.locator_params(axis="x", nbins=4)
        ax.grid(axis="y", color=theme.grid, lw=0.8)
        ax.set_axisbelow(True)
        ax.set_facecolor(theme.panel)
        for spine in ("top", "right"):
            ax.spines[spine].set_visible(False)
        for spine in ("left", "bottom"):
            ax.spines[spine].set_color(theme.frame)
        ax.set_title("the run's true loss", fontsize=self._type(0.78) * pt, color=theme.muted, loc="left", pad=3)
        ax.set_xlabel("epoch", fontsize=self._type(0.72) * pt, color=theme.muted, labelpad=1)
        self.chart_axes = ax

    def _draw_note(self, fig):
        W, H = self.size
        x, base, line_h = self.arrangement.note
        for i, line in enumerate(self.arrangement.note_lines):
            fig.text(x / W, 1 - (base + i * line_h) / H, line, ha="left", va="baseline",
                     fontsize=round(self._type(NOTE_SCALE)) * 72 / fig.dpi, color=self.theme.muted)


def _chart_or_none(rect, fp):
    """The loss chart's rectangle, or None if it would be too small to read."""
    return rect if rect[2] >= fp * 8 and rect[3] >= fp * 4 else None


def entrant_looks(result, theme):
    """Each run's :class:`~renderers.identity.Look`, from its optimizer's declared identity."""
    return looks(result.specs, theme)
