"""Golden frames: a few key frames of a fixed run, pinned as PNGs.

Regenerate them (after a deliberate change to the look) with:

    python tests/golden.py

and look at the new PNGs in tests/golden/ before committing them.  The test
compares with an RMS tolerance, so small font-rasteriser differences between
machines pass while a moved panel or a wrong colour fails.  Text is drawn with
the DejaVu Sans that ships inside matplotlib (pinned glyphs).
"""

import os
import sys

from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
GOLDEN = os.path.join(HERE, "golden")
SIZE = (640, 360)
# golden name -> (the chapter's training figure, epochs, theme)
CASES = {
    "sgd_momentum": ("fig19_sgd_decay1e-3_momentum0.9", 400, "default"),
    "adam_book_theme": ("adam_lr0.05_decay5e-7", 200, "book"),
}
FRAMES = ("first", "middle", "last")


def golden_frames():
    """{file name: frame array} for every golden case, rendered now."""
    from animator import RunConfig, train
    from animator.chapter import TRAINING
    from renderers import TrainingAnimation

    out = {}
    for name, (figure, epochs, theme) in CASES.items():
        spec = TRAINING[figure].optimizer
        recording = train(RunConfig(optimizer=spec.name, hyperparameters=dict(spec.hyperparameters), epochs=epochs,
                                    frames=9, grid_resolution=80))
        animation = TrainingAnimation(recording, size=SIZE, theme=theme)
        picks = {"first": 0, "middle": len(animation) // 2, "last": len(animation) - 1}
        for label in FRAMES:
            out[f"{name}_{label}.png"] = animation.frame(picks[label])
    return out


def main():
    os.makedirs(GOLDEN, exist_ok=True)
    for filename, frame in golden_frames().items():
        Image.fromarray(frame).save(os.path.join(GOLDEN, filename), optimize=True)
        print("wrote", os.path.join("tests", "golden", filename))


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(HERE))
    main()
