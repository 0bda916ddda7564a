"""animator record: the book-typed chapter script (and the same code in a notebook) recorded, unchanged."""

import json
import os
import re
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from animator.recording import Recording

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT = os.path.join(ROOT, "tests", "data", "book_chapter10.py")
EPOCHS = "200"


def _run(*args, cwd):
    # a fresh process each: the chapter's nnfs.init() patches numpy for the whole process
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, cwd=cwd,
                          env={**os.environ, "PYTHONPATH": ROOT})


def _record(tmp_path, script, output, *extra):
    return _run("-m", "animator_app", "record", "-o", str(tmp_path / output), "--frames", "5", "--grid", "24",
                *extra, str(script), "--", EPOCHS, cwd=tmp_path)


@pytest.fixture(scope="module")
def plain(tmp_path_factory):
    done = _run(SCRIPT, EPOCHS, cwd=tmp_path_factory.mktemp("plain"))
    assert done.returncode == 0, done.stderr
    return done.stdout


def _check_numbers(recording, printed):
    lines = re.findall(r"epoch: (\d+), acc: ([0-9.]+), loss: ([0-9.]+), lr: (\S+)", printed)
    assert len(lines) == 3
    for epoch, accuracy, loss, rate in lines:
        row = recording.row(int(epoch))
        assert f"{recording.loss[row]:.3f}" == loss and f"{recording.accuracy[row]:.3f}" == accuracy
        assert repr(float(recording.learning_rate[row])) == rate


def test_the_script_prints_the_same_bytes_and_the_recording_holds_its_numbers(tmp_path, plain):
    done = _record(tmp_path, SCRIPT, "run.npz", "--epochs", EPOCHS)
    assert done.returncode == 0, done.stderr
    assert done.stdout == plain                        # the printed lines and the final weights' sums
    recording = Recording.load(tmp_path / "run.npz")
    _check_numbers(recording, plain)
    assert recording.frame_epochs.tolist() == [0, 50, 100, 150, 200]
    spec = recording.spec
    assert spec.source.script == "book_chapter10.py" and spec.source.adapter == "book"
    assert spec.optimizer.name == "adam" and spec.optimizer.complete()["decay"] == 5e-7
    weights, updates = recording["dense1.weights"], recording["dense1.weight_updates"]
    assert np.abs(updates).max() > 0 and not np.array_equal(weights[0], weights[-1])


def test_a_gif_shows_the_regions_changing_and_info_and_reproduce_know_it_was_recorded(tmp_path, plain):
    done = _record(tmp_path, SCRIPT, "run.gif", "--size", "480x270")
    assert done.returncode == 0, done.stderr and done.stdout == plain
    from PIL import Image

    with Image.open(tmp_path / "run.gif") as gif:
        frames = []
        for index in range(gif.n_frames):
            gif.seek(index)
            frames.append(np.asarray(gif.convert("RGB")))
    assert len(frames) >= 5 and not np.array_equal(frames[0], frames[-1])
    info = _run("-m", "animator_app", "info", "run.gif", cwd=tmp_path)
    assert info.returncode == 0 and "source:   recorded from book_chapter10.py" in info.stdout
    again = _run("-m", "animator_app", "reproduce", "run.gif", "-o", "again.gif", cwd=tmp_path)
    assert again.returncode == 2 and "running the script again" in again.stderr
    assert len(again.stderr.strip().splitlines()) == 1 and not (tmp_path / "again.gif").exists()


