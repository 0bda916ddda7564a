"""The chapter's big commands in units of T, the book's own code for the chapter's run, measured in one run.

    python benchmarks/chapter_speed.py [--repeats 3] [--skip-book] [--skip-compare]

T is ``tests/book_loop.py`` training the chapter's run (SGD, decay 1e-3, momentum
0.9, 10,000 epochs, printing every 100), timed as a whole process from spawn to
exit, as a reader runs it.  Then, alternating with T ``--repeats`` times, each a
fresh process in a fresh folder:

* ``animator book -o DIR -q``: every figure of the chapter and the gallery, with an
  empty cache: ``XDG_CACHE_HOME`` is a new folder, so no run is taken from the user's
  cache of trained runs, which every book on the machine shares; matplotlib's list of
  the installed fonts, kept there too, is copied in (issue 21's goal: at
  most 7.5 T), its CPU seconds (the process and its workers) and the largest resident
  size of any one of them;
* the same book into another new folder with that cache filled (what a teacher's
  re-run after a change of look costs: every figure drawn, nothing trained);
* ``animator compare --preset chapter -o race.gif -q``: the four tuned optimizers
  trained in parallel and the race drawn (goal: at most 1.8 T).

Prints each median, the ratio to T's median, and the load average before and
after, so a busy machine shows.  The console script beside this interpreter is
run directly (no pyenv shim).
"""

import argparse
import json
import os
import resource
import statistics
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(1, os.path.join(os.path.dirname(HERE), "tests"))
from paths import font_list_into                      # noqa: E402
from render_process import animator_command, timed   # noqa: E402

BOOK_LOOP = os.path.join(os.path.dirname(HERE), "tests", "book_loop.py")
CHAPTER = json.dumps({"optimizer": "sgd", "lr": 1.0, "decay": 1e-3, "momentum": 0.9})


def measures(skip_book, skip_compare):
    ours = animator_command()
    table = {"T: the book's code (tests/book_loop.py)": lambda out: [sys.executable, BOOK_LOOP, CHAPTER, "10000", "100"]}
    if not skip_book:
        # out/cache is XDG_CACHE_HOME (see main): the first book trains every run, the second takes them from it
        book = [*ours, "book", "-q", "-o"]
        table["animator book -o DIR (empty cache)"] = lambda out: [*book, os.path.join(out, "book")]
        table["  again, new DIR, runs cached"] = lambda out: [*book, os.path.join(out, "book2")]
    if not skip_compare:
        table["animator compare --preset chapter -o race.gif"] = (
            lambda out: [*ours, "compare", "--preset", "chapter", "-o", os.path.join(out, "race.gif"), "-q"])
    return table


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--skip-book", action="store_true")
    parser.add_argument("--skip-compare", action="store_true")
    args = parser.parse_args(argv)
    table = measures(args.skip_book, args.skip_compare)
    wall = {name: [] for name in table}
    cpu = {name: [] for name in table}
    peak = {name: 0 for name in table}
    load = os.getloadavg()[0]
    for _ in range(args.repeats):
        with tempfile.TemporaryDirectory() as shared:
            # one new user cache per repeat, shared by its two books: the user's own cache is never read
            env = dict(os.environ, XDG_CACHE_HOME=os.path.join(shared, "cache"))
            # a new XDG_CACHE_HOME empties animator's cache of runs, and would hide matplotlib's font list kept
            # there too: every command would first scan every installed font, as no user's machine does after
            # matplotlib's first use
            font_list_into(os.path.join(shared, "cache", "matplotlib"))
            for name, command in table.items():
                seconds, completed = timed(command(shared), cwd=shared, env=env)
                wall[name].append(seconds)
                cpu[name].append(completed.cpu)
                # the children's largest resident set so far (kB on Linux): grows monotonically over the run
                peak[name] = max(peak[name], resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024)
    t = statistics.median(next(iter(wall.values())))
    print(f"median of {args.repeats}, {os.cpu_count()} cores, load average {load:.2f} before, "
          f"{os.getloadavg()[0]:.2f} after")
    print(f"{'command':48s} {'wall s':>7s} {'CPU s':>7s} {'in T':>6s}")
    for name in table:
        median = statistics.median(wall[name])
        print(f"{name:48s} {median:7.2f} {statistics.median(cpu[name]):7.2f} {median / t:6.2f}")
    print(f"largest resident size of any process so far: {max(peak.values())} MB")


if __name__ == "__main__":
    main()
