"""Colours and type.

The default class colours are Okabe & Ito's colour-blind-safe set; ``book``
uses the chapter's blue, red and green.  A class's region is its colour mixed
with white (light), its points the full colour with a thin dark edge, so a
correctly classified point sinks into its region and a wrong one stands out.
"""

import os
from dataclasses import dataclass

import matplotlib
import numpy as np

OKABE_ITO = ("#0072B2", "#D55E00", "#009E73", "#E69F00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")
BOOK = ("#1f4fd8", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#7f7f7f")


@dataclass(frozen=True)
class Theme:
    name: str
    classes: tuple
    region_lightness: float = 0.62   # share of white mixed into a class colour for its region
    background: str = "#ffffff"
    ink: str = "#222222"
    muted: str = "#8a8a8a"
    warning: str = "#c0392b"
    diverging: str = "RdBu_r"        # red positive, blue negative

    def class_rgb(self, k):
        """(k, 3) uint8 point colours for k classes (the list repeats if k is larger)."""
        return np.array([hex_rgb(self.classes[i % len(self.classes)]) for i in range(k)], dtype=np.uint8)

    def region_rgb(self, k):
        """(k, 3) uint8 region colours: the class colours mixed with white."""
        points = self.class_rgb(k).astype(np.float64)
        return np.rint(points + (255 - points) * self.region_lightness).astype(np.uint8)

    def diverging_lut(self, levels=33):
        """(levels, 3) uint8 colours from most negative to most positive; the middle one is white-ish."""
        cmap = matplotlib.colormaps[self.diverging]
        return np.rint(cmap(np.linspace(0, 1, levels))[:, :3] * 255).astype(np.uint8)


THEMES = {"default": Theme("default", OKABE_ITO), "book": Theme("book", BOOK)}


def hex_rgb(text):
    text = text.lstrip("#")
    return tuple(int(text[i:i + 2], 16) for i in (0, 2, 4))


def font_path(bold=False):
    """DejaVu Sans as shipped inside matplotlib: the same glyphs on every machine."""
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    return os.path.join(matplotlib.get_data_path(), "fonts", "ttf", name)
