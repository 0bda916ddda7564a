"""`animator check`: the book's classes pass, equivalent rewrites pass, each known mistake fails where and as it should."""

import json
import os
import re
import textwrap

import numpy as np
import pytest

from animator.optimizers import make_optimizer
from animator.errors import UserError
from animator.testing import MISTAKES, CheckResult, ReaderError, check_optimizer, lacks, look_alikes
from animator.testing.mistakes import book_step
from animator_app.cli import main
from paths import DATA

BOOK = os.path.join(DATA, "book_optimizers.py")
REWRITTEN = os.path.join(DATA, "rewritten_optimizers.py")

CHAPTER_SPECS = {
    "Optimizer_SGD": "sgd:lr=1,decay=1e-3,momentum=0.9",
    "Optimizer_Adagrad": "adagrad:decay=1e-4",
    "Optimizer_RMSprop": "rmsprop:lr=0.02,decay=1e-5,rho=0.999",
    "Optimizer_Adam": "adam:lr=0.05,decay=5e-7",
}


def run(capsys, *argv):
    status = main(["check", *argv])
    out, err = capsys.readouterr()
    return status, out, err


def book_class_source(name):
    """The text of one class of the book's file, with the import it needs."""
    text = open(BOOK).read()
    start = text.index(f"class {name}:")
    end = text.find("\n# ", start)
    return "import numpy as np\n\n\n" + text[start:end if end > 0 else None]


def reader_file(tmp_path, name, *edits):
    """A reader's file: the book's class ``name`` with each ``(old, new)`` edit made everywhere in it."""
    source = book_class_source(name)
    for old, new in edits:
        assert old in source, f"{old!r} is not in the book's {name}"
        source = source.replace(old, new)
    path = tmp_path / "reader.py"
    path.write_text(source)
    return path


# -- the book's classes and equivalent rewrites pass ----------------------------------------------------


def test_the_book_adam_passes_with_the_issue_line(capsys):
    status, out, err = run(capsys, f"{BOOK}:Optimizer_Adam", "--against", "adam:lr=0.05,decay=5e-7")
    assert (status, err) == (0, "")
    assert out == "Optimizer_Adam matches adam (lr=0.05, decay=5e-07) for 1001 epochs\n"


@pytest.mark.parametrize("name", ["Optimizer_SGD", "Optimizer_Adagrad", "Optimizer_RMSprop"])
def test_the_books_classes_pass_with_the_chapters_settings(capsys, name):
    status, out, _ = run(capsys, f"{BOOK}:{name}", "--against", CHAPTER_SPECS[name], "--epochs", "400")
    assert status == 0, out
    assert out.startswith(f"{name} matches ") and out.endswith("for 401 epochs\n")


def test_the_early_sgd_without_decay_methods_passes_plain_sgd(tmp_path, capsys):
    path = tmp_path / "early.py"
    path.write_text("class Optimizer_SGD:\n"
                    "    def __init__(self, learning_rate=1.0):\n"
                    "        self.learning_rate = learning_rate\n"
                    "    def update_params(self, layer):\n"
                    "        layer.weights += -self.learning_rate * layer.dweights\n"
                    "        layer.biases += -self.learning_rate * layer.dbiases\n")
    status, out, _ = run(capsys, str(path), "--against", "sgd:lr=0.85", "--epochs", "200")
    assert status == 0 and "matches sgd (lr=0.85) for 201 epochs" in out


@pytest.mark.parametrize("name, spec", [
    ("SGDRewritten", CHAPTER_SPECS["Optimizer_SGD"]),
    ("RMSpropRewritten", CHAPTER_SPECS["Optimizer_RMSprop"]),
    ("AdamRewritten", "adam:lr=0.05,decay=1e-3"),
    ("AdagradPure", CHAPTER_SPECS["Optimizer_Adagrad"]),
])
def test_equivalent_rewrites_pass(capsys, name, spec):
    status, out, _ = run(capsys, f"{REWRITTEN}:{name}", "--against", spec, "--epochs", "1000")
    assert status == 0, out


