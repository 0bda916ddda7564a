"""Frame throughput with 1 and 2 frame workers, GIF and MP4, side by side in one run.

    python benchmarks/encode_scaling.py [--repeats 3] [--frames 200] [--epochs 10000] [--workers 2]

The chapter's run (10,000 epochs of SGD, lr 1, decay 1e-3, momentum 0.9) is
trained once and its Recording made once (``--frames`` frames, 960x540); its
:class:`~renderers.training.TrainingAnimation` (the static matplotlib drawing)
is built once too.  Then, alternating, ``--repeats`` times: ``write_animation``
of every frame to a GIF and to an MP4 (``hold=0``) with 1 worker and with
``--workers`` workers.  The time is everything ``write_animation`` does: a GIF's
palette (four frames drawn in the parent), starting the workers, drawing,
quantising and encoding the frames, writing the file.  Frames per second are
frames / median seconds; the ratio is ``--workers`` workers' frames/s over 1
worker's.  CPU seconds are shown too, the parent's and everything's (the
parent, its frame workers and ffmpeg): on a shared machine the wall-clock
ratio follows the cores other work leaves free, while the parent's CPU says
how much of the work stayed serial.  Each repeat also times the machine's own
ceiling: a fixed piece of CPU work (numpy and plain Python) done ``--workers``
times in one process against once in each of ``--workers`` forked processes;
no render can scale better than that at the time it ran.  The files of both
worker counts must be the same bytes; the benchmark says so if they are not.
"""

import argparse
import hashlib
import multiprocessing
import os
import statistics
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

KINDS = ("gif", "mp4")


def digest(path):
    with open(path, "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()


def busy(rounds=400):
    """About half a second of CPU work that keeps one core busy: numpy over a frame-sized array, then Python."""
    frame = np.random.default_rng(0).integers(0, 255, (540, 960, 3), dtype=np.uint8)
    total = 0
    for _ in range(rounds):
        total += int((frame >> 2).sum()) + sum(range(20000))
    return total


def ceiling(workers):
    """How many times faster ``workers`` forked processes do ``workers`` pieces of :func:`busy` than one process."""
    start = time.perf_counter()
    for _ in range(workers):
        busy()
    serial = time.perf_counter() - start
    start = time.perf_counter()
    processes = [multiprocessing.get_context("fork").Process(target=busy) for _ in range(workers)]
    for process in processes:
        process.start()
    for process in processes:
        process.join()
    return serial / (time.perf_counter() - start)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--frames", type=int, default=200)
    parser.add_argument("--epochs", type=int, default=10000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    from animator import RunConfig, train
    from renderers.render import write_animation
    from renderers.training import TrainingAnimation

    config = RunConfig(epochs=args.epochs, frames=args.frames, hyperparameters={"decay": 1e-3, "momentum": 0.9})
    recording = train(config)
    animation = TrainingAnimation(recording, size=(960, 540))
    counts = (1, args.workers)
    times = {(kind, n): [] for kind in KINDS for n in counts}
    parent = {(kind, n): [] for kind in KINDS for n in counts}
    everything = {(kind, n): [] for kind in KINDS for n in counts}
    digests = {}
    ceilings = []
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(args.repeats):
            ceilings.append(ceiling(args.workers))
            for kind in KINDS:
                for n in counts:
                    out = os.path.join(tmp, f"w{n}.{kind}")
                    start, before = time.perf_counter(), os.times()
                    write_animation(animation, out, fps=25, hold=0, workers=n)
                    times[kind, n].append(time.perf_counter() - start)
                    after = os.times()
                    own = (after.user - before.user) + (after.system - before.system)
                    children = ((after.children_user - before.children_user)
                                + (after.children_system - before.children_system))
                    parent[kind, n].append(own)
                    everything[kind, n].append(own + children)
                    digests.setdefault((kind, n), set()).add(digest(out))

    load = os.getloadavg()
    print(f"{args.frames} frames at 960x540 from a {args.epochs}-epoch run, median of {args.repeats} "
          f"(cores: {os.cpu_count()}, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f})")
    print(f"  the machine's ceiling for {args.workers} processes of plain CPU work: "
          f"{statistics.median(ceilings):4.2f}x (each repeat: {', '.join(f'{c:.2f}' for c in ceilings)})")
    for kind in KINDS:
        rates = {n: args.frames / statistics.median(times[kind, n]) for n in counts}
        same = len(digests[kind, 1] | digests[kind, args.workers]) == 1
        print(f"  {kind.upper()}: 1 worker {rates[1]:6.1f} frames/s | {args.workers} workers "
              f"{rates[args.workers]:6.1f} frames/s = {rates[args.workers] / rates[1]:4.2f}x"
              + ("" if same else "  (files differ between worker counts!)"))
        for n in counts:
            print(f"       {n} worker{'s' if n > 1 else ' '}: {statistics.median(times[kind, n]):5.2f} s wall, "
                  f"CPU {statistics.median(parent[kind, n]):5.2f} s in the parent, "
                  f"{statistics.median(everything[kind, n]):5.2f} s in all (parent, workers, ffmpeg)")


if __name__ == "__main__":
    main()
