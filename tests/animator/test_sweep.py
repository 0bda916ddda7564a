"""Sweeps: grids, the same bits on any worker or a Dask cluster, resuming, the pictures, and one-line errors."""

import base64
import csv
import importlib.util
import io
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time

import numpy as np
import pytest
from renderers.writers import read_metadata
from PIL import Image

from animator import Recording, RunConfig, UserError
from animator.errors import ArgumentError
from animator.executors import InProcess, executor_for
from animator.sweep import Axis, log_range, make_sweep, run_sweep, table_text
from animator_app.grammar import parse_grid, sweep_from_text
from processes import alive, live_children
from animator.sweep_store import RunStore
from renderers.render import iter_frames
from renderers.sweep import DIVERGED_FILL, SweepMap
from renderers.sweep_grid import SweepGrid
from renderers.theme import hex_rgb
from renderers.writers import NullWriter

# 3 x 2 runs, one of each row diverging (lr 1e30), few epochs, small grids
GRID = ["--grid", "lr=0.5,1,1e30", "--grid", "momentum=0,0.9", "--set", "decay=1e-3"]
SMALL = ["--epochs", "120", "--frames", "6", "--resolution", "16", "-q"]
CONFIG = RunConfig(epochs=120, frames=6, grid_resolution=16)
SIZE = (640, 360)


def without_seconds(text):
    """The table with its timing column dropped: the only column that may differ between two sweeps."""
    rows = [line.split(",") for line in text.splitlines()]
    keep = [k for k, name in enumerate(rows[0]) if name != "seconds"]
    return [[row[k] for k in keep] for row in rows]


@pytest.fixture(scope="module")
def result():
    sweep = sweep_from_text("sgd", ["lr=0.5,1,1e30", "momentum=0,0.9"], {"decay": 1e-3}, CONFIG)
    return run_sweep(sweep)


# -- grids -------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("lr=0.1,1,10", Axis("lr", (0.1, 1.0, 10.0))),
    (" LR = 0.1 , 1 ", Axis("lr", (0.1, 1.0))),
    ("momentum=0", Axis("momentum", (0.0,))),
    ("lr=0.001..10/5", Axis("lr", (0.001, 0.01, 0.1, 1.0, 10.0))),
    ("lr=0.001..10/8", Axis("lr", (0.001, 0.00373, 0.0139, 0.0518, 0.193, 0.72, 2.68, 10.0))),
    ("decay=1e-4 .. 1e-2 / 3", Axis("decay", (1e-4, 1e-3, 1e-2))),
])
def test_grids_parse(text, expected):
    assert parse_grid(text, "sgd") == expected


def test_a_log_range_keeps_its_ends_and_rounds_between():
    assert log_range(0.02, 0.5, 3) == (0.02, 0.1, 0.5)
    values = log_range(1e-5, 1, 50)
    assert values[0] == 1e-5 and values[-1] == 1.0 and len(set(values)) == 50


def test_a_sweep_is_every_combination_in_row_major_order():
    sweep = sweep_from_text("adam", ["lr=0.01,0.1", "beta1=0.8,0.9,0.99"], ["decay=1e-5"], CONFIG)
    assert sweep.shape == (2, 3) and len(sweep) == 6
    assert sweep.cells()[:4] == [(0, 0), (0, 1), (0, 2), (1, 0)]
    assert dict(sweep.spec((1, 2)).hyperparameters) == {"decay": 1e-5, "lr": 0.1, "beta1": 0.99}
    config = sweep.run_config((1, 2))
    assert config.optimizer == "adam" and config.epochs == CONFIG.epochs


