"""The command line: bad input, help, divergence, Ctrl-C, and files that are never half-written."""

import os
import re
import signal
import subprocess
import sys
import warnings

import numpy as np
import pytest

from animator import Recording, RunConfig, train
from animator_app.cli import build_parser

SMALL = ["--epochs", "3", "--frames", "2", "--grid", "8"]


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path


BAD_CSV = {
    "letters.csv": ("x,y,label\n0.1,0.2,0\n0.3,abc,1\n", "letters.csv, row 3: 'abc' is not a number"),
    "nan.csv": ("0.1,0.2,0\nnan,0.2,1\n", "nan.csv, row 2: 'nan' is not a finite number"),
    "inf.csv": ("0.1,0.2,0\n0.5,-inf,1\n", "inf.csv, row 2: '-inf' is not a finite number"),
    "one-class.csv": ("0.1,0.2,0\n0.3,0.4,0\n", "one-class.csv: needs at least 2 classes"),
    "gap.csv": ("0,0,0\n1,1,1\n2,2,3\n", "gap.csv, row 3: label 3 but label 2 never appears"),
    "negative.csv": ("0,0,0\n1,1,-1\n", "negative.csv, row 2: label '-1' is not a whole number"),
    "fraction.csv": ("0,0,0\n1,1,0.5\n", "fraction.csv, row 2: label '0.5' is not a whole number"),
    "columns.csv": ("0,0,0\n1,1\n", "columns.csv, row 2: expected 3 columns (x, y, label), found 2"),
    "empty.csv": ("x,y,label\n", "empty.csv: no data rows"),
}


@pytest.mark.parametrize("name", BAD_CSV)
def test_bad_csv_files(cli, tmp_path, name):
    text, message = BAD_CSV[name]
    result = cli("train", "--data", write(tmp_path, name, text), *SMALL)
    assert result.code == 2
    assert result.out == ""
    assert result.err.count("\n") == 1 and "Traceback" not in result.err
    assert message in result.err


BAD_OPTIONS = [
    (["--lr", "-1"], "Invalid learning rate: -1.0"),
    (["--lr", "nan"], "argument --lr: must be a finite number (got 'nan')"),
    (["--lr", "inf"], "argument --lr: must be a finite number (got 'inf')"),
    (["--lr", "fast"], "argument --lr: invalid number: 'fast'"),
    (["--momentum", "1.5"], "Invalid momentum value: 1.5"),
    (["--decay", "-0.1"], "Invalid decay value: -0.1"),
    (["--optimizer", "adam", "--beta2", "1"], "Invalid beta parameter at index 1: 1.0"),
    (["--optimizer", "adam", "--beta1", "-0.5"], "Invalid beta parameter at index 0: -0.5"),
    (["--optimizer", "adagrad", "--epsilon", "0"], "Invalid epsilon value: 0.0"),
    (["--optimizer", "rmsprop", "--rho", "1"], "Invalid rho value: 1.0"),
    (["--optimizer", "adam", "--momentum", "0.9"], "adam has no hyper-parameter 'momentum'"),
    (["--optimizer", "sgd", "--rho", "0.9"], "sgd has no hyper-parameter 'rho'"),
    (["--optimizer", "lbfgs"], "argument --optimizer: invalid choice: 'lbfgs'"),
    (["--dataset", "swirl"], "argument --dataset: invalid choice: 'swirl'"),
    (["--dataset", "xor", "--classes", "3"], "the xor dataset has exactly 2 classes"),
    (["--dataset", "moons", "--classes", "4"], "the moons dataset has exactly 2 classes"),
    (["--classes", "1"], "argument --classes: must be at least 2 (got 1)"),
    (["--samples", "0"], "argument --samples: must be at least 1 (got 0)"),
    (["--hidden", "64,x"], "argument --hidden: expected sizes like 64 or 64,32"),
    (["--hidden", "0"], "argument --hidden: hidden sizes must be positive"),
    (["--epochs", "-5"], "argument --epochs: must be at least 0 (got -5)"),
    (["--epochs", "ten"], "argument --epochs: invalid integer value: 'ten'"),
    (["--frames", "0"], "argument --frames: must be at least 1 (got 0)"),
    (["--every", "0"], "argument --every: must be at least 1 (got 0)"),
    (["--grid", "1"], "argument --grid: must be at least 2 (got 1)"),
    (["--grid", "5000"], "--grid must be between 2 and 2000"),
    (["--print-every", "-1"], "argument --print-every: must be at least 0 (got -1)"),
    (["--seed", "-1"], "argument --seed: must be at least 0 (got -1)"),
    (["--workers", "0"], "argument --workers: must be at least 1 (got 0)"),
    (["--workers", "-2"], "argument --workers: must be at least 1 (got -2)"),
    (["--fps", "inf"], "argument --fps: must be a finite number (got 'inf')"),
    (["--hold", "nan"], "argument --hold: must be a finite number (got 'nan')"),
    (["--grid-padding", "nan"], "argument --grid-padding: must be a finite number (got 'nan')"),
    (["--size", "100000x100"], "argument --size: expected WIDTHxHEIGHT between 1x1 and 7680x4320"),
    (["--grid-padding", "-1"], "--grid-padding must be between 0 and 10"),
    (["--data", "/no/such/file.csv"], "/no/such/file.csv: no such data file"),
    (["--data", "/"], "/: is a directory, not a regular file"),
    (["-o", "run.txt"], "run.txt: unknown output type '.txt'"),
    (["-o", "/no/such/dir/run.npz"], "directory /no/such/dir does not exist"),
    (["--bogus"], "unrecognized arguments: --bogus"),
]


