"""How big the HTML player is against the GIF of the same frames.

    python benchmarks/player_size.py [--frames 200] [--size 960x540] [--epochs 10000] [--keep DIR]

Trains the chapter's Figure 19 run once (SGD, lr 1.0, decay 1e-3, momentum 0.9,
10,000 epochs, book mode), as ``animator train --decay 1e-3 --momentum 0.9`` does,
then renders the same frames (200 by default, 960x540, 25 fps, hold 2 s) with
the ``render`` command's code path to ``run.html`` and ``run.gif`` and prints
both sizes, their ratio, the time each took, and what the page is made of
(the frames' bytes before base64, keyframes and patches, the page around them).
"""

import argparse
import base64
import json
import os
import re
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir))

from animator import RunConfig, train            # noqa: E402
from renderers import render                     # noqa: E402
from renderers.writers.html import KEYFRAME      # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=200)
    parser.add_argument("--size", default="960x540")
    parser.add_argument("--epochs", type=int, default=10_000)
    parser.add_argument("--keep", help="write the two files here (default: a temporary folder)")
    args = parser.parse_args(argv)
    size = tuple(int(v) for v in args.size.split("x"))
    started = time.perf_counter()
    recording = train(RunConfig(epochs=args.epochs, frames=args.frames,
                                hyperparameters={"decay": 1e-3, "momentum": 0.9}))
    print(f"trained {args.epochs:,} epochs in {time.perf_counter() - started:.1f} s; "
          f"{len(recording.frame_epochs)} frames at {size[0]}x{size[1]}")
    with tempfile.TemporaryDirectory() as scratch:
        folder = args.keep or scratch
        os.makedirs(folder, exist_ok=True)
        sizes = {}
        for name in ("run.gif", "run.html"):
            path = os.path.join(folder, name)
            started = time.perf_counter()
            render(recording, path, size=size, fps=25, hold=2.0)
            sizes[name] = os.path.getsize(path)
            print(f"{name:9s} {sizes[name]:>10,} bytes  ({sizes[name] / 1e6:.2f} MB)  "
                  f"in {time.perf_counter() - started:.1f} s")
        print(f"html / gif = {sizes['run.html'] / sizes['run.gif']:.2f}")
        with open(os.path.join(folder, "run.html"), encoding="utf-8") as handle:
            page = handle.read()
        frames = json.loads(re.search(r'id="animator-frames">(.*?)</script>', page, re.S).group(1))
        raw = [len(base64.b64decode(f[2])) if f else 0 for f in frames]
        keys = sum(raw[::KEYFRAME])
        encoded = sum(len(f[2]) for f in frames if f)
        print(f"page: {keys:,} bytes of {len(raw[::KEYFRAME])} keyframes, {sum(raw) - keys:,} of "
              f"{sum(1 for f in frames[1:] if f)} patches (WebP, before base64: {sum(raw):,}), "
              f"{len(page.encode()) - encoded:,} of markup, script and settings")


if __name__ == "__main__":
    main()