def test_the_mistaken_formulas_start_from_the_books(rng=np.random.default_rng(3)):
    """With no switch set, the mistakes' helpers are the optimizers' own formula, bit for bit."""
    for name, hyper in [("sgd", {"momentum": 0.9, "decay": 1e-2}), ("sgd", {}), ("adagrad", {"decay": 1e-3}),
                        ("rmsprop", {"rho": 0.99}), ("adam", {"decay": 1e-3})]:
        opt = make_optimizer(name, **hyper)
        grad = rng.standard_normal((4, 5)).astype(np.float32)
        slots = {slot: np.abs(rng.standard_normal((4, 5))).astype(np.float32) for slot in opt.slots}
        for t in (0, 1, 7):
            ours, ours_slots = book_step(opt, grad, slots, t)
            theirs, theirs_slots = opt._delta(grad, tuple(slots[k] for k in opt.slots), opt.learning_rate_at(t), t)
            assert ours.tobytes() == theirs.tobytes()
            assert [ours_slots[k].tobytes() for k in opt.slots] == [v.tobytes() for v in theirs_slots]


# -- each known mistake fails at the right epoch, with its name ------------------------------------------

EPS = ("(np.sqrt(layer.weight_cache) + self.epsilon)", "np.sqrt(layer.weight_cache + self.epsilon)")
EPS_B = ("(np.sqrt(layer.bias_cache) + self.epsilon)", "np.sqrt(layer.bias_cache + self.epsilon)")
DECAY = "(1. + self.decay * self.iterations)"

POST = "    # Call once after any parameter updates\n    def post_update_params(self):\n        self.iterations += 1"
ADAM_LAST = ("                         (np.sqrt(bias_cache_corrected) +\n                             self.epsilon)\n")
COMPOUNDED = ("self.current_learning_rate = self.learning_rate * \\", "self.current_learning_rate = self.current_learning_rate * \\")
PRE_DECAY = ("                (1. / (1. + self.decay * self.iterations))\n",)

