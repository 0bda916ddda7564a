"""What the snapshot fixtures do across a session: collisions, what was used, stale files, pytest-xdist.

Every process keeps a :class:`Tally` in pytest's stash.  At collection it
works out each test's snapshot file name, so two tests whose names would give
one file (ids ``a/b`` and ``ab``: ``/`` cannot be in a file name) are an error
in both, on every pytest-xdist worker alike.  During the session it records
which snapshot files the fixtures read or wrote and how each test ended.  At
the end, a worker hands its tally to the controller (``config.workeroutput``,
as pytest-xdist documents), and the controller, or a session without workers,
finds the stale snapshot files, as syrupy finds unused snapshots:

- when every collected test was selected, a file in a collected module's
  snapshot folder that no test used is stale, unless a test of its name was
  skipped or failed (it may not have reached its snapshots); so is the folder
  of a test module that no longer exists, when pytest was given no file or node;
- when only some tests were selected (``-k``, ``-m``, ``--lf``, node ids), only
  the unused files of tests that ran and passed are stale (a test that now
  makes fewer snapshots, or other names).

Stale files fail the session (unless ``--snapshot-warn-unused``) and are
deleted with ``--snapshot-update``.  While a test that uses ``frame_snapshot``
runs, matplotlib holds its default settings (:func:`.frames.pinned`), so what
the test draws, builds or renders does not depend on a matplotlibrc.
"""

import os
import re
from pathlib import Path

import pytest

from .options import check_settings, updating, warn_unused

SNAPSHOTS = "__animator_snapshots__"
KINDS = ("written", "updated", "moved", "unchanged", "missing", "failed", "stale", "deleted")
FIXTURES = ("recording_snapshot", "frame_snapshot")
_TALLY = pytest.StashKey["Tally"]()
_OUTPUT = "animator_snapshots"     # the key of a worker's tally in config.workeroutput


class Tally:
    """One process's record of the session's snapshots; see the module docstring."""

    def __init__(self):
        self.report = {kind: [] for kind in KINDS}
        self.results = None
        self.used = set()           # snapshot files (absolute) the fixtures read or wrote
        self.outcomes = {}          # nodeid: passed, failed or skipped
        self.tests = {}             # nodeid: (snapshot folder, file stem), for every selected test
        self.modules = set()        # the snapshot folders of the collected test modules
        self.narrowed = False       # some collected tests were not selected
        self.named = False          # pytest was given files or nodes, not only folders
        self.owners = {}            # (folder, stem, casefolded): nodeids, from the collection
        self.claims = {}            # (folder, file name, casefolded): nodeid, from the calls made
        self.workers = [0, 0]       # pytest-xdist workers started, and reports received

    def as_output(self):
        return {"report": self.report, "results": self.results, "used": sorted(self.used),
                "outcomes": self.outcomes, "tests": {k: list(v) for k, v in self.tests.items()},
                "modules": sorted(self.modules), "narrowed": self.narrowed, "named": self.named}

    def merge(self, output):
        for kind in KINDS:
            self.report[kind] += output["report"].get(kind, [])
        self.results = self.results or output["results"]
        self.used.update(output["used"])
        self.outcomes.update(output["outcomes"])
        self.tests.update({k: tuple(v) for k, v in output["tests"].items()})
        self.modules.update(output["modules"])
        self.narrowed |= output["narrowed"]
        self.named |= output["named"]
        self.workers[1] += 1


def tally(config):
    """The session's :class:`Tally` (created on first use)."""
    return config.stash.setdefault(_TALLY, Tally())


def folder_of(module_path):
    """The snapshot folder of a test module: ``__animator_snapshots__/<module>`` beside it."""
    module = Path(module_path)
    return module.parent / SNAPSHOTS / module.stem


def clean(name):
    """A file name from a test name, as syrupy makes it: no ``\\ / ? * : | " < >`` or control characters."""
    import unicodedata

    kept = "".join(c for c in name if c not in '\\/?*:|"<>' and not unicodedata.category(c).startswith("C"))
    return kept[:200]


def test_stem(item):
    """The file stem of ``item``'s first snapshot: ``<Class.>test[params]``, cleaned."""
    cls = getattr(item, "cls", None)
    return clean((f"{cls.__name__}." if cls is not None else "") + item.name)