def test_the_optimizers_state_is_what_train_keeps_and_the_story_options_draw_from_it(tmp_path, plain):
    from PIL import Image

    from animator import RunConfig, train

    done = _record(tmp_path, SCRIPT, "run.npz", "--epochs", EPOCHS)
    assert done.returncode == 0, done.stderr
    recorded = Recording.load(tmp_path / "run.npz")
    trained = train(RunConfig(optimizer="adam", hyperparameters={"lr": 0.05, "decay": 5e-7}, epochs=int(EPOCHS),
                              frames=5, grid_resolution=24))
    for layer in (1, 2):
        for name in ("weights", "biases", "weight_momentums", "bias_momentums", "weight_cache", "bias_cache"):
            assert np.array_equal(recorded[f"dense{layer}.{name}"], trained[f"dense{layer}.{name}"]), (layer, name)
    # the peaks over every epoch's parameters as its forward pass used them, not as its update left them
    assert np.array_equal(recorded.arrays["param_peaks"], trained.arrays["param_peaks"])
    pictures = {}
    for name, extra in (("plain", ()), ("told", ("--show", "step-sizes", "--caption", "Figure 21 · Adam"))):
        done = _record(tmp_path, SCRIPT, f"{name}.png", "--epochs", EPOCHS, "--size", "960x540", *extra)
        assert done.returncode == 0 and done.stdout == plain, done.stderr
        pictures[name] = np.asarray(Image.open(tmp_path / f"{name}.png").convert("RGB")).astype(int)
    assert np.any(pictures["plain"] != pictures["told"])
    # the caption's line at the foot, under the plot: ink where the plain frame has page
    foot = slice(500, 540), slice(0, 300)
    assert np.abs(pictures["told"][foot] - pictures["plain"][foot]).max() > 100


def test_step_sizes_of_an_optimizer_without_a_cache_is_one_line_after_the_run_and_before_any_picture(tmp_path):
    with open(SCRIPT) as handle:
        code = handle.read()
    sgd = textwrap.dedent("""
        class Optimizer_SGD:
            def __init__(self, learning_rate=1.0, decay=0.0):
                self.learning_rate = self.current_learning_rate = learning_rate
                self.decay, self.iterations = decay, 0
            def pre_update_params(self):
                if self.decay:
                    self.current_learning_rate = self.learning_rate * (1. / (1. + self.decay * self.iterations))
            def update_params(self, layer):
                layer.weights += -self.current_learning_rate * layer.dweights
                layer.biases += -self.current_learning_rate * layer.dbiases
            def post_update_params(self):
                self.iterations += 1
        optimizer = Optimizer_SGD()
        """)
    script = tmp_path / "sgd.py"
    script.write_text(code.replace("optimizer = Optimizer_Adam(learning_rate=0.05, decay=5e-7)\n", sgd))
    done = _record(tmp_path, script, "run.gif", "--show", "step-sizes")
    assert done.returncode == 2 and "--show step-sizes is for optimizers that keep a cache" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and not (tmp_path / "run.gif").exists()
    early = _record(tmp_path, SCRIPT, "run.npz", "--caption", "Figure 21")
    assert early.returncode == 2 and early.stdout == "" and "--caption needs -o with an animation" in early.stderr


def test_many_regions_are_evaluated_in_a_helper_process_to_the_bit(tmp_path, plain):
    from animator.frames import decision_grid
    from animator.grids_ahead import PROCESS_CELLS

    frames, grid = 40, 160
    assert frames * grid ** 2 >= PROCESS_CELLS          # so the regions go to the helper process, not a thread
    done = _run("-m", "animator_app", "record", "-o", str(tmp_path / "run.npz"), "--frames", str(frames),
                "--grid", str(grid), "--epochs", EPOCHS, str(SCRIPT), "--", EPOCHS, cwd=tmp_path)
    assert done.returncode == 0 and done.stdout == plain, done.stderr
    recording = Recording.load(tmp_path / "run.npz")
    assert recording.param_epochs.tolist() == recording.frame_epochs.tolist()
    layers = (1, 2)
    expected = decision_grid([[recording[f"dense{i}.weights"][k] for i in layers] for k in range(frames)],
                             [[recording[f"dense{i}.biases"][k] for i in layers] for k in range(frames)],
                             recording.arrays["grid_extent"], grid)
    assert np.array_equal(recording.arrays["grid_probs"], expected)