BAD_GRIDS = [
    (["--grid", "lr="], "--grid 'lr=': no values after 'lr='"),
    (["--grid", "lr=abc"], "--grid 'lr=abc': 'abc' is not a number"),
    (["--grid", "speed=1,2"], "--grid 'speed=1,2': 'speed' is not a hyper-parameter"),
    (["--grid", "rho=0.9,0.99"], "--grid 'rho=0.9,0.99': sgd has no hyper-parameter 'rho' (it takes lr, decay, "
                                 "momentum)"),
    (["--grid", "lr=1,2", "--grid", "momentum=0,0.5", "--grid", "decay=0,1e-3"], "--grid must be given once or twice"),
    (["--grid", "lr=0.001..10/1"], "--grid 'lr=0.001..10/1': a range needs at least 2 values (got 1)"),
    (["--grid", "lr=0.001..10"], "a range is LOW..HIGH/N"),
    (["--grid", "lr=0..1/4"], "a log-spaced range needs 0 < LOW < HIGH"),
    (["--grid", "lr=1,nan"], "'nan' is not a finite number"),
    (["--grid", "lr=1,1"], "1 comes twice"),
    (["--grid", "lr"], "--grid 'lr': expected NAME=V1,V2,... or NAME=LOW..HIGH/N"),
    (["--grid", "momentum=0.5,1.5"], "--grid at momentum=1.5: Invalid momentum value: 1.5"),
    (["--grid", "lr=1,2", "--grid", "lr=3"], "--grid lr is swept twice"),
    (["--grid", "lr=1,2", "--set", "lr=3"], "--set lr is swept by a grid"),
    (["--grid", "lr=1,2", "--set", "beta1=0.9"], "--set 'beta1=0.9': sgd has no hyper-parameter 'beta1'"),
    (["--optimizer", "adam", "--grid", "momentum=0,0.9"], "adam has no hyper-parameter 'momentum'"),
    (["--grid", "lr=1,2", "--resolution", "5000"], "--resolution must be between 2 and 2000"),
    ([], "the following arguments are required: --grid"),
]


@pytest.mark.parametrize("options, message", BAD_GRIDS)
def test_bad_grids_are_one_line_errors(cli, tmp_path, options, message):
    result = cli("sweep", *SMALL, *options, "--table", tmp_path / "t.csv")
    assert result.code == 2, result
    assert result.err.count("\n") == 1 and "Traceback" not in result.err
    assert message in result.err, result.err
    assert os.listdir(tmp_path) == []          # refused before any run or folder


@pytest.mark.parametrize("options, message", [
    ([], "say where the results go"),
    (["--table", "t.txt"], "must end in .csv"),
    (["-o", "x.npz"], "is a Recording, an input"),
    (["-o", "x.gif", "--size", "300x200"], "too small for a sweep's small multiples"),
    (["--table", "t.csv", "--scheduler", "localhost"], "--scheduler 'localhost' is not an address like tcp://"),
    (["--table", "t.csv", "--scheduler", "tcp://127.0.0.1:1", "--workers", "2"], "--workers is for local processes"),
])
def test_bad_outputs_are_one_line_errors(cli, tmp_path, monkeypatch, options, message):
    monkeypatch.chdir(tmp_path)
    result = cli("sweep", "--grid", "lr=1,2", *options, *SMALL)
    assert result.code == 2 and result.err.count("\n") == 1 and message in result.err, result
    assert os.listdir(tmp_path) == []


# -- the same bits wherever a run trains -------------------------------------------------------

@pytest.fixture(scope="module")
def local_sweeps(tmp_path_factory):
    """The small sweep through the command line with one worker and with two: tables and pictures."""
    from animator_app.cli import main

    made = {}
    for workers in (1, 2):
        folder = tmp_path_factory.mktemp(f"workers{workers}")
        for output in ("map.png", "grid.gif"):
            code = main(["sweep", *GRID, *SMALL, "--workers", str(workers), "--size", "640x360",
                         "--table", str(folder / "t.csv"), "-o", str(folder / output)])
            assert code == 0
        made[workers] = folder
    return made


def same_frames(a, b):
    """Whether two images (every frame of a GIF) have the same pixels and durations."""
    from PIL import Image, ImageSequence

    with Image.open(a) as first, Image.open(b) as second:
        frames = [[(f.convert("RGB").tobytes(), f.info.get("duration")) for f in ImageSequence.Iterator(im)]
                  for im in (first, second)]
    return frames[0] == frames[1]


