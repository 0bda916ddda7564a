"""What the ``recording_snapshot`` fixture does: fail when a run's, a race's or a descent's numbers change.

A recording snapshot is an :class:`animator.testing.snapshot.RecordingSnapshot`,
compared with ``rtol`` and ``atol`` as :func:`numpy.isclose` and
pytest-regressions do (defaults 1e-5 and 1e-8; per array with ``tolerances``).

PYTEST_DONT_REWRITE: the plugin words its own failures.
"""

import shutil

from animator.testing.snapshot import RecordingSnapshot, SnapshotError

from .files import RECORDING
from .options import ini_float
from .report import UPDATE_HINT
from .runs import compare_any, kind_of, snapshot_of, storage


class RecordingSnapshotFixture:
    """The ``recording_snapshot`` fixture."""

    def __init__(self, place):
        self._place = place

    def assert_match(self, recording, *, name=None, rtol=None, atol=None, tolerances=None, layer_epochs=None):
        """Fail unless ``recording`` matches this test's snapshot; with ``--snapshot-update``, write it instead.

        ``recording`` is a Recording (trained by animator or recorded from your
        own loop), a race (``RaceResult``, compared entrant by entrant) or a
        descent (``Trajectory``, compared step by step).  Compared are the run's
        settings and data, the loss, accuracy and learning rate of every epoch,
        and the layers' weights, biases and updates at the epochs both the run
        and the snapshot kept (which epochs a run keeps is how it was recorded,
        not what it computed), within ``atol + rtol * |expected|`` (defaults
        from the ini options ``animator_snapshot_rtol`` and
        ``animator_snapshot_atol``: 1e-5 and 1e-8).  ``tolerances`` sets them per
        array: ``{"learning_rate": {"rtol": 0}, "dense*.weight_updates": {"atol": 1e-6}}``.
        The failure names the first differing epoch and array, and writes the
        expected and actual snapshots to the results folder.
        ``layer_epochs`` is how many epochs' layer arrays a new snapshot keeps
        (ini ``animator_snapshot_layer_epochs``, 50); ``--snapshot-update``
        rewrites a matching snapshot that keeps others.  ``name`` names the
        snapshot when a test makes several.
        """
        __tracebackhide__ = True
        kind_of(recording)
        place = self._place
        config = place.config
        rtol = ini_float(config, "animator_snapshot_rtol") if rtol is None else rtol
        atol = ini_float(config, "animator_snapshot_atol") if atol is None else atol
        if layer_epochs is None:
            layer_epochs = ini_float(config, "animator_snapshot_layer_epochs")
        path = place.path(RECORDING, name)
        stored = place.stored(path, _ours)
        shown = place.shown(stored)
        snapshot = snapshot_of(recording, layer_epochs=layer_epochs)
        expected, problem = None, None
        if stored.exists():
            try:
                expected = RecordingSnapshot.load(stored)
            except SnapshotError as error:
                problem = f"{shown}: {error.problem}; {UPDATE_HINT} to rewrite it"
        if expected is not None:
            mismatch = compare_any(recording, expected, layer_epochs=layer_epochs, rtol=rtol, atol=atol,
                                   tolerances=tolerances)
            if mismatch is None and not (place.update and (storage(snapshot) != storage(expected) or stored != path)):
                place.report["unchanged"].append(shown)
                return
            if mismatch is not None and not place.update:
                actual = snapshot.save(place.results(path, ".actual" + RECORDING))
                copy = place.results(path, ".expected" + RECORDING)
                shutil.copyfile(stored, copy)
                place.report["failed"].append(shown)
                details = "\n".join(f"  {line}" for line in mismatch.describe().splitlines())
                raise AssertionError(f"the run differs from its snapshot {shown} (rtol={rtol:g}, atol={atol:g}):\n"
                                     f"{details}\nthis run's snapshot: {actual} (the expected one beside it)\n"
                                     f"{UPDATE_HINT} to accept this run")
        elif not place.update:
            place.report["failed" if problem else "missing"].append(shown)
            raise AssertionError(problem or f"no snapshot {shown}; {UPDATE_HINT} to create it")
        existed = path.exists()
        path.parent.mkdir(parents=True, exist_ok=True)
        snapshot.save(path)
        place.wrote(path, existed, stored)


def _ours(path):
    try:
        RecordingSnapshot.load(path)
        return True
    except SnapshotError:
        return False
