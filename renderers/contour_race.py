"""Optimizers racing on a 2-D function, over its contour map, as a frame source.

Layout of a frame (16:9 by default)::

    +--------------------------------------------------------------+
    | Rosenbrock · 5 optimizers from (-1.2, 1)      step 400 / 8000 |
    | +------------------------+   ● SGD                  f = 3.1   |
    | |                        |     lr=0.0019                      |
    | |  filled contours,      |   ● SGD with momentum    f = 0.02  |
    | |  minimum ★, start ○,   |     lr=0.001 · momentum=0.9        |
    | |  a trail and a ball    |   ...                              |
    | |  per optimizer         |   ★ global minimum   ○ start       |
    | +------------------------+   [colour bar: f(x, y)]            |
    +--------------------------------------------------------------+

The contour map, axes, legend and colour bar are drawn once with matplotlib.
Each optimizer's whole trail is rasterised once into a
:class:`renderers.descent.StepLayer` that records, for every pixel, the step
from which the trail covers it; frame ``i`` shows the pixels covered by step
``epochs[i]``.  Frames are independent of each other (workers can draw any of
them) and cost only the pixels drawn so far.

>>> from animator.descent import run_race
>>> from animator.functions import FUNCTIONS_2D
>>> race = ContourRace(run_race("saddle"), FUNCTIONS_2D["saddle"])
>>> len(race), race.frame(len(race) - 1).shape
(200, (540, 960, 3))

A run that diverged stops where its last finite step was, marked with an
x; a run that leaves the view is drawn to the edge, its ball clamped there
with an arrow pointing the way it went.
"""

import math

import numpy as np
from matplotlib.colors import LinearSegmentedColormap, LogNorm, Normalize
from matplotlib.ticker import FuncFormatter, MaxNLocator

from animator.errors import UserError

from .layout import Layout, frame_steps, optimizer_text
from .trails import EDGE, StepLayer, arrow_sprite, cross_sprite, polyline_events, pull_in
from .raster import add_axes_px, blend, disc, draw_text, figure_rgba, new_figure
from .theme import OKABE_ITO, hex_rgb

LOG_RATIO = 10.0        # log-spaced levels when max(f) - min(f) exceeds this many times median(f) - min(f)
LEVELS = 16
CONTOUR_CMAP = LinearSegmentedColormap.from_list("race", ["#ffffff", "#e4e8ec", "#b9c0c7", "#8e959c"])
HEADINGS = 24          # directions an off-view arrow can point in
FAR = 1e6               # points farther than this many view spans are pulled in (direction kept) to stay finite


def _title_case(name):
    return name[:1].upper() + name[1:]


def _number(value):
    return f"{value:.3g}" if value != 0 else "0"


