"""pytest fixtures that fail when a run or a frame changes: ``recording_snapshot`` and ``frame_snapshot``.

Installed with the package (entry point ``pytest11``), so any test can use them::

    from animator import RunConfig, train

    def test_sgd_with_momentum(recording_snapshot, frame_snapshot):
        recording = train(RunConfig(epochs=300, hyperparameters={"momentum": 0.9}))
        recording_snapshot.assert_match(recording)             # loss, accuracy, lr, weights, updates
        frame_snapshot.assert_match(recording, frame="last")   # the last frame, pixel by pixel

``pytest --snapshot-update`` writes the missing snapshots and rewrites those
that differ (one that still matches is left alone, byte for byte); without it a
missing snapshot fails with that hint.  Snapshots live beside the test module,
as syrupy keeps single-file snapshots: ``__snapshots__/<module>/<test>.npz``
and ``.png``; a second call in the same test adds ``.1``, ``.2``, ... to the
name, and ``name="..."`` gives ``<test>[...]``.

A recording snapshot is an :class:`animator.testing.snapshot.RecordingSnapshot`,
compared with ``rtol`` and ``atol`` as :func:`numpy.isclose` and
pytest-regressions do (defaults 1e-5 and 1e-8; per array with ``tolerances``).
A frame is compared by its RMS difference over the RGB values (0-255), as
pytest-mpl does; the default tolerance is 1.0, half pytest-mpl's 2, because one
changed number in a 640x360 frame's caption measures about 3.  On failure the
expected, actual and diff images are written to the results folder
(``--snapshot-results DIR``, by default ``animator-snapshots/`` in pytest's
temporary folder) and the message gives the diff image's path.

Frames for snapshots are drawn the same way on every machine: a Recording's at
640x360 on Agg with matplotlib's default settings (whatever a matplotlibrc or
style says) and the DejaVu Sans bundled with matplotlib.  What still changes
pixels is the rasteriser: matplotlib's and Pillow's versions (and the FreeType
each was built with), and numpy's, through the trained numbers.  A failure
says which of those versions differ from the snapshot's.

``--snapshot-update`` is the flag syrupy defines too, with the same ``dest``:
when syrupy is installed it defines the flag, and one ``--snapshot-update``
updates both kinds of snapshots.

The fixtures and hooks are in :mod:`animator_app.snapshots`; this module is the
plugin pytest loads (entry point ``pytest11``: ``animator = animator_app.pytest_plugin``).

PYTEST_DONT_REWRITE: the plugin words its own failures, so pytest need not rewrite its asserts.
"""

from animator.lazy import exports

from .snapshots.fixtures import frame_snapshot, recording_snapshot
from .snapshots.options import pytest_addoption
from .snapshots.report import pytest_terminal_summary
from .snapshots.session import (_animator_pins_matplotlib, pytest_collection_finish, pytest_collection_modifyitems,
                                pytest_configure, pytest_deselected, pytest_runtest_makereport, pytest_sessionfinish,
                                pytest_testnodedown, pytest_testnodeready)

__all__ = ["_animator_pins_matplotlib", "frame_snapshot", "pytest_addoption", "pytest_collection_finish",
           "pytest_collection_modifyitems", "pytest_configure", "pytest_deselected", "pytest_runtest_makereport",
           "pytest_sessionfinish", "pytest_terminal_summary", "pytest_testnodedown", "pytest_testnodeready",
           "recording_snapshot"]

# The plugin's other names are imported when first read, not at pytest's start. Only __getattr__ is taken, not
# the __dir__ that would list them: pytest reads every name dir() gives it while looking for hooks and fixtures.
__getattr__ = exports(__name__, {
    "animator_app.snapshots.frame": ("FrameSnapshotFixture",),
    "animator_app.snapshots.recording": ("RecordingSnapshotFixture",),
    "animator_app.snapshots.frames": ("diff_image", "frame_of", "pinned", "versions"),
})[0]
