"""`animator check` on real readers' files and whole classes: isolation, timeouts, notebooks, --json and reports."""

import csv
import io
import json
import os
import signal
import subprocess
import sys
import re
import textwrap
import time

import pytest

from animator_app import check as loader
from animator_app.cli import main
from animator_app.commands import check as command
from animator_app.notebook import read_notebook
from animator_app.outcome import Outcome
from animator.testing import check_optimizer
from paths import DATA, ROOT
from processes import running_with

BOOK = os.path.join(DATA, "book_optimizers.py")
SGD = """
class Optimizer_SGD:
    def __init__(self, learning_rate=1.0):
        self.learning_rate = learning_rate
    def update_params(self, layer):
        layer.weights += -self.learning_rate * layer.dweights
        layer.biases += -self.learning_rate * layer.dbiases
"""


def run(capsys, *argv):
    status = main(["check", *map(str, argv)])
    out, err = capsys.readouterr()
    return status, out, err


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"))
    return path


def submission_with_helpers(folder, sign):
    """A submission whose update sign comes from its own helpers.py."""
    write(folder / "helpers.py", f"SIGN = {sign}\n")
    return write(folder / "optimizers.py", """
        import helpers
        class Optimizer_SGD:
            def __init__(self, learning_rate=1.0):
                self.learning_rate = learning_rate
            def update_params(self, layer):
                layer.weights += helpers.SIGN * self.learning_rate * layer.dweights
                layer.biases += helpers.SIGN * self.learning_rate * layer.dbiases
        """)


def leftovers(marker):
    """Processes still running whose command line holds ``marker``."""
    return running_with(marker)


# -- nothing shared between submissions ---------------------------------------------------------------


def test_two_submissions_with_their_own_helpers_are_each_graded_on_their_own(tmp_path, capsys):
    right = submission_with_helpers(tmp_path / "s1", -1)
    wrong = submission_with_helpers(tmp_path / "s2", +1)
    for order in ((right, wrong), (wrong, right)):
        status, out, _ = run(capsys, *order, "--against", "sgd", "--epochs", "20", "--json")
        verdicts = {json.loads(line)["file"]: json.loads(line)["passed"] for line in out.splitlines()}
        assert verdicts == {str(right): True, str(wrong): False} and status == 1


def test_the_isolating_loader_gives_each_file_its_own_modules(tmp_path):
    first = loader.load_class(str(submission_with_helpers(tmp_path / "s1", -1)))
    second = loader.load_class(str(submission_with_helpers(tmp_path / "s2", +1)))
    assert first.__module__ != second.__module__
    assert check_optimizer(first, "sgd", epochs=3).passed and not check_optimizer(second, "sgd", epochs=3).passed
    assert "helpers" not in sys.modules


# -- a hung submission is stopped with everything it started -----------------------------------------

HANGS = {
    "at import": """
        import subprocess, sys
        subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)  # MARKER"])
        while True:
            pass
        """,
    "in update_params": """
        import subprocess, sys
        class O:
            def __init__(self, learning_rate=1.0):
                pass
            def update_params(self, layer):
                subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)  # MARKER"])
                while True:
                    pass
        """,
}


@pytest.mark.slow
@pytest.mark.parametrize("where", HANGS)
def test_an_endless_loop_times_out_with_a_clear_line_and_no_process_left(tmp_path, capsys, where, hang_guard):
    marker = f"hang-{os.getpid()}-{where.replace(' ', '-')}"
    path = write(tmp_path / "hang.py", HANGS[where].replace("MARKER", marker))
    hang_guard(60)
    status, out, err = run(capsys, f"{path}:O" if "update" in where else path, "--against", "sgd",
                           "--timeout", "1.5", "--epochs", "5")
    assert status == 2 and out == ""
    assert err.startswith(f"animator: error: {path}: the check took more than 1.5 s and was stopped")
    assert leftovers(marker) == []