class ContourRace(Layout):
    """Frames of optimizers racing from one start on a 2-D function.

    ``trajectories`` is ``{label: Trajectory}`` (what :func:`animator.descent.run_race`
    returns) or a sequence of Trajectories; ``labels`` overrides the names.
    Each gets its own colour from Okabe & Ito's colour-blind-safe set, in order.
    ``view`` is ``None`` (fit the runs, the minima and the start), ``"domain"``,
    or ``((xmin, xmax), (ymin, ymax))``; ``log_levels`` ``None`` picks log-spaced
    contour levels when the function's range is wide (Rosenbrock, Beale).
    At most ``max_frames`` frames; ``spacing="log"`` gives the first steps of
    a long race more of them (see :func:`renderers.layout.frame_steps`).
    """

    MIN_SIZE = (640, 360)
    MIN_ASPECT = 1.5
    WHAT = "a race"

    def __init__(self, trajectories, function, *, size=(960, 540), labels=None, title=None, max_frames=200,
                 spacing="linear", view=None, log_levels=None, theme="default"):
        width, height = size
        self.check_size(size)
        self.theme = self.theme_named(theme)
        if isinstance(trajectories, dict):
            names, runs = list(trajectories), list(trajectories.values())
        else:
            runs = list(trajectories)
            names = [t.optimizer.title for t in runs]
        if not runs:
            raise UserError("a race needs at least one trajectory")
        if labels is not None:
            if len(labels) != len(runs):
                raise UserError(f"got {len(labels)} labels for {len(runs)} trajectories")
            names = [str(label) for label in labels]
        if getattr(function, "dim", 2) != 2 or any(t.positions.shape[1] != 2 for t in runs):
            raise UserError("ContourRace draws 2-D descents; use DescentAnimation for 1-D ones")
        self.trajectories, self.labels, self.function = runs, names, function
        self.size = (int(width), int(height))
        self.colours_rgb = [hex_rgb(OKABE_ITO[k % len(OKABE_ITO)]) for k in range(len(runs))]
        self.lengths = np.array([t.steps for t in runs])
        self.total = int(self.lengths.max())
        self.epochs = frame_steps(self.total, max_frames, spacing)
        self.title = title if title is not None else self._default_title()
        self._layout()
        self._choose_view(view)
        self._draw_static(log_levels)
        self._place_runs()

    def __len__(self):
        return len(self.epochs)

    def __repr__(self):
        return (f"<ContourRace {self.function.name}: {', '.join(self.labels)}; {len(self)} frames, "
                f"{self.size[0]}x{self.size[1]}>")

    def _default_title(self):
        starts = {tuple(t.positions[0].tolist()) for t in self.trajectories}
        name = _title_case(self.function.name)
        n = len(self.trajectories)
        who = f"{n} optimizer{'s' if n > 1 else ''}"
        if len(starts) == 1:
            x, y = next(iter(starts))
            return f"{name} · {who} from ({x:g}, {y:g})"
        return f"{name} · {who}"

    # -- layout ------------------------------------------------------------------------
    def _layout(self):
        W, H = self.size
        self.margin = m = max(6, round(H * 0.022))
        self.font_px = fp = max(10, round(H * 0.03))
        self.header_h = round(fp * 2.2)
        side = H - self.header_h - m - round(fp * 1.9)
        left = m + round(fp * 2.6)
        self.plot = (left, self.header_h + m // 2, side, side)
        self.panel_x = left + side + round(fp * 1.8)
        self.panel_w = W - m - self.panel_x
        self.row_h = round(fp * 2.55)
        self.legend_y = self.plot[1] + round(fp * 0.4)
        needed = len(self.trajectories) * self.row_h + round(fp * 6.5)
        if self.panel_w < fp * 14 or needed > side + fp:
            raise self.no_room(self.size, f"the legend of {len(self.trajectories)} runs")
        self.ball_r = max(4.0, H * 0.012)
        self.line_w = max(1.5, H * 0.0045)
        self.arrow_len = max(8.0, H * 0.024)

    def _choose_view(self, view):
        f = self.function
        if view == "domain":
            (x0, x1), (y0, y1) = f.domain
        elif view is not None:
            (x0, x1), (y0, y1) = view
        else:
            (dx0, dx1), (dy0, dy1) = f.domain
            points = [np.asarray(f.minima, dtype=np.float64).reshape(-1, 2)]
            for t in self.trajectories:
                p = t.positions
                inside = (p[:, 0] >= dx0) & (p[:, 0] <= dx1) & (p[:, 1] >= dy0) & (p[:, 1] <= dy1)
                points += [p[inside], p[:1]]
            points = np.concatenate(points)
            low, high = points.min(axis=0), points.max(axis=0)
            centre = (low + high) / 2
            half = max(float((high - low).max()) / 2 * 1.12, 1e-3)
            (x0, x1), (y0, y1) = (centre[0] - half, centre[0] + half), (centre[1] - half, centre[1] + half)
        if not (x1 > x0 and y1 > y0):
            raise UserError(f"view {((x0, x1), (y0, y1))} is empty")
        self.xlim, self.ylim = (float(x0), float(x1)), (float(y0), float(y1))

    # -- static layers -----------------------------------------------------------------
    def _levels(self, z, log_levels):
        """What to contour, its levels (round numbers), the norm, colour-bar ticks, and the offset taken off."""
        low = min(float(z.min()), float(self.function.minimum_value))
        high, median = float(z.max()), float(np.median(z))
        if log_levels is None:
            log_levels = (high - low) > LOG_RATIO * max(median - low, 1e-300)
        if log_levels:
            shifted = z - low
            floor = max(float(np.percentile(shifted, 0.5)), (high - low) * 1e-6, 1e-12)
            first, last = math.floor(math.log10(floor)), math.ceil(math.log10(max(high - low, floor * 10)))
            decades = max(last - first, 1)
            per = min(4, max(1, round(LEVELS / decades)))
            levels = 10.0 ** np.linspace(first, first + decades, decades * per + 1)
            ticks = 10.0 ** np.arange(first, first + decades + 1, 1 if decades <= 6 else 2)
            return shifted, levels, LogNorm(levels[0], levels[-1]), ticks, low
        levels = MaxNLocator(nbins=LEVELS).tick_values(low, high)
        ticks = MaxNLocator(nbins=5).tick_values(levels[0], levels[-1])
        return z, levels, Normalize(levels[0], levels[-1]), ticks, 0.0

    def _draw_static(self, log_levels):
        W, H = self.size
        theme, fp, m = self.theme, self.font_px, self.margin
        fig = new_figure(W, H, facecolor=theme.background)
        pt = fp * 72 / fig.dpi
        ax = add_axes_px(fig, *self.plot)
        res = 400
        gx, gy = np.meshgrid(np.linspace(*self.xlim, res), np.linspace(*self.ylim, res))
        with np.errstate(over="ignore", invalid="ignore"):
            z = np.asarray(self.function.value(np.stack([gx, gy], axis=-1)), dtype=np.float64)
        z = np.nan_to_num(z, nan=np.nanmax(z[np.isfinite(z)]), posinf=np.nanmax(z[np.isfinite(z)]))
        shown, levels, norm, ticks, self.offset = self._levels(z, log_levels)
        self.log_levels = isinstance(norm, LogNorm)
        shown = np.clip(shown, levels[0], levels[-1])
        filled = ax.contourf(gx, gy, shown, levels=levels, cmap=CONTOUR_CMAP, norm=norm)
        ax.contour(gx, gy, shown, levels=levels[1:-1], colors="#ffffff", linewidths=0.6, alpha=0.8)
        self.level_colours = np.unique(np.rint(np.asarray(filled.get_facecolor())[:, :3] * 255).astype(np.uint8),
                                       axis=0)
        ax.set_xlim(*self.xlim)
        ax.set_ylim(*self.ylim)
        ax.tick_params(labelsize=pt * 0.7, colors=theme.muted, length=2, pad=2)
        ax.locator_params(nbins=5)
        for spine in ax.spines.values():
            spine.set_color("#9a9a9a")
            spine.set_linewidth(0.8)
        ax.text(self.xlim[1], self.ylim[0], "x ", ha="right", va="bottom", fontsize=pt * 0.85, color=theme.ink,
                style="italic")
        ax.text(self.xlim[0], self.ylim[1], " y", ha="left", va="top", fontsize=pt * 0.85, color=theme.ink,
                style="italic")
        minima = np.asarray(self.function.minima, dtype=np.float64).reshape(-1, 2)
        star = dict(marker="*", ms=fp * 1.15, mfc="#ffffff", mec=theme.ink, mew=1.0, linestyle="none", zorder=5)
        ring = dict(marker="o", ms=fp * 0.65, mfc="none", mec=theme.ink, mew=1.6, linestyle="none", zorder=5)
        ax.plot(minima[:, 0], minima[:, 1], **star)
        starts = np.unique(np.array([t.positions[0] for t in self.trajectories]), axis=0)
        ax.plot(starts[:, 0], starts[:, 1], **ring)
        self.axes = ax

        fig.text(m / W, 1 - (m * 0.6) / H, self.title, ha="left", va="top", fontsize=pt * 1.1,
                 fontweight="bold", color=theme.ink)

        # legend: a swatch, the label, the hyper-parameters; the live value is drawn per frame
        x0 = self.panel_x
        self.rows = []
        for k, (label, run) in enumerate(zip(self.labels, self.trajectories)):
            top = self.legend_y + k * self.row_h
            base = top + round(fp * 0.95)
            colour = np.array(self.colours_rgb[k]) / 255
            sw = add_axes_px(fig, x0, base - round(fp * 0.75), round(fp * 2.0), round(fp * 0.9))
            sw.set_axis_off()
            sw.set_xlim(0, 1)
            sw.set_ylim(0, 1)
            sw.plot([0.02, 0.7], [0.5, 0.5], color=colour, lw=self.line_w * 72 / fig.dpi, solid_capstyle="butt")
            sw.plot([0.7], [0.5], marker="o", ms=2 * self.ball_r * 72 / fig.dpi, mfc=colour, mec="#282828",
                    mew=0.9)
            tx = x0 + round(fp * 2.4)
            fig.text(tx / W, 1 - base / H, label, ha="left", va="baseline", fontsize=pt * 0.95,
                     fontweight="bold", color=theme.ink)
            title, settings = optimizer_text(run.optimizer)
            # the settings, and the optimizer's name too where the label's first word is not it
            named = (label.split() or [""])[0].lower() == title.lower()
            hyper = " · ".join(settings if named else [title, *settings])
            fig.text(tx / W, 1 - (base + round(fp * 1.05)) / H, hyper, ha="left", va="baseline",
                     fontsize=pt * 0.78, color=theme.muted)
            self.rows.append(base)
        # what the markers mean
        key_y = self.legend_y + len(self.trajectories) * self.row_h + round(fp * 0.5)
        kax = add_axes_px(fig, x0, key_y, self.panel_w, round(fp * 1.2))
        kax.set_axis_off()
        kax.set_xlim(0, self.panel_w)
        kax.set_ylim(0, 1)
        kax.plot([fp * 0.8], [0.5], **star)
        kax.text(fp * 1.9, 0.5, "global minimum", va="center", fontsize=pt * 0.78, color=theme.ink)
        kax.plot([fp * 10.2], [0.5], **ring)
        kax.text(fp * 11.0, 0.5, "start", va="center", fontsize=pt * 0.78, color=theme.ink)
        # colour bar
        cb_h = max(6, round(fp * 0.55))
        cb_y = self.plot[1] + self.plot[3] - cb_h - round(fp * 1.5)
        cax = add_axes_px(fig, x0 + round(fp * 0.4), cb_y, self.panel_w - round(fp * 1.2), cb_h)
        bar = fig.colorbar(filled, cax=cax, orientation="horizontal", ticks=ticks,
                           format=FuncFormatter(lambda v, _: f"{v:g}"))
        bar.minorticks_off()
        bar.outline.set_edgecolor("#9a9a9a")
        bar.outline.set_linewidth(0.6)
        cax.tick_params(labelsize=pt * 0.65, colors=theme.muted, length=2, pad=1)
        if self.log_levels:
            what = "f(x, y)" if self.offset == 0 else f"f(x, y) − ({self.offset:.3g})"
            label = f"{what}, log scale"
        else:
            label = "f(x, y)"
        fig.text(cax.get_position().x0, 1 - (cb_y - 4) / H, label, ha="left", va="bottom", fontsize=pt * 0.75,
                 color=theme.muted)
        self.background = np.ascontiguousarray(figure_rgba(fig)[..., :3])

    # -- where every run is drawn ---------------------------------------------------------
    def _to_image(self, points):
        H = self.size[1]
        (x0, x1), (y0, y1) = self.xlim, self.ylim
        span = np.array([x1 - x0, y1 - y0])
        centre = np.array([(x0 + x1) / 2, (y0 + y1) / 2])
        data = pull_in(np.asarray(points, dtype=np.float64) / span, centre / span, FAR) * span
        uv = self.axes.transData.transform(data)
        uv[:, 1] = H - uv[:, 1]
        return uv

    def _place_runs(self):
        W, H = self.size
        px, py, pw, ph = self.plot
        inner = (px + 1, py + 1, pw - 2, ph - 2)
        inset = self.ball_r + self.arrow_len + 3
        self.trails, self.balls_uv, self.headings = [], [], []
        (x0, x1), (y0, y1) = self.xlim, self.ylim
        for run, colour in zip(self.trajectories, self.colours_rgb):
            uv = self._to_image(run.positions)
            pix, starts, alpha = polyline_events(uv, width=self.line_w, shape=(H, W), box=inner)
            self.trails.append(StepLayer.coverage(pix, starts, alpha, colour))
            x, y = run.positions[:, 0], run.positions[:, 1]
            outside = (x < x0) | (x > x1) | (y < y0) | (y > y1)
            clamped = np.c_[np.clip(uv[:, 0], px + inset, px + pw - inset),
                            np.clip(uv[:, 1], py + inset, py + ph - inset)]
            # which way the ball went, from where it is drawn, in one of HEADINGS directions (-1: in view)
            away = uv - clamped
            angle = np.arctan2(away[:, 1], away[:, 0])
            heading = np.rint(angle / (2 * np.pi) * HEADINGS).astype(np.int64) % HEADINGS
            self.balls_uv.append(np.where(outside[:, None], clamped, uv))
            self.headings.append(np.where(outside, heading, -1))
        self.ball_sprites = [disc(self.ball_r, c, edge=EDGE) for c in self.colours_rgb]
        self.cross_sprites = [cross_sprite(self.ball_r * 2.6, c) for c in self.colours_rgb]
        needed = np.unique(np.concatenate(self.headings))
        turn = 2 * math.pi / HEADINGS
        self.arrows = {int(h): arrow_sprite(self.arrow_len, hex_rgb(self.theme.ink),
                                            (math.cos(turn * h), math.sin(turn * h)))
                       for h in needed[needed >= 0]}

    def row_of(self, k, step):
        """The row of run ``k``'s arrays shown at ``step`` (runs that ended stay at their end)."""
        return min(int(step), int(self.lengths[k]))

    def ball_pixel(self, k, step):
        """The (row, col) of run ``k``'s ball (or x marker) when the frame shows ``step``."""
        u, v = self.balls_uv[k][self.row_of(k, step)]
        return int(math.floor(v)), int(math.floor(u))

    def data_to_pixel(self, x, y):
        """The frame pixel (row, col) of the data point (x, y)."""
        u, v = self._to_image(np.array([[x, y]], dtype=np.float64))[0]
        return int(math.floor(v)), int(math.floor(u))

    # -- frames --------------------------------------------------------------------------
    def frame(self, index):
        """Frame ``index`` (showing step ``epochs[index]``) as an (H, W, 3) uint8 array."""
        step = int(self.epochs[index])
        image = self.background.copy()
        for trail in self.trails:
            trail.apply(image, step)
        for k in range(len(self.trajectories)):
            self._draw_marker(image, k, step)
        self._draw_text(image, step)
        return image

    def _draw_marker(self, image, k, step):
        row = self.row_of(k, step)
        r, c = self.ball_pixel(k, step)
        diverged = self.trajectories[k].diverged_at is not None and row == self.lengths[k]
        sprite, centre = self.cross_sprites[k] if diverged else self.ball_sprites[k]
        blend(image, sprite, r - centre, c - centre)
        heading = int(self.headings[k][row])
        if heading >= 0:
            arrow, ac = self.arrows[heading]
            gap = self.ball_r + self.arrow_len / 2 + 2
            theta = 2 * math.pi * heading / HEADINGS
            blend(image, arrow, round(r + math.sin(theta) * gap) - ac, round(c + math.cos(theta) * gap) - ac)

    def _draw_text(self, image, step):
        W = self.size[0]
        fp, m, theme = self.font_px, self.margin, self.theme
        ink, muted, warning = hex_rgb(theme.ink), hex_rgb(theme.muted), hex_rgb(theme.warning)
        draw_text(image, (W - m, self.header_h - round(fp * 0.75)), f"step {step:,} / {self.total:,}",
                  size_px=round(fp * 1.05), colour=ink, bold=True, anchor="rs")
        right = W - m
        for k, (run, base) in enumerate(zip(self.trajectories, self.rows)):
            row = self.row_of(k, step)
            if run.diverged_at is not None and row == self.lengths[k]:
                text, colour = f"diverged at step {run.diverged_at}", warning
            elif row == self.lengths[k] and self.lengths[k] < self.total:
                text, colour = f"stopped at step {row}", muted
            else:
                text, colour = f"f = {_number(float(run.values[row]))}", ink
            draw_text(image, (right, base), text, size_px=round(fp * 0.85), colour=colour, anchor="rs")

    # -- palettes ------------------------------------------------------------------------
    def colours(self):
        """Colours frames are made of exactly: contour fills, run colours, ink, background, warning."""
        theme = self.theme
        fixed = [hex_rgb(c) for c in (theme.background, theme.ink, theme.muted, theme.warning, "#ffffff")]
        return np.concatenate([np.array(self.colours_rgb, dtype=np.uint8).reshape(-1, 3),
                               np.array(fixed + [EDGE], dtype=np.uint8), self.level_colours])
