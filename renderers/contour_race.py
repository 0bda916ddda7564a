"""Optimizers racing on a 2-D function, over its contour map, as a frame source.

Layout of a frame (3:2 and wider: the legend *beside* the map)::

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

Squarer frames (4:3, 1:1) have the legend *under* the map, one line per
run where that leaves the map the most room, else in columns (see
:mod:`renderers.contour_geometry`).  The part of the plane in view and the
contour levels are :mod:`renderers.contour_map`'s.

Type and marks follow :func:`renderers.shapes.type_basis` and the theme's scales.

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
with an arrow pointing the way it went.  Balls that would sit on one another
(the Rosenbrock race's runs all end at its minimum) fan out on a ring round
their common place, their names in a column beside them, so every run shows.
"""

import math
import numpy as np
from matplotlib.colors import LinearSegmentedColormap, LogNorm
from matplotlib.ticker import FuncFormatter

from animator.errors import UserError

from .contour_geometry import ContourGeometry
from .contour_map import choose_view, contour_levels, contour_ramp, end_labels, fan_out, fanned, group_column
from .identity import looks, marker_sprite
from .layout import Layout, frame_steps, optimizer_text
from .trails import EDGE, StepLayer, arrow_sprite, cross_sprite, polyline_events, pull_in
from .raster import add_axes_px, blend, draw_text, figure_rgba, new_figure
from .theme import hex_rgb

EDGE_HEX = "#%02x%02x%02x" % EDGE   # the balls' edge, also in the legend's swatches
HEADINGS = 24          # directions an off-view arrow can point in
FAR = 1e6               # points farther than this many view spans are pulled in (direction kept) to stay finite


def _title_case(name):
    return name[:1].upper() + name[1:]


def _number(value):
    return f"{value:.3g}" if value != 0 else "0"


