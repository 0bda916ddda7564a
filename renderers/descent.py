"""The chapter's "ball on a curve" (Figures 2-13) as a frame source, and layers that grow with the step.

Layout of a frame (16:9 by default)::

    +--------------------------------------------------------------+
    | SGD · lr=0.09 · momentum=0.85          Figure 8 · (title)    |
    | step 37 / 150    x = 1.234    f(x) = -1.1                    |
    | +----------------------------------------------------------+ |
    | |  the curve, its minima, a dot per step so far (green ->  | |
    | |  orange -> red by step number) and the ball              | |
    | +----------------------------------------------------------+ |
    |  the caption, wrapped                                        |
    +--------------------------------------------------------------+

As in :mod:`renderers.training`, what never changes (axes, curve, minima,
labels) is drawn once with matplotlib; a frame is composed in numpy.  The
trail (dots and the thin chords between consecutive steps) is precomputed as
a :class:`StepLayer`: every pixel it ever paints, with the step from which each
paint shows, so frame ``i`` costs only the pixels painted by then and does not
depend on any frame before it (frames can be drawn in any order, in workers).

>>> from animator.chapter import DESCENTS
>>> from animator.descent import run_preset
>>> from animator.functions import CURVE
>>> anim = DescentAnimation(run_preset("good"), CURVE, title="Figure 12", caption=DESCENTS["good"].caption)
>>> len(anim), anim.frame(len(anim) - 1).shape
(101, (540, 960, 3))

A still (the chapter's figures) is ``write_animation(anim, "fig12.png", frame="last")``.

Positions outside the plotted domain (an exploding run leaves it in a few
steps) are drawn clamped to the edge of the plot with an arrow pointing the
way the ball went and its true ``x`` written beside it.
"""

import math

import numpy as np

from animator.errors import UserError

from .layout import Layout, describe, frame_steps, wrap
from .raster import Overlay, add_axes_px, blend, disc, draw_text, figure_rgba, new_figure
from .theme import hex_rgb
from .trails import EDGE, StepLayer, arrow_sprite, polyline_events

STEP_STOPS = ("#1a9850", "#f39c12", "#d7301f")   # green -> orange -> red, as in the chapter
STEP_LEVELS = 64                                 # distinct step colours (they seed the GIF palette)
CURVE_COLOUR = "#2b4c7e"
CHORD_COLOUR = "#b9b9b9"
DOTS_IN_FULL = 5000                              # steps whose every dot is drawn, even where dots repeat


# -- step colours ------------------------------------------------------------------------------

def step_lut(levels=STEP_LEVELS):
    """(levels, 3) uint8: the step colours from the first step (green) to the last (red)."""
    stops = np.array([hex_rgb(c) for c in STEP_STOPS], dtype=np.float64)
    where = np.linspace(0.0, 1.0, len(stops))
    t = np.linspace(0.0, 1.0, levels)
    return np.rint(np.stack([np.interp(t, where, stops[:, k]) for k in range(3)], axis=1)).astype(np.uint8)


def step_level(steps, total, levels=STEP_LEVELS):
    """Index into :func:`step_lut` of each step: ``step / total``, so a step keeps its colour in every frame."""
    return np.rint(np.asarray(steps, dtype=np.float64) / max(int(total), 1) * (levels - 1)).astype(np.intp)


# -- the animation ----------------------------------------------------------------------------

