"""Training speed against the book's own code, measured side by side in one run.

    python benchmarks/training_speed.py [--repeats 5] [--epochs 10000]
        [--config '{"optimizer": "sgd", "decay": 1e-3, "momentum": 0.9}'] [--baseline DIR]

Three measurements, each in a fresh process, taken in turn ``--repeats`` times so
that machine noise hits all three alike:

* book: ``tests/book_loop.py``, the chapter's classes under ``nnfs.init()`` (which
  patches numpy for its whole process, hence its own process), training bare;
* ours, bare: ``Trainer.run(record=False)``, the same loop recording nothing;
* ours, recorded: what ``animator train -o run.npz`` does before writing the file:
  build the data and network, train recording the frame epochs' arrays, and make
  the Recording with its decision-region grid (200 frames at 160 x 160).

Each process times only its own work (not Python's start-up or imports), in wall
and CPU time (its own and its finished children's: the decision grids of a long
run are evaluated in a forked helper, see ``animator/grids_ahead.py``).  The config is the book loop's JSON.  Each side keeps its own BLAS
settings: the book's code those of the environment (OpenBLAS's default is a thread
per core), ours animator's (one thread, unless the environment says otherwise).
Prints medians and the ratios to the book.  ``--baseline DIR`` times
another checkout of animator (say ``git worktree add /tmp/old <commit>``) in the
same rounds, for before/after numbers from one run.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TESTS = os.path.join(ROOT, "tests")

BOOK = """
import contextlib, io, json, os, sys, time
sys.path.insert(0, {tests!r})
import book_loop                      # calls nnfs.init()
sys.argv = ["book_loop.py", {config!r}, {epochs!r}, "100"]
cpu = lambda: sum(os.times()[:4])     # this process's and its finished children's user and system time
wall, start = time.perf_counter(), cpu()
with contextlib.redirect_stdout(io.StringIO()):
    book_loop.main()                  # prints every 100 epochs, as the book does
print(json.dumps([time.perf_counter() - wall, cpu() - start]))
"""

OURS = """
import json, os, time
from animator import RunConfig, Trainer, build, train
config = RunConfig(optimizer={optimizer!r}, hyperparameters={hyper!r}, epochs={epochs})
cpu = lambda: sum(os.times()[:4])     # this process's and its finished children's user and system time
wall, start = time.perf_counter(), cpu()
if {recorded}:
    train(config)
else:
    X, y, network, optimizer = build(config)
    Trainer(network, optimizer, X, y).run(config.epochs, record=False)
print(json.dumps([time.perf_counter() - wall, cpu() - start]))
"""


def measure(code, root=ROOT):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")])))
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=root,
                               check=True)
    return json.loads(completed.stdout.splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=10000)
    parser.add_argument("--config", default='{"optimizer": "sgd", "decay": 1e-3, "momentum": 0.9}',
                        help="the run, as tests/book_loop.py takes it")
    parser.add_argument("--baseline", help="another animator checkout to time alongside")
    args = parser.parse_args()
    book_config = json.loads(args.config)
    hyper = {k: v for k, v in book_config.items() if k != "optimizer"}
    ours = {recorded: OURS.format(optimizer=book_config["optimizer"], hyper=hyper, epochs=args.epochs,
                                  recorded=recorded) for recorded in (False, True)}
    runs = {"book": (BOOK.format(tests=TESTS, config=args.config, epochs=str(args.epochs)), ROOT),
            "ours, bare": (ours[False], ROOT), "ours, recorded": (ours[True], ROOT)}
    if args.baseline:
        baseline = os.path.abspath(args.baseline)
        runs.update({"baseline, bare": (ours[False], baseline), "baseline, recorded": (ours[True], baseline)})
    times = {name: [] for name in runs}
    load_before = os.getloadavg()[0]
    for _ in range(args.repeats):
        for name, (code, root) in runs.items():
            times[name].append(measure(code, root))
    print(f"{args.config}, {args.epochs} epochs, median of {args.repeats} (wall / CPU seconds; "
          f"load average {load_before:.2f} at start, {os.getloadavg()[0]:.2f} at end):")
    medians = {name: [statistics.median(t[i] for t in samples) for i in (0, 1)] for name, samples in times.items()}
    (book_wall, book_cpu) = medians["book"]
    for name, (wall, cpu) in medians.items():
        ratio = "" if name == "book" else f"   / book: {wall / book_wall:.2f} wall, {cpu / book_cpu:.2f} CPU"
        print(f"  {name:19s} {wall:6.2f} s / {cpu:6.2f} s{ratio}")
    if args.baseline:
        for kind in ("bare", "recorded"):
            (wall, cpu), (old_wall, old_cpu) = medians[f"ours, {kind}"], medians[f"baseline, {kind}"]
            print(f"  ours / baseline, {kind}: {wall / old_wall:.2f} wall, {cpu / old_cpu:.2f} CPU")
    print("  (all wall:", ", ".join(f"{name} {' '.join(f'{t[0]:.2f}' for t in samples)}"
                                    for name, samples in times.items()) + ")")


if __name__ == "__main__":
    main()
