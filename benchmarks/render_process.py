"""Whole-process `animator render` against the naive peer, side by side in one run.

    python benchmarks/render_process.py [--repeats 3] [--peer ../shared/bench/naive_matplotlib.py]
                                        [--workers N] [--hold 0] [--run RUN.npz] [--no-breakdown]

The Recording is made once, as a user would:
``animator train --decay 1e-3 --momentum 0.9 --frames 100 -o RUN.npz -q``
(10,000 epochs of SGD, lr 1).  Then, alternating, ``--repeats`` times for GIF
and MP4:

* ours: wall clock from spawn to exit of ``animator render RUN.npz -o out.gif -q``
  (Python start-up, imports, loading the .npz, static drawing, frames, writing);
* the peer (``naive_matplotlib.py``, the same run, 100 frames, 960x540, 25 fps):
  wall clock from spawn to exit, less the training time it prints itself
  (``train X.XXs render Y.YYs ...``), i.e. its imports, figure set-up and frames.

The ratio is peer / ours (how many times faster the whole ``animator render``
is).  ``--hold 0`` by default so both files hold the same 100 frames (the CLI's
default ``--hold 2`` adds 50 repeated frames to an MP4 and only a longer last
delay to a GIF).  Both commands run the interpreter directly (the console script
beside ``sys.executable``), not through a pyenv shim, which adds ~50 ms.

Then a start-up breakdown of one fresh ``animator render`` process per format,
timed inside it with the same code path as the CLI (``animator_app.cli.main``):
interpreter start, importing the CLI, importing the renderers (matplotlib, PIL),
``Recording.load`` (the .npz), ``TrainingAnimation`` construction (the static
matplotlib drawing), what ``write_animation`` does before the frame loop (GIF:
four sample frames and the palette), the time to the first frame (worker fork),
the remaining frames, and the largest imports from ``python -X importtime``.
"""

import argparse
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_PEER = os.path.normpath(os.path.join(HERE, "..", "..", "shared", "bench", "naive_matplotlib.py"))
KINDS = ("gif", "mp4")


def animator_command():
    """The console script beside this interpreter (no pyenv shim), else ``python -m animator_app``."""
    script = os.path.join(os.path.dirname(sys.executable), "animator")
    if os.path.isfile(script):
        with open(script, "rb") as handle:
            if handle.read(2) == b"#!" and b"python" in handle.readline():
                return [script]
    return [sys.executable, "-m", "animator_app"]