def test_the_same_code_in_a_notebook(tmp_path, plain):
    with open(SCRIPT) as handle:
        code = handle.read()
    head, loop = code.split("X, y = spiral_data", 1)
    cells = ["%matplotlib inline\n" + head, "X, y = spiral_data" + loop]
    notebook = {"nbformat": 4, "nbformat_minor": 5, "metadata": {"language_info": {"name": "python"}},
                "cells": [{"cell_type": "code", "source": cell, "metadata": {}, "outputs": [],
                           "execution_count": None} for cell in cells]}
    (tmp_path / "chapter.ipynb").write_text(json.dumps(notebook))
    done = _record(tmp_path, tmp_path / "chapter.ipynb", "run.npz")
    assert done.returncode == 0, done.stderr
    assert done.stdout == plain
    _check_numbers(Recording.load(tmp_path / "run.npz"), plain)


NOT_A_MODEL = {
    "nothing.py": ("print('hello')\n", "no optimizer call found"),
    "no_dense.py": ("class Opt:\n    def update_params(self, layer):\n        pass\n"
                    "Opt().update_params(object())\n", "not a Dense layer"),
    "two.py": (None, "more than one model"),
}


@pytest.mark.parametrize("name", sorted(NOT_A_MODEL))
def test_an_unrecognisable_script_is_one_line_exit_2_no_file(tmp_path, name):
    text, message = NOT_A_MODEL[name]
    if text is None:   # the chapter trained twice, by two optimizers
        with open(SCRIPT) as handle:
            code = handle.read()
        start = code.index("X, y = spiral_data")
        text = code[:start] + code[start:].replace("optimizer = Optimizer_Adam(", "optimizer = Optimizer_Adam(") * 2
    (tmp_path / name).write_text(text)
    done = _run("-m", "animator_app", "record", "-q", "-o", "run.gif", name, "--", "20", cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert message in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "run.gif").exists()


def test_the_issues_order_and_the_loops_own_range(tmp_path, plain):
    # record SCRIPT -- ARGS -o FILE, and no --epochs: the frames are train's, read from the loop's range(...)
    done = _run("-m", "animator_app", "record", "-q", "--frames", "5", "--grid", "24", str(SCRIPT), "--", EPOCHS,
                "-o", "run.npz", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout == plain
    recording = Recording.load(tmp_path / "run.npz")
    assert recording.frame_epochs.tolist() == [0, 50, 100, 150, 200] and recording.spec.config.epochs == 200
    assert recording.param_epochs.tolist() == [0, 50, 100, 150, 200]      # no epoch kept that is not a frame


@pytest.mark.parametrize("argv, script_args, output", [
    (["mine.py", "--", "5000", "-o", "run.gif"], ("5000",), "run.gif"),
    (["mine.py", "--", "5000", "--output", "run.npz"], ("5000",), "run.npz"),
    (["mine.py", "--", "5000", "--output=run.npz"], ("5000",), "run.npz"),
    (["mine.py", "--", "-orun.gif"], (), "run.gif"),
    (["mine.py", "-o", "a.gif", "--", "5000"], ("5000",), "a.gif"),           # options anywhere before --
    (["-o", "a.gif", "mine.py", "--", "5000", "-o", "x"], ("5000", "-o", "x"), "a.gif"),   # -o given: the script's
    (["mine.py", "--", "-o", "x", "5000"], ("-o", "x", "5000"), None),          # not last: the script's
    (["mine.py", "--frames", "3", "--", "--frames", "9"], ("--frames", "9"), None),
])
def test_where_the_arguments_go(argv, script_args, output):
    from animator_app.commands.parser import parse
    from animator_app.commands.record import split_output

    _, options = parse(["record", *argv])
    options = split_output(options)
    assert (options.script, options.script_args, options.output) == ("mine.py", script_args, output)


def test_data_the_recorder_refuses_is_the_scripts_in_one_line(tmp_path):
    with open(SCRIPT) as handle:
        code = handle.read()
    start = code.index("X, y = spiral_data(samples=100, classes=3)")
    end = start + len("X, y = spiral_data(samples=100, classes=3)")
    (tmp_path / "nan.py").write_text(code[:end] + "\nX[0, 0] = np.nan" + code[end:])
    done = _run("-m", "animator_app", "record", "-q", "-o", "run.gif", "nan.py", "--", "20", cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip() == ("animator: error: nan.py: what the script trains cannot be recorded: "
                                   "X must be finite numbers (it holds nan or inf)")
    assert not (tmp_path / "run.gif").exists()
