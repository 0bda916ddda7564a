"""How a sweep scales: two worker processes against one, and a Dask cluster against local processes.

    python benchmarks/sweep_parallel.py [--runs 6] [--epochs 6000] [--repeats 5] [--no-dask]

Trains the same sweep (``--runs`` runs of SGD with decay 1e-3 over a grid of
learning rates and momenta, ``--epochs`` epochs each, the chapter's model) in
three ways, one after another within each repeat so that machine noise hits
all alike, and prints the median and the fastest wall time of each and the
ratios of both (the fastest is the run other processes disturbed least):

* ``1 worker``: one run after another in one process (``--workers 1``);
* ``2 workers``: two forked processes (``--workers 2``); goal: at least 1.7x
  faster than one worker on a 2-core machine;
* ``dask``: an existing cluster, started once before the timings as the
  README says (``dask scheduler`` and ``dask worker --nworkers 2 --nthreads 1``,
  separate processes on this machine; a first, untimed sweep lets its workers
  import animator); each sweep connects a client, sends the runs and closes,
  as ``--scheduler`` does.  Goal: at most 15% slower than the 2 local workers.

Each timing runs in a fresh Python process (as the command would), timing
``run_sweep`` only: the whole sweep but the picture, without interpreter
start-up.  Every way must give the same table (timings aside); the script
checks it.

"Cores the runs got" is the CPU time of the runs (measured in the workers)
over the wall time: on an idle 2-core machine one worker gets 1 and two get
nearly 2.  On a shared machine with autogroup scheduling
(``/proc/sys/kernel/sched_autogroup_enabled``), each terminal session gets
an equal share of the CPU whatever its number of processes, so while other
sessions keep the cores busy two workers get no more CPU than one: the
speed-up can only be measured while the machine is otherwise quiet.
"""

import argparse
import hashlib
import json
import os
import socket
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from animator.sweep_runs import run_one as plain_run_one     # noqa: E402  (before one() wraps it)


def the_sweep(runs, epochs):
    from animator.run import RunConfig
    from animator_app.grammar import sweep_from_text

    momenta = "0,0.5,0.9" if runs % 3 == 0 else "0,0.9"
    rates = {2: "1", 4: "0.5,1", 6: "0.5,1", 8: "0.2,0.5,1,2", 12: "0.2,0.5,1,2"}[runs]
    return sweep_from_text("sgd", [f"lr={rates}", f"momentum={momenta}"], {"decay": 1e-3},
                      RunConfig(epochs=epochs, frames=40, grid_resolution=48))


def run_and_time(task, on_epoch=None):
    """``run_one``, and the CPU seconds the run took in its worker."""
    started = time.process_time()
    outcome = plain_run_one(task, on_epoch=on_epoch)
    outcome.summary.versions = dict(outcome.summary.versions, cpu=time.process_time() - started)
    return outcome


def one(way, runs, epochs, scheduler):
    """Time one sweep in this (fresh) process; print wall seconds, CPU seconds and the table's hash as JSON."""
    import animator.sweep_runs
    from animator.executors import DaskCluster, InProcess, Processes
    from animator.sweep import run_sweep, table_text

    sweep = the_sweep(runs, epochs)
    executor = {"1 worker": InProcess, "2 workers": lambda: Processes(2),
                "dask": lambda: DaskCluster(scheduler)}[way]()
    animator.sweep_runs.run_one = run_and_time            # the runs report their CPU time too
    start = time.perf_counter()
    result = run_sweep(sweep, executor=executor)
    wall = time.perf_counter() - start
    table = "\n".join(line.rsplit(",", 1)[0] for line in table_text(result).splitlines())  # seconds dropped
    # a Dask worker runs the unpatched run (results come back as plain data), so its CPU is measured outside
    print(json.dumps({"wall": wall, "cpu": sum(r.versions.get("cpu", 0.0) for r in result.runs),
                      "table": hashlib.sha256(table.encode()).hexdigest()}))


def measure(way, args, scheduler=None):
    command = [sys.executable, os.path.abspath(__file__), "--one", way, "--runs", str(args.runs),
               "--epochs", str(args.epochs)] + (["--scheduler", scheduler] if scheduler else [])
    completed = subprocess.run(command, capture_output=True, text=True, check=True,
                               env={**os.environ, "PYTHONPATH": ROOT + os.pathsep + os.environ.get("PYTHONPATH", "")})
    return json.loads(completed.stdout.strip().splitlines()[-1])


