"""What ``animator record`` adds to a reader's own chapter script: the script alone against the script recorded.

    python benchmarks/record_overhead.py [--repeats 3] [--epochs 10000] [--frames 200] [--before DIR]

Alternating, ``--repeats`` times, each a fresh process timed from spawn to exit:

* ``python tests/data/book_chapter10.py EPOCHS`` (the chapter's Adam run typed as the book prints it);
* ``python -m animator_app record -q --frames FRAMES -o run.npz tests/data/book_chapter10.py -- EPOCHS``
  (the same script traced, every epoch's numbers kept, the weights, updates and
  decision regions at the frames, the Recording saved).

* with ``--before DIR`` (another checkout of animator, e.g. ``git worktree add
  /tmp/before HEAD~3``), the same record command run from there, so a change is
  measured before and after in one run, under the same load.

Prints the medians, their ratios to the plain run (issue 18's goal: at most
1.3x) and the load average over the run (the machine is shared: ratios taken in
one run are what compare), and checks that every command printed the same lines.
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


def timed(command, root=ROOT):
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, cwd=root,
                          env={**os.environ, "PYTHONPATH": root})
    if done.returncode:
        sys.exit(f"{' '.join(command)} failed:\n{done.stderr}")
    return time.perf_counter() - start, done.stdout


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=10000)
    parser.add_argument("--frames", type=int, default=200)
    parser.add_argument("--before", metavar="DIR", help="another checkout whose record command is timed too")
    args = parser.parse_args()
    loads = [os.getloadavg()[0]]
    with tempfile.TemporaryDirectory() as folder:
        plain = [sys.executable, SCRIPT, str(args.epochs)]
        recorded = [sys.executable, "-m", "animator_app", "record", "-q", "--frames", str(args.frames),
                    "-o", os.path.join(folder, "run.npz"), SCRIPT, "--", str(args.epochs)]
        runs = [("plain", plain, ROOT), ("recorded", recorded, ROOT)]
        if args.before:
            runs.insert(1, ("before", recorded, os.path.abspath(args.before)))
        times = {name: [] for name, _, _ in runs}
        outputs = set()
        for _ in range(args.repeats):
            for name, command, root in runs:
                seconds, stdout = timed(command, root)
                times[name].append(seconds)
                outputs.add(stdout)
                loads.append(os.getloadavg()[0])
    medians = {name: statistics.median(values) for name, values in times.items()}
    for name, values in times.items():
        ratio = "" if name == "plain" else f"  ratio {medians[name] / medians['plain']:.2f}x"
        print(f"{name:9s} median {medians[name]:.2f} s{ratio}  ({', '.join(f'{v:.2f}' for v in values)})")
    print(f"goal      at most 1.3x ({args.epochs:,} epochs, {args.frames} frames); load average "
          f"{min(loads):.1f} to {max(loads):.1f} on {os.cpu_count()} cores")
    print("stdout    " + ("identical" if len(outputs) == 1 else "DIFFERS"))


if __name__ == "__main__":
    main()
