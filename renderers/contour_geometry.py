"""Where the parts of a contour race's frame go: the map, the legend, the markers' key, the colour bar.

The arrangement that gives the contour map the most room wins
(:meth:`ContourGeometry._arrange`).  At 3:2 and wider the legend stands beside
the map (see :mod:`renderers.contour_race`), each run's live value on its
label's line or, narrower, on a line of its own.  Squarer frames (4:3, 1:1)
have the legend *under* the map, in columns, with the markers' key and the
colour bar on a last row, in every theme (:data:`BESIDE_FROM`)::

    +--------------------------------------+
    | Rosenbrock · ...      step 400 / 8000 |
    |      +------------------------+      |
    |      |  the map, as above     |      |
    |      +------------------------+      |
    | ● SGD       f = 3.1  ● Adam  f = 0.2 |
    |   lr=0.0019            lr=0.02       |
    | ★ global minimum ○ start  [colour bar]|
    +--------------------------------------+

Type and marks follow :func:`renderers.shapes.type_basis` and the theme's scales.
"""

from dataclasses import dataclass

from .shapes import least_px, text_width, type_basis, type_px

BESIDE_FROM = 1.5       # frames at least 3:2 may have the legend beside the map; squarer ones have it under
MAP_SHARE = 0.6         # the theme's type shrinks (not below the default's) until the map is this share of the frame


@dataclass(frozen=True)
class Arrangement:
    """Where the parts of a race frame go, in pixels (made by :meth:`ContourGeometry._arrange`).

    ``rows`` are the (x, baseline) of each run's swatch and label, its settings
    one line below; ``values`` the (x, baseline, anchor) of its live value:
    right-aligned on the label's line (``"rs"``), or left-aligned on a third
    line (``"ls"``).  ``key`` is (x, top, width) of the markers' key, ``bar``
    (x, top, width, height) of the colour bar, its label above it.
    """

    name: str            # "beside" or "under": where the legend is
    shift: int           # how far the whole composition sits below the top, to centre it vertically
    header_h: int        # the bottom of the title's and the step counter's band
    plot: tuple          # (left, top, side, side): the contour map
    rows: tuple
    values: tuple
    key: tuple
    bar: tuple
    row_h: int = 0       # a legend entry's height
    settings_x: tuple = ()   # one-line entries: where each run's settings start on its label's line (else under it)

    @property
    def side(self):
        return self.plot[2]