class DescentAnimation(Layout):
    """Frames of a 1-D descent: the ball rolling on the curve, one frame per step.

    >>> anim = DescentAnimation(trajectory, CURVE, size=(960, 540))   # doctest: +SKIP

    ``trail`` draws a dot for every step so far and thin chords between
    consecutive steps; without it only the ball is drawn.  At most
    ``max_frames`` frames are made (steps spread evenly, or evenly in
    ``log(1 + step)`` with ``spacing="log"``; the last one kept); ``epochs``
    holds the step each frame shows.
    """

    MIN_SIZE = (480, 270)
    WHAT = "a descent"

    def __init__(self, trajectory, function, *, size=(960, 540), caption=None, title=None, trail=True,
                 max_frames=200, spacing="linear", theme="default"):
        self.check_size(size)
        if getattr(function, "dim", 1) != 1 or trajectory.positions.shape[1] != 1:
            raise UserError("DescentAnimation draws 1-D descents; use ContourRace for 2-D ones")
        self.theme = self.theme_named(theme)
        self.trajectory, self.function = trajectory, function
        self.size = (int(size[0]), int(size[1]))
        self.caption, self.title, self.trail = caption, title, trail
        self.total = int(trajectory.steps)
        self.epochs = frame_steps(self.total, max_frames, spacing)
        self.lut = step_lut()
        self.levels = step_level(np.arange(self.total + 1), self.total)
        self.description = describe(trajectory.optimizer)
        self.hyper = trajectory.optimizer.complete()
        self._layout()
        self._draw_static()
        self._place_steps()
        self._make_layers()

    def __len__(self):
        return len(self.epochs)

    def __repr__(self):
        return (f"<DescentAnimation {self.trajectory.function}: {self.description}, {len(self)} frames, "
                f"{self.size[0]}x{self.size[1]}>")

    # -- layout ------------------------------------------------------------------------
    def _layout(self):
        W, H = self.size
        self.margin = m = max(6, round(H * 0.022))
        self.font_px = fp = max(10, round(H * 0.03))
        self.header_h = round(fp * 3.4)
        self.caption_lines = wrap(str(self.caption).split(), W - 2 * m, round(fp * 0.9)) if self.caption else []
        footer = round(fp * 2.6) + round(len(self.caption_lines) * fp * 1.25) + m
        left = m + round(fp * 3.6)
        self.plot = (left, self.header_h + m, W - left - 2 * m, H - self.header_h - m - footer)
        if self.plot[3] < 4 * fp:
            raise self.no_room(self.size, "the curve")
        self.dot_r = max(2.5, H * 0.0075)
        self.ball_r = max(5.0, H * 0.019)
        self.arrow_len = max(9.0, H * 0.03)

    # -- static layers -----------------------------------------------------------------
    def _view(self):
        f = self.function
        xmin, xmax = (float(v) for v in f.domain)
        xs = np.linspace(xmin, xmax, 2001)
        ys = np.asarray(f.value(xs), dtype=np.float64)
        positions = self.trajectory.positions[:, 0]
        inside = (positions >= xmin) & (positions <= xmax)
        values = np.concatenate([ys, self.trajectory.values[inside]])
        low, high = float(values.min()), float(values.max())
        span = (high - low) or 1.0
        return xs, ys, (xmin, xmax), (low - 0.16 * span, high + 0.10 * span)

    def _draw_static(self):
        W, H = self.size
        theme, fp, m = self.theme, self.font_px, self.margin
        xs, ys, self.xlim, self.ylim = self._view()
        fig = new_figure(W, H, facecolor=theme.background)
        pt = fp * 72 / fig.dpi
        ax = add_axes_px(fig, *self.plot)
        ax.set_xlim(*self.xlim)
        ax.set_ylim(*self.ylim)
        ax.set_facecolor(theme.background)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        for side in ("left", "bottom"):
            ax.spines[side].set_color("#9a9a9a")
        ax.tick_params(labelsize=pt * 0.75, colors=theme.muted, length=3)
        ax.set_xlabel("x  (the parameter)", fontsize=pt * 0.8, color=theme.muted, labelpad=2)
        ax.set_ylabel("f(x)  (the loss)", fontsize=pt * 0.8, color=theme.muted, labelpad=2)
        ax.grid(True, color="#eeeeee", lw=0.8)
        ax.set_axisbelow(True)

        f = self.function
        local = np.atleast_1d(np.asarray(f.local_minima(), dtype=np.float64))
        best = np.atleast_1d(np.asarray(f.minima, dtype=np.float64)).reshape(-1)
        offset = 0.055 * (self.ylim[1] - self.ylim[0])
        others = [x for x in local if np.min(np.abs(best - x)) > 1e-9]
        if others:
            ox = np.array(others)
            ax.plot(ox, f.value(ox) - offset, linestyle="none", marker="^", ms=fp * 0.45, color="#c4c4c4",
                    mec="none")
            ax.text(ox[0], f.value(ox[0]) - 2.0 * offset, "local minima", ha="center", va="top",
                    fontsize=pt * 0.65, color="#a0a0a0")
        by = np.asarray(f.value(best), dtype=np.float64) - offset
        ax.plot(best, by, linestyle="none", marker="^", ms=fp * 0.65, color=theme.ink, mec="none")
        for x, y in zip(best, by):
            ax.text(x, y - offset * 0.7, "global minimum", ha="center", va="top", fontsize=pt * 0.75,
                    color=theme.ink, fontweight="bold")
        self.minimum_markers = [self._to_pixel(ax, x, y) for x, y in zip(best, by)]

        # step colour key, bottom right inside the plot (where the curve is not, for CURVE)
        px, py, pw, ph = self.plot
        kw, kh = round(fp * 7), max(6, round(fp * 0.45))
        kx, ky = px + pw - kw - round(fp * 2.8), py + ph - kh - round(fp * 0.8)
        key = add_axes_px(fig, kx, ky, kw, kh)
        key.imshow(self.lut[None, :, :], aspect="auto", interpolation="nearest", extent=(0, 1, 0, 1))
        key.set_xticks([])
        key.set_yticks([])
        for spine in key.spines.values():
            spine.set_color("#9a9a9a")
            spine.set_linewidth(0.6)
        ymid = 1 - (ky + kh / 2) / H
        fig.text((kx - 4) / W, ymid, "step 0", ha="right", va="center", fontsize=pt * 0.7, color=theme.muted)
        fig.text((kx + kw + 4) / W, ymid, f"{self.total}", ha="left", va="center", fontsize=pt * 0.7,
                 color=theme.muted)

        fig.text(m / W, 1 - (m * 0.6) / H, self.description, ha="left", va="top", fontsize=pt * 1.15,
                 fontweight="bold", color=theme.ink)
        if self.title:
            fig.text(1 - m / W, 1 - (m * 0.6) / H, str(self.title), ha="right", va="top", fontsize=pt * 0.9,
                     color=theme.muted)
        self.background = np.ascontiguousarray(figure_rgba(fig)[..., :3])
        for k, line in enumerate(self.caption_lines):
            draw_text(self.background, (m, H - m - (len(self.caption_lines) - 1 - k) * round(fp * 1.25)), line,
                      size_px=round(fp * 0.9), colour=hex_rgb(theme.ink), anchor="ls")

        # the curve on its own transparent layer: chords go under it, dots over it
        layer = new_figure(W, H, facecolor="none")
        cax = add_axes_px(layer, *self.plot)
        cax.set_axis_off()
        cax.set_xlim(*self.xlim)
        cax.set_ylim(*self.ylim)
        cax.plot(xs, ys, color=CURVE_COLOUR, lw=max(1.5, fp * 0.16), solid_capstyle="round")
        self.curve = Overlay(figure_rgba(layer))
        self.axes = ax

    def _to_pixel(self, ax, x, y):
        u, v = ax.transData.transform((x, y))
        return int(math.floor(self.size[1] - v)), int(math.floor(u))

    # -- where every step is drawn -------------------------------------------------------
    def _place_steps(self):
        """Image coordinates of every step, clamped into the plot; which ones left the view, and which way."""
        H = self.size[1]
        xs = self.trajectory.positions[:, 0]
        fs = self.trajectory.values
        (x0, x1), (y0, y1) = self.xlim, self.ylim
        # clamped per axis, so a ball far up and to the left sits in the top-left corner
        uv = self.axes.transData.transform(np.c_[np.clip(xs, x0, x1), np.clip(fs, y0, y1)])
        uv[:, 1] = H - uv[:, 1]
        self.out = np.stack([np.sign(np.where(xs < x0, -1, 0) + np.where(xs > x1, 1, 0)),
                             np.sign(np.where(fs > y1, -1, 0) + np.where(fs < y0, 1, 0))], axis=1)
        self.left_view = np.any(self.out != 0, axis=1)
        px, py, pw, ph = self.plot
        inset = self.dot_r + 1
        self.points = np.c_[np.clip(uv[:, 0], px + inset, px + pw - inset),
                            np.clip(uv[:, 1], py + inset, py + ph - inset)]
        inset = self.ball_r + self.arrow_len + 3
        self.ball_points = np.where(self.left_view[:, None],
                                    np.c_[np.clip(uv[:, 0], px + inset, px + pw - inset),
                                          np.clip(uv[:, 1], py + inset, py + ph - inset)], self.points)

    def step_pixel(self, step):
        """The (row, col) of the centre of step ``step``'s dot (clamped into the plot if it left the view)."""
        u, v = self.points[step]
        return int(math.floor(v)), int(math.floor(u))

    def ball_pixel(self, step):
        """The (row, col) of the centre of the ball when the frame shows ``step``."""
        u, v = self.ball_points[step]
        return int(math.floor(v)), int(math.floor(u))

    def data_to_pixel(self, x, y):
        """The frame pixel (row, col) where the data point (x, f) is drawn."""
        return self._to_pixel(self.axes, x, y)

    def step_colour(self, step):
        """The RGB colour of step ``step``'s dot (the same in every frame)."""
        return tuple(int(c) for c in self.lut[self.levels[step]])

    def _make_layers(self):
        W, H = self.size
        shape = (H, W)
        if self.trail:
            sprites = {}
            items = []
            # a long descent revisits the same pixels in the same colour thousands of times: past
            # DOTS_IN_FULL steps only the first dot of each (pixel, colour) is kept, which looks the
            # same and keeps memory proportional to the pixels drawn, not to the steps
            drawn = set() if self.total > DOTS_IN_FULL else None
            for step in range(self.total + 1):
                level = int(self.levels[step])
                if drawn is not None:
                    key = (self.step_pixel(step), level)
                    if key in drawn:
                        continue
                    drawn.add(key)
                if level not in sprites:
                    fill = self.lut[level]
                    sprites[level] = disc(self.dot_r, tuple(int(c) for c in fill),
                                          edge=tuple(int(c) for c in np.rint(fill * 0.55)))
                sprite, c = sprites[level]
                r, col = self.step_pixel(step)
                items.append((step, sprite, r - c, col - c))
            self.dots = StepLayer.sprites(shape, items)
            pix, starts, alpha = polyline_events(self.points, width=max(1.0, self.font_px * 0.08), shape=shape,
                                                 box=self.plot)
            self.chords = StepLayer.coverage(pix, starts, alpha, hex_rgb(CHORD_COLOUR))
        else:
            self.dots = self.chords = StepLayer.empty()
        self.balls = {level: disc(self.ball_r, tuple(int(c) for c in self.lut[level]), edge=EDGE)
                      for level in np.unique(self.levels[self.epochs]).tolist()}
        self.arrows = {}
        for direction in {tuple(int(v) for v in d) for d in self.out[self.left_view]}:
            self.arrows[direction] = arrow_sprite(self.arrow_len, hex_rgb(self.theme.ink), direction)

    # -- frames --------------------------------------------------------------------------
    def frame(self, index):
        """Frame ``index`` (showing step ``epochs[index]``) as an (H, W, 3) uint8 array."""
        step = int(self.epochs[index])
        image = self.background.copy()
        self.chords.apply(image, step)
        self.curve.apply(image)
        self.dots.apply(image, step)
        self._draw_ball(image, step)
        self._draw_status(image, step)
        if index == len(self) - 1 and self.trajectory.diverged_at is not None:
            self._banner(image)
        return image

    def _draw_ball(self, image, step):
        sprite, c = self.balls[int(self.levels[step])]
        r, col = self.ball_pixel(step)
        blend(image, sprite, r - c, col - c)
        if not self.left_view[step]:
            return
        dx, dy = (int(v) for v in self.out[step])
        arrow, ac = self.arrows[(dx, dy)]
        gap = self.ball_r + self.arrow_len / 2 + 2
        norm = math.hypot(dx, dy)
        ar, acol = round(r + dy * gap / norm), round(col + dx * gap / norm)
        blend(image, arrow, ar - ac, acol - ac)
        x, f = float(self.trajectory.positions[step, 0]), float(self.trajectory.values[step])
        text = f"off the chart: x = {x:.3g}, f(x) = {f:.3g}"
        fp = self.font_px
        side = -dx if dx else 1
        anchor = "rm" if side < 0 else "lm"
        ty = r + (round(fp * 1.6) if dy < 0 else -round(fp * 1.6) if dy > 0 else 0)
        draw_text(image, (col + side * (self.ball_r + 6), ty), text, size_px=round(fp * 0.8),
                  colour=hex_rgb(self.theme.ink), anchor=anchor, background=(255, 255, 255))

    def _draw_status(self, image, step):
        fp, m = self.font_px, self.margin
        x = float(self.trajectory.positions[step, 0])
        f = float(self.trajectory.values[step])
        text = f"step {step} / {self.total}    x = {x:.4g}    f(x) = {f:.4g}"
        if self.hyper.get("decay") and step < len(self.trajectory.learning_rates):
            text += f"    lr now {self.trajectory.learning_rates[step]:.4g}"
        draw_text(image, (m, self.header_h - round(fp * 0.55)), text, size_px=fp,
                  colour=hex_rgb(self.theme.ink), anchor="ls")

    def _banner(self, image):
        px, py, pw, ph = self.plot
        fp = self.font_px
        t = self.trajectory
        top = py + round(ph * 0.36)
        draw_text(image, (px + pw // 2, top),
                  f"gradient explosion: overflow at step {t.diverged_at}", size_px=round(fp * 1.25),
                  colour=(255, 255, 255), bold=True, anchor="mm", background=hex_rgb(self.theme.warning))
        if t.cause:
            draw_text(image, (px + pw // 2, top + round(fp * 1.8)), t.cause, size_px=round(fp * 0.75),
                      colour=hex_rgb(self.theme.warning), anchor="mm", background=(255, 255, 255))

    # -- palettes ------------------------------------------------------------------------
    def colours(self):
        """Colours frames are made of exactly: the step colours, the curve, ink, background, warning."""
        theme = self.theme
        fixed = [theme.background, theme.ink, theme.warning, theme.muted, CURVE_COLOUR, CHORD_COLOUR,
                 "#ffffff", "#c4c4c4"]
        return np.concatenate([self.lut, np.rint(self.lut * 0.55).astype(np.uint8),
                               np.array([hex_rgb(c) for c in fixed] + [EDGE], dtype=np.uint8)])