# (the mistake's name, class, spec, edits as a reader makes them, first differing epoch, the array[, Dense layer])
MISTAKE_CASES = [
    ("learning rate not decayed", "Optimizer_SGD", "sgd:decay=1e-2",
     [("-self.current_learning_rate *", "-self.learning_rate *")], 1, "weights"),
    ("decay applied one step early", "Optimizer_SGD", "sgd:decay=1e-2",
     [(DECAY, "(1. + self.decay * (self.iterations + 1))")], 0, "weights"),
    ("decay applied one step late", "Optimizer_RMSprop", "rmsprop:lr=0.02,decay=1e-2",
     [("    def pre_update_params(self):\n        if self.decay:", "    def pre_update_params(self):\n        if False:"),
      ("        self.iterations += 1", "        if self.decay:\n            self.current_learning_rate = "
                                     "self.learning_rate / (1. + self.decay * self.iterations)\n"
                                     "        self.iterations += 1")], 1, "weights"),
    ("iterations never counted (post_update_params)", "Optimizer_Adam", "adam:lr=0.05",
     [("        self.iterations += 1", "        pass")], 1, "weights"),
    ("update added with the wrong sign (gradient ascent)", "Optimizer_Adagrad", "adagrad",
     [("layer.weights += -", "layer.weights += "), ("layer.biases += -", "layer.biases += ")], 0, "weights"),
    ("momentum sign", "Optimizer_SGD", "sgd:lr=1,decay=1e-3,momentum=0.9",
     [("self.momentum * layer.weight_momentums - \\", "-self.momentum * layer.weight_momentums - \\")], 1, "weights"),
    ("momentum not kept for the next step", "Optimizer_SGD", "sgd:lr=1,momentum=0.9",
     [("layer.weight_momentums = weight_updates", "pass"), ("layer.bias_momentums = bias_updates", "pass")],
     0, "weight_momentums"),
    ("epsilon inside the square root", "Optimizer_RMSprop", "rmsprop:lr=0.02,decay=1e-5,rho=0.999", [EPS, EPS_B], 0,
     "weights"),
    ("epsilon inside the square root", "Optimizer_Adam", "adam:lr=0.05",
     [("(np.sqrt(weight_cache_corrected) +\n                             self.epsilon)",
       "np.sqrt(weight_cache_corrected +\n                             self.epsilon)")], 0, "weights"),
    ("cache not squared", "Optimizer_Adagrad", "adagrad",
     [("layer.dweights**2", "layer.dweights"), ("layer.dbiases**2", "layer.dbiases")], 0, "weights"),
    ("square root of the cache missing", "Optimizer_Adagrad", "adagrad:lr=0.1",
     [("(np.sqrt(layer.weight_cache) + self.epsilon)", "(layer.weight_cache + self.epsilon)")], 0, "weights"),
    ("cache replaced instead of summed", "Optimizer_Adagrad", "adagrad",
     [("layer.weight_cache += ", "layer.weight_cache = "), ("layer.bias_cache += ", "layer.bias_cache = ")],
     1, "weights"),
    ("rho and 1 - rho swapped", "Optimizer_RMSprop", "rmsprop:lr=0.02,rho=0.999",
     [("self.rho * layer.weight_cache + \\\n            (1 - self.rho)",
       "(1 - self.rho) * layer.weight_cache + \\\n            self.rho")], 0, "weights"),
    ("missing bias correction", "Optimizer_Adam", "adam:lr=0.05",
     [("(1 - self.beta_1 ** (self.iterations + 1))", "1"), ("(1 - self.beta_2 ** (self.iterations + 1))", "1")],
     0, "weights"),
    ("missing bias correction", "Optimizer_Adam", "adam:lr=0.05",
     [("(1 - self.beta_2 ** (self.iterations + 1))", "1")], 0, "weights"),
    ("bias correction off by one step", "Optimizer_Adam", "adam:lr=0.05",
     [("** (self.iterations + 1))", "** self.iterations)")], 0, "weights"),
    ("bias correction off by one step", "Optimizer_Adam", "adam:lr=0.05",
     [("** (self.iterations + 1))", "** (self.iterations + 2))")], 0, "weights"),
    ("beta_1 and 1 - beta_1 swapped", "Optimizer_Adam", "adam:lr=0.05",
     [("self.beta_1 * \\\n                                 layer.weight_momentums + \\\n"
       "                                 (1 - self.beta_1)",
       "(1 - self.beta_1) * \\\n                                 layer.weight_momentums + \\\n"
       "                                 self.beta_1")], 0, "weights"),
    ("beta_2 and 1 - beta_2 swapped", "Optimizer_Adam", "adam:lr=0.05",
     [("self.beta_2 * layer.weight_cache + \\\n            (1 - self.beta_2)",
       "(1 - self.beta_2) * layer.weight_cache + \\\n            self.beta_2")], 0, "weights"),
    ("beta_1 used for the cache", "Optimizer_Adam", "adam:lr=0.05",
     [("self.beta_2 * layer", "self.beta_1 * layer"), ("(1 - self.beta_2)", "(1 - self.beta_1)"),
      ("self.beta_2 **", "self.beta_1 **")], 0, "weight_cache"),   # the first step's update is the same
    ("corrected moments kept as the state", "Optimizer_Adam", "adam:lr=0.05",
     [("weight_momentums_corrected = layer.weight_momentums / \\\n            (1 - self.beta_1 ** (self.iterations + 1))",
       "layer.weight_momentums = layer.weight_momentums / \\\n            (1 - self.beta_1 ** (self.iterations + 1))\n"
       "        weight_momentums_corrected = layer.weight_momentums")], 0, "weight_momentums"),
    # the chapter's decay: at epoch 2 "one step early" is within float32 of it; later epochs tell them apart
    ("decay compounded every step", "Optimizer_SGD",
     "sgd:lr=1,decay=1e-3,momentum=0.9", [COMPOUNDED], 2, "weights"),
    ("decay compounded every step", "Optimizer_SGD", "sgd:decay=1e-2",
     [COMPOUNDED], 2, "weights"),
    # no post_update_params: the count advances at the end of each update_params call, once per Dense layer
    ("iterations counted once per layer call (in update_params), not once per step", "Optimizer_Adam",
     "adam:lr=0.05", [(POST, ""), (ADAM_LAST, ADAM_LAST + "        self.iterations += 1\n")], 0, "weights", 2),
    ("iterations counted once per layer call (in update_params), not once per step", "Optimizer_SGD",
     "sgd:decay=1e-2", [(POST, ""), ("        layer.biases += bias_updates\n",
                                    "        layer.biases += bias_updates\n        self.iterations += 1\n")],
     1, "weights"),
    # iterations += 1 moved into pre_update_params while update_params still adds 1
    ("bias correction one step ahead (iterations counted in pre_update_params, before the update)",
     "Optimizer_Adam", "adam:lr=0.05,decay=1e-3",
     [(POST, ""), (PRE_DECAY[0], PRE_DECAY[0] + "        self.iterations += 1\n")], 0, "weights"),
]
CASES = [case if len(case) == 7 else (*case, 1) for case in MISTAKE_CASES]