def test_one_worker_and_two_give_the_same_table_and_pictures(local_sweeps):
    one, two = local_sweeps[1], local_sweeps[2]
    assert without_seconds((one / "t.csv").read_text()) == without_seconds((two / "t.csv").read_text())
    for picture in ("map.png", "grid.gif"):
        # the files differ only in the command line they carry (--workers, the folder)
        assert same_frames(one / picture, two / picture)
        a, b = read_metadata(str(one / picture)), read_metadata(str(two / picture))
        assert a["kind"] == "sweep" and {**a, "command": None} == {**b, "command": None}


def test_the_table_has_a_row_per_run(local_sweeps):
    lines = (local_sweeps[2] / "t.csv").read_text().splitlines()
    assert lines[0] == ("optimizer,lr,decay,momentum,final_loss,final_accuracy,best_accuracy,best_epoch,"
                        "diverged_at,seconds")
    rows = [line.split(",") for line in lines[1:]]
    assert [(r[1], r[3]) for r in rows] == [("0.5", "0.0"), ("0.5", "0.9"), ("1.0", "0.0"), ("1.0", "0.9"),
                                           ("1e+30", "0.0"), ("1e+30", "0.9")]
    assert all(r[0] == "sgd" and r[2] == "0.001" for r in rows)
    assert [r[8] for r in rows] == ["", "", "", "", "1", "1"]          # where the lr=1e30 runs diverged
    for r in rows:
        assert 0 <= float(r[5]) <= float(r[6]) <= 1 and 0 <= int(r[7]) <= 120 and float(r[9]) >= 0


def test_the_table_matches_a_solo_run(result):
    from animator import train

    solo = train(RunConfig(epochs=120, frames=6, grid_resolution=16,
                           hyperparameters={"lr": 1.0, "momentum": 0.9, "decay": 1e-3}))
    run = result.run_at((1, 1))
    assert run.final_loss == float(solo.loss[-1]) and run.final_accuracy == float(solo.accuracy[-1])
    assert np.array_equal(run.grid_probs[-1], solo.grid_probs[-1])


# Dask runs in a process of its own: a Dask client leaves threads behind, and forking a process with
# threads (as later tests and the local executor do) can deadlock.
needs_dask = pytest.mark.skipif(importlib.util.find_spec("distributed") is None,
                                reason="the dask extra is not installed (pip install -e '.[dask]')")

DASK_SWEEP = """
import sys
from distributed import LocalCluster
from animator_app.cli import main

if __name__ == "__main__":
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as cluster:
        code = main(sys.argv[1:] + ["--scheduler", cluster.scheduler_address])
    sys.exit(code)
"""


@needs_dask
def test_a_dask_cluster_gives_the_local_table(tmp_path, local_sweeps):
    script = tmp_path / "dask_sweep.py"
    script.write_text(DASK_SWEEP)
    completed = subprocess.run([sys.executable, str(script), "sweep", *GRID, *SMALL, "--size", "640x360",
                                "--table", "t.csv", "-o", "map.png"], cwd=tmp_path, capture_output=True, text=True,
                               timeout=120)
    assert completed.returncode == 0, completed.stderr
    local = local_sweeps[1]
    assert without_seconds((tmp_path / "t.csv").read_text()) == without_seconds((local / "t.csv").read_text())
    assert same_frames(tmp_path / "map.png", local / "map.png")


@needs_dask
def test_an_unreachable_scheduler_is_one_line_within_seconds(tmp_path):
    with socket.socket() as probe:           # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    completed = subprocess.run([sys.executable, "-m", "animator_app", "sweep", "--grid", "lr=1,2", *SMALL,
                                "--scheduler", f"tcp://127.0.0.1:{port}", "--table", "t.csv"], cwd=tmp_path,
                               capture_output=True, text=True, timeout=60)      # a hang fails here
    assert completed.returncode == 2 and completed.stderr.count("\n") == 1, completed.stderr
    assert f"cannot reach a Dask scheduler at tcp://127.0.0.1:{port} within 3 s" in completed.stderr
    assert os.listdir(tmp_path) == []


