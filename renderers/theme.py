"""Colours and type.

The default class colours are Okabe & Ito's colour-blind-safe set; ``book``
uses the chapter's blue, red and green.  A class's region is its colour mixed
with the background (light on a light theme, deep on a dark one), its points
the full colour with a thin edge, so a correctly classified point sinks into
its region and a wrong one stands out; each class keeps one hue throughout.

A theme is a *look* at a *scale*, and any look combines with any scale:

- looks (:data:`LOOKS`): ``default`` (light, colour-blind safe), ``book`` (the
  chapter's blue, red and green on white) and ``dark`` (for dark slide templates);
- scales (:data:`SCALES`): ``screen``, and ``projector`` for the back of a
  lecture hall: larger type, thicker lines and points, and the look's colours
  pushed apart (:data:`PROJECTED`: black ink and stronger regions on a light
  page, white ink and brighter rules on a dark one).

:data:`THEMES` holds every combination by name: a look at screen scale is the
look's own name (``dark``), at projector scale ``LOOK-projector``
(``dark-projector``), except the default look's, which keeps its older name
``projector``.  Tests that run over themes run over :data:`THEMES`, so over
every look and scale.  Layouts read the scales (``type_scale``, ``line_scale``,
``point_scale``) and every colour from the theme; nothing else in a layout
names a colour of the page.
"""

import functools
import importlib.util
import os
from dataclasses import dataclass, replace

import numpy as np