@pytest.mark.parametrize("mistake, name, spec, edits, epoch, array, layer", CASES,
                         ids=[f"{case[1]}-{case[0]}-{case[2]}" for case in CASES])
def test_each_mistake_fails_at_its_epoch_with_its_name(tmp_path, capsys, mistake, name, spec, edits, epoch, array,
                                                       layer):
    path = reader_file(tmp_path, name, *edits)
    status, out, err = run(capsys, f"{path}:{name}", "--against", spec, "--epochs", "300")
    assert status == 1 and err == ""
    first = out.splitlines()[0]
    assert first.startswith(f"{name} differs from ") and first.endswith(
        f"at epoch {epoch}, Dense layer {layer}, {array}")
    assert re.search(rf"largest difference at {array}\[\d+(, \d+)?\]: yours \S+, the book's \S+", out)
    assert f'your step is what "{mistake}" gives\n' in out     # that one only


def test_every_known_mistake_is_tested():
    assert {m.name for m in MISTAKES} == {case[0] for case in MISTAKE_CASES}


def test_the_result_object_carries_the_fields(tmp_path):
    namespace = {}
    exec(compile(open(reader_file(tmp_path, "Optimizer_RMSprop", EPS, EPS_B)).read(), "reader.py", "exec"), namespace)
    result = check_optimizer(namespace["Optimizer_RMSprop"], ("rmsprop", {"lr": 0.02}), epochs=50)
    assert isinstance(result, CheckResult) and not result.passed and not result
    assert (result.epoch, result.layer, result.array, result.epochs_checked) == (0, 1, "weights", 0)
    assert result.mistakes == ("epsilon inside the square root",)
    d = result.difference
    assert len(d.index) == 2 and d.actual != d.expected and d.largest == pytest.approx(abs(d.actual - d.expected))
    passed = check_optimizer(make_optimizer("adam").__class__, "adam:lr=0.05", epochs=20)
    assert passed.passed and passed.epochs_checked == 21 and passed.epoch is None


def test_a_diverging_reference_stops_the_check_with_a_note():
    result = check_optimizer(make_optimizer("sgd").__class__, "sgd:lr=1e30", epochs=100)
    assert result.passed and result.epochs_checked < 100 and "diverged" in result.note


# -- usage errors: one line, exit 2 -----------------------------------------------------------------------


def write(tmp_path, text, name="reader.py"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).strip("\n") + "\n")
    return path


@pytest.mark.parametrize("target, spec, message", [
    ("missing.py:Optimizer_Adam", "adam", "missing.py: no such file"),
    ("BOOK:Optimizer_Adamm", "adam", "has no Optimizer_Adamm (it defines Optimizer_SGD, Optimizer_Adagrad"),
    ("BOOK:Optimizer_Adam", "adamw:lr=1", "unknown optimizer 'adamw'"),
    ("BOOK:Optimizer_Adam", "adam:lr=abc", "lr must be a number"),
    ("BOOK:Optimizer_Adam", "adam:lr=-1", "Invalid learning rate"),
    ("BOOK:Optimizer_Adagrad", "adagrad:momentum=0.9", "adagrad has no hyper-parameter 'momentum'"),
])
def test_usage_errors_are_one_line(capsys, target, spec, message):
    status, out, err = run(capsys, target.replace("BOOK", BOOK), "--against", spec)
    assert status == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("animator: error: ") and message in err


@pytest.mark.parametrize("source, spec, message", [
    ("class O:\n    def __init__(self, learning_rate=1.0):\n        self.lr = learning_rate\n"
     "    def update_params(self, layer):\n        layer.weights += -self.lr * layer.dweights",
     "sgd:momentum=0.9", "O does not take momentum= (its __init__ takes learning_rate)"),
    ("class O:\n    def __init__(self, learning_rate=1.0):\n        pass\n    def step(self, layer):\n        pass",
     "sgd", "O has no update_params(layer) method"),
    ("class O:\n    def __init__(self, learning_rate=1.0):\n        pass\n    def update_parameters(self, layer):\n"
     "        pass", "sgd", "O has no update_params(layer) method (the book's protocol), nor init(param) and "
     "update(grad, state); its update_parameters looks like update_params: rename it"),
    ("class O:\n    def __init__(self, learning_rate=1.0):\n        self.lr = learning_rate\n"
     "    def update_params(self, layer):\n        layer.weights += -self.lr * layer.dweights.T",
     "sgd", "O.update_params(layer) raised ValueError: operands could not be broadcast"),
    ("class O:\n    def __init__(self, learning_rate=1.0):\n        raise RuntimeError('not yet')\n"
     "    def update_params(self, layer):\n        pass",
     "sgd", "O(...) raised RuntimeError: not yet (reader.py, line 3)"),
    ("def broken(:\n    pass", "sgd", "reader.py, line 1: SyntaxError"),
    ("import numpy as np\nraise SystemExit('run me as a script')", "sgd", "raised SystemExit: run me as a script (line 2)"),
], ids=["setting not taken", "no protocol", "misnamed protocol", "raises in update", "raises in init",
        "syntax error", "exits on import"])
