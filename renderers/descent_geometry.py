"""Where the parts of a descent's frame go, and what part of the curve it shows.

The header (title, status lines), the plot, the step key and the caption are
sized from :func:`~renderers.shapes.type_basis` (the height from 4:3 up) and the
theme's scales.  A status line too long for the frame is broken into lines at
the same places in every frame.  The view leaves room under the curve for the
minima's markers and labels, more of it for a theme with larger marks.
"""

import numpy as np

from .layout import wrap
from .shapes import least_px, text_width, type_basis, type_px

STATUS_GAP = "    "                              # between the pieces of the status line


class DescentGeometry:
    """The rectangles and sizes of a descent's frame, set on the layout by :meth:`_layout`.

    The layout sets ``size``, ``theme``, ``trajectory``, ``function``, ``total``,
    ``epochs``, ``hyper`` and ``caption`` first.
    """

    def _layout(self, *, key_inside):
        """Sizes and rectangles: the header (title, status lines), the plot, the key, the caption.

        Type and marks follow :func:`~renderers.shapes.type_basis` (the height
        from 4:3 up) and the theme's scales.
        """
        W, H = self.size
        theme = self.theme
        basis = type_basis(self.size)
        self.margin = m = max(6, round(basis * 0.022))
        self.font_px = fp = type_px(self.size, theme.type_scale)
        self.unit = unit = type_px(self.size)         # the type size before the theme's scale: marks follow it
        self.status_lines = self._status_lines(W - 2 * m)
        self.status_step = round(fp * 1.25)
        self.header_h = round(fp * 3.4) + (len(self.status_lines) - 1) * self.status_step
        self.caption_lines = wrap(str(self.caption).split(), W - 2 * m, round(fp * 0.9)) if self.caption else []
        self.key_inside = key_inside
        key_row = 0 if self.key_inside else round(fp * 1.6)
        footer = round(fp * 2.6) + key_row + round(len(self.caption_lines) * fp * 1.25) + m
        left = m + round(fp * 3.6)
        # a run that diverges ends on a banner: a row of its own over the plot, never over the curve
        t = self.trajectory
        self.banner_h = 0 if t.diverged_at is None else round(fp * 2.1) + (round(fp * 1.45) if t.cause else 0)
        top = self.header_h + m + self.banner_h
        self.plot = (left, top, W - left - 2 * m, H - top - footer)
        if self.plot[3] < 4 * fp:
            raise self.no_room(self.size, "the curve")
        px, py, pw, ph = self.plot
        kw, kh = round(fp * 7), max(6, round(fp * 0.45))
        kx = px + pw - kw - round(fp * 2.8)
        ky = py + ph - kh - round(fp * 0.8) if self.key_inside else py + ph + round(fp * 2.6) + (key_row - kh) // 2
        self.key = (kx, ky, kw, kh)
        self.dot_r = max(2.5, basis * 0.0075) * theme.point_scale
        self.ball_r = max(5.0, basis * 0.019) * theme.point_scale
        self.arrow_len = max(9.0, basis * 0.03) * theme.point_scale
        self.marker_px = unit * theme.point_scale     # the minima's markers
        self.curve_w = max(1.5, unit * 0.16) * theme.line_scale
        self.chord_w = max(1.0, unit * 0.08) * theme.line_scale

    def type_share(self, share):
        """``share`` of the base type size, raised where that is below the theme's least (:func:`least_px`)."""
        return max(share, least_px(self.size, self.theme) / self.font_px)

    def _status_pieces(self, step):
        """The pieces of the status line at ``step``: the step, x, f(x) and, with decay, the learning rate."""
        x = float(self.trajectory.positions[step, 0])
        f = float(self.trajectory.values[step])
        pieces = [f"step {step} / {self.total}", f"x = {x:.4g}", f"f(x) = {f:.4g}"]
        if self.hyper.get("decay") and step < len(self.trajectory.learning_rates):
            pieces.append(f"lr now {self.trajectory.learning_rates[step]:.4g}")
        return pieces

    def _status_lines(self, width):
        """Which status pieces share a line: as many as fit ``width`` in every frame (one line if all do)."""
        texts = {}
        for step in self.epochs.tolist():
            for k, piece in enumerate(self._status_pieces(step)):
                texts.setdefault(k, set()).add(piece)
        # the longest few hundred texts of each piece are measured: glyphs of one line differ little in width
        widest = {k: max(text_width(t, self.font_px) for t in sorted(pieces, key=len)[-300:])
                  for k, pieces in texts.items()}
        gap = text_width(STATUS_GAP, self.font_px)
        lines, line, used = [], [], 0.0
        for k in sorted(widest):
            if line and used + gap + widest[k] > width:
                lines.append(line)
                line, used = [], 0.0
            used += (gap if line else 0.0) + widest[k]
            line.append(k)
        return lines + [line]


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
        # room under the curve for the minima's markers and labels: 16% of the range on the default theme,
        # which is a share of the plot's height; a theme's larger marks add their pixels to that share
        share = 0.16 / 1.26
        grown = share + self._grown_px()[1] / self.plot[3]
        extra = (grown * 1.1 / (1 - grown) - share * 1.1 / (1 - share)) * span      # 0 on the default theme
        return xs, ys, (xmin, xmax), (low - 0.16 * span - extra, high + 0.10 * span)

    def _grown_px(self):
        """Pixels a theme's larger ball, markers and type add: to the markers' drop, to the room under the curve.

        The default theme keeps the chapter figures' spacing (markers 5.5% of the
        plot under each minimum, labels under them, 16% of the curve's range
        below it), so both are 0 there.  A theme with larger points moves the
        markers down by as much as the ball and markers grew, and makes room for
        that and for its larger labels.
        """
        ps, ph = self.theme.point_scale, self.plot[3]
        marker = self.marker_px * 0.65 * 100 / 72        # the global minimum's marker, points to pixels
        drop = (ps - 1) * 0.055 * ph + (self.ball_r + marker / 2) * (1 - 1 / ps)
        return drop, 1.7 * drop + (0.75 + 0.4) * (self.font_px - self.unit)     # the label, and a margin as it grows
