"""Static figures drawn straight with matplotlib: Figure 14, loss against steps for several learning rates.

Layout (3:2 and wider: the legend beside the plot; squarer: under it, in columns)::

    +------------------------------------------------+      +-----------------------+
    | Loss against steps for four learning rates     |      | Loss against steps ... |
    |  +--------------------------------+  — far ... |      |  +------------------+  |
    |  |  one line per run, log scale   |  — too ... |      |  |  the plot         |  |
    |  +--------------------------------+  — ...     |      |  +------------------+  |
    |              step (epoch)                      |      |  — far ...  — too ...  |
    +------------------------------------------------+      +-----------------------+

Type follows :func:`renderers.shapes.type_basis` and the theme; every colour
comes from the theme (its class colours for the runs, its page, ink and grid).
"""

import numpy as np

from animator.fileio import atomic_output

from .layout import Layout
from .raster import add_axes_px, figure_rgba, new_figure
from .shapes import text_width, type_basis, type_px

LEGEND_BESIDE_FROM = 1.5     # frames at least this wide (3:2) keep the legend beside the plot
TICKS = (0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 1, 2, 5, 10, 20, 50, 100)


class LossCurves(Layout):
    """Figure 14: one loss-against-epoch line per Recording, with a legend.

    >>> LossCurves.check_size((720, 720))          # a square slide is fine
    >>> LossCurves(recordings, labels, size=(1024, 768), theme="dark").save("fig14.png")   # doctest: +SKIP

    A run that diverged stops where it did, with an x marking its last finite loss.
    """

    MIN_SIZE = (480, 270)
    MIN_ASPECT = 1.0          # square slides and wider
    MAX_ASPECT = 3.6          # up to ultra-wide 32:9
    WHAT = "Figure 14"

    def __init__(self, recordings, labels, *, size=(960, 540), title=None, theme="default"):
        self.check_size(size)
        self.theme = self.theme_named(theme)
        self.recordings, self.labels, self.title = list(recordings), [str(label) for label in labels], title
        self.size = (int(size[0]), int(size[1]))
        self.legend_beside = self.size[0] >= LEGEND_BESIDE_FROM * self.size[1]
        self._layout()
        self.figure = self._draw()

    def __repr__(self):
        return f"<LossCurves {len(self.recordings)} runs, {self.size[0]}x{self.size[1]}>"

    def _layout(self):
        """The plot's pixel rectangle and the legend's place: beside (one column) or under (in columns)."""
        W, H = self.size
        theme = self.theme
        self.margin = m = max(6, round(type_basis(self.size) * 0.022))
        self.font_px = fp = type_px(self.size, theme.type_scale)
        self.unit = type_px(self.size)
        top = m + (round(fp * 2.0) if self.title else round(fp * 0.6))
        ticks = max(text_width(f"{t:g}", fp * 0.8) for t in TICKS)
        left = m + round(fp * 1.6 + ticks)              # the y label, the tick labels
        bottom = round(fp * 2.8)                        # the x tick labels and the x label
        handle = fp * 2.6                               # a legend line and the gap to its text
        widest = max((text_width(label, fp * 0.85) for label in self.labels), default=0.0)
        entry = round(handle + widest + fp * 0.2)
        if self.legend_beside:
            right = W - m - entry - round(fp * 1.2)
            self.columns, legend_h = 1, 0
            self.legend_xy = (right + round(fp * 1.2), top)
        else:
            gap = round(fp * 1.5)
            fit = max(1, min(len(self.labels), (W - 2 * m + gap) // (entry + gap)))
            lines = -(-len(self.labels) // fit)
            self.columns = -(-len(self.labels) // lines)      # as few columns as those lines need: balanced
            legend_h = round(lines * fp * 1.45 + fp * 0.4)
            right = W - m - round(fp * 0.8)
            block = self.columns * entry + (self.columns - 1) * gap
            self.legend_xy = ((W - block) // 2, H - m - legend_h + round(fp * 0.4))
        self.plot = (left, top, right - left, H - top - bottom - legend_h - m)
        if self.plot[2] < fp * 10 or self.plot[3] < fp * 5:
            raise self.no_room(self.size, f"the {len(self.labels)} curves and their legend")

    def _draw(self):
        W, H = self.size
        theme, fp = self.theme, self.font_px
        fig = new_figure(W, H, facecolor=theme.background)
        pt = 72 / fig.dpi
        ax = add_axes_px(fig, *self.plot)
        ax.set_facecolor(theme.panel)
        colours = theme.class_rgb(len(self.recordings)) / 255
        width = max(1.0, self.unit * 0.075) * theme.line_scale          # points: 1.2 at 960x540
        top = 0.0
        for k, (recording, label) in enumerate(zip(self.recordings, self.labels)):
            loss = np.asarray(recording.loss, dtype=np.float64)
            ax.plot(recording.epochs, loss, color=colours[k], lw=width, label=label)
            if len(loss):
                top = max(top, float(np.nanmax(loss)))
            if recording.diverged_at is not None and len(loss):
                ax.plot(recording.epochs[-1], loss[-1], "x", color=colours[k],
                        ms=self.unit * 0.56 * theme.point_scale, mew=self.unit * 0.125 * theme.line_scale)
        ax.set_xlabel("step (epoch)", fontsize=fp * 0.85 * pt, color=theme.muted, labelpad=fp * 0.2 * pt)
        ax.set_ylabel("loss (log scale)", fontsize=fp * 0.85 * pt, color=theme.muted, labelpad=fp * 0.2 * pt)
        # a log axis keeps a loss thrown up to 10 and one creeping down from 1.1 readable on one plot
        ax.set_yscale("log")
        finite = [float(np.nanmin(r.loss)) for r in self.recordings if len(r.loss)]
        low = max(min(finite) if finite else 0.1, 1e-4)
        ax.set_ylim(low * 0.8, max(top, low * 2) * 1.25)
        ticks = [t for t in TICKS if low * 0.8 <= t <= max(top, low * 2) * 1.25]
        ax.set_yticks(ticks, [f"{t:g}" for t in ticks])
        ax.minorticks_off()
        ax.set_xlim(left=0)
        ax.tick_params(labelsize=fp * 0.8 * pt, colors=theme.muted, labelcolor=theme.ink,
                       width=0.8 * theme.line_scale)
        ax.grid(color=theme.grid, lw=0.8 * theme.line_scale)
        ax.set_axisbelow(True)
        for spine in ("top", "right"):
            ax.spines[spine].set_visible(False)
        for spine in ("left", "bottom"):
            ax.spines[spine].set_color(theme.frame)
            ax.spines[spine].set_linewidth(0.8 * theme.line_scale)
        x, y = self.legend_xy
        fig.legend(*ax.get_legend_handles_labels(), loc="upper left", bbox_to_anchor=(x / W, 1 - y / H),
                   bbox_transform=fig.transFigure, ncols=self.columns, frameon=False, fontsize=fp * 0.85 * pt,
                   labelcolor=theme.legend, borderaxespad=0, borderpad=0, handlelength=1.8, handletextpad=0.6,
                   columnspacing=1.5 / 0.85, labelspacing=0.45)
        if self.title:
            fig.text(self.margin / W, 1 - self.margin * 0.6 / H, self.title, ha="left", va="top",
                     fontsize=fp * 1.1 * pt, fontweight="bold", color=theme.ink)
        return fig

    def image(self):
        """The figure as an (H, W, 3) uint8 array."""
        return np.ascontiguousarray(figure_rgba(self.figure)[..., :3])

    def save(self, path):
        """Write the figure as a PNG, atomically; returns ``path``."""
        with atomic_output(path) as temporary:
            self.figure.savefig(temporary, format="png", dpi=self.figure.dpi, metadata={"Software": None})
        return path


def loss_curves_png(recordings, labels, path, *, size=(960, 540), title=None, theme="default"):
    """Figure 14 (:class:`LossCurves`) written atomically as a PNG; returns ``path``."""
    return LossCurves(recordings, labels, size=size, title=title, theme=theme).save(path)