def test_a_class_that_cannot_be_used_is_one_line(tmp_path, capsys, source, spec, message):
    path = write(tmp_path, source)
    status, out, err = run(capsys, f"{path}:O", "--against", spec, "--epochs", "5")
    assert status == 2 and out == "", out
    assert err.count("\n") == 1 and message in err, err


def test_the_line_of_the_reader_that_raised_is_named(tmp_path, capsys):
    path = write(tmp_path, """
        import numpy as np
        class O:
            def __init__(self, learning_rate=1.0):
                self.lr = learning_rate
            def update_params(self, layer):
                layer.weights += -self.lr * np.sqrt(layer.missing)
        """)
    status, _, err = run(capsys, f"{path}:O", "--against", "sgd")
    assert status == 2 and "AttributeError" in err and "(reader.py, line 6)" in err


def test_options_are_range_checked(capsys):
    for argv in (["--rtol", "0"], ["--rtol", "nan"], ["--epochs", "-1"]):
        status, _, err = run(capsys, f"{BOOK}:Optimizer_SGD", "--against", "sgd", *argv)
        assert status == 2 and err.count("\n") == 1


def test_the_python_api_raises_reader_errors():
    class NoProtocol:
        def __init__(self, learning_rate=1.0):
            pass

    with pytest.raises(ReaderError, match="no update_params"):
        check_optimizer(NoProtocol, "sgd", epochs=1)


# -- classes that drive the book's loop their own way are judged by their arithmetic -------------------

COUNT_IN_PRE = ("    def pre_update_params(self):\n        if self.decay:\n"
                "            self.current_learning_rate = self.learning_rate * \\\n"
                "                (1. / (1. + self.decay * self.iterations))\n")


def test_a_class_counting_in_pre_without_post_passes_with_decay(tmp_path, capsys):
    path = reader_file(tmp_path, "Optimizer_SGD", (POST, ""),
                       (COUNT_IN_PRE, COUNT_IN_PRE + "        self.iterations += 1\n"))
    assert "post_update_params" not in path.read_text()
    status, out, _ = run(capsys, f"{path}:Optimizer_SGD", "--against", "sgd:lr=1,decay=1e-2,momentum=0.9",
                         "--epochs", "200")
    assert status == 0 and "matches sgd" in out, out


def test_adam_counting_in_pre_and_reading_the_count_as_is_passes(tmp_path, capsys):
    path = reader_file(tmp_path, "Optimizer_Adam", (POST, ""),
                       (COUNT_IN_PRE, COUNT_IN_PRE + "        self.iterations += 1\n"),
                       ("** (self.iterations + 1))", "** self.iterations)"))
    status, out, _ = run(capsys, f"{path}:Optimizer_Adam", "--against", "adam:lr=0.05,decay=1e-3", "--epochs", "200")
    assert status == 0, out


def test_a_class_with_neither_pre_nor_post_counting_per_layer_on_the_layer_passes(tmp_path, capsys):
    path = write(tmp_path, """
        import numpy as np
        class Adam:
            def __init__(self, learning_rate=0.001, decay=0., epsilon=1e-7, beta_1=0.9, beta_2=0.999):
                self.lr, self.decay, self.eps, self.b1, self.b2 = learning_rate, decay, epsilon, beta_1, beta_2
            def update_params(self, layer):
                t = getattr(layer, "t", 0)
                lr = self.lr / (1. + self.decay * t)
                for p, g, kind in (("weights", "dweights", "weight"), ("biases", "dbiases", "bias")):
                    grad = getattr(layer, g)
                    m = self.b1 * getattr(layer, kind + "_momentums", np.zeros_like(grad)) + (1 - self.b1) * grad
                    v = self.b2 * getattr(layer, kind + "_cache", np.zeros_like(grad)) + (1 - self.b2) * grad ** 2
                    setattr(layer, kind + "_momentums", m)
                    setattr(layer, kind + "_cache", v)
                    step = -lr * (m / (1 - self.b1 ** (t + 1))) / (np.sqrt(v / (1 - self.b2 ** (t + 1))) + self.eps)
                    getattr(layer, p)[...] += step
                layer.t = t + 1
        """)
    status, out, _ = run(capsys, f"{path}:Adam", "--against", "adam:lr=0.05,decay=1e-3", "--epochs", "200")
    assert status == 0, out