OKABE_ITO = ("#0072B2", "#D55E00", "#009E73", "#E69F00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")
BOOK = ("#1f4fd8", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#7f7f7f")
# An optimizer's colours are its own (animator.optimizers: Identity), chosen clear of the first three
# classes' colours of every theme here: a race's entrant is never a class's colour.


@dataclass(frozen=True)
class Theme:
    name: str
    classes: tuple
    region_lightness: float = 0.62   # share of the background mixed into a class colour for its region
    background: str = "#ffffff"
    ink: str = "#222222"
    muted: str = "#8a8a8a"
    warning: str = "#c0392b"
    diverging: str = "RdBu_r"        # red positive, blue negative
    grid: str = "#e6e6e6"            # grid lines and faint rules
    panel: str = "#ffffff"           # the face of plots and of text boxes drawn over frames
    curve: str = "#4d4d4d"           # single-series curves (loss, the 1-D function)
    frame: str = "#9a9a9a"           # one-pixel outlines of panels and weight bars; a race's chart axes
    axis: str = "#bbbbbb"            # the light axes of the training layout's small curves
    faint: str = "#d0d0d0"           # the whole-run curve ahead of the cursor
    highlight: str = "#cc3311"       # the cursor dot that rides a curve
    legend: str = "#000000"          # legend entries (matplotlib's own black before there were themes)
    type_scale: float = 1.0          # multiplies every font size a layout chooses for its frame size
    line_scale: float = 1.0          # multiplies line widths
    point_scale: float = 1.0         # multiplies marker and data-point sizes
    dark: bool = False
    least_type: float = 0.0          # no text smaller than this share of the frame's height (shapes.least_px)

    def class_rgb(self, k):
        """(k, 3) uint8 point colours for k classes (the list repeats if k is larger)."""
        return np.array([hex_rgb(self.classes[i % len(self.classes)]) for i in range(k)], dtype=np.uint8)

    def region_rgb(self, k):
        """(k, 3) uint8 region colours: the class colours mixed with the background (white on light themes)."""
        points = self.class_rgb(k).astype(np.float64)
        page = np.array(hex_rgb(self.background), dtype=np.float64)
        return np.rint(points + (page - points) * self.region_lightness).astype(np.uint8)

    def rgb(self, role):
        """A role's colour as an (r, g, b) tuple: ``theme.rgb("ink")``."""
        return hex_rgb(getattr(self, role))

    def diverging_lut(self, levels=33):
        """(levels, 3) uint8 colours from most negative to most positive; the middle one, zero, is near the page."""
        import matplotlib   # here, not at the top: the command line's parser reads THEMES
        cmap = matplotlib.colormaps[self.diverging]
        return np.rint(cmap(np.linspace(0, 1, levels))[:, :3] * 255).astype(np.uint8)


# Okabe & Ito's hues, lightened where the original is too dark to read on a near-black page
OKABE_ITO_ON_DARK = ("#56B4E9", "#FF8A3D", "#2FD3A4", "#F5C342", "#E58BC0", "#9AD0F5", "#F0E442", "#FFFFFF")

LOOKS = {
    "default": Theme("default", OKABE_ITO),
    "book": Theme("book", BOOK),
    "dark": Theme("dark", OKABE_ITO_ON_DARK, region_lightness=0.68, background="#16181d", ink="#f2f2f2",
                  muted="#a4a8b0", warning="#ff6b5b", diverging="berlin", grid="#353a44", panel="#16181d",
                  curve="#d0d0d0", frame="#6b7280", axis="#565c68", faint="#484e5a", highlight="#ff7a45",
                  legend="#f2f2f2", dark=True),
}


@dataclass(frozen=True)
class Scale:
    """How big a theme draws: type, lines and points, each a multiple of the screen's."""

    name: str
    type_scale: float = 1.0
    line_scale: float = 1.0
    point_scale: float = 1.0
    least_type: float = 0.0     # the smallest text's share of the frame's height


SCALES = {
    "screen": Scale("screen"),
    # 1/45 of the height: a line a room reads from the back (about 16 px on a 720-row slide)
    "projector": Scale("projector", type_scale=1.4, line_scale=2.0, point_scale=1.6, least_type=1 / 45),
}

# what the projector scale changes in a look's colours: more contrast for a washed-out projected image
_LIGHT_PROJECTED = dict(region_lightness=0.5, ink="#000000", muted="#3c3c3c", grid="#c8c8c8", curve="#000000",
                        frame="#5a5a5a", axis="#6e6e6e", faint="#bdbdbd")
PROJECTED = {
    "default": _LIGHT_PROJECTED,
    "book": _LIGHT_PROJECTED,
    "dark": dict(region_lightness=0.6, ink="#ffffff", muted="#c4c8d0", grid="#444a56", curve="#ececec",
                 frame="#8a909c", axis="#7a808c", faint="#5c6270"),
}
LEGACY = {("default", "projector"): "projector"}   # a name older than scales, kept: --theme projector


def theme_name(look, scale="screen"):
    """The name of ``look`` at ``scale`` in :data:`THEMES`: ``dark``, ``dark-projector``, ``projector``."""
    if look not in LOOKS:
        raise KeyError(look)
    if scale not in SCALES:
        raise KeyError(scale)
    return LEGACY.get((look, scale)) or (look if scale == "screen" else f"{look}-{scale}")


def look_and_scale(name):
    """``(look, scale)`` of a theme name: ``look_and_scale("projector") == ("default", "projector")``."""
    for (look, scale), legacy in LEGACY.items():
        if name == legacy:
            return look, scale
    look, _, scale = name.partition("-")
    if look not in LOOKS or (scale or "screen") not in SCALES:
        raise KeyError(name)
    return look, scale or "screen"


def _combined(look, scale):
    base, size = LOOKS[look], SCALES[scale]
    if scale == "screen":
        return base
    return replace(base, name=theme_name(look, scale), type_scale=size.type_scale, line_scale=size.line_scale,
                   point_scale=size.point_scale, least_type=size.least_type, **PROJECTED[look])


# every look at every scale, by name; the four older names first, in their older order
THEMES = {name: _combined(*look_and_scale(name))
          for name in dict.fromkeys(["default", "book", "projector", "dark",
                                     *(theme_name(look, scale) for scale in SCALES for look in LOOKS)])}


def hex_rgb(text):
    text = text.lstrip("#")
    return tuple(int(text[i:i + 2], 16) for i in (0, 2, 4))


def font_path(bold=False):
    """DejaVu Sans as shipped inside matplotlib: the same glyphs on every machine."""
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    return os.path.join(_matplotlib_data(), "fonts", "ttf", name)


@functools.cache
def _matplotlib_data():
    """matplotlib's ``get_data_path()`` (``mpl-data`` beside its package), found without importing it."""
    return os.path.join(importlib.util.find_spec("matplotlib").submodule_search_locations[0], "mpl-data")