@pytest.mark.parametrize("args, message", BAD_OPTIONS, ids=lambda a: " ".join(a) if isinstance(a, list) else "")
def test_bad_options(cli, args, message):
    result = cli("train", *SMALL, *args)
    assert result.code == 2, result
    assert result.out == ""
    assert result.err.count("\n") == 1 and "Traceback" not in result.err, result.err
    assert result.err.startswith("animator: error: ")
    assert message in result.err


def test_unwritable_directory_fails_before_training(cli, tmp_path):
    if os.geteuid() == 0:
        target = "/sys/run.npz"  # root writes everywhere but sysfs
    else:
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        target = locked / "run.npz"
    result = cli("train", "--epochs", "100000", "-o", target)
    assert result.code == 2 and result.out == ""
    assert "is not writable" in result.err and result.err.count("\n") == 1


def test_debug_shows_the_traceback(cli):
    with pytest.raises(Exception):
        cli("train", *SMALL, "--lr", "-1", "--debug")


def test_help_documents_every_option_with_its_default():
    parser = build_parser()
    commands = parser._subparsers._group_actions[0].choices
    assert set(commands) >= {"train", "render", "compare", "descent", "book"}
    for name, sub in commands.items():
        text = sub.format_help()
        for action in sub._actions:
            if not action.option_strings or action.dest == "help":
                continue
            assert action.option_strings[-1] in text, (name, action.dest)
            if action.nargs != 0 and not action.required:    # flags are off unless given
                assert "default" in action.help, (name, action.dest)
    train_text = commands["train"].format_help()
    for option in ("--lr", "--momentum", "--rho", "--beta1", "--beta2", "--epsilon", "--decay", "--seed",
                   "--frames", "--frame-spacing", "--grid", "--print-every", "--epochs", "--hidden", "--size",
                   "--fps", "--hold", "--theme"):
        assert option in train_text
    completed = subprocess.run([sys.executable, "-m", "animator_app.cli", "train", "--help"],
                               capture_output=True, text=True)
    assert completed.returncode == 0 and "default: 10000" in completed.stdout
    completed = subprocess.run([sys.executable, "-m", "animator_app.cli", "--help"], capture_output=True, text=True)
    assert completed.returncode == 0 and "train" in completed.stdout and "book" in completed.stdout


def test_quiet_prints_nothing(cli, tmp_path):
    result = cli("train", *SMALL, "-q", "-o", tmp_path / "r.npz")
    assert result.code == 0 and result.out == "" and result.err == ""
    assert (tmp_path / "r.npz").exists()


def test_print_every(cli):
    result = cli("train", "--epochs", "10", "--print-every", "5", "--frames", "2", "--grid", "8")
    assert [line.split(",")[0] for line in result.out.splitlines()] == ["epoch: 0", "epoch: 5", "epoch: 10"]
    assert cli("train", *SMALL, "--print-every", "0").out == ""


# -- divergence ------------------------------------------------------------------------

def test_divergence_is_reported_and_saved(cli, tmp_path):
    out = tmp_path / "diverged.npz"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = cli("train", "--lr", "1e30", "--epochs", "100", "--frames", "5", "--grid", "8", "-o", out)
    assert result.code == 0
    assert "diverged at epoch 1: loss is nan (lr=1e+30)\n" in result.err
    recording = Recording.load(out)
    assert recording.diverged_at == 1
    assert recording.status.divergence_cause == "loss is nan"
    assert len(recording.epochs) == 1 and np.isfinite(recording.loss).all()
    assert recording.frame_epochs.tolist() == [0]