def claim(config, nodeid, folder, name):
    """Claim the snapshot file ``folder/name`` for test ``nodeid``; a ValueError if another test has it."""
    record = tally(config)
    stem = name[:-len(Path(name).suffix)] if Path(name).suffix in _suffixes() else name
    others = [n for n in record.owners.get((str(folder), stem.casefold()), ()) if n != nodeid]
    key = (str(folder), name.casefold())
    holder = record.claims.setdefault(key, nodeid)
    if holder != nodeid:
        others.append(holder)
    if others:
        raise ValueError(f"the snapshot file {name} would be shared by {nodeid} and {others[0]} (a file name "
                         f'cannot hold \\ / ? * : | " < > and does not tell case apart everywhere); give the '
                         f"tests ids that differ otherwise, or each call its own name=")
    record.used.add(str(Path(folder) / name))


# -- hooks ---------------------------------------------------------------------------------

def pytest_configure(config):
    check_settings(config)
    tally(config)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(session, config, items):
    record = tally(config)
    for item in items:
        module = getattr(item, "path", None)
        if module is None:
            continue
        folder, stem = str(folder_of(module)), test_stem(item)
        record.modules.add(folder)
        record.tests[item.nodeid] = (folder, stem)
        if any(name in getattr(item, "fixturenames", ()) for name in FIXTURES):
            record.owners.setdefault((folder, stem.casefold()), []).append(item.nodeid)
    record.named = any("::" in str(arg) or os.path.isfile(str(arg).split("::")[0]) for arg in config.args)


def pytest_deselected(items):
    if items:
        tally(items[0].config).narrowed = True


def pytest_collection_finish(session):
    record = tally(session.config)
    selected = {item.nodeid for item in session.items}
    record.tests = {k: v for k, v in record.tests.items() if k in selected}


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    outcomes = tally(item.config).outcomes
    if report.failed or report.skipped:
        outcomes[item.nodeid] = "failed" if report.failed else outcomes.get(item.nodeid, "skipped")
    elif report.when == "call":
        outcomes.setdefault(item.nodeid, "passed")
    return report


@pytest.fixture(autouse=True)
def _animator_pins_matplotlib(request):
    """matplotlib's default settings while a test that uses ``frame_snapshot`` runs (see the module docstring)."""
    if "frame_snapshot" not in request.fixturenames:
        yield
        return
    from .frames import pinned

    with pinned():
        yield


@pytest.hookimpl(optionalhook=True)
def pytest_testnodeready(node):
    tally(node.config).workers[0] += 1


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    output = getattr(node, "workeroutput", {}).get(_OUTPUT)
    if output is not None:
        tally(node.config).merge(output)


def pytest_sessionfinish(session, exitstatus):
    config = session.config
    record = tally(config)
    if hasattr(config, "workerinput"):          # a pytest-xdist worker: the controller sums up
        config.workeroutput[_OUTPUT] = record.as_output()
        return
    if record.workers[1] < record.workers[0]:   # a worker died: what was used is not known
        return
    record.report["stale"] = stale = sorted(_stale(record))
    if stale and updating(config):
        for path in stale:
            Path(path).unlink(missing_ok=True)
            _remove_empty(Path(path).parent)
        record.report["deleted"], record.report["stale"] = stale, []
    elif stale and not warn_unused(config) and session.exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def _stale(record):
    if any(nodeid not in record.outcomes for nodeid in record.tests):
        return                      # the session stopped early (-x, Ctrl-C): what is unused is not known
    by_folder = {}
    for nodeid, (folder, stem) in record.tests.items():
        by_folder.setdefault(folder, []).append((stem, record.outcomes.get(nodeid)))
    folders = set(record.modules)
    if not (record.narrowed or record.named):     # the folders of test modules that are gone
        for parent in {Path(f).parent for f in record.modules}:
            folders.update(str(p) for p in parent.glob("*") if p.is_dir() and not (parent.parent / f"{p.name}.py").exists())
    for folder in folders:
        tests = by_folder.get(folder, [])
        for path in Path(folder).glob("*"):
            if path.suffix not in _suffixes() or not path.is_file() or str(path) in record.used:
                continue
            owners = [outcome for stem, outcome in tests if _belongs(path.stem, stem)]
            if record.narrowed or record.named:
                if owners and all(outcome == "passed" for outcome in owners):
                    yield str(path)
            elif not any(outcome in ("skipped", "failed") for outcome in owners):
                yield str(path)


def _suffixes():
    from .files import FRAME, RECORDING     # the snapshot files' own module names their types

    return RECORDING, FRAME


def _belongs(file_stem, test):
    """Whether a snapshot file named ``file_stem`` is one test ``test`` makes: itself, ``.N`` or ``[name]``."""
    return file_stem == test or (file_stem.startswith(test) and re.fullmatch(r"\.\d+|\[.*\]", file_stem[len(test):])
                                 is not None)


def _remove_empty(folder):
    for path in (folder, folder.parent):
        try:
            path.rmdir()            # only when empty: OSError otherwise
        except OSError:
            return
