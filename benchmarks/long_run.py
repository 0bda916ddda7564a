"""What a long run costs in memory and on disk: recording the frames' arrays against every epoch's.

    python benchmarks/long_run.py [--epochs 200000] [--frames 50] [--skip-all]

Each case trains in a fresh process (``animator train -o``) and reports that
process's peak RSS (``resource.getrusage(RUSAGE_CHILDREN)``), its wall time and
the size of the saved recording:

* the chapter's run (10,000 epochs, 200 frames), ``--record frames`` (the default) and ``all``;
* a long run (``--epochs``, ``--frames``), both ways (``--skip-all`` skips the slow ``all``).

``all`` is what every recording held before format 2.  Targets: the chapter's
recording at most 1/5 of ``all``; the long run under 400 MB peak RSS and 20 MB on disk.
"""

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time

_TRAIN = """
import sys
from animator import RunConfig, train
epochs, frames, record, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
train(RunConfig(epochs=epochs, frames=frames, record=record)).save(out)
"""


def once(epochs, frames, record, directory):
    """``(peak RSS bytes, seconds, file bytes)`` of one run in a fresh process."""
    out = os.path.join(directory, f"{epochs}-{frames}-{record}.npz")
    start = time.perf_counter()
    # one child per case, run alone, so RUSAGE_CHILDREN's maximum is this child's
    pid = os.fork()
    if pid == 0:
        code = subprocess.call([sys.executable, "-c", _TRAIN, str(epochs), str(frames), record, out])
        rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        with open(out + ".rss", "w") as handle:
            handle.write(str(rss))
        os._exit(code)
    _, status = os.waitpid(pid, 0)
    seconds = time.perf_counter() - start
    if status:
        raise SystemExit(f"training {epochs} epochs ({record}) failed")
    with open(out + ".rss") as handle:
        rss = int(handle.read()) * 1024    # kilobytes on Linux
    size = os.path.getsize(out)
    os.remove(out)
    return rss, seconds, size


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=200000)
    parser.add_argument("--frames", type=int, default=50)
    parser.add_argument("--skip-all", action="store_true", help="skip the long run with --record all")
    args = parser.parse_args()
    cases = [(10000, 200, "frames"), (10000, 200, "all"), (args.epochs, args.frames, "frames")]
    if not args.skip_all:
        cases.append((args.epochs, args.frames, "all"))
    print(f"{'epochs':>8} {'frames':>6} {'record':>7} {'peak RSS':>10} {'time':>8} {'file':>10}")
    results = {}
    with tempfile.TemporaryDirectory() as directory:
        for epochs, frames, record in cases:
            rss, seconds, size = results[epochs, record] = once(epochs, frames, record, directory)
            print(f"{epochs:>8} {frames:>6} {record:>7} {rss / 1e6:>8.0f} MB {seconds:>7.1f}s {size / 1e6:>7.2f} MB",
                  flush=True)
    chapter = results[10000, "frames"][2] / results[10000, "all"][2]
    print(f"chapter run: the frames' recording is {chapter:.3f} of every epoch's (target <= 0.2)")
    rss, _, size = results[args.epochs, "frames"]
    print(f"{args.epochs} epochs: {rss / 1e6:.0f} MB peak RSS (target < 400), {size / 1e6:.2f} MB file (target < 20)")


if __name__ == "__main__":
    main()