class ContourGeometry:
    """The arrangement of a contour race's frame, set on the layout by :meth:`_arrange`.

    The layout sets ``size``, ``theme``, ``trajectories``, ``labels``,
    ``epochs``, ``total`` and ``title`` first, and offers ``_value`` and
    ``_settings_text`` (the texts to measure); :meth:`_arrange` then sets the
    type sizes, the marks' sizes and ``arrangement``.
    """

    def _arrange(self):
        """Sizes, and the arrangement that gives the contour map the most room.

        The candidates, in order of preference: the legend beside the map with
        each live value on its run's label line (the 16:9 look), beside with
        the value on a line of its own (narrower, for 4:3), and under the map in
        columns (for squarer frames), with the same two kinds of rows.  Each is
        sized to its text, measured in the DejaVu Sans inside matplotlib; of those whose legend
        fits, the largest map wins, earlier ones on ties.  Where the map would
        be less than :data:`MAP_SHARE` of the frame at the theme's type scale
        (the projector's large type with five runs), the type steps down toward
        the default size until it is not.
        """
        theme = self.theme
        basis = type_basis(self.size)
        self.margin = max(6, round(basis * 0.022))
        self.unit = type_px(self.size)                 # before the theme's type scale: marks follow it
        self.ball_r = max(4.0, basis * 0.012) * theme.point_scale
        self.line_w = max(1.5, basis * 0.0045) * theme.line_scale
        self.arrow_len = max(8.0, basis * 0.024) * theme.point_scale
        wanted = MAP_SHARE * min(self.size)
        found = []                                        # (map side, type size, arrangement) per size tried
        for fp in range(type_px(self.size, theme.type_scale), self.unit - 1, -1):
            self._set_type(fp)
            header_h = self._header_height()
            beside = self.size[0] >= BESIDE_FROM * self.size[1]
            candidates = [*((self._beside(header_h, own_line=False), self._beside(header_h, own_line=True))
                            if beside else ()),
                          self._under(header_h, own_line=False), self._under(header_h, own_line=True),
                          self._under(header_h, own_line=False, inline=True)]
            fitting = [c for c in candidates if c is not None]
            if fitting:
                best = max(fitting, key=lambda c: c.side)          # max keeps the first of equals
                found.append((best.side, fp, best))
                if best.side >= wanted:
                    break
        if not found:
            raise self.no_room(self.size, f"the legend of {len(self.trajectories)} runs")
        # the largest type whose map is large enough, else the type that leaves the largest map
        side, fp, self.arrangement = found[-1] if found[-1][0] >= wanted else max(found, key=lambda f: f[0])
        self._set_type(fp)
        self.header_h, self.plot = self.arrangement.header_h, self.arrangement.plot

    def type_share(self, share):
        """``share`` of the base type size, raised where that is below the theme's least (:func:`least_px`)."""
        return max(share, least_px(self.size, self.theme) / self.font_px)

    def _set_type(self, fp):
        """Type sizes, and what is measured with them: each run's widest live value."""
        self.font_px = fp
        self.row_h = round(fp * 2.55)
        self.value_w = self._widest_values()

    def _header_height(self):
        """The title and the step counter share a line where they fit; otherwise the counter goes under."""
        W, fp, m = self.size[0], self.font_px, self.margin
        counter = text_width(f"step {self.total:,} / {self.total:,}", fp * 1.05, bold=True)
        title = text_width(self.title, fp * 1.1, bold=True)
        one_line = round(fp * 2.2)
        return one_line if title + fp + counter <= W - 2 * m else one_line + round(fp * 1.35)

    def _widest_values(self):
        """Per run, the width of the widest live value it shows in any frame."""
        widths = []
        for k in range(len(self.trajectories)):
            texts = {self._value(k, int(step))[0] for step in self.epochs.tolist()}
            size = self.font_px * self.type_share(0.85)
            widths.append(max(text_width(t, size) for t in sorted(texts, key=len)[-300:]))
        return widths

    def _legend_widths(self, own_line, inline=False):
        """Width of one legend entry (swatch, label, settings, value) and of the key's contents.

        ``inline``: the label, settings and value on one line, in aligned columns.
        """
        fp = self.font_px
        widest = 0.0
        if inline:
            names, settings = self._inline_columns()
            widest = names + settings + fp * 1.8 + max(self.value_w)
        for k, (label, run) in enumerate(zip(self.labels, self.trajectories) if not inline else ()):
            name = text_width(label, fp * self.type_share(0.95), bold=True)
            settings = text_width(self._settings_text(label, run), fp * self.type_share(0.78))
            value = self.value_w[k]
            widest = max(widest, settings, max(name, value) if own_line else name + fp + value)
        key = self._key_places()[3] + text_width("start", fp * self.type_share(0.78))
        return round(fp * 2.4 + widest * 1.03), key

    def _beside(self, header_h, *, own_line):
        """The legend in a column right of the map, colour bar at its foot (``None`` if it does not fit)."""
        W, H = self.size
        fp, m, n = self.font_px, self.margin, len(self.trajectories)
        entry, key = self._legend_widths(own_line)
        panel = max(fp * 14, entry, key)
        left = m + round(fp * 2.6)
        tall = H - header_h - m - round(fp * 1.9)                      # the map's side if the height rules
        side = min(tall, W - m - round(fp * 1.8) - panel - left)
        shift = (tall - side) // 2
        header_h += shift
        top = header_h + m // 2
        row_h = self.row_h + (round(fp * 1.05) if own_line else 0)
        if side < fp * 8 or n * row_h + round(fp * 6.5) > side + fp:
            return None
        x0 = left + side + round(fp * 1.8)
        legend_y = top + round(fp * 0.4)
        rows = [(x0, legend_y + k * row_h + round(fp * 0.95)) for k in range(n)]
        key_y = legend_y + n * row_h + round(fp * 0.5)
        cb_h = max(6, round(fp * 0.55))
        bar = (x0 + round(fp * 0.4), top + side - cb_h - round(fp * 1.5), W - m - x0 - round(fp * 1.2), cb_h)
        return Arrangement("beside", shift, header_h, (left, top, side, side), tuple(rows),
                           self._value_places(rows, own_line, right=W - m), (x0, key_y, W - m - x0), bar, row_h)

    def _inline_columns(self):
        """The widths of the widest label and the widest settings, for one-line legend entries."""
        fp = self.font_px
        names = max(text_width(label, fp * self.type_share(0.95), bold=True) for label in self.labels)
        settings = max(text_width(self._settings_text(label, run), fp * self.type_share(0.78))
                       for label, run in zip(self.labels, self.trajectories))
        return names, settings

    def _under(self, header_h, *, own_line, inline=False):
        """The legend in columns under the map, then the key and the colour bar (``None`` if it does not fit).

        The key and the colour bar share the last row where it is wide enough,
        else the bar goes on a row of its own.
        """
        W, H = self.size
        fp, m, n = self.font_px, self.margin, len(self.trajectories)
        entry, key = self._legend_widths(own_line, inline)
        if entry > W - 2 * m:
            return None
        gap = round(fp * 1.5)
        fit = max(1, min(n, (W - 2 * m + gap) // (entry + gap)))
        lines = -(-n // fit)
        columns = -(-n // lines)                       # as few columns as those lines need: balanced
        if inline:                                     # a line of type, or of the marker where it is larger
            row_h = max(round(fp * 1.5), round(2 * self.ball_r + fp * 0.45))
        else:
            row_h = self.row_h + (round(fp * 1.05) if own_line else 0)
        block = columns * entry + (columns - 1) * gap
        axis, ticks = round(fp * 2.6), round(fp * 1.9)
        cb_h = max(6, round(fp * 0.55))
        key = round(key)
        for foot, shared in ((round(fp * 3.0), True), (round(fp * 4.6), False)):
            tall = H - header_h - m // 2 - ticks - lines * row_h - foot - m     # the map's side if the height rules
            side = min(W - 2 * m - axis, tall)
            left = (W - side - axis) // 2 + axis
            # the last row spans the wider of the legend block and the map with its axis, centred
            span_x = min((W - block) // 2, left - axis)
            span_w = W - 2 * span_x
            if not shared or span_w >= key + gap + fp * 10:
                break
        if side < fp * 8:
            return None
        shift = (tall - side) // 2
        header_h += shift
        top = header_h + m // 2
        x0 = (W - block) // 2
        legend_y = top + side + ticks
        rows = [(x0 + (k % columns) * (entry + gap), legend_y + (k // columns) * row_h + round(fp * 0.95))
                for k in range(n)]
        foot_y = legend_y + lines * row_h + round(fp * 0.3)
        if shared:
            key_place = (span_x, foot_y + round(fp * 1.0), key)
            bar = (span_x + key + gap, foot_y + round(fp * 1.35), span_w - key - gap - round(fp * 0.4), cb_h)
        else:
            key_place = (span_x, foot_y, key)
            bar = (span_x + round(fp * 0.4), foot_y + round(fp * 2.95), span_w - round(fp * 0.8), cb_h)
        settings_x = ()
        if inline:
            settings_x = tuple(x + round(fp * 2.4 + self._inline_columns()[0] + fp * 0.8) for x, _ in rows)
        return Arrangement("under", shift, header_h, (left, top, side, side), tuple(rows),
                           self._value_places(rows, own_line, right=[x + entry for x, _ in rows]), key_place, bar,
                           row_h, settings_x)

    def _value_places(self, rows, own_line, *, right):
        """Where each run's live value goes: right-aligned on its label's line, or on a third line."""
        fp = self.font_px
        if own_line:
            return tuple((x + round(fp * 2.4), base + round(fp * 2.1), "ls") for x, base in rows)
        rights = right if isinstance(right, list) else [right] * len(rows)
        return tuple((r, base, "rs") for r, (_, base) in zip(rights, rows))


    def _key_places(self):
        """x of the star, its words, the ring and its word in the markers' key (the markers may outgrow the type)."""
        fp = self.font_px
        grow = self.unit * self.theme.point_scale / fp
        star_x, star_text = fp * 0.8 * grow, fp * 1.9 * grow
        ring_x = fp * 10.2 + (star_text - fp * 1.9)
        return star_x, star_text, ring_x, ring_x + fp * 0.8 * grow
