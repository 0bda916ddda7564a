"""The 1-D descent's step scale: the colour of each step's dot and of the ball, from the first step to the last.

Green, orange, red as in the chapter, and light to dark, so the scale reads
without hue: under every colour-blindness simulation the steps darken
monotonically (``tests/renderers/test_identity.py`` measures it).  A step's
colour is ``step / total`` along the scale, the same in every frame.
"""

import numpy as np

from .theme import hex_rgb

# green -> orange -> red, light -> dark
STEP_STOPS = ("#b8e186", "#f4a03c", "#b2182b")
STEP_LEVELS = 64                                 # distinct step colours (they seed the GIF palette)


def step_lut(levels=STEP_LEVELS):
    """(levels, 3) uint8: the step colours from the first step (green) to the last (red)."""
    stops = np.array([hex_rgb(c) for c in STEP_STOPS], dtype=np.float64)
    where = np.linspace(0.0, 1.0, len(stops))
    t = np.linspace(0.0, 1.0, levels)
    return np.rint(np.stack([np.interp(t, where, stops[:, k]) for k in range(3)], axis=1)).astype(np.uint8)


def step_level(steps, total, levels=STEP_LEVELS):
    """Index into :func:`step_lut` of each step: ``step / total``, so a step keeps its colour in every frame."""
    return np.rint(np.asarray(steps, dtype=np.float64) / max(int(total), 1) * (levels - 1)).astype(np.intp)
