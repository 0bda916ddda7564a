"""Rendering speed and GIF size against the naive peer, measured in the same run.

    python benchmarks/render_speed.py [--repeats 3] [--peer ../shared/bench/naive_matplotlib.py]

The peer is the hand-written FuncAnimation-redraws-everything script
(``naive_matplotlib.py``): the same 10,000-epoch SGD run (lr 1, decay 1e-3,
momentum 0.9), 100 frames at 960x540.  Its own "render" time excludes training,
so ours does too; we report ours twice: rendering a saved Recording, and that
plus evaluating the 100 decision-region grids (the peer evaluates its grid
inside its render loop).  Medians of ``--repeats`` runs; ratios are ours / peer.
"""

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_PEER = os.path.normpath(os.path.join(HERE, "..", "..", "shared", "bench", "naive_matplotlib.py"))


def run_peer(peer, out, frames, epochs):
    completed = subprocess.run([sys.executable, peer, out, "--epochs", str(epochs), "--frames", str(frames),
                                "--size", "960x540", "--fps", "25"], capture_output=True, text=True, check=True)
    match = re.search(r"render ([\d.]+)s\s+frames (\d+)", completed.stdout)
    seconds, count = float(match.group(1)), int(match.group(2))
    return seconds, count, os.path.getsize(out)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--frames", type=int, default=100)
    parser.add_argument("--epochs", type=int, default=10000)
    parser.add_argument("--peer", default=DEFAULT_PEER)
    parser.add_argument("--workers", type=int, default=None)
    args = parser.parse_args()

    from animator import RunConfig, build
    from animator.run import make_recording
    from animator.trainer import Trainer
    from renderers import render

    config = RunConfig(epochs=args.epochs, frames=args.frames, hyperparameters={"decay": 1e-3, "momentum": 0.9})
    X, y, network, optimizer = build(config)
    result = Trainer(network, optimizer, X, y).run(config.epochs)

    times = {key: [] for key in ("peer gif", "peer mp4", "gif", "mp4", "grid")}
    sizes = {}
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(args.repeats):
            for kind in ("gif", "mp4"):
                seconds, count, size = run_peer(args.peer, os.path.join(tmp, f"peer.{kind}"), args.frames,
                                                args.epochs)
                times[f"peer {kind}"].append(seconds / count)
                sizes[f"peer {kind}"] = size
            start = time.perf_counter()
            recording = make_recording(config, X, y, network, optimizer, result)
            times["grid"].append((time.perf_counter() - start) / args.frames)
            for kind in ("gif", "mp4"):
                out = os.path.join(tmp, f"ours.{kind}")
                start = time.perf_counter()
                render(recording, out, size=(960, 540), fps=25, hold=0, workers=args.workers)
                times[kind].append((time.perf_counter() - start) / args.frames)
                sizes[kind] = os.path.getsize(out)

    med = {key: statistics.median(values) for key, values in times.items()}
    print(f"{args.frames} frames at 960x540 from a {args.epochs}-epoch run, median of {args.repeats} "
          f"(cores: {os.cpu_count()}, load average {load_before:.2f} at start, {os.getloadavg()[0]:.2f} at end)")
    for kind in ("gif", "mp4"):
        peer_fps = 1 / med[f"peer {kind}"]
        ours_fps = 1 / med[kind]
        with_grid = 1 / (med[kind] + med["grid"])
        print(f"  {kind.upper()}: peer {peer_fps:6.1f} frames/s | ours {ours_fps:6.1f} frames/s "
              f"= {ours_fps / peer_fps:5.1f}x | ours incl. grid evaluation {with_grid:6.1f} frames/s "
              f"= {with_grid / peer_fps:5.1f}x")
    print(f"  GIF bytes: peer {sizes['peer gif']:,} | ours {sizes['gif']:,} = {sizes['gif'] / sizes['peer gif']:.2f}x")
    print(f"  MP4 bytes: peer {sizes['peer mp4']:,} | ours {sizes['mp4']:,}")


if __name__ == "__main__":
    main()
