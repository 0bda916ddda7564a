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
# slide shapes: the last frame of the first case's training and of the chapter's network race
SHAPES = {"4x3": (1024, 768), "1x1": (720, 720)}
RACE = ("chapter", 300)     # the network race preset, epochs


def golden_frames():
    """{file name: frame array} for every golden case, rendered now."""
    from animator import RunConfig, train
    from animator.chapter import NETWORK_RACES, TRAINING
    from animator.race import race
    from renderers import TrainingAnimation
    from renderers.race import RaceAnimation

    out, recordings = {}, {}
    for name, (figure, epochs, theme) in CASES.items():
        spec = TRAINING[figure].optimizer
        recordings[name] = recording = train(RunConfig(optimizer=spec.name, hyperparameters=dict(spec.hyperparameters),
                                                       epochs=epochs, frames=9, grid_resolution=80))
        animation = TrainingAnimation(recording, size=SIZE, theme=theme)
        picks = {"first": 0, "middle": len(animation) // 2, "last": len(animation) - 1}
        for label in FRAMES:
            out[f"{name}_{label}.png"] = animation.frame(picks[label])
    preset, epochs = RACE
    result = race(NETWORK_RACES[preset], RunConfig(epochs=epochs, frames=5, grid_resolution=60))
    for shape, size in SHAPES.items():
        for name, animation in [("training", TrainingAnimation(recordings[next(iter(CASES))], size=size)),
                                ("race", RaceAnimation(result, size=size))]:
            out[f"{name}_{shape}_last.png"] = animation.frame(len(animation) - 1)
    return out


def main():
    os.makedirs(GOLDEN, exist_ok=True)
    for filename, frame in golden_frames().items():
        Image.fromarray(frame).save(os.path.join(GOLDEN, filename), optimize=True)
        print("wrote", os.path.join("tests", "golden", filename))


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(HERE))
    main()
