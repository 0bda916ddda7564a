"""The chapter's notebook runs headless from top to bottom, and a Recording shows itself in Jupyter."""

import base64
import io
import os
import subprocess
import sys

import pytest

from animator import RunConfig, train
from paths import ROOT

NOTEBOOK = os.path.join(ROOT, "examples", "chapter10.ipynb")


def test_the_chapter_notebook_executes_without_an_error(tmp_path, monkeypatch):
    nbformat = pytest.importorskip("nbformat", reason="pip install -e '.[test]' for nbformat")
    nbclient = pytest.importorskip("nbclient", reason="pip install -e '.[test]' for nbclient")
    pytest.importorskip("ipykernel", reason="pip install -e '.[test]' for ipykernel (the python3 kernel)")
    monkeypatch.setenv("TMPDIR", str(tmp_path))                 # the notebook writes into a temporary folder
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [ROOT, os.environ.get("PYTHONPATH")])))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(notebook, timeout=600, kernel_name="python3",
                                     resources={"metadata": {"path": str(tmp_path)}})
    client.execute()                                            # raises CellExecutionError on any error
    outputs = [output for cell in notebook.cells if cell.cell_type == "code" for output in cell.outputs]
    assert not [output for output in outputs if output.output_type == "error"]
    html = [output["data"]["text/html"] for output in outputs if "text/html" in output.get("data", {})]
    assert any("<strong>Recording</strong>" in page and "data:image/png;base64," in page for page in html)
    assert any("data:image/gif;base64," in page for page in html)          # the rendered GIF plays inline
    assert len(html) >= 4


def _summary(recording):
    page = recording._repr_html_()
    return page, page.split("<br>")[0]


def test_a_recording_shows_a_summary_and_its_last_frame():
    from PIL import Image

    import renderers  # noqa: F401  (registers the picture under the summary)

    recording = train(RunConfig(epochs=20, frames=3, grid_resolution=16, hyperparameters={"momentum": 0.5}))
    page, summary = _summary(recording)
    assert "sgd (lr=1.0, decay=0.0, momentum=0.5)" in summary
    assert "21 recorded of 21, 3 frames" in summary and "status</th><td" in summary and "finished" in summary
    assert f"loss {recording.loss[-1]:.3f}" in summary and f"accuracy {recording.accuracy[-1]:.3f}" in summary
    still = Image.open(io.BytesIO(base64.b64decode(page.split("base64,")[1].split('"')[0])))
    assert still.size == (640, 360)


def test_a_diverged_recording_says_so():
    recording = train(RunConfig(epochs=50, frames=3, grid_resolution=8, hyperparameters={"lr": 1e30}))
    _, summary = _summary(recording)
    assert recording.diverged_at is not None
    assert f"diverged at epoch {recording.diverged_at}" in summary


def test_the_picture_comes_from_the_renderers_the_engine_alone_shows_the_summary():
    code = ("import sys; from animator import RunConfig, train; "
            "r = train(RunConfig(epochs=3, frames=2, grid_resolution=4)); page = r._repr_html_(); "
            "assert 'matplotlib' not in sys.modules and '<img' not in page and 'finished' in page; "
            "import renderers; assert 'data:image/png;base64,' in r._repr_html_()")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [ROOT, os.environ.get("PYTHONPATH")]))}
    subprocess.run([sys.executable, "-c", code], check=True, env=env)


def test_check_optimizer_takes_a_class_typed_in_a_notebook(monkeypatch):
    import types

    from animator.testing import check_optimizer

    monkeypatch.setitem(sys.modules, "__main__", types.ModuleType("__main__"))     # a kernel's: no __file__
    namespace = {"__name__": "__main__"}
    exec("class Optimizer_SGD:\n"
         "    def __init__(self, learning_rate=1.0):\n"
         "        self.current_learning_rate = learning_rate\n"
         "    def update_params(self, layer):\n"
         "        layer.weights += -self.current_learning_rate * layer.dweights\n"
         "        layer.biases += -self.current_learning_rate * layer.dbiases\n", namespace)
    assert check_optimizer(namespace["Optimizer_SGD"], "sgd", epochs=5).passed
