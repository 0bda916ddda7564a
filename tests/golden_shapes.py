"""Golden frames of the 1-D descent and the 2-D race at 4:3 (1024x768) and 1:1 (720x720).

These are the arrangements the 16:9 frames do not show: the descent's step key
on a row under the plot, the race's legend under the map, one line per run
(4:3 and 1:1).  Regenerate them, after
a deliberate change to the look, with:

    python tests/golden_shapes.py

and look at the PNGs in tests/golden_shapes/ before committing them.  As with
tests/golden.py, the comparison has an RMS tolerance, so small rasteriser
differences pass while a moved panel or a wrong colour fails; text is drawn in
the DejaVu Sans that ships inside matplotlib.
"""

import os
import sys

import numpy as np
from PIL import Image

from golden import HERE

GOLDEN = os.path.join(HERE, "golden_shapes")
SHAPES = {"4x3": (1024, 768), "1x1": (720, 720)}
TOLERANCE = 3.0          # RMS, in 8-bit levels, as for tests/golden/


def golden_frames():
    """{file name: frame array} for every golden case, rendered now: the last frame of each layout and shape."""
    from animator.chapter import DESCENTS, RACES_2D
    from animator.descent import run_preset, run_race
    from animator.functions import CURVE, FUNCTIONS_2D
    from renderers.contour_race import ContourRace
    from renderers.descent import DescentAnimation

    preset = DESCENTS["momentum-fast"]
    descent = run_preset("momentum-fast")
    runs = run_race("rosenbrock", steps=300)
    out = {}
    for shape, size in SHAPES.items():
        ball = DescentAnimation(descent, CURVE, size=size, title=f"Figure {preset.figure}", caption=preset.caption,
                                max_frames=8)
        race = ContourRace(list(runs.values()), FUNCTIONS_2D["rosenbrock"], size=size, labels=list(runs),
                           title=RACES_2D["rosenbrock"].title, max_frames=6)
        out[f"descent_{shape}.png"] = ball.frame(len(ball) - 1)
        out[f"race2d_{shape}.png"] = race.frame(len(race) - 1)
    return out


def rms(frame, expected):
    """Root mean square difference of two uint8 images, in 8-bit levels."""
    return float(np.sqrt(np.mean((frame.astype(np.float64) - expected.astype(np.float64)) ** 2)))


def main():
    os.makedirs(GOLDEN, exist_ok=True)
    for filename, frame in golden_frames().items():
        Image.fromarray(frame).save(os.path.join(GOLDEN, filename), optimize=True)
        print("wrote", os.path.join("tests", "golden_shapes", filename))


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(HERE))
    main()
