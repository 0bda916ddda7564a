"""The ``recording_snapshot`` fixture: fail when a run's numbers change.

A recording snapshot is an :class:`animator.testing.snapshot.RecordingSnapshot`,
compared with ``rtol`` and ``atol`` as :func:`numpy.isclose` and
pytest-regressions do (defaults 1e-5 and 1e-8; per array with ``tolerances``).

PYTEST_DONT_REWRITE: the plugin words its own failures.
"""

import pytest

from animator.recording import Recording
from animator.testing.snapshot import RecordingSnapshot, SnapshotError, compare

from .files import RECORDING, Place
from .options import ini_float
from .report import UPDATE_HINT


@pytest.fixture
def recording_snapshot(request, tmp_path_factory):
    """Compare a Recording with ``__snapshots__/<module>/<test>.npz``: ``.assert_match(recording)``."""
    return RecordingSnapshotFixture(Place(request, tmp_path_factory))


class RecordingSnapshotFixture:
    """The ``recording_snapshot`` fixture."""

    def __init__(self, place):
        self._place = place

    def assert_match(self, recording, *, name=None, rtol=None, atol=None, tolerances=None, layer_epochs=None):
        """Fail unless ``recording`` matches this test's snapshot; with ``--snapshot-update``, write it instead.

        Compared are the run's settings and data, the loss, accuracy and
        learning rate of every epoch, and the layers' weights, biases and updates
        at the snapshot's epochs, within ``atol + rtol * |expected|``
        (defaults from the ini options ``animator_snapshot_rtol`` and
        ``animator_snapshot_atol``: 1e-5 and 1e-8).  ``tolerances`` sets them per
        array: ``{"learning_rate": {"rtol": 0}, "dense*.weight_updates": {"atol": 1e-6}}``.
        The failure names the first differing epoch and array.
        ``layer_epochs`` is how many epochs' layer arrays a new snapshot keeps
        (ini ``animator_snapshot_layer_epochs``, 50).  ``name`` names the
        snapshot when a test makes several.
        """
        __tracebackhide__ = True
        if not isinstance(recording, Recording):
            raise TypeError(f"recording_snapshot.assert_match takes an animator Recording, "
                            f"not {type(recording).__name__}")
        place = self._place
        config = place.config
        rtol = ini_float(config, "animator_snapshot_rtol") if rtol is None else rtol
        atol = ini_float(config, "animator_snapshot_atol") if atol is None else atol
        if layer_epochs is None:
            layer_epochs = int(ini_float(config, "animator_snapshot_layer_epochs"))
        path = place.path(RECORDING, name)
        shown = place.shown(path)
        expected, problem = None, None
        if path.exists():
            try:
                expected = RecordingSnapshot.load(path)
            except SnapshotError as error:
                problem = f"{shown}: {error.problem}; {UPDATE_HINT} to rewrite it"
        if expected is not None:
            mismatch = compare(recording, expected, rtol=rtol, atol=atol, tolerances=tolerances)
            if mismatch is None:
                place.report["unchanged"].append(shown)
                return
            if not place.update:
                actual = place.results(path, ".actual" + RECORDING)
                RecordingSnapshot.of(recording, layer_epochs=layer_epochs).save(actual)
                place.report["failed"].append(shown)
                details = "\n".join(f"  {line}" for line in mismatch.describe().splitlines())
                raise AssertionError(f"the run differs from its snapshot {shown} (rtol={rtol:g}, atol={atol:g}):\n"
                                     f"{details}\nthis run's snapshot: {actual}\n"
                                     f"{UPDATE_HINT} to accept this run")
        elif not place.update:
            place.report["failed" if problem else "missing"].append(shown)
            raise AssertionError(problem or f"no snapshot {shown}; {UPDATE_HINT} to create it")
        existed = path.exists()
        path.parent.mkdir(parents=True, exist_ok=True)
        RecordingSnapshot.of(recording, layer_epochs=layer_epochs).save(path)
        place.wrote(path, existed)
