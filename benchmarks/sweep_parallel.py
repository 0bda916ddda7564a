"""How a sweep scales: two worker processes against one, and a Dask cluster against local processes.

    python benchmarks/sweep_parallel.py [--runs 6] [--epochs 3000] [--repeats 3] [--no-dask]

Trains the same sweep (``--runs`` runs of SGD with decay 1e-3 over a grid of
learning rates and momenta, ``--epochs`` epochs each, the chapter's model) in
three ways, alternately within each repeat so that machine noise hits all
alike, and prints the median wall time of each and the ratios:

* ``1 worker``: one run after another in this process (``--workers 1``);
* ``2 workers``: two forked processes (``--workers 2``); goal: at least 1.7x
  faster than one worker on a 2-core machine;
* ``dask``: a ``distributed.LocalCluster`` of two single-threaded worker
  processes, started once before the timings (it stands for an existing
  cluster; a first, untimed two-run sweep lets its workers import animator);
  each sweep connects a client, sends the runs and closes, as ``--scheduler``
  does.  Goal: at most 15% slower than the 2 local workers.

Every way must give the same table (timings aside); the script checks it.
Times are of ``run_sweep`` (the whole sweep but the picture), not of process start-up.

"Cores the runs got" is the CPU time of the runs (measured in the workers)
over the wall time: on an idle 2-core machine 1 worker gets about 1 and two
get about 2.  On a shared machine with autogroup scheduling
(``/proc/sys/kernel/sched_autogroup_enabled``), every terminal session gets
an equal share of the CPU whatever its number of processes, so while other
sessions keep the cores busy two workers get no more CPU than one, and the
speed-up can only be measured when the machine is otherwise idle.
"""

import argparse
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from animator.executors import DaskCluster, InProcess, Processes   # noqa: E402
from animator.run import RunConfig                                  # noqa: E402
from animator.sweep import make_sweep, run_one, run_sweep, table_text   # noqa: E402


def table(result):
    rows = [line.split(",") for line in table_text(result).splitlines()]
    return [row[:-1] for row in rows]          # the last column is seconds


def run_and_time(task, on_epoch=None):
    """``run_one``, and the CPU seconds the run took in its worker."""
    started = time.process_time()
    outcome = run_one(task, on_epoch=on_epoch)
    outcome.summary.versions = dict(outcome.summary.versions, cpu=time.process_time() - started)
    return outcome


def timed(sweep, executor):
    """Wall seconds of the whole sweep, the CPU seconds of its runs, and its table."""
    import animator.sweep

    start = time.perf_counter()
    animator.sweep.run_one, original = run_and_time, animator.sweep.run_one
    try:
        result = run_sweep(sweep, executor=executor)
    finally:
        animator.sweep.run_one = original
    wall = time.perf_counter() - start
    return wall, sum(r.versions["cpu"] for r in result.runs), table(result)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=6, choices=(2, 4, 6, 8), help="runs in the sweep (default: 6)")
    parser.add_argument("--epochs", type=int, default=3000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-dask", action="store_true", help="skip the Dask comparison")
    args = parser.parse_args()
    momenta = "0,0.5,0.9" if args.runs % 3 == 0 else "0,0.9"
    rates = {2: "1", 4: "0.5,1", 6: "0.5,1", 8: "0.2,0.5,1,2"}[args.runs]
    sweep = make_sweep("sgd", [f"lr={rates}", f"momentum={momenta}"], {"decay": 1e-3},
                       RunConfig(epochs=args.epochs, frames=40, grid_resolution=48))
    print(f"{sweep!r}, {os.cpu_count()} cores, median of {args.repeats}, "
          f"load average before: {os.getloadavg()[0]:.2f}")

    ways = {"1 worker": lambda: InProcess(), "2 workers": lambda: Processes(2)}
    cluster = None
    if not args.no_dask:
        try:
            from distributed import LocalCluster
        except ImportError:
            print("dask is not installed (pip install -e '.[dask]'): skipping the Dask comparison")
        else:
            cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
            ways["dask"] = lambda: DaskCluster(cluster.scheduler_address)
            # a cluster that has run a sweep before: its workers have imported animator already
            tiny = make_sweep("sgd", ["lr=0.5,1"], {}, RunConfig(epochs=1, frames=2, grid_resolution=8))
            first, _, _ = timed(tiny, DaskCluster(cluster.scheduler_address))
            print(f"  first contact with the new cluster (its workers import animator): {first:.2f} s, not counted")
    try:
        times = {name: [] for name in ways}
        cores = {name: [] for name in ways}
        tables = {}
        for repeat in range(args.repeats):
            for name, make in ways.items():
                seconds, cpu, tables[name] = timed(sweep, make())
                times[name].append(seconds)
                cores[name].append(cpu / seconds)
                print(f"  repeat {repeat + 1}: {name:9s} {seconds:6.2f} s, the runs used {cpu / seconds:4.2f} cores "
                      f"(load {os.getloadavg()[0]:.1f})", flush=True)
    finally:
        if cluster is not None:
            cluster.close()
    reference = tables["1 worker"]
    for name, other in tables.items():
        assert other == reference, f"{name} gave a different table"
    medians = {name: statistics.median(t) for name, t in times.items()}
    print("medians:")
    for name, value in medians.items():
        print(f"  {name:9s} {value:6.2f} s   cores the runs got: {statistics.median(cores[name]):.2f}")
    speedup = medians["1 worker"] / medians["2 workers"]
    print(f"2 workers over 1: {speedup:.2f}x faster (goal: at least 1.7x)")
    if "dask" in medians:
        overhead = medians["dask"] / medians["2 workers"] - 1
        print(f"dask LocalCluster (2 worker processes) against 2 local workers: {100 * overhead:+.1f}% "
              f"(goal: at most +15%)")
    print(f"every way gave the same table; load average after: {os.getloadavg()[0]:.2f} "
          f"(other processes on the machine make these timings noisy)")


if __name__ == "__main__":
    main()
