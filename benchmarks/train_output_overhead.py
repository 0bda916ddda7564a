"""What rendering adds to training: the chapter's run with ``-o run.gif`` against the same command with no output.

    python benchmarks/train_output_overhead.py [--repeats 3] [--output run.gif] [--workers N]

Alternating, ``--repeats`` times, each a fresh process timed from spawn to exit:

* ``animator train --decay 1e-3 --momentum 0.9 -q`` (10,000 epochs, nothing written);
* the same with ``-o run.gif`` (200 frames at 960x540: decision grids, static
  drawing, frames, palette, encoding, writing the file).

Both run the console script beside this interpreter (no pyenv shim).  Prints the
medians and their ratio (the goal of issue 21 is at most 1.3x), and the CPU
seconds of each (the process and its workers), so a busy machine shows.
"""

import argparse
import os
import statistics
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from render_process import animator_command, timed  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--output", default="run.gif", help="the file -o writes (its extension picks the format)")
    parser.add_argument("--workers", type=int, default=None, help="passed to animator train (default: its own)")
    args = parser.parse_args()

    animator = animator_command()
    base = [*animator, "train", "--decay", "1e-3", "--momentum", "0.9", "-q"]
    extra = ["--workers", str(args.workers)] if args.workers else []
    times = {"bare": [], "output": []}
    cpu = {"bare": [], "output": []}
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, os.path.basename(args.output))
        for _ in range(args.repeats):
            for key, command in (("bare", base), ("output", [*base, "-o", out, *extra])):
                seconds, completed = timed(command, cwd=tmp)
                times[key].append(seconds)
                cpu[key].append(completed.cpu)
        size = os.path.getsize(out)
    load_after = os.getloadavg()
    bare, output = (statistics.median(times[key]) for key in ("bare", "output"))
    print(f"animator train --decay 1e-3 --momentum 0.9, median of {args.repeats} "
          f"(cores: {os.cpu_count()}, load average {load_before[0]:.2f} before, {load_after[0]:.2f} after)")
    print(f"  no output          {bare:6.2f} s wall  {statistics.median(cpu['bare']):6.2f} s CPU")
    print(f"  -o {os.path.basename(args.output):<15} {output:6.2f} s wall  {statistics.median(cpu['output']):6.2f} s CPU"
          f"  ({size / 1e6:.2f} MB)")
    print(f"  ratio {output / bare:.2f}x (goal: at most 1.3x)")


if __name__ == "__main__":
    main()
