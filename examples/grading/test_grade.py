"""Grade a class's optimizers with pytest: one test per submission and setting, each checked in its own process.

    SUBMISSIONS='submissions/*/optimizers.py' python -m pytest -q examples/grading/test_grade.py

Every submission is checked against every setting in ``SETTINGS`` by
``animator check``'s machinery (:func:`animator_app.grading.run_checks`): each
check in a fresh process of its own, stopped after ``TIMEOUT`` seconds, the
submission's own prints kept apart.  A failing test says where the step first
differs from the book's and which known mistake it is; pytest's plugins then
turn the tests into whatever the course reads (``--junitxml``, a Gradescope or
GitHub Classroom runner).

Settings come in pairs where a mistake needs a larger decay to show: with the
chapter's decay of 5e-7, Adam's decay applied one step late is smaller than
float32 can tell, so the second Adam setting uses 1e-2.
"""

import glob
import os

import pytest

from animator.testing import DEFAULT_RTOL
from animator_app.grading import Task, run_checks

SETTINGS = (
    "sgd:lr=1,decay=1e-3,momentum=0.9",
    "adagrad:decay=1e-4",
    "rmsprop:lr=0.02,decay=1e-5,rho=0.999",
    "adam:lr=0.05,decay=5e-7",
    "adam:lr=0.05,decay=1e-2",
)
SUBMISSIONS = sorted(glob.glob(os.environ.get("SUBMISSIONS", "submissions/*/optimizers.py")))
EPOCHS = int(os.environ.get("EPOCHS", "1000"))
TIMEOUT = float(os.environ.get("TIMEOUT", "120"))
JOBS = int(os.environ.get("JOBS", str(min(4, os.cpu_count() or 1))))
CASES = [(submission, setting) for submission in SUBMISSIONS for setting in SETTINGS]


def _name(submission):
    """``alice`` for ``submissions/alice/optimizers.py``: the submission's folder, or its file's name."""
    folder = os.path.basename(os.path.dirname(os.path.abspath(submission)))
    return folder if os.path.basename(submission) == "optimizers.py" else os.path.basename(submission)


@pytest.fixture(scope="module")
def outcomes():
    """Every check, run once for the module, ``JOBS`` at a time: ``{(submission, setting): Outcome}``."""
    # the class is found by its name: Optimizer_Adam for adam:..., or the file's only optimizer class
    tasks = [Task(submission, None, setting, EPOCHS, DEFAULT_RTOL) for submission, setting in CASES]
    return {(outcome.file, outcome.setting): outcome for outcome in run_checks(tasks, jobs=JOBS, timeout=TIMEOUT)}


@pytest.mark.parametrize("submission, setting", CASES, ids=[f"{_name(s)}-{t}" for s, t in CASES])
def test_the_optimizer_steps_as_the_book_does(outcomes, submission, setting):
    outcome = outcomes[submission, setting]
    printed = outcome.output.rstrip("\n").split("\n")[-10:] if outcome.output else []
    assert outcome.passed, "\n".join([outcome.text(), *(["it printed, last:"] + printed if printed else [])])