@pytest.mark.slow
@pytest.mark.parametrize("sig, status", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_ctrl_c_and_sigterm_end_a_grading_run_with_no_process_left(tmp_path, sig, status):
    marker = f"hang-{os.getpid()}-signal-{sig}"
    # two submissions, so that two checks run at once (one file named twice is checked once)
    paths = [write(tmp_path / name / "hang.py", HANGS["at import"].replace("MARKER", marker)) for name in "ab"]
    grader = subprocess.Popen([sys.executable, "-m", "animator_app.cli", "check", *map(str, paths),
                               "--against", "sgd", "--jobs", "2"], cwd=ROOT, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 20
        while len(leftovers(marker)) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(leftovers(marker)) == 2
    finally:
        grader.send_signal(sig)     # a failed wait leaves no grader spinning
        _, err = grader.communicate(timeout=30)
    assert grader.returncode == status and err == "animator: interrupted\n"
    time.sleep(0.2)
    assert leftovers(marker) == [] and all(leftovers(str(path)) == [] for path in paths)


# -- no false pass -------------------------------------------------------------------------------------


@pytest.mark.parametrize("body, message", [
    ("os._exit(0)", "the check ended without a result: its process ended (exit status 0"),
    ("raise SystemExit(0)", "O.update_params(layer) exited (SystemExit 0), which is not a pass (reader.py, line 6)"),
    ("raise GeneratorExit", "O.update_params(layer) raised GeneratorExit (reader.py, line 6)"),
    ("os.kill(os.getpid(), signal.SIGKILL)", "its process ended (killed by SIGKILL"),
])
def test_an_exit_or_a_crash_in_the_readers_code_is_exit_2_never_a_pass(tmp_path, capsys, body, message):
    path = write(tmp_path / "reader.py", f"""
        import os, signal
        class O:
            def __init__(self, learning_rate=1.0):
                pass
            def update_params(self, layer):
                {body}
        """)
    status, out, err = run(capsys, f"{path}:O", "--against", "sgd", "--epochs", "3")
    assert (status, out) == (2, "") and err.count("\n") == 1 and message in err, err


# -- the reader's output, -q, -v and slow imports -------------------------------------------------------


def chatty(tmp_path, *, wrong=False, lines=101):
    return write(tmp_path / "chatty.py", f"""
        for epoch in range({lines}):
            print(f"epoch: {{epoch}}, acc: 0.5")
        print("\\x1b[2J cleared?")
        class Optimizer_SGD:
            def __init__(self, learning_rate=1.0):
                self.learning_rate = learning_rate
            def update_params(self, layer):
                layer.weights += {'' if wrong else '-'}self.learning_rate * layer.dweights
                layer.biases += -self.learning_rate * layer.dbiases
        """)


def test_the_readers_prints_are_kept_from_the_result(tmp_path, capsys):
    status, out, err = run(capsys, chatty(tmp_path), "--against", "sgd", "--epochs", "5")
    assert (status, err) == (0, "") and out == "Optimizer_SGD matches sgd (lr=1.0) for 6 epochs\n"


def test_after_a_failure_the_last_lines_the_reader_printed_are_shown_escaped(tmp_path, capsys):
    status, out, err = run(capsys, chatty(tmp_path, wrong=True), "--against", "sgd", "--epochs", "5")
    assert status == 1 and out.startswith("Optimizer_SGD differs from sgd")
    assert "printed (last 20 of 102 lines; -v shows more):" in err
    assert "  | epoch: 100, acc: 0.5" in err and "epoch: 80," not in err
    assert "\\x1b[2J cleared?" in err and "\x1b" not in err


def test_verbose_shows_everything_the_reader_printed(tmp_path, capsys):
    status, _, err = run(capsys, chatty(tmp_path), "--against", "sgd", "--epochs", "3", "-v")
    assert status == 0 and "printed (102 lines):" in err and "  | epoch: 0, acc: 0.5" in err


@pytest.mark.parametrize("wrong, status", [(False, 0), (True, 1)])
def test_quiet_prints_nothing_and_the_status_is_the_verdict(tmp_path, capsys, wrong, status):
    assert run(capsys, chatty(tmp_path, wrong=wrong), "--against", "sgd", "--epochs", "3", "-q") == (status, "", "")


def test_quiet_still_prints_an_error(tmp_path, capsys):
    status, out, err = run(capsys, write(tmp_path / "x.py", "raise ValueError('no')\n"), "--against", "sgd", "-q")
    assert (status, out) == (2, "") and err.startswith("animator: error: importing") and err.count("\n") == 1


def test_a_slow_import_is_named_with_its_time_and_the_main_hint(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(command, "SLOW_IMPORT", 0.2)
    path = write(tmp_path / "slow.py", "import time\ntime.sleep(0.4)\n" + SGD)
    status, _, err = run(capsys, path, "--against", "sgd", "--against", "sgd:lr=0.5", "--epochs", "2")
    assert status == 0 and err.count("note: importing") == 1      # said once per file
    assert f"note: importing {path} took 0." in err and 'if __name__ == "__main__":' in err


# -- notebooks and exported notebooks -------------------------------------------------------------------


def notebook(path, *cells):
    path.write_text(json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {"kernelspec": {
        "language": "python", "name": "python3"}}, "cells": [
        {"cell_type": kind, "source": source, "metadata": {}, **({"outputs": [], "execution_count": None}
                                                                 if kind == "code" else {})}
        for kind, source in cells]}))
    return path


def test_a_notebook_with_pip_and_matplotlib_magics_is_checked(tmp_path, capsys):
    path = notebook(tmp_path / "lecture.ipynb", ("markdown", "# Chapter 10"),
                    ("code", ["!pip install nnfs\n", "%matplotlib inline\n", "import numpy as np"]),
                    ("code", open(BOOK).read()))
    status, out, err = run(capsys, f"{path}:Optimizer_Adam", "--against", "adam:lr=0.05,decay=5e-7", "--epochs", "30")
    assert status == 0 and out == "Optimizer_Adam matches adam (lr=0.05, decay=5e-07) for 31 epochs\n"
    assert err == f"note: {path}: skipped 2 IPython lines (!pip install nnfs, %matplotlib inline)\n"


def test_a_notebooks_error_names_its_cell_and_line(tmp_path, capsys):
    path = notebook(tmp_path / "lecture.ipynb", ("code", "import numpy as np"),
                    ("code", SGD.replace("layer.dweights\n", "layer.dweights.T\n")))
    status, _, err = run(capsys, f"{path}:Optimizer_SGD", "--against", "sgd", "--epochs", "3")
    assert status == 2 and "(lecture.ipynb, cell 2, line 6)" in err, err


def test_notebook_cells_keep_their_lines_and_list_what_was_left_out(tmp_path):
    path = notebook(tmp_path / "n.ipynb", ("code", "%%bash\necho hi\n"),
                    ("code", "%%time\nx = 7 % 4\nfiles = !ls\nif x:\n    %time y = x\nget_ipython().magic('who')\n"))
    read = read_notebook(path)
    assert [cell.code for cell in read.cells] == ["pass\n\n", "pass\nx = 7 % 4\npass\nif x:\n    y = x\npass\n"]
    assert [(cell, line) for cell, line, _ in read.skipped] == [(1, 1), (2, 1), (2, 3), (2, 6)]


def test_an_exported_notebook_calling_get_ipython_is_checked(tmp_path, capsys):
    path = write(tmp_path / "exported.py", "get_ipython().system('pip install nnfs')\n"
                                           "get_ipython().run_line_magic('matplotlib', 'inline')\n" + SGD)
    status, out, err = run(capsys, path, "--against", "sgd", "--epochs", "3")
    assert status == 0 and "matches" in out
    assert "skipped 2 IPython lines (get_ipython().system('pip install nnfs'), " in err


@pytest.mark.parametrize("content, message", [
    ("{not json", "not valid JSON"),
    ('{"cells": 3}', "not a Jupyter notebook (no list of cells)"),
    ('{"nbformat": 3, "worksheets": []}', "an nbformat 3 notebook"),
    ("[" * 100 + "]" * 100, "nested more than 64 levels deep"),
    ('{"nbformat": 4, "cells": [{"cell_type": "code", "source": 7}]}', "cell 1's source is not text"),
    ('{"nbformat": 4, "metadata": {"kernelspec": {"language": "R"}}, "cells": []}', "a r notebook, not Python"),
])
def test_a_notebook_that_is_not_one_is_refused_in_one_line(tmp_path, capsys, content, message):
    path = tmp_path / "bad.ipynb"
    path.write_text(content)
    status, out, err = run(capsys, path, "--against", "sgd")
    assert (status, out) == (2, "") and err.count("\n") == 1 and message in err, err


# -- which class: named for the setting, or the candidates listed ------------------------------------------


def test_without_class_each_setting_checks_the_class_named_for_it(tmp_path, capsys):
    status, out, _ = run(capsys, BOOK, "--against", "adam:lr=0.05", "--against", "sgd:momentum=0.9", "--epochs", "20")
    assert status == 0 and out.splitlines() == ["Optimizer_Adam matches adam (lr=0.05) for 21 epochs",
                                                "Optimizer_SGD matches sgd (lr=1.0, momentum=0.9) for 21 epochs"]


def test_without_class_a_misnamed_protocol_is_hinted(tmp_path, capsys):
    path = write(tmp_path / "adam.py", SGD.replace("class Optimizer_SGD", "class Adam_Optimizer")
                 .replace("def update_params", "def update_parameters"))
    status, _, err = run(capsys, path, "--against", "sgd")
    assert status == 2 and err.count("\n") == 1
    assert (f"{path}: Adam_Optimizer has no update_params(layer) method (the book's protocol), nor init(param) "
            "and update(grad, state); its update_parameters looks like update_params: rename it") in err
    path = write(tmp_path / "more.py", path.read_text() + SGD.replace("Optimizer_SGD", "SGD_Optimizer")
                 .replace("def update_params", "def optimize"))
    status, _, err = run(capsys, path, "--against", "adagrad")
    assert status == 2 and err.count("\n") == 1 and (
        "no optimizer class found: none has update_params(layer), nor init(param) and update(grad, state): "
        "Adam_Optimizer (its update_parameters looks like update_params), SGD_Optimizer (its optimize looks like "
        "update_params)") in err


def test_without_class_two_candidates_are_listed(tmp_path, capsys):
    path = write(tmp_path / "two.py", SGD + SGD.replace("Optimizer_SGD", "Mine"))
    status, _, err = run(capsys, path, "--against", "adam")
    assert status == 2 and "say which class to check" in err and "(optimizer classes found: Optimizer_SGD, Mine)" in err


# -- --json, batch statuses, reports ---------------------------------------------------------------------


def test_json_is_one_object_per_file_class_and_setting_and_reads_back(tmp_path, capsys):
    good, bad = tmp_path / "good.py", chatty(tmp_path, wrong=True)
    write(good, SGD)
    broken = write(tmp_path / "broken.py", "raise RuntimeError('half done')\n")
    status, out, err = run(capsys, good, bad, broken, "--against", "sgd", "--against", "sgd:lr=0.5", "--json",
                           "--epochs", "4", "-q")
    assert status == 2 and err.count("animator: error:") == 2
    objects = [json.loads(line) for line in out.splitlines()]
    assert [(o["file"], o["setting"]) for o in objects] == [(str(f), s) for f in (good, bad, broken)
                                                           for s in ("sgd", "sgd:lr=0.5")]
    first, wrong, unusable = objects[0], objects[2], objects[4]
    assert first["passed"] is True and first["error"] is None and first["epochs_checked"] == 5
    assert wrong["passed"] is False and (wrong["epoch"], wrong["layer"], wrong["array"]) == (0, 1, "weights")
    assert len(wrong["index"]) == 2 and {"yours", "book"} <= set(wrong["values"])
    assert wrong["mistakes"] and "differs from sgd" in wrong["message"] and wrong["output_lines"] == 102
    assert unusable["error"] == "unusable" and "half done" in unusable["message"] and unusable["passed"] is False
    for data in objects:
        assert {"passed", "epochs", "epoch", "layer", "array", "index", "values", "mistakes", "message", "seconds",
                "error", "class", "file", "setting"} <= set(data)
        assert Outcome.from_dict(data).to_dict() == data


@pytest.mark.parametrize("files, status", [(("good",), 0), (("good", "wrong"), 1), (("wrong", "broken", "good"), 2)])
def test_the_batch_status_is_the_worst_verdict(tmp_path, capsys, files, status):
    made = {"good": write(tmp_path / "good.py", SGD), "wrong": chatty(tmp_path, wrong=True),
            "broken": write(tmp_path / "broken.py", "x = (\n")}
    assert run(capsys, *(made[f] for f in files), "--against", "sgd", "--epochs", "3", "-q")[0] == status


def test_parallel_jobs_give_the_same_answers_in_the_same_order(tmp_path, capsys):
    files = [write(tmp_path / f"s{i}" / "o.py", SGD if i % 2 else SGD.replace("-self", "self")) for i in range(4)]
    one = run(capsys, *files, "--against", "sgd", "--epochs", "5", "--jobs", "1")
    two = run(capsys, *files, "--against", "sgd", "--epochs", "5", "--jobs", "2")
    assert one == two and one[0] == 1 and len(one[1].splitlines()) == 4 * 3 - 2 * 2


# Gradescope's documented results.json fields ("Autograder Specifications"): the top level and each test
TOP = {"score": (int, float), "execution_time": (int, float), "output": str, "output_format": str,
       "test_output_format": str, "test_name_format": str, "visibility": str, "stdout_visibility": str,
       "extra_data": dict, "tests": list, "leaderboard": list}
TEST = {"score": (int, float), "max_score": (int, float), "status": str, "name": str, "name_format": str,
        "number": str, "output": str, "output_format": str, "tags": list, "visibility": str, "extra_data": dict}
VISIBILITY = {"hidden", "after_due_date", "after_published", "visible"}


def assert_gradescope(data):
    assert isinstance(data, dict) and set(data) <= set(TOP), set(data) - set(TOP)
    for key, value in data.items():
        assert isinstance(value, TOP[key]) and not isinstance(value, bool), key
    assert "score" in data or all("score" in test for test in data["tests"])
    for key in ("visibility", "stdout_visibility"):
        assert data.get(key, "visible") in VISIBILITY
    for test in data["tests"]:
        assert set(test) <= set(TEST), set(test) - set(TEST)
        for key, value in test.items():
            assert isinstance(value, TEST[key]) and not isinstance(value, bool), key
        assert test.get("status", "passed") in ("passed", "failed")
        assert test.get("visibility", "visible") in VISIBILITY
        assert 0 <= test["score"] <= test["max_score"]


def test_gradescope_results_follow_the_documented_format(tmp_path, capsys):
    path = chatty(tmp_path, wrong=True)
    results = tmp_path / "results.json"
    status, out, _ = run(capsys, path, "--against", "sgd", "--against", "adam", "--epochs", "3",
                         "--report", "gradescope", "-o", results, "--points", "5", "-q")
    data = json.loads(results.read_text())
    assert_gradescope(data)
    assert status == 1 and out == ""
    assert [(t["name"], t["score"], t["max_score"], t["status"]) for t in data["tests"]] == [
        ("Optimizer_SGD against sgd", 0.0, 5.0, "failed"), ("Optimizer_SGD against adam", 0.0, 5.0, "failed")]
    assert "differs from sgd" in data["tests"][0]["output"] and "epoch: 100" in data["tests"][0]["output"]
    assert data["score"] == 0.0


def test_a_folder_of_submissions_gets_one_results_json_each_and_a_csv(tmp_path, capsys):
    right = submission_with_helpers(tmp_path / "submissions" / "alice", -1)
    wrong = submission_with_helpers(tmp_path / "submissions" / "bob", +1)
    results = tmp_path / "results"
    status, _, _ = run(capsys, right, wrong, "--against", "sgd", "--against", "sgd:lr=0.5", "--epochs", "3",
                       "--report", "gradescope", "-o", f"{results}/", "-q")
    assert status == 1 and sorted(os.listdir(results)) == ["alice", "bob"]
    alice = json.loads((results / "alice" / "results.json").read_text())
    bob = json.loads((results / "bob" / "results.json").read_text())
    assert_gradescope(alice) or assert_gradescope(bob)
    assert (alice["score"], bob["score"]) == (2.0, 0.0)
    status, out, _ = run(capsys, right, wrong, "--against", "sgd", "--against", "sgd:lr=0.5", "--epochs", "3",
                         "--report", "csv", "-q")
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == ["file", "score", "max_score", "sgd", "sgd:lr=0.5"]
    assert rows[1] == [str(right), "2", "2", "passed", "passed"]
    assert rows[2][:3] == [str(wrong), "0", "2"] and rows[2][3].startswith("differs at epoch 0, Dense layer 1")


@pytest.mark.parametrize("argv, message", [
    (["-o", "x.json"], "-o names where --report writes"),
    (["--json", "--report", "csv"], "--json and --report csv would both write to standard output"),
    (["--timeout", "0"], "--timeout: must be positive"),
    (["--jobs", "0"], "--jobs: must be at least 1"),
])
def test_grading_options_are_checked_in_one_line(capsys, argv, message):
    status, out, err = run(capsys, BOOK, "--against", "sgd", *argv)
    assert (status, out) == (2, "") and err.count("\n") == 1 and message in err, err


@pytest.mark.slow
def test_a_closed_stdout_ends_quietly(tmp_path):
    files = [write(tmp_path / f"s{i}.py", SGD) for i in range(3)]
    grader = subprocess.Popen([sys.executable, "-m", "animator_app.cli", "check", *map(str, files), "--against", "sgd",
                               "--epochs", "3"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    grader.stdout.close()
    err = grader.stderr.read()
    grader.wait(timeout=60)
    assert err == b"" and grader.returncode not in (0, 1, 2)      # 141, as a pipe's writer killed by SIGPIPE


# -- the examples: a pytest grader and Gradescope's run_autograder ----------------------------------------


@pytest.mark.slow
def test_the_pytest_grader_example_passes_the_right_and_fails_the_wrong(tmp_path):
    book = open(BOOK).read()
    right = write(tmp_path / "submissions" / "alice" / "optimizers.py", book)
    wrong = write(tmp_path / "submissions" / "bob" / "optimizers.py",
                  book.replace("(np.sqrt(layer.weight_cache) + self.epsilon)",
                               "np.sqrt(layer.weight_cache + self.epsilon)"))
    assert right.exists() and wrong.exists()
    env = {**os.environ, "SUBMISSIONS": str(tmp_path / "submissions" / "*" / "optimizers.py"), "EPOCHS": "30",
           "PYTHONPATH": ROOT}
    # in one process, as a course runs it (this checkout's setup.cfg would spread it over a worker per core)
    grader = subprocess.run([sys.executable, "-m", "pytest", "-q", "-n", "0", "-p", "no:cacheprovider",
                             "-p", "no:randomly",
                             os.path.join(ROOT, "examples", "grading", "test_grade.py")],
                            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    out = grader.stdout
    # each setting checks the class named for it; bob's epsilon is inside the root in AdaGrad and RMSProp
    assert grader.returncode == 1 and "2 failed, 8 passed" in out, out
    # pytest adds " - <message>" to a FAILED line when the terminal is wide enough (CI's is): read the id only
    failed = sorted(re.match(r"FAILED \S+?\[(.+?)\](?: - |$)", line).group(1)
                    for line in out.splitlines() if line.startswith("FAILED"))
    assert failed == ["bob-adagrad:decay=1e-4", "bob-rmsprop:lr=0.02,decay=1e-5,rho=0.999"]
    assert 'your step is what "epsilon inside the square root" gives' in out


def test_the_gradescope_run_autograder_example_names_the_command_as_it_is():
    text = open(os.path.join(ROOT, "examples", "grading", "run_autograder")).read()
    from animator_app.commands import COMMANDS

    flags = {flag for option in COMMANDS["check"].options for flag in option.flags}
    used = set(re.findall(r"\s(--?[a-z][a-z-]*)", text.split("animator check", 1)[1].split("status=")[0]))
    assert used and used <= flags, used - flags
    assert '--report gradescope -o "$root/results/results.json"' in text


@pytest.mark.slow
@pytest.mark.parametrize("hand_in, score", [("optimizers.py", 10.0), ("lecture.ipynb", 6.0), (None, 0)])
def test_the_gradescope_run_autograder_writes_results_json(tmp_path, hand_in, score):
    (tmp_path / "results").mkdir()
    book = open(BOOK).read()
    if hand_in == "optimizers.py":
        write(tmp_path / "submission" / hand_in, book)
    elif hand_in:
        # Adam's decay compounded: both Adam settings fail, the other three pass (2 points each)
        (tmp_path / "submission").mkdir()
        head, adam = book.split("# Adam optimizer")
        adam = adam.replace("self.current_learning_rate = self.learning_rate * ",
                            "self.current_learning_rate = self.current_learning_rate * ")
        notebook(tmp_path / "submission" / hand_in, ("code", ["%matplotlib inline\n", "import numpy as np"]),
                 ("code", head), ("code", adam))
    else:
        (tmp_path / "submission").mkdir()
    script = os.path.join(ROOT, "examples", "grading", "run_autograder")
    done = subprocess.run(["bash", script], env={**os.environ, "AUTOGRADER": str(tmp_path)}, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    data = json.loads((tmp_path / "results" / "results.json").read_text())
    assert_gradescope(data)
    assert data["score"] == score and len(data["tests"]) == (5 if hand_in else 0)
