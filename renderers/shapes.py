"""Slide shapes, type sizes and page tints.

Frames go on slides of every common shape: 16:9, 16:10, 4:3 and square.  Every
layout's type comes from :func:`type_px`.  From 4:3 up, type and marks follow the
frame's height; in the descent, the 2-D race and Figure 14 a squarer frame sizes
them as the 4:3 frame of its width would (:func:`type_basis`), so text never
outgrows the width, while the training animation, the network race and the
sweep keep to the height.  Each layout rearranges its parts rather than
squeezing them.

Faint page marks the theme has no role for (the descent's chords, the contour
ramp) are *tints*: a depth from the page toward the ink (:func:`toward_ink`),
so they follow every theme, light or dark, and keep their contrast.
"""

import numpy as np

from .raster import font
from .theme import hex_rgb

DESIGN_ASPECT = 4 / 3    # frames at least this wide scale with their height, squarer ones with their width
LEGIBLE_PX = 10          # no layout's base type is smaller than this (its smallest text is about 0.65 of it)
DEFAULT_CONTRAST = 221   # page-to-ink distance of the default theme (white to #222222), in which depths are given


def type_basis(size):
    """The length type and marks scale with: the height, or ``width * 3 / 4`` for frames squarer than 4:3.

    >>> type_basis((960, 540)), type_basis((1024, 768)), type_basis((720, 720))
    (540, 768, 540.0)
    """
    width, height = size
    return min(height, width / DESIGN_ASPECT)


def type_px(size, scale=1.0, share=0.03, *, floor=LEGIBLE_PX, by_height=False):
    """The base font size in pixels: ``share`` of :func:`type_basis`, times ``scale`` (a theme's type scale).

    With ``scale`` 1 it is also the unit that line widths and markers follow,
    so that a theme's type scale and line scale stay independent.  The training
    animation, the network race and the sweep's pictures size type from the
    height at every shape (``by_height``: they rearrange squarer frames so the
    text still fits) with a ``floor`` of their own.
    """
    basis = size[1] if by_height else type_basis(size)
    return max(floor, round(basis * share * scale))


def least_px(size, theme):
    """The smallest type the theme allows on a frame of ``size``: its ``least_type`` share of the height.

    0 on screen themes; at projector scale 1/45 of the height, so that a tick
    label on a squarer frame (whose type follows its width) still reads from
    the back of a room.
    """
    return int(np.ceil(size[1] * theme.least_type - 1e-9))


def legible(px, size, theme):
    """``px``, raised to :func:`least_px` where the theme asks for larger type."""
    return max(px, least_px(size, theme))


def fitting_px(text, size_px, width, *, bold=False, least=1):
    """``size_px``, or the largest smaller size at which ``text`` fits ``width`` pixels, never below ``least``."""
    while size_px > least and text_width(text, size_px, bold) > width:
        size_px = max(least, size_px - 1)
    return size_px


def text_width(text, size_px, bold=False):
    """Width in pixels of ``text`` in the DejaVu Sans inside matplotlib (the face it draws with too)."""
    return font(max(1, round(size_px)), bold).getlength(text)


# -- page tints ----------------------------------------------------------------------------------

def toward_ink(theme, depth):
    """The page colour ``depth`` steps toward the ink, as ``#rrggbb``.

    ``depth`` (one number, or one per channel) is measured on the default
    theme, whose page is 221 steps from its ink: depth 101 is ``#9a9a9a`` on
    white.  A theme with more contrast (black ink) goes proportionally further,
    a dark theme goes up from its page instead of down.
    """
    page = np.array(hex_rgb(theme.background), dtype=np.float64)
    ink = np.array(hex_rgb(theme.ink), dtype=np.float64)
    rgb = np.rint(page + (ink - page) * np.asarray(depth, dtype=np.float64) / DEFAULT_CONTRAST)
    return rgb_hex(np.clip(rgb, 0, 255))


def mix(colour, other, share):
    """``colour`` mixed ``share`` of the way toward ``other`` (both ``#rrggbb``), as ``#rrggbb``."""
    a, b = (np.array(hex_rgb(c), dtype=np.float64) for c in (colour, other))
    return rgb_hex(np.rint(a + (b - a) * share))


def toward_page(theme, colour, share):
    """``colour`` mixed ``share`` of the way toward the theme's page."""
    return mix(colour, theme.background, share)


def rgb_hex(rgb):
    return "#" + "".join(f"{int(c):02x}" for c in rgb)