def test_divergence_in_the_parameters_stops_the_loop_without_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        recording = train(RunConfig(optimizer="adagrad", hyperparameters={"lr": 1e38}, epochs=50,
                                    frames=3, grid_resolution=8))
    assert recording.diverged_at is not None and recording.diverged_at <= 2
    assert len(recording.epochs) == recording.diverged_at
    assert np.isfinite(recording.loss).all()


# -- Ctrl-C ----------------------------------------------------------------------------

@pytest.mark.parametrize("signum, status", [(signal.SIGINT, 130), (signal.SIGTERM, 143), (signal.SIGHUP, 129)])
def test_ctrl_c_and_sigterm_save_the_finished_epochs(tmp_path, signum, status):
    out = tmp_path / "interrupted.npz"
    process = subprocess.Popen(
        [sys.executable, "-m", "animator_app.cli", "train", "--epochs", "10000000", "--print-every", "50",
         "--frames", "5", "--grid", "8", "-o", str(out)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    seen = [process.stdout.readline() for _ in range(3)]  # training is under way
    assert seen[0].startswith("epoch: 0,")
    process.send_signal(signum)
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == status, stderr
    assert "Traceback" not in stderr
    assert "interrupted after epoch" in stderr and f"saved {out}" in stderr
    recording = Recording.load(out)
    assert recording.interrupted
    n = len(recording.epochs)
    assert n >= 100  # epoch 100 was printed, so epochs 0..99 had finished
    assert recording.epochs.tolist() == list(range(n))
    assert recording.status.epochs_recorded == n
    assert recording.param_epochs[-1] == n - 1          # the last finished epoch's state is kept
    assert len(recording.layer(1)["weight_updates"]) == len(recording.param_epochs)
    assert [p for p in os.listdir(tmp_path) if p != out.name] == []


# -- files -----------------------------------------------------------------------------

def test_a_failed_save_leaves_the_target_untouched(tmp_path, monkeypatch):
    target = tmp_path / "run.npz"
    target.write_bytes(b"previous contents")
    recording = train(RunConfig(epochs=3, frames=2, grid_resolution=8))
    calls = []

    def failing(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return original(*args, **kwargs)

    original = np.lib.format.write_array
    monkeypatch.setattr(np.lib.format, "write_array", failing)
    with pytest.raises(KeyboardInterrupt):
        recording.save(target)
    assert target.read_bytes() == b"previous contents"
    assert os.listdir(tmp_path) == ["run.npz"]


def test_progress_bar_draws_only_on_a_terminal():
    import io

    from animator.progress import ProgressBar

    stream = io.StringIO()
    bar = ProgressBar(10, "training", enabled=True, stream=stream)
    bar.update(10, "loss 0.5")
    bar.close()
    text = stream.getvalue()
    assert "training [" in text and "100%" in text and "loss 0.5" in text and text.endswith("\r")
    quiet = io.StringIO()
    ProgressBar(10, "training", stream=quiet).update(10)     # StringIO is not a terminal
    assert quiet.getvalue() == ""


def test_debug_reaches_ffmpeg_as_a_value_never_a_class_attribute(cli, tmp_path, monkeypatch):
    from animator_app.commands import shared
    from renderers.writers import Mp4Writer

    real, seen = shared.write_animation, []
    monkeypatch.setattr(shared, "write_animation", lambda *args, **options: seen.append(options["show_log"])
                        or real(*args, **options))
    for debug in ([], ["--debug"]):
        assert cli("descent", "--steps", "5", "--size", "480x270", "-q", *debug, "-o", tmp_path / "b.gif").code == 0
    assert seen == [False, True] and not hasattr(Mp4Writer, "show_log")   # nothing process-wide to set


def test_a_command_chooses_its_writer_once_and_checks_its_options_once(cli, tmp_path, monkeypatch):
    import importlib

    from renderers.writers import writer_named

    render_module = importlib.import_module("renderers.render")     # the package's name `render` is the function

    gif, lookups, checks = writer_named("gif"), [], []
    real_lookup, real_options, real_extras = render_module.writer_for, gif.check_options, gif.check_extras

    def counted(name, real):
        return classmethod(lambda cls, **options: checks.append(name) or real(**options))

    monkeypatch.setattr(render_module, "writer_for", lambda path: lookups.append(path) or real_lookup(path))
    monkeypatch.setattr(gif, "check_options", counted("options", real_options))
    monkeypatch.setattr(gif, "check_extras", counted("extras", real_extras))
    assert cli("descent", "--steps", "5", "--size", "480x270", "-q", "-o", tmp_path / "b.gif").code == 0
    assert len(lookups) == 1 and checks == ["options", "extras"]   # in check_outputs; write_animation takes the class


@pytest.mark.parametrize("args", [["--help"], ["train", "--help"], ["sweep", "--help"], ["--version"]])
def test_help_imports_no_drawing_library(args):
    """``--help`` needs the commands' declarations only: matplotlib (half of the start-up time), the scenes,
    ffmpeg's wrapper, Dask, python-pptx, the layouts, tqdm and asyncio load when a command runs (issue 21:
    --help at most 3x ``python -c "import numpy"``, benchmarks/startup.py)."""
    code = ("import sys\nfrom animator_app.cli import main\n"
            "try:\n    main(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
            "heavy = [m for m in ('matplotlib', 'animator_app.scenes', 'imageio', 'dask', 'pptx', "
            "'renderers.training', 'renderers.descent', 'tqdm', 'asyncio') if m in sys.modules]\n"
            "print('loaded:', heavy, file=sys.stderr)\n")
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip(), done.stderr
    assert "loaded: []" in done.stderr


@pytest.mark.parametrize("name", ["record", "render", "info"])
def test_a_command_line_imports_its_own_command_module_alone(name):
    """``animator NAME ...`` parses with NAME's module only; reading the registry still gives every command."""
    code = ("import sys\nfrom animator_app.cli import main\n"
            "try:\n    main(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
            "from animator_app.commands.registry import NAMES\n"
            "print('loaded:', [n for n in NAMES if 'animator_app.commands.' + n in sys.modules], file=sys.stderr)\n"
            "from animator_app.commands import COMMANDS\n"
            "print('listed:', list(COMMANDS) == list(NAMES), file=sys.stderr)\n")
    done = subprocess.run([sys.executable, "-c", code, name, "--help"], capture_output=True, text=True, timeout=60)
    assert f"usage: animator {name}" in done.stdout, done.stderr
    assert f"loaded: ['{name}']" in done.stderr and "listed: True" in done.stderr, done.stderr


@pytest.mark.parametrize("args", [["--help"], ["--version"], []])
def test_the_top_level_help_comes_from_the_index_alone(args):
    """``animator --help`` lists every command with its line from registry.INDEX, importing no command module."""
    code = ("import sys\nfrom animator_app.cli import main\n"
            "try:\n    main(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
            "from animator_app.commands.registry import NAMES\n"
            "print('loaded:', [n for n in NAMES if 'animator_app.commands.' + n in sys.modules], file=sys.stderr)\n")
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=60)
    assert "loaded: []" in done.stderr, done.stderr
    if args != ["--version"]:
        from animator_app.commands import COMMANDS

        listed = re.findall(r"^    (\w+)\s", done.stdout, flags=re.M)
        assert listed == list(COMMANDS)                       # every command, in the registry's order
        text = " ".join(done.stdout.split())
        assert all(" ".join(command.help.split()) in text for command in COMMANDS.values())


def test_a_command_not_named_in_the_registry_list_is_refused():
    from animator_app.commands import Command, register

    with pytest.raises(ValueError, match="not in registry.NAMES"):
        register(Command("brand-new", help="", description="", options=(), run=lambda options: 0))


def test_a_race_takes_a_caption_line_at_its_foot(cli, tmp_path):
    from PIL import Image

    args = ["compare", "sgd", "adam", "--epochs", "20", "--frames", "2", "--grid", "16", "-q"]
    assert cli(*args, "-o", tmp_path / "plain.png").code == 0
    assert cli(*args, "--caption", "Figure 19-21 · the tuned optimizers race", "-o", tmp_path / "told.png").code == 0
    plain = np.asarray(Image.open(tmp_path / "plain.png").convert("RGB")).astype(int)
    told = np.asarray(Image.open(tmp_path / "told.png").convert("RGB")).astype(int)
    rows = np.nonzero(np.abs(plain - told).max(axis=(1, 2)))[0]
    assert len(rows) and rows.max() > plain.shape[0] * 0.85        # the words stand at the foot of the frame
