"""The chapter's run in every animation format the registry knows: bytes and seconds, side by side.

    python benchmarks/format_sizes.py [--frames 200] [--size 960x540] [--epochs 10000] [--repeat 3] [--keep DIR]

Trains the chapter's Figure 19 run once (SGD, lr 1.0, decay 1e-3, momentum 0.9,
10,000 epochs, book mode), as ``animator train --decay 1e-3 --momentum 0.9``
does, then renders the same frames (200 by default, 960x540, 25 fps, hold 2 s)
to every registered format that holds an animation (GIF, MP4, WebP, the HTML
player, ...), ``--repeat`` times each, and prints each file's size, its ratio
to the GIF, and the median time it took. Formats are asked of the registry, so
a new one is measured without editing this file.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir))

from animator import RunConfig, train                  # noqa: E402
from renderers import render                           # noqa: E402
from renderers.writers.registry import formats         # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=200)
    parser.add_argument("--size", default="960x540")
    parser.add_argument("--epochs", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", help="write the files here (default: a temporary folder)")
    args = parser.parse_args(argv)
    size = tuple(int(v) for v in args.size.split("x"))
    recording = train(RunConfig(epochs=args.epochs, frames=args.frames,
                                hyperparameters={"decay": 1e-3, "momentum": 0.9}))
    folder = args.keep or tempfile.mkdtemp(prefix="animator-formats.")
    os.makedirs(folder, exist_ok=True)
    animated = [writer for writer in formats() if writer.EXTENSIONS and not writer.STILL]
    rows = []
    for writer in animated:
        path = os.path.join(folder, "run" + writer.EXTENSIONS[0])
        seconds = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            render(recording, path, size=size)
            seconds.append(time.perf_counter() - started)
        rows.append((writer.KIND, os.path.getsize(path), statistics.median(seconds)))
    gif = dict((kind, size) for kind, size, _ in rows).get("gif")
    print(f"the chapter's run, {args.frames} frames at {size[0]}x{size[1]}, {args.repeat} renders each "
          f"(files in {folder}):")
    print(f"{'format':8s} {'bytes':>12s} {'x GIF':>7s} {'median s':>9s}")
    for kind, size_bytes, median in rows:
        ratio = f"{size_bytes / gif:.2f}" if gif else "-"
        print(f"{kind:8s} {size_bytes:12,d} {ratio:>7s} {median:9.2f}")


if __name__ == "__main__":
    main()
