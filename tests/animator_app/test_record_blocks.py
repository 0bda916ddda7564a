"""animator record hands the Recorder a block of epochs at a time: the file is the one epoch-by-epoch recording makes."""

import os
import subprocess
import sys

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
}


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
        done = subprocess.run([sys.executable, "-c", DRIVER, way, "record", "-q", "--frames", "12", "--grid", "20",
                               "-o", str(tmp_path / f"{way}.npz"), str(script), "--", "300"],
                              capture_output=True, text=True, cwd=tmp_path, env={**os.environ, "PYTHONPATH": ROOT})
        assert done.returncode in (0, 130), done.stderr
        outputs[way] = (done.stdout, (tmp_path / f"{way}.npz").read_bytes())
    assert outputs["blocks"] == outputs["each"]
    from animator.recording import Recording

    status = Recording.load(tmp_path / "blocks.npz").status
    assert status.diverged_at == (150 if "nan" in name else None)
    assert status.interrupted == ("ctrl-c" in name)
    assert status.epochs_recorded == {"a weight turns nan at epoch 150": 150, "ctrl-c at epoch 170": 171}.get(name, 301)