def test_without_dask_a_scheduler_says_how_to_install_it(cli, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)      # import distributed now fails
    outcome = cli("sweep", "--grid", "lr=1,2", *SMALL, "--scheduler", "tcp://127.0.0.1:8786",
                  "--table", tmp_path / "t.csv")
    assert outcome.code == 2 and "--scheduler needs the dask extra: pip install -e '.[dask]'" in outcome.err


# -- resuming ----------------------------------------------------------------------------------

class Counting(InProcess):
    """Runs in this process and counts them; stops with Ctrl-C after ``stop_after`` runs."""

    def __init__(self, stop_after=None):
        self.trained, self.stop_after = [], stop_after

    def map(self, function, tasks, *, on_progress=None):
        for task, result in super().map(function, tasks, on_progress=on_progress):
            self.trained.append(task.cell)
            yield task, result
            if self.stop_after is not None and len(self.trained) >= self.stop_after:
                raise KeyboardInterrupt


def test_an_interrupted_sweep_resumes_and_trains_only_the_rest(tmp_path, result):
    sweep, store = result.sweep, RunStore(tmp_path / "t.runs")
    first = Counting(stop_after=2)
    with pytest.raises(KeyboardInterrupt):
        run_sweep(sweep, executor=first, store=store)
    assert store.count() == 2
    second = Counting()
    resumed = run_sweep(sweep, executor=second, store=store)
    assert resumed.resumed == 2 and len(second.trained) == 4 and not set(first.trained) & set(second.trained)
    assert table_text(resumed).splitlines()[1:] != [] and \
        without_seconds(table_text(resumed)) == without_seconds(table_text(result))
    for a, b in zip(resumed.runs, result.runs):
        assert np.array_equal(a.grid_probs, b.grid_probs) and np.array_equal(a.frame_loss, b.frame_loss)
    third = Counting()
    run_sweep(sweep, executor=third, store=store)
    assert third.trained == []                  # everything finished: nothing trains again