def test_look_alikes_name_the_method_that_looks_like_each_missing_one():
    class Adam_Optimizer:
        def __init__(self, learning_rate=0.001):
            pass

        def pre_update(self):
            pass

        def update_parameters(self, layer):
            pass

        def post_update_parameters(self):
            pass

    assert look_alikes(Adam_Optimizer) == {"update_params": "update_parameters", "pre_update_params": "pre_update",
                                           "post_update_params": "post_update_parameters"}
    for name in ("update_param", "update", "optimize"):
        assert look_alikes(type("O", (), {name: lambda self, layer: None})) == {"update_params": name}
    assert look_alikes(type("O", (), {"forward": lambda self, x: None})) == {}
    assert "update_parameters looks like update_params" in lacks(Adam_Optimizer)


def test_a_misnamed_post_update_is_hinted_beside_the_difference(tmp_path, capsys):
    path = reader_file(tmp_path, "Optimizer_Adam", ("def post_update_params(self):", "def post_update(self):"))
    status, out, _ = run(capsys, f"{path}:Optimizer_Adam", "--against", "adam:lr=0.05", "--epochs", "50")
    assert status == 1
    assert "note: Optimizer_Adam has no post_update_params(); its post_update looks like it" in out


@pytest.mark.parametrize("raising, shown", [
    ("raise SystemExit(0)", "exited (SystemExit 0), which is not a pass"),
    ("raise GeneratorExit()", "raised GeneratorExit"),
    ("raise KeyboardInterrupt()", "raised KeyboardInterrupt"),
    ("class Stop(BaseException): pass\n                raise Stop('no')", "raised Stop: no"),
])
def test_any_exit_or_base_exception_from_the_readers_code_is_an_error_with_its_line(tmp_path, raising, shown):
    path = write(tmp_path, f"""
        class O:
            def __init__(self, learning_rate=1.0):
                pass
            def update_params(self, layer):
                {raising}
        """)
    namespace = {"__file__": str(path)}
    exec(compile(path.read_text(), str(path), "exec"), namespace)
    with pytest.raises(ReaderError) as error:
        check_optimizer(namespace["O"], "sgd", epochs=3)
    assert shown in str(error.value) and "(reader.py, line " in str(error.value)


def test_a_result_is_json_and_reads_back():
    for result in (check_optimizer(make_optimizer("adam").__class__, "adam:lr=0.05,decay=1e-3", epochs=5),
                   _failing_result()):
        data = json.loads(json.dumps(result.to_dict(), allow_nan=False))
        assert CheckResult.from_dict(data) == result
        assert data["message"] == result.summary() and data["passed"] is result.passed
    data = _failing_result().to_dict()
    assert (data["epoch"], data["layer"], data["array"], len(data["index"])) == (0, 1, "weights", 2)
    assert set(data["values"]) >= {"yours", "book", "difference"}
    assert data["mistakes"] == ["epsilon inside the square root"]
    with pytest.raises(UserError, match="not a check result"):
        CheckResult.from_dict({**data, "epoch": "soon"})


def _failing_result():
    namespace = {}
    exec(compile(book_class_source("Optimizer_RMSprop").replace(*EPS).replace(*EPS_B), "reader.py", "exec"),
         namespace)
    return check_optimizer(namespace["Optimizer_RMSprop"], "rmsprop:lr=0.02", epochs=5)


def test_an_array_the_reader_removes_is_reported_missing(tmp_path, capsys):
    path = write(tmp_path, """
        class O:
            def __init__(self, learning_rate=1.0):
                self.lr = learning_rate
            def update_params(self, layer):
                layer.weights += -self.lr * layer.dweights
                del layer.biases
        """)
    status, out, _ = run(capsys, f"{path}:O", "--against", "sgd", "--epochs", "3")
    assert status == 1 and "at epoch 0, Dense layer 1, biases\n  shape missing where the book's is (1, 64)" in out
