"""How fast the command line starts: ``animator --help`` against ``python -c "import numpy"``, in one run.

    python benchmarks/startup.py [--repeats 9]

Each command is a fresh process, spawned ``--repeats`` times, alternating so
that load on the machine falls on all of them alike; the table gives each
median and its ratio to the median of ``python -c "import numpy"`` (the least
any command that trains or draws must pay).  Issue 21's goal: ``animator
--help`` and ``animator train --help`` at most 3x.  The console script beside
this interpreter is run directly, not through a pyenv shim.
"""

import argparse
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from render_process import animator_command   # noqa: E402

BASELINE = "import numpy"


def commands():
    ours = animator_command()
    return {
        f'python -c "{BASELINE}"': [sys.executable, "-c", BASELINE],
        "animator --help": [*ours, "--help"],
        "animator train --help": [*ours, "train", "--help"],
        "animator --version": [*ours, "--version"],
        "animator descent --list": [*ours, "descent", "--list"],
    }


def wall(command):
    start = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=9)
    args = parser.parse_args(argv)
    table = commands()
    times = {name: [] for name in table}
    for name, command in table.items():   # one run each first: the page cache, not the measure
        wall(command)
    for _ in range(args.repeats):
        for name, command in table.items():
            times[name].append(wall(command))
    base = statistics.median(times[next(iter(table))])
    print(f"{'command':28s} {'median s':>9s} {'ratio':>6s}   (median of {args.repeats}, load {os.getloadavg()[0]:.2f})")
    for name, values in times.items():
        median = statistics.median(values)
        print(f"{name:28s} {median:9.3f} {median / base:6.2f}x")


if __name__ == "__main__":
    main()
