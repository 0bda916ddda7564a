"""The landscape of the chapter's race against the race itself, in one run: medians, the ratio, peak memory.

Runs ``animator compare --preset chapter -o race.gif`` and ``animator landscape
--preset chapter -o landscape.gif`` (a 60x60 grid around the four 10,000-epoch
runs, a 200-frame GIF at 960x540) in turn, each as a whole process, ``--repeats``
times, and prints each one's median wall time, the ratio (the issue asks for at
most 1.5) and each process's peak resident memory, with the load average.

    python benchmarks/landscape_speed.py [--repeats 3] [--epochs 10000]
"""

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time


def timed(args, folder):
    """Seconds and peak resident memory (MB) of one whole ``animator`` process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    process = subprocess.run([sys.executable, "-m", "animator_app", *args, "-q"], cwd=folder)
    seconds = time.perf_counter() - start
    if process.returncode:
        raise SystemExit(f"animator {' '.join(args)} failed with status {process.returncode}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return seconds, max(peak, before) / 1024


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=10000)
    options = parser.parse_args()
    runs = {"compare": ["compare", "--preset", "chapter", "--epochs", str(options.epochs), "-o", "race.gif"],
            "landscape": ["landscape", "--preset", "chapter", "--epochs", str(options.epochs), "-o", "landscape.gif"]}
    times = {name: [] for name in runs}
    peaks = {name: 0.0 for name in runs}
    loads = []
    with tempfile.TemporaryDirectory() as folder:
        for _ in range(options.repeats):
            for name, args in runs.items():            # in turn, so both see the same load
                loads.append(os.getloadavg()[0])
                seconds, peak = timed(args, folder)
                times[name].append(seconds)
                peaks[name] = max(peaks[name], peak)
                print(f"{name}: {seconds:.1f} s", flush=True)
    medians = {name: statistics.median(values) for name, values in times.items()}
    print(f"\n{os.cpu_count()} cores, load average {min(loads):.1f}-{max(loads):.1f}; medians of {options.repeats}")
    for name in runs:
        print(f"{' '.join(['animator', *runs[name]])}: {medians[name]:.1f} s "
              f"({', '.join(f'{t:.1f}' for t in times[name])}); peak memory of the runs so far {peaks[name]:.0f} MB")
    print(f"landscape / compare: {medians['landscape'] / medians['compare']:.2f}x (the issue asks for at most 1.5x)")


if __name__ == "__main__":
    main()
