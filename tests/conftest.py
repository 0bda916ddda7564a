import os
import shutil
import signal
import subprocess
import sys
import tempfile

import pytest

from animator_app.cli import main
from paths import font_list_into

TESTS = os.path.dirname(os.path.abspath(__file__))

# The markers (registered in setup.cfg) and how a test is known to need each, in one place.
# "slow" modules train, render or run whole commands in most of their tests (seconds each); what is
# left, -m "not slow", checks the engine, optimizers, writers, specs and the command line's checks in
# well under a minute.
SLOW_MODULES = {
    "test_snapshot_plugin.py", "test_trust_sweep.py", "test_book_cache.py", "test_render.py", "test_book.py",
    "test_signals.py", "test_budget.py", "test_sweep.py", "test_metadata.py", "test_presets.py",
    "test_shapes_descent.py", "test_webp.py", "test_trust_book.py", "test_command_registry.py", "test_player.py",
    "test_layout_shapes.py", "test_output_safety.py", "test_pool.py", "test_notebook.py", "test_reproduce.py",
    "test_slides.py", "test_slides_untrusted.py", "test_golden_bytes.py", "test_poster_latex.py",
    "test_descent_render.py", "test_trust_files.py", "test_pinned_style.py", "test_record.py", "test_record_blocks.py",
    "test_snapshot_sources.py", "test_snapshot_session.py",
    "test_landscape_render.py", "test_landscape_command.py", "test_text_extents.py", "test_chapter_story.py",
}
MARKED = {
    "slow": lambda item: item.path.name in SLOW_MODULES,
    "browser": lambda item: "browser" in item.fixturenames,
    "office": lambda item: "libreoffice" in item.name,
    "latex": lambda item: "pdflatex" in item.name,
    "dask": lambda item: any("dask extra" in str(mark.kwargs.get("reason", "")) for mark in item.iter_markers("skipif")),
    "torch": lambda item: any("torch extra" in str(mark.kwargs.get("reason", "")) for mark in item.iter_markers("skipif")),
    "keras": lambda item: any("keras extra" in str(mark.kwargs.get("reason", "")) for mark in item.iter_markers("skipif")),
    "notebook": lambda item: item.path.name == "test_notebook.py",
}


# matplotlib keeps its font list in its cache folder, which XDG_CACHE_HOME (below) moves: every process the tests
# start (commands, inner pytest runs, spawned workers) would scan every installed font again, about 2 s each where
# texlive is installed. matplotlib is imported before the move, with the list of matplotlib's own cache folder
# (built there once, as by any use of matplotlib), and a matplotlib folder for the session holds a copy; as
# MPLCONFIGDIR it also keeps a developer's own matplotlibrc out of the processes the tests start.
# It is imported whole, the figure and the Agg canvas: pytester's in-process runs forget the modules they
# import, and a part kept from here beside parts imported again by each run would make two classes of one name
# (matplotlib.patches.Rectangle against artist's).
import matplotlib.backends.backend_agg  # noqa: E402,F401
import matplotlib.figure  # noqa: E402,F401

_SESSION_MATPLOTLIB = tempfile.mkdtemp(prefix="animator-tests-matplotlib-")
font_list_into(_SESSION_MATPLOTLIB)
os.environ["MPLCONFIGDIR"] = _SESSION_MATPLOTLIB

# The book keeps its runs in the user's cache folder: the tests never touch the real one. A folder for the
# session (its fixtures), and a fresh one for each test, so no test finds another's runs.
_SESSION_CACHE = tempfile.mkdtemp(prefix="animator-tests-cache-")
os.environ["XDG_CACHE_HOME"] = _SESSION_CACHE


def pytest_sessionfinish(session):
    shutil.rmtree(_SESSION_CACHE, ignore_errors=True)
    shutil.rmtree(_SESSION_MATPLOTLIB, ignore_errors=True)


@pytest.fixture(autouse=True)
def _own_cache_folder(monkeypatch, tmp_path_factory):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("xdg-cache")))


def pytest_xdist_auto_num_workers(config):
    """Workers for ``-n logical`` (setup.cfg's default): one per core this process may use, at most eight.

    Each worker imports, trains and draws for itself and builds its own module fixtures: past eight, on a
    large machine, those fixed costs and the memory they hold outweigh what one more worker adds.
    """
    return max(1, min(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1, 8))


def pytest_collection_modifyitems(items):
    for item in items:
        for name, applies in MARKED.items():
            if applies(item):
                item.add_marker(name)
DATA = os.path.join(TESTS, "data")
REFERENCE_LOG = os.path.join(DATA, "ch10_sgd_decay1e-2.log")


