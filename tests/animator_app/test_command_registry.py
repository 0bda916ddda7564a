"""The contract every command of the registry keeps: declared options with help and defaults, the library's
argument names worded as flags, and, for a reproducible command, its file rebuilt byte for byte."""

import ast
import dataclasses
import os
import subprocess
import sys

import pytest

from animator_app.commands import COMMANDS, build_parser, flags, reproducible
from paths import ROOT

SMALL = ["--epochs", "30", "--frames", "3", "--grid", "16", "--size", "480x270"]

# a small run of every reproducible command: (commands run first, the command whose file is rebuilt,
# reproduce's own options); a command marked reproducible without an entry here fails the contract
RUNS = {
    "train": ([], ["train", *SMALL, "--momentum", "0.5", "-o", "run.gif"], []),
    "render": ([["train", *SMALL, "-o", "run.npz"]], ["render", "run.npz", "--size", "480x270", "-o", "run.gif"],
               ["--recording", "run.npz"]),
    "compare": ([], ["compare", "sgd:momentum=0.5", "sgd", *SMALL, "-o", "run.gif"], []),
    "descent": ([], ["descent", "--steps", "30", "--size", "480x270", "-o", "run.gif"], []),
    "landscape": ([], ["landscape", "sgd", "adam", "--epochs", "40", "--path-points", "20", "--frames", "6",
                       "--resolution", "8", "--size", "480x270", "-o", "run.gif"], []),
    "race2d": ([], ["race2d", "rosenbrock", "--steps", "30", "--size", "480x270", "-o", "run.gif"], []),
    "sweep": ([], ["sweep", "--grid", "lr=0.5,1", "--epochs", "30", "--frames", "3", "--resolution", "16",
                   "--size", "480x270", "-o", "run.gif"], []),
}


@pytest.fixture(params=list(COMMANDS))
def command(request):
    return COMMANDS[request.param]


def test_every_option_has_help_and_says_its_default(command):
    sub = build_parser().commands[command.name]
    text = sub.format_help()
    for option in command.options:
        assert option.help, (command.name, option.name)
        assert (option.metavar or option.flags[-1]) in text, (command.name, option.name)
        takes_a_value = option.action != "store_true"
        if not option.positional and takes_a_value and not option.required:
            assert "default" in option.help, (command.name, option.name)
    assert command.help and command.description


def test_the_options_value_is_frozen_and_built_once_from_the_parsed_arguments(command):
    names = {field.name for field in dataclasses.fields(command.values)}
    assert names == {option.name for option in command.options} | {"argv", "inputs"}
    assert command.values.__dataclass_params__.frozen


def _library_argument_names():
    """Every literal argument name an ArgumentError is raised with, in the three packages."""
    names = {}
    for package in ("animator", "renderers", "animator_app"):
        for folder, _, files in os.walk(os.path.join(ROOT, package)):
            for name in files:
                if not name.endswith(".py"):
                    continue
                path = os.path.join(folder, name)
                with open(path, encoding="utf-8") as handle:
                    tree = ast.parse(handle.read())
                for node in ast.walk(tree):
                    called = getattr(node, "func", None)
                    if (isinstance(node, ast.Call) and getattr(called, "id", getattr(called, "attr", None))
                            == "ArgumentError" and node.args and isinstance(node.args[0], ast.Constant)):
                        names.setdefault(node.args[0].value, os.path.relpath(path, ROOT))
    return names


# Arguments of the Recorder's Python API only: no command passes them; `animator record` words an error about
# them as the script's own data (tests/animator_app/test_record.py::test_data_the_recorder_refuses_is_the_scripts...)
PYTHON_API_ONLY = {"X", "y", "epoch", "predict", "layers", "source", "accuracy", "finish", "updates", "state"}


def test_every_argument_a_library_error_names_is_a_declared_option():
    spelled = flags()
    declared = {option.shown for command in COMMANDS.values() for option in command.options}
    names = {name: path for name, path in _library_argument_names().items() if name not in PYTHON_API_ONLY}
    assert {"epochs", "grid_resolution", "max_bytes", "specs"} <= set(names)     # the scan finds them
    missing = {name: path for name, path in names.items() if name not in spelled}
    assert not missing, f"arguments no option declares (add it to the option's arguments=...): {missing}"
    assert {spelled[name] for name in names} <= declared


def test_a_command_words_the_library_argument_as_its_own_flag():
    assert flags("train")["grid_resolution"] == "--grid"
    assert flags("sweep")["grid_resolution"] == "--resolution" and flags("sweep")["grids"] == "--grid"
    assert flags("compare")["specs"] == "SPEC" and flags("book")["output"] == "-o"


def test_reproduce_runs_again_exactly_the_commands_that_say_so():
    assert set(reproducible()) == {"train", "render", "compare", "descent", "race2d", "landscape", "sweep", "book"}
    assert set(reproducible()) - {"book"} == set(RUNS), "give every reproducible command a small run in RUNS"


def _tree(path):
    if os.path.isdir(path):
        return {name: _tree(os.path.join(path, name)) for name in sorted(os.listdir(path))}
    with open(path, "rb") as handle:
        return handle.read()


@pytest.mark.parametrize("name", sorted(RUNS))
def test_every_reproducible_file_is_rebuilt_byte_for_byte(cli, tmp_path, monkeypatch, name):
    monkeypatch.chdir(tmp_path)
    before, args, given = RUNS[name]
    for earlier in before:
        assert cli(*earlier, "-q").code == 0
    assert cli(*args, "-q").code == 0
    result = cli("reproduce", args[-1], "-o", "again.gif", *given, "-q")
    assert result.code == 0, result
    assert _tree("again.gif") == _tree(args[-1])


def test_a_file_of_the_book_is_rebuilt_byte_for_byte(cli, tmp_path, monkeypatch):
    from animator_app import book

    chosen = [job for job in book.jobs() if job.name == "fig08_momentum_fast"]
    monkeypatch.setattr(book, "jobs", lambda: chosen)
    monkeypatch.chdir(tmp_path)
    assert cli("book", "-o", "out", "--epochs", "30", "--frames", "3", "--size", "480x270", "--jobs", "1",
               "-q").code == 0
    result = cli("reproduce", os.path.join("out", "fig08_momentum_fast.gif"), "-o", "again.gif", "-q")
    assert result.code == 0, result
    assert _tree("again.gif") == _tree(os.path.join("out", "fig08_momentum_fast.gif"))


def test_the_commands_never_import_the_command_line_module():
    code = "import sys, animator_app.commands; sys.exit('animator_app.cli' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], cwd=ROOT).returncode == 0


def test_no_command_probes_its_options_for_an_attribute_it_did_not_declare():
    folder = os.path.join(ROOT, "animator_app", "commands")
    probes = []
    for name in sorted(os.listdir(folder)):
        if name.endswith(".py"):
            with open(os.path.join(folder, name), encoding="utf-8") as handle:
                tree = ast.parse(handle.read())
            probes += [f"{name}:{node.lineno}" for node in ast.walk(tree) if isinstance(node, ast.Call)
                       and getattr(node.func, "id", None) in ("getattr", "hasattr") and len(node.args) != 2
                       or isinstance(node, ast.Call) and getattr(node.func, "id", None) == "hasattr"]
    assert not probes, probes