class ContourRace(ContourGeometry, Layout):
    """Frames of optimizers racing from one start on a 2-D function.

    ``trajectories`` is ``{label: Trajectory}`` (what :func:`animator.descent.run_race`
    returns) or a sequence of Trajectories (named by their optimizers'
    identities); ``labels`` overrides the names.  Each is drawn with its
    optimizer's identity (:func:`renderers.identity.looks`): its colour, its
    marker as the ball, its line style as the trail; once a run's trail ends its
    name stands beside its end, names of runs that end close together nudged apart.
    ``view`` is ``None`` (fit the runs, the minima and the start), ``"domain"``,
    or ``((xmin, xmax), (ymin, ymax))``; ``log_levels`` ``None`` picks log-spaced
    contour levels when the function's range is wide (Rosenbrock, Beale).
    At most ``max_frames`` frames; ``spacing="log"`` gives the first steps of
    a long race more of them (see :func:`renderers.layout.frame_steps`).
    """

    MIN_SIZE = (480, 270)
    MIN_ASPECT = 1.0          # square slides and wider
    MAX_ASPECT = 2.4          # 21:9 at most: wider, the legend only spreads out
    WHAT = "a race"

    FRAME_UNIT = "step"      # what a frame's label counts, for a player's readout

    def __init__(self, trajectories, function, *, size=(960, 540), labels=None, title=None, max_frames=200,
                 spacing="linear", view=None, log_levels=None, theme="default"):
        width, height = size
        self.check_size(size)
        self.theme = self.theme_named(theme)
        if isinstance(trajectories, dict):
            names, runs = list(trajectories), list(trajectories.values())
        else:
            runs = list(trajectories)
            names = [look.name for look in looks([t.optimizer for t in runs], self.theme)]
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
        self.looks = looks([t.optimizer for t in runs], self.theme)
        self.colours_rgb = [look.rgb for look in self.looks]
        self.lengths = np.array([t.steps for t in runs])
        self.total = int(self.lengths.max())
        self.epochs = frame_steps(self.total, max_frames, spacing)
        self.title = title if title is not None else self._default_title()
        self._arrange()
        self.xlim, self.ylim = choose_view(function, runs, view)
        self._draw_static(log_levels)
        self._place_runs()

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

    def _draw_static(self, log_levels):
        """The frame's unchanging parts, drawn once: the contour map, markers, title, legend, key, colour bar."""
        W, H = self.size
        theme, fp, m = self.theme, self.font_px, self.margin
        axis = theme.frame                                   # the map's outline and the colour bar's
        fig = new_figure(W, H, facecolor=theme.background)
        pt = fp * 72 / fig.dpi
        ax = add_axes_px(fig, *self.plot)
        res = 400
        gx, gy = np.meshgrid(np.linspace(*self.xlim, res), np.linspace(*self.ylim, res))
        with np.errstate(over="ignore", invalid="ignore"):
            z = np.asarray(self.function.value(np.stack([gx, gy], axis=-1)), dtype=np.float64)
        z = np.nan_to_num(z, nan=np.nanmax(z[np.isfinite(z)]), posinf=np.nanmax(z[np.isfinite(z)]))
        shown, levels, norm, ticks, self.offset = contour_levels(z, self.function.minimum_value, log_levels)
        self.log_levels = isinstance(norm, LogNorm)
        shown = np.clip(shown, levels[0], levels[-1])
        ramp = LinearSegmentedColormap.from_list("race", contour_ramp(theme))
        filled = ax.contourf(gx, gy, shown, levels=levels, cmap=ramp, norm=norm)
        ax.contour(gx, gy, shown, levels=levels[1:-1], colors=theme.background, linewidths=0.6 * theme.line_scale,
                   alpha=0.8)
        self.level_colours = np.unique(np.rint(np.asarray(filled.get_facecolor())[:, :3] * 255).astype(np.uint8),
                                       axis=0)
        ax.set_xlim(*self.xlim)
        ax.set_ylim(*self.ylim)
        small = lambda share: pt * self.type_share(share)          # noqa: E731 (in points, at least legible)
        ax.tick_params(labelsize=small(0.7), colors=theme.muted, length=2, pad=2, width=0.8 * theme.line_scale)
        ax.locator_params(nbins=5)
        for spine in ax.spines.values():
            spine.set_color(axis)
            spine.set_linewidth(0.8 * theme.line_scale)
        ax.text(self.xlim[1], self.ylim[0], "x ", ha="right", va="bottom", fontsize=small(0.85), color=theme.ink,
                style="italic")
        ax.text(self.xlim[0], self.ylim[1], " y", ha="left", va="top", fontsize=small(0.85), color=theme.ink,
                style="italic")
        marks = self.unit * theme.point_scale
        minima = np.asarray(self.function.minima, dtype=np.float64).reshape(-1, 2)
        star = dict(marker="*", ms=marks * 1.15, mfc=theme.panel, mec=theme.ink, mew=1.0 * theme.line_scale,
                    linestyle="none", zorder=5)
        ring = dict(marker="o", ms=marks * 0.65, mfc="none", mec=theme.ink, mew=1.6 * theme.line_scale,
                    linestyle="none", zorder=5)
        ax.plot(minima[:, 0], minima[:, 1], **star)
        starts = np.unique(np.array([t.positions[0] for t in self.trajectories]), axis=0)
        ax.plot(starts[:, 0], starts[:, 1], **ring)
        self.axes = ax

        fig.text(m / W, 1 - (m * 0.6 + self.arrangement.shift) / H, self.title, ha="left", va="top",
                 fontsize=pt * 1.1, fontweight="bold", color=theme.ink)

        # legend: a swatch, the label, the settings; the live value is drawn per frame
        for k, ((x0, base), label, run) in enumerate(zip(self.arrangement.rows, self.labels, self.trajectories)):
            look = self.looks[k]
            sw = add_axes_px(fig, x0, base - round(fp * 0.75), round(fp * 2.0), round(fp * 0.9))
            sw.set_axis_off()
            sw.set_xlim(0, 1)
            sw.set_ylim(0, 1)
            # not clipped to the swatch's box: a projector's larger marker overhangs it
            sw.plot([0.02, 0.7], [0.5, 0.5], color=look.hex, lw=self.line_w * 72 / fig.dpi, solid_capstyle="butt",
                    dash_capstyle="butt", linestyle=look.linestyle(), clip_on=False)
            sw.plot([0.7], [0.5], marker=look.marker, ms=2 * self.ball_r * 72 / fig.dpi,
                    mfc=theme.panel if look.hollow else look.hex, mec=look.hex if look.hollow else EDGE_HEX,
                    mew=0.9 * theme.line_scale, clip_on=False)
            tx = x0 + round(fp * 2.4)
            fig.text(tx / W, 1 - base / H, label, ha="left", va="baseline", fontsize=small(0.95),
                     fontweight="bold", color=theme.ink)
            sx, sy = ((self.arrangement.settings_x[k], base) if self.arrangement.settings_x
                      else (tx, base + round(fp * 1.05)))
            fig.text(sx / W, 1 - sy / H, self._settings_text(label, run), ha="left",
                     va="baseline", fontsize=small(0.78), color=theme.muted)
        # what the markers mean
        kx, ky, kw = self.arrangement.key
        star_x, star_text, ring_x, ring_text = self._key_places()
        kax = add_axes_px(fig, kx, ky, kw, round(fp * 1.2))
        kax.set_axis_off()
        kax.set_xlim(0, kw)
        kax.set_ylim(0, 1)
        kax.plot([star_x], [0.5], **star, clip_on=False)          # the projector's larger marks overhang the row
        kax.text(star_text, 0.5, "global minimum", va="center", fontsize=small(0.78), color=theme.ink)
        kax.plot([ring_x], [0.5], **ring, clip_on=False)
        kax.text(ring_text, 0.5, "start", va="center", fontsize=small(0.78), color=theme.ink)
        # colour bar
        bx, by, bw, bh = self.arrangement.bar
        cax = add_axes_px(fig, bx, by, bw, bh)
        bar = fig.colorbar(filled, cax=cax, orientation="horizontal", ticks=ticks,
                           format=FuncFormatter(lambda v, _: f"{v:g}"))
        bar.minorticks_off()
        bar.outline.set_edgecolor(axis)
        bar.outline.set_linewidth(0.6 * theme.line_scale)
        cax.tick_params(labelsize=small(0.65), colors=theme.muted, length=2, pad=1, width=0.8 * theme.line_scale)
        if self.log_levels:
            what = "f(x, y)" if self.offset == 0 else f"f(x, y) − ({self.offset:.3g})"
            label = f"{what}, log scale"
        else:
            label = "f(x, y)"
        fig.text(cax.get_position().x0, 1 - (by - 4) / H, label, ha="left", va="bottom", fontsize=small(0.75),
                 color=theme.muted)
        self.figure = fig
        self.background = np.ascontiguousarray(figure_rgba(fig)[..., :3])

    @staticmethod
    def _settings_text(label, run):
        """A run's settings, and the optimizer's name too where the label's first word is not it."""
        title, settings = optimizer_text(run.optimizer)
        named = (label.split() or [""])[0].lower() == title.lower()
        return " · ".join(settings if named else [title, *settings])

    def _value(self, k, step):
        """Run ``k``'s live text at ``step`` and the theme role of its colour."""
        run, row = self.trajectories[k], self.row_of(k, step)
        if run.diverged_at is not None and row == self.lengths[k]:
            return f"diverged at step {run.diverged_at}", "warning"
        if row == self.lengths[k] and self.lengths[k] < self.total:
            return f"stopped at step {row}", "muted"
        return f"f = {_number(float(run.values[row]))}", "ink"

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
        for run, look in zip(self.trajectories, self.looks):
            uv = self._to_image(run.positions)
            pix, starts, alpha = polyline_events(uv, width=self.line_w, shape=(H, W), box=inner,
                                                 dashes=look.dashes_px(self.line_w))
            self.trails.append(StepLayer.coverage(pix, starts, alpha, look.rgb))
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
        panel = self.theme.rgb("panel")
        self.ball_sprites = [marker_sprite(look.marker, self.ball_r, look.rgb, edge=EDGE, hollow=look.hollow,
                                           face=panel) for look in self.looks]
        self.cross_sprites = [cross_sprite(self.ball_r * 2.6, c) for c in self.colours_rgb]
        needed = np.unique(np.concatenate(self.headings))
        turn = 2 * math.pi / HEADINGS
        self.arrows = {int(h): arrow_sprite(self.arrow_len, hex_rgb(self.theme.ink),
                                            (math.cos(turn * h), math.sin(turn * h)))
                       for h in needed[needed >= 0]}
        # where several balls would sit on one another (four runs ending at one minimum), they fan out round
        # their common place, frame by frame (not at step 0: every run starts at the marked start)
        self.fanned = {}
        for step in sorted({*self.epochs.tolist(), self.total} - {0}):
            uv = np.array([self.balls_uv[k][self.row_of(k, step)] for k in range(len(self.trajectories))])
            low, high = (px + self.ball_r, py + self.ball_r), (px + pw - self.ball_r, py + ph - self.ball_r)
            self.fanned[step] = np.clip(fan_out(uv, self.ball_r, fixed=self.lengths < step), low, high)
        ends = [self.ball_pixel(k, self.total) for k in range(len(self.trajectories))]
        size = round(self.font_px * self.type_share(0.8))
        # the names of balls fanned out round one place stand in a column beside the group, not on its balls
        last = np.array([self.balls_uv[k][self.lengths[k]] for k in range(len(self.trajectories))])
        centres = fanned(last, self.ball_r, fixed=self.lengths < self.total)[1]
        beside = [None] * len(self.trajectories)
        for centre in {tuple(c) for c in centres if c is not None}:
            group = [k for k, c in enumerate(centres) if c is not None and tuple(c) == centre]
            column = group_column([self.fanned[self.total][k] for k in group], centre, self.ball_r,
                                  [self.labels[k] for k in group], size, self.plot)
            for k in group:
                beside[k] = column
        self.end_labels = end_labels(ends, self.labels, self.plot, self.ball_r, size, beside=beside)

    def row_of(self, k, step):
        """The row of run ``k``'s arrays shown at ``step`` (runs that ended stay at their end)."""
        return min(int(step), int(self.lengths[k]))

    def ball_pixel(self, k, step):
        """The (row, col) of run ``k``'s ball (or x marker) when the frame shows ``step``."""
        fanned = self.fanned.get(int(step)) if hasattr(self, "fanned") else None
        u, v = fanned[k] if fanned is not None else self.balls_uv[k][self.row_of(k, step)]
        return int(math.floor(v)), int(math.floor(u))

    def data_to_pixel(self, x, y):
        """The frame pixel (row, col) of the data point (x, y)."""
        u, v = self._to_image(np.array([[x, y]], dtype=np.float64))[0]
        return int(math.floor(v)), int(math.floor(u))

    # -- frames --------------------------------------------------------------------------
    def frame(self, index, *, entrants=None):
        """Frame ``index`` (showing step ``epochs[index]``) as an (H, W, 3) uint8 array.

        ``entrants``: the runs whose trail and ball are drawn (all by default), for a player's layers.
        """
        step = int(self.epochs[index])
        image = self.background.copy()
        shown = range(len(self.trajectories)) if entrants is None else sorted(entrants)
        for k in shown:
            self.trails[k].apply(image, step)
        for k in shown:             # under the balls: a name never hides where a run is
            if step >= self.lengths[k] and self.end_labels:
                (x, y), anchor = self.end_labels[k]
                draw_text(image, (x, y), self.labels[k], size_px=round(self.font_px * self.type_share(0.8)),
                          colour=self.theme.rgb("ink"), anchor=anchor, background=self.theme.rgb("panel"))
        for k in shown:
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
        draw_text(image, (W - m, self.header_h - round(fp * 0.75)), f"step {step:,} / {self.total:,}",
                  size_px=round(fp * 1.05), colour=theme.rgb("ink"), bold=True, anchor="rs")
        for k, (x, base, anchor) in enumerate(self.arrangement.values):
            text, role = self._value(k, step)
            draw_text(image, (x, base), text, size_px=round(fp * self.type_share(0.85)), colour=theme.rgb(role),
                      anchor=anchor)

    def entrants(self):
        """Each run's label and its legend entry's rectangle, for a player's hide and show.

        ``[{"name": "SGD", "rects": [(x, y, w, h)], "opacity": 0.75, "layer": True}, ...]``: hiding dims
        the legend entry, and since ``frame(i, entrants=...)`` draws any runs alone (``layer``), a player
        can take the run's trail and ball off the shared map.
        """
        fp = self.font_px
        own_line = any(anchor == "ls" for _, _, anchor in self.arrangement.values)
        entry, _ = self._legend_widths(own_line, bool(self.arrangement.settings_x))
        row_h = self.arrangement.row_h
        out = []
        for k, (label, (x, base), (vx, _, anchor)) in enumerate(zip(self.labels, self.arrangement.rows,
                                                                    self.arrangement.values)):
            right = max(x + entry, vx if anchor == "rs" else vx + round(self.value_w[k]))
            out.append({"name": label, "rects": [(x, base - round(fp * 0.95), right - x, row_h)], "opacity": 0.75,
                        "layer": True})
        return out

    # -- palettes ------------------------------------------------------------------------
    def colours(self):
        """Colours frames are made of exactly: contour fills, run colours, the page's inks, the markers' face."""
        theme = self.theme
        fixed = [hex_rgb(c) for c in (theme.background, theme.ink, theme.muted, theme.warning, theme.panel)]
        return np.concatenate([np.array(self.colours_rgb, dtype=np.uint8).reshape(-1, 3),
                               np.array(fixed + [EDGE], dtype=np.uint8), self.level_colours])
