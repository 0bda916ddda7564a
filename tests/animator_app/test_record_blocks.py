"""animator record hands the Recorder a block of epochs at a time: the file is the one epoch-by-epoch recording makes."""

import os
import subprocess
import sys

import numpy as np
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DATA = os.path.join(ROOT, "tests", "data")

# the command run in a fresh process (nnfs.init() patches numpy for the whole process), with the blocks or without
DRIVER = """
import sys
import animator.tracer_block
if sys.argv[1] == "each":
    animator.tracer_block.EpochBlock.usable = classmethod(lambda cls, recorder: False)
from animator_app.cli import main
sys.exit(main(sys.argv[2:]))
"""

# edits of the chapter's script: another optimizer, a weight that turns nan mid-block, a loop Ctrl-C stops
CHANGES = {
    "adam": {},
    "adagrad (its cache grows in place)": {"optimizer = Optimizer_Adam(learning_rate=0.05, decay=5e-7)":
                                           "optimizer = Optimizer_Adagrad(decay=1e-4)"},
    "sgd with momentum": {"optimizer = Optimizer_Adam(learning_rate=0.05, decay=5e-7)":
                          "optimizer = Optimizer_SGD(decay=1e-3, momentum=0.9)"},
    "a weight turns nan at epoch 150": {"    optimizer.post_update_params()":
                                        "    optimizer.post_update_params()\n"
                                        "    if epoch == 149:\n        dense2.weights[1, 2] = np.nan"},
    "ctrl-c at epoch 170": {"    optimizer.post_update_params()":
                            "    optimizer.post_update_params()\n"
                            "    if epoch == 170:\n        raise KeyboardInterrupt"},
    "a learning rate in an array, changed in place": {
        "optimizer = Optimizer_Adam(learning_rate=0.05, decay=5e-7)":
            "optimizer = Optimizer_Adam(learning_rate=0.05)\noptimizer.current_learning_rate = np.array(0.05)",
        "    optimizer.post_update_params()": "    optimizer.post_update_params()\n"
                                             "    optimizer.current_learning_rate *= 0.999"},
    "1-D biases, as some readers type them": {
        "self.biases = np.zeros((1, n_neurons))": "self.biases = np.zeros(n_neurons)",
        "self.dbiases = np.sum(dvalues, axis=0, keepdims=True)": "self.dbiases = np.sum(dvalues, axis=0)"},
    "biases that turn 1-D at epoch 260": {
        "self.dbiases = np.sum(dvalues, axis=0, keepdims=True)":
            "self.dbiases = np.sum(dvalues, axis=0, keepdims=self.biases.ndim == 2)",
        "    optimizer.post_update_params()": "    optimizer.post_update_params()\n    if epoch == 259:\n"
                                             "        for d in (dense1, dense2):\n"
                                             "            d.biases, d.bias_momentums, d.bias_cache = (\n"
                                             "                d.biases.ravel(), d.bias_momentums.ravel(), d.bias_cache.ravel())"},
    "a learning rate that is no number from epoch 260": {
        "optimizer = Optimizer_Adam(learning_rate=0.05, decay=5e-7)":
            "class Rate:\n"
            "    def __init__(self, value):\n        self.value = value\n"
            "    def __neg__(self):\n        return Rate(-self.value)\n"
            "    def __mul__(self, other):\n        return self.value * other\n"
            "optimizer = Optimizer_Adam(learning_rate=0.05)",
        "    optimizer.post_update_params()": "    optimizer.post_update_params()\n    if epoch == 259:\n"
                                             "        optimizer.current_learning_rate = Rate(0.05)"},
}
ENDS = {"a weight turns nan at epoch 150": (150, False, 150), "ctrl-c at epoch 170": (None, True, 171),
        "a learning rate that is no number from epoch 260": None}     # refused at epoch 260, where it is read


def _script(folder, changes):
    text = open(os.path.join(DATA, "book_chapter10.py")).read()
    optimizers = open(os.path.join(DATA, "book_optimizers.py")).read()
    start, end = text.index("class Optimizer_Adam:"), text.index("X, y = spiral_data(")
    text = text[:start] + optimizers[optimizers.index("class Optimizer_SGD"):] + "\n\n" + text[end:]
    for old, new in changes.items():
        assert old in text
        text = text.replace(old, new)
    path = folder / "mine.py"
    path.write_text(text)
    return path


@pytest.mark.parametrize("name", list(CHANGES))
def test_a_recording_made_in_blocks_is_byte_for_byte_the_epoch_by_epoch_one(tmp_path, name):
    script = _script(tmp_path, CHANGES[name])
    outputs = {}
    for way in ("blocks", "each"):
        target = tmp_path / f"{way}.npz"
        done = subprocess.run([sys.executable, "-c", DRIVER, way, "record", "-q", "--frames", "12", "--grid", "20",
                               "-o", str(target), str(script), "--", "300"],
                              capture_output=True, text=True, cwd=tmp_path, env={**os.environ, "PYTHONPATH": ROOT})
        outputs[way] = (done.returncode, done.stdout, done.stderr.replace(str(target), "TARGET"),
                        target.read_bytes() if target.exists() else None)
    assert outputs["blocks"] == outputs["each"]
    code, stdout, stderr, saved = outputs["blocks"]
    if ENDS.get(name, ()) is None:
        assert code == 2 and saved is None and "epoch: 200" in stdout and "epoch: 300" not in stdout, stderr
        assert "what the script trains cannot be recorded: learning_rate must be a number (got Rate)" in stderr
        return
    assert code in (0, 130), stderr
    from animator.recording import Recording

    recording = Recording.load(tmp_path / "blocks.npz")
    diverged_at, interrupted, epochs = ENDS.get(name, (None, False, 301))
    status = recording.status
    assert (status.diverged_at, status.interrupted, status.epochs_recorded) == (diverged_at, interrupted, epochs)
    if name == "a learning rate in an array, changed in place":
        rates = recording.learning_rate
        assert rates[0] == 0.05 and (np.diff(rates) < 0).all()      # each epoch's own rate, not the block's last
