"""The chapter's "ball on a curve" (Figures 2-13) as a frame source, and layers that grow with the step.

Layout of a frame (3:2 and wider: the step key sits inside the plot, bottom right)::

    +--------------------------------------------------------------+
    | SGD · lr=0.09 · momentum=0.85          Figure 8 · (title)    |
    | step 37 / 150    x = 1.234    f(x) = -1.1                    |
    | +----------------------------------------------------------+ |
    | |  the curve, its minima, a dot per step so far (green ->  | |
    | |  orange -> red by step number) and the ball  [step key]  | |
    | +----------------------------------------------------------+ |
    |  the caption, wrapped                                        |
    +--------------------------------------------------------------+

Squarer frames (4:3, 1:1) have no free corner in the plot: the curve's
global minimum and its label take the bottom, so the step key gets a row of
its own under the plot (:data:`KEY_INSIDE_FROM`), and type and marks are sized
for the width (:mod:`renderers.descent_geometry`).

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
from matplotlib.transforms import Bbox

from animator.errors import UserError

from .descent_geometry import STATUS_GAP, DescentGeometry
from .layout import Layout, describe, frame_steps
from .raster import Overlay, add_axes_px, blend, disc, draw_text, figure_rgba, new_figure
from .shapes import LEGIBLE_PX, mix, text_width, toward_ink, toward_page
from .step_scale import step_level, step_lut
from .theme import hex_rgb
from .trails import EDGE, StepLayer, arrow_sprite, polyline_events

CURVE_COLOUR = "#2b4c7e"                         # the chapter's navy, on a light page
DOTS_IN_FULL = 5000                              # steps whose every dot is drawn, even where dots repeat
OFF_CHART_ARROW = 1.8                            # the arrow standing for a ball off the chart, in arrow lengths
KEY_INSIDE_FROM = 1.6                            # frames at least this wide (16:10) keep the step key inside the plot

# page marks as depths toward the ink (see renderers.shapes.toward_ink); on the default page:
CHORD_DEPTH = 70          # the thin chords between consecutive steps, #b9b9b9
LOCAL_MARK_DEPTH = 59     # the local minima's markers, #c4c4c4
LOCAL_TEXT_DEPTH = 95     # and their label, #a0a0a0
GRID_FADE = 1 / 3         # the theme's grid a third of the way to the page: fainter behind the thick curve


def curve_colour(theme):
    """The function's colour: the chapter's navy, lifted toward the ink on a dark page so it reads."""
    return mix(CURVE_COLOUR, theme.ink, 0.6) if theme.dark else CURVE_COLOUR


def _fitting(text, size_px, width, bold=False):
    """``size_px``, or the largest smaller size at which ``text`` (with its box's padding) fits ``width``."""
    while size_px > LEGIBLE_PX and text_width(text, size_px, bold) + size_px > width:
        size_px -= 1
    return size_px


# -- the animation ----------------------------------------------------------------------------

class DescentAnimation(DescentGeometry, Layout):
    """Frames of a 1-D descent: the ball rolling on the curve, one frame per step.

    >>> anim = DescentAnimation(trajectory, CURVE, size=(960, 540))   # doctest: +SKIP

    ``trail`` draws a dot for every step so far and thin chords between
    consecutive steps; without it only the ball is drawn.  At most
    ``max_frames`` frames are made (steps spread evenly, or evenly in
    ``log(1 + step)`` with ``spacing="log"``; the last one kept); ``epochs``
    holds the step each frame shows.
    """

    MIN_SIZE = (480, 270)
    MIN_ASPECT = 1.0          # square slides and wider
    MAX_ASPECT = 3.6          # up to ultra-wide 32:9: the curve is a wide thing
    WHAT = "a descent"
    FRAME_UNIT = "step"      # what a frame's label counts, for a player's readout

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
        self._arrange()
        self._place_steps()
        self._make_layers()

    def __repr__(self):
        return (f"<DescentAnimation {self.trajectory.function}: {self.description}, {len(self)} frames, "
                f"{self.size[0]}x{self.size[1]}>")

    # -- layout ------------------------------------------------------------------------
    def _arrange(self):
        """Lay out and draw the static parts, with the step key inside the plot where it has room.

        The key sits in the plot's bottom-right corner on frames at least
        :data:`KEY_INSIDE_FROM` wide, unless it would touch the labels drawn
        there (larger type, as in the projector theme); otherwise it gets a
        row of its own under the plot.
        """
        W, H = self.size
        for inside in ((True, False) if W >= KEY_INSIDE_FROM * H else (False,)):
            self._layout(key_inside=inside)
            figure, curve = self._compose_static()
            if not (inside and self._key_touches_labels()):
                break
        # measured before any pixel is drawn: a key moved under the plot costs one drawing, not two
        self._paint_static(figure, curve)

    def _key_touches_labels(self):
        """Whether the step key (with its end labels) touches a label in the plot or comes within half a
        type size of a minimum's marker."""
        renderer = self.axes.figure.canvas.get_renderer()
        key = Bbox.union([artist.get_window_extent(renderer) for artist in self.key_box])
        near = key.padded(self.font_px / 2)
        return (any(key.overlaps(text.get_window_extent(renderer)) for text in self.plot_labels["texts"])
                or any(near.overlaps(marker.get_window_extent(renderer)) for marker in self.plot_labels["markers"]))

    # -- static layers -----------------------------------------------------------------
    def _compose_static(self):
        """The unchanging parts as a figure not yet drawn, and the curve's points ``(xs, ys)``; sets what
        :meth:`_key_touches_labels` measures."""
        W, H = self.size
        theme, fp, m = self.theme, self.font_px, self.margin
        xs, ys, self.xlim, self.ylim = self._view()
        axis = theme.frame                                   # the axes' lines and the key's outline
        fig = new_figure(W, H, facecolor=theme.background)
        pt = fp * 72 / fig.dpi
        ax = add_axes_px(fig, *self.plot)
        ax.set_xlim(*self.xlim)
        ax.set_ylim(*self.ylim)
        ax.set_facecolor(theme.panel)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        for side in ("left", "bottom"):
            ax.spines[side].set_color(axis)
            ax.spines[side].set_linewidth(0.8 * theme.line_scale)
        small = lambda share: pt * self.type_share(share)          # noqa: E731 (in points, at least legible)
        ax.tick_params(labelsize=small(0.75), colors=theme.muted, length=3, width=0.8 * theme.line_scale)
        ax.set_xlabel("x  (the parameter)", fontsize=small(0.8), color=theme.muted, labelpad=2)
        ax.set_ylabel("f(x)  (the loss)", fontsize=small(0.8), color=theme.muted, labelpad=2)
        ax.grid(True, color=toward_page(theme, theme.grid, GRID_FADE), lw=0.8 * theme.line_scale)
        ax.set_axisbelow(True)

        f = self.function
        local = np.atleast_1d(np.asarray(f.local_minima(), dtype=np.float64))
        best = np.atleast_1d(np.asarray(f.minima, dtype=np.float64)).reshape(-1)
        span = self.ylim[1] - self.ylim[0]
        offset = 0.055 * span + self._grown_px()[0] * span / self.plot[3]   # the minima's markers under the curve
        others = [x for x in local if np.min(np.abs(best - x)) > 1e-9]
        self.plot_labels = {"markers": [], "texts": []}       # what the step key must keep clear of
        if others:
            ox = np.array(others)
            self.plot_labels["markers"] += ax.plot(ox, f.value(ox) - offset, linestyle="none", marker="^",
                                                   ms=self.marker_px * 0.45, mec="none",
                                                   color=toward_ink(theme, LOCAL_MARK_DEPTH))
            self.plot_labels["texts"].append(ax.text(ox[0], f.value(ox[0]) - 2.0 * offset, "local minima",
                                                     ha="center", va="top", fontsize=small(0.65),
                                                     color=toward_ink(theme, LOCAL_TEXT_DEPTH)))
        by = np.asarray(f.value(best), dtype=np.float64) - offset
        self.plot_labels["markers"] += ax.plot(best, by, linestyle="none", marker="^", ms=self.marker_px * 0.65,
                                               color=theme.ink, mec="none")
        self.plot_labels["texts"] += [ax.text(x, y - offset * 0.7, "global minimum", ha="center", va="top",
                                              fontsize=small(0.75), color=theme.ink, fontweight="bold")
                                      for x, y in zip(best, by)]
        self.minimum_markers = [self._to_pixel(ax, x, y) for x, y in zip(best, by)]

        # the step colour key: inside the plot, bottom right (where CURVE is not), or under the plot
        kx, ky, kw, kh = self.key
        key = add_axes_px(fig, kx, ky, kw, kh)
        key.imshow(self.lut[None, :, :], aspect="auto", interpolation="nearest", extent=(0, 1, 0, 1))
        key.set_xticks([])
        key.set_yticks([])
        for spine in key.spines.values():
            spine.set_color(axis)
            spine.set_linewidth(0.6 * theme.line_scale)
        ymid = 1 - (ky + kh / 2) / H
        first = fig.text((kx - 4) / W, ymid, "step 0", ha="right", va="center", fontsize=small(0.7),
                         color=theme.muted)
        last = fig.text((kx + kw + 4) / W, ymid, f"{self.total}", ha="left", va="center", fontsize=small(0.7),
                        color=theme.muted)
        self.key_box = (first, key, last)        # measured as one: the step key with its end labels

        fig.text(m / W, 1 - (m * 0.6) / H, self.description, ha="left", va="top", fontsize=pt * 1.15,
                 fontweight="bold", color=theme.ink)
        if self.title:
            fig.text(1 - m / W, 1 - (m * 0.6) / H, str(self.title), ha="right", va="top", fontsize=pt * 0.9,
                     color=theme.muted)
        self.axes = ax
        return fig, (xs, ys)

    def _paint_static(self, fig, curve):
        """Draw the composed figure into the background, the caption onto it, and the curve onto a layer of its own."""
        W, H = self.size
        theme, fp, m = self.theme, self.font_px, self.margin
        xs, ys = curve
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
        cax.plot(xs, ys, color=curve_colour(theme), lw=self.curve_w, solid_capstyle="round")
        self.curve = Overlay(figure_rgba(layer))

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
        # a ball off the chart is not drawn at a place it is not: an arrow's tip marks the edge it left by
        self.ball_points = np.where(self.left_view[:, None],
                                    np.c_[np.clip(uv[:, 0], px, px + pw - 1), np.clip(uv[:, 1], py, py + ph - 1)],
                                    self.points)

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
            pix, starts, alpha = polyline_events(self.points, width=self.chord_w, shape=shape, box=self.plot)
            self.chords = StepLayer.coverage(pix, starts, alpha, hex_rgb(toward_ink(self.theme, CHORD_DEPTH)))
        else:
            self.dots = self.chords = StepLayer.empty()
        self.balls = {level: disc(self.ball_r, tuple(int(c) for c in self.lut[level]), edge=EDGE)
                      for level in np.unique(self.levels[self.epochs]).tolist()}
        self.arrows = {}          # (direction, step level): the ball off the chart, an arrow of its colour
        for step in np.flatnonzero(self.left_view[self.epochs]):
            step = int(self.epochs[step])
            direction, level = tuple(int(v) for v in self.out[step]), int(self.levels[step])
            if (direction, level) not in self.arrows:
                self.arrows[direction, level] = arrow_sprite(OFF_CHART_ARROW * self.arrow_len,
                                                             tuple(int(c) for c in self.lut[level]), direction,
                                                             edge=EDGE)

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
        r, col = self.ball_pixel(step)
        if not self.left_view[step]:
            sprite, c = self.balls[int(self.levels[step])]
            blend(image, sprite, r - c, col - c)
            return
        # off the chart: an arrow whose tip is on the edge the ball left by, pointing the way it went, and
        # where it is now; no ball inside the plot, where it would read as a place on the curve
        dx, dy = (int(v) for v in self.out[step])
        arrow, ac = self.arrows[(dx, dy), int(self.levels[step])]
        back = OFF_CHART_ARROW * self.arrow_len / 2 + 1
        norm = math.hypot(dx, dy)
        ar, acol = round(r - dy * back / norm), round(col - dx * back / norm)
        blend(image, arrow, ar - ac, acol - ac)
        x, f = float(self.trajectory.positions[step, 0]), float(self.trajectory.values[step])
        text = f"off the chart: x = {x:.3g}, f(x) = {f:.3g}"
        fp = self.font_px
        side = -dx if dx else 1
        anchor = "rm" if side < 0 else "lm"
        ty = ar + (round(fp * 1.3) if dy < 0 else -round(fp * 1.3) if dy > 0 else 0)
        draw_text(image, (acol + side * (OFF_CHART_ARROW * self.arrow_len / 2 + 6), ty), text, anchor=anchor,
                  size_px=round(fp * self.type_share(0.8)), colour=hex_rgb(self.theme.ink),
                  background=hex_rgb(self.theme.panel))

    def _draw_status(self, image, step):
        fp, m = self.font_px, self.margin
        pieces = self._status_pieces(step)
        first = round(fp * 3.4) - round(fp * 0.55)
        for k, line in enumerate(self.status_lines):
            text = STATUS_GAP.join(pieces[i] for i in line if i < len(pieces))
            draw_text(image, (m, first + k * self.status_step), text, size_px=fp, colour=hex_rgb(self.theme.ink),
                      anchor="ls")

    def _banner(self, image):
        """The banner and its cause, in the row kept for them over the plot (:meth:`_layout`)."""
        px, py, pw, ph = self.plot
        fp = self.font_px
        least = round(fp * self.type_share(0))
        t = self.trajectory
        middle = self.header_h + self.margin // 2 + round(fp * 1.05)
        banner = f"gradient explosion: overflow at step {t.diverged_at}"
        draw_text(image, (px + pw // 2, middle), banner, bold=True, anchor="mm",
                  size_px=max(least, _fitting(banner, round(fp * 1.1), pw, bold=True)),
                  colour=hex_rgb(self.theme.background), background=hex_rgb(self.theme.warning))
        if t.cause:
            draw_text(image, (px + pw // 2, middle + round(fp * 1.55)), t.cause,
                      size_px=max(least, _fitting(t.cause, round(fp * 0.75), pw)), colour=hex_rgb(self.theme.warning),
                      anchor="mm", background=hex_rgb(self.theme.panel))

    # -- palettes ------------------------------------------------------------------------
    def colours(self):
        """Colours frames are made of exactly: the step colours, the curve, the page's inks and tints."""
        theme = self.theme
        fixed = [theme.background, theme.ink, theme.warning, theme.muted, curve_colour(theme),
                 toward_ink(theme, CHORD_DEPTH), theme.panel, toward_ink(theme, LOCAL_MARK_DEPTH)]
        return np.concatenate([self.lut, np.rint(self.lut * 0.55).astype(np.uint8),
                               np.array([hex_rgb(c) for c in fixed] + [EDGE], dtype=np.uint8)])
