"""The engine's edge: it imports no drawing code, and importing it changes nothing in the process."""

import json
import os
import subprocess
import sys

from paths import ROOT


_RUN = """
import json, os, sys
before = dict(os.environ)
import animator
imported = dict(os.environ)
from animator import RunConfig, Recording, train
recording = train(RunConfig(epochs=5, frames=2, grid_resolution=4, hyperparameters={"momentum": 0.5}))
recording.save(sys.argv[1])
Recording.load(sys.argv[1])._repr_html_()
from threadpoolctl import threadpool_info
blas = [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"]
print(json.dumps({"environ_changed": before != imported, "after_run_changed": before != dict(os.environ),
                  "loaded": sorted(name for name in sys.modules
                                   if name.split(".")[0] in ("matplotlib", "renderers", "animator_app", "PIL")),
                  "blas_threads": blas}))
"""


def _run(tmp_path, **environ):
    env = {key: value for key, value in os.environ.items()
           if key not in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS")}
    env.update(PYTHONPATH=os.pathsep.join(filter(None, [ROOT, os.environ.get("PYTHONPATH")])), **environ)
    done = subprocess.run([sys.executable, "-c", _RUN, str(tmp_path / "run.npz")], env=env, check=True,
                          capture_output=True, text=True)
    return json.loads(done.stdout)


def test_the_engine_trains_saves_loads_and_shows_without_drawing_code_or_changing_the_environment(tmp_path):
    found = _run(tmp_path)
    assert found["loaded"] == []                        # no matplotlib, renderers, the app or Pillow
    assert not found["environ_changed"] and not found["after_run_changed"]
    assert found["blas_threads"] and set(found["blas_threads"]) == {1}    # a process that trains: one BLAS thread


def test_a_thread_count_the_user_chose_is_kept(tmp_path):
    found = _run(tmp_path, OPENBLAS_NUM_THREADS="2")
    assert set(found["blas_threads"]) == {2}