def test_a_changed_setting_trains_anew(tmp_path, result):
    store = RunStore(tmp_path / "t.runs")
    run_sweep(result.sweep, store=store)
    changed = sweep_from_text("sgd", ["lr=0.5,1,1e30", "momentum=0,0.9"], {"decay": 1e-2}, CONFIG)
    counting = Counting()
    run_sweep(changed, executor=counting, store=store)
    assert len(counting.trained) == 6 and store.count() == 12


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="uses /proc")
@pytest.mark.parametrize("sig, status", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_ctrl_c_stops_every_worker_and_the_same_command_resumes(tmp_path, sig, status):
    command = [sys.executable, "-m", "animator_app", "sweep", "--grid", "lr=0.2,0.5,1", "--grid", "momentum=0,0.9",
               "--epochs", "1500", "--frames", "4", "--resolution", "12", "--workers", "2",
               "--table", "t.csv", "-o", "map.png"]
    process = subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    def finished():     # runs stored whole: a file being written (.NAME.part) is removed by the interrupt
        folder = tmp_path / "t.runs"
        return [name for name in os.listdir(folder) if not name.startswith(".")] if folder.is_dir() else []

    deadline = time.monotonic() + 120
    while len(finished()) < 2:
        assert time.monotonic() < deadline and process.poll() is None, process.communicate()
        time.sleep(0.02)
    workers = live_children(process.pid)
    process.send_signal(sig)
    out, err = process.communicate(timeout=60)
    assert process.returncode == status, err
    assert "Traceback" not in err and err.strip().endswith("animator: interrupted"), err
    assert "the same command resumes" in err
    assert sorted(os.listdir(tmp_path)) == ["t.runs"]               # no table, no picture, no .part
    kept = len(os.listdir(tmp_path / "t.runs"))
    assert 2 <= kept < 6
    assert len(workers) >= 2, workers       # the two training processes
    deadline = time.monotonic() + 30            # a hang guard: on a busy machine exits are slow
    while any(alive(pid) for pid in workers):
        assert time.monotonic() < deadline, "worker processes outlived the sweep"
        time.sleep(0.05)
    again = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stderr
    assert f"6 runs: {kept} finished earlier (kept in t.runs/), {6 - kept} trained" in again.stdout
    assert sorted(os.listdir(tmp_path)) == ["map.png", "t.csv", "t.runs"]


# -- pictures ----------------------------------------------------------------------------------

def test_small_multiples_have_a_frame_per_frame_epoch(result):
    grid = SweepGrid(result, size=SIZE)
    writer = NullWriter()
    with writer:
        for frame in iter_frames(grid, range(len(grid)), workers=1):
            writer.write(frame)
    assert writer.frames == len(result.frame_epochs) == 6 and writer.shape == (SIZE[1], SIZE[0], 3)


def test_small_multiples_frame_the_best_run_and_redden_the_diverged(result):
    grid = SweepGrid(result, size=SIZE)
    last = grid.frame(len(grid) - 1)
    cells = result.sweep.cells()
    best = cells.index(result.best().cell)
    x, y = grid.panels[best]
    assert tuple(last[y, x + grid.side // 2]) == hex_rgb(grid.theme.ink)
    diverged = cells.index((2, 0))
    x, y = grid.panels[diverged]
    assert tuple(last[y, x + grid.side // 2]) == hex_rgb(grid.theme.warning)
    assert tuple(grid.frame(0)[y, x + grid.side // 2]) != hex_rgb(grid.theme.warning)   # not yet at epoch 0
    # every panel shows its own run's regions, exactly as decision_regions draws them
    px, py, size = grid.panel_inside(best)
    assert np.array_equal(last[py:py + size, px:px + size], grid.region_image(best, len(grid) - 1))


def test_the_map_hatches_diverged_cells_and_labels_the_rest(result):
    still = SweepMap(result, size=SIZE)
    image = still.frame(0)
    x, y, w, h = still.maps[0]
    cell_w, cell_h = still.cell
    # row 2 (lr=1e30) diverged: mostly the diverged fill, under its hatching and label
    left, top = int(x + 0.1 * cell_w), int(y + 2 * cell_h + 0.1 * cell_h)
    patch = image[top:top + int(cell_h * 0.8), left:left + int(cell_w * 0.8)].reshape(-1, 3)
    assert np.mean(np.all(patch == hex_rgb(DIVERGED_FILL), axis=1)) > 0.5
    # a finished cell is one colour of the loss scale, not the diverged fill
    corner = image[int(y + 3), int(x + 3)]
    assert tuple(corner) != hex_rgb(DIVERGED_FILL)
    assert len(still) == 1 and still.epochs.tolist() == [120]


def test_the_page_is_offline_with_a_slider_per_grid(cli, tmp_path):
    outcome = cli("sweep", *GRID, *SMALL, "--workers", "1", "-o", tmp_path / "page.html")
    assert outcome.code == 0, outcome
    page = (tmp_path / "page.html").read_text(encoding="utf-8")
    code = re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "", page)      # the embedded pictures
    for reference in ("//", "http", "src=", "href", "url(", "@import", "fetch(", "XMLHttpRequest", "<link"):
        assert reference not in code, f"the page must fetch nothing: {reference}"
    assert re.findall(r'<input type="range" id="(\w+)"', page) == ["axis0", "axis1", "frame"]
    data = json.loads(re.search(r'<script type="application/json" id="sweep-data">(.*?)</script>', page,
                                re.S).group(1).replace("<\\/", "</"))
    assert [axis["labels"] for axis in data["axes"]] == [["0.5", "1", "1e+30"], ["0", "0.9"]]
    assert len(data["runs"]) == 6 and len(data["epochs"]) == 6 and data["start"] == [1, 1]
    for run in data["runs"]:
        strip = Image.open(io.BytesIO(base64.b64decode(run["strip"].split(",", 1)[1])))
        assert strip.size == (data["side"], data["side"] * 6)
    assert data["runs"][4]["diverged"] == 1 and data["runs"][4]["stop"] == 1
    again = tmp_path / "again.html"
    assert cli("sweep", *GRID, *SMALL, "--workers", "2", "-o", again).code == 0
    described = re.compile(rb' data-animator="[^"]*"')      # the command line differs: --workers
    assert described.sub(b"", again.read_bytes()) == described.sub(b"", (tmp_path / "page.html").read_bytes())
    assert read_metadata(str(again))["caption"].startswith("SGD sweep")


def test_saved_runs_are_whole_recordings(cli, tmp_path):
    outcome = cli("sweep", "--grid", "lr=0.5,1", *SMALL, "--table", tmp_path / "t.csv",
                  "--save-runs", tmp_path / "runs")
    assert outcome.code == 0, outcome
    assert sorted(os.listdir(tmp_path / "runs")) == [".animator-runs", "sgd_lr=0.5.npz", "sgd_lr=1.0.npz"]
    recording = Recording.load(tmp_path / "runs" / "sgd_lr=1.0.npz")
    row = (tmp_path / "t.csv").read_text().splitlines()[2].split(",")
    assert str(np.float32(recording.loss[-1])) == row[4] and len(recording.frame_epochs) == 6


def test_a_diverged_sweep_is_shown_not_crashed_on(cli, tmp_path):
    outcome = cli("sweep", "--optimizer", "adagrad", "--grid", "lr=1e37,1e38", *SMALL[:-1],
                  "--table", tmp_path / "t.csv", "-o", tmp_path / "map.png")
    assert outcome.code == 0, outcome
    assert "every run diverged" in outcome.out
    rows = list(csv.DictReader(io.StringIO((tmp_path / "t.csv").read_text())))
    assert [row["diverged_at"] for row in rows] == ["1", "1"] and [row["epsilon"] for row in rows] == ["1e-07"] * 2


def test_executor_for_picks_by_workers_and_scheme():
    assert isinstance(executor_for(workers=1), InProcess)
    assert executor_for(workers=3).workers == 3
    assert type(executor_for(scheduler="tcp://10.0.0.1:8786")).__name__ == "DaskCluster"
    with pytest.raises(UserError, match="unknown scheme 'http'"):
        executor_for(scheduler="http://10.0.0.1:8786")


def test_a_process_with_threads_spawns_its_workers_and_gets_the_same_bits(result):
    import threading

    from animator.executors import Processes, start_method

    assert start_method() == "fork"
    stop = threading.Event()
    waiting = threading.Thread(target=stop.wait, daemon=True)    # as a Dask client's event loop would
    waiting.start()
    try:
        assert start_method() == "spawn"
        spawned = run_sweep(result.sweep, executor=Processes(2))
    finally:
        stop.set()
        waiting.join()
    assert without_seconds(table_text(spawned)) == without_seconds(table_text(result))


def _die(task, on_epoch=None):
    os._exit(3)


def test_a_worker_that_dies_is_an_error_not_a_hang(result, hang_guard):
    from animator.executors import Processes
    from animator.sweep import tasks

    hang_guard(60)
    with pytest.raises(RuntimeError, match="a worker process died"):
        list(Processes(2).map(_die, tasks(result.sweep)))


@pytest.mark.parametrize("axis, words", [
    (Axis("lr", (0.1, 0.1)), "comes twice"),
    (Axis("lr", (float("nan"),)), "not a finite number"),
    (Axis("rho", (0.9,)), "sgd has no hyper-parameter 'rho'"),
    (Axis("lr", tuple(range(1, 60))), "1 to 50 values"),
])
def test_the_engine_takes_axes_as_values_and_checks_them(axis, words):
    with pytest.raises(ArgumentError) as caught:
        make_sweep("sgd", [axis], {}, CONFIG)
    assert caught.value.argument == "grids" and words in str(caught.value)
