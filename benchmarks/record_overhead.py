"""What ``animator record`` adds to a reader's own chapter script: the script alone against the script recorded.

    python benchmarks/record_overhead.py [--repeats 3] [--epochs 10000] [--frames 200]

Alternating, ``--repeats`` times, each a fresh process timed from spawn to exit:

* ``python tests/data/book_chapter10.py EPOCHS`` (the chapter's Adam run typed as the book prints it);
* ``python -m animator_app record -q --frames FRAMES -o run.npz tests/data/book_chapter10.py -- EPOCHS``
  (the same script traced, every epoch's numbers kept, the weights, updates and
  decision regions at the frames, the Recording saved).

Prints the medians and their ratio (issue 18's goal: at most 1.3x) and checks
that both printed the same lines.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRIPT = os.path.join(ROOT, "tests", "data", "book_chapter10.py")


def timed(command):
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    if done.returncode:
        sys.exit(f"{' '.join(command)} failed:\n{done.stderr}")
    return time.perf_counter() - start, done.stdout


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=10000)
    parser.add_argument("--frames", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        plain = [sys.executable, SCRIPT, str(args.epochs)]
        recorded = [sys.executable, "-m", "animator_app", "record", "-q", "--frames", str(args.frames),
                    "-o", os.path.join(folder, "run.npz"), SCRIPT, "--", str(args.epochs)]
        times = {"plain": [], "recorded": []}
        outputs = set()
        for _ in range(args.repeats):
            for name, command in (("plain", plain), ("recorded", recorded)):
                seconds, stdout = timed(command)
                times[name].append(seconds)
                outputs.add(stdout)
    medians = {name: statistics.median(values) for name, values in times.items()}
    for name, values in times.items():
        print(f"{name:9s} median {medians[name]:.2f} s  ({', '.join(f'{v:.2f}' for v in values)})")
    print(f"ratio     {medians['recorded'] / medians['plain']:.2f}x  (goal: at most 1.3x; "
          f"{args.epochs:,} epochs, {args.frames} frames)")
    print("stdout    " + ("identical" if len(outputs) == 1 else "DIFFERS"))


if __name__ == "__main__":
    main()