def timed(command, **kwargs):
    """Wall seconds from spawn to exit, and the completed process (``.cpu``: its and its children's CPU s)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    completed = subprocess.run(command, capture_output=True, text=True, **kwargs)
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    completed.cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    if completed.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} exited {completed.returncode}:\n{completed.stderr.strip()}")
    return seconds, completed


def run_peer(peer, out, frames, epochs):
    """(whole-process seconds, its own training seconds, its own render seconds)."""
    seconds, completed = timed([sys.executable, peer, out, "--epochs", str(epochs), "--frames", str(frames),
                                "--size", "960x540", "--fps", "25"])
    match = re.search(r"train ([\d.]+)s render ([\d.]+)s\s+frames (\d+)", completed.stdout)
    if not match:
        raise RuntimeError(f"cannot parse the peer's timings from: {completed.stdout!r}")
    if int(match.group(3)) != frames:
        raise RuntimeError(f"the peer drew {match.group(3)} frames, not {frames}")
    return seconds, float(match.group(1)), float(match.group(2))


# -- the breakdown, run inside a fresh process ----------------------------------------------

_PROBE = r'''
import sys, time, json
T = {"start": time.perf_counter()}
import animator_app.cli as cli
T["cli imported"] = time.perf_counter()
import renderers, renderers.render
rr = sys.modules["renderers.render"]
from renderers.training import TrainingAnimation
from animator.recording import Recording
T["renderers imported"] = time.perf_counter()
marks = {}

def wrap(owner, name, before, after, is_class=False):
    original = getattr(owner, name, None)
    if original is None:
        return
    func = original.__func__ if is_class else original
    def wrapper(*a, **k):
        marks.setdefault(before, time.perf_counter())
        try:
            return func(*a, **k)
        finally:
            marks.setdefault(after, time.perf_counter())
    setattr(owner, name, classmethod(wrapper) if is_class else wrapper)

wrap(Recording, "load", "load start", "load end", is_class=True)
wrap(TrainingAnimation, "__init__", "static start", "static end")
def timed_frames(original):
    def frames(*a, **k):
        marks.setdefault("frames start", time.perf_counter())
        for item in original(*a, **k):
            marks["last frame"] = time.perf_counter()
            marks.setdefault("first frame", marks["last frame"])
            yield item
    return frames
rr.iter_frames = timed_frames(rr.iter_frames)
rr.iter_encoded = timed_frames(rr.iter_encoded)   # a GIF's frames are encoded in the workers, through iter_encoded
code = cli.main(sys.argv[1:])
T["end"] = time.perf_counter()
T.update(marks)
print("PROBE" + json.dumps({"code": code, "t": T}))
'''

STAGES = [  # (label, from mark, to mark)
    ("import animator_app.cli", "start", "cli imported"),
    ("import renderers, matplotlib, PIL (rest)", "cli imported", "renderers imported"),
    ("argparse + option checks", "renderers imported", "load start"),
    ("Recording.load (the .npz)", "load start", "load end"),
    ("static drawing (TrainingAnimation())", "static start", "static end"),
    ("writer set-up (GIF: sample frames+palette)", "static end", "frames start"),
    ("fork workers -> first frame", "frames start", "first frame"),
    ("remaining frames (parent receives+writes)", "first frame", "last frame"),
    ("finish file (ffmpeg flush, rename), main", "last frame", "end"),
]


def probe(command_args, cwd):
    seconds, completed = timed([sys.executable, "-c", _PROBE, *command_args], cwd=cwd)
    line = next(l for l in completed.stdout.splitlines() if l.startswith("PROBE"))
    import json

    return seconds, json.loads(line[5:])["t"]


def import_summary(cwd, top=10):
    """Self time of every module imported on the render path, summed per top-level package (``-X importtime``)."""
    code = ("import animator_app.cli, renderers, renderers.render, renderers.training, animator.recording, "
            "imageio_ffmpeg")
    completed = subprocess.run([sys.executable, "-X", "importtime", "-c", code], capture_output=True,
                               text=True, cwd=cwd)
    per_package = {}
    for line in completed.stderr.splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|\s*(\S+)", line)
        if match:
            root = match.group(3).split(".")[0]
            per_package[root] = per_package.get(root, 0) + int(match.group(1))
    total = sum(per_package.values())
    return total, sorted(((us, name) for name, us in per_package.items()), reverse=True)[:top]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--frames", type=int, default=100)
    parser.add_argument("--epochs", type=int, default=10000)
    parser.add_argument("--peer", default=DEFAULT_PEER)
    parser.add_argument("--workers", type=int, default=None, help="passed to animator render (default: its own)")
    parser.add_argument("--hold", type=float, default=0.0, help="animator render --hold (default: 0, as the peer)")
    parser.add_argument("--run", metavar="RUN.npz", help="render this Recording instead of training one")
    parser.add_argument("--no-breakdown", action="store_true", help="skip the start-up breakdown")
    parser.add_argument("--keep", metavar="DIR", help="write the outputs here instead of a temporary directory")
    args = parser.parse_args()

    animator = animator_command()
    load_before = os.getloadavg()[0]
    options = ["--hold", f"{args.hold:g}", "-q"] + (["--workers", str(args.workers)] if args.workers else [])
    tmp = args.keep or tempfile.mkdtemp(prefix="render_process.")
    os.makedirs(tmp, exist_ok=True)
    try:
        run = os.path.abspath(args.run) if args.run else os.path.join(tmp, "RUN.npz")
        train_seconds = None
        if not args.run:
            train_seconds, _ = timed([*animator, "train", "--epochs", str(args.epochs), "--decay", "1e-3",
                                      "--momentum", "0.9", "--frames", str(args.frames), "-o", run, "-q"])
        times = {key: [] for key in ("ours gif", "ours mp4", "peer gif", "peer mp4", "peer gif whole",
                                     "peer mp4 whole", "peer gif render", "peer mp4 render", "peer train", "ours gif cpu", "ours mp4 cpu")}
        sizes = {}
        for _ in range(args.repeats):
            for kind in KINDS:
                out = os.path.join(tmp, f"peer.{kind}")
                whole, train, render = run_peer(args.peer, out, args.frames, args.epochs)
                times[f"peer {kind}"].append(whole - train)
                times[f"peer {kind} whole"].append(whole)
                times[f"peer {kind} render"].append(render)
                times["peer train"].append(train)
                sizes[f"peer {kind}"] = os.path.getsize(out)
                out = os.path.join(tmp, f"ours.{kind}")
                seconds, completed = timed([*animator, "render", run, "-o", out, *options])
                times[f"ours {kind}"].append(seconds)
                times[f"ours {kind} cpu"].append(completed.cpu)
                sizes[f"ours {kind}"] = os.path.getsize(out)
        med = {key: statistics.median(values) for key, values in times.items()}

        start_python = statistics.median(timed([sys.executable, "-c", "pass"])[0] for _ in range(5))
        import_cli = statistics.median(timed([sys.executable, "-c", "import animator_app.cli"])[0]
                                       for _ in range(5))
        breakdown = {}
        if not args.no_breakdown:
            for kind in KINDS:
                runs = [probe(["render", run, "-o", os.path.join(tmp, f"probe.{kind}"), *options], tmp)
                        for _ in range(args.repeats)]
                breakdown[kind] = runs
            import_total, imports = import_summary(tmp)

        print(f"`animator render RUN.npz -o out.{{gif,mp4}} {' '.join(options)}` vs the peer less its training: "
              f"{args.frames} frames at 960x540, 25 fps, from a {args.epochs}-epoch SGD run "
              f"(lr 1, decay 1e-3, momentum 0.9); median of {args.repeats}, cores: {os.cpu_count()}, "
              f"load average {load_before:.1f} at start, {os.getloadavg()[0]:.1f} at end")
        print(f"  Recording: {os.path.getsize(run) / 1e6:.1f} MB"
              + (f", made by `animator train` in {train_seconds:.2f} s" if train_seconds else ""))
        print(f"  {'':5s} {'peer whole':>11s} {'peer train':>11s} {'peer less train':>16s} {'(its render)':>13s} "
              f"{'ours whole':>11s} {'(its CPU)':>10s} {'peer/ours':>10s} {'bytes peer':>12s} {'bytes ours':>12s}")
        for kind in KINDS:
            ratio = med[f"peer {kind}"] / med[f"ours {kind}"]
            print(f"  {kind.upper():5s} {med[f'peer {kind} whole']:10.2f}s {med['peer train']:10.2f}s "
                  f"{med[f'peer {kind}']:15.2f}s {med[f'peer {kind} render']:12.2f}s "
                  f"{med[f'ours {kind}']:10.3f}s {med[f'ours {kind} cpu']:9.2f}s {ratio:9.1f}x {sizes[f'peer {kind}']:12,d} "
                  f"{sizes[f'ours {kind}']:12,d}")
            need = med[f"peer {kind}"] / 25
            print(f"  {'':5s} 25x needs ours <= {need * 1000:.0f} ms (now {med[f'ours {kind}'] * 1000:.0f} ms, "
                  f"{(med[f'ours {kind}'] - need) * 1000:+.0f} ms)")
        print(f"  bare `python -c pass` {start_python * 1000:.0f} ms; `python -c 'import animator_app.cli'` "
              f"{import_cli * 1000:.0f} ms")
        if breakdown:
            print(f"  inside one `animator render` process (ms, median of {args.repeats}):")
            print(f"    {'stage':40s} " + " ".join(f"{k.upper():>8s}" for k in KINDS))
            rows = [("python start-up (python -c pass)", {k: start_python * 1000 for k in KINDS})]
            for label, a, b in STAGES:
                values = {}
                for kind in KINDS:
                    spans = [t[b] - t[a] for _, t in breakdown[kind] if a in t and b in t]
                    values[kind] = statistics.median(spans) * 1000 if spans else float("nan")
                rows.append((label, values))
            rows.append(("interpreter exit (whole - python - main)",
                         {k: statistics.median(w - start_python - (t["end"] - t["start"])
                                               for w, t in breakdown[k]) * 1000 for k in KINDS}))
            for label, values in rows:
                print(f"    {label:40s} " + " ".join(f"{values[k]:8.0f}" for k in KINDS))
            first = {k: statistics.median(start_python + t["first frame"] - t["start"] for _, t in breakdown[k]
                                          if "first frame" in t) * 1000 for k in KINDS}
            whole = {k: statistics.median(w for w, _ in breakdown[k]) * 1000 for k in KINDS}
            print(f"    {'= spawn to first frame':40s} " + " ".join(f"{first[k]:8.0f}" for k in KINDS))
            print(f"    {'= whole process (this probe)':40s} " + " ".join(f"{whole[k]:8.0f}" for k in KINDS))
            print(f"  imports on the render path by package (python -X importtime, self time summed; "
                  f"all {import_total / 1000:.0f} ms):")
            for self_us, name in imports:
                print(f"    {name:40s} {self_us / 1000:7.1f} ms")
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