def start_cluster():
    """``dask scheduler`` and ``dask worker --nworkers 2 --nthreads 1`` on a free local port; their processes."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    address = f"tcp://127.0.0.1:{port}"
    env = {**os.environ, "PYTHONPATH": ROOT + os.pathsep + os.environ.get("PYTHONPATH", "")}
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "env": env}
    scheduler = subprocess.Popen([sys.executable, "-m", "dask", "scheduler", "--host", "127.0.0.1", "--port",
                                  str(port), "--no-dashboard"], **quiet)
    time.sleep(2)
    workers = subprocess.Popen([sys.executable, "-m", "dask", "worker", address, "--nworkers", "2", "--nthreads",
                                "1", "--no-dashboard"], **quiet)
    return address, [workers, scheduler]


def _tree_cpu(process):
    """CPU seconds (user + system) so far of ``process`` (a Popen) and every process under it."""
    import psutil

    root = psutil.Process(process.pid)
    total = 0.0
    for member in [root, *root.children(recursive=True)]:
        try:
            times = member.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=6, choices=(2, 4, 6, 8, 12), help="runs in the sweep (default: 6)")
    parser.add_argument("--epochs", type=int, default=6000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--no-dask", action="store_true", help="skip the Dask comparison")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--scheduler", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        return one(args.one, args.runs, args.epochs, args.scheduler)

    print(f"{the_sweep(args.runs, args.epochs)!r}, {os.cpu_count()} cores, median of {args.repeats}, "
          f"load average before: {os.getloadavg()[0]:.2f}", flush=True)
    ways = ["1 worker", "2 workers"]
    address, cluster = None, []
    if not args.no_dask:
        try:
            import distributed  # noqa: F401
        except ImportError:
            print("dask is not installed (pip install -e '.[dask]'): skipping the Dask comparison")
        else:
            address, cluster = start_cluster()
            ways.append("dask")
    try:
        if address:
            first = time.perf_counter()
            measure("dask", argparse.Namespace(runs=2, epochs=1), address)
            print(f"  first sweep on the new cluster (its workers import animator): "
                  f"{time.perf_counter() - first:.2f} s, not counted", flush=True)
        times = {way: [] for way in ways}
        cores = {way: [] for way in ways}
        tables = {}
        for repeat in range(args.repeats):
            for way in ways:
                before = _tree_cpu(cluster[0]) if way == "dask" else None
                measured = measure(way, args, address)
                if way == "dask":
                    measured["cpu"] = _tree_cpu(cluster[0]) - before
                times[way].append(measured["wall"])
                cores[way].append(measured["cpu"] / measured["wall"])
                tables[way] = measured["table"]
                print(f"  repeat {repeat + 1}: {way:9s} {measured['wall']:6.2f} s, the runs got "
                      f"{cores[way][-1]:4.2f} cores (load {os.getloadavg()[0]:.1f})", flush=True)
    finally:
        for process in cluster:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    assert len(set(tables.values())) == 1, f"the ways gave different tables: {tables}"
    medians = {way: statistics.median(t) for way, t in times.items()}
    fastest = {way: min(t) for way, t in times.items()}
    print("          median    fastest   cores the runs got (median)")
    for way in ways:
        print(f"  {way:9s} {medians[way]:6.2f} s  {fastest[way]:6.2f} s   {statistics.median(cores[way]):.2f}")
    # the fastest of several runs is the one other processes disturbed least (as timeit reports it)
    print(f"2 workers over 1: {medians['1 worker'] / medians['2 workers']:.2f}x faster by the medians, "
          f"{fastest['1 worker'] / fastest['2 workers']:.2f}x by the fastest (goal: at least 1.7x)")
    if "dask" in medians:
        print(f"dask cluster (2 worker processes) against 2 local workers: "
              f"{100 * (medians['dask'] / medians['2 workers'] - 1):+.1f}% by the medians, "
              f"{100 * (fastest['dask'] / fastest['2 workers'] - 1):+.1f}% by the fastest (goal: at most +15%)")
    print(f"every way gave the same table; load average after: {os.getloadavg()[0]:.2f} "
          f"(other processes on the machine make these timings noisy)")


if __name__ == "__main__":
    main()
