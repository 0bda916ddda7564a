"""What recording costs: the chapter's 10,000-epoch run with and without recording every epoch.

    python benchmarks/training_overhead.py [--repeats 5] [--epochs 10000]

Runs the two loops alternately (so machine noise hits both alike) and prints
the median of each and their ratio.  "Recorded" is the Trainer storing weights,
biases, updates and optimizer state for every epoch; "with grid" adds the
decision-region grid for 200 frames, i.e. everything ``animator train -o`` does
but writing the file.  The target is recorded / plain <= 1.5.
"""

import argparse
import statistics
import time

from animator import RunConfig, Trainer, build
from animator.run import make_recording


def once(config, record, grid=False):
    X, y, network, optimizer = build(config)
    start = time.perf_counter()
    result = Trainer(network, optimizer, X, y).run(config.epochs, record=record)
    if grid:
        make_recording(config, X, y, network, optimizer, result)
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=10000)
    parser.add_argument("--optimizer", default="sgd")
    args = parser.parse_args()
    hyper = {"decay": 1e-3, "momentum": 0.9} if args.optimizer == "sgd" else {}
    config = RunConfig(epochs=args.epochs, optimizer=args.optimizer, hyperparameters=hyper)
    plain, recorded, gridded = [], [], []
    for _ in range(args.repeats):
        plain.append(once(config, record=False))
        recorded.append(once(config, record=True))
        gridded.append(once(config, record=True, grid=True))
    p, r, g = (statistics.median(t) for t in (plain, recorded, gridded))
    print(f"{args.optimizer}, {args.epochs} epochs, median of {args.repeats}:")
    print(f"  plain loop      {p:6.2f} s")
    print(f"  recorded        {r:6.2f} s   ratio {r / p:.3f}")
    print(f"  recorded + grid {g:6.2f} s   ratio {g / p:.3f}  (200 frames, {config.grid_resolution}^2 grid)")


if __name__ == "__main__":
    main()