class Result:
    def __init__(self, code, out, err):
        self.code, self.out, self.err = code, out, err

    def __repr__(self):
        return f"Result(code={self.code}, out={self.out[-300:]!r}, err={self.err[-300:]!r})"


@pytest.fixture
def hang_guard():
    """Fail a test that is still running after `seconds`: a guard against a hang, never a measure of speed.

    Tests whose subject could hang (a dead worker, an endless check) call `hang_guard(seconds)` with a bound
    many times what the work takes on a busy machine; SIGALRM then turns a hang into a failure naming it.
    """
    def fail(signum, frame):
        pytest.fail("still running after the hang guard's bound: the code under test hangs", pytrace=False)

    previous = signal.signal(signal.SIGALRM, fail)
    yield lambda seconds: signal.alarm(seconds)
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


@pytest.fixture
def cli(capsys):
    """Run ``animator ARGS`` in this process; returns code, stdout and stderr."""

    def run(*args):
        capsys.readouterr()
        code = main([str(a) for a in args])
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run


def run_book_loop(config, epochs, every):
    """Lines printed by tests/book_loop.py (the book's own code under nnfs.init())."""
    import json

    completed = subprocess.run([sys.executable, os.path.join(TESTS, "book_loop.py"), json.dumps(config),
                                str(epochs), str(every)], capture_output=True, text=True, check=True)
    return completed.stdout.splitlines()


# -- inner pytest runs (pytester) -------------------------------------------------------------------

@pytest.fixture(scope="session")
def inner_runs_share_imports():
    """Import once, in this session, what every in-process inner pytest run would import again.

    pytester forgets the modules an inner run imported when the run ends.  hypothesis's pytest
    plugin imports ``hypothesis`` at the end of every session, and pytest rewrites the asserts of a
    pytest11 plugin's whole distribution, so each inner run paid about 1 s for it.  Modules already
    imported here are kept by the inner runs; what they check is unchanged (this session imports
    hypothesis at its own end anyway).

    Every command module too: each registers its command as it is imported, so one that an inner run
    imported and pytester then forgot would register a second time when a later test imports it again
    ("command 'info' is registered twice", where an inner snapshot run came before a reproduce).
    """
    from animator_app.commands import COMMANDS

    list(COMMANDS)              # reading the registry imports every command module
    try:
        import hypothesis  # noqa: F401
    except ImportError:
        pass


@pytest.fixture
def pytester(inner_runs_share_imports, pytester, monkeypatch):
    """pytester, after the imports its inner runs share (set up first: pytester notes sys.modules).

    An inner run is a session of its own, not a pytest-xdist worker, even when this session runs under
    ``-n``: the variables xdist sets in its workers would make syrupy (and any plugin that asks) keep its
    summary for a controller that the inner run does not have.
    """
    for name in ("PYTEST_XDIST_WORKER", "PYTEST_XDIST_WORKER_COUNT", "PYTEST_XDIST_TESTRUNUID"):
        monkeypatch.delenv(name, raising=False)
    return pytester


# -- one reduced book per session -------------------------------------------------------------------

# The book's job records are keyed by the command line (--jobs included), so a test that runs the book
# again over a copy gives exactly these arguments.
BOOK_ARGS = ["--epochs", "30", "--frames", "4", "--size", "480x270", "--fps", "10", "--hold", "0", "--jobs", "2"]


@pytest.fixture(scope="session")
def reduced_book(tmp_path_factory, worker_id):
    """``(folder, Result)`` of ``animator book -o folder *BOOK_ARGS``, made once: read it, or copy it to change it.

    Once for the whole session, pytest-xdist's workers included: the first worker to ask makes it in the
    session's shared temporary folder while the others wait on a lock, then read what it left (the folder
    and the command's result); a book is about 18 CPU seconds, which each worker would otherwise pay.
    """
    import contextlib
    import fcntl
    import io
    import json

    if worker_id == "master":           # no xdist: a folder of this session's own
        shared = tmp_path_factory.mktemp("reduced_book")
    else:                               # the folder all workers of this session share (xdist's own advice)
        shared = tmp_path_factory.getbasetemp().parent / "reduced_book"
        shared.mkdir(exist_ok=True)
    folder, made = shared / "book", shared / "result.json"
    with open(shared / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not made.exists():
            shutil.rmtree(folder, ignore_errors=True)     # what a worker that failed before us left
            out, err = io.StringIO(), io.StringIO()
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                code = main(["book", "-o", str(folder), *BOOK_ARGS])
            made.write_text(json.dumps([code, out.getvalue(), err.getvalue()]), encoding="utf-8")
        code, out, err = json.loads(made.read_text(encoding="utf-8"))
    return folder, Result(code, out, err)
